"""Map explorer: the slower layers, computed only when asked for in the sidebar (``?show=``)."""

from __future__ import annotations

import streamlit as st

from layers.text import escape_markdown

EMERGING = "emerging"
DENSITY = "density"
ON_REQUEST: dict[str, str] = {
    EMERGING: "Emerging hot spots",
    DENSITY: "Density of events (KDE)",
}
"""Layers computed only when chosen (they take seconds on a large store), with labels."""

_KEY = "w_more_layers"
_URL_READ = "map_show_read"
_PARAM = "show"


def chosen_layers() -> tuple[str, ...]:
    """Draw the sidebar choice of slower layers; keep it in the address bar; return it."""
    state = st.session_state
    if not state.get(_URL_READ, False):
        state[_URL_READ] = True
        given = st.query_params.get_all(_PARAM)
        state[_KEY] = [name for name in ON_REQUEST if name in given]
        unknown = sorted(set(given) - set(ON_REQUEST))
        if unknown:
            words = escape_markdown(", ".join(unknown))
            st.sidebar.warning(f"Address bar: show={words} unknown; use {list(ON_REQUEST)}.")
    with st.sidebar:
        chosen = st.multiselect(
            "More map layers",
            list(ON_REQUEST),
            format_func=ON_REQUEST.__getitem__,
            key=_KEY,
            placeholder="Choose slower layers",
            help="Computed only when chosen: on a large store each takes a few seconds. "
            "Emerging hot spots say how each hexagon's hot or cold spot changed month by "
            "month; the density layer outlines where events are most concentrated.",
        )
    _write_param(chosen)
    return tuple(name for name in ON_REQUEST if name in chosen)


def _write_param(chosen: list[str]) -> None:
    if st.query_params.get_all(_PARAM) != chosen:
        if chosen:
            st.query_params[_PARAM] = chosen
        else:
            del st.query_params[_PARAM]
