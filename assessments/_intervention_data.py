"""The events an intervention evaluation reads, loaded once for any number of interventions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessments._intervention_areas import ControlCells, control_cells, to_metres
from layers import grid
from layers import schema as S
from layers.aggregate import filtered_events
from layers.store import Store


@dataclass(frozen=True)
class EventData:
    """Located events (one row per place and month) and counts per candidate control cell.

    Attributes
    ----------
    x, y
        Event places in metres (EPSG:27700).
    month
        Month of each row as ``year * 12 + month - 1``.
    weight
        Events at that place in that month (int64).
    first_month, last_month
        The data's first and last month (same encoding), over the chosen layers.
    controls
        Candidate comparison cells.
    cell_months
        Events per candidate cell (rows) and month (columns from ``first_month``).
    unlocated
        Events of the chosen filters that have no point (not counted anywhere).
    """

    x: np.ndarray
    y: np.ndarray
    month: np.ndarray
    weight: np.ndarray
    first_month: int
    last_month: int
    controls: ControlCells
    cell_months: np.ndarray
    unlocated: int


def month_number(value: pd.Timestamp) -> int:
    """Return a month as ``year * 12 + month - 1``."""
    return int(value.year) * 12 + int(value.month) - 1


def month_label(number: int) -> str:
    """Return ``YYYY-MM`` of a month number (see :func:`month_number`)."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def load_events(
    store: Store,
    *,
    kinds: Sequence[str],
    categories: Sequence[str] | None,
    flags: Sequence[str] | None,
    resolution: int,
) -> EventData | None:
    """Read the filtered events once; None when the chosen layers hold no data.

    Parameters
    ----------
    store
        The store.
    kinds, categories, flags
        The filters, as in :func:`layers.aggregate.counts`.
    resolution
        H3 resolution of the comparison cells.

    Returns
    -------
    EventData or None
        The events and the per-cell monthly counts.
    """
    span = store.date_range(kinds)
    if span is None:
        return None
    first, last = month_number(pd.Timestamp(span[0])), month_number(pd.Timestamp(span[1]))
    rows = _grouped_rows(store, kinds, categories, flags, resolution)
    located = rows["lon"].notna() & rows["cell"].notna()
    unlocated = int(rows.loc[~located, "n"].sum())
    rows = rows[located & rows["m"].between(first, last)]
    controls = _candidate_cells(store, resolution, rows["cell"].to_numpy(dtype="uint64"))
    x, y = to_metres(rows["lon"].to_numpy(dtype="float64"), rows["lat"].to_numpy(dtype="float64"))
    month = rows["m"].to_numpy(dtype="int64")
    weight = rows["n"].to_numpy(dtype="int64")
    cell_months = _cell_months(
        controls.cells,
        rows["cell"].to_numpy(dtype="uint64"),
        month - first,
        weight,
        last - first + 1,
    )
    return EventData(x, y, month, weight, first, last, controls, cell_months, unlocated)


def _grouped_rows(
    store: Store,
    kinds: Sequence[str],
    categories: Sequence[str] | None,
    flags: Sequence[str] | None,
    resolution: int,
) -> pd.DataFrame:
    cell = grid.parent_sql(S.H3_CELL, resolution=resolution)
    union, params = filtered_events(
        store,
        select=f"lon, lat, {cell} AS cell, date",
        kinds=kinds,
        categories=categories,
        flags=flags,
    )
    frame = store.query(
        "SELECT lon, lat, cell, year(date) * 12 + month(date) - 1 AS m, count(*) AS n "
        f"FROM ({union}) GROUP BY ALL",
        params,
    )
    return frame.astype(
        {"lon": "float64", "lat": "float64", "cell": "UInt64", "m": "int64", "n": "int64"}
    )


def _candidate_cells(store: Store, resolution: int, seen: np.ndarray) -> ControlCells:
    """Return the cells covering the study area, plus any other cell with events."""
    cover = store.query("SELECT h3_cell FROM coverage WHERE resolution = ?", [resolution])[
        "h3_cell"
    ].to_numpy(dtype="uint64")
    cells = np.union1d(cover, seen).astype(np.uint64)
    shapes = grid.cell_polygons(cells).geometry.to_numpy() if cells.size else np.array([])
    return control_cells(cells, shapes)


def _cell_months(
    cells: np.ndarray, event_cells: np.ndarray, offset: np.ndarray, weight: np.ndarray, months: int
) -> np.ndarray:
    table = np.zeros((cells.size, months), dtype=np.int64)
    if event_cells.size:
        np.add.at(table, (np.searchsorted(cells, event_cells), offset), weight)
    return table
