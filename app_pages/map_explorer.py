"""Map explorer: counts, hot spots, density and context on one map; an area panel; exports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import KIND_LABELS, Filters, area_counts, boundaries, page_view, settings
from app_pages import _map_data as data
from app_pages._exports import protected_counts, record_download
from app_pages._map_build import MAP_HEIGHT, MapView, base_map, build_map, map_layers
from app_pages._map_layers import DENSITY, EMERGING, chosen_layers
from app_pages._map_notes import ViewNotes, automatic_choices, method_notes, refusal_notes
from app_pages._map_panel import AreaFacts, pick_area, show_area, take_click
from app_pages._map_tables import area_names, show_tables
from app_pages._view import View
from layers import maps
from layers._assets import offline_gaps

_SURVEY_Q = "w_survey_question"
_DOWNLOAD_NOTE = (
    "The downloaded map is one HTML file that opens from disk in any browser; it loads its "
    "map library from public CDNs (jsDelivr and others), so it needs the internet to draw. "
    "It holds the counts and hot spots shown, no individual records."
)


def main() -> None:
    """Read the sidebar's filters, draw the map and the area panel, then the tables."""
    filters, view = page_view()
    st.title("Map explorer")
    st.caption(_view_text(filters))
    chosen = chosen_layers()
    shown, notes = _map_view(filters, view, settings().static_dir, chosen)
    facts = _facts(shown, view, chosen)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        click = _show_map(shown, view.path)
    with right:
        take_click(click, filters, shown.wards, shown.counts)
        code = pick_area(facts, filters)
        if code is not None:
            show_area(code, facts, filters, view)
    automatic_choices(shown, notes)
    refusal_notes(notes)
    show_tables(shown, view)
    method_notes(shown, notes)


def _map_view(
    filters: Filters, view: View, static_dir: Path, chosen: tuple[str, ...]
) -> tuple[MapView, ViewNotes]:
    """Compute (or fetch from the caches) everything the map draws; slower layers if chosen."""
    gi, gi_notes = data.hot_spots(view)
    emerging: pd.DataFrame | None = None
    emerging_notes: list[str] = []
    if EMERGING in chosen:
        emerging, emerging_notes = data.emerging(view)
    contours: gpd.GeoDataFrame | None = None
    kde: dict[str, Any] = {}
    kde_notes: list[str] = []
    if DENSITY in chosen:
        contours, kde, kde_notes = data.density(view.unitless())
    overlap, overlap_notes = data.overlap(view)
    path, version = view.path, view.version
    shown = MapView(
        filters=filters,
        user=view.user,
        static_dir=static_dir,
        wards=boundaries(path, version, "ward"),
        localities=boundaries(path, version, "locality"),
        counts=area_counts(view),
        gi=gi,
        emerging=emerging,
        contours=contours,
        density_notes=_density_legend(kde),
        overlap=overlap,
        survey=_survey(view),
        interventions=data.intervention_register(path, version, view.user),
        ward_names_at=data.name_points(path, version, "ward"),
        locality_names_at=data.name_points(path, version, "locality"),
    )
    return shown, ViewNotes(gi_notes, emerging_notes, kde_notes, overlap_notes, kde)


def _facts(shown: MapView, view: View, chosen: tuple[str, ...]) -> AreaFacts:
    return AreaFacts(
        table=shown.counts[["area_code", "count", "shown"]],
        names=lambda codes: area_names(shown, codes, view),
        gi=shown.gi,
        emerging=shown.emerging,
        monthly=lambda: data.monthly_counts(view),
        emerging_chosen=EMERGING in chosen,
    )


def _survey(view: View) -> pd.DataFrame | None:
    questions = data.survey_questions(view.path, view.version, view.user)
    if not questions:
        return None
    with st.sidebar:
        question = st.selectbox(
            "Survey question on the map",
            questions,
            key=_SURVEY_Q,
            help="The map's survey layer shows the mean score of this question in each ward.",
        )
    return data.survey_results(
        view.path, view.version, view.user, str(question), view.date_from, view.date_to
    )


def _show_map(view: MapView, path: str) -> dict[str, object] | None:
    """Draw the map: a base that stays the same and layers the browser swaps on a change.

    streamlit-folium reloads its frame when the base map's script changes; layers passed
    as ``feature_group_to_add`` are replaced in place, so a new filter redraws the layers
    without reloading Leaflet (and keeps the user's zoom), until the place changes.
    """
    m, layers = base_map(view), map_layers(view)
    gaps = offline_gaps(m)
    if gaps:
        st.warning(
            f"{len(gaps)} map file(s) would come from the internet (not installed locally): "
            "run `make assets` (python scripts/install_assets.py) so the map works offline."
        )
    st.download_button(
        "Download this map (HTML)",
        data=lambda: maps.standalone_html(build_map(_disclosed(view))),
        file_name="safer-options-map.html",
        mime="text/html",
        on_click=record_download,
        args=(path, view.user, "map", view.filters.to_params(), "html"),
    )
    returned = st_folium(
        m,
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="map",
        feature_group_to_add=layers,
        layer_control=maps.layer_list(),
    )
    notes = [_DOWNLOAD_NOTE]
    if view.wards.attrs.get("approximate", False):
        notes.insert(0, maps.APPROXIMATE_NOTE + ". Load official boundaries for real work.")
    st.caption(" ".join(notes))
    click = returned.get("last_clicked") if isinstance(returned, dict) else None
    return click if isinstance(click, dict) else None


def _disclosed(view: MapView) -> MapView:
    """Return the view as the downloaded map shows it: counts under disclosure control."""
    return replace(view, counts=protected_counts(view.counts, settings()))


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
