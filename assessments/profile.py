"""Area profiles: everything known about one ward, locality, hexagon, hot spot or drawn area.

:func:`area_profile` gathers the raw figures (not yet disclosure-controlled) into an
:class:`AreaProfile`; :func:`disclosed_profile` turns one into the JSON-ready figures
that may be shown under a disclosure policy, the same figures the printed profile
(:mod:`assessments.report`) prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import h3
import pandas as pd
import shapely

from assessments import _profile_disclose
from assessments._area import Area, ParsedArea, parse_area, resolve_area
from assessments._profile_context import Context, context_of, layer_rates
from assessments._profile_events import (
    LAYERS,
    Period,
    area_cube,
    city_categories,
    period_of,
    top_locations,
)
from assessments._profile_hotspots import (
    CityHotspots,
    cells_inside,
    city_hotspots,
    hot_bins,
    hotspot_resolution,
)
from assessments._profile_places import area_interventions, survey_results
from assessments._profile_tables import (
    LayerTrend,
    category_table,
    hour_table,
    layer_trends,
    monthly_table,
    timed_table,
    weekday_table,
)
from assessments._snapshot import snapshot
from assessments.disclosure import DisclosurePolicy
from layers import schema as S
from layers._errors import SchemaError
from layers.store import Store

__all__ = ["LAYERS", "AreaProfile", "area_profile", "disclosed_profile"]

TOP_LOCATIONS = 10
"""Most location descriptions a profile lists."""


@dataclass(frozen=True)
class AreaProfile:
    """The raw figures of one area over one period (not yet disclosure-controlled).

    Pass it to :func:`disclosed_profile` (or :mod:`assessments.report`) before showing
    any figure to anyone.

    Attributes
    ----------
    area
        The area as written: ``ward:CODE``, ``locality:NAME``, ``h3:CELL``,
        ``hotspot:CELL`` or ``drawn`` (a polygon).
    kind
        ``ward``, ``locality``, ``h3``, ``hotspot`` or ``drawn``.
    name, title
        Its name ("Ashley") and heading ("Ashley ward", "Hot spot in Ashley").
    how
        How a hexagon-based area was formed, in words (empty for wards and localities).
    geometry
        The area's outline (shapely, EPSG:4326).
    wards
        Codes of the wards making up a ward or locality area, else None.
    cells, cell_resolution
        The H3 cells (hex strings) making up a hexagon, hot spot or drawn area, and
        their resolution; () and None for wards and localities.
    date_from, date_to
        First and last month covered (``YYYY-MM``).
    months
        Number of months covered.
    generated
        When the profile was made (local time).
    layers
        One row per event layer (incidents, missing, knife): columns layer, label,
        count, city_count (int64), yearly rates per_1000_residents, per_1000_children
        and the city's (float64, NaN without population), per_km2, city_per_km2,
        rate_ratio (the area's rate over the city's), ratio_basis (``residents`` or
        ``km²``), ratio_p (exact two-sided Poisson p of the area's count against the
        city's rate).
    categories
        Columns layer, category, count, city_count: every category with an event in
        the city in the period; most common in the area first within each layer.
    monthly
        Columns period (``YYYY-MM``), layer, count: every month, zeros included.
    trends
        Per layer: Mann-Kendall trend and Sen's slope over the whole period, and the
        last 12 months (shorter when the period is short) against the months before.
    context
        Population (all ages and children), IMD decile, area in km² and the city's,
        with a note when something is not available.
    hotspot_resolution, hotspot_reason
        H3 resolution of the hot spot analysis and why it was chosen.
    hexagons
        The city's hexagons (at ``hotspot_resolution``) that make up the area: h3_cell,
        a count per layer, the Gi* bin per layer (``gi_bin_incidents``... -3 to 3, NA
        where not computed) and the emerging hot spot class of police incidents
        (``pattern``, empty where not computed).
    hotspot_method
        The Gi* and emerging hot spot methods in words.
    locations
        Columns location (police.uk location description) and count: the most common
        places of the area's incidents, at most :data:`TOP_LOCATIONS`.
    described
        Incidents of the area that have a location description.
    weekdays
        Columns layer, day (``Mon``...), count: events dated to the day.
    hours
        Columns layer, hour (0-23), count: events with a time of day.
    timed
        Columns layer, events, with_day, with_time: how many events have a day and a time.
    surveys
        Columns survey, question, measure (``mean score (1-5)`` or ``share answering
        yes``), responses, value, city_responses, city_value.
    interventions
        GeoDataFrame (EPSG:4326) of the interventions inside or touching the area:
        name, intervention_type, lead_agency, start_date, end_date, status, geometry.
    nearby
        The wards around the area (code, name, geometry), to draw it in its setting.
    boundaries_approximate
        True when the wards are the shipped demo approximations.
    notes
        Every automatic choice, and every figure that could not be computed and why.
    """

    area: str
    kind: str
    name: str
    title: str
    how: str
    geometry: shapely.Geometry
    wards: tuple[str, ...] | None
    cells: tuple[str, ...]
    cell_resolution: int | None
    date_from: str
    date_to: str
    months: int
    generated: datetime
    layers: pd.DataFrame
    categories: pd.DataFrame
    monthly: pd.DataFrame
    trends: dict[str, LayerTrend]
    context: Context
    hotspot_resolution: int
    hotspot_reason: str
    hexagons: pd.DataFrame
    hotspot_method: str
    locations: pd.DataFrame
    described: int
    weekdays: pd.DataFrame
    hours: pd.DataFrame
    timed: pd.DataFrame
    surveys: pd.DataFrame
    interventions: gpd.GeoDataFrame
    nearby: gpd.GeoDataFrame
    boundaries_approximate: bool
    notes: tuple[str, ...]


def area_profile(
    store: Store,
    area: str | shapely.Geometry,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
) -> AreaProfile:
    """Gather the profile of one area over a period.

    Parameters
    ----------
    store
        The store to read (read through one connection: one consistent version).
    area
        ``ward:CODE``, ``locality:NAME``, ``h3:CELL`` (a cell of resolution 6-11, hex
        string), ``hotspot:CELL`` (the connected Gi* hot spot cells, 95% confidence or
        more, holding CELL, at its resolution) or a shapely Polygon / MultiPolygon in
        EPSG:4326 (an area someone drew; counted through the H3 cells covering it).
    date_from, date_to
        First and last month (``YYYY-MM``); None: the first / last month with data.

    Returns
    -------
    AreaProfile
        The raw figures; see the class for every field.

    Raises
    ------
    SchemaError
        When the area or a month cannot be used (every problem in one message), or a
        hot spot area's cell is not a hot spot.
    """
    with snapshot(store) as snap:
        wards = snap.boundaries(S.Level.WARD)
        parsed, period = _checked(snap, area, wards, date_from, date_to)
        fixed = int(h3.get_resolution(parsed.value)) if parsed.kind == "hotspot" else None
        resolution, reason = hotspot_resolution(snap, period, fixed)
        city = city_hotspots(snap, period, resolution, reason)
        place = resolve_area(parsed, wards, hot_bins=lambda _: hot_bins(city))
        return _assemble(snap, place, period, city, wards)


def disclosed_profile(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, Any]:
    """Return the profile's figures as they may be shown under a disclosure policy.

    Every count passes :mod:`assessments.disclosure`: the category table through
    ``protect_table`` with the layer total (secondary suppression), single counts
    through ``disclose_count``, rates through ``protect_rate`` (hidden with their
    count); location and time tables with small counts suppressed; rate ratios and
    changes are described only where the counts behind them may be shown.

    Parameters
    ----------
    profile
        From :func:`area_profile`.
    policy
        The policy in force (``assessments.disclosure.get_policy("public")``...).

    Returns
    -------
    dict
        JSON-ready (str, int, float, lists and dicts only): ``area``, ``period``,
        ``policy`` (name and statement), ``generated``, ``summary`` (sentences),
        ``layers``, ``categories``, ``chart`` (the monthly values as charted),
        ``trends``, ``hotspots``, ``locations``, ``times``, ``surveys``,
        ``interventions``, ``context``, ``sources`` and ``notes``. The printed profile
        prints exactly these figures.
    """
    return _profile_disclose.disclosed(profile, policy)


# --- private steps --------------------------------------------------------------------


def _checked(
    store: Store,
    area: object,
    wards: gpd.GeoDataFrame,
    date_from: str | None,
    date_to: str | None,
) -> tuple[ParsedArea, Period]:
    """Check the area and the months together; raise one SchemaError listing every problem."""
    problems, parsed, period = [], None, None
    try:
        parsed = parse_area(area, wards)
    except SchemaError as error:
        problems.append(str(error))
    try:
        period = period_of(store, date_from, date_to)
    except SchemaError as error:
        problems.append(str(error))
    if problems or parsed is None or period is None:
        raise SchemaError("area_profile: " + "; ".join(problems) + ".")
    return parsed, period


def _assemble(
    store: Store, area: Area, period: Period, city: CityHotspots, wards: gpd.GeoDataFrame
) -> AreaProfile:
    notes = list(city.notes)
    cubes = {layer: area_cube(store, area, period, layer) for layer in LAYERS}
    categories = category_table(cubes, city_categories(store, period))
    monthly = monthly_table(cubes, period)
    context = context_of(store, area, wards)
    locations = top_locations(store, area, period, limit=TOP_LOCATIONS)
    return AreaProfile(
        area=area.spec,
        kind=area.kind,
        name=area.name,
        title=area.title,
        how=area.how,
        geometry=area.geometry,
        wards=area.wards,
        cells=area.cells,
        cell_resolution=area.resolution,
        date_from=period.first,
        date_to=period.last,
        months=len(period.months),
        generated=datetime.now().replace(microsecond=0),
        layers=layer_rates(categories, context, len(period.months)),
        categories=categories,
        monthly=monthly,
        trends=layer_trends(monthly, notes),
        context=context,
        hotspot_resolution=city.resolution,
        hotspot_reason=city.reason,
        hexagons=cells_inside(store, area, city),
        hotspot_method=_hotspot_method(city),
        locations=locations,
        described=int(locations.attrs.get("described", 0)),
        weekdays=weekday_table(cubes),
        hours=hour_table(cubes),
        timed=timed_table(cubes),
        surveys=survey_results(store, area, period),
        interventions=area_interventions(store, area, period),
        nearby=_nearby(area, wards),
        boundaries_approximate=bool(wards.attrs.get("approximate", False)),
        notes=tuple(n for n in (*notes, context.note) if n),
    )


def _hotspot_method(city: CityHotspots) -> str:
    gi = (
        "Hot spots: Getis-Ord Gi* on the count in each hexagon and its six neighbours, "
        "against the whole city, with the false discovery rate controlled "
        "(Benjamini-Hochberg)."
    )
    if city.emerging is None:
        return gi
    step = city.emerging.attrs.get("parameters", {}).get("step", "month")
    pooled = (
        " Months were pooled into whole quarters: month by month, the counts per hexagon "
        "were too sparse."
        if step == "quarter"
        else ""
    )
    return (
        f"{gi} Emerging hot spots of police incidents: space-time Gi* {step} by {step} and "
        f"a Mann-Kendall trend of each hexagon's z-scores (ArcGIS's classes).{pooled}"
    )


def _nearby(area: Area, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = area.geometry.bounds
    pad = max(maxx - minx, maxy - miny) * 0.35 + 0.002
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    keep = shapely.intersects(wards.geometry.to_numpy(), frame)
    return wards.loc[keep, [S.CODE, S.NAME, "geometry"]].reset_index(drop=True)
