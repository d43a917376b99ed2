"""Map explorer: the statistics behind the map, each cached on its view.

Every function takes a :class:`~app_pages._view.View` (store version, user, event filters
and area unit) as its key, so a change of filters recomputes only what depends on it;
reads that do not count by area take the view :meth:`~app_pages._view.View.unitless`. A
statistic that refuses the data returns None and a note in plain words.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import area_counts, boundaries
from app_pages._view import View
from assessments import scoped
from hotspots.emerging import MIN_STEPS, cube_from_counts, emerging_hotspots
from hotspots.gistar import gi_star, gi_star_areas
from hotspots.kde import contours, kde_grid
from hotspots.overlap import multi_harm_overlap
from layers._errors import SchemaError
from layers.access import User
from layers.maps import cell_areas, density_levels, label_points

DENSITY_SHARES: tuple[float, ...] = (0.25, 0.5, 0.75)
"""Shares of the events whose densest areas the density layer outlines."""

Notes = list[str]
T = TypeVar("T")
_REFUSAL = re.compile(r"^\w+ cannot run: ")
_NOT_EXACT = (
    "Hot and cold spots need every area's exact count; some figures here are under "
    "disclosure control. Choose hexagons within your locality to see hot spots."
)


@st.cache_data(max_entries=32, show_spinner="Finding hot and cold spots…")
def hot_spots(view: View) -> tuple[pd.DataFrame | None, Notes]:
    """Return Getis-Ord Gi* of the counts of one view (H3 cells or wards), and notes."""
    table = area_counts(view)
    if not table["exact"].all():
        return None, [_NOT_EXACT]
    series = table.set_index("area_code")["count"].astype("int64")
    if view.by == "ward":
        wards = boundaries(view.path, view.version, "ward")
        shapes = wards[wards["code"].isin(series.index)]
        return _guarded("Hot and cold spots", lambda: gi_star_areas(series, shapes))
    return _guarded("Hot and cold spots", lambda: gi_star(series))


@st.cache_data(max_entries=16, show_spinner="Finding emerging hot spots…")
def emerging(view: View) -> tuple[pd.DataFrame | None, Notes]:
    """Return the emerging hot spot class of every cell (months pooled when sparse), and notes."""
    if view.by == "ward":
        return None, ["Emerging hot spots are found on hexagons: choose a hexagon spatial unit."]
    monthly = monthly_counts(view)
    months = monthly["period"].nunique()
    if months < MIN_STEPS:
        why = f"at least {MIN_STEPS} months; this view has {months}. Choose a longer period."
        return None, [f"Emerging hot spots need {why}"]
    return _guarded(
        "Emerging hot spots",
        lambda: emerging_hotspots(cube_from_counts(_sparse(monthly)), pool="auto"),
    )


@st.cache_data(max_entries=16, show_spinner=False)
def monthly_counts(view: View) -> pd.DataFrame:
    """Return the counts of every area of the view in every month."""
    return area_counts(view, "month")


@st.cache_data(max_entries=16, show_spinner="Drawing the density surface…")
def density(view: View) -> tuple[gpd.GeoDataFrame | None, dict[str, Any], Notes]:
    """Return density contours of the events (quartic KDE), how it was made, and notes.

    Call it with a :meth:`~app_pages._view.View.unitless` view: points know no area unit.
    """
    store = view.store()
    points = scoped.event_points(store, view.user, **view.event_filters())
    wards = boundaries(view.path, view.version, "ward")
    codes = scoped.wards_within(store, view.user, view.within)
    extent = wards if codes is None else wards[wards["code"].isin(codes)]
    surface, notes = _guarded(
        "The density surface", lambda: kde_grid(points, weights="weight", extent=extent)
    )
    if surface is None:
        return None, {}, notes
    levels = density_levels(surface.density, shares=DENSITY_SHARES)
    if pd.isna(levels).any():
        return None, {}, [*notes, "The density surface: no events to draw."]
    info = {
        "bandwidth": surface.bandwidth,
        "cell_size": surface.cell_size,
        "bandwidth_rule": surface.bandwidth_rule,
        "cell_size_rule": surface.cell_size_rule,
        "accuracy": surface.accuracy,
        "points": surface.n_points,
        "events": surface.total_weight,
    }
    return contours(surface, levels=levels), info, notes


@st.cache_data(max_entries=16, show_spinner="Looking for places hot for several harms…")
def overlap(view: View) -> tuple[pd.DataFrame | None, Notes]:
    """Return the places that are Gi* hot spots in at least two of the chosen layers."""
    if len(view.kinds) < 2:
        return None, []
    results, notes = {}, []
    for kind in view.kinds:
        gi, why = hot_spots(replace(view, kinds=(kind,)))
        if gi is None:
            notes += [f"{kind}: {n}" for n in why]
        else:
            results[kind] = gi
    if len(results) < 2:
        return None, ["Places hot for several harms need two layers with hot spots.", *notes]
    frame, more = _guarded("Places hot for several harms", lambda: multi_harm_overlap(results))
    return frame, notes + more


@st.cache_data(max_entries=16, show_spinner=False)
def cell_names(path: str, version: str, cells: tuple[str, ...]) -> dict[str, str]:
    """Return the name of the ward holding each cell's centre (cells outside left out)."""
    found = cell_areas(list(cells), boundaries(path, version, "ward"))
    named = found["name"].dropna()
    return dict(zip(named.index.astype("str"), named.astype("str"), strict=True))


@st.cache_data(max_entries=8, show_spinner=False)
def name_points(path: str, version: str, level: str) -> list[tuple[float, float]]:
    """Return where the map writes each area's name (``ward`` or ``locality``), as (lon, lat)."""
    return label_points(boundaries(path, version, level))


@st.cache_data(max_entries=8, show_spinner=False)
def survey_questions(path: str, version: str, user: User) -> list[str]:
    """Return the survey questions with answers in the store, in order."""
    summary = scoped.survey_summary(scoped.open_store(path), user, by="ward")
    return list(dict.fromkeys(summary["question"].astype("str")))


@st.cache_data(max_entries=16, show_spinner=False)
def survey_results(
    path: str, version: str, user: User, question: str, date_from: str, date_to: str
) -> pd.DataFrame:
    """Return the mean score of one question in each ward, over the chosen months."""
    store = scoped.open_store(path)
    return scoped.survey_summary(
        store, user, by="ward", question=question, date_from=date_from, date_to=date_to
    )


@st.cache_data(max_entries=8, show_spinner=False)
def intervention_register(path: str, version: str, user: User) -> gpd.GeoDataFrame:
    """Return the intervention register with its shapes."""
    return scoped.interventions(scoped.open_store(path), user)


def _sparse(monthly: pd.DataFrame) -> pd.DataFrame:
    """Keep the rows a cube needs: non-zero counts, and one zero per cell and per month.

    ``cube_from_counts`` fills absent (cell, month) pairs with zeros, so this gives the
    same cube from a fraction of the rows (64,000 cells x 36 months: 9 s down to 0.5 s).
    """
    first_month, first_cell = monthly["period"].min(), monthly["area_code"].min()
    keep = monthly["count"].to_numpy() > 0
    keep |= (monthly["period"] == first_month).to_numpy()
    keep |= (monthly["area_code"] == first_cell).to_numpy()
    return monthly[keep]


def _guarded(what: str, compute: Callable[[], T]) -> tuple[T | None, Notes]:
    """Run a statistic; return its result and its warnings, or None and why it refused."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = compute()
        except SchemaError as error:
            return None, [f"{what} could not be computed: {_plain(str(error))}"]
    notes = [f"{what}: {_plain(str(w.message))}" for w in caught if _worth_telling(w)]
    return result, notes


def _worth_telling(caught: warnings.WarningMessage) -> bool:
    return issubclass(caught.category, UserWarning)


def _plain(message: str) -> str:
    text = _REFUSAL.sub("", message.strip())
    text = text.replace("counts: ", "").replace(" (pool='auto')", "")
    return text[:1].upper() + text[1:]
