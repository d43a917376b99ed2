"""Map explorer: choosing an area (a click on the map, or a list) and the panel about it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import KIND_LABELS, Filters, area_counts, unit_words
from app_pages._trends_words import markdown_text
from app_pages._view import View
from layers import maps

PICK = "w_pick"
"""Widget key of the area list (also set by a click on the map)."""

_CLICK_SEEN = "map_click_seen"
_TOP = 15  # busiest areas offered in the list


@dataclass(frozen=True)
class AreaFacts:
    """What the panel says about the areas of the current view."""

    table: pd.DataFrame  # area_code, count (NaN where hidden), shown: every area of the view
    names: Callable[[Sequence[str]], dict[str, str]]  # codes -> how the list names them
    gi: pd.DataFrame | None
    emerging: pd.DataFrame | None
    monthly: Callable[[], pd.DataFrame]  # area_code, period, count (read when needed)
    emerging_chosen: bool = True  # emerging hot spots asked for (More map layers)


def take_click(
    click: dict[str, Any] | None, filters: Filters, wards: gpd.GeoDataFrame, table: pd.DataFrame
) -> None:
    """Make a new click on the map choose the area under it (when it is in the view)."""
    if not click or click.get("lat") is None or click.get("lng") is None:
        return
    point = (float(click["lat"]), float(click["lng"]))
    if st.session_state.get(_CLICK_SEEN) == point:
        return
    st.session_state[_CLICK_SEEN] = point
    code = maps.area_at(point[1], point[0], by=filters.by, areas=wards)
    if code is not None and code in set(table["area_code"]):
        st.session_state[PICK] = code


def pick_area(facts: AreaFacts, filters: Filters) -> str | None:
    """Draw the area list (busiest areas, and the one clicked); return the area chosen."""
    table = facts.table.sort_values("count", ascending=False, kind="stable", na_position="last")
    options = list(table.loc[table["shown"] != "0", "area_code"].head(_TOP))
    current = st.session_state.get(PICK)
    if current is not None and current not in set(facts.table["area_code"]):
        st.session_state[PICK] = current = None
    if current is not None and current not in options:
        options.insert(0, current)
    counted = dict(zip(facts.table["area_code"], facts.table["shown"], strict=True))
    names = facts.names(options)
    unit = unit_words(filters.kinds)
    chosen = st.selectbox(
        "Area",
        options,
        index=None,
        key=PICK,
        format_func=lambda c: f"{names.get(c, c)} · {counted[c]} {unit[1]}",
        placeholder="Click the map, or pick one",
        help=f"The {len(options)} areas with most {unit[1]} in this view, and any you clicked.",
    )
    return str(chosen) if chosen is not None else None


def show_area(code: str, facts: AreaFacts, filters: Filters, view: View) -> None:
    """Show one area: counts by layer, month by month, hot spot and emerging class in words."""
    st.markdown(f"**{markdown_text(facts.names([code]).get(code, code))}**")
    exact = True
    for kind in filters.kinds:
        table = area_counts(replace(view, kinds=(kind,)))
        row = table.loc[table["area_code"] == code]
        exact = exact and bool(row["exact"].all())
        value = row["count"].iloc[0] if len(row) else 0
        shown = f"{int(value):,}" if exact and pd.notna(value) else str(row["shown"].iloc[0])
        st.metric(KIND_LABELS[kind], shown)
    if not exact:
        st.caption(str(table.attrs.get("statement", "")))
        return
    _sparkline(code, facts, filters)
    st.markdown(f"**Hot or cold spot:** {_gi_words(code, facts.gi)}")
    st.markdown(f"**Over time:** {_emerging_words(code, facts, filters)}")
    st.markdown(f"[Open the area profile]({profile_link(code, filters)})")


def profile_link(code: str, filters: Filters) -> str:
    """Return the address of an area's profile page: this view's filters and ``profile=...``."""
    area = f"ward:{code}" if filters.by == "ward" else f"h3:{code}"
    return "profile?" + urlencode({**filters.to_params(), "profile": area}, doseq=True)


def _sparkline(code: str, facts: AreaFacts, filters: Filters) -> None:
    monthly = facts.monthly()
    rows = monthly[monthly["area_code"] == code]
    unit = unit_words(filters.kinds)[1]
    series = pd.DataFrame(
        {unit.capitalize(): rows["count"].to_numpy(dtype="int64")},
        index=pd.to_datetime(rows["period"].astype("str") + "-01").rename("Month"),
    )
    st.caption(f"{unit.capitalize()} month by month")
    st.line_chart(series, height=140, color="#c0282d")


def _gi_words(code: str, gi: pd.DataFrame | None) -> str:
    if gi is None or code not in gi.index:
        return "not computed for this view (see the notes under the map)."
    words = maps.gi_bin_words(int(gi.loc[code, "gi_bin"]))
    corrected = " (FDR-corrected)" if gi.attrs.get("fdr", True) and gi.loc[code, "gi_bin"] else ""
    return f"{words}{corrected}."


def _emerging_words(code: str, facts: AreaFacts, filters: Filters) -> str:
    emerging = facts.emerging
    if emerging is None or code not in emerging.index:
        if filters.by == "ward":
            return "emerging hot spots are found on hexagons."
        if not facts.emerging_chosen:
            return "choose “Emerging hot spots” under *More map layers* in the sidebar."
        return "not computed for this view (see the notes under the map)."
    row = emerging.loc[code]
    parameters = emerging.attrs.get("parameters", {})
    sentence = maps.emerging_sentence(
        str(row["pattern"]),
        hot_steps=int(row["hot_steps"]),
        cold_steps=int(row["cold_steps"]),
        steps=int(parameters.get("steps", 0)),
        step=str(parameters.get("step", "month")),
        last_bin=int(row["last_bin"]),
    )
    return f"{sentence} {row['pattern_meaning']}"
