"""Tests of layers.boundaries: reading, storing, point assignment, extent, demo wards."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from layers import boundaries as B
from layers import localities as L
from layers._errors import FileRefused, SchemaError
from layers.schema import LAYER_COLUMNS, Kind

WARDS_2016 = "boundaries/bristol_wards_2016_34wards_bcc.geojson"
LSOA_2011 = "boundaries/bristol_lsoa_2011_ukgeojson.geojson"
WARD_MAPPING = {"ward_id": "code", "ward_name": "name"}
OUTPUT = ["code", "name", "level", "parent_code", "geometry"]
BNG = "EPSG:27700"


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path)
    return path


MAP = {"wd_id": "code", "wd_nm": "name"}


# --- read_boundaries --------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp", ".zip"])
def test_read_boundaries_formats_reproject_to_wgs84(
    tmp_path: Path, suffix: str, squares: gpd.GeoDataFrame
) -> None:
    path = _write(squares, tmp_path / f"w{'.shp' if suffix == '.zip' else suffix}")
    if suffix == ".zip":
        with zipfile.ZipFile(tmp_path / "w.zip", "w") as archive:
            for part in tmp_path.glob("w.*"):
                if part.suffix != ".zip":
                    archive.write(part, part.name)
        path = tmp_path / "w.zip"
    areas = B.read_boundaries(path, mapping=MAP)
    assert list(areas.columns) == OUTPUT
    assert areas.crs == "EPSG:4326"
    assert areas["code"].tolist() == ["W1", "W2", "W3", "W4"]
    assert (areas["level"] == "ward").all()
    assert areas["parent_code"].isna().all()
    to_wgs = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(358_000, 172_000)
    w4 = areas.set_index("code").geometry["W4"]  # the square with corner (358000, 172000)
    assert min(abs(x - lon) + abs(y - lat) for x, y in w4.exterior.coords) < 1e-9


def test_read_boundaries_guesses_british_grid_without_crs(
    tmp_path: Path, squares: gpd.GeoDataFrame
) -> None:
    path = _write(squares, tmp_path / "noprj.shp")
    path.with_suffix(".prj").unlink()
    areas = B.read_boundaries(path, mapping=MAP)
    expected = squares.to_crs("EPSG:4326").set_index("wd_id").geometry
    for code, shape in zip(areas["code"], areas.geometry, strict=True):
        assert shape.normalize().equals_exact(expected[code].normalize(), tolerance=1e-9)
    assert areas.attrs["notes"] == [
        "noprj.shp has no CRS; its coordinates look like EPSG:27700, read as such"
    ]


@pytest.mark.realdata
def test_read_boundaries_real_wards(shared_data: Path) -> None:
    wards = B.read_boundaries(shared_data / WARDS_2016, mapping=WARD_MAPPING)
    assert len(wards) == 34
    assert wards["code"].tolist() == [f"E05010{n}" for n in range(885, 919)]
    assert list(wards.columns) == OUTPUT
    assert set(wards.geom_type) <= {"Polygon", "MultiPolygon"}
    assert wards.crs == "EPSG:4326"
    assert "Hengrove & Whitchurch Park" in set(wards["name"])


@pytest.mark.realdata
def test_read_boundaries_real_lsoas_with_parent_lookup(shared_data: Path) -> None:
    lookup = shared_data / "boundaries/derived/bristol_lsoa2011_to_ward2016_centroid_bestfit.csv"
    mapping = {"LSOA11CD": "code", "LSOA11NM": "name", "ward_id": "parent_code"}
    lsoas = B.read_boundaries(shared_data / LSOA_2011, mapping=mapping, level="lsoa",
                              parent_file=lookup)  # fmt: skip
    expected = pd.read_csv(lookup, dtype=str).set_index("LSOA11CD")["ward_id"]
    assert len(lsoas) == 263
    assert (lsoas["level"] == "lsoa").all()
    assert lsoas.set_index("code")["parent_code"].to_dict() == expected.to_dict()
    assert lsoas.is_valid.all()


def test_read_boundaries_repairs_invalid_geometry(tmp_path: Path) -> None:
    x, y = 358_000, 172_000
    bowtie = shapely.Polygon([(x, y), (x + 1e3, y + 1e3), (x + 1e3, y), (x, y + 1e3)])
    frame = gpd.GeoDataFrame({"code": ["X"], "name": ["Bow"]}, geometry=[bowtie], crs=BNG)
    areas = B.read_boundaries(_write(frame, tmp_path / "b.geojson"))
    assert areas.is_valid.all()
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}
    assert areas.to_crs(BNG).area.iloc[0] == pytest.approx(0.5e6, rel=1e-6)
    assert any("repaired" in n and "X" in n for n in areas.attrs["notes"])


def test_read_boundaries_dissolves_repeated_codes(
    tmp_path: Path, squares: gpd.GeoDataFrame
) -> None:
    squares = squares.assign(wd_id=["A", "A", "B", "B"], wd_nm=["a", "a", "b", "b"])
    areas = B.read_boundaries(_write(squares, tmp_path / "d.gpkg"), mapping=MAP)
    assert areas["code"].tolist() == ["A", "B"]
    assert areas.to_crs(BNG).area.tolist() == pytest.approx([2e6, 2e6], rel=1e-6)
    assert any("dissolved 4 features into 2 areas" in n for n in areas.attrs["notes"])


def test_read_boundaries_refuses_missing_fields(tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    path = _write(squares, tmp_path / "wards.geojson")
    with pytest.raises(FileRefused) as caught:
        B.read_boundaries(path, mapping={"ward_id": "code"})
    message = str(caught.value)
    assert message.startswith("wards.geojson: the fields ['code', 'name'] are missing")
    assert "mapped fields not found: ['ward_id']" in message
    assert "fields found: ['wd_id', 'wd_nm']" in message
    assert "--map wd_id=code wd_nm=name" in message


def test_read_boundaries_refuses_points_and_blank_codes_at_once(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["P1", " "], "name": ["p", "q"]},
        geometry=[shapely.Point(358_000, 172_000), shapely.Point(359_000, 172_000)],
        crs=BNG,
    )
    with pytest.raises(FileRefused, match=r"has no polygons.*1 feature\(s\) have a blank code"):
        B.read_boundaries(_write(frame, tmp_path / "p.geojson"))


def test_read_boundaries_refuses_unreadable_and_bad_arguments(tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(FileRefused, match=r"broken\.geojson: cannot be read"):
        B.read_boundaries(broken)
    with pytest.raises(FileRefused, match=r"unsupported file type '\.txt'"):
        B.read_boundaries(tmp_path / "w.txt")
    with pytest.raises(SchemaError, match=r"map fields only to.*level must be one of"):
        B.read_boundaries(broken, mapping={"a": "identifier"}, level="district")


# --- storing ------------------------------------------------------------------------------
def test_boundaries_frame_round_trip(tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    areas = B.read_boundaries(_write(squares, tmp_path / "w.geojson"), mapping=MAP)
    frame = B.boundaries_to_frame(areas)
    columns = LAYER_COLUMNS[Kind.BOUNDARIES]
    assert list(frame.columns) == list(columns)
    assert [str(t) for t in frame.dtypes] == list(columns.values())
    back = B.frame_to_boundaries(frame)
    assert list(back.columns) == OUTPUT
    assert back.crs == "EPSG:4326"
    assert back.geometry.geom_equals_exact(areas.geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(areas.drop(columns="geometry"))
    )


def test_frame_to_boundaries_refuses_bad_wkt() -> None:
    frame = pd.DataFrame({"code": ["A"], "name": ["a"], "geometry_wkt": ["POLYGON ((oops"]})
    with pytest.raises(SchemaError, match=r"unreadable geometry_wkt for codes \['A'\]"):
        B.frame_to_boundaries(frame)


# --- assign_areas -----------------------------------------------------------------------
def _sjoin_codes(lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame) -> list[object]:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, areas[["code", "geometry"]], predicate="within", how="left")
    assert not joined.index.duplicated().any()
    return [None if pd.isna(c) else c for c in joined["code"]]


def test_assign_areas_matches_sjoin_within(tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    areas = B.read_boundaries(_write(squares, tmp_path / "w.geojson"), mapping=MAP)
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = areas.total_bounds
    lon = rng.uniform(x0 - 0.01, x1 + 0.01, 3_000)
    lat = rng.uniform(y0 - 0.01, y1 + 0.01, 3_000)
    lon, lat = np.concatenate([lon, lon[:500]]), np.concatenate([lat, lat[:500]])
    lon[7] = np.nan
    got = B.assign_areas(lon, lat, areas)
    expected = _sjoin_codes(lon, lat, areas)
    expected[7] = None
    assert got.tolist() == expected
    assert {c for c in got if c} == {"W1", "W2", "W3", "W4"}
    assert None in set(got)


def test_assign_areas_shared_edge_goes_to_first_code(
    tmp_path: Path, squares: gpd.GeoDataFrame
) -> None:
    areas = B.read_boundaries(_write(squares, tmp_path / "w.geojson"), mapping=MAP)
    shapes = {c: set(g.exterior.coords) for c, g in zip(areas["code"], areas.geometry, strict=True)}
    centre = (shapes["W1"] & shapes["W2"] & shapes["W3"] & shapes["W4"]).pop()
    top = (shapes["W1"] & shapes["W2"] - {centre}).pop()  # on the W1 / W2 edge only
    bottom = (shapes["W3"] & shapes["W4"] - {centre}).pop()  # on the W3 / W4 edge only
    lon, lat = zip(centre, top, bottom, strict=True)
    for frame in (areas, areas.iloc[::-1]):
        assert B.assign_areas(lon, lat, frame).tolist() == ["W1", "W1", "W3"]


@pytest.mark.realdata
def test_assign_areas_real_wards_random_points(shared_data: Path) -> None:
    wards = B.read_boundaries(shared_data / WARDS_2016, mapping=WARD_MAPPING)
    rng = np.random.default_rng(9)
    x0, y0, x1, y1 = wards.total_bounds
    lon, lat = rng.uniform(x0, x1, 5_000), rng.uniform(y0, y1, 5_000)
    assert B.assign_areas(lon, lat, wards).tolist() == _sjoin_codes(lon, lat, wards)


@pytest.mark.realdata
def test_assign_areas_every_police_point_in_one_ward(shared_data: Path) -> None:
    crimes = pd.read_csv(
        shared_data / "police_uk/bristol_street_2020-10_to_2021-09.csv",
        usecols=["Longitude", "Latitude"],
    ).dropna()
    wards = B.read_boundaries(shared_data / WARDS_2016, mapping=WARD_MAPPING)
    codes = B.assign_areas(crimes["Longitude"], crimes["Latitude"], wards)
    assert len(codes) > 50_000
    assert pd.notna(codes).all()
    assert set(codes) <= set(wards["code"])


def test_assign_areas_refuses_areas_without_code() -> None:
    frame = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(0, 0, 1, 1)])
    with pytest.raises(SchemaError, match=r"no CRS.*lacks the columns \['code'\]"):
        B.assign_areas([0.5], [0.5], frame)


# --- extent -------------------------------------------------------------------------------
def test_extent_of_buffers_in_metres(tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    areas = B.read_boundaries(_write(squares, tmp_path / "w.geojson"), mapping=MAP)
    extent = B.extent_of(areas, buffer_m=2000)
    box = shapely.segmentize(shapely.box(356_001, 170_001, 361_999, 175_999), 100)
    lon, lat = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True).transform(
        *shapely.get_coordinates(box).T
    )
    assert extent.contains(lon, lat).all()
    assert extent.min_lon == pytest.approx(min(lon), abs=3e-5)  # the box is 1 m inside
    assert extent.max_lat == pytest.approx(max(lat), abs=3e-5)
    outside = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True).transform(359_000, 176_100)
    assert not extent.contains(*outside)


def test_extent_of_refuses_negative_buffer_and_empty(
    tmp_path: Path, squares: gpd.GeoDataFrame
) -> None:
    areas = B.read_boundaries(_write(squares, tmp_path / "w.geojson"), mapping=MAP)
    with pytest.raises(SchemaError, match="buffer_m must be a number of metres >= 0"):
        B.extent_of(areas, buffer_m=-1)
    with pytest.raises(SchemaError, match="areas is empty"):
        B.extent_of(areas.iloc[:0], buffer_m=10)


# --- demo wards -----------------------------------------------------------------------------
def test_demo_wards_shipped() -> None:
    wards = B.demo_wards()
    assert list(wards.columns) == OUTPUT
    assert wards["code"].tolist() == [f"E05010{n}" for n in range(885, 919)]
    assert set(wards["parent_code"]) == set(L.LOCALITY_NAMES)
    assert wards.attrs["notes"] == []
    assert wards.is_valid.all()
    union = shapely.union_all(wards.to_crs(BNG).geometry.to_numpy())
    assert union.area == pytest.approx(wards.to_crs(BNG).area.sum(), rel=1e-6)  # no overlaps
    path = Path(B.__file__).resolve().parent.parent / "data/boundaries"
    assert (path / "demo_wards_bristol_approx.geojson").stat().st_size < 100_000


@pytest.mark.realdata
def test_demo_wards_cover_real_centroids(shared_data: Path) -> None:
    real = gpd.read_file(shared_data / WARDS_2016)
    centroids = real.geometry.to_crs(BNG).centroid.to_crs("EPSG:4326")
    codes = B.assign_areas(centroids.x, centroids.y, B.demo_wards())
    assert codes.tolist() == real["ward_id"].tolist()
