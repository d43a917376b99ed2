"""Assessment planner: places ranked for a neighbourhood assessment, with adjustable weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import Filters, boundaries, page_view, settings
from app_pages._exports import record_download
from app_pages._trends_words import markdown_text
from assessments import scoped
from assessments.disclosure import get_policy
from assessments.exports import disclosed_csv
from assessments.priority import PriorityWeights, place_shapes
from layers import maps
from layers._errors import AccessDenied, SchemaError
from layers.access import User

POLICY = "partnership"  # this page is shown to partnership staff only

# The kinds of place the planner ranks, with their labels. (No docstrings here: Streamlit
# "magic" would print a bare string of the page script.)
PLACE_UNITS: dict[str, str] = {
    "ward": "Wards",
    "hotspots": "Hot spots (touching hot hexagons)",
    "h3:9": "Hexagons of about 0.1 km² (H3 resolution 9)",
    "h3:8": "Hexagons of about 0.7 km² (H3 resolution 8)",
}

# Slider label and help of every weight of PriorityWeights.
WEIGHT_WORDS: dict[str, tuple[str, str]] = {
    "harm": ("Harm recorded", "Incidents, missing-child episodes and knife injuries."),
    "trend": ("Rising", "The surest rise, last 12 months against the 12 before."),
    "emerging": ("Emerging hot spot", "New, consecutive or intensifying hot spot hexagons."),
    "overlap": ("Hot for several harms", "Hexagons that are hot spots of several layers."),
    "safety": ("Feels unsafe", "Lower answers to the survey's 'feel safe' question."),
    "intervention": ("Intervention running (taken off)", "An intervention already reaches it."),
    "incidents": ("Police incidents", "Weight of this layer inside harm."),
    "missing": ("Missing-child episodes", "Weight of this layer inside harm."),
    "knife": ("Knife injuries", "Weight of this layer inside harm."),
}

# Columns of candidate_places the table shows, with their headings.
TABLE_COLUMNS: dict[str, str] = {
    "rank": "Rank",
    "area_name": "Place",
    "score": "Score",
    "why": "Why",
    "harm_points": "Harm",
    "trend_points": "Rising",
    "emerging_points": "Emerging",
    "overlap_points": "Several harms",
    "safety_points": "Feels unsafe",
    "intervention_points": "Intervention",
    "incidents": "Police incidents",
    "missing": "Missing episodes",
    "knife": "Knife injuries",
    "change": "Change",
    "emerging_pattern": "Emerging class",
    "hot_layers": "Hot for",
    "feel_safe": "Feel safe (mean score)",
    "interventions": "Interventions",
}

LAYER_WEIGHTS = ("incidents", "missing", "knife")  # sliders up to 2: count a layer double

PROFILE_PAGE = "profile"  # address of the Area profile page (app_pages/profile.py)

_UNIT = "w_plan_unit"  # widget keys
_ON_MAP = "w_plan_on_map"
_FORM = "planner_weights"
_MAP_HEIGHT = 560


def weight_key(name: str) -> str:
    """Return the widget key of one weight's slider."""
    return f"w_plan_{name}"


@st.cache_data(max_entries=32, show_spinner="Ranking the places…")
def ranked(
    path: str,
    version: str,
    user: User,
    unit: str,
    date_from: str,
    date_to: str,
    weights: tuple[tuple[str, float], ...],
) -> pd.DataFrame:
    """Return ``candidate_places`` for one choice of unit, months and weights (cached)."""
    return scoped.candidate_places(
        scoped.open_store(path),
        user,
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        weights=PriorityWeights(**dict(weights)),
        policy=POLICY,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def outlines(
    path: str,
    version: str,
    user: User,
    unit: str,
    date_from: str,
    date_to: str,
    weights: tuple[tuple[str, float], ...],
    top: int,
) -> gpd.GeoDataFrame:
    """Return the outlines of the ``top`` places of a ranking (cached)."""
    table = ranked(path, version, user, unit, date_from, date_to, weights)
    return place_shapes(scoped.open_store(path), table.head(top))


def main() -> None:
    """Read the weights, rank the places, show the table, the map and the profile links."""
    filters, view = page_view()
    path, version, user = view.path, view.version, view.user
    st.title("Assessment planner")
    if not user.sees_all_detail and user.has_detail:
        st.caption(f"Places in your locality ({markdown_text(str(user.locality))}) only.")
    st.caption(_intro(filters))
    unit = st.radio(
        "Places to rank",
        list(PLACE_UNITS),
        format_func=PLACE_UNITS.__getitem__,
        key=_UNIT,
        horizontal=True,
    )
    weights = _weights()
    if weights is None:
        st.stop()
    chosen = tuple(weights.as_dict().items())
    try:
        table = ranked(path, version, user, str(unit), filters.date_from, filters.date_to, chosen)
    except AccessDenied as error:
        st.info(str(error))
        st.stop()
    st.caption(table.attrs["statement"])
    if table.empty:
        st.info("No place to rank with these choices: see *How the score is made* below.")
    else:
        _show_table(table, filters)
        _show_map(table, filters, (path, version, user, str(unit), chosen), settings().static_dir)
        _download(table, path, user, filters)
    _notes(table)


def _intro(filters: Filters) -> str:
    when = maps.month_range_label(filters.date_from, filters.date_to)
    return (
        f"Places for a Contextual Safeguarding neighbourhood assessment, {when} (the months "
        "chosen in the sidebar), highest priority first. Each place scores five needs, 0 to 1 "
        "across the places, and loses points where an intervention already runs; the weights "
        "below say how much each counts. Every row says why it ranks where it does."
    )


def _weights() -> PriorityWeights | None:
    """Draw the weight sliders (defaults shown) in a form; return the weights applied."""
    defaults = PriorityWeights().as_dict()
    values: dict[str, float] = {}
    with st.form(_FORM, border=True):
        st.markdown("**Weights** · defaults in brackets · 0 leaves a component out")
        needs, layers = st.columns(2, gap="large")
        for name, default in defaults.items():
            label, help_text = WEIGHT_WORDS[name]
            layer = name in LAYER_WEIGHTS
            with layers if layer else needs:
                values[name] = st.slider(
                    f"{label} ({default:g})",
                    min_value=0.0,
                    max_value=2.0 if layer else 1.0,
                    value=default,
                    step=0.05,
                    key=weight_key(name),
                    help=help_text,
                )
        st.form_submit_button("Rank with these weights", type="primary")
    st.button("Back to the default weights", on_click=_reset, args=(defaults,))
    try:
        return PriorityWeights(**values)
    except SchemaError as error:
        st.error(str(error))
        return None


def _reset(defaults: dict[str, float]) -> None:
    for name, value in defaults.items():
        st.session_state[weight_key(name)] = value


def _show_table(table: pd.DataFrame, filters: Filters) -> None:
    shown = table[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)
    shown["Profile"] = [profile_link(p, filters) for p in table["profile"]]
    points = {TABLE_COLUMNS[f"{c}_points"] for c in WEIGHT_WORDS if f"{c}_points" in table}
    config: dict[str, Any] = {
        name: st.column_config.NumberColumn(name, format="%.1f", help="Points of the score")
        for name in points
    }
    config["Score"] = st.column_config.ProgressColumn(
        "Score",
        format="%.0f",
        min_value=0,
        max_value=100,
    )
    config["Why"] = st.column_config.TextColumn("Why", width="large")
    config["Profile"] = st.column_config.LinkColumn(
        "Profile", display_text="Open profile", help="The place's area profile"
    )
    st.dataframe(shown, hide_index=True, column_config=config, height=420, key="planner_table")


def profile_link(profile: str, filters: Filters) -> str:
    """Return the address of a place's area profile, keeping the sidebar's view."""
    return f"{PROFILE_PAGE}?" + urlencode({**filters.to_params(), "profile": profile}, doseq=True)


def _show_map(
    table: pd.DataFrame,
    filters: Filters,
    key: tuple[str, str, User, str, tuple[tuple[str, float], ...]],
    static_dir: Path,
) -> None:
    path, version, user, unit, chosen = key
    top = int(
        st.number_input(
            "Places on the map",
            min_value=1,
            max_value=min(25, len(table)),
            value=min(10, len(table)),
            key=_ON_MAP,
        )
    )
    shapes = outlines(path, version, user, unit, filters.date_from, filters.date_to, chosen, top)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st_folium(
            _map(shapes, boundaries(path, version, "ward"), static_dir),
            height=_MAP_HEIGHT,
            use_container_width=True,
            returned_objects=[],
            key="planner_map",
        )
    with right:
        st.markdown(f"**The top {top}: open a profile**")
        st.markdown(
            "\n".join(
                f"{r.rank}. [{markdown_text(str(r.area_name))}]"
                f"({profile_link(r.profile, filters)}) · score {r.score:.0f}"
                for r in shapes.itertuples()
            )
        )


def _map(shapes: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, static_dir: Path) -> folium.Map:
    bounds = (shapes if len(shapes) else wards).total_bounds
    west, south, east, north = bounds
    zoom = maps.zoom_to_fit(bounds, width_px=640, height_px=_MAP_HEIGHT - 48)
    m = maps.base_map(
        center=((west + east) / 2, (south + north) / 2), zoom=zoom, static_dir=static_dir
    )
    maps.boundary_layer(wards, name="Ward boundaries").add_to(m)
    maps.ranked_layer(shapes, name="Places ranked").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m


def _download(table: pd.DataFrame, path: str, user: User, filters: Filters) -> None:
    shown = table[[*TABLE_COLUMNS, "profile"]].rename(columns=TABLE_COLUMNS)
    shown.attrs = {"policy": table.attrs["policy"]}
    st.download_button(
        "Download the ranking (CSV)",
        disclosed_csv(shown, count_columns=(), policy=get_policy(POLICY)),
        file_name="assessment-planner.csv",
        mime="text/csv",
        on_click=record_download,
        args=(path, user, "assessment ranking", filters.to_params(), "csv"),
        key="planner_csv",
    )


def _notes(table: pd.DataFrame) -> None:
    with st.expander("How the score is made"):
        st.markdown("\n".join(f"- {note}" for note in table.attrs.get("notes", [])))
        st.caption(f"Places: {table.attrs.get('unit', '')}. {table.attrs.get('statement', '')}")


main()
