"""Area profile: one ward, locality or hexagon on one page, disclosure-controlled, and its PDF."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import page_view, settings
from app_pages._profile_view import area_choices, show_profile
from app_pages._trends_words import markdown_text
from assessments import scoped
from assessments.disclosure import get_policy
from assessments.printable import PrintableProfile, printable_profile
from layers._errors import AccessDenied, SchemaError
from layers.access import User
from layers.maps import month_range_label

PARAM = "profile"  # address-bar parameter naming the area: ward:CODE, locality:NAME, h3:CELL

POLICIES: dict[str, str] = {  # the policies offered; partnership (the first) is the default
    "partnership": "Partnership (exact counts, fewer than 5 hidden)",
    "public": "Public (rounded to the nearest 5, fewer than 5 hidden)",
}

_KIND = "w_profile_kind"  # widget keys
_WARD = "w_profile_ward"
_LOCALITY = "w_profile_locality"
_CELL = "w_profile_cell"
_POLICY = "w_profile_policy"
_URL_SEEN = "profile_url_seen"
_KINDS = {"ward": "Ward", "locality": "Locality", "h3": "Hexagon (H3 cell)"}


def main() -> None:
    """Choose the area (or take it from the address bar), show its profile, offer the files."""
    filters, view = page_view()
    path, version, user = view.path, view.version, view.user
    st.title("Area profile")
    st.caption(
        "Every layer, " + month_range_label(filters.date_from, filters.date_to) + " (the "
        "sidebar's months) · for a neighbourhood assessment or a community conversation."
    )
    wards, localities = area_choices(path, version)
    area = _choose_area(wards, localities, user)
    policy_name = st.radio(
        "Disclosure control",
        list(POLICIES),
        format_func=POLICIES.__getitem__,
        horizontal=True,
        key=_POLICY,
        help="Partnership: for partner agencies. Public: for anything shared outside the "
        "partnership, such as a community meeting. Both hide counts under 5.",
    )
    if not area:
        st.info("Choose an area above, or open one from the map explorer's area panel.")
        st.stop()
    profile = _profile(path, version, user, area, filters.date_from, filters.date_to)
    if profile is None:
        st.stop()
    policy = get_policy(str(policy_name), settings=settings())
    _downloads(path, version, user, area, (filters.date_from, filters.date_to), str(policy_name))
    show_profile(profile.disclosed(policy), profile.map_svg(policy))


def _choose_area(wards: dict[str, str], localities: list[str], user: User) -> str:
    """Draw the area choosers (seeded from ``?profile=`` when it changes); return the area."""
    wanted = st.query_params.get(PARAM, "")
    if wanted != st.session_state.get(_URL_SEEN):
        st.session_state[_URL_SEEN] = wanted
        _seed(wanted, wards, localities, user.has_detail)
    if st.session_state.get(_KIND) == "other":
        st.caption(f"Area from the address bar: {markdown_text(wanted)}")
        st.button("Choose another area", on_click=_forget_url, key="profile_other")
        area = wanted
    else:
        area = _widgets(wards, localities, user.has_detail)
    if area and area != wanted:
        st.query_params[PARAM] = area
        st.session_state[_URL_SEEN] = area
    return area


def _forget_url() -> None:
    st.session_state[_KIND] = "ward"
    st.session_state[_URL_SEEN] = ""
    del st.query_params[PARAM]


def _seed(wanted: str, wards: dict[str, str], localities: list[str], hexagons: bool) -> None:
    kind, _, value = wanted.partition(":")
    state = st.session_state
    if kind == "ward" and value in wards:
        state[_KIND], state[_WARD] = "ward", value
    elif kind == "locality" and value in localities:
        state[_KIND], state[_LOCALITY] = "locality", value
    elif kind == "h3" and hexagons:
        state[_KIND], state[_CELL] = "h3", value
    elif kind in ("h3", "hotspot"):  # hot spots (and, without detail, hexagons) as linked
        state[_KIND] = "other"
    elif wanted:
        st.warning(f"The address bar names an area that is not loaded ({markdown_text(wanted)}).")


def _widgets(wards: dict[str, str], localities: list[str], hexagons: bool) -> str:
    kinds = [k for k in _KINDS if hexagons or k != "h3"]  # a hexagon's profile is detail
    if st.session_state.get(_KIND) not in kinds:
        st.session_state[_KIND] = kinds[0]
    kind = st.radio(
        "Kind of area", kinds, format_func=_KINDS.__getitem__, horizontal=True, key=_KIND
    )
    if kind == "ward":
        code = st.selectbox(
            "Ward",
            list(wards),
            format_func=wards.__getitem__,
            index=None,
            key=_WARD,
            placeholder="Choose a ward",
        )
        return f"ward:{code}" if code else ""
    if kind == "locality":
        name = st.selectbox(
            "Locality", localities, index=None, key=_LOCALITY, placeholder="Choose a locality"
        )
        return f"locality:{name}" if name else ""
    cell = st.text_input(
        "H3 cell",
        key=_CELL,
        placeholder="e.g. 89195839043ffff",
        help="A hexagon's code, as the map explorer's area panel shows it (resolution 6-11).",
    )
    return f"h3:{cell.strip()}" if cell and cell.strip() else ""


def _profile(
    path: str, version: str, user: User, area: str, date_from: str, date_to: str
) -> PrintableProfile | None:
    try:
        return _cached_profile(path, version, user, area, date_from, date_to)
    except AccessDenied as error:
        st.warning(str(error))
        return None
    except SchemaError as error:
        st.error(f"This area cannot be profiled: {markdown_text(str(error))}")
        return None


def _downloads(
    path: str, version: str, user: User, area: str, months: tuple[str, str], policy: str
) -> None:
    name = "profile-" + area.replace(":", "-")
    args = (path, version, user, area, *months, policy)
    left, right = st.columns(2)
    with left:
        st.download_button(
            f"Download the printable profile (PDF, {policy})",
            data=lambda: _recorded(_cached_pdf(*args), args, "pdf"),
            file_name=f"{name}-{policy}.pdf",
            mime="application/pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
            key="profile_pdf",
        )
    with right:
        st.download_button(
            f"Download as a web page (HTML, {policy})",
            data=lambda: _recorded(_cached_html(*args), args, "html"),
            file_name=f"{name}-{policy}.html",
            mime="text/html",
            on_click="ignore",
            icon=":material/description:",
            key="profile_html",
        )


@st.cache_data(max_entries=16, show_spinner="Gathering the area's figures…")
def _cached_profile(
    path: str, version: str, user: User, area: str, date_from: str, date_to: str
) -> PrintableProfile:
    store = scoped.open_store(path)
    return printable_profile(store, user, area, date_from=date_from, date_to=date_to)


@st.cache_data(max_entries=8, show_spinner="Printing the profile…")
def _cached_pdf(
    path: str, version: str, user: User, area: str, date_from: str, date_to: str, policy: str
) -> bytes:
    profile = _cached_profile(path, version, user, area, date_from, date_to)
    return profile.pdf(get_policy(policy, settings=settings()))


@st.cache_data(max_entries=8, show_spinner=False)
def _cached_html(
    path: str, version: str, user: User, area: str, date_from: str, date_to: str, policy: str
) -> str:
    profile = _cached_profile(path, version, user, area, date_from, date_to)
    return profile.html(get_policy(policy, settings=settings()))


def _recorded(content: bytes | str, args: tuple[Any, ...], file_format: str) -> bytes | str:
    """Write a profile download to the audit log (the file is made when clicked); return it."""
    path, _, user, area, date_from, date_to, policy = args
    filters = {"area": area, "from": date_from, "to": date_to, "policy": policy}
    what = "profile" if file_format == "html" else "pdf"
    scoped.record_export(
        scoped.open_store(path), user, what=what, filters=filters, file_format=file_format
    )
    return content


main()
