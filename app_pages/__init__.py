"""What the pages share: the sidebar's filters and cached reads keyed on simple values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.aggregate import counts
from layers.settings import Settings, load_settings
from layers.store import Store

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


RESOLUTIONS: tuple[str, ...] = ("6", "7", "8", "9", "10", "11")
"""H3 resolutions offered for the map, as the sidebar and the address bar spell them."""

WARDS = "wards"
"""The sidebar's (and the address bar's) word for counting by ward."""


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices: simple values only, so they can key caches."""

    kinds: tuple[str, ...]
    date_from: str  # YYYY-MM, inclusive
    date_to: str  # YYYY-MM, inclusive
    areas: str  # one of RESOLUTIONS, or WARDS

    @property
    def by(self) -> str:
        """The area unit for ``layers.aggregate.counts``: ``h3:RES`` or ``ward``."""
        return "ward" if self.areas == WARDS else f"h3:{self.areas}"

    def to_params(self) -> dict[str, str | list[str]]:
        """Return the filters as address-bar parameters (see :func:`filters_from_params`)."""
        return {
            "layers": list(self.kinds),
            "from": self.date_from,
            "to": self.date_to,
            "areas": self.areas,
        }


def filters_from_params(
    params: Mapping[str, list[str]], *, months: list[str], default_areas: str
) -> tuple[Filters, list[str]]:
    """Read filters from address-bar parameters, falling back to defaults where unusable.

    Parameters
    ----------
    params
        Each parameter's values: ``layers`` (repeated), ``from`` and ``to`` (YYYY-MM),
        ``areas`` (6-11 or ``wards``).
    months
        The months with data, in order; ``from`` and ``to`` must be among them.
    default_areas
        The areas when ``areas`` is absent or unusable.

    Returns
    -------
    tuple of (Filters, list of str)
        The filters, and one message per parameter that could not be used.
    """
    problems: list[str] = []
    kinds = tuple(k for k in KIND_LABELS if k in params.get("layers", []))
    unknown = sorted(set(params.get("layers", [])) - set(KIND_LABELS))
    if unknown:
        problems.append(f"layers={unknown} unknown; use {list(KIND_LABELS)}")
    first = _one(params, "from", months, months[0], problems)
    last = _one(params, "to", months, months[-1], problems)
    if first > last:
        problems.append(f"from={first} is after to={last}; swapped them")
        first, last = last, first
    areas = _one(params, "areas", [*RESOLUTIONS, WARDS], default_areas, problems)
    return Filters(kinds or ("incidents",), first, last, areas), problems


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


def unit_words(kinds: tuple[str, ...]) -> tuple[str, str]:
    """Return singular and plural of what is counted for a choice of layers."""
    return UNITS[kinds[0]] if len(kinds) == 1 else ("harm event", "harm events")


@st.cache_data(max_entries=8, show_spinner=False)
def store_months(store_path: str, version: str) -> list[str]:
    """Return every month (``YYYY-MM``) from the store's first to its last event month."""
    span = Store(Path(store_path)).date_range()
    if span is None:
        return []
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


@st.cache_data(max_entries=32, show_spinner="Counting…")
def area_counts(
    store_path: str, version: str, by: str, kinds: tuple[str, ...], date_from: str, date_to: str
) -> pd.DataFrame:
    """Return ``layers.aggregate.counts`` for one choice of filters (cached per store version)."""
    store = Store(Path(store_path))
    return counts(store, by=by, kinds=kinds, date_from=date_from, date_to=date_to)


@st.cache_data(max_entries=8, show_spinner=False)
def boundaries(store_path: str, version: str, level: str) -> gpd.GeoDataFrame:
    """Return the store's areas of one level (cached per store version)."""
    return Store(Path(store_path)).boundaries(level)
