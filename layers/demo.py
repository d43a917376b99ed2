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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers import schema as s
from layers._errors import SchemaError

_SITES: dict[str, tuple[float, float]] = {
    "city centre": (-2.5880, 51.4580),
    "stokes croft": (-2.5895, 51.4635),
    "bedminster": (-2.5960, 51.4420),
    "hartcliffe": (-2.6010, 51.4130),
    "southmead": (-2.5970, 51.5010),
    "lawrence hill": (-2.5700, 51.4590),
    "lockleaze": (-2.5640, 51.4880),
    "bus station": (-2.5930, 51.4590),
    "eastville park": (-2.5600, 51.4740),
    "hengrove retail park": (-2.5880, 51.4140),
}
"""Named places (lon, lat) used by clusters, planted patterns and interventions."""

_POPULATION: tuple[tuple[float, float, float, float], ...] = (
    (-2.6150, 51.4600, 1200.0, 0.8),  # Clifton
    (-2.6010, 51.4700, 1200.0, 1.0),  # Redland, Cotham
    (-2.5900, 51.4850, 1300.0, 1.0),  # Bishopston, Horfield
    (-2.5970, 51.5010, 1200.0, 0.9),  # Southmead
    (-2.6300, 51.5000, 1500.0, 0.8),  # Henbury, Lawrence Weston
    (-2.6750, 51.4900, 1300.0, 0.4),  # Shirehampton, Avonmouth
    (-2.5300, 51.4800, 1500.0, 1.0),  # Fishponds
    (-2.5550, 51.4600, 1300.0, 1.2),  # Easton, St George
    (-2.5640, 51.4880, 1000.0, 0.6),  # Lockleaze
    (-2.6000, 51.4420, 1200.0, 1.0),  # Bedminster, Southville
    (-2.5750, 51.4250, 1300.0, 0.9),  # Knowle, Filwood
    (-2.6100, 51.4150, 1300.0, 0.9),  # Hartcliffe, Bishopsworth
    (-2.5450, 51.4350, 1300.0, 0.8),  # Brislington
    (-2.5550, 51.4100, 1300.0, 0.6),  # Stockwood, Whitchurch
)
"""Broad bumps of the population surface: lon, lat, spread (m), relative weight."""

_CLUSTERS: dict[str, float] = {
    "city centre": 450.0,
    "bedminster": 200.0,
    "hartcliffe": 500.0,
    "southmead": 450.0,
    "lawrence hill": 450.0,
    "stokes croft": 500.0,
    "lockleaze": 300.0,
}
"""Tighter clusters: site name -> spread (m)."""

_PROFILES: dict[str, dict[str, float]] = {
    "night": {"population": 0.50, "uniform": 0.05, "city centre": 0.18, "bedminster": 0.14,
              "lawrence hill": 0.06, "hartcliffe": 0.06, "southmead": 0.06, "lockleaze": 0.025},
    "retail": {"population": 0.30, "uniform": 0.03, "city centre": 0.42, "bedminster": 0.18,
               "lawrence hill": 0.03, "southmead": 0.02, "hartcliffe": 0.02},
    "residential": {"population": 0.80, "uniform": 0.10, "hartcliffe": 0.03,
                    "southmead": 0.03, "lawrence hill": 0.04},
    "drugs": {"population": 0.35, "uniform": 0.05, "city centre": 0.20, "lawrence hill": 0.15,
              "southmead": 0.10, "hartcliffe": 0.10, "bedminster": 0.05, "lockleaze": 0.05},
    "survey": {"population": 0.70, "uniform": 0.05, "stokes croft": 0.10, "lockleaze": 0.10,
               "city centre": 0.05},
    "homes": {"population": 0.60, "uniform": 0.06, "hartcliffe": 0.12, "southmead": 0.12,
              "lawrence hill": 0.10},
}  # fmt: skip
"""Where each kind of event happens: component -> weight ("population" is the surface)."""

_VIOLENCE = "Violence and sexual offences"
_ASB = "Anti-social behaviour"
_DRUGS = "Drugs"
_CATEGORIES: dict[str, tuple[float, str, float, float, float, float]] = {
    # category: share, profile, P(knife-enabled), P(CCE), P(CSE), P(SYV)
    _VIOLENCE: (0.270, "night", 0.06, 0.01, 0.01, 0.05),
    _ASB: (0.220, "night", 0.0, 0.0, 0.0, 0.0),
    "Public order": (0.110, "night", 0.0, 0.0, 0.0, 0.0),
    "Criminal damage and arson": (0.090, "residential", 0.0, 0.0, 0.0, 0.0),
    "Vehicle crime": (0.070, "residential", 0.0, 0.0, 0.0, 0.0),
    "Other theft": (0.070, "retail", 0.0, 0.0, 0.0, 0.0),
    "Burglary": (0.050, "residential", 0.0, 0.0, 0.0, 0.0),
    "Shoplifting": (0.050, "retail", 0.0, 0.0, 0.0, 0.0),
    "Bicycle theft": (0.030, "retail", 0.0, 0.0, 0.0, 0.0),
    _DRUGS: (0.020, "drugs", 0.0, 0.08, 0.0, 0.0),
    "Robbery": (0.013, "night", 0.20, 0.02, 0.0, 0.10),
    "Other crime": (0.011, "residential", 0.0, 0.0, 0.0, 0.0),
    "Theft from the person": (0.009, "retail", 0.0, 0.0, 0.0, 0.0),
    "Possession of weapons": (0.005, "drugs", 0.50, 0.05, 0.0, 0.0),
}
"""Incident categories: share, spatial profile and flag probabilities."""

_OUTCOMES: dict[str, float] = {
    "Investigation complete; no suspect identified": 0.38,
    "Unable to prosecute suspect": 0.30,
    "Under investigation": 0.08,
    "Status update unavailable": 0.06,
    "Local resolution": 0.05,
    "Awaiting court outcome": 0.04,
    "Offender given a caution": 0.03,
    "Court result unavailable": 0.03,
    "Further investigation is not in the public interest": 0.02,
    "Action to be taken by another organisation": 0.01,
}
_STREETS = tuple("On or near " + street for street in (
    "Park Street", "High Street", "Church Road", "Station Road", "Victoria Street",
    "Mill Lane", "Queens Road", "North Street", "Albert Road", "Elm Grove", "Shopping Area",
    "Parking Area", "Supermarket", "Petrol Station", "Sports/Recreation Area", "Nightclub",
))  # fmt: skip
_HOURS = np.array([3, 2, 2, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 7, 7, 7, 7, 7, 7, 6, 5], float)
"""Relative frequency of each hour of the day for events with a time."""

_INCIDENTS_PER_MONTH = 1400.0
_KNIFE_PER_MONTH = 25.0
_MISSING_PER_MONTH = 125.0
_RESPONDENTS = 1500.0
_LOCAL_SHARES = (0.75, 0.10, 0.15)  # month / day / datetime precision of incidents
_FORCE = "Avon and Somerset Constabulary"
_MIN_MONTHS = 12
_MAX_SCALE = 100.0
_MAX_ROUNDS = 1000

_PERSISTENT = ("stokes croft", 250.0, 60.0)  # site, radius (m), extra per month at scale 1
_EMERGING = ("lockleaze", 250.0, 6.0, 6)  # site, radius (m), rate ratio, last months
_EFFECT = ("bedminster", 300.0, 0.4, "demo-int-02", 0.5)  # site, side m, reduction, id, start
_FOUND = (
    ("bus station", "the bus station", 0.15),
    ("eastville park", "Eastville Park", 0.12),
    ("hengrove retail park", "the Hengrove retail park", 0.08),
)
_FOUND_RADIUS = 150.0
_SURVEY_HOT = ("stokes croft", "lockleaze", "city centre")
_SURVEY_RADIUS = 600.0
_SURVEY_SHIFT = -1.2

_KNIFE_SETTINGS = {"street": 0.55, "home": 0.25, "school": 0.03, "licensed premises": 0.10,
                   "other": 0.07}  # fmt: skip
_SURVEY = "Safer Options community survey"
_SAFE_Q = "I feel safe in my area after dark"
_LIKERT = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
           "Strongly agree")  # fmt: skip
_KNIVES_Q = "Have you seen knives carried in this area?"
_GROUPS = {"young person": 0.35, "parent": 0.30, "professional": 0.20, "business": 0.15}

_Size = tuple[float, float] | None
_INTERVENTIONS: tuple[tuple[str, str, str, _Size, float, float | None, str], ...] = (
    # name, type, site, rectangle size (m) or None for a point, start, end (share of the
    # period from its first month), lead agency
    ("Stokes Croft CCTV upgrade", "CCTV", "stokes croft", None, 0.15, None,
     "Avon and Somerset Police"),
    ("Bedminster high street lighting and green redesign", "environmental redesign",
     "bedminster", (_EFFECT[1], _EFFECT[1]), _EFFECT[4], None, "Bristol City Council"),
    ("Lockleaze detached youth work", "detached youth work", "lockleaze", None, 0.92, None,
     "Safer Options"),
    ("Broadmead safe space hub", "safe space", "city centre", None, 0.05, None,
     "Community youth partner"),
    ("Hartcliffe park redesign", "environmental redesign", "hartcliffe", (220.0, 180.0),
     0.12, 0.45, "Bristol City Council"),
    ("Southmead detached youth work", "detached youth work", "southmead", None, 0.03, 0.4,
     "Community youth partner"),
    ("Lawrence Hill street lighting", "street lighting", "lawrence hill", (250.0, 150.0),
     0.3, None, "Bristol City Council"),
    ("Bus station safeguarding patrols", "safeguarding patrols", "bus station", None, 0.22,
     0.6, "Avon and Somerset Police"),
)  # fmt: skip


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


@dataclass(frozen=True)
class _Space:
    area: shapely.Geometry  # union of the wards, EPSG:4326, prepared
    bounds: tuple[float, ...]  # of the wards, EPSG:27700
    to_lonlat: Transformer
    sites: dict[str, tuple[float, float]]  # EPSG:27700
    population: np.ndarray  # _POPULATION with x, y in EPSG:27700


@dataclass(frozen=True)
class _Period:
    months: np.ndarray  # datetime64[M], oldest first
    scale: float

    @property
    def factor(self) -> np.ndarray:
        """Seasonal (July peak) times trend (+3 % a year) multiplier of each month."""
        moy = (self.months.astype(int) % 12) + 1
        season = 1.0 + 0.15 * np.cos(2 * np.pi * (moy - 7) / 12)
        return np.asarray(season * 1.03 ** (np.arange(self.months.size) / 12))


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
    space = _space(wards)
    period = _Period(np.datetime64(last, "M") - np.arange(months - 1, -1, -1), scale)
    rng_inc, rng_mis, rng_knf, rng_srv = np.random.default_rng(seed).spawn(4)
    interventions = _interventions(space, period)
    layers = {
        s.Kind.INCIDENTS: _incidents(rng_inc, space, period, interventions),
        s.Kind.MISSING: _missing(rng_mis, space, period),
        s.Kind.KNIFE: _knife(rng_knf, space, period),
        s.Kind.SURVEYS: _surveys(rng_srv, space, period),
        s.Kind.INTERVENTIONS: interventions,
    }
    return DemoData(layers, _planted(period), _first_day(period.months[0]), last)


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


def _space(wards: gpd.GeoDataFrame) -> _Space:
    area = wards.to_crs(s.CRS_STORE).geometry.make_valid().union_all()
    shapely.prepare(area)
    lon, lat = np.array(list(_SITES.values())).T
    outside = [
        name for name, ok in zip(_SITES, shapely.contains_xy(area, lon, lat), strict=True) if not ok
    ]
    if outside:
        raise SchemaError(
            f"wards: the demo's places {outside} lie outside the wards passed in; the demo "
            "is set in Bristol: pass Bristol wards (layers.boundaries.demo_wards())."
        )
    to_metres = Transformer.from_crs(s.CRS_STORE, s.CRS_MEASURE, always_xy=True)
    x, y = to_metres.transform(lon, lat)
    pop = np.array(_POPULATION)
    pop[:, 0], pop[:, 1] = to_metres.transform(pop[:, 0], pop[:, 1])
    return _Space(
        area=area,
        bounds=tuple(wards.to_crs(s.CRS_MEASURE).total_bounds),
        to_lonlat=Transformer.from_crs(s.CRS_MEASURE, s.CRS_STORE, always_xy=True),
        sites={n: (float(xi), float(yi)) for n, xi, yi in zip(_SITES, x, y, strict=True)},
        population=pop,
    )


# --- space ----------------------------------------------------------------------------


def _components(space: _Space, profile: str) -> tuple[np.ndarray, ...]:
    """Centres x, y, spreads and weights of a profile's mixture (inf spread: uniform)."""
    rows: list[np.ndarray] = []
    for name, weight in _PROFILES[profile].items():
        if name == "population":
            pop = space.population.copy()
            pop[:, 3] *= weight / pop[:, 3].sum()
            rows.extend(pop)
        elif name == "uniform":
            rows.append(np.array([0.0, 0.0, math.inf, weight]))
        else:
            rows.append(np.array([*space.sites[name], _CLUSTERS[name], weight]))
    table = np.array(rows)
    return table[:, 0], table[:, 1], table[:, 2], table[:, 3] / table[:, 3].sum()


def _from_profile(
    rng: np.random.Generator, space: _Space, profile: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points (EPSG:27700) from a profile's mixture, inside the wards."""
    cx, cy, spread, weight = _components(space, profile)
    pick = rng.choice(weight.size, size=n, p=weight)
    return _scatter(rng, space, cx[pick], cy[pick], spread[pick])


def _scatter(
    rng: np.random.Generator, space: _Space, cx: np.ndarray, cy: np.ndarray, spread: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one point (EPSG:27700) per centre, normal with the given spread, inside the wards.

    Points are redrawn until their rounded WGS84 position lies in a ward; after 50 rounds
    a point is drawn anywhere in the wards instead.
    """
    x, y = np.empty(cx.size), np.empty(cx.size)
    todo, spread = np.arange(cx.size), np.asarray(spread, dtype=float).copy()
    for round_ in range(_MAX_ROUNDS):
        if todo.size == 0:
            return x, y
        if round_ == 50:  # far from any ward: fall back to anywhere in the wards
            spread[todo] = math.inf
        uniform = ~np.isfinite(spread[todo])
        step = np.where(uniform, 0.0, spread[todo])
        px = cx[todo] + rng.normal(size=todo.size) * step
        py = cy[todo] + rng.normal(size=todo.size) * step
        minx, miny, maxx, maxy = space.bounds
        px[uniform] = rng.uniform(minx, maxx, uniform.sum())
        py[uniform] = rng.uniform(miny, maxy, uniform.sum())
        inside = shapely.contains_xy(space.area, *_lonlat(space, px, py))
        x[todo[inside]], y[todo[inside]] = px[inside], py[inside]
        todo = todo[~inside]
    raise SchemaError("wards: the ward polygons cover too little of their extent to sample.")


def _near(
    rng: np.random.Generator, space: _Space, site: str, spread: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    x, y = space.sites[site]
    return _scatter(rng, space, np.full(n, x), np.full(n, y), np.full(n, spread))


def _lonlat(space: _Space, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = space.to_lonlat.transform(x, y)
    return np.round(np.asarray(lon, float), 6), np.round(np.asarray(lat, float), 6)


def _in_disc(space: _Space, site: str, radius: float, x: np.ndarray, y: np.ndarray) -> Any:
    sx, sy = space.sites[site]
    return np.hypot(x - sx, y - sy) <= radius


def _extras(
    rng: np.random.Generator, space: _Space, site: str, radius: float, mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows added around a site: month index, x, y; ``mean`` rows a month inside ``radius``."""
    inside_share = 1.0 - math.exp(-2.0)  # of a normal with spread radius / 2
    month = np.repeat(np.arange(mean.size), rng.poisson(mean / inside_share))
    x, y = _near(rng, space, site, radius / 2.0, month.size)
    return month, x, y


# --- time -----------------------------------------------------------------------------


def _first_day(month: np.datetime64) -> date:
    return date.fromisoformat(str(month.astype("datetime64[D]")))


def _start_index(fraction: float, n_months: int) -> int:
    return min(n_months - 1, int(fraction * n_months))


def _dates(
    rng: np.random.Generator, period: _Period, month: np.ndarray, precision: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Date and time of each row: 0 month precision, 1 day, 2 datetime (evening-heavy)."""
    first = period.months[month].astype("datetime64[D]")
    length = ((period.months[month] + 1).astype("datetime64[D]") - first).astype(int)
    day = first + (rng.random(month.size) * length).astype("timedelta64[D]")
    minute = rng.choice(24, size=month.size, p=_HOURS / _HOURS.sum()) * 60
    stamp = day.astype("datetime64[m]") + (minute + rng.integers(0, 60, month.size))
    date_ = np.where(precision == 0, first, day).astype("datetime64[us]")
    when = np.where(precision == 2, stamp, np.datetime64("NaT")).astype("datetime64[us]")
    return date_, when


# --- layers ---------------------------------------------------------------------------


def _incidents(
    rng: np.random.Generator, space: _Space, period: _Period, interventions: pd.DataFrame
) -> pd.DataFrame:
    rows = _background_incidents(rng, space, period)
    rows = _concat(rows, _persistent_incidents(rng, space, period))
    rows = _concat(rows, _emerging_incidents(rng, space, period, rows))
    rows["lon"], rows["lat"] = _lonlat(space, rows.pop("x"), rows.pop("y"))
    rows = _intervention_effect(rng, period, interventions, rows)
    order = np.lexsort((rng.random(rows["month"].size), rows["month"]))
    return _incident_frame(rng, period, {k: v[order] for k, v in rows.items()})


def _background_incidents(
    rng: np.random.Generator, space: _Space, period: _Period
) -> dict[str, np.ndarray]:
    rate = _INCIDENTS_PER_MONTH * period.scale * period.factor
    month = np.repeat(np.arange(period.months.size), rng.poisson(rate))
    shares = np.array([c[0] for c in _CATEGORIES.values()])
    cat = rng.choice(shares.size, size=month.size, p=shares / shares.sum())
    profile = np.array([c[1] for c in _CATEGORIES.values()])[cat]
    x, y = np.empty(month.size), np.empty(month.size)
    for name in _PROFILES:
        rows = np.flatnonzero(profile == name)
        x[rows], y[rows] = _from_profile(rng, space, name, rows.size)
    return {"month": month, "cat": cat, "x": x, "y": y, "flags": _flags(rng, cat)}


def _flags(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    """Knife-enabled, CCE, CSE and SYV flags drawn from each category's probabilities."""
    chance = np.array([c[2:] for c in _CATEGORIES.values()])
    return np.asarray(rng.random((cat.size, 4)) < chance[cat])


def _persistent_incidents(
    rng: np.random.Generator, space: _Space, period: _Period
) -> dict[str, np.ndarray]:
    site, radius, extra = _PERSISTENT
    mean = np.full(period.months.size, extra * period.scale)
    month, x, y = _extras(rng, space, site, radius, mean)
    codes = np.array([list(_CATEGORIES).index(c) for c in (_VIOLENCE, _ASB)])
    cat = codes[(rng.random(month.size) < 0.45).astype(int)]
    return {"month": month, "cat": cat, "x": x, "y": y, "flags": _flags(rng, cat)}


def _emerging_incidents(
    rng: np.random.Generator, space: _Space, period: _Period, rows: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Knife-enabled violence and CCE drugs raising the site's own rate ``ratio``-fold."""
    site, radius, ratio, last = _EMERGING
    n_months = period.months.size
    baseline = _in_disc(space, site, radius, rows["x"], rows["y"]).sum() / n_months
    mean = np.where(np.arange(n_months) >= n_months - last, (ratio - 1.0) * baseline, 0.0)
    month, x, y = _extras(rng, space, site, radius, mean)
    drugs = rng.random(month.size) < 0.4
    cat = np.where(drugs, list(_CATEGORIES).index(_DRUGS), list(_CATEGORIES).index(_VIOLENCE))
    flags = np.column_stack(
        [
            ~drugs,
            drugs | (rng.random(month.size) < 0.5),
            np.zeros(month.size, bool),
            ~drugs & (rng.random(month.size) < 0.3),
        ]
    )
    return {"month": month, "cat": cat, "x": x, "y": y, "flags": flags}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _intervention_effect(
    rng: np.random.Generator,
    period: _Period,
    interventions: pd.DataFrame,
    rows: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Remove the planted share of the incidents inside the intervention from its start."""
    _, _, reduction, ident, _ = _EFFECT
    row = interventions.loc[interventions[s.EVENT_ID] == ident].iloc[0]
    polygon = shapely.from_wkt(row[s.GEOMETRY_WKT])
    start = np.datetime64(row[s.START_DATE], "M")
    after = period.months[rows["month"]] >= start
    inside = shapely.contains_xy(polygon, rows["lon"], rows["lat"])
    drop = after & inside & (rng.random(after.size) < reduction)
    return {k: v[~drop] for k, v in rows.items()}


def _incident_frame(
    rng: np.random.Generator, period: _Period, rows: dict[str, np.ndarray]
) -> pd.DataFrame:
    n = rows["month"].size
    precision = rng.choice(3, size=n, p=_LOCAL_SHARES)
    date_, when = _dates(rng, period, rows["month"], precision)
    asb = rows["cat"] == list(_CATEGORIES).index(_ASB)
    outcome = np.where(asb, -1, rng.choice(len(_OUTCOMES), n, p=list(_OUTCOMES.values())))
    ref = pd.Series(np.nan, index=range(n), dtype="str")
    ref[~asb & (precision == 0)] = _hex_strings(rng, int((~asb & (precision == 0)).sum()))
    frame = pd.DataFrame(
        {
            s.EVENT_ID: _ids("demo-inc-", n),
            s.KIND: s.Kind.INCIDENTS.value,
            s.DATE: date_,
            s.DATE_PRECISION: _labels(precision, [p.value for p in s.DatePrecision]),
            s.DATETIME: when,
            s.LON: rows["lon"],
            s.LAT: rows["lat"],
            s.CATEGORY: _labels(rows["cat"], list(_CATEGORIES)),
            s.SOURCE_REF: ref,
            s.OUTCOME: _labels(outcome, list(_OUTCOMES)),
            s.LOCATION_DESC: _labels(rng.integers(0, len(_STREETS), n), _STREETS),
            s.FORCE: _FORCE,
        }
        | dict(zip(s.FLAG_COLUMNS, rows["flags"].T, strict=True))
    )
    return s.conform(frame, s.Kind.INCIDENTS)


def _labels(codes: np.ndarray, labels: Sequence[str]) -> pd.Categorical:
    """Strings by code (-1: missing), held compactly until the schema casts them."""
    return pd.Categorical.from_codes(codes, categories=list(labels))


def _ids(prefix: str, n: int) -> pd.Series:
    return prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(6)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random 64-digit lower-case hex strings, vectorised."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 15]
    return chars.view("S64").ravel().astype("U64")


def _missing(rng: np.random.Generator, space: _Space, period: _Period) -> pd.DataFrame:
    child = _children(rng, space, period)
    ep = {k: np.repeat(v, child["count"]) for k, v in child.items()}
    reported, years_on = _episode_times(rng, period, ep)
    x, y = _scatter(rng, space, ep["x"], ep["y"], np.full(reported.size, 400.0))
    found, fx, fy = _found(rng, space, period, reported, x, y)
    lon, lat = _lonlat(space, x, y)
    flon, flat = _lonlat(space, fx, fy)
    o = np.argsort(reported, kind="stable")
    frame = pd.DataFrame(
        {
            s.EVENT_ID: _ids("demo-mis-", o.size),
            s.KIND: s.Kind.MISSING.value,
            s.DATE: reported[o].astype("datetime64[D]"),
            s.DATE_PRECISION: s.DatePrecision.DATETIME.value,
            s.DATETIME: reported[o],
            s.LON: lon[o],
            s.LAT: lat[o],
            s.CATEGORY: np.array(s.MISSING_CATEGORIES)[ep["care"][o].astype(int)],
            s.PERSON_REF: ep["ref"][o],
            s.FOUND_DATETIME: found[o],
            s.FOUND_LON: flon[o],
            s.FOUND_LAT: flat[o],
            s.LOCATION_BASIS: "last seen",
            s.AGE: np.minimum(17, ep["age"] + years_on)[o],
            s.IN_CARE: ep["care"][o],
            s.RETURN_INTERVIEW: ~np.isnat(found[o]) & (rng.random(o.size) < 0.65),
        }
    )
    return s.conform(frame, s.Kind.MISSING)


def _children(rng: np.random.Generator, space: _Space, period: _Period) -> dict[str, Any]:
    """Children who go missing: 70 % once, 25 % 2-5 times, 4 % 6-9, 1 % 10-20 times."""
    mean_count = 0.70 + 0.25 * 3.5 + 0.04 * 7.5 + 0.01 * 15
    n = max(1, round(_MISSING_PER_MONTH * period.scale * period.months.size / mean_count))
    group = rng.choice(4, size=n, p=[0.70, 0.25, 0.04, 0.01])
    count = rng.integers(np.array([1, 2, 6, 10])[group], np.array([2, 6, 10, 21])[group])
    x, y = _from_profile(rng, space, "homes", n)
    care = rng.random(n) < np.array([0.18, 0.30, 0.50, 0.60])[group]
    age, start, ref = rng.integers(10, 18, n), rng.random(n), _hex_strings(rng, n)
    return {"count": count, "x": x, "y": y, "care": care, "age": age, "t0": start, "ref": ref}


def _episode_times(
    rng: np.random.Generator, period: _Period, ep: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Return each episode's reported time and the whole years since the child's first.

    A child's episodes fall in a window of 45 days per episode (at most the period).
    """
    origin = period.months[0].astype("datetime64[m]")
    span = float(((period.months[-1] + 1).astype("datetime64[m]") - origin).astype(int))
    window = np.minimum(span, ep["count"] * 45.0 * 1440)
    first = ep["t0"] * (span - window)
    offset = first + rng.random(window.size) * window
    reported = origin + offset.astype("int64").astype("timedelta64[m]")
    return reported.astype("datetime64[us]"), ((offset - first) / 525960).astype(int)


def _found(
    rng: np.random.Generator,
    space: _Space,
    period: _Period,
    reported: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Found time (hours later; NaT past the period's end) and place (clustered)."""
    shares = np.array([share for _, _, share in _FOUND])
    which = rng.choice(shares.size + 1, size=x.size, p=[*shares, 1.0 - shares.sum()])
    sites = np.array([space.sites[site] for site, _, _ in _FOUND] + [(np.nan, np.nan)])
    near_site = which < shares.size
    cx = np.where(near_site, sites[which, 0], x)
    cy = np.where(near_site, sites[which, 1], y)
    fx, fy = _scatter(rng, space, cx, cy, np.where(near_site, _FOUND_RADIUS / 3, 1500.0))
    hours = np.minimum(rng.lognormal(math.log(9.0), 1.0, x.size), 24 * 14)
    found = reported + (hours * 60).astype("int64").astype("timedelta64[m]")
    lost = found >= (period.months[-1] + 1).astype("datetime64[us]")
    found[lost], fx[lost], fy[lost] = np.datetime64("NaT"), np.nan, np.nan
    return found, fx, fy


def _knife(rng: np.random.Generator, space: _Space, period: _Period) -> pd.DataFrame:
    month = np.repeat(
        np.arange(period.months.size), rng.poisson(_KNIFE_PER_MONTH * period.scale * period.factor)
    )
    x, y = _from_profile(rng, space, "night", month.size)
    site, radius, _, last = _EMERGING
    extra = np.where(np.arange(period.months.size) >= period.months.size - last, 1.5, 0.0)
    em, ex, ey = _extras(rng, space, site, radius, extra * period.scale)
    month, x, y = np.concatenate([month, em]), np.concatenate([x, ex]), np.concatenate([y, ey])
    date_, _ = _dates(rng, period, month, np.ones(month.size, int))
    lon, lat = _lonlat(space, x, y)
    o = np.argsort(date_, kind="stable")
    bands, settings = ("10-14", "15-17", "18-24", "25+"), _KNIFE_SETTINGS
    frame = pd.DataFrame(
        {
            s.EVENT_ID: _ids("demo-knf-", o.size),
            s.KIND: s.Kind.KNIFE.value,
            s.DATE: date_[o],
            s.DATE_PRECISION: s.DatePrecision.DAY.value,
            s.LON: lon[o],
            s.LAT: lat[o],
            s.CATEGORY: s.KNIFE_CATEGORIES[0],
            s.AGE_BAND: rng.choice(bands, o.size, p=[0.08, 0.17, 0.35, 0.40]),
            s.SETTING: rng.choice(list(settings), o.size, p=list(settings.values())),
        }
    )
    return s.conform(frame, s.Kind.KNIFE)


def _surveys(rng: np.random.Generator, space: _Space, period: _Period) -> pd.DataFrame:
    n = max(1, round(_RESPONDENTS * period.scale))
    x, y = _from_profile(rng, space, "survey", n)
    near = np.max([_closeness(space, site, x, y) for site in _SURVEY_HOT], axis=0)
    latent = 3.4 + 0.9 * rng.normal(size=n) + _SURVEY_SHIFT * near
    safe = np.clip(np.rint(latent), 1, 5).astype(int)
    knives = (rng.random(n) < 0.15 + 0.40 * near).astype(int)
    wave = np.where(
        rng.random(n) < 0.5, _start_index(1 / 3, period.months.size), period.months.size - 2
    )
    month = wave + rng.integers(0, 2, n)
    date_, _ = _dates(rng, period, month, np.ones(n, int))
    lon, lat = _lonlat(space, x, y)
    group = rng.choice(list(_GROUPS), n, p=list(_GROUPS.values()))
    both = np.repeat(np.arange(n), 2)
    is_safe = np.tile([True, False], n)
    frame = pd.DataFrame(
        {
            s.EVENT_ID: _ids("demo-srv-", 2 * n),
            s.KIND: s.Kind.SURVEYS.value,
            s.SURVEY: _SURVEY,
            s.QUESTION: np.where(is_safe, _SAFE_Q, _KNIVES_Q),
            s.ANSWER: np.where(
                is_safe, np.array(_LIKERT)[safe[both] - 1], np.array(["No", "Yes"])[knives[both]]
            ),
            s.SCORE: np.where(is_safe, safe[both], knives[both]).astype(float),
            s.DATE: date_[both],
            s.DATE_PRECISION: s.DatePrecision.DAY.value,
            s.LON: lon[both],
            s.LAT: lat[both],
            s.RESPONDENT_GROUP: group[both],
        }
    )
    return s.conform(frame, s.Kind.SURVEYS)


def _closeness(space: _Space, site: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 at the site, falling off as a normal kernel with spread ``_SURVEY_RADIUS``."""
    sx, sy = space.sites[site]
    return np.asarray(np.exp(-0.5 * (np.hypot(x - sx, y - sy) / _SURVEY_RADIUS) ** 2))


def _interventions(space: _Space, period: _Period) -> pd.DataFrame:
    n = period.months.size
    rows = [
        {
            s.EVENT_ID: f"demo-int-{i:02d}",
            s.KIND: s.Kind.INTERVENTIONS.value,
            s.NAME: name,
            s.INTERVENTION_TYPE: kind,
            s.START_DATE: period.months[_start_index(start, n)],
            s.END_DATE: None if end is None else period.months[_start_index(end, n)],
            s.LEAD_AGENCY: lead,
            s.NOTES: "Demo data: made up.",
            s.GEOMETRY_WKT: _geometry_wkt(space, site, size),
        }
        for i, (name, kind, site, size, start, end, lead) in enumerate(_INTERVENTIONS, start=1)
    ]
    frame = pd.DataFrame(rows)
    point = shapely.point_on_surface(shapely.from_wkt(frame[s.GEOMETRY_WKT].to_numpy()))
    frame[s.LON], frame[s.LAT] = shapely.get_x(point), shapely.get_y(point)
    return s.conform(frame, s.Kind.INTERVENTIONS)


def _geometry_wkt(space: _Space, site: str, size: tuple[float, float] | None) -> str:
    """WGS84 WKT of a point at the site, or of a ``size`` (metres) rectangle centred there."""
    x, y = space.sites[site]
    dx, dy = (0.0, 0.0) if size is None else (size[0] / 2, size[1] / 2)
    geom = shapely.Point(x, y) if size is None else shapely.box(x - dx, y - dy, x + dx, y + dy)
    lonlat = shapely.transform(geom, space.to_lonlat.transform, interleaved=False)
    return str(shapely.to_wkt(lonlat, rounding_precision=6))


def _planted(period: _Period) -> tuple[PlantedPattern, ...]:
    months = [_first_day(m) for m in period.months]
    return (
        _persistent_pattern(period.scale, months),
        _emerging_pattern(months),
        _effect_pattern(months),
        *_found_patterns(),
        _survey_pattern(),
    )


def _persistent_pattern(scale: float, months: list[date]) -> PlantedPattern:
    site, radius, extra = _PERSISTENT
    return PlantedPattern(
        "persistent hotspot",
        s.Kind.INCIDENTS,
        *_SITES[site],
        radius,
        f"Stokes Croft: about {extra * scale:g} extra violence and anti-social behaviour "
        f"incidents every month within {radius:g} m, several times the count of an "
        "ordinary disc of that size, in every month.",
        categories=(_VIOLENCE, _ASB),
        first_month=months[0],
        last_month=months[-1],
        monthly_extra=extra * scale,
    )


def _emerging_pattern(months: list[date]) -> PlantedPattern:
    site, radius, ratio, last = _EMERGING
    return PlantedPattern(
        "emerging hotspot",
        s.Kind.INCIDENTS,
        *_SITES[site],
        radius,
        f"Lockleaze: the ordinary rate within {radius:g} m until {months[-last - 1]:%B %Y}, "
        f"then about {ratio:g} times that rate in the last {last} months (the extra rows are "
        "knife-enabled violence and drugs flagged CCE; knife injuries rise there too).",
        categories=(_VIOLENCE, _DRUGS),
        first_month=months[-last],
        last_month=months[-1],
        rate_ratio=ratio,
    )


def _effect_pattern(months: list[date]) -> PlantedPattern:
    site, side, reduction, ident, start = _EFFECT
    first = months[_start_index(start, len(months))]
    return PlantedPattern(
        "intervention effect",
        s.Kind.INCIDENTS,
        *_SITES[site],
        side / 2,
        f"Bedminster: from {first:%B %Y}, when intervention {ident} (a {side:g} m square) "
        f"starts, {reduction:.0%} of the incidents inside the square are removed; the "
        "surroundings keep their rate. Compare equal windows before and after the start.",
        first_month=first,
        expected_reduction=reduction,
        intervention_id=ident,
    )


def _found_patterns() -> list[PlantedPattern]:
    total = sum(share for _, _, share in _FOUND)
    return [
        PlantedPattern(
            "missing found cluster",
            s.Kind.MISSING,
            *_SITES[site],
            _FOUND_RADIUS,
            f"{share:.0%} of missing episodes end with the child found within "
            f"{_FOUND_RADIUS:g} m of {label} ({total:.0%} at the {len(_FOUND)} places).",
            expected_share=share,
        )
        for site, label, share in _FOUND
    ]


def _survey_pattern() -> PlantedPattern:
    return PlantedPattern(
        "low felt safety",
        s.Kind.SURVEYS,
        *_SITES[_SURVEY_HOT[0]],
        _SURVEY_RADIUS,
        f'"{_SAFE_Q}" scores are lower near Stokes Croft (planted shift {_SURVEY_SHIFT:g} at '
        f"the centre, fading over about {_SURVEY_RADIUS:g} m; also near Lockleaze and the "
        'city centre), and "seen knives" answers are more often yes.',
        score_shift=_SURVEY_SHIFT,
    )
