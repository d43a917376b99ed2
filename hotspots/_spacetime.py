"""Space-time Gi* on a cube: k-ring x time-window weights, z and p per bin, bins per step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from h3.api import basic_int as h3i

from hotspots._gi import conditional_permutation_p, gi_star_scores, significance_bins

LEVELS: tuple[float, ...] = (0.10, 0.05, 0.01)
"""Confidence levels of the bins (90 %, 95 %, 99 %), as ArcGIS reports them."""


@dataclass(frozen=True)
class BinScores:
    """Gi* of every bin of a cube, as (cells x steps) arrays.

    Attributes
    ----------
    z, p
        Gi* z-score and analytical two-sided p.
    p_sim
        Conditional permutation p made two-sided (twice the folded one-sided p, at most
        1); NaN when no permutations were run.
    bins
        int8 confidence bins -3..3 from the p used for significance, corrected per step.
    neighbourhood_total
        Events in each bin's space-time neighbourhood (its weights row times the counts).
    """

    z: np.ndarray
    p: np.ndarray
    p_sim: np.ndarray
    bins: np.ndarray
    neighbourhood_total: np.ndarray


def ring_weights(cells: np.ndarray, k: int) -> sp.csr_matrix:
    """Binary (cells x cells) weights: 1 where the column cell is within ``k`` rings (self too)."""
    disks = [np.array(h3i.grid_disk(int(c), k), dtype=np.uint64) for c in cells]
    sizes = np.array([d.size for d in disks], dtype=np.int64)
    members = np.concatenate(disks) if disks else np.array([], dtype=np.uint64)
    rows = np.repeat(np.arange(cells.size), sizes)
    cols = np.clip(np.searchsorted(cells, members), 0, max(cells.size - 1, 0))
    inside = cells[cols] == members if cells.size else np.zeros(0, dtype=bool)
    data = np.ones(int(inside.sum()))
    shape = (cells.size, cells.size)
    return sp.csr_matrix((data, (rows[inside], cols[inside])), shape=shape)


def space_time_weights(spatial: sp.csr_matrix, n_steps: int, time_window: int) -> sp.csr_matrix:
    """Weights over (step, cell) nodes, node = step * n_cells + cell.

    A node's neighbours are the spatial neighbours (self included) in its own step and
    in each of the ``time_window`` steps before it: the Kronecker product of a lower band
    of ones (steps) with the spatial weights.
    """
    lags = range(min(time_window, max(n_steps - 1, 0)) + 1)
    temporal = sp.diags(
        [np.ones(n_steps - lag) for lag in lags], [-lag for lag in lags], shape=(n_steps, n_steps)
    )
    return sp.csr_matrix(sp.kron(temporal, spatial, format="csr"))


def bin_scores(
    counts: np.ndarray,
    weights: sp.csr_matrix,
    *,
    alpha: float,
    fdr: bool,
    permutations: int,
    seed: int | None,
) -> BinScores:
    """Gi* z, p, permutation p and per-step bins of every bin of ``counts``."""
    n_cells, n_steps = counts.shape
    values = counts.T.astype(np.float64).ravel()
    if values.size == 0:
        empty = np.zeros(counts.shape)
        return BinScores(empty, empty + 1.0, empty + np.nan, counts.astype(np.int8) * 0, empty)
    z, p = gi_star_scores(values, weights)
    p_sim = np.minimum(
        2.0 * conditional_permutation_p(values, weights, permutations=permutations, seed=seed),
        1.0,
    )
    used = p_sim if permutations > 0 else p
    shape = (n_steps, n_cells)
    bins = _bins_per_step(z.reshape(shape), used.reshape(shape), alpha=alpha, fdr=fdr)
    total = (weights @ values).reshape(shape)
    return BinScores(
        z.reshape(shape).T, p.reshape(shape).T, p_sim.reshape(shape).T, bins.T, total.T
    )


def levels_for(alpha: float) -> tuple[float, ...]:
    """Bin levels: ``alpha`` and the stricter of ArcGIS's 0.05 / 0.01 below it."""
    return (alpha, *(level for level in LEVELS[1:] if level < alpha))


def _bins_per_step(z: np.ndarray, p: np.ndarray, *, alpha: float, fdr: bool) -> np.ndarray:
    """Confidence bins of each step's bins (rows), the FDR correction run per step."""
    levels = levels_for(alpha)
    return np.stack(
        [significance_bins(z[t], p[t], alpha=levels, fdr=fdr) for t in range(z.shape[0])]
    ).astype(np.int8)
