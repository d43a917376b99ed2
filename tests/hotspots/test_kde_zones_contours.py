"""hotspots.kde: the surface's mean by H3 cell and by area, and its contours."""

from __future__ import annotations

import math

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from hotspots.kde import (
    DENSITY,
    GRID_CELLS,
    LEVEL,
    KdeResult,
    contours,
    density_by_areas,
    density_by_cells,
    kde_grid,
)
from layers._errors import SchemaError
from layers.schema import CODE, H3_CELL
from tests.hotspots._kde_support import BNG, TO_LONLAT, X0, Y0, clustered, points


# --- density by H3 cells and by areas ---------------------------------------------------------
@pytest.fixture(scope="module")
def surface() -> tuple[KdeResult, np.ndarray, np.ndarray]:
    x, y = clustered(seed=9)
    return kde_grid(points(x, y), bandwidth=250.0, cell_size=20.0), x, y


def lonlat_cells(x: np.ndarray, y: np.ndarray, resolution: int) -> list[int]:
    lon, lat = TO_LONLAT.transform(x, y)
    return [
        h3.str_to_int(h3.latlng_to_cell(b, a, resolution)) for a, b in zip(lon, lat, strict=True)
    ]


def test_density_by_cells_contract_and_h3_reference(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    result, _x, _y = surface
    east, north = result.cell_centres()
    inner = (np.abs(east - X0) < 2000) & (np.abs(north - Y0) < 2000)
    middle = (np.abs(east - X0) < 1500) & (np.abs(north - Y0) < 1500)
    # Reference: each grid centre assigned to its H3 cell by h3 itself, then averaged.
    owner = np.array(lonlat_cells(east[inner], north[inner], 9), dtype=np.uint64)
    reference = pd.Series(result.density[inner]).groupby(owner).agg(["mean", "size"])
    away_from_the_edge = np.unique(lonlat_cells(east[middle], north[middle], 9))
    cells = reference.index[reference["size"] >= 100].intersection(away_from_the_edge)
    cells = cells.to_numpy(np.uint64)
    frame = density_by_cells(result, cells)
    assert list(frame.columns) == [H3_CELL, DENSITY, GRID_CELLS]
    assert [str(t) for t in frame.dtypes] == ["uint64", "float64", "int64"]
    np.testing.assert_array_equal(frame[H3_CELL].to_numpy(), cells)
    expected = reference.loc[cells]
    np.testing.assert_allclose(frame[DENSITY], expected["mean"], rtol=0.02)
    assert np.all(np.abs(frame[GRID_CELLS].to_numpy() - expected["size"].to_numpy()) <= 3)


def test_density_by_cells_small_hexagons_are_sampled_at_their_centre(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    result, x, y = surface
    cells = lonlat_cells(x[:30], y[:30], 13)  # 44 m² hexagons in 400 m² grid cells
    frame = density_by_cells(result, [h3.int_to_str(c) for c in cells])
    assert frame[H3_CELL].tolist() == cells
    assert np.all(frame[GRID_CELLS] <= 1)
    east, north = result.cell_centres()
    to_bng = pyproj.Transformer.from_crs(4326, BNG, always_xy=True)
    for cell, value in zip(cells, frame[DENSITY], strict=True):
        lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
        cx, cy = to_bng.transform(lon, lat)
        near = np.hypot(east - cx, north - cy) < 30
        assert result.density[near].min() - 1e-9 <= value <= result.density[near].max() + 1e-9


def test_density_by_cells_beyond_the_grid_is_zero_or_unknown() -> None:
    x, y = np.array([X0, X0 + 400]), np.array([Y0, Y0 + 300])
    far = lonlat_cells(np.array([X0 + 20_000]), np.array([Y0]), 8)
    inside = kde_grid(points(x, y), bandwidth=200.0, cell_size=20.0)
    assert density_by_cells(inside, far)[DENSITY].tolist() == [0.0]
    clipped = kde_grid(
        points(x, y), bandwidth=200.0, cell_size=20.0, extent=(X0, Y0, X0 + 100, Y0 + 100)
    )
    assert not clipped.zero_beyond_grid
    assert np.isnan(density_by_cells(clipped, far)[DENSITY]).all()


def test_density_by_cells_empty_keeps_the_schema(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    frame = density_by_cells(surface[0], np.array([], dtype=np.uint64))
    assert frame.empty
    assert list(frame.columns) == [H3_CELL, DENSITY, GRID_CELLS]
    assert [str(t) for t in frame.dtypes] == ["uint64", "float64", "int64"]


def test_density_by_cells_refusals(surface: tuple[KdeResult, np.ndarray, np.ndarray]) -> None:
    result = surface[0]
    with pytest.raises(SchemaError, match="result must be a KdeResult"):
        density_by_cells(result.density, [1])  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="not H3 cells"):
        density_by_cells(result, [12345])
    with pytest.raises(SchemaError, match="uint64 integers or hexadecimal strings"):
        density_by_cells(result, ["not a cell"])
    mixed = lonlat_cells(np.array([X0]), np.array([Y0]), 8) + lonlat_cells(
        np.array([X0]), np.array([Y0]), 9
    )
    with pytest.raises(SchemaError, match="mix resolutions"):
        density_by_cells(result, mixed)


def test_density_by_areas_matches_a_direct_mean(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    result, _, _ = surface
    boxes = [(X0 - 1000, Y0 - 800, X0 + 300, Y0 + 700), (X0 + 300, Y0 - 800, X0 + 2000, Y0 + 700)]
    areas = gpd.GeoDataFrame(
        {CODE: ["W1", "W2"]}, geometry=[shapely.box(*b) for b in boxes], crs=BNG
    )
    frame = density_by_areas(result, areas.to_crs(4326))
    assert list(frame.columns) == [CODE, DENSITY, GRID_CELLS]
    assert [str(t) for t in frame.dtypes] == ["str", "float64", "int64"]
    east, north = result.cell_centres()
    for (xmin, ymin, xmax, ymax), value, used in zip(
        boxes, frame[DENSITY], frame[GRID_CELLS], strict=True
    ):
        inside = (east > xmin) & (east < xmax) & (north > ymin) & (north < ymax)
        # The boxes went through EPSG:4326 and back: their edges moved by centimetres.
        assert value == pytest.approx(result.density[inside].mean(), rel=0.005)
        assert abs(used - inside.sum()) <= 0.01 * inside.sum()


def test_density_by_areas_covering_the_grid_holds_all_the_mass(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    result, x, _ = surface
    xmin, ymin, xmax, ymax = result.extent
    middle = (xmin + xmax) / 2
    halves = [
        shapely.box(xmin - 500, ymin - 500, middle, ymax + 500),
        shapely.box(middle, ymin - 500, xmax + 500, ymax + 500),
    ]
    areas = gpd.GeoDataFrame({CODE: ["west", "east"]}, geometry=halves, crs=BNG)
    frame = density_by_areas(result, areas)
    mass = float((frame[DENSITY] * shapely.area(np.array(halves)) / 1e6).sum())
    assert mass == pytest.approx(x.size, rel=0.01)


def test_density_by_areas_refusals(surface: tuple[KdeResult, np.ndarray, np.ndarray]) -> None:
    result = surface[0]
    square = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    with pytest.raises(SchemaError, match="areas must be a GeoDataFrame"):
        density_by_areas(result, pd.DataFrame({CODE: ["a"]}))
    bad = gpd.GeoDataFrame({CODE: ["a", "a", None]}, geometry=[square, shapely.Point(X0, Y0), None])
    with pytest.raises(SchemaError) as caught:
        density_by_areas(result, bad)
    for expected in ("no CRS", "unique and present", "1 missing or empty", "must be polygons"):
        assert expected in str(caught.value)
    with pytest.raises(SchemaError, match="lacks a 'code' column"):
        density_by_areas(result, gpd.GeoDataFrame({"name": ["a"]}, geometry=[square], crs=BNG))


def test_density_by_areas_empty_keeps_the_schema(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    empty = gpd.GeoDataFrame({CODE: pd.Series([], dtype="str")}, geometry=[], crs=BNG)
    frame = density_by_areas(surface[0], empty)
    assert frame.empty
    assert [str(t) for t in frame.dtypes] == ["str", "float64", "int64"]


# --- contours ----------------------------------------------------------------------------------
def test_contours_contract(surface: tuple[KdeResult, np.ndarray, np.ndarray]) -> None:
    result = surface[0]
    top = float(result.density.max())
    frame = contours(result, levels=[top / 10, top / 2, top * 2])
    assert list(frame.columns) == [LEVEL, "geometry"]
    assert frame[LEVEL].dtype == np.float64
    assert frame.crs == "EPSG:4326"
    assert frame.attrs["unit"] == result.unit
    assert frame.geometry.is_valid.all()
    assert set(frame.geom_type[:2]) <= {"Polygon", "MultiPolygon"}
    assert frame.geometry.iloc[2].is_empty
    areas = frame.to_crs(BNG).area
    assert areas.iloc[0] > areas.iloc[1] > 0
    assert contours(result, levels=[]).empty


def test_contours_separate_cells_above_and_below(
    surface: tuple[KdeResult, np.ndarray, np.ndarray],
) -> None:
    result = surface[0]
    level = float(result.density.max()) / 5
    shape = contours(result, levels=level).to_crs(BNG).geometry.iloc[0]
    east, north = result.cell_centres()
    inside = shapely.contains_xy(shape, east, north)
    assert inside[result.density > level * 1.02].all()
    assert not inside[result.density < level * 0.98].any()
    cells = (result.density >= level).sum() * result.cell_size**2
    assert shape.area == pytest.approx(cells, rel=0.03)


def test_contour_of_one_point_is_the_analytic_circle() -> None:
    h, cell = 500.0, 5.0
    result = kde_grid(
        points(np.array([X0 + 1.3]), np.array([Y0 + 2.1])), bandwidth=h, cell_size=cell
    )
    peak = 3 / (math.pi * h * h) * 1e6
    level = peak / 4  # (1 - r²/h²)² = 1/4 -> r² = h²/2
    shape = contours(result, levels=level).to_crs(BNG).geometry.iloc[0]
    assert shape.area == pytest.approx(math.pi * h * h / 2, rel=0.002)
    assert shape.centroid.distance(shapely.Point(X0 + 1.3, Y0 + 2.1)) < 1


def test_contours_keep_holes() -> None:
    angle = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    x, y = X0 + 1000 * np.cos(angle), Y0 + 1000 * np.sin(angle)
    result = kde_grid(points(x, y), bandwidth=300.0, cell_size=20.0)
    shape = contours(result, levels=float(result.density.max()) / 2).to_crs(BNG).geometry.iloc[0]
    assert shape.geom_type == "Polygon"
    assert len(shape.interiors) == 1
    assert shapely.Polygon(shape.interiors[0]).contains(shapely.Point(X0, Y0))


def test_contours_refuse_bad_levels(surface: tuple[KdeResult, np.ndarray, np.ndarray]) -> None:
    with pytest.raises(SchemaError, match="finite numbers > 0"):
        contours(surface[0], levels=[1.0, 0.0, np.nan])
    with pytest.raises(SchemaError, match="a number or a list of numbers"):
        contours(surface[0], levels="high")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="result must be a KdeResult"):
        contours(None, levels=1.0)  # type: ignore[arg-type]
