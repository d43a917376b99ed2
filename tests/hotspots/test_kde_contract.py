"""hotspots.kde_grid: the output contract, the chosen parameters, warnings and input errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from hotspots.kde import KdeWarning, kde_grid
from layers._errors import SchemaError
from tests.hotspots._kde_support import BNG, TO_LONLAT, X0, Y0, clustered, points


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
    options: dict[str, Any] = {
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


def test_missing_and_empty_points_are_counted_among_points() -> None:
    frame = gpd.GeoDataFrame(
        geometry=[shapely.Point(X0, Y0), None, shapely.Point(), shapely.Point(X0 + 9, Y0)], crs=BNG
    )
    with pytest.raises(SchemaError, match="has 2 missing or empty geometries; drop them"):
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
        )
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
