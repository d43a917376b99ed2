"""Tests of layers.grid against h3-py's scalar functions and brute force."""

from __future__ import annotations

from pathlib import Path

import duckdb
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from layers import _unique, grid
from layers._errors import SchemaError
from layers.schema import H3_CELL

WARDS_2016 = "boundaries/bristol_wards_2016_34wards_bcc.geojson"


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    """About 2,000 points in and around Bristol, with repeats and NaNs."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(-2.80, -2.45, 1_600)
    lat = rng.uniform(51.35, 51.60, 1_600)
    repeat = rng.integers(0, 1_600, 400)  # shared snap points, as police.uk has
    lon, lat = np.concatenate([lon, lon[repeat]]), np.concatenate([lat, lat[repeat]])
    lon[[5, 17]] = np.nan
    lat[[17, 99]] = np.nan
    return lon, lat


def _scalar_cells(lon: np.ndarray, lat: np.ndarray, res: int) -> np.ndarray:
    return np.array(
        [
            h3.str_to_int(h3.latlng_to_cell(y, x, res)) if np.isfinite(x + y) else 0
            for x, y in zip(lon, lat, strict=True)
        ],
        dtype=np.uint64,
    )


def _some_cells(res: int = 11) -> np.ndarray:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-2.7, -2.5, 500), rng.uniform(51.4, 51.55, 500)
    return _scalar_cells(lon, lat, res)


# --- cells_from_points ------------------------------------------------------------------
@pytest.mark.parametrize("res", [6, 7, 8, 9, 10, 11])
def test_cells_from_points_matches_latlng_to_cell(
    points: tuple[np.ndarray, np.ndarray], res: int
) -> None:
    lon, lat = points
    cells = grid.cells_from_points(lon, lat, resolution=res)
    assert cells.dtype == np.uint64
    np.testing.assert_array_equal(cells, _scalar_cells(lon, lat, res))


def test_cells_from_points_zero_for_nan_and_inf() -> None:
    lon = np.array([-2.59, np.inf, np.nan, -2.59])
    lat = np.array([51.45, 51.45, 51.45, -np.inf])
    cells = grid.cells_from_points(lon, lat, resolution=9)
    assert cells[0] != 0
    assert cells[1:].tolist() == [0, 0, 0]


def test_cells_from_points_calls_h3_once_per_unique_pair(
    points: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    lon, lat = points
    calls: list[tuple[float, float]] = []
    real = grid.h3i.latlng_to_cell

    def counting(y: float, x: float, res: int) -> int:
        calls.append((x, y))
        return int(real(y, x, res))

    monkeypatch.setattr(grid.h3i, "latlng_to_cell", counting)
    grid.cells_from_points(lon, lat, resolution=8)
    finite = np.isfinite(lon) & np.isfinite(lat)
    expected = {(x, y) for x, y in zip(lon[finite], lat[finite], strict=True)}
    assert len(calls) == len(expected) < finite.sum()
    assert set(calls) == expected


def test_cells_from_points_exact_despite_hash_collisions(
    points: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    lon, lat = points
    monkeypatch.setattr(_unique, "_pair_keys", lambda x, y: np.zeros(x.size, dtype=np.uint64))
    cells = grid.cells_from_points(lon, lat, resolution=10)
    np.testing.assert_array_equal(cells, _scalar_cells(lon, lat, 10))


def test_unique_points_scatter_back(points: tuple[np.ndarray, np.ndarray]) -> None:
    lon, lat = points
    ulon, ulat, inverse = grid.unique_points(lon, lat)
    finite = inverse >= 0
    assert finite.tolist() == (np.isfinite(lon) & np.isfinite(lat)).tolist()
    np.testing.assert_array_equal(ulon[inverse[finite]], lon[finite])
    np.testing.assert_array_equal(ulat[inverse[finite]], lat[finite])
    assert len(set(zip(ulon, ulat, strict=True))) == ulon.size


def test_cells_from_points_empty_keeps_dtype() -> None:
    cells = grid.cells_from_points([], [], resolution=8)
    assert cells.dtype == np.uint64
    assert cells.size == 0


def test_cells_from_points_refuses_bad_input_all_at_once() -> None:
    with pytest.raises(SchemaError, match=r"resolution must be an integer 0-15; received 16"):
        grid.cells_from_points([-2.6], [51.4], resolution=16)
    with pytest.raises(SchemaError, match="differ in length"):
        grid.cells_from_points([-2.6, -2.5], [51.4], resolution=8)
    with pytest.raises(SchemaError, match="swapped") as caught:
        grid.cells_from_points([51.4, 400.0], [-2.6, 95.0], resolution=8)
    assert "1 longitude(s)" in str(caught.value)
    assert "1 latitude(s)" in str(caught.value)
    with pytest.raises(SchemaError, match="resolution"):
        grid.cells_from_points([-2.6], [51.4], resolution=True)


# --- parents ----------------------------------------------------------------------------
@pytest.mark.parametrize("res", range(0, 12))
def test_cell_parents_matches_cell_to_parent(res: int) -> None:
    cells = _some_cells(11)
    expected = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells]
    np.testing.assert_array_equal(grid.cell_parents(cells, resolution=res), expected)


def test_cell_parents_keeps_zero_and_na() -> None:
    cells = _some_cells(10)[:3]
    with_gap = pd.array([int(cells[0]), None, int(cells[2])], dtype="UInt64")
    parents = grid.cell_parents(with_gap, resolution=7)
    expected = h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(cells[0])), 7))
    assert parents.tolist()[:2] == [expected, 0]
    assert grid.cell_parents(np.array([0], dtype=np.uint64), resolution=5).tolist() == [0]


def test_cell_parents_refuses_finer_resolution() -> None:
    with pytest.raises(SchemaError, match=r"resolution=10 is finer.*coarsest received: 9"):
        grid.cell_parents(_some_cells(9), resolution=10)


def test_cell_parents_refuses_non_cells() -> None:
    with pytest.raises(SchemaError, match="str_to_cells"):
        grid.cell_parents(np.array(["8b195839358efff"]), resolution=5)
    with pytest.raises(SchemaError, match="not H3 cell indexes"):
        grid.cell_parents(np.array([12345], dtype=np.uint64), resolution=5)


@pytest.mark.parametrize("res", [6, 8, 10, 11])
def test_parent_sql_in_duckdb_matches_cell_to_parent(res: int) -> None:
    cells = np.append(_some_cells(11), np.uint64(0))
    table = pd.DataFrame({H3_CELL: cells})
    con = duckdb.connect()
    con.register("t", table)
    assert con.execute("SELECT typeof(h3_cell) FROM t LIMIT 1").fetchall() == [("UBIGINT",)]
    got = con.sql(f"SELECT {grid.parent_sql(H3_CELL, resolution=res)} AS p FROM t").df()["p"]
    expected = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells[:-1]]
    assert got.tolist() == [*expected, 0]
    grouped = con.sql(
        f"SELECT {grid.parent_sql('t.h3_cell', resolution=res)} AS p, count(*) AS n "
        "FROM t WHERE h3_cell <> 0 GROUP BY p"
    ).df()
    assert (
        dict(zip(grouped["p"], grouped["n"], strict=True))
        == pd.Series(expected).value_counts().to_dict()
    )


def test_parent_sql_refuses_unsafe_column() -> None:
    with pytest.raises(SchemaError, match="plain SQL identifier"):
        grid.parent_sql("h3_cell; DROP TABLE t", resolution=8)


# --- strings ----------------------------------------------------------------------------
def test_cells_to_str_and_back() -> None:
    cells = np.append(_some_cells(9), [np.uint64(0)])
    text = grid.cells_to_str(cells)
    assert text[:-1].tolist() == [h3.int_to_str(int(c)) for c in cells[:-1]]
    assert text[-1] is None
    np.testing.assert_array_equal(grid.str_to_cells(text), cells)
    assert grid.str_to_cells(["", None, np.nan]).tolist() == [0, 0, 0]


def test_str_to_cells_refuses_non_cells() -> None:
    with pytest.raises(SchemaError, match=r"1 value\(s\) are not H3 cells.*'zzz'"):
        grid.str_to_cells(["8b195839358efff", "zzz"])


# --- polygons and neighbours --------------------------------------------------------------
def test_cell_polygons_vertices_swap_latlng() -> None:
    cells = _some_cells(8)
    shapes = grid.cell_polygons(cells)
    assert shapes.crs == "EPSG:4326"
    assert list(shapes.columns) == [H3_CELL, "geometry"]
    np.testing.assert_array_equal(shapes[H3_CELL].to_numpy(), cells)
    for cell, polygon in zip(cells[:50], shapes.geometry[:50], strict=True):
        boundary = h3.cell_to_boundary(h3.int_to_str(int(cell)))
        expected = [(lng, lat) for lat, lng in boundary]
        assert list(polygon.exterior.coords)[:-1] == expected
        lat, lng = h3.cell_to_latlng(h3.int_to_str(int(cell)))
        assert polygon.contains(shapely.Point(lng, lat))


def test_cell_polygons_empty_keeps_schema() -> None:
    shapes = grid.cell_polygons(np.array([], dtype=np.uint64))
    assert list(shapes.columns) == [H3_CELL, "geometry"]
    assert shapes[H3_CELL].dtype == np.uint64
    assert len(shapes) == 0


def test_cell_polygons_refuses_zero() -> None:
    with pytest.raises(SchemaError, match="not valid H3 cells"):
        grid.cell_polygons(np.array([0], dtype=np.uint64))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_cell_neighbours_matches_grid_disk(k: int) -> None:
    cells = _some_cells(9)[:40]
    pairs = grid.cell_neighbours(np.concatenate([cells, cells[:5]]), k=k)
    assert list(pairs.columns) == [H3_CELL, grid.NEIGHBOUR]
    assert (pairs.dtypes == np.uint64).all()
    expected = {
        (int(c), h3.str_to_int(n)) for c in cells for n in h3.grid_disk(h3.int_to_str(int(c)), k)
    }
    got = set(zip(pairs[H3_CELL].tolist(), pairs[grid.NEIGHBOUR].tolist(), strict=True))
    assert got == expected
    assert len(pairs) == len(expected)
    assert {(int(c), int(c)) for c in cells} <= got


def test_cell_neighbours_refuses_negative_k() -> None:
    with pytest.raises(SchemaError, match="k must be an integer >= 0"):
        grid.cell_neighbours(_some_cells(9)[:2], k=-1)


# --- coverage ---------------------------------------------------------------------------
def _brute_cover(union: shapely.Geometry, res: int) -> set[int]:
    """Every cell near the area whose hexagon intersects it, by brute force."""
    lon0, lat0 = union.centroid.x, union.centroid.y
    start = h3.latlng_to_cell(lat0, lon0, res)
    found = set()
    for cell in h3.grid_disk(start, 12):
        ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
        if shapely.Polygon(ring).intersects(union):
            found.add(h3.str_to_int(cell))
    return found


def test_cells_covering_equals_brute_force() -> None:
    square = shapely.box(-2.62, 51.44, -2.60, 51.455)
    holed = shapely.Polygon(
        [(-2.60, 51.44), (-2.58, 51.44), (-2.58, 51.452), (-2.60, 51.452)],
        [[(-2.595, 51.444), (-2.585, 51.444), (-2.585, 51.449), (-2.595, 51.449)]],
    )
    areas = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[square, holed], crs="EPSG:4326")
    covered = grid.cells_covering(areas, resolution=9)
    assert covered.dtype == np.uint64
    assert np.all(np.diff(covered.astype(np.int64)) > 0)
    assert set(covered.tolist()) == _brute_cover(shapely.union_all([square, holed]), 9)


def test_cells_covering_reprojects_and_handles_empty() -> None:
    bng = gpd.GeoSeries([shapely.box(358_000, 172_000, 360_000, 174_000)], crs="EPSG:27700")
    expected = grid.cells_covering(bng.to_crs("EPSG:4326"), resolution=8)
    np.testing.assert_array_equal(grid.cells_covering(bng, resolution=8), expected)
    assert grid.cells_covering(bng.iloc[:0], resolution=8).dtype == np.uint64


def test_cells_covering_refuses_points_and_missing_crs() -> None:
    with pytest.raises(SchemaError, match=r"no CRS.*must be polygons"):
        grid.cells_covering(gpd.GeoSeries([shapely.Point(0, 0)]), resolution=8)


@pytest.mark.realdata
def test_cells_covering_real_wards(shared_data: Path) -> None:
    wards = gpd.read_file(shared_data / WARDS_2016)
    union = shapely.union_all(wards.geometry.to_numpy())
    covered = grid.cells_covering(wards, resolution=9)
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = union.bounds
    lon, lat = rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)
    inside = shapely.intersects_xy(union, lon, lat)
    cells = grid.cells_from_points(lon[inside], lat[inside], resolution=9)
    assert np.isin(cells, covered).all()
    hexagons = grid.cell_polygons(covered).geometry.to_numpy()
    assert shapely.intersects(union, hexagons).all()  # no cell lies wholly outside
    centres = {h3.str_to_int(c) for c in h3.geo_to_cells(union, 9)}
    assert centres <= set(covered.tolist())


# --- resolution_of ----------------------------------------------------------------------
def test_resolution_of() -> None:
    cells = np.append(_some_cells(10), np.uint64(0))
    assert grid.resolution_of(cells) == h3.get_resolution(h3.int_to_str(int(cells[0]))) == 10
    mixed = np.concatenate([_some_cells(10)[:2], _some_cells(7)[:2]])
    with pytest.raises(SchemaError, match=r"one resolution; received resolutions \[7, 10\]"):
        grid.resolution_of(mixed)
    with pytest.raises(SchemaError, match=r"received resolutions \[\]"):
        grid.resolution_of(np.array([0], dtype=np.uint64))


def test_cell_centres_match_h3_with_the_swap() -> None:
    cells = grid.cells_from_points([-2.59, -2.60, -2.59], [51.45, 51.46, 51.45], resolution=9)
    lon, lat = grid.cell_centres(cells)
    for cell, x, y in zip(cells.tolist(), lon, lat, strict=True):
        expected_lat, expected_lon = h3.cell_to_latlng(h3.int_to_str(cell))
        assert (x, y) == (expected_lon, expected_lat)
