"""Map explorer: counts, hot spots, density and context on one map; an area panel; exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import KIND_LABELS, Filters, area_counts, boundaries, current_filters, settings
from app_pages import _map_data as data
from app_pages._map_build import MapView, build_map
from app_pages._map_notes import ViewNotes, automatic_choices, method_notes, refusal_notes
from app_pages._map_panel import AreaFacts, pick_area, show_area, take_click
from app_pages._map_tables import area_names, show_tables
from layers import maps
from layers._assets import offline_gaps
from layers.store import Store

_MAP_HEIGHT = 660
_SURVEY_Q = "w_survey_question"
_DOWNLOAD_NOTE = (
    "The downloaded map is one HTML file that opens from disk in any browser; it loads its "
    "map library from public CDNs (jsDelivr and others), so it needs the internet to draw. "
    "It holds the counts and hot spots shown, no individual records."
)


def main() -> None:
    """Read the sidebar's filters, draw the map and the area panel, then the tables."""
    filters = current_filters()
    if filters is None:
        st.stop()
    config = settings()
    store = Store(config.store)
    path, version = str(store.path), store.version()
    st.title("Map explorer")
    st.caption(_view_text(filters))
    view, notes = _view(filters, path, version, config.static_dir)
    facts = _facts(view, path, version)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        click = _show_map(view)
    with right:
        take_click(click, filters, view.wards, view.counts)
        code = pick_area(facts, filters)
        if code is not None:
            show_area(code, facts, filters, path, version)
    automatic_choices(view, notes)
    refusal_notes(notes)
    show_tables(view, path, version)
    method_notes(view, notes)


def _view(filters: Filters, path: str, version: str, static_dir: Path) -> tuple[MapView, ViewNotes]:
    """Compute (or fetch from the caches) everything the map draws."""
    key = filters.key()
    gi, gi_notes = data.hot_spots(path, version, filters.by, *key)
    emerging, emerging_notes = data.emerging(path, version, filters.by, *key)
    contours, kde, kde_notes = data.density(path, version, *key)
    overlap, overlap_notes = data.overlap(path, version, filters.by, *key)
    view = MapView(
        filters=filters,
        static_dir=static_dir,
        wards=boundaries(path, version, "ward"),
        localities=boundaries(path, version, "locality"),
        counts=area_counts(
            path,
            version,
            filters.by,
            filters.kinds,
            filters.date_from,
            filters.date_to,
            filters.categories,
            filters.flags,
            filters.place,
        ),
        gi=gi,
        emerging=emerging,
        contours=contours,
        density_notes=_density_legend(kde),
        overlap=overlap,
        survey=_survey(filters, path, version),
        interventions=data.intervention_register(path, version),
    )
    return view, ViewNotes(gi_notes, emerging_notes, kde_notes, overlap_notes, kde)


def _facts(view: MapView, path: str, version: str) -> AreaFacts:
    f = view.filters
    monthly = data.monthly_counts(path, version, f.by, *f.key())
    return AreaFacts(
        table=view.counts[["area_code", "count"]],
        names=area_names(view, path, version),
        gi=view.gi,
        emerging=view.emerging,
        monthly=monthly,
    )


def _survey(filters: Filters, path: str, version: str) -> pd.DataFrame | None:
    questions = data.survey_questions(path, version)
    if not questions:
        return None
    with st.sidebar:
        question = st.selectbox(
            "Survey question on the map",
            questions,
            key=_SURVEY_Q,
            help="The map's survey layer shows the mean score of this question in each ward.",
        )
    return data.survey_results(path, version, str(question), filters.date_from, filters.date_to)


def _show_map(view: MapView) -> dict[str, object] | None:
    m = build_map(view)
    gaps = offline_gaps(m)
    if gaps:
        st.warning(
            f"{len(gaps)} map file(s) would come from the internet (not installed locally): "
            "run `make assets` (python scripts/install_assets.py) so the map works offline."
        )
    st.download_button(
        "Download this map (HTML)",
        data=lambda: maps.standalone_html(build_map(view)),
        file_name="safer-options-map.html",
        mime="text/html",
        on_click="ignore",
    )
    returned = st_folium(
        m,
        height=_MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="map",
    )
    notes = [_DOWNLOAD_NOTE]
    if view.wards.attrs.get("approximate", False):
        notes.insert(0, maps.APPROXIMATE_NOTE + ". Load official boundaries for real work.")
    st.caption(" ".join(notes))
    click = returned.get("last_clicked") if isinstance(returned, dict) else None
    return click if isinstance(click, dict) else None


def _density_legend(kde: dict[str, Any]) -> list[str]:
    if not kde:
        return []
    bandwidth, cell = kde["bandwidth"], kde["cell_size"]
    return [f"Bandwidth {bandwidth:,.0f} m, grid cells {cell:,.0f} m, both chosen automatically."]


def _view_text(filters: Filters) -> str:
    layers = " + ".join(KIND_LABELS[k] for k in filters.kinds)
    when = maps.month_range_label(filters.date_from, filters.date_to)
    unit = "ward" if filters.by == "ward" else f"H3 hexagon (resolution {filters.resolution})"
    return f"{layers} · {when} · counts by {unit}"


main()
