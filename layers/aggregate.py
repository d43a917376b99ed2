"""Counts of events by area (H3 cell, ward, locality, LSOA) x period x layer / category, with zeros.

A statistic needs the empty areas and periods too, so every count table covers every area
of the study area (the H3 cells covering the wards, every ward, every locality, every
loaded LSOA) and every period of the date range, with 0 where nothing happened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.store import Store

PERIODS: tuple[str, ...] = ("none", "month", "quarter", "year")
"""Period lengths counts can be split by (``none``: the whole date range as one period)."""

AREA_UNITS: tuple[str, ...] = ("h3:RES", "ward", "locality", "lsoa")
"""Area units counts can be made for (``h3:8`` is H3 resolution 8)."""

COUNT_COLUMNS: dict[str, str] = {
    "area_code": "str",
    "area_name": "str",
    "period": "str",
    "count": "int64",
}
"""Columns and dtypes of a count table."""

_PERIOD_SQL = {
    "none": "'all'",
    "month": "strftime(date, '%Y-%m')",
    "quarter": "CAST(year(date) AS VARCHAR) || 'Q' || CAST(quarter(date) AS VARCHAR)",
    "year": "CAST(year(date) AS VARCHAR)",
}
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_AREA_COLUMN = {"ward": S.WARD, "locality": S.LOCALITY, "lsoa": S.LSOA}


@dataclass(frozen=True)
class CountQuery:
    """A validated request for counts (see :func:`counts` for the meaning of each field)."""

    unit: str
    resolution: int | None
    kinds: tuple[S.Kind, ...]
    categories: tuple[str, ...] | None
    flags: tuple[str, ...] | None
    date_from: date | None
    date_to: date | None  # first day of the last month included
    period: str
    wards: tuple[str, ...] | None = None  # the place: only events in these wards


def counts(
    store: Store,
    *,
    by: str,
    kinds: Sequence[S.Kind | str] = (S.Kind.INCIDENTS,),
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    period: str = "none",
    within: str | None = None,
) -> pd.DataFrame:
    """Count events by area and period, with zeros for areas and periods that had none.

    Parameters
    ----------
    store
        The store to read.
    by
        ``h3:RES`` (RES 6-11), ``ward``, ``locality`` or ``lsoa``.
    kinds
        Event layers to count together (incidents, missing, knife).
    categories
        Keep only these categories (None: all).
    flags
        Keep only incidents carrying at least one of these flags (knife_enabled, cce,
        cse, syv); rows of other layers are not affected. None: no flag filter.
    date_from, date_to
        First and last month included, ``YYYY-MM``. None: the data's first / last month.
    period
        ``none``, ``month``, ``quarter`` or ``year``.
    within
        A place: ``ward:CODE`` or ``locality:NAME`` keeps only events in it and only its
        areas (H3 cells whose centre lies in it, plus any cell holding one of its
        events; its wards; its locality). None or ``city``: everywhere.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code`` (H3 cells as hex strings), ``area_name`` (missing for H3
        cells), ``period`` (``all``, ``2021-03``, ``2021Q1`` or ``2021``) and ``count``
        (int64); one row per area x period, sorted by area and period. Points that lie in
        no area of the unit are not counted; their number is in ``attrs["unassigned"]``.
    """
    query = _validate(by, kinds, categories, flags, date_from, date_to, period)
    query = replace(query, wards=wards_within(store, within))
    observed = _observed(store, query)
    areas = _areas(store, query, observed)
    periods = _periods(store, query)
    table = _fill_zeros(observed, areas, periods)
    table.attrs["unassigned"] = int(observed.loc[observed["area"].isna(), "n"].sum())
    return _finish(table, query)


def wards_within(store: Store, within: str | None) -> tuple[str, ...] | None:
    """Return the ward codes of a place (``ward:CODE`` / ``locality:NAME``), None for the city.

    Raises
    ------
    SchemaError
        When the place is not written as above or names no loaded ward or locality.
    """
    if within is None or within == "city":
        return None
    level, _, name = within.partition(":")
    wards = store.query("SELECT code, name, parent_code FROM boundaries WHERE level = 'ward'")
    if level == "ward" and name in set(wards["code"]):
        return (name,)
    if level == "locality" and name in set(wards["parent_code"].dropna()):
        return tuple(sorted(wards.loc[wards["parent_code"] == name, "code"]))
    localities = ", ".join(sorted(set(wards["parent_code"].dropna())))
    raise SchemaError(
        f"within={within!r} names no loaded place: write ward:CODE (e.g. "
        f"ward:{wards['code'].iloc[0] if len(wards) else 'E05010885'}) or locality:NAME "
        f"(one of: {localities or 'none loaded'})"
    )


def _validate(
    by: str,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None,
    flags: Sequence[str] | None,
    date_from: str | None,
    date_to: str | None,
    period: str,
) -> CountQuery:
    problems: list[str] = []
    unit, resolution = _parse_unit(by, problems)
    valid_kinds = tuple(S.Kind(k) for k in kinds if k in {e.value for e in S.EVENT_KINDS})
    if len(valid_kinds) != len(tuple(kinds)) or not valid_kinds:
        problems.append(f"kinds={list(kinds)!r}: choose one or more of incidents, missing, knife")
    bad_flags = sorted(set(flags or ()) - set(S.FLAG_COLUMNS))
    if bad_flags:
        problems.append(f"flags={bad_flags!r} unknown: choose from {', '.join(S.FLAG_COLUMNS)}")
    start, end = (
        _parse_month(date_from, "date_from", problems),
        _parse_month(date_to, "date_to", problems),
    )
    if start and end and start > end:
        problems.append(f"date_from {date_from} is after date_to {date_to}: swap them")
    if period not in PERIODS:
        problems.append(f"period={period!r}: choose one of {', '.join(PERIODS)}")
    if problems:
        raise SchemaError("; ".join(problems))
    return CountQuery(
        unit=unit,
        resolution=resolution,
        kinds=valid_kinds,
        categories=None if categories is None else tuple(categories),
        flags=None if not flags else tuple(flags),
        date_from=start,
        date_to=end,
        period=period,
    )


def _parse_unit(by: str, problems: list[str]) -> tuple[str, int | None]:
    if by in _AREA_COLUMN:
        return by, None
    head, _, tail = by.partition(":")
    if head == "h3" and tail.isdigit() and 6 <= int(tail) <= 11:
        return "h3", int(tail)
    problems.append(f"by={by!r}: use h3:6 ... h3:11, ward, locality or lsoa")
    return "ward", None


def _parse_month(text: str | None, name: str, problems: list[str]) -> date | None:
    if text is None:
        return None
    match = _MONTH.fullmatch(str(text).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        problems.append(f"{name}={text!r} is not a month: write it as YYYY-MM, e.g. 2021-03")
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def _observed(store: Store, query: CountQuery) -> pd.DataFrame:
    """Return the non-zero counts: columns area, period, n."""
    if query.unit == "h3":
        area = grid.parent_sql(S.H3_CELL, resolution=query.resolution or 8)
    else:
        area = _AREA_COLUMN[query.unit]
    union, params = _events_sql(query, f"{area} AS area, {_PERIOD_SQL[query.period]} AS period")
    sql = f"SELECT area, period, count(*) AS n FROM ({union}) GROUP BY ALL"
    observed = store.query(sql, params)
    area_dtype = "UInt64" if query.unit == "h3" else "str"
    return observed.astype({"area": area_dtype, "period": "str", "n": "int64"})


def filtered_events(
    store: Store,
    *,
    select: str,
    kinds: Sequence[S.Kind | str] = (S.Kind.INCIDENTS,),
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    within: str | None = None,
) -> tuple[str, list[object]]:
    """Return SQL selecting ``select`` from the events that pass the filters, and its values.

    The filters mean what they mean in :func:`counts`. ``select`` is a list of columns or
    expressions over the columns the event layers share (``lon, lat``, ``h3_cell``...).

    Returns
    -------
    tuple of (str, list)
        A ``UNION ALL`` of one SELECT per layer, and the values of its placeholders.
    """
    query = _validate("ward", kinds, categories, flags, date_from, date_to, "none")
    return _events_sql(replace(query, wards=wards_within(store, within)), select)


def _events_sql(query: CountQuery, select: str) -> tuple[str, list[object]]:
    where, params = _where(query)
    union = " UNION ALL ".join(
        f"SELECT {select} FROM {kind} WHERE {where}" + _flag_clause(kind, query)
        for kind in query.kinds
    )
    return union, params * len(query.kinds)


def _where(query: CountQuery) -> tuple[str, list[object]]:
    clauses: list[str] = ["date IS NOT NULL"]
    params: list[object] = []
    if query.date_from:
        clauses.append("date >= ?")
        params.append(query.date_from)
    if query.date_to:
        clauses.append("date < ?")
        params.append((pd.Timestamp(query.date_to) + pd.offsets.MonthBegin(1)).date())
    if query.categories is not None:
        clauses.append("list_contains(?, category)")
        params.append(list(query.categories))
    if query.wards is not None:
        clauses.append("list_contains(?, ward_code)")
        params.append(list(query.wards))
    return " AND ".join(clauses), params


def _flag_clause(kind: S.Kind, query: CountQuery) -> str:
    if not query.flags or kind != S.Kind.INCIDENTS:
        return ""
    return " AND (" + " OR ".join(f"coalesce({flag}, false)" for flag in query.flags) + ")"


def _areas(store: Store, query: CountQuery, observed: pd.DataFrame) -> pd.DataFrame:
    """Return every area of the unit: columns area, area_name."""
    seen = observed["area"].dropna().unique()
    if query.unit == "h3":
        cover = store.query(
            "SELECT h3_cell FROM coverage WHERE resolution = ? "
            "AND (? OR list_contains(?, ward_code))",
            [query.resolution, query.wards is None, list(query.wards or ())],
        )
        cells = pd.unique(pd.concat([cover["h3_cell"], pd.Series(seen, dtype="UInt64")]).dropna())
        return pd.DataFrame(
            {"area": cells, "area_name": pd.Series(None, index=range(len(cells)), dtype="str")}
        )
    level = {"ward": S.Level.WARD, "locality": S.Level.LOCALITY, "lsoa": S.Level.LSOA}[query.unit]
    known = store.query(
        "SELECT code AS area, name AS area_name FROM boundaries WHERE level = ?", [level.value]
    ).astype("str")
    known = known[_in_place(store, known["area"], query)]
    extra = pd.DataFrame({"area": sorted(set(seen) - set(known["area"]))}, dtype="str")
    return pd.concat([known, extra], ignore_index=True)


def _in_place(store: Store, codes: pd.Series, query: CountQuery) -> pd.Series:
    """Which known areas of a ward / locality / LSOA unit belong to the place."""
    if query.wards is None:
        return pd.Series(True, index=codes.index)
    if query.unit == "ward":
        return codes.isin(query.wards)
    if query.unit == "locality":
        wards = store.query("SELECT code, parent_code FROM boundaries WHERE level = 'ward'")
        return codes.isin(set(wards.loc[wards["code"].isin(query.wards), "parent_code"]))
    return pd.Series(False, index=codes.index)  # LSOAs: only those holding events are known


def _periods(store: Store, query: CountQuery) -> list[str]:
    if query.period == "none":
        return ["all"]
    span = store.date_range(query.kinds)
    start = query.date_from or (span[0] if span else None)
    end = query.date_to or (span[1] if span else None)
    if start is None or end is None:
        return []
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[query.period]
    labels = pd.period_range(pd.Period(start, freq=freq), pd.Period(end, freq=freq), freq=freq)
    if query.period == "month":
        return [p.strftime("%Y-%m") for p in labels]
    if query.period == "quarter":
        return [f"{p.year}Q{p.quarter}" for p in labels]
    return [str(p.year) for p in labels]


def _fill_zeros(observed: pd.DataFrame, areas: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    grid_frame = areas.merge(pd.DataFrame({"period": pd.Series(periods, dtype="str")}), how="cross")
    located = observed.dropna(subset=["area"])
    merged = grid_frame.merge(located, on=["area", "period"], how="left")
    merged["count"] = merged.pop("n").fillna(0).astype("int64")
    return merged


def _finish(table: pd.DataFrame, query: CountQuery) -> pd.DataFrame:
    out = table.copy()
    if query.unit == "h3":
        cells = out.pop("area").to_numpy(dtype="uint64")
        out.insert(0, "area_code", grid.cells_to_str(cells))
    else:
        out.insert(0, "area_code", out.pop("area").astype("str"))
    out = out[list(COUNT_COLUMNS)].astype(COUNT_COLUMNS)
    out = out.sort_values(["area_code", "period"], ignore_index=True)
    out.attrs = dict(table.attrs)
    return out
