"""Disclosure control of a profile's tables: categories, charts, map cells, places, times."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import h3
import pandas as pd

from assessments._profile_events import DAYS, LAYERS
from assessments._profile_words import number_words, plural
from assessments.disclosure import (
    DisclosurePolicy,
    map_resolution_for,
    protect_series,
    protect_table,
)
from layers._map_words import month_range_label

if TYPE_CHECKING:
    from assessments.profile import AreaProfile

HOUR_BANDS: tuple[tuple[int, int], ...] = ((0, 4), (4, 8), (8, 12), (12, 16), (16, 20), (20, 24))
"""Hours of the day are shown in these four-hour bands (start included, end excluded)."""

CHART_STEPS: tuple[str, ...] = ("month", "quarter", "year")
"""Steps a chart may use, finest first: coarser when too many values would be hidden."""

_ROLLING = {"month": 12, "quarter": 4}
_CELLS = re.compile(r"of the (\d) cells")  # "of the 4 cells": say a small number in words


def grouped(text: object) -> str:
    """Add thousands separators to a shown count (``1,320``); leave ``<5`` and ``[c]`` be."""
    value = str(text)
    return f"{int(value):,}" if value.isdigit() else value


def band_label(start: int, end: int) -> str:
    """``00:00-04:00``: an hour band as printed."""
    return f"{start:02d}:00-{end % 24:02d}:00" if end < 24 else f"{start:02d}:00-24:00"


def categories(profile: AreaProfile, policy: DisclosurePolicy) -> list[dict[str, Any]]:
    """Protect the category table, with each layer's total shown beside it."""
    table = profile.categories
    if table.empty:
        return []
    shown = protect_table(
        table, count_columns=["count", "city_count"], policy=policy, group_columns=["layer"]
    )
    return [
        {
            "layer": str(row.layer),
            "label": LAYERS[str(row.layer)],
            "category": str(row.category),
            "count": grouped(row.count),
            "city_count": grouped(row.city_count),
        }
        for row in shown.itertuples()
    ]


def chart(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, dict[str, Any]]:
    """Each layer's series as charted: by month, or pooled until few values are hidden."""
    out = {}
    for layer, label in LAYERS.items():
        rows = profile.monthly[profile.monthly["layer"] == layer]
        series = pd.Series(rows["count"].to_numpy(), index=rows["period"].to_numpy())
        out[layer] = _chart_layer(series, label, policy)
    return out


def map_cells(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, Any]:
    """Police incidents per map unit as shown: the hexagons, coarsened if needed, or the area."""
    cells = profile.hexagons.rename(columns={"h3_cell": "area_code", "incidents": "count"})
    if cells.empty:
        return {"unit": "area", "why": "No hexagons to draw.", "cells": []}
    unit, why = map_resolution_for(cells[["area_code", "count"]], policy)
    if unit == "ward":
        total = int(cells["count"].sum())
        frame = pd.DataFrame({"area_code": [profile.area], "count": [total]})
    else:
        resolution = int(unit.split(":")[1])
        parents = [h3.cell_to_parent(c, resolution) for c in cells["area_code"]]
        frame = cells.groupby(parents)["count"].sum().rename_axis("area_code").reset_index()
    shown = protect_table(frame, count_columns=["count"], policy=policy, column_totals=True)
    return {
        "unit": unit,
        "why": _CELLS.sub(lambda m: f"of the {number_words(int(m.group(1)))} cells", why),
        "layer": "incidents",
        "cells": [
            {"code": str(r.area_code), "count": grouped(r.count)} for r in shown.itertuples()
        ],
    }


def locations(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, Any]:
    """Protect the most common places; a named place with a small count is not listed."""
    table = profile.locations
    shown = protect_series(table["count"], policy) if len(table) else pd.Series(dtype=object)
    keep = ~shown.attrs["suppressed"] if len(table) else pd.Series(dtype=bool)
    rows = [
        {"location": str(place), "count": grouped(count)}
        for place, count, kept in zip(table["location"], shown, keep, strict=True)
        if kept
    ]
    left = int((~keep).sum()) if len(table) else 0
    note = (
        f"Places with fewer than {policy.suppress_below} incidents are not listed." if left else ""
    )
    return {"rows": rows, "note": note}


def times(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, Any]:
    """Weekdays and four-hour bands per layer, protected with each layer's total of timed events."""
    weekdays = profile.weekdays.pivot(index="layer", columns="day", values="count")
    weekdays = weekdays.reindex(columns=list(DAYS)).reindex(list(LAYERS)).fillna(0)
    weekdays["with_day"] = weekdays.sum(axis=1)
    hours = profile.hours.pivot(index="layer", columns="hour", values="count").reindex(list(LAYERS))
    bands = pd.DataFrame(
        {band_label(a, b): hours.loc[:, a : b - 1].sum(axis=1) for a, b in HOUR_BANDS}
    ).fillna(0)
    bands["with_time"] = bands.sum(axis=1)
    return {
        "weekdays": _timed_rows(weekdays.astype("int64"), list(DAYS), "with_day", policy),
        "hours": _timed_rows(
            bands.astype("int64"), [band_label(a, b) for a, b in HOUR_BANDS], "with_time", policy
        ),
    }


# --- private steps --------------------------------------------------------------------


def _timed_rows(
    frame: pd.DataFrame, parts: list[str], total: str, policy: DisclosurePolicy
) -> list[dict[str, Any]]:
    kept = frame[frame[total] > 0]
    if kept.empty:
        return []
    shown = protect_table(
        kept.reset_index(), count_columns=parts, total_column=total, policy=policy
    )
    return [
        {
            "layer": str(row["layer"]),
            "label": LAYERS[str(row["layer"])],
            "total": grouped(row[total]),
            "values": [grouped(row[p]) for p in parts],
        }
        for _, row in shown.iterrows()
    ]


def _chart_layer(series: pd.Series, label: str, policy: DisclosurePolicy) -> dict[str, Any]:
    for step in CHART_STEPS:
        pooled = _pool(series, step)
        if len(pooled) and _hidden_share(pooled, policy) <= policy.max_suppressed_share:
            break
    else:
        return {
            "label": label,
            "step": None,
            "periods": [],
            "values": [],
            "rolling": [],
            "rolling_label": "",
            "why": f"{label}: too few in any month, three months or year to chart.",
        }
    frame = pd.DataFrame({"period": pooled.index, "count": pooled.to_numpy()})
    shown = protect_table(frame, count_columns=["count"], policy=policy, column_totals=True)
    values = [grouped(v) for v in shown["count"]]
    return {
        "label": label,
        "step": step,
        "periods": [str(p) for p in pooled.index],
        "values": values,
        "rolling": _rolling(values, _ROLLING.get(step)),
        "rolling_label": _rolling_label(step),
        "why": _chart_why(label, step, policy, len(series) - _covered(series, step)),
    }


def _pool(series: pd.Series, step: str) -> pd.Series:
    """Sum months into blocks of 3 or 12 counted back from the last month (whole blocks only).

    Blocks end at the last month, so every bar covers the same number of months; months
    before the first whole block are left out of the chart (and said in its note).
    """
    if step == "month":
        return series
    size = 3 if step == "quarter" else 12
    whole = len(series) // size * size
    kept = series.iloc[len(series) - whole :]
    block = [i // size for i in range(whole)]
    sums = kept.groupby(block).sum()
    labels = [
        _block_label(kept.index[i * size], kept.index[i * size + size - 1])
        for i in range(len(sums))
    ]
    return pd.Series(sums.to_numpy(), index=labels)


def _block_label(first: str, last: str) -> str:
    start, end = pd.Period(first, freq="M"), pd.Period(last, freq="M")
    if start.year == end.year:
        return f"{start.strftime('%b')}–{end.strftime('%b %Y')}"
    return f"{start.strftime('%b %Y')}–{end.strftime('%b %Y')}"


def _covered(series: pd.Series, step: str) -> int:
    size = {"month": 1, "quarter": 3, "year": 12}[step]
    return len(series) // size * size


def _hidden_share(values: pd.Series, policy: DisclosurePolicy) -> float:
    nonzero = values[values > 0]
    return float((nonzero < policy.suppress_below).mean()) if len(nonzero) else 0.0


def _rolling(values: list[str], window: int | None) -> list[float | None]:
    """Average the shown values over a rolling window; a gap where it holds a hidden value."""
    if window is None:
        return [None] * len(values)
    numbers = [float(v.replace(",", "")) if v.replace(",", "").isdigit() else None for v in values]
    out: list[float | None] = []
    for i in range(len(numbers)):
        part = numbers[max(0, i - window + 1) : i + 1]
        full = i + 1 >= window and all(v is not None for v in part)
        out.append(round(sum(v for v in part if v is not None) / window, 1) if full else None)
    return out


def _rolling_label(step: str) -> str:
    if step == "month":
        return "12-month rolling average"
    if step == "quarter":
        return "4-quarter rolling average"
    return ""


def _chart_why(label: str, step: str, policy: DisclosurePolicy, left_out: int) -> str:
    if step == "month":
        return f"{label} by month."
    finer, size = ("month", "three") if step == "quarter" else ("three-month block", "12")
    dropped = (
        f" The first {plural(left_out, 'month')} (less than a whole block) are not charted."
        if left_out
        else ""
    )
    return (
        f"{label} in blocks of {size} months: by {finer}, more than "
        f"{policy.max_suppressed_share:.0%} of the {finer}s with any would show as "
        f"{policy.small_label}.{dropped}"
    )


def period_label(first: str, last: str, months: int) -> str:
    """``Nov 2023 – Oct 2026 (36 months)``."""
    return f"{month_range_label(first, last)} ({plural(months, 'month')})"
