"""Exact kernel sums, point by point, at the cells where the FFT expansion could err."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hotspots._kde_expansion import Nodes

TOLERANCE = 5e-3
"""A cell whose error bound exceeds this share of its value is summed exactly..."""
FLOOR = 5e-3
"""...when its value plus the bound reaches this share of the surface's maximum."""
BUDGET = 4_000_000
"""Most (cell, point) pairs summed exactly; the cells most at risk go first."""
_CHUNK = 2_000_000  # (cell, point) pairs handled at once


@dataclass(frozen=True)
class Exactness:
    """How many cells were summed exactly, and the largest error bound left elsewhere."""

    exact_cells: int
    short_cells: int
    worst_bound: float


def accuracy_sentence(exactness: Exactness | None) -> str:
    """Say how close the surface is to the exact kernel sum (None: the exact quartic)."""
    if exactness is None:
        return (
            "the exact kernel sum, to rounding (the quartic's polynomial expanded by FFT, "
            "corrected point by point along each kernel's rim)"
        )
    promise = (
        f"within {TOLERANCE:.1%} of the exact kernel sum at every cell above {FLOOR:.1%} of "
        f"the maximum ({exactness.exact_cells:,} cells summed exactly, point by point, where "
        "the FFT expansion could err; the rest by the expansion)"
    )
    if not exactness.short_cells:
        return promise
    return (
        f"{promise}, except {exactness.short_cells:,} cells whose error bound reaches "
        f"{exactness.worst_bound:.1%} (exact sums are limited to {BUDGET:,} point-cell pairs)"
    )


def refine(
    summed: np.ndarray,
    bound: np.ndarray,
    nodes: Nodes,
    *,
    kernel_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    radius: float,
) -> Exactness:
    """Replace, in place, the cells at risk by their exact sums, within :data:`BUDGET`.

    Cells at risk are sorted by their error bound relative to their value, largest
    first; each costs the number of points around it. Cells past the budget keep the
    expansion and their bound is reported.
    """
    rows, cols = np.nonzero(_at_risk(summed, bound))
    with np.errstate(over="ignore", divide="ignore"):
        ratio = bound[rows, cols] / np.maximum(summed[rows, cols], np.finfo(float).tiny)
    order = np.argsort(-ratio, kind="stable")
    cost = np.cumsum(_points_near(nodes, rows[order], cols[order], radius=radius))
    done, short = order[cost <= BUDGET], order[cost > BUDGET]
    if done.size:
        summed[rows[done], cols[done]] = exact_sums(
            nodes, rows[done], cols[done], kernel_at=kernel_at, radius=radius
        )
    worst = float(ratio[short].max()) if short.size else 0.0
    return Exactness(int(done.size), int(short.size), worst)


def exact_sums(
    nodes: Nodes,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    kernel_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    radius: float,
) -> np.ndarray:
    """Return ``sum_p w_p K(|g - p|)`` at the output cells (rows, cols), in cell units.

    Only the points whose node lies within ``radius`` plus half a cell diagonal of a
    cell are visited, found through the points sorted by node.
    """
    order = np.argsort(nodes.flat, kind="stable")
    fx, fy, w = nodes.fx[order], nodes.fy[order], nodes.w[order]
    counts = np.bincount(nodes.flat, minlength=math.prod(nodes.shape))
    starts = np.cumsum(counts) - counts
    steps = _node_steps(radius, width=nodes.shape[1])
    centres = (rows + nodes.margin) * nodes.shape[1] + (cols + nodes.margin)
    out = np.empty(rows.size, dtype="float64")
    cost = np.cumsum(_points_near(nodes, rows, cols, radius=radius))
    bounds = np.searchsorted(cost, np.arange(_CHUNK, int(cost[-1]) + _CHUNK, _CHUNK))
    for first, last in zip(np.r_[0, bounds], np.r_[bounds, rows.size], strict=True):
        part = slice(int(first), max(int(last), int(first) + 1))
        near = (centres[part, None] + steps[None, :]).ravel()
        pair_counts, pair_starts = counts[near], starts[near]
        point = np.repeat(pair_starts - (np.cumsum(pair_counts) - pair_counts), pair_counts)
        point += np.arange(point.size)
        cell = np.repeat(np.arange(near.size) // steps.size, pair_counts)
        gx, gy = (cols[part] + nodes.margin)[cell], (rows[part] + nodes.margin)[cell]
        value = w[point] * kernel_at(fx[point] - gx, fy[point] - gy)
        out[part] = np.bincount(cell, value, minlength=near.size // steps.size)
    return out


def _at_risk(summed: np.ndarray, bound: np.ndarray) -> np.ndarray:
    top = float(summed.max()) if summed.size else 0.0
    if not top > 0:
        return np.zeros(summed.shape, dtype=bool)
    return (bound > TOLERANCE * np.maximum(summed, 0)) & (summed + bound >= FLOOR * top)


def _node_steps(radius: float, *, width: int) -> np.ndarray:
    """Flat index steps to every node of the square reaching ``radius`` + half a cell."""
    reach = math.floor(radius + 0.5)
    dy, dx = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    return (dy * width + dx).ravel().astype(np.int64)


def _points_near(nodes: Nodes, rows: np.ndarray, cols: np.ndarray, *, radius: float) -> np.ndarray:
    """Points in the square of nodes around each cell (an upper bound of its exact cost)."""
    counts = np.bincount(nodes.flat, minlength=math.prod(nodes.shape)).reshape(nodes.shape)
    table = np.pad(counts.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = math.floor(radius + 0.5)
    r0, c0 = rows + nodes.margin - k, cols + nodes.margin - k
    r1, c1 = rows + nodes.margin + k + 1, cols + nodes.margin + k + 1
    return table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
