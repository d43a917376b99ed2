"""Parse text fields: dates with their precision, coordinates (incl. BNG), flags, numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers import schema as sc

_TRUE, _FALSE = ("true", "yes", "y", "1"), ("false", "no", "n", "0")
_ISO = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2})(?:[T ]+(?P<hour>\d{1,2}):"
    r"(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<frac>\d{1,9}))?)?\s*"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?$"
)
_UK = re.compile(
    r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})(?:[T ]+(?P<hour>\d{1,2}):"
    r"(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
)
_TZ = "Europe/London"
_YEARS = (1900, 2199)


@dataclass(frozen=True)
class Point:
    """Parsed WGS84 points with, per row, whether one was given, unparseable or at 0,0."""

    lon: np.ndarray
    lat: np.ndarray
    given: np.ndarray
    bad: np.ndarray
    zero: np.ndarray


# --- dates ----------------------------------------------------------------------------


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (date, datetime, precision) for ISO, ``YYYY-MM`` and UK ``dd/mm/yyyy`` text."""
    encoded = pc.dictionary_encode(_arrow(text))  # parse each distinct text once
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    numbers, extra = _date_parts(encoded.dictionary)
    numbers = numbers.where(numbers["year"].between(*_YEARS))  # anything else is a typo
    stamp = pd.to_datetime(
        numbers.fillna({"day": 1, "hour": 0, "minute": 0, "second": 0}), errors="coerce"
    ).astype("datetime64[us]")
    stamp = _apply_fraction_and_zone(stamp, extra)
    precision = np.select(
        [numbers["hour"].notna(), numbers["day"].notna()],
        [sc.DatePrecision.DATETIME.value, sc.DatePrecision.DAY.value],
        sc.DatePrecision.MONTH.value,
    )
    timed = stamp.where(pd.Series(precision == sc.DatePrecision.DATETIME.value))
    precision = pd.Series(precision, dtype="str").where(stamp.notna())
    return (
        take(stamp.dt.normalize(), codes, text.index),
        take(timed, codes, text.index),
        take(precision, codes, text.index),
    )


def _date_parts(unique: pa.Array) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split distinct date texts into numeric parts and the (fraction, zone) texts."""
    iso = pc.extract_regex(unique, _ISO.pattern)
    uk = pc.extract_regex(unique, _UK.pattern)
    numbers, extra = {}, {}
    for name in _ISO.groupindex:
        value = pc.struct_field(iso, name)
        if name in _UK.groupindex:
            value = pc.if_else(pc.is_valid(iso), value, pc.struct_field(uk, name))
        value = pc.if_else(pc.equal(value, ""), pa.scalar(None, value.type), value)
        if name in ("frac", "tz"):
            empty = value.null_count == len(value)
            extra[name] = pd.Series(None if empty else value.to_pylist(), dtype="str")
        else:
            numbers[name] = pc.cast(value, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.DataFrame(numbers), pd.DataFrame(extra, index=range(len(unique)))


def _apply_fraction_and_zone(stamp: pd.Series, extra: pd.DataFrame) -> pd.Series:
    has_frac = extra["frac"].notna() & stamp.notna()
    if has_frac.any():
        frac = extra.loc[has_frac, "frac"].str.ljust(6, "0").str[:6].astype("int64")
        stamp = stamp.copy()
        stamp[has_frac] += pd.to_timedelta(frac, unit="us")
    zoned = extra["tz"].notna() & stamp.notna()
    if zoned.any():
        tz = extra.loc[zoned, "tz"].str.replace(":", "").replace("Z", "+0000")
        sign = np.where(tz.str[0] == "-", -1, 1)
        minutes = sign * (tz.str[1:3].astype("int64") * 60 + tz.str[3:5].astype("int64"))
        utc = stamp[zoned] - pd.to_timedelta(minutes, unit="min")
        local = utc.dt.tz_localize("UTC").dt.tz_convert(_TZ).dt.tz_localize(None)
        stamp = stamp.copy()
        stamp[zoned] = local.astype("datetime64[us]")
    return stamp


def _arrow(text: pd.Series) -> pa.Array:
    array = pa.array(text)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def take(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Spread the values parsed once per unique text back to every row (code -1: missing)."""
    extended = pd.concat([values, pd.Series([None], dtype=values.dtype)], ignore_index=True)
    return pd.Series(extended.to_numpy()[codes], index=index, dtype=values.dtype)


# --- coordinates ----------------------------------------------------------------------


def parse_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the float values of ``text`` (NaN where missing or bad) and the bad mask."""
    try:  # fast path: every value is a plain number
        values = pc.cast(_arrow(text), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = text.notna().to_numpy() & ~np.isfinite(values)
    return np.where(bad, np.nan, values), bad


def parse_point(
    lon_text: pd.Series,
    lat_text: pd.Series,
    east_text: pd.Series | None = None,
    north_text: pd.Series | None = None,
) -> Point:
    """Parse lon/lat text, falling back to British National Grid easting/northing."""
    lon, bad_lon = parse_numbers(lon_text)
    lat, bad_lat = parse_numbers(lat_text)
    wgs = lon_text.notna().to_numpy() | lat_text.notna().to_numpy()
    bad = wgs & (bad_lon | bad_lat | np.isnan(lon) | np.isnan(lat))
    bad |= wgs & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    zero = wgs & ~bad & (lon == 0) & (lat == 0)
    parsed = Point(lon, lat, wgs, bad, zero)
    if east_text is not None and north_text is not None:
        parsed = merge_points(parsed, _bng_point(east_text, north_text))
    return clean_point(parsed)


def _bng_point(east_text: pd.Series, north_text: pd.Series) -> Point:
    east, bad_east = parse_numbers(east_text)
    north, bad_north = parse_numbers(north_text)
    given = east_text.notna().to_numpy() | north_text.notna().to_numpy()
    bad = given & (bad_east | bad_north | np.isnan(east) | np.isnan(north))
    bad |= given & ((east < -1e5) | (east > 8e5) | (north < -1e5) | (north > 1.4e6))
    zero = given & ~bad & (east == 0) & (north == 0)
    lon, lat = _bng_transformer().transform(np.where(bad, np.nan, east), north)
    return Point(np.asarray(lon), np.asarray(lat), given, bad, zero)


@cache
def _bng_transformer() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(sc.CRS_MEASURE, sc.CRS_STORE, always_xy=True)


def geometry_point(geometry: Any, stated: np.ndarray | None) -> tuple[Point, pd.Series]:
    """Return a point on each geometry and its WKT.

    ``stated`` marks the rows whose source gave a geometry (WKT text, a feature's own
    geometry): one that did not parse is bad, as is one with a coordinate that is not a
    finite number or not on the globe.
    """
    geoms = np.asarray(geometry, dtype=object)
    given = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    with np.errstate(all="ignore"):  # GEOS flags what it cannot do; bad rows say so below
        finite = given & _finite(geoms)
        rep = shapely.point_on_surface(_only(geoms, finite))
        rep = _only(rep, ~shapely.is_empty(rep))  # a collection of empty parts has no point
        lon, lat = shapely.get_x(rep), shapely.get_y(rep)
    bad = given & ~(finite & np.isfinite(lon) & np.isfinite(lat))
    bad |= given & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if stated is not None:  # a geometry given that did not parse
        bad |= stated & ~given
        given |= stated
    zero = given & ~bad & (lon == 0) & (lat == 0)
    wkt = shapely.to_wkt(_only(geoms, given & ~bad), rounding_precision=7)
    return Point(lon, lat, given, bad, zero), pd.Series(wkt, dtype="str")


def _finite(geoms: np.ndarray) -> np.ndarray:
    """Return, per geometry, whether every coordinate is a finite number (None: True)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    finite = np.ones(len(geoms), dtype=bool)
    finite[index[~np.isfinite(coords).all(axis=1)]] = False
    return finite


def _only(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=object)
    out[~keep] = None
    return out


def merge_points(first: Point, second: Point) -> Point:
    """Take ``first`` where it was given, else ``second``."""
    use = first.given
    return Point(
        np.where(use, first.lon, second.lon),
        np.where(use, first.lat, second.lat),
        first.given | second.given,
        np.where(use, first.bad, second.bad),
        np.where(use, first.zero, second.zero),
    )


def clean_point(parsed: Point) -> Point:
    """Set the coordinates of rows not given or unparseable to NaN."""
    ok = parsed.given & ~parsed.bad
    return replace(
        parsed, lon=np.where(ok, parsed.lon, np.nan), lat=np.where(ok, parsed.lat, np.nan)
    )


# --- other values ---------------------------------------------------------------------


def score_text(answer: pd.Series) -> pd.Series:
    """Return survey answers as score text: numbers kept, yes/true 1, no/false 0."""
    low = answer.str.lower()
    score = answer.where(pd.to_numeric(answer, errors="coerce").notna())
    return score.mask(low.isin(("yes", "true")), "1").mask(low.isin(("no", "false")), "0")


def _booleans(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    low = text.str.lower()
    values = pd.Series(pd.NA, index=text.index, dtype="boolean")
    values[low.isin(_TRUE)] = True
    values[low.isin(_FALSE)] = False
    return values, (text.notna() & values.isna()).to_numpy()


def _floats(text: pd.Series) -> tuple[Any, np.ndarray]:
    return parse_numbers(text)


def _ages(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values, bad = parse_numbers(text)
    bad |= ~np.isnan(values) & ((values % 1 != 0) | (values < 0) | (values > 130))
    return pd.Series(np.where(bad, np.nan, values), index=text.index).astype("Int16"), bad


def _timestamps(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    day, stamp, _ = parse_dates(text)
    values = stamp.fillna(day)
    return values, (text.notna() & values.isna()).to_numpy()


PARSERS: dict[str, Callable[[pd.Series], tuple[Any, np.ndarray]]] = {
    "boolean": _booleans,
    "float64": _floats,
    "Int16": _ages,
    "datetime": _timestamps,
}
"""Parser per schema dtype (its first 8 characters): text -> (values, bad mask)."""
