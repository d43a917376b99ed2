"""hotspots.kde: input errors, output contract, brute force / KDEpy references, planted patterns."""

from __future__ import annotations

import math
import time
import warnings
from datetime import date
from pathlib import Path

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
    KdeWarning,
    contours,
    density_by_areas,
    density_by_cells,
    kde_grid,
)
from layers._errors import SchemaError
from layers.schema import CODE, H3_CELL

BNG = "EPSG:27700"
X0, Y0 = 358_000.0, 173_000.0  # central Bristol, metres
TO_LONLAT = pyproj.Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)


# --- helpers: independent references ---------------------------------------------------
def points(x: np.ndarray, y: np.ndarray, **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(x, y), crs=BNG)


def clustered(seed: int = 1, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A few hundred points: three clusters plus a sparse background (isolated rims)."""
    rng = np.random.default_rng(seed)
    centres = [(X0, Y0), (X0 + 1500, Y0 - 900), (X0 - 1200, Y0 + 1300)]
    parts = [rng.normal(c, 180, (n // 4, 2)) for c in centres]
    parts.append(rng.uniform((X0 - 2500, Y0 - 2500), (X0 + 2500, Y0 + 2500), (n - 3 * (n // 4), 2)))
    xy = np.concatenate(parts)
    return xy[:, 0], xy[:, 1]


def brute_force(
    result: KdeResult, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> np.ndarray:
    """The kernel sum at every cell centre, point by point, in events per km²."""
    h = result.bandwidth
    weight = np.ones_like(x) if w is None else w
    east, north = result.cell_centres()
    total = np.zeros(east.size)
    for start in range(0, east.size, 20_000):
        ex, ny = east.ravel()[start : start + 20_000], north.ravel()[start : start + 20_000]
        d2 = (ex[:, None] - x[None, :]) ** 2 + (ny[:, None] - y[None, :]) ** 2
        if result.kernel == "quartic":
            k = np.where(d2 < h * h, 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2, 0.0)
        else:
            k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)  # not cut: the true Gaussian
        total[start : start + 20_000] = k @ weight
    return total.reshape(east.shape) * 1e6


def worst_relative_error(result: KdeResult, exact: np.ndarray, *, above: float = 0.01) -> float:
    mask = exact > above * exact.max()
    return float(np.max(np.abs(result.density[mask] / exact[mask] - 1)))


# --- output contract -----------------------------------------------------------------------
def test_result_contract() -> None:
    x, y = clustered()
    result = kde_grid(points(x, y))
    rows, columns = result.density.shape
    assert result.density.dtype == np.float64
    assert not result.density.flags.writeable
    assert result.crs == BNG
    assert result.kernel == "quartic"
    assert result.unit == "events per km²"
    assert (result.n_points, result.total_weight, result.n_left_out) == (len(x), len(x), 0)
    assert result.extent == pytest.approx(
        (
            *result.origin,
            result.origin[0] + columns * result.cell_size,
            result.origin[1] + rows * result.cell_size,
        )
    )
    east, north = result.cell_centres()
    assert east.shape == north.shape == result.density.shape
    assert east[0, 0] == pytest.approx(result.origin[0] + result.cell_size / 2)
    assert np.all(np.diff(north[:, 0]) > 0)
    assert np.all(np.diff(east[0]) > 0)
    assert result.density.min() >= 0
    assert result.zero_beyond_grid
    assert "ArcGIS's spatial Silverman rule" in result.bandwidth_rule
    assert f"{result.bandwidth:,.0f} m" in result.bandwidth_rule
    assert "/ 250" in result.cell_size_rule
    assert "exact kernel sum" in result.accuracy


def test_rows_run_south_to_north_and_columns_west_to_east() -> None:
    result = kde_grid(
        points(np.array([X0, X0 + 2000]), np.array([Y0, Y0 + 1000])),
        bandwidth=300.0,
        cell_size=50.0,
        weights=[1.0, 3.0],
    )
    east, north = result.cell_centres()
    top = np.unravel_index(np.argmax(result.density), result.density.shape)
    assert (east[top], north[top]) == pytest.approx((X0 + 2000, Y0 + 1000), abs=50)


def test_input_forms_give_the_same_surface() -> None:
    x, y = clustered(n=120)
    lon, lat = TO_LONLAT.transform(x, y)
    bx, by = pyproj.Transformer.from_crs(4326, BNG, always_xy=True).transform(lon, lat)
    options = {
        "bandwidth": 250.0,
        "cell_size": 40.0,
        "extent": (X0 - 3000, Y0 - 3000, X0 + 3000, Y0 + 3000),
    }
    metres = kde_grid(points(bx, by).geometry, **options)
    degrees = kde_grid(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326), **options)
    plain = kde_grid(pd.DataFrame({"lon": lon, "lat": lat}), **options)
    np.testing.assert_allclose(degrees.density, metres.density, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(plain.density, degrees.density)


def test_inputs_are_not_changed() -> None:
    x, y = clustered(n=80)
    frame = points(x, y, w=np.arange(80.0))
    before = frame.copy()
    kde_grid(frame, weights="w")
    pd.testing.assert_frame_equal(frame, before)


def test_counts_are_density_times_cell_area() -> None:
    x, y = clustered(n=80)
    density = kde_grid(points(x, y), bandwidth=300.0, cell_size=25.0)
    counts = kde_grid(points(x, y), bandwidth=300.0, cell_size=25.0, output="counts")
    assert counts.unit == "events per cell"
    np.testing.assert_allclose(counts.density, density.density * 25.0**2 / 1e6)
    assert counts.density.sum() == pytest.approx(80, rel=1e-3)


def test_no_points_with_an_extent_gives_a_zero_surface() -> None:
    empty = points(np.array([]), np.array([]))
    result = kde_grid(empty, bandwidth=200.0, extent=(X0, Y0, X0 + 1000, Y0 + 500))
    # Cell 500 m / 250 = 2 m; the grid widens the extent by 200 m + one cell each side.
    assert result.density.shape == ((500 + 2 * 202) / 2, (1000 + 2 * 202) / 2)
    assert not result.density.any()
    assert (result.n_points, result.total_weight) == (0, 0.0)


# --- chosen parameters -----------------------------------------------------------------------
def test_silverman_bandwidth_matches_a_hand_computation() -> None:
    # A 3 km x 4 km rectangle's corners: mean centre in the middle, every distance 2.5 km,
    # so SD = Dm = 2,500 m and h = 0.9 x min(2500, 1.2011 x 2500) x 4^-0.2 = 1,705.2 m.
    x = X0 + np.array([0.0, 3000, 0, 3000])
    y = Y0 + np.array([0.0, 0, 4000, 4000])
    result = kde_grid(points(x, y), cell_size=100.0)
    assert result.bandwidth == pytest.approx(0.9 * 2500 * 4**-0.2)
    assert result.bandwidth == pytest.approx(1705.18, abs=0.01)


def test_silverman_bandwidth_takes_the_median_branch_and_weights() -> None:
    # Four points around the origin and one 100 m east: mean centre (20, 0); distances
    # 21, 19, sqrt(401) twice and 80; Dm = sqrt(401) and sqrt(1/ln 2) Dm < SD.
    x = X0 + np.array([1.0, -1, 0, 0, 100])
    y = Y0 + np.array([0.0, 0, 1, -1, 0])
    sd = math.sqrt((21**2 + 19**2 + 401 + 401 + 80**2) / 5)
    dm = math.sqrt(401)
    expected = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * 5**-0.2
    assert kde_grid(points(x, y), cell_size=1.0).bandwidth == pytest.approx(expected)
    # Weights 1, 1, 1, 1, 4: mean centre (50, 0); weighted distances 49, 51, sqrt(2501)
    # twice (weight 1 each) and 50 (weight 4); weighted median 50; n = total weight 8.
    w = np.array([1.0, 1, 1, 1, 4])
    wd = [(49.0, 1), (51.0, 1), (math.sqrt(2501), 1), (math.sqrt(2501), 1), (50.0, 4)]
    wsd = math.sqrt(sum(d * d * k for d, k in wd) / 8)
    expected_w = 0.9 * min(wsd, math.sqrt(1 / math.log(2)) * 50.0) * 8**-0.2
    weighted = kde_grid(points(x, y), weights=w, cell_size=1.0)
    assert weighted.bandwidth == pytest.approx(expected_w)
    assert "weighted" in weighted.bandwidth_rule
    assert "total weight 8" in weighted.bandwidth_rule


def test_default_cell_size_is_the_shorter_side_over_250() -> None:
    x, y = X0 + np.array([0.0, 5000, 2500]), Y0 + np.array([0.0, 2000, 1000])
    result = kde_grid(points(x, y), bandwidth=100.0)
    assert result.cell_size == pytest.approx(8.0)
    assert result.cell_size_rule.startswith("cell size 8 m: the shorter side of the points' bounds")
    given = kde_grid(points(x, y), bandwidth=100.0, extent=(X0 - 500, Y0, X0 + 5500, Y0 + 3000))
    assert given.cell_size == pytest.approx(12.0)
    assert "the extent given" in given.cell_size_rule
    chosen = kde_grid(points(x, y), bandwidth=100.0, cell_size=20.0)
    assert chosen.cell_size_rule == "cell size 20 m: given by the caller"


def test_grid_is_padded_by_the_kernel_radius_plus_a_cell() -> None:
    x, y = X0 + np.array([0.0, 1000]), Y0 + np.array([0.0, 1000])
    for kernel, reach in (("quartic", 100.0), ("gaussian", 500.0)):
        result = kde_grid(points(x, y), bandwidth=100.0, cell_size=10.0, kernel=kernel)
        xmin, _ymin, xmax, _ymax = result.extent
        assert xmin <= X0 - reach - 10
        assert xmax >= X0 + 1000 + reach + 10
        assert result.density[0].max() == result.density[:, 0].max() == 0


# --- accuracy against brute force ------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_the_exact_kernel_sum(kernel: str, weighted: bool) -> None:
    x, y = clustered()
    w = np.random.default_rng(5).uniform(0.2, 3.0, x.size) if weighted else None
    result = kde_grid(points(x, y), kernel=kernel, weights=w)
    assert worst_relative_error(result, brute_force(result, x, y, w)) < 0.01
    promise = "exact kernel sum, to rounding" if kernel == "quartic" else "within 0.5% of"
    assert promise in result.accuracy


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_matches_the_exact_sum_with_few_cells_per_bandwidth(kernel: str) -> None:
    # Three cells per bandwidth and isolated points: where plain binning errs most.
    x, y = clustered(seed=3, n=200)
    w = np.random.default_rng(6).uniform(0.5, 2.0, x.size)
    result = kde_grid(points(x, y), kernel=kernel, bandwidth=90.0, cell_size=30.0, weights=w)
    exact = brute_force(result, x, y, w)
    assert worst_relative_error(result, exact) < (1e-9 if kernel == "quartic" else 0.005)


def test_quartic_is_exact_at_every_cell() -> None:
    x, y = clustered(seed=4, n=150)
    result = kde_grid(points(x, y), bandwidth=150.0, cell_size=20.0)
    exact = brute_force(result, x, y)
    np.testing.assert_allclose(result.density, exact, rtol=1e-9, atol=1e-9 * exact.max())
    assert result.exact_cells == result.density.size


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_total_mass_is_the_total_weight(kernel: str) -> None:
    x, y = clustered()
    w = np.random.default_rng(2).uniform(0.0, 2.0, x.size)
    result = kde_grid(points(x, y), kernel=kernel, weights=w)
    mass = result.density.sum() * result.cell_size**2 / 1e6
    assert mass == pytest.approx(w.sum(), rel=0.01)


def test_agrees_with_kdepy_fftkde_on_the_gaussian() -> None:
    kdepy = pytest.importorskip("KDEpy")
    rng = np.random.default_rng(8)
    sigma = 150.0
    xy = np.concatenate(
        [rng.normal((X0, Y0), 60, (150, 2)), rng.normal((X0 + 900, Y0), 60, (50, 2))]
    )
    w = rng.uniform(0.5, 1.5, len(xy))
    result = kde_grid(
        points(xy[:, 0], xy[:, 1]), kernel="gaussian", bandwidth=sigma, cell_size=10.0, weights=w
    )
    east, north = result.cell_centres()
    # KDEpy's bw is sigma too. Its practical support is found with an absolute tolerance,
    # so it is fitted in units of sigma (where it keeps about 4 sigma); x varies slowest.
    grid = np.column_stack([east.T.ravel(), north.T.ravel()]) / sigma
    theirs = kdepy.FFTKDE(kernel="gaussian", bw=1.0).fit(xy / sigma, weights=w).evaluate(grid)
    theirs = theirs.reshape(east.T.shape).T / sigma**2 * w.sum() * 1e6
    mask = theirs > 0.01 * theirs.max()
    np.testing.assert_allclose(result.density[mask], theirs[mask], rtol=0.01)


# --- planted patterns ------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_a_planted_cluster_is_the_maximum(kernel: str) -> None:
    rng = np.random.default_rng(11)
    background = rng.uniform((X0 - 4000, Y0 - 4000), (X0 + 4000, Y0 + 4000), (800, 2))
    cluster = rng.normal((X0 + 1234, Y0 - 567), 80, (60, 2))
    xy = np.concatenate([background, cluster])
    result = kde_grid(points(xy[:, 0], xy[:, 1]), kernel=kernel)
    east, north = result.cell_centres()
    top = np.unravel_index(np.argmax(result.density), result.density.shape)
    assert math.hypot(east[top] - (X0 + 1234), north[top] - (Y0 - 567)) < 100


def test_demo_persistent_hotspot_is_the_maximum() -> None:
    from layers import schema as s
    from layers.boundaries import demo_wards
    from layers.demo import demo_data

    demo = demo_data(demo_wards(), seed=7, end=date(2024, 12, 1), months=12, scale=0.5)
    hotspot = next(p for p in demo.planted if p.name == "persistent hotspot")
    incidents = demo.layers[s.Kind.INCIDENTS]
    result = kde_grid(incidents[incidents[s.CATEGORY].isin(hotspot.categories)])
    east, north = result.cell_centres()
    top = np.unravel_index(np.argmax(result.density), result.density.shape)
    x, y = pyproj.Transformer.from_crs(4326, BNG, always_xy=True).transform(
        hotspot.lon, hotspot.lat
    )
    assert math.hypot(east[top] - x, north[top] - y) < hotspot.radius_m


# --- warnings ----------------------------------------------------------------------------------
def test_a_bandwidth_too_narrow_for_the_cells_warns() -> None:
    x, y = clustered(n=40)
    with pytest.warns(KdeWarning, match="narrow for cells"):
        kde_grid(points(x, y), bandwidth=30.0, cell_size=20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kde_grid(points(x, y), bandwidth=60.0, cell_size=20.0)


def test_points_far_beyond_the_extent_warn_and_are_counted() -> None:
    x, y = np.array([X0, X0 + 100, X0 + 9000]), np.array([Y0, Y0, Y0])
    with pytest.warns(KdeWarning, match="1 of 3 points"):
        result = kde_grid(
            points(x, y),
            bandwidth=200.0,
            cell_size=20.0,
            extent=(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500),
        )
    assert result.n_left_out == 1
    assert result.n_points == 3


# --- input errors ------------------------------------------------------------------------------
def refused(match: str, *args: object, **kwargs: object) -> None:
    with pytest.raises(SchemaError, match=match):
        kde_grid(*args, **kwargs)  # type: ignore[arg-type]


def test_points_that_are_not_a_frame_are_refused() -> None:
    refused("points must be a GeoDataFrame", np.zeros((3, 2)))


def test_points_without_crs_are_refused() -> None:
    refused("no CRS", gpd.GeoSeries(gpd.points_from_xy([1.0, 2], [1.0, 2])))


def test_non_point_and_missing_geometries_are_refused() -> None:
    frame = gpd.GeoDataFrame(
        geometry=[shapely.Point(X0, Y0), shapely.box(X0, Y0, X0 + 1, Y0 + 1), None], crs=BNG
    )
    with pytest.raises(SchemaError, match=r"1 missing or empty.*1 geometries that are not Points"):
        kde_grid(frame, bandwidth=100.0)


def test_plain_frames_need_valid_lon_lat() -> None:
    refused("lacks column", pd.DataFrame({"x": [1.0]}))
    refused(
        "2 rows whose lon / lat",
        pd.DataFrame({"lon": [-2.6, np.nan, 200.0], "lat": [51.4, 51.4, 51.4]}),
    )


def test_bad_weights_are_refused() -> None:
    x, y = clustered(n=20)
    refused("weights has 3 values for 20 points", points(x, y), weights=[1.0, 2.0, 3.0])
    refused("missing, infinite or negative", points(x, y), weights=np.r_[-1.0, np.ones(19)])
    refused("names no column", points(x, y), weights="population")


def test_bad_options_are_refused_together() -> None:
    x, y = clustered(n=20)
    with pytest.raises(SchemaError) as caught:
        kde_grid(
            points(x, y),
            bandwidth=-5,
            cell_size=0,
            kernel="epanechnikov",
            output="raw",
            extent=(1, 2, 0, 3),
        )  # type: ignore[arg-type]
    message = str(caught.value)
    for expected in (
        "bandwidth must be",
        "cell_size must be",
        "kernel must be one of",
        "output must be one of",
        "extent must be finite",
    ):
        assert expected in message


def test_automatic_bandwidth_needs_spread_points() -> None:
    refused("at least 2 points.*give bandwidth=", points(np.array([X0]), np.array([Y0])))
    refused("all points lie at one place", points(np.full(5, X0), np.full(5, Y0)))
    x, y = np.r_[np.full(3, X0), X0 + 10, X0 - 10], np.full(5, Y0 + 0.0)
    refused("half the points", points(x, y), cell_size=5.0)


def test_automatic_cell_size_needs_a_two_dimensional_extent() -> None:
    refused("shorter side is 0", points(np.array([X0, X0 + 100]), np.array([Y0, Y0])))


def test_empty_points_need_an_extent() -> None:
    refused("points is empty and no extent", points(np.array([]), np.array([])), bandwidth=100.0)


def test_too_large_a_grid_is_refused() -> None:
    x, y = np.array([X0, X0 + 50_000]), np.array([Y0, Y0 + 50_000])
    refused(
        "over the 25,000,000 limit; raise cell_size", points(x, y), bandwidth=500.0, cell_size=5.0
    )


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
        density_by_areas(result, pd.DataFrame({CODE: ["a"]}))  # type: ignore[arg-type]
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


# --- real data ---------------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_police_data_peaks_in_central_ward(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "police_uk" / "bristol_street_2020-10_to_2021-09.csv",
        usecols=["Longitude", "Latitude"],
    ).dropna()
    events = pd.DataFrame({"lon": raw["Longitude"], "lat": raw["Latitude"]})
    wards = gpd.read_file(shared_data / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson")
    wards = wards.rename(columns={"ward_id": CODE})
    start = time.perf_counter()
    result = kde_grid(events)
    by_ward = density_by_areas(result, wards).merge(wards[[CODE, "ward_name"]])
    assert time.perf_counter() - start < 20
    assert result.density.sum() * result.cell_size**2 / 1e6 == pytest.approx(len(events), rel=0.01)
    assert by_ward.sort_values(DENSITY)["ward_name"].iloc[-1] == "Central"
    east, north = result.cell_centres()
    top = np.unravel_index(np.argmax(result.density), result.density.shape)
    lon, lat = TO_LONLAT.transform(east[top], north[top])
    central = wards.loc[wards["ward_name"] == "Central", "geometry"].iloc[0]
    assert central.contains(shapely.Point(lon, lat))


def test_gaussian_cells_past_the_exact_budget_are_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hotspots._kde_exact as exact

    x, y = clustered(seed=3, n=200)
    full = kde_grid(points(x, y), kernel="gaussian", bandwidth=60.0, cell_size=30.0)
    assert full.exact_cells > 0
    assert "except" not in full.accuracy
    monkeypatch.setattr(exact, "BUDGET", 0)
    short = kde_grid(points(x, y), kernel="gaussian", bandwidth=60.0, cell_size=30.0)
    assert short.exact_cells == 0
    assert "except" in short.accuracy
    assert "limited to 0 point-cell pairs" in short.accuracy
    exact_sum = brute_force(short, x, y)
    assert worst_relative_error(full, exact_sum) < 0.005
