"""Demo incidents (with the hotspots and the intervention effect planted) and knife injuries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layers import schema as s
from layers._demo_places import (
    ASB,
    CATEGORIES,
    DRUGS,
    EFFECT,
    EMERGING,
    PERSISTENT,
    PROFILES,
    VIOLENCE,
)
from layers._demo_sampling import (
    Period,
    Space,
    coded_labels,
    draw_dates,
    event_ids,
    extra_rows,
    from_profile,
    hex_strings,
    in_disc,
    rounded_lonlat,
)

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
_INCIDENTS_PER_MONTH = 1400.0
_KNIFE_PER_MONTH = 25.0
_LOCAL_SHARES = (0.75, 0.10, 0.15)  # month / day / datetime precision of incidents
_FORCE = "Avon and Somerset Constabulary"
_KNIFE_SETTINGS = {"street": 0.55, "home": 0.25, "school": 0.03, "licensed premises": 0.10,
                   "other": 0.07}  # fmt: skip


def incidents_frame(
    rng: np.random.Generator, space: Space, period: Period, interventions: pd.DataFrame
) -> pd.DataFrame:
    """Incidents: background, both hotspots, less the intervention's effect."""
    rows = _background_incidents(rng, space, period)
    rows = _concat(rows, _persistent_incidents(rng, space, period))
    rows = _concat(rows, _emerging_incidents(rng, space, period, rows))
    rows["lon"], rows["lat"] = rounded_lonlat(space, rows.pop("x"), rows.pop("y"))
    rows = _intervention_effect(rng, period, interventions, rows)
    order = np.lexsort((rng.random(rows["month"].size), rows["month"]))
    return _assemble_incidents(rng, period, {k: v[order] for k, v in rows.items()})


def _background_incidents(
    rng: np.random.Generator, space: Space, period: Period
) -> dict[str, np.ndarray]:
    rate = _INCIDENTS_PER_MONTH * period.scale * period.factor
    month = np.repeat(np.arange(period.months.size), rng.poisson(rate))
    shares = np.array([c[0] for c in CATEGORIES.values()])
    cat = rng.choice(shares.size, size=month.size, p=shares / shares.sum())
    profile = np.array([c[1] for c in CATEGORIES.values()])[cat]
    x, y = np.empty(month.size), np.empty(month.size)
    for name in PROFILES:
        rows = np.flatnonzero(profile == name)
        x[rows], y[rows] = from_profile(rng, space, name, rows.size)
    return {"month": month, "cat": cat, "x": x, "y": y, "flags": _flags(rng, cat)}


def _flags(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    """Knife-enabled, CCE, CSE and SYV flags drawn from each category's probabilities."""
    chance = np.array([c[2:] for c in CATEGORIES.values()])
    return np.asarray(rng.random((cat.size, 4)) < chance[cat])


def _persistent_incidents(
    rng: np.random.Generator, space: Space, period: Period
) -> dict[str, np.ndarray]:
    site, radius, extra = PERSISTENT
    mean = np.full(period.months.size, extra * period.scale)
    month, x, y = extra_rows(rng, space, site, radius, mean)
    codes = np.array([list(CATEGORIES).index(c) for c in (VIOLENCE, ASB)])
    cat = codes[(rng.random(month.size) < 0.45).astype(int)]
    return {"month": month, "cat": cat, "x": x, "y": y, "flags": _flags(rng, cat)}


def _emerging_incidents(
    rng: np.random.Generator, space: Space, period: Period, rows: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Knife-enabled violence and CCE drugs raising the site's own rate ``ratio``-fold."""
    site, radius, ratio, last = EMERGING
    n_months = period.months.size
    baseline = in_disc(space, site, radius, rows["x"], rows["y"]).sum() / n_months
    mean = np.where(np.arange(n_months) >= n_months - last, (ratio - 1.0) * baseline, 0.0)
    month, x, y = extra_rows(rng, space, site, radius, mean)
    drugs = rng.random(month.size) < 0.4
    cat = np.where(drugs, list(CATEGORIES).index(DRUGS), list(CATEGORIES).index(VIOLENCE))
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
    period: Period,
    interventions: pd.DataFrame,
    rows: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Remove the planted share of the incidents inside the intervention from its start."""
    _, _, reduction, ident, _ = EFFECT
    row = interventions.loc[interventions[s.EVENT_ID] == ident].iloc[0]
    polygon = shapely.from_wkt(row[s.GEOMETRY_WKT])
    start = np.datetime64(row[s.START_DATE], "M")
    after = period.months[rows["month"]] >= start
    inside = shapely.contains_xy(polygon, rows["lon"], rows["lat"])
    drop = after & inside & (rng.random(after.size) < reduction)
    return {k: v[~drop] for k, v in rows.items()}


def _assemble_incidents(
    rng: np.random.Generator, period: Period, rows: dict[str, np.ndarray]
) -> pd.DataFrame:
    n = rows["month"].size
    precision = rng.choice(3, size=n, p=_LOCAL_SHARES)
    date_, when = draw_dates(rng, period, rows["month"], precision)
    asb = rows["cat"] == list(CATEGORIES).index(ASB)
    outcome = np.where(asb, -1, rng.choice(len(_OUTCOMES), n, p=list(_OUTCOMES.values())))
    ref = pd.Series(np.nan, index=range(n), dtype="str")
    ref[~asb & (precision == 0)] = hex_strings(rng, int((~asb & (precision == 0)).sum()))
    frame = pd.DataFrame(
        {
            s.EVENT_ID: event_ids("demo-inc-", n),
            s.KIND: s.Kind.INCIDENTS.value,
            s.DATE: date_,
            s.DATE_PRECISION: coded_labels(precision, [p.value for p in s.DatePrecision]),
            s.DATETIME: when,
            s.LON: rows["lon"],
            s.LAT: rows["lat"],
            s.CATEGORY: coded_labels(rows["cat"], list(CATEGORIES)),
            s.SOURCE_REF: ref,
            s.OUTCOME: coded_labels(outcome, list(_OUTCOMES)),
            s.LOCATION_DESC: coded_labels(rng.integers(0, len(_STREETS), n), _STREETS),
            s.FORCE: _FORCE,
        }
        | dict(zip(s.FLAG_COLUMNS, rows["flags"].T, strict=True))
    )
    return s.conform(frame, s.Kind.INCIDENTS)


def knife_frame(rng: np.random.Generator, space: Space, period: Period) -> pd.DataFrame:
    """Knife injuries, rising at the emerging hotspot in its last months."""
    month = np.repeat(
        np.arange(period.months.size), rng.poisson(_KNIFE_PER_MONTH * period.scale * period.factor)
    )
    x, y = from_profile(rng, space, "night", month.size)
    site, radius, _, last = EMERGING
    extra = np.where(np.arange(period.months.size) >= period.months.size - last, 1.5, 0.0)
    em, ex, ey = extra_rows(rng, space, site, radius, extra * period.scale)
    month, x, y = np.concatenate([month, em]), np.concatenate([x, ex]), np.concatenate([y, ey])
    date_, _ = draw_dates(rng, period, month, np.ones(month.size, int))
    lon, lat = rounded_lonlat(space, x, y)
    o = np.argsort(date_, kind="stable")
    bands, settings = ("10-14", "15-17", "18-24", "25+"), _KNIFE_SETTINGS
    frame = pd.DataFrame(
        {
            s.EVENT_ID: event_ids("demo-knf-", o.size),
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
