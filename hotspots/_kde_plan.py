"""The KDE plan: checked inputs, the chosen bandwidth and cell size (with sentences), the grid."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from hotspots._kde_inputs import (
    Box,
    choice_problems,
    extent_box,
    points_xy,
    positive_problems,
    refuse,
    weights_of,
)
from hotspots._kde_surface import (
    CELLS_PER_SIDE,
    GAUSSIAN,
    KERNELS,
    SUPPORT,
    Grid,
    Spread,
    default_cell_size,
    grid_around,
    sampled_mass,
    spread_of,
)

MAX_CELLS = 25_000_000
"""Largest grid (counting the kernel's margin) that :func:`hotspots.kde.kde_grid` builds."""
OUTPUTS: tuple[str, ...] = ("density", "counts")
_MASS_SLACK = 0.01  # warn when a point's kernel sampled on the grid is off its weight by more


@dataclass(frozen=True)
class Plan:
    """Everything :func:`hotspots.kde.kde_grid` computes from, checked."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    kernel: str
    output: str
    bandwidth: float
    bandwidth_rule: str
    grid: Grid
    cell_size_rule: str


def checked_inputs(
    points: object,
    *,
    bandwidth: object,
    cell_size: object,
    kernel: object,
    output: object,
    weights: object,
    extent: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Box | None]:
    """Return x, y, weights and extent after checking each argument on its own.

    Raises SchemaError listing every problem found.
    """
    x, y, problems = points_xy(points)
    w, weight_problems = weights_of(weights, points, x.size) if not problems else (None, [])
    box, box_problems = extent_box(extent)
    refuse(
        "kde_grid",
        problems
        + weight_problems
        + box_problems
        + positive_problems("bandwidth", bandwidth)
        + positive_problems("cell_size", cell_size)
        + choice_problems("kernel", kernel, KERNELS)
        + choice_problems("output", output, OUTPUTS),
    )
    return x, y, w, box


def make_plan(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    box: Box | None,
    *,
    bandwidth: float | None,
    cell_size: float | None,
    kernel: str,
    output: str,
) -> Plan:
    """Return the plan with the bandwidth, cell size and grid chosen (or as given).

    Raises SchemaError listing every choice that cannot be made.
    """
    h, h_rule, problems = _bandwidth(x, y, w, given=bandwidth, kernel=kernel)
    area, area_problems = _area(x, y, box)
    c, c_rule, cell_problems = _cell_size(area, given=cell_size, given_box=box is not None)
    refuse("kde_grid", problems + area_problems + cell_problems)
    grid = grid_around(area, cell=c, pad=SUPPORT[kernel] * h + c)
    refuse("kde_grid", _size_problems(grid, reach=SUPPORT[kernel] * h))
    weights = np.ones_like(x) if w is None else w
    return Plan(x, y, weights, kernel, output, h, h_rule, grid, c_rule)


def zero_beyond(plan: Plan) -> bool:
    """Return whether every weighted point lies a kernel radius inside the grid's centres."""
    reach = SUPPORT[plan.kernel] * plan.bandwidth
    g = plan.grid
    used = plan.w > 0
    x, y = plan.x[used], plan.y[used]
    inner_x = (g.x0 + g.cell / 2 + reach, g.x0 + (g.nx - 0.5) * g.cell - reach)
    inner_y = (g.y0 + g.cell / 2 + reach, g.y0 + (g.ny - 0.5) * g.cell - reach)
    inside = (x >= inner_x[0]) & (x <= inner_x[1]) & (y >= inner_y[0]) & (y <= inner_y[1])
    return bool(inside.all())


def metres(value: float) -> str:
    """Return a length for a sentence: ``"412 m"``, ``"1,250 m"``, ``"7.5 m"``."""
    return f"{value:,.0f} m" if value >= 100 else f"{value:,.3g} m"


def _bandwidth(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None, *, given: float | None, kernel: str
) -> tuple[float, str, list[str]]:
    sigma = " (the Gaussian's sigma)" if kernel == GAUSSIAN else ""
    if given is not None:
        return float(given), f"bandwidth {metres(given)}{sigma}: given by the caller", []
    used = np.ones(x.size, dtype=bool) if w is None else w > 0
    if used.sum() < 2:
        return 0.0, "", [_no_rule(f"it needs at least 2 points (received {int(used.sum())})")]
    ws = None if w is None else w[used]
    spread = spread_of(x[used], y[used], ws)
    if not spread.bandwidth > 0:
        return 0.0, "", [_no_rule(_why_zero(spread.standard_distance))]
    return spread.bandwidth, _silverman_sentence(spread, weighted=w is not None) + sigma, []


def _no_rule(why: str) -> str:
    return f"the automatic bandwidth cannot be chosen: {why}; give bandwidth= in metres"


def _why_zero(standard_distance: float) -> str:
    if standard_distance == 0:
        return "all points lie at one place"
    return "half the points (by weight) lie exactly at their mean centre, so the rule gives 0 m"


def _silverman_sentence(spread: Spread, *, weighted: bool) -> str:
    sd, dm, n = spread.standard_distance, spread.median_distance, spread.n
    count = f"n = total weight {n:,.6g}" if weighted else f"n = {n:,.0f} points"
    kind = "weighted " if weighted else ""
    return (
        f"bandwidth {metres(spread.bandwidth)}: ArcGIS's spatial Silverman rule, 0.9 x "
        f"min({kind}standard distance {metres(sd)}, sqrt(1/ln 2) x {kind}median distance to "
        f"the mean centre {metres(dm)}) x n^-0.2 with {count}"
    )


def _area(x: np.ndarray, y: np.ndarray, box: Box | None) -> tuple[Box, list[str]]:
    if box is not None:
        return box, []
    if x.size == 0:
        return (0.0, 0.0, 0.0, 0.0), ["points is empty and no extent was given; give extent="]
    return (float(x.min()), float(y.min()), float(x.max()), float(y.max())), []


def _cell_size(area: Box, *, given: float | None, given_box: bool) -> tuple[float, str, list[str]]:
    if given is not None:
        return float(given), f"cell size {metres(given)}: given by the caller", []
    side = min(area[2] - area[0], area[3] - area[1])
    which = "the extent given" if given_box else "the points' bounds"
    if not side > 0:
        return (
            0.0,
            "",
            [
                (
                    f"the automatic cell size cannot be chosen: {which} is "
                    f"{metres(area[2] - area[0])} by {metres(area[3] - area[1])}, its shorter "
                    "side is 0; give cell_size= in metres or a wider extent"
                )
            ],
        )
    rule = (
        f"cell size {metres(default_cell_size(area))}: the shorter side of {which} "
        f"({metres(side)}) / {CELLS_PER_SIDE}, ArcGIS's default"
    )
    return default_cell_size(area), rule, []


def _size_problems(grid: Grid, *, reach: float) -> list[str]:
    margin = 2 * (math.floor(reach / grid.cell) + 2)
    cells = (grid.nx + margin) * (grid.ny + margin)
    if cells <= MAX_CELLS:
        return []
    bigger = grid.cell * math.sqrt(cells / MAX_CELLS) * 1.01
    return [
        (
            f"the grid would have {cells:,} cells ({grid.nx + margin:,} x {grid.ny + margin:,} "
            f"with the kernel's margin), over the {MAX_CELLS:,} limit; raise cell_size (to "
            f"about {metres(bigger)} or more) or narrow the extent"
        )
    ]


def warn_if_suspicious(plan: Plan, left_out: int, *, category: type[Warning]) -> None:
    """Warn when the bandwidth is too narrow for the cells, or some points add nothing."""
    least, most = sampled_mass(plan.kernel, plan.bandwidth / plan.grid.cell)
    if least < 1 - _MASS_SLACK or most > 1 + _MASS_SLACK:
        warnings.warn(
            f"kde_grid: bandwidth {metres(plan.bandwidth)} is narrow for cells of "
            f"{metres(plan.grid.cell)}: sampled at cell centres, one point's kernel adds up "
            f"to {least:.0%}-{most:.0%} of its weight; lower cell_size (to a third of the "
            "bandwidth or less) for a faithful surface",
            category,
            stacklevel=3,
        )
    if left_out:
        warnings.warn(
            f"kde_grid: {left_out:,} of {plan.x.size:,} points lie so far beyond the grid "
            "that they add nothing to it; widen extent if they matter",
            category,
            stacklevel=3,
        )
