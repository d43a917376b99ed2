"""layers.readers, generic values: dates, flags, categories, coordinates and geometry files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from layers import schema as sc
from layers.readers import parse_mapping, read_layer
from tests.layers._readers_support import (
    INCIDENT_HEADER,
    TODAY,
    assert_contract,
    incidents,
    write_csv,
)

# --- generic values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "precision", "stamp"),
    [
        ("2021-03-05", "2021-03-05", "day", None),
        ("2021-03", "2021-03-01", "month", None),
        ("05/03/2021", "2021-03-05", "day", None),
        ("5/3/2021 09:05", "2021-03-05", "datetime", "2021-03-05 09:05:00"),
        ("2021-03-05 14:30", "2021-03-05", "datetime", "2021-03-05 14:30:00"),
        ("2021-03-05T14:30:15.25", "2021-03-05", "datetime", "2021-03-05 14:30:15.250"),
        ("2021-07-01T23:30:00Z", "2021-07-02", "datetime", "2021-07-02 00:30:00"),
        ("2021-01-10T12:00:00+02:00", "2021-01-10", "datetime", "2021-01-10 10:00:00"),
    ],
)
def test_dates_carry_their_precision(
    tmp_path: Path, text: str, day: str, precision: str, stamp: str | None
) -> None:
    result = incidents(tmp_path, [["e1", text, "Burglary", "-2.59", "51.45"]])
    row = result.valid.iloc[0]
    assert row[sc.DATE] == pd.Timestamp(day)
    assert row[sc.DATE_PRECISION] == precision
    assert (pd.isna(row[sc.DATETIME]) and stamp is None) or row[sc.DATETIME] == pd.Timestamp(stamp)


def test_month_precision_is_announced(tmp_path: Path) -> None:
    result = incidents(tmp_path, [["e1", "2021-03", "Burglary", "-2.59", "51.45"]])
    assert any("month precision" in note for note in result.notes)


def test_flags_accept_the_usual_spellings_and_reject_others(tmp_path: Path) -> None:
    header = [*INCIDENT_HEADER, "CCE", "knife_enabled"]
    values = [("Yes", "0"), ("n", "TRUE"), ("", "y"), ("maybe", "1")]
    rows = [[f"e{i}", "2021-03-05", "Drugs", "-2.59", "51.45", *v] for i, v in enumerate(values)]
    path = write_csv(tmp_path / "flags.csv", header, rows)
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.CCE].tolist() == [True, False, pd.NA]
    assert result.valid[sc.KNIFE_ENABLED].tolist() == [False, True, True]
    assert result.rejected[sc.REASON].tolist() == ["unparseable value: cce"]


def test_category_case_is_normalised(tmp_path: Path) -> None:
    result = incidents(tmp_path, [["e1", "2021-03-05", "possession OF weapons", "-2.59", "51.45"]])
    assert result.valid[sc.CATEGORY].tolist() == ["Possession of weapons"]


def test_mapped_csv_in_wgs84(tmp_path: Path) -> None:
    header = ["Crime ref", "When", "Type", "Longitude", "Lat Y"]
    path = write_csv(tmp_path / "wgs.csv", header, [["c1", "2021-03-05", "Drugs", "-2.6", "51.4"]])
    mapping = {"Crime ref": "id", "When": "date", "Type": "category", "Lat Y": "lat"}
    result = read_layer("incidents", [path], mapping=mapping, today=TODAY)
    assert_contract(result)
    assert result.valid[[sc.EVENT_ID, sc.LON, sc.LAT]].values.tolist() == [["c1", -2.6, 51.4]]


def test_mapped_csv_in_british_national_grid(tmp_path: Path) -> None:
    header = ["ref", "date", "category", "X", "Y"]
    rows = [
        ["c1", "2021-03-05", "Drugs", "358500", "173000"],
        ["c2", "2021-03-05", "Drugs", "0", "0"],
    ]
    path = write_csv(tmp_path / "bng.csv", header, rows)
    mapping = parse_mapping(["ref=event_id", "X=easting", "Y=northing"])
    result = read_layer("incidents", [path], mapping=mapping, today=TODAY)
    assert_contract(result)
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(358500, 173000)
    assert (lon, lat) == pytest.approx((-2.59, 51.45), abs=0.01)  # sanity of the reference
    assert result.valid[sc.LON].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert result.valid[sc.LAT].iloc[0] == pytest.approx(lat, abs=1e-6)
    assert result.rejected[sc.REASON].tolist() == ["coordinates at 0,0"]


@pytest.mark.parametrize(("suffix", "driver"), [("geojson", "GeoJSON"), ("gpkg", "GPKG")])
def test_geojson_and_geopackage_points_are_reprojected(
    tmp_path: Path, suffix: str, driver: str
) -> None:
    frame = gpd.GeoDataFrame(
        {"event_id": ["g1", "g2", "g3"], "date": ["2021-03-05"] * 3, "category": ["Drugs"] * 3},
        geometry=[shapely.Point(358500, 173000), None, shapely.Point(358600, 173100)],
        crs="EPSG:27700",
    )
    path = tmp_path / f"points.{suffix}"
    frame.to_file(path, driver=driver)
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    expected = frame.drop(index=1).to_crs(4326)
    assert result.valid[sc.LON].to_numpy() == pytest.approx(
        expected.geometry.x.to_numpy(), abs=1e-9
    )
    assert result.valid[sc.LAT].to_numpy() == pytest.approx(
        expected.geometry.y.to_numpy(), abs=1e-9
    )
    assert result.rejected[[sc.ROW_NUMBER, sc.REASON]].values.tolist() == [[2, "no location"]]


def test_interventions_take_polygon_wkt_and_a_point_inside(tmp_path: Path) -> None:
    square = shapely.box(-2.60, 51.44, -2.58, 51.46)
    frame = gpd.GeoDataFrame(
        {"event_id": ["i1"], "name": ["Park patrol"], "intervention_type": ["guardianship"]}
        | {"start_date": ["2021-04-01"], "end_date": ["2021-09"]},
        geometry=[square],
        crs="EPSG:4326",
    )
    path = tmp_path / "plans.geojson"
    frame.to_file(path, driver="GeoJSON")
    result = read_layer("interventions", [path], today=TODAY)
    assert_contract(result)
    row = result.valid.iloc[0]
    assert shapely.from_wkt(row[sc.GEOMETRY_WKT]).equals(square)
    assert square.contains(shapely.Point(row[sc.LON], row[sc.LAT]))
    assert row[sc.END_DATE] == pd.Timestamp("2021-09-01")


def test_csv_interventions_read_wkt_or_points(tmp_path: Path) -> None:
    header = ["id", "name", "intervention_type", "start_date", "wkt", "lon", "lat"]
    rows = [
        ["i1", "Hub", "youth work", "2021-04-01", "POINT (-2.59 51.45)", "", ""],
        ["i2", "Patrol", "policing", "2030-01-01", "", "-2.58", "51.46"],
        ["i3", "Bad", "policing", "2021-04-01", "POLYGON ((oops", "", ""],
    ]
    result = read_layer("interventions", [write_csv(tmp_path / "i.csv", header, rows)], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.GEOMETRY_WKT].tolist() == ["POINT (-2.59 51.45)", "POINT (-2.58 51.46)"]
    assert result.rejected[sc.REASON].tolist() == ["unparseable coordinates"]
