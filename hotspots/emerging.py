"""Emerging hot spots: space-time cubes, space-time Gi* and ArcGIS's 17 trend classes per cell."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots import _cube
from hotspots import _emerging_steps as _steps
from hotspots._cube import SpaceTimeCube
from hotspots._ehsa_rules import PATTERN_MEANINGS as _MEANINGS
from hotspots._emerging_checks import cube_problems, option_problems, raise_problems
from hotspots._emerging_steps import (
    EmergingHotspotWarning,
    FewTimeStepsWarning,
    SparseCountsWarning,
)
from layers.schema import H3_CELL

__all__ = [
    "PATTERN_MEANINGS",
    "EmergingHotspotWarning",
    "FewTimeStepsWarning",
    "SpaceTimeCube",
    "SparseCountsWarning",
    "cube_from_counts",
    "cube_to_quarters",
    "emerging_hotspots",
    "space_time_cube",
    "space_time_gi_star",
]

# --- output columns -------------------------------------------------------------------
PATTERN = "pattern"
PATTERN_MEANING = "pattern_meaning"
HOT_STEPS = "hot_steps"
COLD_STEPS = "cold_steps"
LAST_BIN = "last_bin"
TREND_Z = "trend_z"
TREND_P = "trend_p"
TREND_DIRECTION = "trend_direction"
COUNT_TREND_Z = "count_trend_z"
COUNT_TREND_P = "count_trend_p"
COUNT_TREND_DIRECTION = "count_trend_direction"
COUNT_SLOPE = "count_slope"
COUNT_TOTAL = "count_total"

EMERGING_COLUMNS: dict[str, str] = {
    PATTERN: "str",
    PATTERN_MEANING: "str",
    HOT_STEPS: "int64",
    COLD_STEPS: "int64",
    LAST_BIN: "int8",
    TREND_Z: "float64",
    TREND_P: "float64",
    TREND_DIRECTION: "str",
    COUNT_TREND_Z: "float64",
    COUNT_TREND_P: "float64",
    COUNT_TREND_DIRECTION: "str",
    COUNT_SLOPE: "float64",
    COUNT_TOTAL: "int64",
}
"""Columns and dtypes of :func:`emerging_hotspots` (index: ``h3_cell`` hex strings)."""

STEP = "step"
COUNT = "count"
GI_Z = "gi_z"
GI_P = "gi_p"
GI_P_SIM = "gi_p_sim"
GI_BIN = "gi_bin"

GI_COLUMNS: dict[str, str] = {
    H3_CELL: "str",
    STEP: "str",
    COUNT: "int64",
    GI_Z: "float64",
    GI_P: "float64",
    GI_P_SIM: "float64",
    GI_BIN: "int8",
}
"""Columns and dtypes of :func:`space_time_gi_star` (one row per cell x step)."""

PATTERN_MEANINGS: dict[str, str] = dict(_MEANINGS)
"""The 17 class names (ArcGIS's) and one plain-English line each for the user interface."""

MIN_STEPS = _steps.MIN_STEPS
"""ArcGIS's Emerging Hot Spot Analysis needs at least 10 time steps."""
SPARSE_TOTAL = _steps.SPARSE_TOTAL
"""Median events per space-time neighbourhood below which counts are called sparse."""


def space_time_cube(
    events: pd.DataFrame,
    *,
    cells: Sequence[Any] | np.ndarray,
    step: str = "month",
    start: Any = None,
    end: Any = None,
    resolution: int | None = None,
) -> SpaceTimeCube:
    """Count events by H3 cell and month or quarter into a dense cube, zeros included.

    Parameters
    ----------
    events
        One row per event with ``h3_cell`` (uint64 or hex string; missing allowed) and
        ``date`` (datetime64; month precision is enough). Not modified.
    cells
        The study area's H3 cells (uint64 or hex strings, one resolution, each once).
        Every one gets a row, with zeros where nothing happened.
    step
        ``"month"`` or ``"quarter"``.
    start, end
        First and last step (``"2021-03"`` / ``"2021Q1"`` labels, or dates). None: the
        first / last step holding an event of the study area.
    resolution
        Count each event in its parent cell at this resolution (events are usually
        stored finer). None: event cells must already be at the cells' resolution.

    Returns
    -------
    SpaceTimeCube
        ``counts`` (int64, cells x steps), ``cells`` (sorted uint64), ``steps`` (labels),
        ``step``, ``resolution`` and ``notes`` saying how many events were not counted
        and why (no cell or date, outside the study area, outside start..end).

    Raises
    ------
    SchemaError
        Listing every problem: events not a frame or missing columns, a date column
        that is not datetime64, invalid cells, mixed resolutions, an unknown step,
        unreadable or swapped bounds.
    """
    problems = _cube.event_problems(events, step, resolution)
    study, res = _cube.study_cells(cells, resolution if not problems else None, problems)
    raise_problems(problems)
    raw = _cube.cells_to_ints(events[H3_CELL], f"events[{H3_CELL!r}]", problems)
    ev_cells = _cube.event_cells(raw, res, resolution is not None, problems)
    ordinals = _cube.event_ordinals(events, step)
    position, inside = _cube.locate(study, ev_cells)
    known = (ev_cells != 0) & (ordinals > -(2**61))
    first, last = _cube.step_range(ordinals[known & inside], start, end, step, problems)
    raise_problems(problems)
    in_time = (ordinals >= first) & (ordinals <= last)
    shape = (study.size, max(last - first + 1, 0))
    counts = _cube.count_events(shape, position, known & inside & in_time, ordinals - first)
    notes = _cube.left_out_notes(_cube.left_out(known, inside, in_time), len(events))
    steps = [_cube.period_label(o, step) for o in range(first, last + 1)]
    return SpaceTimeCube(counts, study, steps, step, res, notes)


def cube_from_counts(table: pd.DataFrame) -> SpaceTimeCube:
    """Turn a count table (area_code, period, count) by H3 cell into a cube.

    Parameters
    ----------
    table
        As made by ``layers.aggregate.counts(store, by="h3:RES", period="month")`` (or
        ``"quarter"``): ``area_code`` H3 hex strings, ``period`` labels ``2021-03`` or
        ``2021Q1``, ``count`` non-negative integers; each (area, period) once. Periods
        missing between the first and the last are filled with zeros (and noted).

    Returns
    -------
    SpaceTimeCube
        One row per distinct area code (sorted cells), one column per period.

    Raises
    ------
    SchemaError
        When columns are missing, codes are not H3 cells of one resolution, periods are
        not all months or all quarters, counts are not non-negative integers, or an
        (area, period) pair repeats.
    """
    problems = _cube.table_problems(table)
    raise_problems(problems)
    ints = _cube.cells_to_ints(table[_cube.AREA_CODE], "table['area_code']", problems)
    study, res = _cube.study_cells(np.unique(ints[ints != 0]), None, problems)
    ordinals, step = _cube.table_steps(table[_cube.PERIOD], problems)
    raise_problems(problems)
    first, last = (int(ordinals.min()), int(ordinals.max())) if ordinals.size else (0, -1)
    position, _ = _cube.locate(study, ints)
    counts = np.zeros((study.size, last - first + 1), dtype=np.int64)
    counts[position, ordinals - first] = table[_cube.COUNT].to_numpy(dtype=np.int64)
    gaps = (last - first + 1) - np.unique(ordinals).size
    notes = (f"{gaps} period(s) absent from the table were filled with zeros.",) if gaps else ()
    steps = [_cube.period_label(o, step) for o in range(first, last + 1)]
    return SpaceTimeCube(counts, study, steps, step, res, notes)


def cube_to_quarters(cube: SpaceTimeCube) -> SpaceTimeCube:
    """Pool a monthly cube into whole quarters (months of incomplete quarters left out).

    Parameters
    ----------
    cube
        A cube with ``step="month"``.

    Returns
    -------
    SpaceTimeCube
        ``step="quarter"``; its last note says which months were left out and why.

    Raises
    ------
    SchemaError
        When the cube is malformed or not monthly.
    """
    problems = cube_problems(cube)
    if not problems and cube.step != "month":
        problems.append(f"cube: step is {cube.step!r}; only a monthly cube can be pooled")
    raise_problems(problems)
    return _cube.to_quarters(cube)[0]


def space_time_gi_star(
    cube: SpaceTimeCube,
    *,
    k: int = 1,
    time_window: int = 1,
    fdr: bool = True,
    alpha: float = 0.10,
    seed: int | None = None,
    permutations: int = 0,
) -> pd.DataFrame:
    """Getis-Ord Gi* of every bin (cell x step) of a cube on its space-time neighbourhood.

    The neighbourhood of a bin is its cell's ``k``-ring (self included) in the same
    step and in each of the ``time_window`` previous steps (ArcGIS's "neighborhood
    time step"), with binary weights; the statistic compares it with the mean and
    standard deviation of all bins of the cube (hotspots._gi.gi_star_scores).

    Parameters
    ----------
    cube
        The counts, e.g. from :func:`space_time_cube`.
    k
        Rings of neighbouring cells (0: the cell alone).
    time_window
        Previous steps in the neighbourhood (0: the step alone).
    fdr
        Benjamini-Hochberg correction, run separately for each time step and level.
    alpha
        Largest significance level: bin ±1 at ``alpha``, ±2 at 0.05 and ±3 at 0.01
        when stricter than ``alpha``.
    seed
        Seed of the permutation draws (None: not reproducible).
    permutations
        Conditional permutations per bin (0: none). When positive, the bins use the
        permutation p (two-sided: twice the folded one-sided p, at most 1) instead of
        the analytical p; both are returned. The cost grows as bins x permutations x
        neighbours: fine for a few hundred cells, slow for a whole city at res 9.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`GI_COLUMNS`: ``h3_cell``, ``step``, ``count``, ``gi_z``,
        ``gi_p`` (analytical, two-sided), ``gi_p_sim`` (NaN without permutations) and
        ``gi_bin`` (-3..3); rows cell-major. ``attrs`` as in :func:`emerging_hotspots`.

    Raises
    ------
    SchemaError
        When the cube is malformed or an option is out of range.
    """
    options = _options(cube, k, time_window, fdr, alpha, seed, permutations, "none")
    bins = _steps.scores(cube, options)
    frame = _frame(_steps.gi_columns(cube, bins), GI_COLUMNS, None)
    options.pop("pool")
    frame.attrs.update(_steps.attrs(cube, options, []))
    return frame


def emerging_hotspots(
    cube: SpaceTimeCube,
    *,
    k: int = 1,
    time_window: int = 1,
    fdr: bool = True,
    alpha: float = 0.10,
    seed: int | None = None,
    permutations: int = 0,
    pool: str = "none",
) -> pd.DataFrame:
    """Classify every cell as one of ArcGIS's 17 emerging hot / cold spot patterns.

    ArcGIS Pro's Emerging Hot Spot Analysis, step by step:

    1. Gi* of every bin on its space-time neighbourhood (:func:`space_time_gi_star`),
       significance per time step with the FDR correction when ``fdr``; a bin is a
       *significant hot (cold) spot* when its bin is > 0 (< 0), i.e. p at most
       ``alpha`` after the correction.
    2. The Mann-Kendall test of each cell's Gi* z-score series (the intensity of
       clustering); a trend is significant when its p < ``alpha``. The Mann-Kendall
       test of the cell's raw counts is reported beside it (``count_trend_*``), not
       used for the classes.
    3. The classes, with ``n`` steps and "at least 90 %" meaning hot (cold) steps
       >= 0.9 n:

       - New: hot in the final step and never before.
       - Consecutive: a single uninterrupted run of at least two hot steps ending
         in the final step, never hot before the run, hot in less than 90 % of steps.
       - Intensifying: hot in at least 90 % of steps including the final one, and
         the z-scores rise significantly.
       - Persistent: hot in at least 90 % of steps (including the final one, see
         Historical), with no significant trend in the z-scores.
       - Diminishing: hot in at least 90 % of steps including the final one, and
         the z-scores fall significantly.
       - Sporadic: hot in the final step, on-and-off hot before the final run, hot
         in less than 90 % of steps, never a significant cold spot.
       - Oscillating: hot in the final step, on-and-off hot before the final run,
         hot in less than 90 % of steps, and a significant cold spot in some step.
       - Historical: hot in at least 90 % of steps but not in the final one.

       The cold spot classes mirror these (Intensifying Cold Spot: z-scores falling,
       i.e. colder; Diminishing Cold Spot: rising). Otherwise No Pattern Detected.
       Where ArcGIS's wording lets two classes apply, the first in this order wins:
       the hot final-step classes in the order above, the cold ones, Historical Hot,
       Historical Cold. So a former cold spot that turns hot is New or Consecutive
       (ArcGIS only rules out earlier *hot* steps there), and Sporadic / Oscillating
       need hot steps before the final run. Every cell of the cube is classified, as
       ArcGIS does with a polygon analysis mask (empty cells included).

    With ``time_window >= 1`` consecutive z-scores share bins, so a cell's z-score series
    is autocorrelated and the Mann-Kendall test (which assumes independence, as in
    ArcGIS) finds trends more readily: a steady hot spot on a slowly rising background
    may read as Intensifying rather than Persistent. ``time_window=0`` avoids the overlap.

    Parameters
    ----------
    cube
        The counts (at least 10 steps advised).
    k, time_window, fdr, alpha, seed, permutations
        As in :func:`space_time_gi_star`.
    pool
        ``"none"``: use the cube as it is (warn when sparse). ``"auto"``: when the
        median space-time neighbourhood holds fewer than 5 events and the cube is
        monthly, pool months into whole quarters if that leaves at least 10; otherwise
        keep it and suggest a coarser resolution. ``"quarter"``: always pool a monthly
        cube. The choice is stated in ``attrs["pooling"]``.

    Returns
    -------
    pandas.DataFrame
        Index ``h3_cell`` (hex strings); columns of :data:`EMERGING_COLUMNS`:
        ``pattern`` (one of :data:`PATTERN_MEANINGS`), ``pattern_meaning``,
        ``hot_steps`` / ``cold_steps`` (significant steps), ``last_bin`` (int8, -3..3),
        ``trend_z`` / ``trend_p`` / ``trend_direction`` ("rising", "falling", "no
        significant trend") of the Gi* z-scores, the same three of the counts,
        ``count_slope`` (Sen's slope, events per step) and ``count_total``. ``attrs``:
        ``parameters`` (every option and the steps used), ``neighbourhood``,
        ``significance``, ``trend_test``, ``pooling`` (sentences), ``notes`` (how the
        cube was built, then the pooling sentence) and ``warnings`` (lists of str).

    Raises
    ------
    SchemaError
        When the cube is malformed or an option is out of range.

    Warns
    -----
    FewTimeStepsWarning
        With fewer than 10 steps.
    SparseCountsWarning
        When the median space-time neighbourhood holds fewer than 5 events.
    """
    options = _options(cube, k, time_window, fdr, alpha, seed, permutations, pool)
    used, pooling = _steps.pooled(cube, options)
    bins = _steps.scores(used, options)
    told = _steps.warnings_for(used, bins, pool)
    columns = _steps.emerging_columns(used, bins, alpha)
    frame = _frame(columns, EMERGING_COLUMNS, _steps.cell_index(used.cells, H3_CELL))
    notes = {"pooling": pooling, "notes": [*cube.notes, pooling]}
    frame.attrs.update(_steps.attrs(used, options, told) | notes)
    for message, category in told:
        warnings.warn(message, category, stacklevel=2)
    return frame


# --- private steps --------------------------------------------------------------------


def _options(
    cube: SpaceTimeCube,
    k: int,
    time_window: int,
    fdr: bool,
    alpha: float,
    seed: int | None,
    permutations: int,
    pool: str,
) -> dict[str, Any]:
    """Return the options as a dict, after refusing a malformed cube or any option out of range."""
    options = {
        "k": k,
        "time_window": time_window,
        "fdr": fdr,
        "alpha": alpha,
        "seed": seed,
        "permutations": permutations,
        "pool": pool,
    }
    raise_problems(cube_problems(cube) + option_problems(**options))
    return options


def _frame(columns: dict[str, Any], schema: dict[str, str], index: pd.Index | None) -> pd.DataFrame:
    """Return a frame of ``columns`` with exactly the dtypes of ``schema``."""
    frame = pd.DataFrame(columns, index=index)
    return frame.astype(schema)
