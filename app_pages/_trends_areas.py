"""The trends page's area section: every ward (or locality) compared, and the top few drawn."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import Filters, unit_words
from app_pages._exports import csv_download
from app_pages._trends_data import LinePlan, detail_areas, monthly_counts
from app_pages._trends_words import markdown_text
from app_pages._view import View
from hotspots.trends import trends_by_area
from layers import charts
from layers import schema as S
from layers.access import User
from layers.maps import month_range_label

SMALL_MULTIPLES = 6  # areas drawn month by month under the table
CORRECTIONS = {
    "fdr_bh": "Benjamini-Hochberg (controls the share of false alarms)",
    "holm": "Holm (stricter: controls the chance of any false alarm)",
    "none": "None (each area on its own; expect false alarms)",
}
_LOCALITIES = "w_trends_localities"  # widget keys
_CORRECTION = "w_trends_correction"


def show_areas(
    view: View, filters: Filters, plans: list[LinePlan], wards: gpd.GeoDataFrame, window: int
) -> None:
    """Compare every area's recent months with the months before; draw the top areas."""
    st.subheader("Which areas changed most")
    left, right = st.columns([1, 2])
    localities = left.toggle("Show localities instead of wards", key=_LOCALITIES)
    correction = right.selectbox(
        "Correction for testing many areas at once",
        options=list(CORRECTIONS),
        format_func=CORRECTIONS.__getitem__,
        key=_CORRECTION,
    )
    if window < 1:
        st.info("Choose at least 2 months in the sidebar to compare areas.")
        return
    unit = "locality" if localities else "ward"
    tables = [monthly_counts(view, unit, plan) for plan in plans]
    allowed = detail_areas(view.user, wards, unit)
    if allowed is not None:
        tables = [t[t["area_code"].isin(allowed)] for t in tables]
    table = charts.combine_counts(
        [
            t[["area_code", "area_name", "period", "count"]].astype({"count": "int64"})
            for t in tables
        ]
    )
    trends = trends_by_area(table, months=window, correction=str(correction))
    export = _Export(view.path, view.user, filters.to_params())
    _show_table(trends, unit, wards, export)
    _show_top(table, trends, filters, unit, export)


class _Export:
    """Where a download of this section comes from, for the audit log."""

    def __init__(self, path: str, user: User, filters: dict[str, Any]) -> None:
        self.path, self.user, self.filters = path, user, filters

    def offer(self, table: pd.DataFrame, label: str, name: str, counts: list[str]) -> None:
        csv_download(
            table,
            label=label,
            name=name,
            count_columns=counts,
            user=self.user,
            store_path=self.path,
            what=name.replace("-", " "),
            filters=self.filters,
        )


def _show_table(trends: pd.DataFrame, unit: str, wards: gpd.GeoDataFrame, export: _Export) -> None:
    word = "Locality" if unit == "locality" else "Ward"
    parents = None
    if unit == "ward":
        parents = dict(zip(wards[S.CODE], wards[S.PARENT_CODE], strict=True))
    shown = charts.trend_table(trends, area_word=word, parents=parents)
    months = int(trends.attrs["months"])
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=_columns(shown, months),
    )
    rising = int((trends["direction"] == "rising").sum())
    falling = int((trends["direction"] == "falling").sum())
    st.caption(
        f"Last {months} months: {_span(trends.attrs['recent_months'])}; previous {months} "
        f"months: {_span(trends.attrs['previous_months'])}. {rising} {_areas(rising, unit)} "
        f"rose and {falling} fell by more than chance would explain. Areas that most need "
        "attention come first: significant rises (largest first), then the others by how "
        "likely a real change is, then significant falls."
    )
    st.caption(
        f"Change (95% CI): the last {months} months against the {months} before, with the "
        "range the true change most likely lies in (exact test). Adjusted p: how often a "
        "difference this large would arise by chance alone, corrected for testing many "
        f"areas at once: {markdown_text(_correction_words(trends))}. Trend, all months: "
        "Mann-Kendall test for a steady rise or fall over every month, not corrected."
    )
    export.offer(
        trends, "Download the table's data (CSV)", f"trends-by-{unit}", ["recent", "previous"]
    )


def _show_top(
    table: pd.DataFrame, trends: pd.DataFrame, filters: Filters, unit: str, export: _Export
) -> None:
    codes = list(trends["area_code"].head(SMALL_MULTIPLES))
    what = unit_words(filters.kinds)[1]
    kind = filters.kinds[0] if len(filters.kinds) == 1 else ""
    areas = f"{len(codes)} {_areas(len(codes), unit)}"
    title = f"{what.capitalize()} each month in the first {areas} of the table"
    st.subheader(f"The first {areas} of the table, month by month")
    chart = charts.small_multiples(
        table,
        areas=codes,
        title=title,
        unit=what,
        colour=charts.LAYER_COLOURS.get(kind, charts.MIXED_COLOUR),
    )
    st.altair_chart(chart, width="content", theme=None, alt=title)
    st.caption("Each small chart has its own scale, so the shape of each line shows, not its size.")
    export.offer(
        table[table["area_code"].isin(codes)],
        "Download these charts' data (CSV)",
        f"trend-top-{unit}",
        ["count"],
    )


def _columns(shown: pd.DataFrame, months: int) -> dict[str, Any]:
    """Column widths (pixels) that fit the table on a laptop screen; counts as 1,234."""
    widths = dict(zip(shown.columns, (165, 85, 100, 125, 150, 75, 115, 125), strict=False))
    config: dict[str, Any] = {
        name: st.column_config.Column(width=width) for name, width in widths.items()
    }
    for name in (f"Last {months} months", f"Previous {months} months"):
        config[name] = st.column_config.NumberColumn(format="localized", width=widths[name])
    return config


def _span(text: object) -> str:
    """``2025-11 to 2026-10`` as ``Nov 2025 – Oct 2026``."""
    first, _, last = str(text).partition(" to ")
    return month_range_label(first, last) if last else str(text)


def _correction_words(trends: pd.DataFrame) -> str:
    return str(trends.attrs["correction"]).replace("p_adjusted", "adjusted p")


def _areas(n: int, unit: str) -> str:
    if unit == "locality":
        return "locality" if n == 1 else "localities"
    return "ward" if n == 1 else "wards"
