"""Tests of hotspots.gistar and its core hotspots._gi: contract, refusals, esda, planted spots."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import libpysal
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from esda.getisord import G_Local
from h3.api import basic_int as h3i
from scipy import stats

from hotspots import _gi
from hotspots.gistar import (
    COLUMNS,
    GiStarWarning,
    gi_star,
    gi_star_areas,
    gi_star_neighbours,
)
from layers._errors import SchemaError

CENTRE = h3i.latlng_to_cell(51.4545, -2.5879, 9)  # central Bristol, resolution 9
WARDS_2016 = "boundaries/bristol_wards_2016_34wards_bcc.geojson"
POLICE = "police_uk/bristol_street_2020-10_to_2021-09.csv"
ATTRS = {"method", "k", "fdr", "alpha", "critical_p", "permutations", "seed", "seed_note"}


# --- helpers ----------------------------------------------------------------------------
def _patch(radius: int, centre: int = CENTRE) -> np.ndarray:
    """Sorted uint64 cells of a hexagonal patch (grid_disk) around ``centre``."""
    return np.array(sorted(h3i.grid_disk(centre, radius)), dtype=np.uint64)


def _poisson(cells: np.ndarray, mean: float, seed: int) -> pd.Series:
    counts = np.random.default_rng(seed).poisson(mean, cells.size)
    return pd.Series(counts, index=pd.Index(cells, dtype="uint64"))


def _ring_dict(cells: np.ndarray, k: int) -> dict[int, list[int]]:
    """k-ring neighbours (self included) restricted to the cells, built independently."""
    inside = set(cells.tolist())
    return {c: [d for d in h3i.grid_disk(c, k) if d in inside] for c in cells.tolist()}


def _esda(y: np.ndarray, neighbours: Mapping[Any, list[Any]], **kw: object) -> G_Local:
    """Run esda's Gi* on binary weights; each neighbour list already holds the area itself."""
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    return G_Local(y.astype(float), w, transform="B", star=True, **kw)


def _weights(neighbours: dict[int, list[int]], n: int) -> sp.csr_matrix:
    rows = [i for i, js in neighbours.items() for _ in js]
    cols = [j for js in neighbours.values() for j in js]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


@functools.cache
def _wards(folder: Path) -> gpd.GeoDataFrame:
    from layers.boundaries import read_boundaries

    return read_boundaries(folder / WARDS_2016, mapping={"ward_id": "code", "ward_name": "name"})


@functools.cache
def _violence(folder: Path) -> pd.DataFrame:
    from layers.readers import read_police_uk

    valid = read_police_uk([folder / POLICE]).valid
    keep = valid["category"].isin(["Violence and sexual offences", "Possession of weapons"])
    return valid[keep]


# --- output contract ----------------------------------------------------------------------
@pytest.mark.parametrize("as_text", [False, True])
def test_gi_star_contract(as_text: bool) -> None:
    cells = _patch(8)
    counts = _poisson(cells, 3, seed=1)
    if as_text:
        counts.index = pd.Index([h3.int_to_str(int(c)) for c in cells])
    before = counts.copy()
    out = gi_star(counts, permutations=99, seed=7)
    assert dict(out.dtypes.astype(str)) == COLUMNS
    assert out.index.equals(counts.index)
    pd.testing.assert_series_equal(counts, before)
    assert ATTRS | {"islands"} <= set(out.attrs)
    assert out.attrs["k"] == 1
    assert out.attrs["seed"] == 7
    assert out.attrs["islands"] == []
    assert "217 H3 cells (resolution 9)" in out.attrs["method"]
    assert "its 6 adjacent cells (k=1)" in out.attrs["method"]
    assert "Benjamini-Hochberg" in out.attrs["method"]
    assert out["gi_p"].between(0, 1).all()
    assert out["gi_p_sim"].between(0, 0.5 + 1e-9).all()
    assert out["gi_bin"].between(-3, 3).all()
    assert (out["count"] == counts.astype(float)).all()
    interior = _ring_dict(cells, 1)
    assert (out["n_neighbours"].to_numpy() == [len(interior[c]) - 1 for c in cells]).all()
    assert out["n_neighbours"].max() == 6
    assert out["n_neighbours"].min() == 3


def test_gi_star_without_permutations_and_two_levels() -> None:
    out = gi_star(_poisson(_patch(8), 3, seed=2), k=2, alpha=(0.05, 0.01), fdr=False)
    assert out["gi_p_sim"].isna().all()
    assert out["gi_bin"].between(-2, 2).all()
    assert out.attrs["alpha"] == (0.05, 0.01)
    assert out.attrs["permutations"] == 0
    assert out.attrs["k"] == 2
    assert out["n_neighbours"].max() == 18
    assert "uncorrected" in out.attrs["method"]


def test_gi_star_empty_input_keeps_the_schema() -> None:
    out = gi_star(pd.Series([], dtype="int64", index=pd.Index([], dtype="uint64")))
    assert out.empty
    assert dict(out.dtypes.astype(str)) == COLUMNS


def test_seed_none_draws_a_reported_seed_that_repeats() -> None:
    counts = _poisson(_patch(6), 4, seed=3)
    first = gi_star(counts, permutations=49)
    again = gi_star(counts, permutations=49, seed=first.attrs["seed"])
    assert "drawn at random" in first.attrs["seed_note"]
    pd.testing.assert_series_equal(first["gi_p_sim"], again["gi_p_sim"])


# --- agreement with esda -----------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 2])
def test_gi_star_matches_esda_on_h3(k: int) -> None:
    cells = _patch(12)
    counts = _poisson(cells, 2.5, seed=k)
    counts.iloc[:40] += 6  # some structure, so that z reaches the tails
    out = gi_star(counts, k=k)
    ref = _esda(counts.to_numpy(), _ring_dict(cells, k), permutations=0)
    np.testing.assert_allclose(out["gi_z"], ref.Zs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(out["gi_p"], 2 * ref.p_norm, rtol=0, atol=1e-8)


def test_gi_star_neighbours_matches_esda_on_a_random_list() -> None:
    rng = np.random.default_rng(5)
    labels = [f"area{i:02d}" for i in range(60)]
    given = {
        a: [*rng.choice([b for b in labels if b != a], size=rng.integers(1, 8), replace=False)]
        + ([a] if i % 3 == 0 else [])  # self listed for some, added by gi_star for the others
        for i, a in enumerate(labels)
    }
    counts = pd.Series(rng.poisson(6, 60), index=labels)
    out = gi_star_neighbours(counts, given)
    with_self = {a: sorted(set(v) | {a}) for a, v in given.items()}
    ref = _esda(counts.to_numpy(), with_self, permutations=0)
    np.testing.assert_allclose(out["gi_z"], ref.Zs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(out["gi_p"], 2 * ref.p_norm, rtol=0, atol=1e-8)
    assert (out["n_neighbours"] == [len(v) - 1 for v in with_self.values()]).all()


def test_gi_star_scores_general_weights_match_a_brute_force_formula() -> None:
    rng = np.random.default_rng(6)
    n = 12
    y = rng.poisson(4, n).astype(float)
    dense = rng.random((n, n)) * (rng.random((n, n)) < 0.4)
    np.fill_diagonal(dense, 0.7)
    z, p = _gi.gi_star_scores(y, sp.csr_matrix(dense))
    mean, sd = y.mean(), y.std()  # population standard deviation, Ord & Getis (1995)
    for i in range(n):
        w = dense[i]
        expected = (w @ y - mean * w.sum()) / (
            sd * np.sqrt((n * (w**2).sum() - w.sum() ** 2) / (n - 1))
        )
        assert z[i] == pytest.approx(expected, abs=1e-12)
    np.testing.assert_allclose(p, 2 * stats.norm.sf(np.abs(z)))


def test_gi_star_scores_degenerate_rows() -> None:
    y = np.array([1.0, 2, 3, 4])
    z, p = _gi.gi_star_scores(y, sp.csr_matrix(np.ones((4, 4))))
    assert (z == 0).all()
    assert (p == 1).all()
    z, p = _gi.gi_star_scores(np.ones(4), sp.csr_matrix(np.eye(4)))
    assert np.isnan(z).all()
    assert np.isnan(p).all()


# --- significance bins ---------------------------------------------------------------------
def test_significance_bins_by_hand() -> None:
    z = np.array([3.0, -2.2, 1.8, 0.5, 1.0, -4.0])
    p = np.array([0.005, 0.03, 0.08, 0.6, np.nan, 0.01])
    bins = _gi.significance_bins(z, p, fdr=False)
    assert bins.dtype == np.int8
    assert bins.tolist() == [3, -2, 1, 0, 0, -3]


def test_significance_bins_fdr_match_scipy_bh() -> None:
    rng = np.random.default_rng(8)
    z = np.concatenate([rng.normal(0, 1, 900), rng.normal(3.5, 1, 100)]) * rng.choice([-1, 1], 1000)
    p = 2 * stats.norm.sf(np.abs(z))
    adjusted = stats.false_discovery_control(p, method="bh")
    expected = np.sign(z) * sum((adjusted <= a).astype(int) for a in (0.10, 0.05, 0.01))
    assert _gi.significance_bins(z, p).tolist() == expected.astype(int).tolist()
    critical = _gi.critical_p_values(p)
    for a, threshold in critical.items():
        assert threshold == pytest.approx(p[adjusted <= a].max())


def test_significance_bins_refuse_bad_alpha() -> None:
    for alpha in [(), (0.1, 0.1), (1.5,), (0.1, 0.05, 0.01, 0.001), ("a",)]:
        with pytest.raises(SchemaError, match="alpha"):
            _gi.significance_bins(np.zeros(3), np.ones(3), alpha=alpha)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="same length"):
        _gi.significance_bins(np.zeros(3), np.ones(2))


# --- conditional permutations ----------------------------------------------------------------
def _exact_folded_p(y: np.ndarray, neighbours: dict[int, list[int]], i: int) -> float:
    """Exact folded p of location i: every ordered choice of its neighbours' values."""
    others = [j for j in range(y.size) if j != i]
    k = len(neighbours[i]) - 1
    observed = y[neighbours[i]].sum()
    sims = np.array([y[i] + y[list(c)].sum() for c in itertools.permutations(others, k)])
    share = min((sims >= observed).mean(), (sims < observed).mean())
    return float(share)


def test_permutation_p_matches_exact_enumeration() -> None:
    y = np.array([9.0, 1, 0, 3, 2, 7, 1, 4])
    neighbours = {i: sorted({i, (i + 1) % 8, (i + 3) % 8}) for i in range(8)}
    p = _gi.conditional_permutation_p(y, _weights(neighbours, 8), permutations=19_999, seed=1)
    exact = np.array([_exact_folded_p(y, neighbours, i) for i in range(8)])
    np.testing.assert_allclose(p, exact, atol=4 * np.sqrt(0.25 / 20_000) + 1e-4)


def test_permutation_p_agrees_with_esda_within_monte_carlo_error() -> None:
    cells = _patch(20)
    counts = _poisson(cells, 3, seed=9)
    counts.iloc[600:640] += 5
    neighbours = _ring_dict(cells, 1)
    pos = {c: i for i, c in enumerate(cells.tolist())}
    weights = _weights({pos[c]: [pos[d] for d in v] for c, v in neighbours.items()}, cells.size)
    ours = _gi.conditional_permutation_p(counts.to_numpy(), weights, permutations=999, seed=2)
    ref = _esda(counts.to_numpy(), neighbours, permutations=999, seed=3, n_jobs=1).p_sim
    sd = np.sqrt(2 * ref * (1 - ref) / 999) + 2 / 1000
    assert np.mean(np.abs(ours - ref) <= 4 * sd) >= 0.99
    assert abs(np.mean(ours - ref)) < 0.005
    assert np.corrcoef(ours, ref)[0, 1] > 0.98


def test_permutation_p_seeds_islands_and_speed() -> None:
    cells = _patch(57)  # 9,919 cells
    y = np.random.default_rng(4).poisson(3, cells.size).astype(float)
    pos = {c: i for i, c in enumerate(cells.tolist())}
    neighbours = {pos[c]: [pos[d] for d in v] for c, v in _ring_dict(cells, 1).items()}
    neighbours[0] = [0]  # an island
    weights = _weights(neighbours, cells.size)
    start = time.perf_counter()
    p = _gi.conditional_permutation_p(y, weights, permutations=999, seed=1)
    assert time.perf_counter() - start < 10
    assert np.isnan(p[0])
    assert np.isfinite(p[1:]).all()
    assert p[1:].min() >= 1 / 1000
    assert p[1:].max() <= 0.5 + 1e-9
    np.testing.assert_array_equal(
        p, _gi.conditional_permutation_p(y, weights, permutations=999, seed=1)
    )
    assert np.isnan(_gi.conditional_permutation_p(y, weights, permutations=0, seed=1)).all()


# --- planted patterns --------------------------------------------------------------------------
def test_planted_hot_and_cold_spots_are_found() -> None:
    cells = _patch(14)
    counts = _poisson(cells, 4, seed=11)
    hot_centre = h3i.grid_ring(CENTRE, 7)[0]
    cold_centre = h3i.grid_ring(CENTRE, 7)[len(h3i.grid_ring(CENTRE, 7)) // 2]
    hot = np.isin(cells, h3i.grid_disk(hot_centre, 1))
    cold = np.isin(cells, h3i.grid_disk(cold_centre, 2))
    counts[hot] += 12
    counts[cold] = 0
    out = gi_star(counts, permutations=199, seed=1)
    assert (out.loc[cells[hot], "gi_bin"] == 3).all()
    assert (out.loc[[np.uint64(cold_centre)], "gi_bin"] < 0).all()
    far = ~np.isin(cells, h3i.grid_disk(hot_centre, 3) + h3i.grid_disk(cold_centre, 4))
    assert (out.loc[cells[far], "gi_bin"] == 0).mean() > 0.97
    assert (out.loc[cells[hot], "gi_p_sim"] <= 0.01).all()


def test_uniform_poisson_is_quiet_with_fdr_and_not_without() -> None:
    cells = _patch(25, h3i.latlng_to_cell(51.4545, -2.5879, 10))  # 1,951 cells
    share_fdr, share_raw = [], []
    for seed in range(5):
        counts = _poisson(cells, 5, seed=seed)
        share_fdr.append((gi_star(counts)["gi_bin"] != 0).mean())
        share_raw.append((gi_star(counts, fdr=False)["gi_bin"] != 0).mean())
    assert max(share_fdr) <= 0.01
    assert 0.07 <= np.mean(share_raw) <= 0.13


# --- refusals ----------------------------------------------------------------------------------
def _refused(match: str, counts: object, **kw: object) -> None:
    with pytest.raises(SchemaError, match=match):
        gi_star(counts, **kw)  # type: ignore[arg-type]


def test_gi_star_refuses_bad_counts() -> None:
    cells = _patch(5)
    good = _poisson(cells, 3, seed=1)
    _refused("the same count", pd.Series(4, index=cells))
    _refused("at least 30", good.iloc[:20])
    _refused("add up to 9 events", pd.Series([1] * 9 + [0] * 82, index=cells))
    _refused("negative count", good.where(good.index != cells[0], -1))
    _refused("missing or infinite", good.astype(float).where(good.index != cells[1], np.nan))
    _refused("missing or infinite", good.astype(float).where(good.index != cells[1], np.inf))
    _refused("more than once", pd.concat([good, good.iloc[:1]]))
    _refused("must hold numbers", good.astype(str))
    _refused("pandas Series", good.to_numpy())


def test_gi_star_refuses_bad_cells() -> None:
    good = _poisson(_patch(5), 3, seed=1)
    mixed = good.copy()
    mixed.index = pd.Index([*good.index[:-1], np.uint64(h3i.cell_to_parent(CENTRE, 8))])
    _refused("mixes H3 resolutions", mixed)
    _refused("H3 cells", good.set_axis([f"x{i}" for i in range(good.size)]))
    _refused("H3 cells", good.set_axis(np.arange(good.size)))
    apart: list[int] = []
    for cell in _patch(12).tolist():  # greedily keep cells adjacent to none kept so far
        if not set(h3i.grid_disk(cell, 1)) & set(apart):
            apart.append(cell)
    _refused("no area has a neighbour", _poisson(np.array(apart[:40], dtype=np.uint64), 3, seed=2))


def test_gi_star_refuses_bad_options_all_at_once() -> None:
    good = _poisson(_patch(5), 3, seed=1)
    with pytest.raises(SchemaError) as caught:
        gi_star(good, k=0, permutations=-1, seed="x", fdr="yes", alpha=(2,))  # type: ignore[arg-type]
    for word in ("k must", "permutations must", "seed must", "fdr must", "alpha must"):
        assert word in str(caught.value)


def test_islands_are_allowed_noted_and_warned() -> None:
    cells = np.append(_patch(5), np.uint64(h3i.grid_ring(CENTRE, 9)[0]))
    counts = _poisson(cells, 3, seed=4)
    with pytest.warns(GiStarWarning, match="no neighbour"):
        out = gi_star(counts, permutations=19, seed=1)
    assert out.attrs["islands"] == [cells[-1]]
    assert np.isnan(out["gi_p_sim"].iloc[-1])
    assert out["n_neighbours"].iloc[-1] == 0
    assert "1 without any neighbour" in out.attrs["method"]


# --- areas and neighbour lists ------------------------------------------------------------------
def _squares(n: int = 6) -> gpd.GeoDataFrame:
    boxes = [shapely.box(x, y, x + 1, y + 1) for y in range(n) for x in range(n)]
    codes = [f"sq{i:02d}" for i in range(n * n)]
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs="EPSG:27700")


def test_gi_star_areas_queen_on_a_grid_of_squares() -> None:
    squares = _squares()
    counts = pd.Series(np.arange(36) % 7 + 1, index=squares["code"].to_numpy())
    out = gi_star_areas(counts, squares)
    assert dict(out.dtypes.astype(str)) == COLUMNS
    assert out.attrs["k"] is None
    assert out["n_neighbours"].tolist()[:7] == [3, 5, 5, 5, 5, 3, 5]  # corners touch at a point
    assert out.loc["sq07", "n_neighbours"] == 8
    assert "queen contiguity" in out.attrs["method"]
    by_index = gi_star_areas(counts, squares.set_index("code").rename_axis(None))
    pd.testing.assert_frame_equal(out, by_index)


def test_gi_star_areas_refusals() -> None:
    squares = _squares()
    counts = pd.Series(np.arange(36) % 7 + 1, index=squares["code"].to_numpy())
    with pytest.raises(SchemaError, match="GeoDataFrame"):
        gi_star_areas(counts, squares.drop(columns="geometry"))
    with pytest.raises(SchemaError, match="no entry for 1") as caught:
        gi_star_areas(counts.rename({"sq00": "zz"}), squares)
    assert "have no count" in str(caught.value)
    points = squares.set_geometry(squares.centroid)
    with pytest.raises(SchemaError, match="must be polygons"):
        gi_star_areas(counts, points)
    twice = squares.assign(code=["sq01", *squares["code"].iloc[1:]])
    with pytest.raises(SchemaError, match="repeated codes"):
        gi_star_areas(counts, twice)


def test_gi_star_neighbours_refusals() -> None:
    labels = [f"a{i}" for i in range(40)]
    counts = pd.Series(np.arange(40) % 5 + 1, index=labels)
    ring = {a: [labels[(i + 1) % 40]] for i, a in enumerate(labels)}
    with pytest.raises(SchemaError, match="mapping"):
        gi_star_neighbours(counts, [("a0", ["a1"])])  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="not lists of areas"):
        gi_star_neighbours(counts, {**ring, "a0": "a1"})
    with pytest.raises(SchemaError, match="not in counts: 'b9'"):
        gi_star_neighbours(counts, {**ring, "a0": ["b9"]})
    with pytest.raises(SchemaError, match="no entry for 1"):
        gi_star_neighbours(counts, {a: v for a, v in ring.items() if a != "a3"})
    with pytest.raises(SchemaError, match="no area has a neighbour"):
        gi_star_neighbours(counts, {a: [a] for a in labels})


# --- real data ----------------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_wards_queen_matches_libpysal_and_esda(shared_data: Path) -> None:
    from layers.boundaries import assign_areas

    wards = _wards(shared_data)
    events = _violence(shared_data)
    codes = assign_areas(events["lon"], events["lat"], wards)
    counts = pd.Series(codes).value_counts().reindex(wards["code"], fill_value=0)
    out = gi_star_areas(counts, wards)
    queen = libpysal.weights.Queen.from_dataframe(
        wards, ids=wards["code"].tolist(), use_index=False, silence_warnings=True
    )
    assert (out["n_neighbours"] == [queen.cardinalities[c] for c in counts.index]).all()
    with_self = {c: [*queen.neighbors[c], c] for c in counts.index}
    ref = _esda(counts.to_numpy(), with_self, permutations=0)
    np.testing.assert_allclose(out["gi_z"], ref.Zs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(out["gi_p"], 2 * ref.p_norm, rtol=0, atol=1e-8)


@pytest.mark.realdata
def test_real_violence_cells_with_the_most_events_are_hot(shared_data: Path) -> None:
    from layers.grid import cells_covering, cells_from_points

    events = _violence(shared_data)
    study = cells_covering(_wards(shared_data), resolution=8)
    cells = cells_from_points(events["lon"], events["lat"], resolution=8)
    counts = pd.Series(cells).value_counts().reindex(study, fill_value=0)
    out = gi_star(counts, permutations=99, seed=1)
    assert len(out) == study.size
    assert out.attrs["islands"] == []
    top = out.nlargest(3, "count")
    assert (top["gi_bin"] == 3).all()
    assert (out["gi_bin"] > 0).sum() < 0.2 * len(out)
