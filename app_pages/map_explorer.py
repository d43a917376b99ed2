"""Map explorer: counts, hot spots, density and context on one map; an area panel; exports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import KIND_LABELS, Filters, area_counts, boundaries, current_filters, settings
from app_pages import _map_data as data
from app_pages._exports import protected_counts, record_download
from app_pages._map_build import MapView, base_map, build_map, map_layers
from app_pages._map_layers import DENSITY, EMERGING, chosen_layers
from app_pages._map_notes import ViewNotes, automatic_choices, method_notes, refusal_notes
from app_pages._map_panel import AreaFacts, pick_area, show_area, take_click
from app_pages._map_tables import area_names, show_tables
from app_pages._session import current_user
from assessments import scoped
from layers import maps
from layers._assets import offline_gaps
from layers.access import User

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
    user = current_user()
    config = settings()
    store = scoped.open_store(config.store)
    path, version = str(store.path), store.version()
    st.title("Map explorer")
    st.caption(_view_text(filters))
    chosen = chosen_layers()
    view, notes = _view(filters, user, path, version, config.static_dir, chosen)
    facts = _facts(view, path, version, chosen)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        click = _show_map(view, path)
    with right:
        take_click(click, filters, view.wards, view.counts)
        code = pick_area(facts, filters)
        if code is not None:
            show_area(code, facts, filters, path, version, user)
    automatic_choices(view, notes)
    refusal_notes(notes)
    show_tables(view, path, version)
    method_notes(view, notes)


def _view(
    filters: Filters,
    user: User,
    path: str,
    version: str,
    static_dir: Path,
    chosen: tuple[str, ...],
) -> tuple[MapView, ViewNotes]:
    """Compute (or fetch from the caches) everything the map draws; slower layers if chosen."""
    key = filters.key()
    gi, gi_notes = data.hot_spots(path, version, user, filters.by, *key)
    emerging: pd.DataFrame | None = None
    emerging_notes: list[str] = []
    if EMERGING in chosen:
        emerging, emerging_notes = data.emerging(path, version, user, filters.by, *key)
    contours: gpd.GeoDataFrame | None = None
    kde: dict[str, Any] = {}
    kde_notes: list[str] = []
    if DENSITY in chosen:
        contours, kde, kde_notes = data.density(path, version, user, *key)
    overlap, overlap_notes = data.overlap(path, version, user, filters.by, *key)
    view = MapView(
        filters=filters,
        user=user,
        static_dir=static_dir,
        wards=boundaries(path, version, "ward"),
        localities=boundaries(path, version, "locality"),
        counts=area_counts(
            path,
            version,
            user,
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
        survey=_survey(filters, user, path, version),
        interventions=data.intervention_register(path, version, user),
        ward_names_at=data.name_points(path, version, "ward"),
        locality_names_at=data.name_points(path, version, "locality"),
    )
    return view, ViewNotes(gi_notes, emerging_notes, kde_notes, overlap_notes, kde)


def _facts(view: MapView, path: str, version: str, chosen: tuple[str, ...]) -> AreaFacts:
    f = view.filters
    return AreaFacts(
        table=view.counts[["area_code", "count", "shown"]],
        names=lambda codes: area_names(view, codes, path, version),
        gi=view.gi,
        emerging=view.emerging,
        monthly=lambda: data.monthly_counts(path, version, view.user, f.by, *f.key()),
        emerging_chosen=EMERGING in chosen,
    )


def _survey(filters: Filters, user: User, path: str, version: str) -> pd.DataFrame | None:
    questions = data.survey_questions(path, version, user)
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
        path, version, user, str(question), filters.date_from, filters.date_to
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
        height=_MAP_HEIGHT,
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
