"""Space-time cubes: dense cell x time-step count matrices from events or count tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
import pandas as pd
from h3.api import basic_int as h3i

from layers._errors import SchemaError
from layers.schema import DATE, H3_CELL

STEPS: tuple[str, ...] = ("month", "quarter")
"""Time-step lengths a cube can have."""

AREA_CODE = "area_code"
PERIOD = "period"
COUNT = "count"

_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class SpaceTimeCube:
    """Counts of events by H3 cell (rows) and time step (columns), zeros included.

    Attributes
    ----------
    counts
        int64 array of shape ``(len(cells), len(steps))``.
    cells
        uint64 H3 cells of the study area, sorted, one resolution.
    steps
        Period labels in time order without gaps: ``"2021-03"`` (month) or ``"2021Q1"``
        (quarter).
    step
        ``"month"`` or ``"quarter"``.
    resolution
        H3 resolution of the cells (None for a cube without cells).
    notes
        Plain-English notes on how the cube was built (events not counted and why,
        periods filled with zeros).
    """

    counts: np.ndarray
    cells: np.ndarray
    steps: list[str]
    step: str
    resolution: int | None
    notes: tuple[str, ...] = field(default=())


# --- periods --------------------------------------------------------------------------


def period_label(ordinal: int, step: str) -> str:
    """Label of a month or quarter counted from 1970-01 / 1970Q1 (pandas' ordinals)."""
    if step == "month":
        return f"{1970 + ordinal // 12}-{ordinal % 12 + 1:02d}"
    return f"{1970 + ordinal // 4}Q{ordinal % 4 + 1}"


def label_ordinal(label: str) -> tuple[int, str] | None:
    """Ordinal and step of a ``YYYY-MM`` or ``YYYYQn`` label (None when neither)."""
    month = _MONTH_LABEL.fullmatch(label)
    if month and 1 <= int(month.group(2)) <= 12:
        return (int(month.group(1)) - 1970) * 12 + int(month.group(2)) - 1, "month"
    quarter = _QUARTER_LABEL.fullmatch(label)
    if quarter:
        return (int(quarter.group(1)) - 1970) * 4 + int(quarter.group(2)) - 1, "quarter"
    return None


def _ordinals(dates: pd.Series, step: str) -> np.ndarray:
    """Month or quarter ordinal of each date (NaT gives -2**62)."""
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    missing = dates.isna().to_numpy()
    ordinal = months if step == "month" else np.floor_divide(months, 3)
    return np.where(missing, np.int64(-(2**62)), ordinal)


def _bound(value: Any, step: str, name: str, problems: list[str]) -> int | None:
    """Ordinal of a start / end value (label, date, Timestamp or None)."""
    if value is None:
        return None
    parsed = label_ordinal(value.strip()) if isinstance(value, str) else None
    if parsed is not None and parsed[1] == step:
        return parsed[0]
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        problems.append(
            f"{name}={value!r} is not a date or a {step} label; write e.g. "
            f"{'2021-03' if step == 'month' else '2021Q1'} or pass a date"
        )
        return None
    return int(_ordinals(pd.Series([stamp]), step)[0])


# --- cells ----------------------------------------------------------------------------


def cells_to_ints(values: Any, name: str, problems: list[str]) -> np.ndarray:
    """uint64 cells from ints or hex strings; 0 where missing; problems for invalid cells."""
    series = pd.Series(np.asarray(values, dtype=object) if _is_plain_list(values) else values)
    if series.empty:
        return np.array([], dtype=np.uint64)
    missing = series.isna().to_numpy()
    if pd.api.types.is_integer_dtype(series.dtype):
        ints = pd.array(series, dtype="UInt64").to_numpy(dtype=np.uint64, na_value=0)
    else:
        ints = _strings_to_ints(series, missing, name, problems)
    unique = np.unique(ints[ints != 0])
    bad = [int(c) for c in unique if not h3i.is_valid_cell(int(c))]
    if bad:
        problems.append(
            f"{name}: {len(bad)} value(s) are not H3 cells (e.g. {h3i.int_to_str(bad[0])}); "
            "pass H3 cells as uint64 or hexadecimal strings"
        )
    return np.where(missing, np.uint64(0), ints).astype(np.uint64)


def _is_plain_list(values: Any) -> bool:
    return not isinstance(values, pd.Series | pd.Index | np.ndarray)


def _strings_to_ints(
    series: pd.Series, missing: np.ndarray, name: str, problems: list[str]
) -> np.ndarray:
    """Hex strings (or integer-valued objects) to uint64, converting each distinct value once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    converted = np.zeros(len(uniques) + 1, dtype=np.uint64)
    wrong: list[str] = []
    for i, value in enumerate(uniques):
        try:
            converted[i] = (
                np.uint64(h3.str_to_int(value)) if isinstance(value, str) else np.uint64(value)
            )
        except (TypeError, ValueError, OverflowError):
            wrong.append(repr(value))
    if wrong:
        problems.append(
            f"{name}: {len(wrong)} value(s) are neither H3 hex strings nor integers "
            f"(e.g. {wrong[0]}); pass H3 cells such as '8928308280fffff'"
        )
    return np.where(missing, np.uint64(0), converted[codes])


def resolutions(cells: np.ndarray) -> np.ndarray:
    """H3 resolution of each (valid, non-zero) cell."""
    return ((cells >> np.uint64(52)) & np.uint64(0xF)).astype(np.int64)


def study_cells(
    cells: Sequence[Any] | np.ndarray, resolution: int | None, problems: list[str]
) -> tuple[np.ndarray, int | None]:
    """Sorted unique uint64 cells of the study area and their one resolution."""
    ints = cells_to_ints(cells, "cells", problems)
    if (ints == 0).any():
        problems.append("cells: holds missing values; pass only the study area's H3 cells")
    unique = np.unique(ints[ints != 0])
    if unique.size != ints[ints != 0].size:
        problems.append(
            f"cells: {ints.size - unique.size} duplicate cell(s); pass each cell once "
            "(np.unique(cells))"
        )
    found = np.unique(resolutions(unique))
    if found.size > 1:
        problems.append(f"cells: mixes H3 resolutions {found.tolist()}; pass cells of one")
    own = int(found[0]) if found.size == 1 else None
    if resolution is not None and own is not None and resolution != own:
        problems.append(
            f"resolution={resolution} differs from the resolution of cells ({own}); "
            f"pass resolution={own} or cells at resolution {resolution}"
        )
    return unique, own if own is not None else resolution


# --- events -> cube -------------------------------------------------------------------


def event_problems(events: Any, step: str, resolution: Any) -> list[str]:
    """Problems with the events frame, the step and the resolution argument."""
    problems: list[str] = []
    if step not in STEPS:
        problems.append(f"step={step!r}: choose 'month' or 'quarter'")
    if resolution is not None and (
        isinstance(resolution, bool)
        or not isinstance(resolution, int | np.integer)
        or not 0 <= resolution <= 15
    ):
        problems.append(f"resolution={resolution!r}: pass an integer 0-15 or None")
    if not isinstance(events, pd.DataFrame):
        problems.append(f"events: expected a pandas DataFrame, received {type(events).__name__}")
        return problems
    absent = [c for c in (H3_CELL, DATE) if c not in events.columns]
    if absent:
        problems.append(
            f"events: missing column(s) {absent}; it needs {H3_CELL!r} (H3 cell) and "
            f"{DATE!r} (datetime64)"
        )
    elif not pd.api.types.is_datetime64_any_dtype(events[DATE].dtype):
        problems.append(
            f"events[{DATE!r}]: expected datetime64, received {events[DATE].dtype}; "
            "convert it with pd.to_datetime"
        )
    return problems


def event_cells(
    raw: np.ndarray, resolution: int | None, explicit: bool, problems: list[str]
) -> np.ndarray:
    """Event cells at the cube resolution: parents when ``explicit``, else checked equal."""
    present = raw[raw != 0]
    if resolution is None or present.size == 0:
        return raw
    unique = np.unique(present)
    found = resolutions(unique)
    if not explicit and (found != resolution).any():
        problems.append(
            f"events[{H3_CELL!r}]: cells at resolution(s) {np.unique(found).tolist()}, the "
            f"study area's cells at {resolution}; pass resolution={resolution} to count each "
            "event in its parent cell"
        )
        return raw
    if (found < resolution).any():
        problems.append(
            f"events[{H3_CELL!r}]: some cells are coarser (resolution {int(found.min())}) than "
            f"resolution={resolution}; pass a resolution <= {int(found.min())}"
        )
        return raw
    parents = np.array([h3i.cell_to_parent(int(c), resolution) for c in unique], dtype=np.uint64)
    mapped = parents[np.searchsorted(unique, raw)]
    return np.where(raw != 0, mapped, np.uint64(0))


def locate(cells: np.ndarray, ev_cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of each event's cell in the sorted study cells, and whether it is there at all."""
    if cells.size == 0:
        return np.zeros(ev_cells.size, dtype=np.int64), np.zeros(ev_cells.size, dtype=bool)
    position = np.clip(np.searchsorted(cells, ev_cells), 0, cells.size - 1)
    return position, (cells[position] == ev_cells) & (ev_cells != 0)


def count_events(
    shape: tuple[int, int], position: np.ndarray, keep: np.ndarray, step_index: np.ndarray
) -> np.ndarray:
    """Dense int64 counts of the kept events, ``shape`` = (cells, steps)."""
    flat = position[keep] * shape[1] + step_index[keep]
    return np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape).astype(np.int64)


def left_out(known: np.ndarray, inside: np.ndarray, in_time: np.ndarray) -> dict[str, int]:
    """Count the events not counted, by reason."""
    return {
        "without a cell or a date": int((~known).sum()),
        "outside the study area's cells": int((known & ~inside).sum()),
        "before the first or after the last step": int((known & inside & ~in_time).sum()),
    }


def left_out_notes(left_out: dict[str, int], total: int) -> tuple[str, ...]:
    """One plain-English note per reason events were not counted."""
    counted = total - sum(left_out.values())
    notes = [f"{counted:,} of {total:,} events counted."]
    notes += [f"{n:,} events {why} were not counted." for why, n in left_out.items() if n]
    return tuple(notes)


def step_range(
    ordinals: np.ndarray, start: Any, end: Any, step: str, problems: list[str]
) -> tuple[int, int]:
    """First and last step ordinal: the given bounds, else the first / last of ``ordinals``."""
    first = _bound(start, step, "start", problems)
    last = _bound(end, step, "end", problems)
    if first is not None and last is not None and last < first:
        problems.append(f"start={start!r} is after end={end!r}; swap them")
    if first is None:
        first = int(ordinals.min()) if ordinals.size else 0
    if last is None:
        last = int(ordinals.max()) if ordinals.size else first - 1
    return first, last


def event_ordinals(events: pd.DataFrame, step: str) -> np.ndarray:
    """Step ordinal of every event (a very negative number where the date is missing)."""
    return _ordinals(events[DATE], step)


# --- count table -> cube --------------------------------------------------------------


def table_problems(table: Any) -> list[str]:
    """Problems with a count table (area_code, period, count)."""
    if not isinstance(table, pd.DataFrame):
        return [f"table: expected a pandas DataFrame, received {type(table).__name__}"]
    absent = [c for c in (AREA_CODE, PERIOD, COUNT) if c not in table.columns]
    if absent:
        return [
            (
                f"table: missing column(s) {absent}; pass a count table from "
                "layers.aggregate.counts(..., by='h3:RES', period='month' or 'quarter')"
            )
        ]
    problems: list[str] = []
    counts = pd.to_numeric(table[COUNT], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        problems.append("table['count']: holds missing, negative or fractional values")
    if table.duplicated([AREA_CODE, PERIOD]).any():
        problems.append("table: an (area_code, period) pair appears twice; sum them first")
    return problems


def table_steps(periods: pd.Series, problems: list[str]) -> tuple[np.ndarray, str]:
    """Step ordinal of every row and the step length shared by all labels."""
    parsed = [label_ordinal(str(p)) for p in periods]
    kinds = {p[1] for p in parsed if p is not None}
    if any(p is None for p in parsed) or len(kinds) > 1:
        problems.append(
            "table['period']: every label must be a month (2021-03) or every one a quarter "
            "(2021Q1); make the table with period='month' or period='quarter'"
        )
        return np.zeros(len(parsed), dtype=np.int64), "month"
    return np.array([p[0] for p in parsed if p is not None], dtype=np.int64), (
        kinds.pop() if kinds else "month"
    )


# --- pooling months into quarters -----------------------------------------------------


def to_quarters(cube: SpaceTimeCube) -> tuple[SpaceTimeCube, str]:
    """Sum whole quarters of a monthly cube; months of incomplete quarters are left out."""
    months = np.array([_ordinal_of(s) for s in cube.steps], dtype=np.int64)
    quarters = months // 3
    per_quarter = pd.Series(quarters).value_counts()
    kept = np.sort(per_quarter.index[per_quarter == 3].to_numpy(dtype=np.int64))
    whole = np.isin(quarters, kept)
    summed = np.zeros((cube.cells.size, kept.size), dtype=np.int64)
    for i, quarter in enumerate(kept):
        summed[:, i] = cube.counts[:, quarters == quarter].sum(axis=1)
    note = _pooling_note(cube, whole, kept)
    pooled = SpaceTimeCube(
        counts=summed,
        cells=cube.cells,
        steps=[period_label(int(q), "quarter") for q in kept],
        step="quarter",
        resolution=cube.resolution,
        notes=(*cube.notes, note),
    )
    return pooled, note


def _ordinal_of(label: str) -> int:
    parsed = label_ordinal(label)
    if parsed is None:
        raise SchemaError(f"cube.steps: {label!r} is not a month or quarter label")
    return parsed[0]


def _pooling_note(cube: SpaceTimeCube, whole: np.ndarray, kept: np.ndarray) -> str:
    dropped = [s for s, w in zip(cube.steps, whole, strict=True) if not w]
    text = f"{len(cube.steps)} months pooled into {kept.size} whole quarters"
    if not dropped:
        return text + "."
    events = int(cube.counts[:, ~whole].sum())
    return (
        text + f"; the months of incomplete quarters ({', '.join(dropped)}: {events:,} "
        "events) were left out so that every quarter covers three months."
    )
