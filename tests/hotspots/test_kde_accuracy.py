"""kde_grid against independent answers: brute force, KDEpy, planted patterns, real data."""

from __future__ import annotations

import math
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from hotspots.kde import DENSITY, density_by_areas, kde_grid
from layers.schema import CODE
from tests.hotspots._kde_support import (
    BNG,
    TO_LONLAT,
    X0,
    Y0,
    brute_force,
    clustered,
    points,
    worst_relative_error,
)


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
