"""Steps of the emerging hot spot analysis: pooling, warnings, output frames and attrs."""

from __future__ import annotations

from typing import Any

import h3
import numpy as np
import pandas as pd

from hotspots._cube import SpaceTimeCube, to_quarters
from hotspots._ehsa_rules import PATTERN_MEANINGS, classify
from hotspots._mannkendall import mann_kendall_many
from hotspots._spacetime import (
    BinScores,
    bin_scores,
    levels_for,
    ring_weights,
    space_time_weights,
)

MIN_STEPS = 10
"""ArcGIS's Emerging Hot Spot Analysis needs at least 10 time steps."""
SPARSE_TOTAL = 5.0
"""Median events per space-time neighbourhood below which counts are called sparse."""
RISING, FALLING, NO_TREND = "rising", "falling", "no significant trend"

Told = list[tuple[str, type[Warning]]]


class EmergingHotspotWarning(UserWarning):
    """The analysis ran, but its result deserves caution (base of the emerging warnings)."""


class FewTimeStepsWarning(EmergingHotspotWarning):
    """Fewer than 10 time steps: ArcGIS refuses such cubes and the trend test is weak."""


class SparseCountsWarning(EmergingHotspotWarning):
    """The median space-time neighbourhood holds fewer than 5 events (or the cube none)."""


def scores(cube: SpaceTimeCube, options: dict[str, Any]) -> BinScores:
    """Space-time Gi* of every bin of the cube with the validated options."""
    weights = space_time_weights(
        ring_weights(cube.cells, options["k"]), len(cube.steps), options["time_window"]
    )
    return bin_scores(
        cube.counts,
        weights,
        alpha=options["alpha"],
        fdr=options["fdr"],
        permutations=options["permutations"],
        seed=options["seed"],
    )


# --- pooling --------------------------------------------------------------------------


def pooled(cube: SpaceTimeCube, options: dict[str, Any]) -> tuple[SpaceTimeCube, str]:
    """Return the cube to analyse (maybe pooled into quarters) and a sentence saying why."""
    pool = options["pool"]
    if cube.step != "month" or pool == "none":
        why = "pool='none'" if pool == "none" else f"the cube is already by {cube.step}"
        return cube, f"Not pooled ({why}): {len(cube.steps)} steps by {cube.step}."
    if pool == "quarter":
        quarters, note = to_quarters(cube)
        return quarters, f"Pooled because pool='quarter': {note}"
    median = _median_total(cube, options)
    if median >= SPARSE_TOTAL:
        return cube, (
            f"Not pooled: the median space-time neighbourhood holds {median:g} events "
            f"(at least {SPARSE_TOTAL:g}), enough for monthly steps."
        )
    quarters, note = to_quarters(cube)
    if len(quarters.steps) < MIN_STEPS:
        return cube, (
            f"Not pooled: the median space-time neighbourhood holds only {median:g} events "
            f"(fewer than {SPARSE_TOTAL:g}), but quarters would leave {len(quarters.steps)} "
            f"steps (at least {MIN_STEPS} needed); {_coarser(cube)}"
        )
    return quarters, (
        f"Pooled months into quarters (pool='auto') because the median space-time "
        f"neighbourhood held only {median:g} events (fewer than {SPARSE_TOTAL:g}): {note}"
    )


def _median_total(cube: SpaceTimeCube, options: dict[str, Any]) -> float:
    if cube.counts.size == 0:
        return 0.0
    weights = space_time_weights(
        ring_weights(cube.cells, options["k"]), len(cube.steps), options["time_window"]
    )
    return float(np.median(weights @ cube.counts.T.astype(np.float64).ravel()))


def _coarser(cube: SpaceTimeCube) -> str:
    if cube.resolution is None or cube.resolution == 0:
        return "use larger cells or a longer step."
    return (
        f"consider a coarser H3 resolution ({cube.resolution - 1}: cells about 7 times "
        "larger) or a longer period."
    )


# --- warnings -------------------------------------------------------------------------


def warnings_for(cube: SpaceTimeCube, bins: BinScores, pool: str) -> Told:
    """Messages and categories of the 'works, but suspicious' warnings."""
    told: Told = []
    if len(cube.steps) < MIN_STEPS:
        told.append((_few_steps(cube), FewTimeStepsWarning))
    total = bins.neighbourhood_total
    median = float(np.median(total)) if total.size else 0.0
    if cube.counts.size and np.ptp(cube.counts) == 0:
        told.append((_no_variation(cube), SparseCountsWarning))
    elif cube.counts.size and median < SPARSE_TOTAL:
        told.append((_sparse(cube, median, pool), SparseCountsWarning))
    return told


def _few_steps(cube: SpaceTimeCube) -> str:
    return (
        f"The cube has {len(cube.steps)} time steps; ArcGIS's Emerging Hot Spot Analysis "
        f"needs at least {MIN_STEPS} and the Mann-Kendall trend has little power with "
        "fewer. Use a longer date range or shorter steps."
    )


def _no_variation(cube: SpaceTimeCube) -> str:
    return (
        f"Every bin of the cube holds the same count ({int(cube.counts.flat[0])}): no hot "
        "or cold spot can be found; every cell is No Pattern Detected."
    )


def _sparse(cube: SpaceTimeCube, median: float, pool: str) -> str:
    pooling = cube.step == "month" and pool == "none"
    hint = "pool months into quarters (pool='auto') or " if pooling else ""
    return (
        f"The median space-time neighbourhood holds {median:g} events (fewer than "
        f"{SPARSE_TOTAL:g}): normal-approximation p-values are unreliable for counts this "
        f"sparse; {hint}{_coarser(cube)}"
    )


# --- output ---------------------------------------------------------------------------


def cell_index(cells: np.ndarray, name: str) -> pd.Index:
    """Hex-string index of the cells."""
    return pd.Index([h3.int_to_str(int(c)) for c in cells], dtype="str", name=name)


def direction(z: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """'rising' / 'falling' where p < alpha, else 'no significant trend'."""
    words = np.where((p < alpha) & (z > 0), RISING, NO_TREND)
    return np.where((p < alpha) & (z < 0), FALLING, words)


def emerging_columns(cube: SpaceTimeCube, bins: BinScores, alpha: float) -> dict[str, Any]:
    """Return the columns of the emerging hot spot frame, in order, as arrays."""
    trend = mann_kendall_many(bins.z, alpha=alpha, slopes=False)
    counted = mann_kendall_many(cube.counts, alpha=alpha, slopes=True)
    patterns = classify(bins.bins, trend["z"], trend["p"], alpha)
    last = bins.bins[:, -1] if bins.bins.shape[1] else np.zeros(cube.cells.size, np.int8)
    return {
        "pattern": patterns.astype(str),
        "pattern_meaning": np.array([PATTERN_MEANINGS[p] for p in patterns], dtype=object),
        "hot_steps": (bins.bins > 0).sum(axis=1).astype(np.int64),
        "cold_steps": (bins.bins < 0).sum(axis=1).astype(np.int64),
        "last_bin": last.astype(np.int8),
        "trend_z": trend["z"],
        "trend_p": trend["p"],
        "trend_direction": direction(trend["z"], trend["p"], alpha),
        "count_trend_z": counted["z"],
        "count_trend_p": counted["p"],
        "count_trend_direction": direction(counted["z"], counted["p"], alpha),
        "count_slope": counted["slope"],
        "count_total": cube.counts.sum(axis=1).astype(np.int64),
    }


def gi_columns(cube: SpaceTimeCube, bins: BinScores) -> dict[str, Any]:
    """Return the columns of the per-bin Gi* frame (cell-major rows), as arrays."""
    n_steps = len(cube.steps)
    hexes = cell_index(cube.cells, "h3_cell").to_numpy()
    return {
        "h3_cell": np.repeat(hexes, n_steps),
        "step": np.tile(np.array(cube.steps, dtype=object), cube.cells.size),
        "count": cube.counts.astype(np.int64).ravel(),
        "gi_z": bins.z.ravel(),
        "gi_p": bins.p.ravel(),
        "gi_p_sim": bins.p_sim.ravel(),
        "gi_bin": bins.bins.astype(np.int8).ravel(),
    }


def attrs(cube: SpaceTimeCube, options: dict[str, Any], told: Told) -> dict[str, Any]:
    """Parameters, plain-English sentences on every choice, notes and warnings."""
    k, window, step = options["k"], options["time_window"], cube.step
    ring = 1 + 3 * k * (k + 1)
    parameters = dict(options) | {
        "step": step,
        "steps": len(cube.steps),
        "first_step": cube.steps[0] if cube.steps else None,
        "last_step": cube.steps[-1] if cube.steps else None,
        "cells": int(cube.cells.size),
        "resolution": cube.resolution,
        "levels": list(levels_for(options["alpha"])),
    }
    return {
        "parameters": parameters,
        "neighbourhood": (
            f"Each bin's neighbourhood is its cell and the cells within {k} ring(s) ({ring} "
            f"cells inside the study area) in the same {step} and the {window} previous "
            f"{step}(s): up to {ring * (window + 1)} bins with weight 1, compared with the "
            f"mean and spread of all {cube.counts.size:,} bins of the cube (Gi*)."
        ),
        "significance": _significance(options),
        "trend_test": (
            "Mann-Kendall test of each cell's Gi* z-score series (tie-corrected variance, "
            "continuity-corrected z, two-sided normal p), significant when p < "
            f"{options['alpha']:g}; the same test of the raw counts is reported beside it, "
            "with Sen's slope in events per step."
        ),
        "notes": list(cube.notes),
        "warnings": [message for message, _ in told],
    }


def _significance(options: dict[str, Any]) -> str:
    levels = ", ".join(f"{a:g}" for a in levels_for(options["alpha"]))
    p = (
        f"conditional permutation p ({options['permutations']} permutations, seed "
        f"{options['seed']}), made two-sided by doubling the folded one-sided p"
        if options["permutations"]
        else "analytical two-sided p from the normal approximation"
    )
    correction = (
        "Benjamini-Hochberg false discovery rate correction run separately for each time "
        "step and level"
        if options["fdr"]
        else "no multiple-testing correction"
    )
    return f"Bins significant at levels {levels} (bins ±1 to ±3) by the {p}; {correction}."
