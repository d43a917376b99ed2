"""What the pages share: the sidebar's filters and cached reads keyed on simple values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages._session import current_user
from app_pages._view import CITY, View
from assessments import scoped
from layers import schema as S
from layers.access import User
from layers.settings import Settings, load_settings

FILTERS_KEY = "atlas_filters"
"""Session-state key under which ``app.py`` leaves the sidebar's :class:`Filters`."""

KIND_LABELS: dict[str, str] = {
    "incidents": "Police incidents",
    "missing": "Missing-child episodes",
    "knife": "Knife injuries (hospital)",
}
"""Event layers offered in the sidebar, with their labels."""

UNITS: dict[str, tuple[str, str]] = {
    "incidents": ("incident", "incidents"),
    "missing": ("missing-child episode", "missing-child episodes"),
    "knife": ("knife injury", "knife injuries"),
}
"""Singular and plural of what each layer counts, for tooltips and captions."""

FLAG_LABELS: dict[str, str] = {
    S.KNIFE_ENABLED: "Knife-enabled",
    S.CCE: "Child criminal exploitation (CCE)",
    S.CSE: "Child sexual exploitation (CSE)",
    S.SYV: "Serious youth violence",
}
"""Incident flags offered in the sidebar, with their labels."""

RESOLUTIONS: tuple[str, ...] = ("6", "7", "8", "9", "10", "11")
"""H3 resolutions offered for the map, as the sidebar and the address bar spell them."""

WARDS = "wards"
"""The sidebar's (and the address bar's) word for counting by ward."""

AUTO = "auto"
"""The sidebar's (and the address bar's) word for an automatically chosen H3 resolution."""


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices: simple values only, so they can key caches.

    ``resolution`` is the H3 resolution in force (the one chosen, or the automatic one
    when ``areas`` is ``"auto"``, with ``resolution_reason`` saying why).
    """

    kinds: tuple[str, ...]
    date_from: str  # YYYY-MM, inclusive
    date_to: str  # YYYY-MM, inclusive
    areas: str  # AUTO, one of RESOLUTIONS, or WARDS
    categories: tuple[str, ...] = ()  # empty: all
    flags: tuple[str, ...] = ()  # empty: no flag filter
    place: str = CITY  # CITY, "locality:NAME" or "ward:CODE"
    resolution: int = 8
    resolution_reason: str = ""

    @property
    def by(self) -> str:
        """The area unit for ``layers.aggregate.counts``: ``h3:RES`` or ``ward``."""
        return "ward" if self.areas == WARDS else f"h3:{self.resolution}"

    def view(self, user: User, store_path: str, version: str) -> View:
        """Return the view these filters select for a user and a store version.

        The one place the sidebar's choices become the key of the cached reads; the view
        counts by :attr:`by`.
        """
        return View(
            store_path,
            version,
            user,
            self.kinds,
            self.date_from,
            self.date_to,
            self.categories,
            self.flags,
            self.place,
            self.by,
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """Return the filters as address-bar parameters (see :func:`filters_from_params`)."""
        params: dict[str, str | list[str]] = {
            "layers": list(self.kinds),
            "from": self.date_from,
            "to": self.date_to,
            "areas": self.areas,
        }
        if self.categories:
            params["categories"] = list(self.categories)
        if self.flags:
            params["flags"] = list(self.flags)
        if self.place != CITY:
            params["place"] = self.place
        return params


def filters_from_params(
    params: Mapping[str, list[str]],
    *,
    months: list[str],
    default_areas: str,
    categories: Sequence[str] = (),
    places: Sequence[str] = (CITY,),
) -> tuple[Filters, list[str]]:
    """Read filters from address-bar parameters, falling back to defaults where unusable.

    Parameters
    ----------
    params
        Each parameter's values: ``layers``, ``categories``, ``flags`` (repeated),
        ``from`` and ``to`` (YYYY-MM), ``areas`` (``auto``, 6-11 or ``wards``), ``place``
        (``city``, ``locality:NAME`` or ``ward:CODE``).
    months
        The months with data, in order; ``from`` and ``to`` must be among them.
    default_areas
        The areas when ``areas`` is absent or unusable.
    categories
        The categories that exist; others are reported and left out.
    places
        The places that exist; another is reported and the whole city used.

    Returns
    -------
    tuple of (Filters, list of str)
        The filters, and one message per parameter that could not be used.
    """
    problems: list[str] = []
    kinds = _several(params, "layers", list(KIND_LABELS), problems)
    chosen = _several(params, "categories", list(categories), problems)
    flags = _several(params, "flags", list(FLAG_LABELS), problems)
    first = _one(params, "from", months, months[0], problems)
    last = _one(params, "to", months, months[-1], problems)
    if first > last:
        problems.append(f"from={first} is after to={last}; swapped them")
        first, last = last, first
    areas = _one(params, "areas", [AUTO, *RESOLUTIONS, WARDS], default_areas, problems)
    place = _one(params, "place", list(places), CITY, problems)
    filters = Filters(kinds or ("incidents",), first, last, areas, chosen, flags, place)
    return filters, problems


def _several(
    params: Mapping[str, list[str]], name: str, allowed: list[str], problems: list[str]
) -> tuple[str, ...]:
    given = params.get(name, [])
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        hint = f"use {allowed}" if len(allowed) <= 6 else "see the sidebar for the choices"
        problems.append(f"{name}={unknown} unknown; {hint}")
    return tuple(v for v in allowed if v in given)


def _one(
    params: Mapping[str, list[str]],
    name: str,
    allowed: list[str],
    default: str,
    problems: list[str],
) -> str:
    values = params.get(name, [])
    if not values:
        return default
    if values[-1] in allowed:
        return values[-1]
    problems.append(f"{name}={values[-1]!r} is not one of {allowed[0]}..{allowed[-1]}")
    return default


def settings() -> Settings:
    """Return the settings in force (read from the environment on every run)."""
    return load_settings()


def current_filters() -> Filters | None:
    """Return the filters the sidebar set on this run, or None before it ran."""
    value = st.session_state.get(FILTERS_KEY)
    return value if isinstance(value, Filters) else None


def page_view() -> tuple[Filters, View]:
    """Return the sidebar's filters and the view they select for the signed-in user.

    Stops the page (showing nothing) before the sidebar ran, and (saying so) when nobody
    is signed in. The view reads the settings' store at its current version.
    """
    filters = current_filters()
    if filters is None:
        st.stop()
        raise AssertionError("unreachable")  # st.stop() raises
    store = scoped.open_store(settings().store)
    return filters, filters.view(current_user(), str(store.path), store.version())


def unit_words(kinds: tuple[str, ...]) -> tuple[str, str]:
    """Return singular and plural of what is counted for a choice of layers."""
    return UNITS[kinds[0]] if len(kinds) == 1 else ("harm event", "harm events")


@st.cache_data(max_entries=8, show_spinner=False)
def store_months(store_path: str, version: str) -> list[str]:
    """Return every month (``YYYY-MM``) from the store's first to its last event month."""
    span = scoped.date_range(scoped.open_store(store_path))
    if span is None:
        return []
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


@st.cache_data(max_entries=8, show_spinner=False)
def store_categories(store_path: str, version: str) -> dict[str, list[str]]:
    """Return the categories of each event layer (cached per store version)."""
    store = scoped.open_store(store_path)
    return {kind: scoped.categories(store, kind) for kind in KIND_LABELS}


@st.cache_data(max_entries=64, show_spinner="Counting…")
def area_counts(view: View, period: str = "none") -> pd.DataFrame:
    """Return ``assessments.scoped.counts`` of a view by its area unit (cached).

    Figures outside the user's detail come disclosure-controlled: ``count`` is NaN where
    hidden and ``shown`` holds what may be displayed. Raises AccessDenied for detail
    (hexagons) the user may not see.
    """
    return scoped.counts(view.store(), view.user, by=view.by, period=period, **view.event_filters())


@st.cache_data(max_entries=64, show_spinner=False)
def automatic_resolution(view: View) -> tuple[int, str]:
    """Return ``assessments.scoped.suggest_resolution`` as (resolution, reason), cached.

    Call it with a :meth:`View.unitless` view: the suggestion does not depend on the unit.
    """
    suggestion = scoped.suggest_resolution(view.store(), view.user, **view.event_filters())
    return suggestion.resolution, suggestion.reason


@st.cache_data(max_entries=8, show_spinner=False)
def boundaries(store_path: str, version: str, level: str) -> gpd.GeoDataFrame:
    """Return the store's areas of one level (cached per store version; public)."""
    return scoped.boundaries(scoped.open_store(store_path), level)


def detail_place(user: User, wards: gpd.GeoDataFrame, place: str) -> bool:
    """Return whether the user sees hexagons and points for a place (``city`` counts if any).

    Admins and VRU leads see every place in detail; a locality officer their locality,
    its wards, and the whole city (clipped to their locality); an engagement officer none.
    """
    if user.sees_all_detail:
        return True
    if not user.has_detail:
        return False
    own = set(wards.loc[wards["parent_code"] == user.locality, "code"].astype("str"))
    if place == CITY:
        return bool(own)
    level, _, name = place.partition(":")
    return (level == "locality" and name == user.locality) or (level == "ward" and name in own)


def within_scope(filters: Filters, user: User, wards: gpd.GeoDataFrame) -> tuple[Filters, str]:
    """Return the filters the user may see, and why they changed ("" when they did not).

    Hexagons are detail: where the user sees none for the place (an engagement officer
    anywhere, a locality officer outside their locality), the view falls back to ward
    figures under disclosure control. The data functions refuse such detail anyway; this
    keeps the pages from asking for it, so an address-bar link cannot reach it either.
    """
    if filters.areas == WARDS or detail_place(user, wards, filters.place):
        return filters, ""
    return replace(filters, areas=WARDS), no_hexagons(user)


def no_hexagons(user: User) -> str:
    """Say why the user sees ward figures, not hexagons, for a place."""
    if user.has_detail:
        return (
            f"Hexagons are shown for your locality ({user.locality}) only: showing ward "
            "figures under disclosure control here."
        )
    return f"As {user.label} you see ward figures under disclosure control."
