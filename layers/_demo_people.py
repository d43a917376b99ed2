"""Demo missing episodes (found cluster planted), survey answers and interventions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layers import schema as s
from layers._demo_places import (
    FOUND,
    FOUND_RADIUS,
    INTERVENTIONS,
    SURVEY_HOT,
    SURVEY_RADIUS,
    SURVEY_SHIFT,
)
from layers._demo_sampling import (
    Period,
    Space,
    draw_dates,
    event_ids,
    from_profile,
    hex_strings,
    rounded_lonlat,
    scatter,
    start_index,
)

_MISSING_PER_MONTH = 125.0
_RESPONDENTS = 1500.0
_SURVEY = "Safer Options community survey"
SAFE_Q = "I feel safe in my area after dark"
_LIKERT = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
           "Strongly agree")  # fmt: skip
_KNIVES_Q = "Have you seen knives carried in this area?"
_GROUPS = {"young person": 0.35, "parent": 0.30, "professional": 0.20, "business": 0.15}


def missing_frame(rng: np.random.Generator, space: Space, period: Period) -> pd.DataFrame:
    """Missing episodes of children from home, some found at the planted places."""
    child = _children(rng, space, period)
    ep = {k: np.repeat(v, child["count"]) for k, v in child.items()}
    reported, years_on = _episode_times(rng, period, ep)
    x, y = scatter(rng, space, ep["x"], ep["y"], np.full(reported.size, 400.0))
    found, fx, fy = _found(rng, space, period, reported, x, y)
    lon, lat = rounded_lonlat(space, x, y)
    flon, flat = rounded_lonlat(space, fx, fy)
    o = np.argsort(reported, kind="stable")
    frame = pd.DataFrame(
        {
            s.EVENT_ID: event_ids("demo-mis-", o.size),
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


def _children(rng: np.random.Generator, space: Space, period: Period) -> dict[str, Any]:
    """Children who go missing: 70 % once, 25 % 2-5 times, 4 % 6-9, 1 % 10-20 times."""
    mean_count = 0.70 + 0.25 * 3.5 + 0.04 * 7.5 + 0.01 * 15
    n = max(1, round(_MISSING_PER_MONTH * period.scale * period.months.size / mean_count))
    group = rng.choice(4, size=n, p=[0.70, 0.25, 0.04, 0.01])
    count = rng.integers(np.array([1, 2, 6, 10])[group], np.array([2, 6, 10, 21])[group])
    x, y = from_profile(rng, space, "homes", n)
    care = rng.random(n) < np.array([0.18, 0.30, 0.50, 0.60])[group]
    age, start, ref = rng.integers(10, 18, n), rng.random(n), hex_strings(rng, n)
    return {"count": count, "x": x, "y": y, "care": care, "age": age, "t0": start, "ref": ref}


def _episode_times(
    rng: np.random.Generator, period: Period, ep: dict[str, Any]
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
    space: Space,
    period: Period,
    reported: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Found time (hours later; NaT past the period's end) and place (clustered)."""
    shares = np.array([share for _, _, share in FOUND])
    which = rng.choice(shares.size + 1, size=x.size, p=[*shares, 1.0 - shares.sum()])
    sites = np.array([space.sites[site] for site, _, _ in FOUND] + [(np.nan, np.nan)])
    near_site = which < shares.size
    cx = np.where(near_site, sites[which, 0], x)
    cy = np.where(near_site, sites[which, 1], y)
    fx, fy = scatter(rng, space, cx, cy, np.where(near_site, FOUND_RADIUS / 3, 1500.0))
    hours = np.minimum(rng.lognormal(math.log(9.0), 1.0, x.size), 24 * 14)
    found = reported + (hours * 60).astype("int64").astype("timedelta64[m]")
    lost = found >= (period.months[-1] + 1).astype("datetime64[us]")
    found[lost], fx[lost], fy[lost] = np.datetime64("NaT"), np.nan, np.nan
    return found, fx, fy


def surveys_frame(rng: np.random.Generator, space: Space, period: Period) -> pd.DataFrame:
    """Two answers per respondent in two waves; feeling less safe near the hot places."""
    n = max(1, round(_RESPONDENTS * period.scale))
    x, y = from_profile(rng, space, "survey", n)
    near = np.max([_closeness(space, site, x, y) for site in SURVEY_HOT], axis=0)
    latent = 3.4 + 0.9 * rng.normal(size=n) + SURVEY_SHIFT * near
    safe = np.clip(np.rint(latent), 1, 5).astype(int)
    knives = (rng.random(n) < 0.15 + 0.40 * near).astype(int)
    wave = np.where(
        rng.random(n) < 0.5, start_index(1 / 3, period.months.size), period.months.size - 2
    )
    month = wave + rng.integers(0, 2, n)
    date_, _ = draw_dates(rng, period, month, np.ones(n, int))
    lon, lat = rounded_lonlat(space, x, y)
    group = rng.choice(list(_GROUPS), n, p=list(_GROUPS.values()))
    both = np.repeat(np.arange(n), 2)
    is_safe = np.tile([True, False], n)
    frame = pd.DataFrame(
        {
            s.EVENT_ID: event_ids("demo-srv-", 2 * n),
            s.KIND: s.Kind.SURVEYS.value,
            s.SURVEY: _SURVEY,
            s.QUESTION: np.where(is_safe, SAFE_Q, _KNIVES_Q),
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


def _closeness(space: Space, site: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 at the site, falling off as a normal kernel with spread ``SURVEY_RADIUS``."""
    sx, sy = space.sites[site]
    return np.asarray(np.exp(-0.5 * (np.hypot(x - sx, y - sy) / SURVEY_RADIUS) ** 2))


def interventions_frame(space: Space, period: Period) -> pd.DataFrame:
    """Interventions with dates and WKT geometry placed in the period."""
    n = period.months.size
    rows = [
        {
            s.EVENT_ID: f"demo-int-{i:02d}",
            s.KIND: s.Kind.INTERVENTIONS.value,
            s.NAME: name,
            s.INTERVENTION_TYPE: kind,
            s.START_DATE: period.months[start_index(start, n)],
            s.END_DATE: None if end is None else period.months[start_index(end, n)],
            s.LEAD_AGENCY: lead,
            s.NOTES: "Demo data: made up.",
            s.GEOMETRY_WKT: _geometry_wkt(space, site, size),
        }
        for i, (name, kind, site, size, start, end, lead) in enumerate(INTERVENTIONS, start=1)
    ]
    frame = pd.DataFrame(rows)
    point = shapely.point_on_surface(shapely.from_wkt(frame[s.GEOMETRY_WKT].to_numpy()))
    frame[s.LON], frame[s.LAT] = shapely.get_x(point), shapely.get_y(point)
    return s.conform(frame, s.Kind.INTERVENTIONS)


def _geometry_wkt(space: Space, site: str, size: tuple[float, float] | None) -> str:
    """WGS84 WKT of a point at the site, or of a ``size`` (metres) rectangle centred there."""
    x, y = space.sites[site]
    dx, dy = (0.0, 0.0) if size is None else (size[0] / 2, size[1] / 2)
    geom = shapely.Point(x, y) if size is None else shapely.box(x - dx, y - dy, x + dx, y + dy)
    lonlat = shapely.transform(geom, space.to_lonlat.transform, interleaved=False)
    return str(shapely.to_wkt(lonlat, rounding_precision=6))
