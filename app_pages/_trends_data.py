"""What the trends page reads: monthly counts (cached per store version), its lines and places."""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd

from app_pages import CITY, KIND_LABELS, Filters, area_counts
from app_pages._view import View
from layers import schema as S
from layers.access import User


@dataclass(frozen=True)
class LinePlan:
    """One series the page draws: a layer, limited to one category or not."""

    label: str
    kind: str
    categories: tuple[str, ...] | None  # None: every category of the layer
    category: str  # the category's name, or "" for the whole layer


@dataclass(frozen=True)
class Place:
    """Where the monthly series is counted: the city, a locality or a ward."""

    value: str  # "city", "locality:NAME" or "ward:CODE"
    unit: str  # the count unit that holds it: "ward" or "locality"
    codes: tuple[str, ...] | None  # area codes to add up; None: all wards
    words: str  # "across the city", "in Ashley"


def monthly_counts(view: View, by: str, plan: LinePlan) -> pd.DataFrame:
    """Return one line's monthly counts by ward or locality across the city (cached)."""
    line = replace(view, kinds=(plan.kind,), categories=plan.categories or (), place=CITY)
    return area_counts(line.counted_by(by), "month")


def detail_areas(user: User, wards: gpd.GeoDataFrame, unit: str) -> set[str] | None:
    """Return the areas (ward or locality codes) whose trends the user sees; None: all."""
    if user.sees_all_detail:
        return None
    if not user.has_detail:
        return set()
    if unit == "locality":
        return {str(user.locality)}
    return set(wards.loc[wards[S.PARENT_CODE] == user.locality, S.CODE].astype("str"))


def trend_places(labels: dict[str, str], user: User, wards: gpd.GeoDataFrame) -> dict[str, str]:
    """Keep the places whose monthly series the user sees in detail (their locality)."""
    own = detail_areas(user, wards, "ward")
    if own is None:
        return labels
    keep = {f"ward:{code}" for code in own} | {f"locality:{user.locality}"}
    return {value: label for value, label in labels.items() if value in keep}


def line_plans(filters: Filters) -> list[LinePlan]:
    """One line per chosen layer, or per chosen category of a layer when some are chosen.

    As in the sidebar, chosen categories apply to every layer: a layer with none of them
    counts nothing and gets no line (:func:`layers_left_out` names it).
    """
    chosen = filters.categories
    plans: list[LinePlan] = []
    for kind in filters.kinds:
        if not chosen:
            plans.append(LinePlan(KIND_LABELS[kind], kind, None, ""))
            continue
        own = [c for c in chosen if c in S.KNOWN_CATEGORIES.get(S.Kind(kind), ())]
        plans += [LinePlan(f"{KIND_LABELS[kind]}: {c}", kind, (c,), c) for c in own]
    return plans


def layers_left_out(filters: Filters, plans: list[LinePlan]) -> list[str]:
    """Labels of the chosen layers that none of the chosen categories belong to."""
    drawn = {p.kind for p in plans}
    return [KIND_LABELS[k] for k in filters.kinds if k not in drawn]


def place_labels(wards: gpd.GeoDataFrame, localities: gpd.GeoDataFrame) -> dict[str, str]:
    """Every place the page offers, labelled as in the sidebar: city, localities, wards."""
    labels = {CITY: "Whole city"}
    for code, name in sorted(_names(localities).items()):
        labels[f"locality:{code}"] = f"{name} (locality)"
    for code, name in sorted(_names(wards).items(), key=lambda item: item[1]):
        labels[f"ward:{code}"] = f"{name} (ward)"
    return labels


def place_of(value: str, wards: gpd.GeoDataFrame, localities: gpd.GeoDataFrame) -> Place:
    """Resolve a place ("city", "locality:North", "ward:E05010885") against the areas."""
    kind, _, code = value.partition(":")
    if kind == "locality":
        return Place(value, "locality", (code,), f"in {_names(localities).get(code, code)}")
    if kind == "ward":
        return Place(value, "ward", (code,), f"in {_names(wards).get(code, code)}")
    return Place(CITY, "ward", None, "across the city")


def _names(areas: gpd.GeoDataFrame) -> dict[str, str]:
    return dict(zip(areas[S.CODE].astype("str"), areas[S.NAME].astype("str"), strict=True))
