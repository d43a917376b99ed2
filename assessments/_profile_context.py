"""The profile's context: population, deprivation, area, and each layer's rates against the city."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely
from scipy import stats

from assessments._area import Area
from assessments._profile_events import LAYERS
from layers import schema as S
from layers.queries import area_context
from layers.store import Store

PER = 1000.0
"""Rates are per this many residents (or children) per year."""

RATE_COLUMNS: dict[str, str] = {
    "layer": "str",
    "label": "str",
    "count": "int64",
    "city_count": "int64",
    "per_1000_residents": "float64",
    "per_1000_children": "float64",
    "city_per_1000_residents": "float64",
    "city_per_1000_children": "float64",
    "per_km2": "float64",
    "city_per_km2": "float64",
    "rate_ratio": "float64",
    "ratio_basis": "str",
    "ratio_p": "float64",
}
"""Columns of ``AreaProfile.layers``: counts, yearly rates and the ratio to the city."""


@dataclass(frozen=True)
class Context:
    """Population, deprivation and size of the area and of the city.

    ``population`` and ``children`` are None where no population is loaded for the
    area (hexagon areas always: population is known by ward and LSOA only).
    """

    population: float | None
    children: float | None
    city_population: float | None
    city_children: float | None
    imd_decile: float | None
    lsoas: int
    source: str
    area_km2: float
    city_km2: float
    note: str


def context_of(store: Store, area: Area, wards: gpd.GeoDataFrame) -> Context:
    """Return the area's population, deprivation and size, and the city's (with a note)."""
    table = area_context(store, level="ward")
    source = str(table.attrs.get("source", ""))
    city_km2, area_km2 = _km2(shapely.union_all(wards.geometry.to_numpy())), _km2(area.geometry)
    mine = table[table["code"].isin(area.wards or ())]
    complete = area.wards is not None and len(mine) == len(area.wards) and len(mine) > 0
    city_complete = len(table) > 0 and set(wards[S.CODE]) <= set(table["code"])
    population = _sum(mine["population"]) if complete else None
    return Context(
        population=population,
        children=_sum(mine["children"]) if complete else None,
        city_population=_sum(table["population"]) if city_complete else None,
        city_children=_sum(table["children"]) if city_complete else None,
        imd_decile=_weighted_decile(mine) if complete else None,
        lsoas=int(mine["lsoas"].sum()) if complete else 0,
        source=source,
        area_km2=area_km2,
        city_km2=city_km2,
        note=_note(area, table, complete),
    )


def layer_rates(categories: pd.DataFrame, context: Context, months: int) -> pd.DataFrame:
    """Return each layer's count, yearly rates and rate ratio against the city.

    The ratio compares rates per resident where the area's population is known, else
    per km² (said in ``ratio_basis``); ``ratio_p`` is the exact two-sided Poisson test of
    the area's count against the count the city's rate would give it.
    """
    years = months / 12.0
    rows = []
    for layer, label in LAYERS.items():
        part = categories[categories["layer"] == layer]
        count, city = int(part["count"].sum()), int(part["city_count"].sum())
        rows.append(_rates(layer, label, count, city, context, years))
    return pd.DataFrame(rows).astype(RATE_COLUMNS)


def _rates(
    layer: str, label: str, count: int, city: int, context: Context, years: float
) -> dict[str, object]:
    residents = _per(count, context.population, years)
    children = _per(count, context.children, years)
    city_residents = _per(city, context.city_population, years)
    city_children = _per(city, context.city_children, years)
    expected = city * _share(context)
    by_people = context.population is not None and context.city_population is not None
    return {
        "layer": layer,
        "label": label,
        "count": count,
        "city_count": city,
        "per_1000_residents": residents,
        "per_1000_children": children,
        "city_per_1000_residents": city_residents,
        "city_per_1000_children": city_children,
        "per_km2": count / context.area_km2 / years if context.area_km2 > 0 else math.nan,
        "city_per_km2": city / context.city_km2 / years if context.city_km2 > 0 else math.nan,
        "rate_ratio": count / expected if expected > 0 else math.nan,
        "ratio_basis": "residents" if by_people else "km²",
        "ratio_p": _poisson_p(count, expected),
    }


def _share(context: Context) -> float:
    """Return the area's share of the city: of its residents where known, else of its km²."""
    if context.population is not None and context.city_population:
        return context.population / context.city_population
    return context.area_km2 / context.city_km2 if context.city_km2 > 0 else math.nan


def _poisson_p(observed: int, expected: float) -> float:
    """Exact two-sided Poisson p of ``observed`` against ``expected`` (twice the smaller tail)."""
    if not (expected > 0 and math.isfinite(expected)):
        return math.nan
    lower = float(stats.poisson.cdf(observed, expected))
    upper = float(stats.poisson.sf(observed - 1, expected))
    return min(1.0, 2 * min(lower, upper))


def _per(count: int, people: float | None, years: float) -> float:
    if people is None or people <= 0 or years <= 0:
        return math.nan
    return count / people * PER / years


def _sum(values: pd.Series) -> float | None:
    total = values.sum(min_count=1)
    return None if pd.isna(total) else float(total)


def _weighted_decile(rows: pd.DataFrame) -> float | None:
    deciles = rows.dropna(subset=["imd_decile"])
    if deciles.empty:
        return None
    weight = deciles["population"].fillna(1.0)
    return float((deciles["imd_decile"] * weight).sum() / weight.sum())


def _km2(shape: shapely.Geometry) -> float:
    projected = gpd.GeoSeries([shape], crs=S.CRS_STORE).to_crs(S.CRS_MEASURE)
    return float(projected.area.iloc[0]) / 1e6


def _note(area: Area, table: pd.DataFrame, complete: bool) -> str:
    if table.empty:
        return (
            "Population and deprivation are not available: no population or deprivation "
            "table is loaded (python -m layers import context FILE)."
        )
    if area.wards is None:
        return (
            "Population and deprivation are not available for hexagon areas: they are known "
            "by ward and LSOA; rates are compared with the city per km² instead."
        )
    if not complete:
        return "Population and deprivation are not loaded for every ward of this area."
    return ""
