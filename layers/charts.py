"""Trend charts (Altair specs) and the frames behind them: monthly lines, area panels.

Pure functions from frames to frames or to Altair charts; nothing here draws on screen.
Every chart has a white background, print-sized type, titles and axis labels in words, one
colour per layer (:data:`LAYER_COLOURS`) and draws as SVG. The area table in words lives in
:mod:`layers.trend_table`; its functions are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import altair as alt
import pandas as pd

from layers._errors import SchemaError
from layers.trend_table import change_text, comparison_window, trend_table

__all__ = [
    "ALL_CATEGORIES",
    "LAYER_COLOURS",
    "LINE_COLUMNS",
    "MIXED_COLOUR",
    "SeriesLine",
    "change_text",
    "combine_counts",
    "comparison_window",
    "line_frame",
    "monthly_chart",
    "monthly_series",
    "small_multiples",
    "trend_table",
]

LAYER_COLOURS: dict[str, str] = {
    "incidents": "#0072B2",  # blue
    "missing": "#009E73",  # bluish green
    "knife": "#D55E00",  # vermilion
}
"""One colour per event layer (Okabe-Ito: told apart with colour-blindness and in print)."""

MIXED_COLOUR = "#3E4C59"
"""Colour of a series that adds several layers together."""

ALL_CATEGORIES = "All categories"
"""Category label of a line that is not split by category."""

LINE_COLUMNS: dict[str, str] = {
    "month": "str",
    "month_label": "str",
    "series": "str",
    "layer": "str",
    "category": "str",
    "count": "int64",
    "rolling_total": "float64",
}
"""Columns and dtypes of :func:`line_frame`."""

_TABLE_COLUMNS = ("area_code", "area_name", "period", "count")
_DASHES = ([1, 0], [7, 3], [2, 2], [9, 3, 2, 3], [4, 4], [12, 2], [1, 3], [6, 2, 1, 2])
_Chart = TypeVar("_Chart", bound=alt.TopLevelMixin)
_FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class SeriesLine:
    """One monthly series to draw: its label, layer, counts and rolling total.

    Attributes
    ----------
    label
        Legend label, e.g. ``"Police incidents"`` or ``"Burglary"``.
    layer
        Event layer (``incidents``, ``missing``, ``knife``) or ``""`` for several.
    monthly
        Counts on a monthly index (see :func:`monthly_series`).
    rolling
        The rolling total on the same months (NaN until the window is full).
    category
        The category the line is limited to, or :data:`ALL_CATEGORIES`.
    """

    label: str
    layer: str
    monthly: pd.Series
    rolling: pd.Series
    category: str = ALL_CATEGORIES


# --- frames ---------------------------------------------------------------------------


def monthly_series(
    table: pd.DataFrame, *, area_codes: Sequence[str] | None = None, name: str = ""
) -> pd.Series:
    """Add up a long monthly count table over its areas (or some of them) into one series.

    Parameters
    ----------
    table
        Columns ``area_code``, ``area_name``, ``period`` (``YYYY-MM``) and ``count``, as
        ``layers.aggregate.counts(..., period="month")`` returns.
    area_codes
        Areas to add up; None: every area of the table.
    name
        Name of the series (starts the trend sentences).

    Returns
    -------
    pandas.Series
        int64 counts on a sorted monthly ``PeriodIndex``, every month of the table present.

    Raises
    ------
    SchemaError
        When columns are missing or an asked-for area is not in the table.
    """
    problems = _table_problems(table, "table")
    if not problems and area_codes is not None:
        unknown = sorted(set(area_codes) - set(table["area_code"].astype("str")))
        if unknown:
            problems.append(f"area_codes: {unknown[:3]} not in the table; pass codes it holds")
    _raise(problems)
    rows = table if area_codes is None else table[table["area_code"].isin(list(area_codes))]
    months = pd.PeriodIndex(sorted(table["period"].astype("str").unique()), freq="M")
    summed = rows.groupby("period")["count"].sum()
    summed.index = pd.PeriodIndex(summed.index.astype("str"), freq="M")
    out = summed.reindex(months, fill_value=0).astype("int64")
    return out.rename(name).rename_axis("month")


def combine_counts(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Add count tables of the same areas and periods (e.g. one per layer) into one.

    Parameters
    ----------
    tables
        One or more count tables (columns ``area_code``, ``area_name``, ``period``,
        ``count``) over the same areas and periods.

    Returns
    -------
    pandas.DataFrame
        The same columns, counts added, sorted by area and period; ``attrs`` of the first.

    Raises
    ------
    SchemaError
        When there is no table, columns are missing or the tables cover different rows.
    """
    problems = [] if tables else ["tables: none received; pass at least one count table"]
    for i, table in enumerate(tables):
        problems += _table_problems(table, f"tables[{i}]")
    _raise(problems)
    keys = [t[["area_code", "period"]].astype("str") for t in tables]
    first = set(map(tuple, keys[0].to_numpy()))
    if any(set(map(tuple, k.to_numpy())) != first for k in keys[1:]):
        _raise(["tables: they cover different areas or months; count them with the same filters"])
    stacked = pd.concat(tables, ignore_index=True)
    names = stacked.drop_duplicates("area_code").set_index("area_code")["area_name"]
    summed = stacked.groupby(["area_code", "period"], as_index=False)["count"].sum()
    summed.insert(1, "area_name", summed["area_code"].map(names))
    out = summed.astype({"count": "int64"}).sort_values(["area_code", "period"], ignore_index=True)
    out.attrs = dict(tables[0].attrs)
    return out


def line_frame(lines: Sequence[SeriesLine]) -> pd.DataFrame:
    """Stack monthly lines into the long frame :func:`monthly_chart` draws.

    Parameters
    ----------
    lines
        The series to draw; each one's ``monthly`` and ``rolling`` on the same months.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`LINE_COLUMNS`: ``month`` (``YYYY-MM``), ``month_label``
        (``Mar 2024``), ``series``, ``layer``, ``category``, ``count`` and
        ``rolling_total`` (NaN until the window is full); lines in the order given.
    """
    parts = [
        pd.DataFrame(
            {
                "month": _month_text(line.monthly.index, "%Y-%m"),
                "month_label": _month_text(line.monthly.index, "%b %Y"),
                "series": line.label,
                "layer": line.layer,
                "category": line.category,
                "count": line.monthly.to_numpy(dtype="int64"),
                "rolling_total": line.rolling.reindex(line.monthly.index).to_numpy("float64"),
            }
        )
        for line in lines
    ]
    if not parts:
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in LINE_COLUMNS.items()})
    return pd.concat(parts, ignore_index=True).astype(LINE_COLUMNS)


# --- charts ---------------------------------------------------------------------------


def monthly_chart(
    frame: pd.DataFrame, *, title: str, unit: str, window: int = 12
) -> alt.VConcatChart:
    """Two panels: the count of each month, and the rolling total over ``window`` months.

    Parameters
    ----------
    frame
        The output of :func:`line_frame`.
    title
        Chart title, in words.
    unit
        What is counted, plural (``incidents``), for the axis titles.
    window
        Months in the rolling total (for its axis title); 0 leaves that panel out.

    Returns
    -------
    altair.VConcatChart
        Colour per layer, a dash pattern per category within a layer, one legend.
    """
    _raise([f"frame: column {c!r} missing" for c in LINE_COLUMNS if c not in frame.columns])
    colour, dash = _series_scales(frame)
    base = alt.Chart(frame).encode(
        x=_month_axis(frame["month"]),
        color=alt.Color("series:N", scale=colour, legend=alt.Legend(title=None, orient="top")),
        strokeDash=alt.StrokeDash("series:N", scale=dash, legend=None),
    )
    tooltip = [alt.Tooltip("series:N", title="Series"), alt.Tooltip("month_label:N", title="Month")]
    each = base.mark_line(point=alt.OverlayMarkDef(size=28), strokeWidth=2).encode(
        y=alt.Y("count:Q", title=f"{unit.capitalize()} each month"),
        tooltip=[*tooltip, alt.Tooltip("count:Q", title=unit.capitalize(), format=",")],
    )
    rolling = (
        base.transform_filter("isValid(datum.rolling_total)")
        .mark_line(strokeWidth=2.5)
        .encode(
            y=alt.Y("rolling_total:Q", title=f"Total over the last {window} months"),
            tooltip=[*tooltip, alt.Tooltip("rolling_total:Q", title="Rolling total", format=",")],
        )
    )
    panels = [each.properties(title="Each month", height=220)]
    if window > 0:
        panels.append(rolling.properties(title=f"Rolling {window}-month total", height=160))
    chart = alt.vconcat(*panels, spacing=18).properties(title=title)
    return _finish(chart)


def small_multiples(
    table: pd.DataFrame,
    *,
    areas: Sequence[str],
    title: str,
    unit: str,
    colour: str = MIXED_COLOUR,
    columns: int = 3,
) -> alt.ConcatChart:
    """One small monthly chart per area, in the order given, each on its own scale.

    Parameters
    ----------
    table
        Long monthly count table (``area_code``, ``area_name``, ``period``, ``count``).
    areas
        Area codes to draw, in order (e.g. the first rows of the trend table).
    title
        Chart title, in words.
    unit
        What is counted, plural, for the axis title.
    colour
        Line colour (the layer's, or :data:`MIXED_COLOUR`).
    columns
        Panels per row.

    Returns
    -------
    altair.ConcatChart
        One titled panel per area found in the table (codes not in it are skipped).
    """
    _raise(_table_problems(table, "table"))
    rows = table[table["area_code"].isin(list(areas))].copy()
    names = rows.drop_duplicates("area_code").set_index("area_code")["area_name"]
    periods = pd.PeriodIndex(rows["period"].astype("str"), freq="M")
    rows["month"] = _month_text(periods, "%Y-%m")
    rows["month_label"] = _month_text(periods, "%b %Y")
    base = (
        alt.Chart(rows[["area_code", "area_name", "month", "month_label", "count"]])
        .mark_line(color=colour, strokeWidth=1.8, point=alt.OverlayMarkDef(size=14, color=colour))
        .encode(
            x=_month_axis(rows["month"]),
            y=alt.Y("count:Q", title=f"{unit.capitalize()} each month"),
            tooltip=[
                alt.Tooltip("area_name:N", title="Area"),
                alt.Tooltip("month_label:N", title="Month"),
                alt.Tooltip("count:Q", title=unit.capitalize(), format=","),
            ],
        )
    )
    panels = [
        base.transform_filter(alt.FieldEqualPredicate(field="area_code", equal=code)).properties(
            title=alt.TitleParams(str(names[code]), fontSize=13, anchor="start"),
            width=250,
            height=140,
        )
        for code in areas
        if code in names.index
    ]
    chart = alt.concat(*panels, columns=columns, spacing=16).properties(title=title)
    return _finish(chart)


# --- steps ----------------------------------------------------------------------------


def _series_scales(frame: pd.DataFrame) -> tuple[alt.Scale, alt.Scale]:
    """Colour from each series' layer; a dash pattern per series within its layer."""
    series = frame.drop_duplicates("series")[["series", "layer"]]
    colours = [LAYER_COLOURS.get(layer, MIXED_COLOUR) for layer in series["layer"]]
    rank = series.groupby("layer").cumcount().to_numpy()
    dashes = [_DASHES[i % len(_DASHES)] for i in rank]
    domain = list(series["series"])
    return alt.Scale(domain=domain, range=colours), alt.Scale(domain=domain, range=dashes)


def _month_axis(months: pd.Series) -> alt.X:
    """Months on a UTC time axis (so no time zone moves a month), labelled ``Jan 2024``.

    The axis spans every month of ``months`` (``YYYY-MM``), also in panels that leave
    some months out.
    """
    ends = [pd.Period(m, freq="M") for m in (months.min(), months.max())] if len(months) else []
    domain = [alt.DateTime(year=p.year, month=p.month, date=1, utc=True) for p in ends]
    return alt.X(
        "month:T",
        timeUnit="utcyearmonth",
        title="Month",
        scale=alt.Scale(domain=domain) if domain else alt.Undefined,
        axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap=True, tickCount=8),
    )


def _finish(chart: _Chart) -> _Chart:
    """White background, print-sized fonts, drawn as SVG (crisp, and readable by screen readers)."""
    return (
        chart.properties(usermeta={"embedOptions": {"renderer": "svg"}})
        .configure(background="white", font=_FONT, padding=8)
        .configure_title(fontSize=16, anchor="start", subtitleFontSize=12)
        .configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e4e7eb")
        .configure_legend(labelFontSize=12, symbolStrokeWidth=2.5, labelLimit=320)
        .configure_view(stroke=None)
    )


def _table_problems(table: object, name: str) -> list[str]:
    if not isinstance(table, pd.DataFrame):
        return [f"{name}: expected a count table (DataFrame), received {type(table).__name__}"]
    absent = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if absent:
        return [
            f"{name}: columns {absent} missing; pass layers.aggregate.counts(..., period='month')"
        ]
    return []


def _month_text(index: pd.Index, pattern: str) -> list[str]:
    months = index if isinstance(index, pd.PeriodIndex) else pd.PeriodIndex(index, freq="M")
    return [p.strftime(pattern) for p in months]


def _raise(problems: list[str]) -> None:
    if problems:
        raise SchemaError("; ".join(problems) + ".")
