"""Safer Options Atlas: the Streamlit entry: sign-in, the shared sidebar and the page list."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import streamlit as st

from app_pages import (
    AUTO,
    CITY,
    FILTERS_KEY,
    FLAG_LABELS,
    KIND_LABELS,
    RESOLUTIONS,
    UNITS,
    WARDS,
    Filters,
    automatic_resolution,
    boundaries,
    detail_place,
    filters_from_params,
    no_hexagons,
    settings,
    store_categories,
    store_months,
    within_scope,
)
from app_pages._signin import sidebar_account, signed_in_user
from assessments import scoped
from assessments.scoped import Store
from layers.access import User
from layers.demo_store import build_demo_store
from layers.maps import hexagon_area_words, month_range_label
from layers.settings import Settings

ROOT = Path(__file__).resolve().parent
_LAYERS = "w_layers"  # widget keys
_CATEGORIES = "w_categories"
_FLAGS = "w_flags"
_MONTHS = "w_months"
_PLACE = "w_place"
_AREAS = "w_areas"
_URL_READ = "atlas_url_read"
_SIDEBAR_PARAMS = ("layers", "categories", "flags", "from", "to", "place", "areas")


def main() -> None:
    """Sign in, open (or on first run build) the store, draw the sidebar, run the page."""
    st.set_page_config(page_title="Safer Options Atlas", page_icon="🗺️", layout="wide")
    config = settings()
    user = signed_in_user(config, _pages(None))  # nobody signed in: the sign-in, then stop
    store = _open_store(config)
    path, version = str(store.path), store.version()
    months = store_months(path, version)
    page = st.navigation(_pages(user))
    if not months:
        st.session_state.pop(FILTERS_KEY, None)
        st.info(
            "The store holds no event data yet. Import files on the Data page or with "
            "`python -m layers import ...`, or point ATLAS_STORE at another store."
        )
    else:
        st.session_state[FILTERS_KEY] = _sidebar(path, version, months, user)
    sidebar_account(config, user)  # below the filters: who is signed in, and Sign out
    page.run()


def _pages(user: User | None) -> list[st.Page]:
    """Return the pages this user's role may open (Data, Users, Audit: admins only).

    None (nobody signed in yet) gives every page, to be registered hidden and not run.
    """
    pages = [
        st.Page(
            "app_pages/map_explorer.py", title="Map explorer", icon=":material/map:", default=True
        )
    ]
    detail = user is None or user.has_detail  # trends and rankings are made from detail
    chosen = [
        *([("trends.py", "Trends", ":material/monitoring:")] if detail else []),
        ("profile.py", "Area profile", ":material/description:"),
        *([("planner.py", "Assessment planner", ":material/checklist:")] if detail else []),
        ("interventions.py", "Interventions", ":material/construction:"),
    ]
    if user is None or user.is_admin:
        chosen += [
            ("data.py", "Data", ":material/database:"),
            ("users.py", "Users", ":material/group:"),
            ("audit.py", "Audit log", ":material/policy:"),
        ]
    for file, title, icon in chosen:
        if (ROOT / "app_pages" / file).exists():
            pages.append(st.Page(f"app_pages/{file}", title=title, icon=icon))
    return pages


def _open_store(config: Settings) -> Store:
    store = scoped.open_store(config.store)
    if not store.exists():
        with st.spinner("First run: building the demo store (synthetic data)…"):
            build_demo_store(config)
    return store


# --- the sidebar ---------------------------------------------------------------------------


def _sidebar(path: str, version: str, months: list[str], user: User) -> Filters:
    categories = store_categories(path, version)
    wards, localities = boundaries(path, version, "ward"), boundaries(path, version, "locality")
    places = _places(wards, localities)
    _seed_widgets(months, _category_options(categories), list(places))
    with st.sidebar:
        st.header("Safer Options Atlas")
        kinds = st.multiselect(
            "Layers", list(KIND_LABELS), format_func=KIND_LABELS.__getitem__, key=_LAYERS
        )
        chosen = _category_widget(categories)
        flags = st.multiselect(
            "Incident flags",
            list(FLAG_LABELS),
            format_func=FLAG_LABELS.__getitem__,
            key=_FLAGS,
            placeholder="Any (no flag filter)",
            help="Keep only police incidents carrying at least one of these flags. "
            "Missing-child episodes and knife injuries are not affected.",
        )
        first, last = _month_range(months)
        place = st.selectbox("Place", list(places), format_func=places.__getitem__, key=_PLACE)
        detail = detail_place(user, wards, str(place))  # hexagons are detail
        units = [AUTO, *RESOLUTIONS, WARDS] if detail else [WARDS]
        if st.session_state.get(_AREAS) not in units:
            st.session_state[_AREAS] = units[0]
        areas = st.selectbox("Spatial unit", units, format_func=_areas_label, key=_AREAS)
        if not detail:
            st.caption(no_hexagons(user))
        filters = Filters(
            tuple(kinds) or ("incidents",), first, last, areas, tuple(chosen), tuple(flags), place
        )
        filters, _ = within_scope(filters, user, wards)  # the widget already keeps to it
        filters = _with_resolution(filters, path, version, user, wards)
        st.caption("The address bar keeps this view: bookmark it to come back to it.")
    if not kinds:
        st.sidebar.warning("No layer chosen: showing police incidents.")
    _write_address_bar(filters)
    return filters


def _category_widget(categories: dict[str, list[str]]) -> list[str]:
    options = _category_options(categories)
    owner = {c: k for k, names in categories.items() for c in names}
    return st.multiselect(
        "Categories",
        options,
        format_func=lambda c: f"{c} ({UNITS[owner[c]][1]})",
        key=_CATEGORIES,
        placeholder="All categories",
        help="Count only these categories, in every chosen layer (a layer with none of "
        "them counts nothing). Empty: all categories.",
    )


def _category_options(categories: dict[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(c for names in categories.values() for c in names))


def _month_range(months: list[str]) -> tuple[str, str]:
    if len(months) == 1:
        st.caption(f"Months: {month_range_label(months[0], months[0])} (the only month)")
        return months[0], months[0]
    chosen = st.select_slider(  # a default range makes it a range slider
        "Months",
        options=months,
        value=(months[0], months[-1]),
        format_func=lambda m: month_range_label(m, m),
        key=_MONTHS,
    )
    return str(chosen[0]), str(chosen[-1])


def _with_resolution(
    filters: Filters, path: str, version: str, user: User, wards: gpd.GeoDataFrame
) -> Filters:
    """Fill in the H3 resolution in force; say why under the control when it is automatic."""
    if filters.areas in RESOLUTIONS:
        return replace(filters, resolution=int(filters.areas))
    if not detail_place(user, wards, filters.place):  # ward figures only: no hexagon size
        return filters
    resolution, reason = automatic_resolution(filters.view(user, path, version).unitless())
    if filters.areas == AUTO:
        st.caption(reason)
        return replace(filters, resolution=resolution, resolution_reason=reason)
    return replace(filters, resolution=resolution)


def _places(wards: gpd.GeoDataFrame, localities: gpd.GeoDataFrame) -> dict[str, str]:
    places = {CITY: "Whole city"}
    for code, name in sorted(zip(localities["code"], localities["name"], strict=True)):
        places[f"locality:{code}"] = f"{name} (locality)"
    for code, name in sorted(zip(wards["code"], wards["name"], strict=True), key=lambda p: p[1]):
        places[f"ward:{code}"] = f"{name} (ward)"
    return places


def _seed_widgets(months: list[str], categories: list[str], places: list[str]) -> None:
    """Give every widget its value: from the address bar on a session's first run."""
    state = st.session_state
    if not state.get(_URL_READ, False):
        state[_URL_READ] = True
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        wanted, problems = filters_from_params(
            params, months=months, default_areas=AUTO, categories=categories, places=places
        )
        state[_LAYERS] = list(wanted.kinds)
        state[_CATEGORIES] = list(wanted.categories)
        state[_FLAGS] = list(wanted.flags)
        state[_MONTHS] = (wanted.date_from, wanted.date_to)
        state[_PLACE] = wanted.place
        state[_AREAS] = wanted.areas
        for problem in problems:
            st.sidebar.warning(f"Address bar: {problem}.")
    elif not set(state.get(_MONTHS, ())) <= set(months):  # new data moved the range
        state[_MONTHS] = (months[0], months[-1])
    if state.get(_PLACE) not in places:  # new boundaries dropped the place
        state[_PLACE] = CITY


def _write_address_bar(filters: Filters) -> None:
    """Write the filters to the address bar, keeping parameters that pages own (profile=...)."""
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    wanted = {k: v for k, v in current.items() if k not in _SIDEBAR_PARAMS}
    wanted |= {k: v if isinstance(v, list) else [v] for k, v in filters.to_params().items()}
    if current != wanted:
        st.query_params.from_dict(wanted)


def _areas_label(value: str) -> str:
    if value == AUTO:
        return "Hexagons, automatic size"
    if value == WARDS:
        return "Wards"
    return f"Hexagons, H3 resolution {value} (about {hexagon_area_words(int(value))})"


main()
