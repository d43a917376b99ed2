"""Tests of hotspots.overlap: places hot for several harm layers, with planted overlaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from h3.api import basic_int as h3i

from hotspots.gistar import gi_star
from hotspots.overlap import HOT_LAYERS, N_HOT_LAYERS, SUMMED_Z, multi_harm_overlap
from layers._errors import SchemaError

CENTRE = h3i.latlng_to_cell(51.4545, -2.5879, 9)
CELLS = np.array(sorted(h3i.grid_disk(CENTRE, 14)), dtype=np.uint64)  # 631 cells
SPOT_A = h3i.grid_ring(CENTRE, 8)[0]
SPOT_B = h3i.grid_ring(CENTRE, 8)[24]
SPOT_C = h3i.grid_ring(CENTRE, 0)[0]


def _layer(spots: list[int], seed: int) -> pd.DataFrame:
    """Gi* of Poisson counts with a planted cluster (a cell and its ring) at each spot."""
    counts = pd.Series(np.random.default_rng(seed).poisson(3, CELLS.size), index=CELLS)
    for spot in spots:
        counts[np.isin(CELLS, h3i.grid_disk(spot, 1))] += 14
    return gi_star(counts)


@pytest.fixture(scope="module")
def layers() -> dict[str, pd.DataFrame]:
    return {
        "incidents": _layer([SPOT_A, SPOT_B], seed=1),
        "missing": _layer([SPOT_A, SPOT_C], seed=2),
        "knife": _layer([SPOT_A, SPOT_B], seed=3),
    }


def _frame(bins: list[int], z: list[float], index: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"gi_bin": np.array(bins, dtype="int8"), "gi_z": z}, index=index)


def test_planted_overlaps_are_found_and_ranked(layers: dict[str, pd.DataFrame]) -> None:
    out = multi_harm_overlap(layers)
    assert list(out.columns) == [
        N_HOT_LAYERS,
        HOT_LAYERS,
        SUMMED_Z,
        "incidents_gi_bin",
        "missing_gi_bin",
        "knife_gi_bin",
    ]
    assert out.dtypes.astype(str).tolist() == ["int64", "str", "float64", "int8", "int8", "int8"]
    assert np.uint64(SPOT_A) in out.index[out[N_HOT_LAYERS] == 3]
    assert out.loc[np.uint64(SPOT_A), HOT_LAYERS] == "incidents, missing, knife"
    assert out.loc[np.uint64(SPOT_B), HOT_LAYERS] == "incidents, knife"
    assert np.uint64(SPOT_C) not in out.index  # hot for one layer only
    ranked = out[[N_HOT_LAYERS, SUMMED_Z]].to_numpy()
    assert (np.diff(ranked[:, 0]) <= 0).all()
    for n in np.unique(ranked[:, 0]):
        assert (np.diff(ranked[ranked[:, 0] == n, 1]) <= 0).all()
    assert "at least 2 of the 3 layers" in out.attrs["method"]
    assert out.attrs["layers"] == ["incidents", "missing", "knife"]


def test_min_layers_and_min_bin(layers: dict[str, pd.DataFrame]) -> None:
    everything = multi_harm_overlap(layers, min_layers=3, min_bin=1)
    assert (everything[N_HOT_LAYERS] == 3).all()
    assert np.uint64(SPOT_A) in everything.index
    single = multi_harm_overlap(layers, min_layers=1, min_bin=3)
    assert np.uint64(SPOT_C) in single.index
    assert (single[[f"{n}_gi_bin" for n in layers]].max(axis=1) >= 3).all()


def test_hand_case_sums_z_of_hot_layers_only() -> None:
    index = ["w1", "w2", "w3", "w4"]
    results = {
        "a": _frame([3, 2, 1, -3], [4.0, 2.5, 1.7, -4.0], index),
        "b": _frame([3, 3, 3, 2], [3.0, 3.0, 3.9, 2.0], index[::-1]),  # w4, w3, w2, w1
    }
    out = multi_harm_overlap(results)
    assert out.index.tolist() == ["w2", "w1"]  # both hot twice; w2 has the larger summed z
    assert out.loc["w2", SUMMED_Z] == pytest.approx(6.4)
    assert out.loc["w1", SUMMED_Z] == pytest.approx(6.0)
    assert out.loc["w1", "b_gi_bin"] == 2
    single = multi_harm_overlap(results, min_layers=1)
    assert single.loc["w4", HOT_LAYERS] == "b"
    assert single.loc["w4", SUMMED_Z] == pytest.approx(3.0)


def test_no_overlap_keeps_the_schema() -> None:
    index = [f"c{i}" for i in range(5)]
    results = {
        "a": _frame([0] * 5, [0.1] * 5, index),
        "b": _frame([3, 0, 0, 0, 0], [3.0] * 5, index),
    }
    out = multi_harm_overlap(results)
    assert out.empty
    assert list(out.columns) == [N_HOT_LAYERS, HOT_LAYERS, SUMMED_Z, "a_gi_bin", "b_gi_bin"]
    assert out.dtypes.astype(str).tolist() == ["int64", "str", "float64", "int8", "int8"]
    empty = {"a": _frame([], [], []), "b": _frame([], [], [])}
    assert multi_harm_overlap(empty).empty


def test_inputs_are_not_changed(layers: dict[str, pd.DataFrame]) -> None:
    before = {n: f.copy() for n, f in layers.items()}
    multi_harm_overlap(layers)
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[name])


@pytest.mark.parametrize(
    ("results", "options", "match"),
    [
        ({}, {}, "non-empty mapping"),
        ([1], {}, "non-empty mapping"),
        ({"a": "x"}, {"min_layers": 1}, "must be a Gi\\* result frame"),
        ({"a, b": None}, {"min_layers": 1}, "without commas"),
        ({"a": pd.DataFrame({"gi_z": [1.0]})}, {"min_layers": 1}, "lacks the column"),
        ({"a": pd.DataFrame({"gi_bin": [0.5], "gi_z": [1.0]})}, {"min_layers": 1}, "whole numbers"),
    ],
)
def test_refusals(results: object, options: dict[str, object], match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        multi_harm_overlap(results, **options)  # type: ignore[arg-type]


def test_refuses_bad_options_and_mismatched_places() -> None:
    a = _frame([1, 2], [1.0, 2.0], ["x", "y"])
    with pytest.raises(SchemaError) as caught:
        multi_harm_overlap({"a": a, "b": a}, min_layers=3, min_bin=4)
    assert "min_layers" in str(caught.value)
    assert "min_bin" in str(caught.value)
    with pytest.raises(SchemaError, match="cover other places"):
        multi_harm_overlap({"a": a, "b": _frame([1, 2], [1.0, 2.0], ["x", "z"])})
    with pytest.raises(SchemaError, match="repeats places"):
        multi_harm_overlap({"a": a, "b": _frame([1, 2], [1.0, 2.0], ["x", "x"])})
