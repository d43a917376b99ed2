"""Tests for layers.readers: police.uk and generic files into checked layer frames."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from layers import schema as sc
from layers._errors import FileRefused, SchemaError
from layers._pseudonym import pseudonymise
from layers.readers import (
    ReadResult,
    is_police_uk,
    parse_mapping,
    read_layer,
    read_police_uk,
)
from layers.schema import Extent, Kind

TODAY = date(2024, 6, 30)
BRISTOL = Extent(-2.75, 51.38, -2.50, 51.56)
INCIDENT_HEADER = ["event_id", "date", "category", "lon", "lat"]
GOOD = ["e1", "2021-03-05", "Burglary", "-2.59", "51.45"]
SECRET = b"s" * 32


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def police_row(
    crime_id: str = "",
    month: str = "2021-03",
    lon: str = "-2.590000",
    lat: str = "51.450000",
    location: str = "On or near Park Street",
    crime_type: str = "Anti-social behaviour",
) -> list[str]:
    force = "Avon and Somerset Constabulary"
    lsoa = ("E01014601", "Bristol 001A") if lon else ("", "")
    return [crime_id, month, force, force, lon, lat, location, *lsoa, crime_type, "", ""]


def write_police(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, list(sc.POLICE_UK_COLUMNS), rows)


def assert_accounted(result: ReadResult) -> None:
    rows = sum(source.rows_read for source in result.sources)
    assert len(result.valid) + len(result.rejected) == rows


def assert_contract(result: ReadResult) -> None:
    expected = {c: str(pd.Series(dtype=d).dtype) for c, d in sc.LAYER_COLUMNS[result.kind].items()}
    assert {c: str(t) for c, t in result.valid.dtypes.items()} == expected
    assert list(result.valid.columns) == list(sc.LAYER_COLUMNS[result.kind])
    assert {c: str(t) for c, t in result.rejected.dtypes.items()} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in sc.REJECTED_COLUMNS.items()
    }
    assert_accounted(result)


def incidents(tmp_path: Path, rows: list[list[str]], **options: object) -> ReadResult:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    result = read_layer("incidents", [path], today=TODAY, **options)  # type: ignore[arg-type]
    assert_contract(result)
    return result


# --- input errors ---------------------------------------------------------------------


def test_missing_columns_refuse_the_file_naming_them_and_the_columns_found(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "crimes.csv", ["ref", "when", "x", "y"], [["1", "2", "3", "4"]])
    with pytest.raises(FileRefused) as info:
        read_layer("incidents", [path], mapping={"ref": "id"})
    message = str(info.value)
    assert "crimes.csv" in message
    for expected in ("date (or datetime)", "category", "a location", "ref=id", "'when'", "'x'"):
        assert expected in message
    assert message.rstrip().endswith("(e.g. --map 'Crime ref=event_id').")


def test_mapped_column_absent_from_the_file_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", INCIDENT_HEADER, [GOOD])
    with pytest.raises(FileRefused, match="mapped column 'Crime ref' \\(for event_id\\)"):
        read_layer("incidents", [path], mapping={"Crime ref": "event_id"})


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"  \n\n", "empty"),
        ("latin1.csv", "event_id,caf\xe9\n1,2\n".encode("latin-1"), "UTF-8"),
        ("body.csv", "event_id,date\n1,caf\xe9\n".encode("latin-1"), "UTF-8"),
        ("binary.csv", b"\x00\x01\x02event_id\n", "binary"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "GeoJSON"),
        ("notes.txt", b"event_id\n1\n", "unknown file type"),
        ("bad.csv.gz", b"not gzip", "gzip"),
    ],
)
def test_unreadable_files_are_refused(
    tmp_path: Path, name: str, content: bytes, phrase: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=phrase):
        read_layer("incidents", [path])


def test_absent_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match=r"nowhere\.csv: cannot be read"):
        read_layer("incidents", [tmp_path / "nowhere.csv"])


def test_one_refused_file_refuses_the_whole_call(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", INCIDENT_HEADER, [GOOD])
    bad = write_csv(tmp_path / "bad.csv", ["event_id"], [["x"]])
    with pytest.raises(FileRefused, match=r"bad\.csv") as info:
        read_layer("incidents", [good, bad])
    assert "good.csv" not in str(info.value)


def test_bad_arguments_are_collected_into_one_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        read_layer(
            "nope",
            "a.csv",
            fmt="xls",
            extent=(0, 0, 1, 1),  # type: ignore[arg-type]
        )
    message = str(info.value)
    for expected in ("kind must be one of", "paths must be a list", "fmt must be one of", "extent"):
        assert expected in message


@pytest.mark.parametrize(
    ("kind", "options", "phrase"),
    [
        ("boundaries", {}, "layers.boundaries"),
        ("incidents", {"mapping": {"a": "colour"}}, "'colour' \\(from 'a'\\)"),
        ("incidents", {"mapping": {"a": "lon", "b": "lon"}}, "two columns to 'lon'"),
        ("missing", {"fmt": "police-uk"}, "holds incidents"),
        ("missing", {"secret": "text"}, "secret must be"),
        ("incidents", {"today": "2024-01-01"}, "today must be"),
    ],
)
def test_invalid_argument_is_refused(
    tmp_path: Path, kind: str, options: dict[str, object], phrase: str
) -> None:
    with pytest.raises(SchemaError, match=phrase):
        read_layer(kind, [tmp_path / "a.csv"], **options)  # type: ignore[arg-type]


def test_parse_mapping_reads_pairs_and_splits_at_the_last_equals() -> None:
    assert parse_mapping(["Crime ref=event_id", " X = easting", "a=b=lat"]) == {
        "Crime ref": "event_id",
        "X": "easting",
        "a=b": "lat",
    }


def test_parse_mapping_names_every_malformed_pair() -> None:
    with pytest.raises(SchemaError) as info:
        parse_mapping(["no equals", "=lat", "a=", "x=lon", "x=lat"])
    message = str(info.value)
    for expected in ("'no equals'", "'=lat'", "'a='", "'x' is mapped twice", "--map"):
        assert expected in message


# --- rejected rows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["e2", "2021-03-05", "Burglary", "", ""], "no location"),
        (["e2", "5th of March", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "2021-02-30", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "0021-03-05", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "2024-07-01", "Burglary", "-2.59", "51.45"], "future date"),
        (["e2", "2021-03-05", "Burglary", "0", "0"], "coordinates at 0,0"),
        (["e2", "2021-03-05", "Burglary", "-0.12", "51.50"], "outside extent"),
        (["e2", "2021-03-05", "Burglary", "west", "51.45"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "nan", "51.45"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-2.59", "inf"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-2.59", ""], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-200", "51.45"], "unparseable coordinates"),
        (["e1", "2021-03-06", "Drugs", "-2.58", "51.46"], "duplicate id in file"),
        (["e2", "2021-03-05", "Jaywalking", "-2.59", "51.45"], "unknown category"),
        (["e2", "2021-03-05", "", "-2.59", "51.45"], "missing required field: category"),
        (["", "2021-03-05", "Burglary", "-2.59", "51.45"], "missing required field: event_id"),
        (["e2", "", "Burglary", "-2.59", "51.45"], "missing required field: date"),
    ],
)
def test_each_bad_row_is_rejected_with_its_reason_and_line(
    tmp_path: Path, row: list[str], reason: str
) -> None:
    result = incidents(tmp_path, [GOOD, row], extent=BRISTOL)
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        ["incidents.csv", 3, reason]
    ]
    assert json.loads(result.rejected[sc.RAW].iloc[0]) == dict(
        zip(INCIDENT_HEADER, [v or None for v in row], strict=True)
    )


def test_a_row_with_several_problems_is_rejected_once_with_all_reasons(tmp_path: Path) -> None:
    result = incidents(tmp_path, [GOOD, ["e1", "soon", "Jaywalking", "", ""]])
    assert result.rejected[sc.REASON].tolist() == [
        "unparseable date; no location; unknown category; duplicate id in file"
    ]


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    lines = [",".join(INCIDENT_HEADER), ",".join(GOOD), "e2,2021-03-05,Burglary", ""]
    lines.insert(3, "e3,2021-03-05,Burglary,-2.59,51.45,extra")
    path.write_text("\n".join(lines))
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    assert result.rejected[sc.ROW_NUMBER].tolist() == [3, 4]
    assert result.rejected[sc.REASON].tolist() == [
        "wrong number of fields: expected 5, found 3",
        "wrong number of fields: expected 5, found 6",
    ]


def test_blank_lines_are_skipped_and_row_numbers_stay_the_lines_of_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gaps.csv"
    text = "\n".join([",".join(INCIDENT_HEADER), ",".join(GOOD), "", ",,,,", "e2,x,Drugs,1,1"])
    path.write_text(text + "\n")
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    assert result.sources[0].rows_read == 2
    assert result.rejected[sc.ROW_NUMBER].tolist() == [5]
    assert any("2 blank lines skipped" in note for note in result.notes)


def test_header_only_file_gives_empty_frames_with_the_schema(tmp_path: Path) -> None:
    result = incidents(tmp_path, [])
    assert result.valid.empty
    assert result.rejected.empty


def test_duplicate_ids_across_files_keep_the_first(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", INCIDENT_HEADER, [GOOD])
    second = write_csv(tmp_path / "b.csv", INCIDENT_HEADER, [GOOD, GOOD])
    result = read_layer("incidents", [first, second], today=TODAY)
    assert_contract(result)
    assert len(result.valid) == 1
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER]].values.tolist() == [
        ["b.csv", 2],
        ["b.csv", 3],
    ]


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + ("\n".join([",".join(INCIDENT_HEADER), ",".join(GOOD)])).encode()
    )
    result = read_layer("incidents", [path], today=TODAY)
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]


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


def test_missing_episodes_are_pseudonymised_categorised_and_located(tmp_path: Path) -> None:
    header = ["episode", "child", "reported", "in_care", "last_lon", "last_lat", "found_lon"]
    header += ["found_lat", "age"]
    rows = [
        ["m1", "CHILD-7", "2021-03-05 22:10", "yes", "-2.59", "51.45", "", "", "14"],
        ["m2", "CHILD-7", "2021-04-01 08:00", "no", "", "", "-0.12", "51.5", "14"],
        ["m3", "CHILD-8", "2021-04-02", "", "", "", "", "", "15.5"],
    ]
    mapping = {"episode": "id", "child": "person_ref", "reported": "datetime"}
    mapping |= {"last_lon": "lon", "last_lat": "lat"}
    path = write_csv(tmp_path / "missing.csv", header, rows)
    result = read_layer("missing", [path], mapping=mapping, today=TODAY, secret=SECRET)
    assert_contract(result)
    valid = result.valid
    assert (
        valid[sc.PERSON_REF].tolist() == pseudonymise(pd.Series(["CHILD-7"] * 2), SECRET).tolist()
    )
    assert valid[sc.CATEGORY].tolist() == ["Missing from care", "Missing from home"]
    assert valid[sc.LOCATION_BASIS].tolist() == ["last seen", "found"]
    assert valid[sc.LON].tolist() == [-2.59, -0.12]
    assert valid[sc.DATETIME].tolist() == [
        pd.Timestamp("2021-03-05 22:10"),
        pd.Timestamp("2021-04-01 08:00"),
    ]
    assert valid[sc.DATE].tolist() == [pd.Timestamp("2021-03-05"), pd.Timestamp("2021-04-01")]
    assert result.rejected[sc.REASON].tolist() == ["no location; unparseable value: age"]


def test_raw_person_reference_appears_nowhere_in_the_output(tmp_path: Path) -> None:
    header = ["id", "person_ref", "datetime", "lon", "lat"]
    rows = [
        ["m1", "SECRET-REF-42", "2021-03-05", "-2.59", "51.45"],
        ["m2", "SECRET-REF-42", "not a date", "", ""],
        ["m2", "SECRET-REF-42", "2021-03-05", "-2.59", "51.45"],
    ]
    path = write_csv(tmp_path / "missing.csv", header, rows)
    with path.open("a") as handle:
        handle.write("m4,SECRET-REF-42,2021-03-05\n")  # too few fields
    result = read_layer("missing", [path], today=TODAY)  # key from the settings' secret file
    assert_contract(result)
    assert len(result.rejected) == 3
    for frame in (result.valid, result.rejected):
        cells = frame.astype("str").to_numpy().ravel().tolist()
        assert not any("SECRET-REF-42" in cell for cell in cells if isinstance(cell, str))


def test_missing_columns_the_layer_does_not_use_appear_nowhere(tmp_path: Path) -> None:
    header = ["id", "Name", "person_ref", "DOB", "datetime", "lon", "lat"]
    rows = [
        ["m1", "Zebedee Quillfeather", "REF-1", "1999-12-31", "2021-03-05", "-2.59", "51.45"],
        ["m2", "Xanthippe Wobblesworth", "REF-2", "1888-08-08", "not a date", "", ""],
    ]
    path = write_csv(tmp_path / "missing.csv", header, rows)
    result = read_layer("missing", [path], today=TODAY, secret=SECRET)
    assert_contract(result)
    assert (len(result.valid), len(result.rejected)) == (1, 1)
    raw = json.loads(result.rejected[sc.RAW].iloc[0])
    assert set(raw) == {"id", "person_ref", "datetime", "lon", "lat"}
    assert raw["person_ref"] == pseudonymise(pd.Series(["REF-2"]), SECRET).iloc[0]
    secrets = ("Zebedee", "Quillfeather", "Xanthippe", "Wobblesworth", "1999-12-31", "1888")
    for frame in (result.valid, result.rejected):
        cells = frame.astype("str").to_numpy().ravel().tolist()
        assert not any(s in str(cell) for cell in cells for s in secrets)


def test_other_layers_keep_the_whole_row_in_raw(tmp_path: Path) -> None:
    row = ["e1", "not a date", "Burglary", "-2.59", "51.45", "kept"]
    path = write_csv(tmp_path / "i.csv", [*INCIDENT_HEADER, "note"], [row])
    result = read_layer("incidents", [path], today=TODAY)
    assert json.loads(result.rejected[sc.RAW].iloc[0])["note"] == "kept"


def test_headerless_missing_file_is_refused_without_quoting_its_first_line(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "m.csv", ["m1", "SECRET-REF-42", "2021-03-05"], [])
    with pytest.raises(FileRefused, match="3, names withheld") as info:
        read_layer("missing", [path], secret=SECRET)
    assert "SECRET-REF-42" not in str(info.value)


def test_knife_rows_may_be_located_by_area_code(tmp_path: Path) -> None:
    header = ["id", "date", "area_code", "easting", "northing", "age_band"]
    rows = [
        ["k1", "2021-03-05", "E05010885", "", "", "15-17"],
        ["k2", "2021-03-05", "", "358500", "173000", "10-14"],
        ["k3", "2021-03-05", "", "", "", "10-14"],
    ]
    result = read_layer("knife", [write_csv(tmp_path / "k.csv", header, rows)], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.EVENT_ID].tolist() == ["k1", "k2"]
    assert result.valid[sc.CATEGORY].tolist() == ["Knife injury", "Knife injury"]
    assert result.rejected[sc.REASON].tolist() == ["no location"]


def test_survey_scores_come_from_numeric_or_yes_no_answers(tmp_path: Path) -> None:
    header = ["id", "survey", "question", "answer", "date", "area_code"]
    answers = ["4", "Yes", "no", "Sometimes"]
    rows = [
        [f"r{i}", "Safety 2021", "Feel safe?", a, "2021-06", "E05010885"]
        for i, a in enumerate(answers)
    ]
    result = read_layer("surveys", [write_csv(tmp_path / "s.csv", header, rows)], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.SCORE].tolist()[:3] == [4.0, 1.0, 0.0]
    assert np.isnan(result.valid[sc.SCORE].iloc[3])


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.BOUNDARIES])
def test_every_kind_keeps_its_schema_when_nothing_is_valid(tmp_path: Path, kind: Kind) -> None:
    header = ["id", "person_ref", "date", "datetime", "category", "lon", "lat", "survey"]
    header += ["question", "answer", "name", "intervention_type", "start_date"]
    path = write_csv(tmp_path / "x.csv", header, [[""] * len(header), ["x"] * len(header)])
    result = read_layer(kind, [path], today=TODAY, secret=SECRET)
    assert_contract(result)
    assert result.valid.empty
    assert len(result.rejected) == 1


# --- police.uk ------------------------------------------------------------------------


def test_identical_asb_rows_are_two_incidents_with_stable_ids(tmp_path: Path) -> None:
    rows = [police_row(), police_row(), police_row(location="On or near Elsewhere")]
    rows.append(police_row("abc123", crime_type="Burglary"))
    path = write_police(tmp_path / "2021-03-street.csv", rows)
    first, second = read_police_uk([path], today=TODAY), read_police_uk([path], today=TODAY)
    assert_contract(first)
    ids = first.valid[sc.EVENT_ID].tolist()
    assert len(set(ids)) == 4
    assert (ids[0][:7], ids[0][-2:], ids[1][-2:]) == ("pu-asb:", ":0", ":1")
    assert ids[0].rsplit(":", 1)[0] == ids[1].rsplit(":", 1)[0] != ids[2].rsplit(":", 1)[0]
    assert ids[3] == "pu:abc123"
    assert ids == second.valid[sc.EVENT_ID].tolist()


def test_police_fields_are_mapped(tmp_path: Path) -> None:
    path = write_police(
        tmp_path / "p.csv", [police_row("abc", month="2021-02", crime_type="Drugs")]
    )
    valid = read_police_uk([path], today=TODAY).valid
    row = valid.iloc[0]
    assert (row[sc.DATE], row[sc.DATE_PRECISION]) == (pd.Timestamp("2021-02-01"), "month")
    assert (row[sc.SOURCE_REF], row[sc.CATEGORY], row[sc.LSOA]) == ("abc", "Drugs", "E01014601")
    assert (row[sc.LON], row[sc.LAT], row[sc.FORCE]) == (
        -2.59,
        51.45,
        "Avon and Somerset Constabulary",
    )
    assert valid[list(sc.FLAG_COLUMNS)].isna().all().all()


def test_police_gz_and_several_files_are_read_together(tmp_path: Path) -> None:
    plain = write_police(tmp_path / "2021-03.csv", [police_row("a1"), police_row()])
    text = write_police(tmp_path / "tmp.csv", [police_row("b1", month="2021-04"), police_row("a1")])
    packed = tmp_path / "2021-04.csv.gz"
    packed.write_bytes(gzip.compress(text.read_bytes()))
    result = read_layer("incidents", [plain, packed], today=TODAY)  # detected as police.uk
    assert_contract(result)
    assert [s.name for s in result.sources] == ["2021-03.csv", "2021-04.csv.gz"]
    assert result.sources[1].rows_read == 2
    assert len(result.valid) == 3
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        ["2021-04.csv.gz", 3, "duplicate id in file"]
    ]


def test_police_rows_without_location_or_with_bad_month_are_rejected(tmp_path: Path) -> None:
    rows = [police_row("a"), police_row("b", lon="", lat=""), police_row("c", month="2021-03-05")]
    rows.append(police_row("d", month="2099-01"))
    result = read_police_uk([write_police(tmp_path / "p.csv", rows)], today=TODAY)
    assert_contract(result)
    assert result.rejected[[sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        [3, "no location"],
        [4, "unparseable date"],
        [5, "future date"],
    ]


def test_police_header_is_recognised(tmp_path: Path) -> None:
    police = write_police(tmp_path / "p.csv", [police_row()])
    other = write_csv(tmp_path / "o.csv", INCIDENT_HEADER, [GOOD])
    assert is_police_uk(police)
    assert not is_police_uk(other)
    assert not is_police_uk(tmp_path / "absent.csv")
    with pytest.raises(FileRefused, match=r"not a police\.uk street-level file"):
        read_police_uk([other])


# --- properties -----------------------------------------------------------------------

_cell = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", "2021-03-05", "2021-03", "-2.59", "51.45", "0", "Burglary", "e1", "nan", " "]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_cell, min_size=5, max_size=5), max_size=8))
def test_random_rows_are_all_accounted_for(tmp_path: Path, rows: list[list[str]]) -> None:
    rows = [[c.replace("\x00", "") for c in row] for row in rows]
    path = write_csv(tmp_path / "random.csv", INCIDENT_HEADER, rows)
    try:
        result = read_layer("incidents", [path], today=TODAY)
    except FileRefused:
        return
    blank = sum(all(not c.strip() for c in row) for row in rows)
    assert len(result.valid) + len(result.rejected) == len(rows) - blank
    assert_contract(result)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=200))
def test_random_bytes_give_a_result_or_a_refusal(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(b"event_id,date,category,lon,lat\n" + content)
    try:
        result = read_layer("incidents", [path], today=TODAY)
    except FileRefused:
        return
    assert_contract(result)


# --- real data ------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_bristol_year_rejects_exactly_the_repeated_crime_ids(shared_data: Path) -> None:
    path = shared_data / "police_uk" / "bristol_street_2020-10_to_2021-09.csv"
    result = read_police_uk([path])
    assert_contract(result)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    assert len(raw) == 58_436
    expected = (raw["Crime ID"].notna() & raw["Crime ID"].duplicated()) | raw["Longitude"].isna()
    assert int(expected.sum()) == 200
    assert sorted(result.rejected[sc.ROW_NUMBER]) == (np.flatnonzero(expected) + 2).tolist()
    by_lsoa = result.valid.groupby(sc.LSOA).size()
    pd.testing.assert_series_equal(
        by_lsoa, raw[~expected].groupby("LSOA code").size(), check_names=False
    )


@pytest.mark.realdata
def test_real_force_wide_month_rejects_rows_without_location(shared_data: Path) -> None:
    path = shared_data / "police_uk" / "raw" / "2019-05-avon-and-somerset-street.csv"
    result = read_police_uk([path])
    assert_contract(result)
    assert result.sources[0].rows_read == 15_298
    assert int(result.rejected[sc.REASON].str.contains("no location").sum()) == 1_622
