"""Random draws of the demo in space (inside the wards) and time, and frame helpers."""

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
from layers._demo_places import CLUSTERS, POPULATION, PROFILES, SITES
from layers._errors import SchemaError

_HOURS = np.array([3, 2, 2, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 7, 7, 7, 7, 7, 7, 6, 5], float)
"""Relative frequency of each hour of the day for events with a time."""

_MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Space:
    """The wards and the demo's places, ready for sampling."""

    area: shapely.Geometry  # union of the wards, EPSG:4326, prepared
    bounds: tuple[float, ...]  # of the wards, EPSG:27700
    to_lonlat: Transformer
    sites: dict[str, tuple[float, float]]  # EPSG:27700
    population: np.ndarray  # POPULATION with x, y in EPSG:27700


@dataclass(frozen=True)
class Period:
    """The months covered and the volume multiplier."""

    months: np.ndarray  # datetime64[M], oldest first
    scale: float

    @property
    def factor(self) -> np.ndarray:
        """Seasonal (July peak) times trend (+3 % a year) multiplier of each month."""
        moy = (self.months.astype(int) % 12) + 1
        season = 1.0 + 0.15 * np.cos(2 * np.pi * (moy - 7) / 12)
        return np.asarray(season * 1.03 ** (np.arange(self.months.size) / 12))


def make_space(wards: gpd.GeoDataFrame) -> Space:
    """Prepare the wards for sampling; refuse wards that miss the demo's places."""
    area = wards.to_crs(s.CRS_STORE).geometry.make_valid().union_all()
    shapely.prepare(area)
    lon, lat = np.array(list(SITES.values())).T
    outside = [
        name for name, ok in zip(SITES, shapely.contains_xy(area, lon, lat), strict=True) if not ok
    ]
    if outside:
        raise SchemaError(
            f"wards: the demo's places {outside} lie outside the wards passed in; the demo "
            "is set in Bristol: pass Bristol wards (layers.boundaries.demo_wards())."
        )
    to_metres = Transformer.from_crs(s.CRS_STORE, s.CRS_MEASURE, always_xy=True)
    x, y = to_metres.transform(lon, lat)
    pop = np.array(POPULATION)
    pop[:, 0], pop[:, 1] = to_metres.transform(pop[:, 0], pop[:, 1])
    return Space(
        area=area,
        bounds=tuple(wards.to_crs(s.CRS_MEASURE).total_bounds),
        to_lonlat=Transformer.from_crs(s.CRS_MEASURE, s.CRS_STORE, always_xy=True),
        sites={n: (float(xi), float(yi)) for n, xi, yi in zip(SITES, x, y, strict=True)},
        population=pop,
    )


def _components(space: Space, profile: str) -> tuple[np.ndarray, ...]:
    """Centres x, y, spreads and weights of a profile's mixture (inf spread: uniform)."""
    rows: list[np.ndarray] = []
    for name, weight in PROFILES[profile].items():
        if name == "population":
            pop = space.population.copy()
            pop[:, 3] *= weight / pop[:, 3].sum()
            rows.extend(pop)
        elif name == "uniform":
            rows.append(np.array([0.0, 0.0, math.inf, weight]))
        else:
            rows.append(np.array([*space.sites[name], CLUSTERS[name], weight]))
    table = np.array(rows)
    return table[:, 0], table[:, 1], table[:, 2], table[:, 3] / table[:, 3].sum()


def from_profile(
    rng: np.random.Generator, space: Space, profile: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points (EPSG:27700) from a profile's mixture, inside the wards."""
    cx, cy, spread, weight = _components(space, profile)
    pick = rng.choice(weight.size, size=n, p=weight)
    return scatter(rng, space, cx[pick], cy[pick], spread[pick])


def scatter(
    rng: np.random.Generator, space: Space, cx: np.ndarray, cy: np.ndarray, spread: np.ndarray
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
        inside = shapely.contains_xy(space.area, *rounded_lonlat(space, px, py))
        x[todo[inside]], y[todo[inside]] = px[inside], py[inside]
        todo = todo[~inside]
    raise SchemaError("wards: the ward polygons cover too little of their extent to sample.")


def _near(
    rng: np.random.Generator, space: Space, site: str, spread: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    x, y = space.sites[site]
    return scatter(rng, space, np.full(n, x), np.full(n, y), np.full(n, spread))


def rounded_lonlat(space: Space, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon / lat of EPSG:27700 points, rounded to 6 decimals."""
    lon, lat = space.to_lonlat.transform(x, y)
    return np.round(np.asarray(lon, float), 6), np.round(np.asarray(lat, float), 6)


def in_disc(space: Space, site: str, radius: float, x: np.ndarray, y: np.ndarray) -> Any:
    """Whether each point lies within ``radius`` metres of the site."""
    sx, sy = space.sites[site]
    return np.hypot(x - sx, y - sy) <= radius


def extra_rows(
    rng: np.random.Generator, space: Space, site: str, radius: float, mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows added around a site: month index, x, y; ``mean`` rows a month inside ``radius``."""
    inside_share = 1.0 - math.exp(-2.0)  # of a normal with spread radius / 2
    month = np.repeat(np.arange(mean.size), rng.poisson(mean / inside_share))
    x, y = _near(rng, space, site, radius / 2.0, month.size)
    return month, x, y


def first_day(month: np.datetime64) -> date:
    """First day of a datetime64[M] month."""
    return date.fromisoformat(str(month.astype("datetime64[D]")))


def start_index(fraction: float, n_months: int) -> int:
    """Index of the month ``fraction`` of the way through the period."""
    return min(n_months - 1, int(fraction * n_months))


def draw_dates(
    rng: np.random.Generator, period: Period, month: np.ndarray, precision: np.ndarray
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


def coded_labels(codes: np.ndarray, labels: Sequence[str]) -> pd.Categorical:
    """Strings by code (-1: missing), held compactly until the schema casts them."""
    return pd.Categorical.from_codes(codes, categories=list(labels))


def event_ids(prefix: str, n: int) -> pd.Series:
    """Ids ``prefix`` + 000001, 000002, ..."""
    return prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(6)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random 64-digit lower-case hex strings, vectorised."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 15]
    return chars.view("S64").ravel().astype("U64")
