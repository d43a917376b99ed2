"""Emerging hot spots, statistics: space-time Gi* against esda, output contract, pooling."""

from __future__ import annotations

import esda
import h3
import libpysal
import numpy as np
import pandas as pd
import pytest

from hotspots.emerging import (
    EMERGING_COLUMNS,
    GI_COLUMNS,
    PATTERN_MEANINGS,
    FewTimeStepsWarning,
    SpaceTimeCube,
    SparseCountsWarning,
    emerging_hotspots,
    space_time_cube,
    space_time_gi_star,
)
from layers.schema import DATE, H3_CELL
from tests.hotspots._emerging_support import CENTRE, MONTHS, _area, _cube, _quiet

# --- space-time Gi* against esda ---------------------------------------------------------


def _brute_force_neighbours(cells: np.ndarray, steps: int, k: int, window: int) -> dict:
    index = {int(c): i for i, c in enumerate(cells)}
    neighbours: dict[int, list[int]] = {}
    for t in range(steps):
        for i, cell in enumerate(cells):
            ring = [index[h3.str_to_int(c)] for c in h3.grid_disk(h3.int_to_str(int(cell)), k)
                    if h3.str_to_int(c) in index]  # fmt: skip
            node = t * cells.size + i
            neighbours[node] = [
                s * cells.size + j for s in range(max(t - window, 0), t + 1) for j in ring
            ]
    return neighbours


@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")
@pytest.mark.parametrize(("k", "window"), [(1, 1), (2, 0), (1, 3)])
def test_space_time_gi_star_matches_esda_on_brute_force_weights(k: int, window: int) -> None:
    cells = _area(2)
    counts = np.random.default_rng(k + window).poisson(3, (cells.size, 8))
    neighbours = _brute_force_neighbours(cells, 8, k, window)
    focal = [i for i in neighbours for _ in neighbours[i]]
    w = libpysal.weights.W.from_adjlist(pd.DataFrame({
        "focal": focal, "neighbor": [j for i in neighbours for j in neighbours[i]],
        "weight": 1.0,
    }))  # fmt: skip
    y = counts.T.ravel().astype(float)
    esda_result = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    ours = space_time_gi_star(_cube(counts, cells), k=k, time_window=window)
    z = ours["gi_z"].to_numpy().reshape(cells.size, 8).T.ravel()  # back to node order
    np.testing.assert_allclose(z, esda_result.Zs, atol=1e-9)
    p = ours["gi_p"].to_numpy().reshape(cells.size, 8).T.ravel()
    np.testing.assert_allclose(p, 2 * esda_result.p_norm, atol=1e-9)


def test_space_time_gi_star_contract_and_seeded_permutations() -> None:
    cube = _cube(np.random.default_rng(0).poisson(4, (37, 12)))
    first = space_time_gi_star(cube, permutations=99, seed=3)
    again = space_time_gi_star(cube, permutations=99, seed=3)
    assert dict(first.dtypes.astype(str)) == GI_COLUMNS
    assert len(first) == 37 * 12
    assert first["step"].iloc[:12].tolist() == MONTHS
    pd.testing.assert_frame_equal(first, again)
    assert first["gi_p_sim"].between(1 / 100, 1).all()
    assert first["gi_bin"].between(-3, 3).all()
    assert "permutation" in first.attrs["significance"]
    assert space_time_gi_star(cube)["gi_p_sim"].isna().all()


def test_fdr_per_step_never_adds_significant_bins() -> None:
    cube = _cube(np.random.default_rng(1).poisson(4, (37, 12)))
    raw = space_time_gi_star(cube, fdr=False)
    corrected = space_time_gi_star(cube, fdr=True)
    assert (corrected["gi_bin"].abs() <= raw["gi_bin"].abs()).all()
    assert "Benjamini-Hochberg" in corrected.attrs["significance"]
    assert "no multiple-testing" in raw.attrs["significance"]


# --- output contract --------------------------------------------------------------------


def test_output_contract() -> None:
    rng = np.random.default_rng(4)
    counts = rng.poisson(5, (37, 16))
    counts[:7, -5:] += 12
    cube = _cube(counts)
    result = emerging_hotspots(cube, seed=1)
    assert dict(result.dtypes.astype(str)) == EMERGING_COLUMNS
    assert result.index.name == H3_CELL
    assert str(result.index.dtype) == "str"
    assert result.index.tolist() == [h3.int_to_str(int(c)) for c in cube.cells]
    assert result["pattern"].isin(list(PATTERN_MEANINGS)).all()
    assert (result["pattern_meaning"] == result["pattern"].map(PATTERN_MEANINGS)).all()
    assert ((result["hot_steps"] + result["cold_steps"]) <= 16).all()
    assert result["last_bin"].between(-3, 3).all()
    for column in ("trend_p", "count_trend_p"):
        assert result[column].between(0, 1).all()
    assert set(result["trend_direction"]) <= {"rising", "falling", "no significant trend"}
    assert (result["count_total"].to_numpy() == counts.sum(axis=1)).all()
    assert {"parameters", "neighbourhood", "significance", "trend_test", "pooling", "notes",
            "warnings"} <= set(result.attrs)  # fmt: skip
    assert result.attrs["parameters"]["levels"] == [0.10, 0.05, 0.01]
    assert "14 bins" in result.attrs["neighbourhood"]


def test_count_trend_is_reported_beside_the_z_trend() -> None:
    counts = np.full((37, 16), 5)
    counts[0] = np.arange(16)  # a lone rising cell
    result = emerging_hotspots(_cube(counts))
    row = result.iloc[0]
    assert row["count_trend_direction"] == "rising"
    assert row["count_slope"] == pytest.approx(1.0)


def test_empty_study_area_keeps_the_schema() -> None:
    cube = SpaceTimeCube(np.zeros((0, 12), np.int64), np.array([], np.uint64), MONTHS, "month", 9)
    result = emerging_hotspots(cube)
    assert result.empty
    assert dict(result.dtypes.astype(str)) == EMERGING_COLUMNS
    assert dict(space_time_gi_star(cube).dtypes.astype(str)) == GI_COLUMNS


def test_inputs_are_not_modified() -> None:
    counts = np.random.default_rng(2).poisson(3, (37, 12))
    cube = _cube(counts)
    before = cube.counts.copy()
    dates = pd.to_datetime(["2020-01-05", "2020-02-01", "2020-02-09"])
    events = pd.DataFrame({H3_CELL: [h3.str_to_int(CENTRE)] * 3, DATE: dates})
    copy = events.copy()
    emerging_hotspots(cube, pool="auto")
    space_time_cube(events, cells=_area())
    np.testing.assert_array_equal(cube.counts, before)
    pd.testing.assert_frame_equal(events, copy)


# --- warnings and pooling -----------------------------------------------------------------


def test_fewer_than_ten_steps_warns_that_arcgis_needs_ten() -> None:
    cube = _cube(np.random.default_rng(0).poisson(8, (37, 8)))
    with pytest.warns(FewTimeStepsWarning, match="needs at least 10"):
        result = emerging_hotspots(cube)
    assert "needs at least 10" in result.attrs["warnings"][0]


def test_sparse_counts_warn_and_auto_pools_months_into_quarters() -> None:
    counts = np.random.default_rng(5).poisson(0.05, (37, 40))
    with pytest.warns(SparseCountsWarning, match="pool='auto'"):
        emerging_hotspots(_cube(counts))
    with pytest.warns(SparseCountsWarning):  # still sparse after pooling: say so
        pooled = emerging_hotspots(_cube(counts), pool="auto")
    assert pooled.attrs["parameters"]["step"] == "quarter"
    assert pooled.attrs["parameters"]["steps"] == 13  # 2020-01 .. 2023-04: 13 whole quarters
    assert "Pooled months into quarters" in pooled.attrs["pooling"]
    assert "(2023-04: 0 events)" in pooled.attrs["notes"][-1]  # the left-out month is named


def test_auto_does_not_pool_dense_counts_or_below_ten_quarters() -> None:
    dense = emerging_hotspots(_cube(np.random.default_rng(1).poisson(6, (37, 24))), pool="auto")
    assert dense.attrs["pooling"].startswith("Not pooled: the median")
    short = _cube(np.random.default_rng(1).poisson(0.05, (37, 24)))
    result = _quiet(short, pool="auto")
    assert result.attrs["parameters"]["step"] == "month"
    assert "coarser H3 resolution (8" in result.attrs["pooling"]


def test_a_cube_without_variation_warns_and_finds_nothing() -> None:
    with pytest.warns(SparseCountsWarning, match="same count"):
        result = emerging_hotspots(_cube(np.zeros((37, 12))))
    assert (result["pattern"] == "No Pattern Detected").all()
