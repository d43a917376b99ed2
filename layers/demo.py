"""Reproducible demo data for every layer, with planted patterns that tests and analysts can find.

Everything here is made up. Points are drawn inside the wards passed in, from a smooth
"population" surface (broad bumps over Bristol's residential areas plus a little
uniform spread) and tighter clusters (the city centre, Bedminster's high street,
Hartcliffe, Southmead, Lawrence Hill). Incident volumes follow police.uk category shares,
a summer peak and a mild city-wide rise (+3 % a year). Person references of missing
children are random 64-digit hex strings: demo pseudonyms, not hashes of anything.

Planted patterns (also returned in :attr:`DemoData.planted`, with exact parameters):

1. **persistent hotspot** (incidents, Stokes Croft, 250 m): about 60 x ``scale`` extra
   violence and anti-social behaviour incidents every month, many times the count of an
   ordinary area of that size, in every month.
2. **emerging hotspot** (incidents, Lockleaze, 250 m): the site's ordinary rate (a busy
   parade, about 9 a month at scale 1) until the last 6 months, then 6 times that rate
   (the extra rows are knife-enabled violence and drugs, flagged CCE). Knife injuries
   rise there too.
3. **intervention effect** (incidents, Bedminster, a 300 m square intervention): from
   the intervention's start month (the middle of the period) 40 % of the incidents
   inside the square are removed, while the surroundings keep their rate.
4. **missing found cluster** (missing, three places, 150 m): 35 % of episodes end with
   the child found near the bus station (15 %), Eastville Park (12 %) or a retail
   park in Hengrove (8 %).
5. **low felt safety** (surveys, Stokes Croft, 600 m): "I feel safe in my area after
   dark" scores are about one point lower within 600 m of the persistent hotspot (and
   near the emerging hotspot and the city centre); "seen knives" answers are more often
   yes there.

Measured with Getis-Ord Gi* (binary weights, first H3 ring) on cell counts at scale 1 on
the shipped demo wards: at resolution 9, pattern 1 has z about 15, pattern 2 about 8 in
the last 6 months (2 before), the Bedminster cluster of pattern 3 about 19; at
resolution 8, pattern 1 has z about 8 while pattern 2 is too small to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import schema as s
from layers._demo_events import incidents_frame, knife_frame
from layers._demo_people import SAFE_Q, interventions_frame, missing_frame, surveys_frame
from layers._demo_places import (
    ASB,
    DRUGS,
    EFFECT,
    EMERGING,
    FOUND,
    FOUND_RADIUS,
    PERSISTENT,
    SITES,
    SURVEY_HOT,
    SURVEY_RADIUS,
    SURVEY_SHIFT,
    VIOLENCE,
)
from layers._demo_sampling import Period, first_day, make_space, start_index
from layers._errors import SchemaError

_MIN_MONTHS = 12
_MAX_SCALE = 100.0


@dataclass(frozen=True)
class PlantedPattern:
    """One pattern planted in the demo data: where it is and what should be found there.

    Attributes
    ----------
    name
        "persistent hotspot", "emerging hotspot", "intervention effect",
        "missing found cluster" or "low felt safety".
    kind
        The layer it is planted in.
    lon, lat
        Centre (WGS84).
    radius_m
        Radius of the disc (metres) within which it shows; for the intervention effect,
        half the side of the intervention's square (use the intervention's geometry).
    description
        What a test or an analyst should find, in plain English.
    categories
        Categories of the rows it adds, when it adds rows.
    first_month, last_month
        First and last month (first day) in which it is active, when it is timed.
    rate_ratio
        Planned rate while active divided by the ordinary rate there (emerging hotspot).
    monthly_extra
        Planned extra rows per month inside the disc (scale already applied).
    expected_reduction
        Share of the rows inside the intervention removed from its start month.
    expected_share
        Share of missing episodes found within ``radius_m`` of this place.
    score_shift
        Planned shift of the safety score near the place (before clipping to 1-5).
    intervention_id
        ``event_id`` of the intervention the pattern belongs to.
    """

    name: str
    kind: s.Kind
    lon: float
    lat: float
    radius_m: float
    description: str
    categories: tuple[str, ...] = ()
    first_month: date | None = None
    last_month: date | None = None
    rate_ratio: float | None = None
    monthly_extra: float | None = None
    expected_reduction: float | None = None
    expected_share: float | None = None
    score_shift: float | None = None
    intervention_id: str | None = None


@dataclass(frozen=True)
class DemoData:
    """Demo frames of every layer, the patterns planted in them and the months covered.

    Attributes
    ----------
    layers
        Incidents, missing, knife, surveys and interventions, each exactly
        ``schema.conform(frame, kind)`` (no stored extras; ``lsoa_code`` missing).
    planted
        The planted patterns.
    start, end
        First day of the first and of the last month covered.
    """

    layers: dict[s.Kind, pd.DataFrame]
    planted: tuple[PlantedPattern, ...]
    start: date
    end: date


def demo_data(
    wards: gpd.GeoDataFrame,
    *,
    seed: int,
    end: date | None = None,
    months: int = 36,
    scale: float = 1.0,
) -> DemoData:
    """Generate demo frames of every layer with planted patterns, reproducibly.

    Parameters
    ----------
    wards
        Ward polygons (any CRS, normally EPSG:4326) covering Bristol; every point is
        drawn inside them. Only the geometry is used.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed, wards and arguments give
        identical frames.
    end
        Last month covered (any day of it); default the last complete month before today.
    months
        Number of months covered, counting back from ``end`` (at least 12).
    scale
        Multiplier of volumes: 1 gives about 50,000 incidents over 36 months, 20 about
        a million. Interventions do not scale.

    Returns
    -------
    DemoData
        Frames keyed by :class:`~layers.schema.Kind` (incidents, missing, knife, surveys,
        interventions) with exactly the columns and dtypes of
        :data:`~layers.schema.LAYER_COLUMNS`, lon / lat in EPSG:4326, dates never after
        the end of ``end``'s month; the planted patterns; first and last month.

    Raises
    ------
    SchemaError
        When an argument is unusable or the wards do not cover the demo's places.
    """
    last = _check_arguments(wards, seed=seed, end=end, months=months, scale=scale)
    space = make_space(wards)
    period = Period(np.datetime64(last, "M") - np.arange(months - 1, -1, -1), scale)
    rng_inc, rng_mis, rng_knf, rng_srv = np.random.default_rng(seed).spawn(4)
    interventions = interventions_frame(space, period)
    layers = {
        s.Kind.INCIDENTS: incidents_frame(rng_inc, space, period, interventions),
        s.Kind.MISSING: missing_frame(rng_mis, space, period),
        s.Kind.KNIFE: knife_frame(rng_knf, space, period),
        s.Kind.SURVEYS: surveys_frame(rng_srv, space, period),
        s.Kind.INTERVENTIONS: interventions,
    }
    return DemoData(layers, _planted(period), first_day(period.months[0]), last)


# --- checks ---------------------------------------------------------------------------


def _check_arguments(wards: Any, *, seed: Any, end: Any, months: Any, scale: Any) -> date:
    problems = _ward_problems(wards)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        problems.append(f"seed must be an integer, got {seed!r}; pass e.g. seed=1")
    if not isinstance(months, int | np.integer) or isinstance(months, bool) or months < _MIN_MONTHS:
        problems.append(f"months must be an integer >= {_MIN_MONTHS}, got {months!r}")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= _MAX_SCALE:
        problems.append(f"scale must be a number in (0, {_MAX_SCALE:g}], got {scale!r}")
    today = date.today()
    latest = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    last = latest if end is None else end
    if not isinstance(last, date):
        problems.append(f"end must be a date or None, got {end!r}")
    elif date(last.year, last.month, 1) > latest:
        problems.append(f"end must be a complete month, at most {latest:%Y-%m}, got {end}")
    if problems:
        raise SchemaError("demo_data: " + "; ".join(problems) + ".")
    return date(last.year, last.month, 1)


def _ward_problems(wards: Any) -> list[str]:
    if not isinstance(wards, gpd.GeoDataFrame):
        return [f"wards must be a GeoDataFrame of ward polygons, got {type(wards).__name__}"]
    if wards.crs is None:
        return ["wards has no CRS; set it (wards.set_crs('EPSG:4326'))"]
    polygonal = wards.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if wards.empty or not polygonal.all() or wards.geometry.is_empty.any():
        return ["wards must hold at least one non-empty (Multi)Polygon and nothing else"]
    return []


# --- planted patterns -----------------------------------------------------------------


def _planted(period: Period) -> tuple[PlantedPattern, ...]:
    months = [first_day(m) for m in period.months]
    return (
        _persistent_pattern(period.scale, months),
        _emerging_pattern(months),
        _effect_pattern(months),
        *_found_patterns(),
        _survey_pattern(),
    )


def _persistent_pattern(scale: float, months: list[date]) -> PlantedPattern:
    site, radius, extra = PERSISTENT
    return PlantedPattern(
        "persistent hotspot",
        s.Kind.INCIDENTS,
        *SITES[site],
        radius,
        f"Stokes Croft: about {extra * scale:g} extra violence and anti-social behaviour "
        f"incidents every month within {radius:g} m, several times the count of an "
        "ordinary disc of that size, in every month.",
        categories=(VIOLENCE, ASB),
        first_month=months[0],
        last_month=months[-1],
        monthly_extra=extra * scale,
    )


def _emerging_pattern(months: list[date]) -> PlantedPattern:
    site, radius, ratio, last = EMERGING
    return PlantedPattern(
        "emerging hotspot",
        s.Kind.INCIDENTS,
        *SITES[site],
        radius,
        f"Lockleaze: the ordinary rate within {radius:g} m until {months[-last - 1]:%B %Y}, "
        f"then about {ratio:g} times that rate in the last {last} months (the extra rows are "
        "knife-enabled violence and drugs flagged CCE; knife injuries rise there too).",
        categories=(VIOLENCE, DRUGS),
        first_month=months[-last],
        last_month=months[-1],
        rate_ratio=ratio,
    )


def _effect_pattern(months: list[date]) -> PlantedPattern:
    site, side, reduction, ident, start = EFFECT
    first = months[start_index(start, len(months))]
    return PlantedPattern(
        "intervention effect",
        s.Kind.INCIDENTS,
        *SITES[site],
        side / 2,
        f"Bedminster: from {first:%B %Y}, when intervention {ident} (a {side:g} m square) "
        f"starts, {reduction:.0%} of the incidents inside the square are removed; the "
        "surroundings keep their rate. Compare equal windows before and after the start.",
        first_month=first,
        expected_reduction=reduction,
        intervention_id=ident,
    )


def _found_patterns() -> list[PlantedPattern]:
    total = sum(share for _, _, share in FOUND)
    return [
        PlantedPattern(
            "missing found cluster",
            s.Kind.MISSING,
            *SITES[site],
            FOUND_RADIUS,
            f"{share:.0%} of missing episodes end with the child found within "
            f"{FOUND_RADIUS:g} m of {label} ({total:.0%} at the {len(FOUND)} places).",
            expected_share=share,
        )
        for site, label, share in FOUND
    ]


def _survey_pattern() -> PlantedPattern:
    return PlantedPattern(
        "low felt safety",
        s.Kind.SURVEYS,
        *SITES[SURVEY_HOT[0]],
        SURVEY_RADIUS,
        f'"{SAFE_Q}" scores are lower near Stokes Croft (planted shift {SURVEY_SHIFT:g} at '
        f"the centre, fading over about {SURVEY_RADIUS:g} m; also near Lockleaze and the "
        'city centre), and "seen knives" answers are more often yes.',
        score_shift=SURVEY_SHIFT,
    )
