"""Safer Options Atlas: the Streamlit entry, with the shared sidebar and the page list."""

from __future__ import annotations

import streamlit as st

from app_pages import (
    FILTERS_KEY,
    KIND_LABELS,
    RESOLUTIONS,
    WARDS,
    Filters,
    filters_from_params,
    settings,
    store_months,
)
from layers.ingest import build_demo_store
from layers.maps import hexagon_area_words, month_range_label
from layers.settings import Settings
from layers.store import Store

_LAYERS = "w_layers"  # widget keys
_MONTHS = "w_months"
_AREAS = "w_areas"
_URL_READ = "atlas_url_read"


def main() -> None:
    """Open (or on first run build) the store, draw the sidebar, run the chosen page."""
    st.set_page_config(page_title="Safer Options Atlas", page_icon="🗺️", layout="wide")
    config = settings()
    store = _open_store(config)
    months = store_months(str(store.path), store.version())
    page = st.navigation(
        [st.Page("app_pages/map_explorer.py", title="Map explorer", icon="🗺️", default=True)]
    )
    if not months:
        st.info(
            "The store holds no event data yet. Import files with "
            "`python -m layers import ...`, or point ATLAS_STORE at another store."
        )
        st.stop()
    st.session_state[FILTERS_KEY] = _sidebar(months, config)
    page.run()


def _open_store(config: Settings) -> Store:
    store = Store(config.store, lock_timeout_s=config.lock_timeout_s)
    if not store.exists():
        with st.spinner("First run: building the demo store (synthetic data)…"):
            build_demo_store(config)
    return store


def _sidebar(months: list[str], config: Settings) -> Filters:
    default = _seed_widgets(months, config)
    with st.sidebar:
        st.header("Safer Options Atlas")
        kinds = st.multiselect(
            "Layers",
            options=list(KIND_LABELS),
            default=list(default.kinds),
            format_func=KIND_LABELS.__getitem__,
            key=_LAYERS,
        )
        first, last = _month_range(months)
        options = [*RESOLUTIONS, WARDS]
        areas = st.selectbox(
            "Areas",
            options=options,
            index=options.index(default.areas),
            format_func=_areas_label,
            key=_AREAS,
        )
        st.caption("The address bar keeps this view: bookmark it to come back to it.")
    if not kinds:
        st.sidebar.warning("No layer chosen: showing police incidents.")
    filters = Filters(tuple(kinds) or ("incidents",), first, last, areas)
    _write_address_bar(filters)
    return filters


def _month_range(months: list[str]) -> tuple[str, str]:
    if len(months) == 1:
        st.caption(f"Months: {month_range_label(months[0], months[0])} (the only month)")
        return months[0], months[0]
    chosen = st.select_slider(
        "Months",
        options=months,
        value=(months[0], months[-1]),
        format_func=lambda m: month_range_label(m, m),
        key=_MONTHS,
    )
    return str(chosen[0]), str(chosen[-1])


def _seed_widgets(months: list[str], config: Settings) -> Filters:
    """Set the widgets from the address bar on a session's first run; return the defaults.

    Only choices that differ from the defaults are seeded, so a plain address starts
    from the widgets' own defaults.
    """
    areas = str(config.default_resolution)
    areas = areas if areas in RESOLUTIONS else "8"
    default, _ = filters_from_params({}, months=months, default_areas=areas)
    state = st.session_state
    if not state.get(_URL_READ, False):
        state[_URL_READ] = True
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        wanted, problems = filters_from_params(params, months=months, default_areas=areas)
        if wanted.kinds != default.kinds:
            state[_LAYERS] = list(wanted.kinds)
        if (wanted.date_from, wanted.date_to) != (default.date_from, default.date_to):
            state[_MONTHS] = (wanted.date_from, wanted.date_to)
        if wanted.areas != default.areas:
            state[_AREAS] = wanted.areas
        for problem in problems:
            st.sidebar.warning(f"Address bar: {problem}.")
    elif not set(state.get(_MONTHS, ())) <= set(months):  # new data moved the range
        state[_MONTHS] = (months[0], months[-1])
    return default


def _write_address_bar(filters: Filters) -> None:
    wanted = {k: v if isinstance(v, list) else [v] for k, v in filters.to_params().items()}
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    if current != wanted:
        st.query_params.from_dict(filters.to_params())


def _areas_label(value: str) -> str:
    if value == WARDS:
        return "Wards"
    return f"Hexagons, H3 resolution {value} (about {hexagon_area_words(int(value))})"


main()
