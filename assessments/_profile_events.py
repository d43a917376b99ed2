"""The profile's event queries: the area's events by category, month, weekday, hour; the city's."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from assessments._area import Area
from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.aggregate import filtered_events
from layers.store import Store

LAYERS: dict[str, str] = {
    "incidents": "Police incidents",
    "missing": "Missing-child episodes",
    "knife": "Knife injuries (hospital)",
}
"""The event layers a profile covers, with the words a document uses for them."""

DAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Days of the week, as ISO numbers them (1 = Monday)."""

CUBE_COLUMNS: dict[str, str] = {
    "category": "str",
    "month": "str",
    "dow": "Int64",
    "hour": "Int64",
    "n": "int64",
}
"""Columns of :func:`area_cube`: counts by category, month, weekday and hour."""

_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class Period:
    """The months a profile covers (both ends included, ``YYYY-MM``)."""

    first: str
    last: str
    months: tuple[str, ...]


def period_of(store: Store, date_from: str | None, date_to: str | None) -> Period:
    """Return the months covered: those asked for, else the store's first and last month."""
    problems = [
        f"{name}={value!r} is not a month: write it as YYYY-MM, e.g. 2024-03"
        for name, value in (("date_from", date_from), ("date_to", date_to))
        if value is not None and not _is_month(value)
    ]
    span = store.date_range()
    if span is None:
        problems.append("the store holds no events: import data or build the demo store first")
    if problems or span is None:
        raise SchemaError("; ".join(problems))
    first = date_from or f"{span[0]:%Y-%m}"
    last = date_to or f"{span[1]:%Y-%m}"
    if first > last:
        raise SchemaError(f"date_from {first} is after date_to {last}: swap them")
    months = tuple(str(p) for p in pd.period_range(first, last, freq="M"))
    return Period(first, last, months)


def area_cube(store: Store, area: Area, period: Period, kind: str) -> pd.DataFrame:
    """Count one layer's events in the area by category, month, weekday and hour.

    Weekday (1 = Monday) is known for rows dated to the day or the minute, the hour only
    for rows with a time; both are missing otherwise.

    Returns
    -------
    pandas.DataFrame
        :data:`CUBE_COLUMNS`, one row per combination that occurs.
    """
    select = (
        "category, strftime(date, '%Y-%m') AS month, "
        "CASE WHEN date_precision IN ('day', 'datetime') "
        "THEN isodow(coalesce(datetime, date)) END AS dow, "
        "CASE WHEN date_precision = 'datetime' THEN hour(datetime) END AS hour"
    )
    sql, params = _inside(store, area, period, kind, select)
    frame = store.query(
        f"SELECT category, month, dow, hour, count(*) AS n FROM ({sql}) GROUP BY ALL", params
    )
    return frame.astype(CUBE_COLUMNS)


def city_categories(store: Store, period: Period) -> pd.DataFrame:
    """Count every layer's events in the whole city by category.

    Returns
    -------
    pandas.DataFrame
        Columns layer, category (str) and count (int64).
    """
    union, params = filtered_events(
        store, select="kind, category", kinds=tuple(LAYERS), **_months(period)
    )
    frame = store.query(
        f"SELECT kind AS layer, category, count(*) AS count FROM ({union}) GROUP BY ALL", params
    )
    return frame.astype({"layer": "str", "category": "str", "count": "int64"})


def top_locations(store: Store, area: Area, period: Period, *, limit: int) -> pd.DataFrame:
    """Return the most common police.uk location descriptions of the area's incidents.

    Returns
    -------
    pandas.DataFrame
        Columns location (str) and count (int64), most common first (ties by name), at
        most ``limit`` rows. ``attrs["described"]``: incidents with a description.
    """
    sql, params = _inside(store, area, period, "incidents", "location_desc")
    frame = store.query(
        f"SELECT location_desc AS location, count(*) AS count FROM ({sql}) "
        "WHERE location_desc IS NOT NULL AND trim(location_desc) <> '' "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    ).astype({"location": "str", "count": "int64"})
    out = frame.head(limit).reset_index(drop=True)
    out.attrs["described"] = int(frame["count"].sum())
    return out


def _inside(
    store: Store, area: Area, period: Period, kind: str, select: str
) -> tuple[str, list[object]]:
    """Return SQL selecting ``select`` from one layer's events in the area, and its values."""
    if area.cells:
        cell = grid.parent_sql(S.H3_CELL, resolution=area.resolution or 11)
        union, params = filtered_events(
            store, select=f"{select}, {cell} AS _cell", kinds=(kind,), **_months(period)
        )
        return f"SELECT * FROM ({union}) WHERE list_contains(?, _cell)", [
            *params,
            [int(c) for c in area.cell_ints()],
        ]
    return filtered_events(
        store, select=select, kinds=(kind,), within=area.within, **_months(period)
    )


def _months(period: Period) -> dict[str, str]:
    return {"date_from": period.first, "date_to": period.last}


def _is_month(value: object) -> bool:
    text = str(value)
    return bool(_MONTH.fullmatch(text)) and 1 <= int(text[5:]) <= 12
