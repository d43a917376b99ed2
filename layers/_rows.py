"""Check and type the rows of a mapped file: ids, dates, locations, values, categories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers import _reasons as reasons
from layers import schema as sc
from layers._columns import COMPUTED, EASTING, FOUND_EASTING, FOUND_NORTHING, NORTHING
from layers._reasons import Problems
from layers._values import (
    PARSERS,
    Point,
    clean_point,
    geometry_point,
    merge_points,
    parse_dates,
    parse_point,
    score_text,
    take,
)
from layers.schema import Extent, Kind

Getter = Callable[[str], pd.Series]


def build_rows(
    kind: Kind,
    frame: pd.DataFrame,
    columns: dict[str, str],
    geometry: Any,
    *,
    extent: Extent | None,
    today: date,
    broken: np.ndarray | None = None,
) -> tuple[pd.DataFrame, Problems]:
    """Return the layer's columns parsed from a mapped file, and the problems of its rows.

    Parameters
    ----------
    kind
        The layer.
    frame
        The file's fields as text.
    columns
        Target -> file column, from ``_columns.resolve``.
    geometry
        The features' geometries (GeoJSON / GeoPackage), or None.
    extent
        Accept points inside this box only.
    today
        Dates after this day are future.
    broken
        Features whose geometry was given but could not be read (GeoJSON / GeoPackage).

    Returns
    -------
    frame : pandas.DataFrame
        One row per file row, not yet conformed to the schema.
    problems : Problems
        Masks of rows to reject, with their reasons.
    """
    get = _getter(frame, columns)
    built, problems = _base_columns(kind, columns, get, today)
    located, more = _location_columns(kind, (geometry, broken), get, extent)
    built, problems = built | located, problems + more
    typed, more = _typed_columns(kind, get, set(built))
    built, problems = built | typed, problems + more
    category_, more = category(kind, get, built)
    return pd.DataFrame(built | category_, index=frame.index), problems + more


def date_problems(
    field: str,
    text: pd.Series,
    dates: tuple[pd.Series, pd.Series, pd.Series],
    today: date | None,
    *,
    month_only: bool = False,
) -> Problems:
    """Return missing, unparseable (or, with ``month_only``, not a month) and future dates.

    Years before 1900 or after 2199 do not parse (``_values``); with ``today`` a later
    date is future.
    """
    blank = text.isna().to_numpy()
    bad = ~blank & dates[0].isna().to_numpy()
    if month_only:
        bad |= ~blank & (dates[2] != sc.DatePrecision.MONTH.value).to_numpy()
    problems = [(blank, f"{reasons.MISSING_FIELD}: {field}"), (bad, reasons.BAD_DATE)]
    if today is not None:
        problems.append(((dates[0] > pd.Timestamp(today)).to_numpy(), reasons.FUTURE_DATE))
    return problems


def long_fields(frame: pd.DataFrame) -> Problems:
    """Return the rows holding a field over ``FIELD_LIMIT`` characters, per column.

    A column's byte lengths come from Arrow's offsets at no cost; characters are counted
    only in a column with a field of more bytes than the limit.
    """
    problems: Problems = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_string_dtype(values) or values.empty:
            continue
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
        if (pc.max(pc.binary_length(text)).as_py() or 0) <= reasons.FIELD_LIMIT:
            continue
        mask = pc.fill_null(pc.greater(pc.utf8_length(text), reasons.FIELD_LIMIT), False)
        name = reasons.clipped(str(column))[:40]
        problems.append((mask.to_numpy(zero_copy_only=False), f"{reasons.FIELD_TOO_LONG}: {name}"))
    return problems


def geometry_problems(geometry: Any, point: Point) -> Problems:
    """Return the rows whose geometry is invalid (self-intersecting ...), by GEOS's reason.

    Rows already bad (unreadable or non-finite coordinates) are left out: they say so.
    """
    geoms = np.array(geometry, dtype=object)
    geoms[~(point.given & ~point.bad)] = None
    with np.errstate(all="ignore"):
        invalid = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
        geoms[~invalid] = None
        why = shapely.is_valid_reason(geoms)
    kinds = pd.Series(why, dtype="str").str.replace(r"\[.*$", "", regex=True).str.strip()
    return [
        ((kinds == kind).to_numpy() & invalid, f"{reasons.INVALID_GEOMETRY}: {kind.lower()}")
        for kind in kinds[invalid].unique()
    ]


def location_problems(point: Point, extent: Extent | None, *, area: pd.Series | None) -> Problems:
    """Return rows without location (point or ``area``), bad, at 0,0 or outside ``extent``."""
    located = point.given | (area.notna().to_numpy() if area is not None else False)
    problems = [
        (~located, reasons.NO_LOCATION),
        (point.bad, reasons.BAD_COORDINATES),
        (point.zero, reasons.AT_ZERO),
    ]
    if extent is not None:
        usable = point.given & ~point.bad & ~point.zero
        problems.append((usable & ~extent.contains(point.lon, point.lat), reasons.OUTSIDE_EXTENT))
    return problems


def category(kind: Kind, get: Getter, columns: dict[str, Any]) -> tuple[dict[str, Any], Problems]:
    """Return the category in its canonical spelling (defaults for missing and knife)."""
    if kind not in sc.KNOWN_CATEGORIES:
        return {}, []
    text = get(sc.CATEGORY)
    if kind is Kind.MISSING:
        in_care = pd.Series(columns[sc.IN_CARE], dtype="boolean").fillna(False).to_numpy(bool)
        text = text.fillna(
            pd.Series(np.where(in_care, *sc.MISSING_CATEGORIES[::-1]), index=text.index)
        )
    elif kind is Kind.KNIFE:
        text = text.fillna(sc.KNIFE_CATEGORIES[0])
    canonical = {c.lower(): c for c in sc.KNOWN_CATEGORIES[kind]}
    codes, uniques = pd.factorize(text)
    names = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    known = take(names.str.lower().map(canonical).astype("str"), codes, text.index)
    problems = [(text.notna().to_numpy() & known.isna().to_numpy(), reasons.UNKNOWN_CATEGORY)]
    problems.append((text.isna().to_numpy(), f"{reasons.MISSING_FIELD}: {sc.CATEGORY}"))
    return {sc.CATEGORY: known.fillna(text)}, problems


def _getter(frame: pd.DataFrame, columns: dict[str, str]) -> Getter:
    def get(target: str) -> pd.Series:
        column = columns.get(target)
        if column is None:
            return pd.Series(None, index=frame.index, dtype="str")
        return frame[column]

    return get


def _base_columns(
    kind: Kind, found: dict[str, str], get: Getter, today: date
) -> tuple[dict[str, Any], Problems]:
    columns: dict[str, Any] = {sc.EVENT_ID: get(sc.EVENT_ID), sc.KIND: kind.value}
    problems: Problems = [
        (get(field).isna().to_numpy(), f"{reasons.MISSING_FIELD}: {field}")
        for field in sc.REQUIRED[kind]
        if field not in (sc.DATE, sc.DATETIME, sc.START_DATE, sc.CATEGORY)
    ]
    if kind is Kind.INTERVENTIONS:
        dates = parse_dates(get(sc.START_DATE))
        columns[sc.START_DATE] = dates[0]
        return columns, problems + date_problems(sc.START_DATE, get(sc.START_DATE), dates, None)
    field = sc.DATETIME if kind is Kind.MISSING else sc.DATE
    text = get(sc.DATETIME) if sc.DATETIME in found else get(sc.DATE)
    dates = parse_dates(text)
    columns |= {sc.DATE: dates[0], sc.DATE_PRECISION: dates[2]}
    if kind is not Kind.SURVEYS:
        columns[sc.DATETIME] = dates[1]
    return columns, problems + date_problems(field, text, dates, today)


def _location_columns(
    kind: Kind, features: tuple[Any, np.ndarray | None], get: Getter, extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    point = parse_point(get(sc.LON), get(sc.LAT), get(EASTING), get(NORTHING))
    geometry, broken = features
    wkt, shapes = None, []
    if geometry is not None:
        shape, wkt = geometry_point(geometry, broken)
        shapes = geometry_problems(geometry, shape)
        point = clean_point(merge_points(shape, point))
    if kind is Kind.MISSING:
        located, problems = _missing_location(point, get, extent)
    elif kind is Kind.INTERVENTIONS:
        located, problems = _intervention_location(point, wkt, get, extent)
    else:
        area = get(sc.AREA_CODE) if kind in (Kind.KNIFE, Kind.SURVEYS) else None
        located = {sc.LON: point.lon, sc.LAT: point.lat}
        problems = location_problems(point, extent, area=area)
    return located, problems + shapes


def _missing_location(
    last: Point, get: Getter, extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    found = parse_point(
        get(sc.FOUND_LON), get(sc.FOUND_LAT), get(FOUND_EASTING), get(FOUND_NORTHING)
    )
    chosen = merge_points(last, found)
    basis = pd.Series(np.select([last.given, found.given], ["last seen", "found"], ""))
    basis = basis.where(basis != "")
    problems = location_problems(chosen, extent, area=None)
    problems += [
        (last.given & found.bad, f"{reasons.BAD_COORDINATES}: found location"),
        (last.given & found.zero, f"{reasons.AT_ZERO}: found location"),
    ]
    columns = {sc.LON: chosen.lon, sc.LAT: chosen.lat, sc.FOUND_LON: found.lon}
    return columns | {sc.FOUND_LAT: found.lat, sc.LOCATION_BASIS: basis}, problems


def _intervention_location(
    point: Point, wkt: pd.Series | None, get: Getter, extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    shapes: Problems = []
    if wkt is None:
        text = get(sc.GEOMETRY_WKT)
        raw = text.to_numpy(dtype=object, na_value=None)
        with np.errstate(all="ignore"):
            parsed = shapely.from_wkt(raw, on_invalid="ignore")
        shape, wkt = geometry_point(parsed, text.notna().to_numpy())
        shapes = geometry_problems(parsed, shape)
        point = clean_point(merge_points(shape, point))
    as_point = shapely.to_wkt(shapely.points(point.lon, point.lat), rounding_precision=7)
    usable = point.given & ~point.bad
    wkt = wkt.where(wkt.notna(), pd.Series(as_point, index=wkt.index).where(usable))
    columns = {sc.GEOMETRY_WKT: wkt.astype("str"), sc.LON: point.lon, sc.LAT: point.lat}
    return columns, location_problems(point, extent, area=None) + shapes


def _typed_columns(kind: Kind, get: Getter, done: set[str]) -> tuple[dict[str, Any], Problems]:
    columns: dict[str, Any] = {}
    problems: Problems = []
    for column, dtype in sc.LAYER_COLUMNS[kind].items():
        if column in done or column in COMPUTED or column == sc.CATEGORY:
            continue
        text = get(column)
        if column == sc.SCORE and text.isna().all():
            text = score_text(get(sc.ANSWER))
        parse = PARSERS.get(dtype[:8])
        if parse is None:
            columns[column] = text
            continue
        columns[column], bad = parse(text)
        reason = reasons.BAD_DATE if dtype.startswith("datetime") else reasons.BAD_VALUE
        problems.append((bad, f"{reason}: {column}"))
    return columns, problems
