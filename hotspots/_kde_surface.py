"""KDE arithmetic: ArcGIS's bandwidth and cell-size rules, the grid, and the kernel sum on it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from hotspots._kde_exact import Exactness, refine
from hotspots._kde_expansion import expansion, nodes_of
from hotspots._kde_rim import rim_correction
from hotspots._kde_terms import GAUSSIAN, QUARTIC

KERNELS: tuple[str, ...] = (QUARTIC, GAUSSIAN)
GAUSSIAN_CUT = 5.0
"""The Gaussian is cut where either axis's offset reaches this many sigmas (a square: 1e-6
of its mass lies beyond)."""
SUPPORT: dict[str, float] = {QUARTIC: 1.0, GAUSSIAN: GAUSSIAN_CUT}
"""Radius of each kernel's support, in bandwidths."""
CELLS_PER_SIDE = 250
"""ArcGIS's default cell size: the shorter side of the extent divided by this."""
_NOISE = 1e-12  # FFT round-off: values below this share of the maximum are set to 0


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells in metres; cell (row 0, column 0) is the south-west one."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int


@dataclass(frozen=True)
class Spread:
    """The parts of ArcGIS's spatial Silverman rule, for the sentence that announces it."""

    standard_distance: float
    median_distance: float
    n: float

    @property
    def bandwidth(self) -> float:
        """``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` (metres)."""
        spread = min(self.standard_distance, math.sqrt(1 / math.log(2)) * self.median_distance)
        return 0.9 * spread * self.n**-0.2


def spread_of(x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Spread:
    """Return the (weighted) standard distance, median distance to the mean centre and n.

    Weighted: the mean centre, the standard distance and the median are weighted by
    ``w`` and n is the sum of the weights, as ArcGIS does with a population field.
    """
    weight = np.ones_like(x) if w is None else w
    total = float(weight.sum())
    cx, cy = float(weight @ x) / total, float(weight @ y) / total
    dx, dy = x - cx, y - cy
    sd = math.sqrt(float(weight @ (dx * dx + dy * dy)) / total)
    distance = np.hypot(dx, dy)
    median = float(np.median(distance)) if w is None else weighted_median(distance, weight)
    return Spread(sd, median, float(x.size) if w is None else total)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Return the weighted median; with equal weights it equals :func:`numpy.median`.

    The smallest value at which the cumulative weight reaches half the total; where the
    cumulative weight equals exactly half, the mean of that value and the next.
    """
    order = np.argsort(values, kind="stable")
    v, cumulative = values[order], np.cumsum(weights[order])
    half = cumulative[-1] / 2
    i = int(np.searchsorted(cumulative, half * (1 - 1e-12), side="left"))
    if abs(cumulative[i] - half) <= 1e-12 * cumulative[-1] and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2)
    return float(v[i])


def default_cell_size(box: tuple[float, float, float, float]) -> float:
    """Return ArcGIS's default cell size: the shorter side of ``box`` / 250."""
    return min(box[2] - box[0], box[3] - box[1]) / CELLS_PER_SIDE


def grid_around(box: tuple[float, float, float, float], *, cell: float, pad: float) -> Grid:
    """Return the grid of ``cell``-metre cells covering ``box`` widened by ``pad`` on each side.

    The grid is centred on the box; its sides are whole numbers of cells.
    """
    nx = max(1, math.ceil((box[2] - box[0] + 2 * pad) / cell - 1e-9))
    ny = max(1, math.ceil((box[3] - box[1] + 2 * pad) / cell - 1e-9))
    x0 = (box[0] + box[2]) / 2 - nx * cell / 2
    y0 = (box[1] + box[3]) / 2 - ny * cell / 2
    return Grid(x0, y0, cell, nx, ny)


def kernel_sum(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, *, kernel: str, bandwidth: float
) -> tuple[np.ndarray, int, Exactness | None]:
    """Return the kernel sum at every cell centre (per m², rows south to north).

    Also the number of points left out (their kernel cannot reach the grid: they add
    nothing) and, for the Gaussian, how many cells were summed exactly (None for the
    quartic, whose sum is exact everywhere).
    """
    h = bandwidth / grid.cell
    radius = SUPPORT[kernel] * h
    fx, fy = (x - grid.x0) / grid.cell - 0.5, (y - grid.y0) / grid.cell - 0.5
    out_shape = (grid.ny, grid.nx)
    nodes = nodes_of(fx, fy, w, out_shape, margin=math.floor(radius) + 2)
    if kernel == QUARTIC:
        summed, _ = expansion(nodes, kernel=kernel, radius=radius, h=h, out_shape=out_shape)
        summed += rim_correction(nodes, out_shape, h=h, radius=radius)
        exactness = None
    else:
        truncated = partial(kernel_at, kernel, bandwidth=h)
        summed, bound = expansion(
            nodes,
            kernel=kernel,
            radius=radius,
            h=h,
            out_shape=out_shape,
            kernel_at=truncated,
        )
        exactness = refine(summed, bound, nodes, kernel_at=truncated, radius=radius)
    summed[summed < _NOISE * max(float(summed.max(initial=0.0)), 0.0)] = 0.0
    return summed / grid.cell**2, int(x.size - nodes.w.size), exactness


def sampled_mass(kernel: str, h: float) -> tuple[float, float]:
    """Return the least and most a point's kernel sums to on the cell centres (h in cells).

    A kernel sampled at cell centres sums (times the cell area) to about 1 when it spans
    a few cells; a narrow kernel misses or doubles part of its mass. Sampled for a point
    at 7 x 7 positions across its cell.
    """
    reach = math.floor(SUPPORT[kernel] * h) + 1
    steps = np.arange(-reach, reach + 1, dtype="float64")
    sums = [
        float(kernel_at(kernel, steps[None, :] - d, steps[:, None] - e, bandwidth=h).sum())
        for d in np.linspace(-0.5, 0.5, 7)
        for e in np.linspace(-0.5, 0.5, 7)
    ]
    return min(sums), max(sums)


def kernel_at(kernel: str, dx: np.ndarray, dy: np.ndarray, *, bandwidth: float) -> np.ndarray:
    """Return the kernel's value (per square unit) at offsets (dx, dy).

    Quartic: ``3 / (pi h²) (1 - d²/h²)²`` for d < h. Gaussian with sigma = h:
    ``exp(-d² / 2h²) / (2 pi h²)`` where ``|dx|`` and ``|dy|`` are under 5h, 0 beyond.
    """
    u = (dx * dx + dy * dy) / bandwidth**2
    if kernel == QUARTIC:
        return np.where(u < 1, 3 / (math.pi * bandwidth**2) * (1 - u) ** 2, 0.0)
    cut = GAUSSIAN_CUT * bandwidth
    inside = (np.abs(dx) < cut) & (np.abs(dy) < cut)
    return np.where(inside, np.exp(-u / 2) / (2 * math.pi * bandwidth**2), 0.0)
