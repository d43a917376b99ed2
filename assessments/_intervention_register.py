"""Adding and editing register entries by hand: checked, then stored like an import."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import shapely

from layers import ingest
from layers import schema as S
from layers._errors import SchemaError
from layers.boundaries import extent_of
from layers.readers import ReadResult, SourceFile
from layers.settings import Settings
from layers.store import Store

GEOMETRY = "geometry"
"""Keyword of the geometry (a shapely geometry in EPSG:4326) when adding or editing."""

EDITABLE: tuple[str, ...] = (
    S.NAME,
    S.INTERVENTION_TYPE,
    GEOMETRY,
    S.START_DATE,
    S.END_DATE,
    S.LEAD_AGENCY,
    S.NOTES,
)
"""Fields of a register entry that can be given when adding and changed when editing."""

SOURCE_NAME = "register entry made by hand"
"""How entries added or edited by hand are named in the import log."""

_SHAPES = ("Point", "Polygon", "MultiPolygon")
_MAX_TEXT = 500


def new_row(fields: Mapping[str, Any], *, store: Store, settings: Settings) -> pd.DataFrame:
    """Return a checked one-row interventions frame with a new id for ``fields``."""
    return _checked_row(dict(fields), f"int-{uuid.uuid4().hex[:12]}", store, settings)


def add_row(
    row: pd.DataFrame, *, store: Store, settings: Settings, actor: str | None = None
) -> None:
    """Store a checked row as a one-row import (logged and audited like any import)."""
    digest = hashlib.sha256(row.to_json(date_format="iso").encode()).hexdigest()
    result = ReadResult(
        kind=S.Kind.INTERVENTIONS,
        valid=row,
        rejected=S.empty_rejected(),
        sources=(SourceFile(name=SOURCE_NAME, sha256=digest, rows_read=1),),
    )
    areas = ingest.study_areas(store, settings)
    ingest.import_result(result, store=store, settings=settings, areas=areas, actor=actor)


def edited_row(
    event_id: Any, changes: Mapping[str, Any], *, store: Store, settings: Settings
) -> pd.DataFrame:
    """Return the stored entry with ``changes`` applied, checked as a new entry would be."""
    unknown = sorted(set(changes) - set(EDITABLE))
    stored = store.query("SELECT * FROM interventions WHERE event_id = ?", [str(event_id)])
    problems = [f"unknown field(s) {unknown}: change only {', '.join(EDITABLE)}"] if unknown else []
    if stored.empty:
        problems.append(f"event_id={event_id!r} is not in the register; pick one it lists")
    if not changes:
        problems.append("no change given; pass e.g. end_date=date(2025, 3, 31)")
    if problems:
        raise SchemaError("edit_intervention: " + "; ".join(problems) + ".")
    current = stored.iloc[0]
    fields: dict[str, Any] = {
        name: None if _missing(current[name]) else current[name]
        for name in EDITABLE
        if name != GEOMETRY
    }
    fields[GEOMETRY] = shapely.from_wkt(current[S.GEOMETRY_WKT])
    return _checked_row(fields | dict(changes), str(event_id), store, settings)


def _checked_row(
    fields: dict[str, Any], event_id: str, store: Store, settings: Settings
) -> pd.DataFrame:
    problems = _text_problems(fields) + _date_problems(fields) + _shape_problems(fields)
    if not problems:
        problems = _extent_problems(fields[GEOMETRY], store, settings)
    if problems:
        raise SchemaError("intervention: " + "; ".join(problems) + ".")
    shape = fields[GEOMETRY]
    point = shapely.point_on_surface(shape)
    row = {
        S.EVENT_ID: event_id,
        S.KIND: S.Kind.INTERVENTIONS.value,
        S.NAME: fields[S.NAME].strip(),
        S.INTERVENTION_TYPE: fields[S.INTERVENTION_TYPE].strip(),
        S.START_DATE: _as_timestamp(fields[S.START_DATE]),
        S.END_DATE: _as_timestamp(fields.get(S.END_DATE)),
        S.LEAD_AGENCY: _blank_to_none(fields.get(S.LEAD_AGENCY)),
        S.NOTES: _blank_to_none(fields.get(S.NOTES)),
        S.GEOMETRY_WKT: shapely.to_wkt(shape, rounding_precision=7),
        S.LON: shapely.get_x(point),
        S.LAT: shapely.get_y(point),
    }
    return S.conform(pd.DataFrame([row]), S.Kind.INTERVENTIONS)


def _text_problems(fields: dict[str, Any]) -> list[str]:
    problems = []
    for name in (S.NAME, S.INTERVENTION_TYPE):
        value = fields.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{name} must be non-empty text, got {value!r}")
    for name in (S.NAME, S.INTERVENTION_TYPE, S.LEAD_AGENCY, S.NOTES):
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} must be text or None, got {type(value).__name__}")
        elif isinstance(value, str) and len(value) > _MAX_TEXT:
            problems.append(f"{name} is {len(value)} characters long; keep it to {_MAX_TEXT}")
    return problems


def _date_problems(fields: dict[str, Any]) -> list[str]:
    start, end = _as_timestamp(fields.get(S.START_DATE)), _as_timestamp(fields.get(S.END_DATE))
    problems = []
    if start is None:
        problems.append(
            f"start_date must be a date (date(2024, 3, 1) or '2024-03-01'), "
            f"got {fields.get(S.START_DATE)!r}"
        )
    if fields.get(S.END_DATE) is not None and end is None:
        problems.append(f"end_date must be a date or None, got {fields.get(S.END_DATE)!r}")
    if start is not None and end is not None and end < start:
        problems.append(f"end_date {end.date()} is before start_date {start.date()}: swap them")
    return problems


def _shape_problems(fields: dict[str, Any]) -> list[str]:
    shape = fields.get(GEOMETRY)
    if not isinstance(shape, shapely.Geometry) or shape.geom_type not in _SHAPES:
        got = type(shape).__name__ if not isinstance(shape, shapely.Geometry) else shape.geom_type
        return [
            f"geometry must be a shapely Point, Polygon or MultiPolygon in lon / lat, got {got}"
        ]
    if shape.is_empty:
        return ["geometry is empty; give a point or a polygon"]
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        return [f"geometry is not valid ({reason}); repair it with shapely.make_valid"]
    min_x, min_y, max_x, max_y = shape.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        return ["geometry is not in lon / lat degrees: give it in EPSG:4326 (not eastings)"]
    return []


def _extent_problems(shape: shapely.Geometry, store: Store, settings: Settings) -> list[str]:
    wards = ingest.study_areas(store, settings).wards
    extent = extent_of(wards, buffer_m=settings.extent_buffer_m)
    min_x, min_y, max_x, max_y = shape.bounds
    if bool(extent.contains([min_x, max_x], [min_y, max_y]).all()):
        return []
    message = (
        "geometry lies outside the study area (the loaded wards and "
        f"{settings.extent_buffer_m:g} m around them); check longitude and latitude are "
        "not swapped"
    )
    return [message]


def _as_timestamp(value: Any) -> pd.Timestamp | None:
    if value is None or _missing(value):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime | date):
        return pd.Timestamp(value).normalize()
    return None


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _blank_to_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
