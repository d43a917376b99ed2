"""Read layer files (police.uk CSV, generic CSV, GeoJSON, GeoPackage) into checked frames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layers import schema as sc
from layers._arguments import FORMATS, Limits, checked_arguments, limits_or_default
from layers._columns import (
    EASTING,
    FOUND_EASTING,
    FOUND_NORTHING,
    NORTHING,
    parse_mapping,
    resolve,
    unused_note,
)
from layers._errors import FileRefused
from layers._files import OpenedFile, is_police_uk, open_file, unsplit_rows
from layers._police_uk import build_police, police_columns
from layers._pseudonym import load_or_create_key, pseudonymise
from layers._reasons import (
    AT_ZERO,
    BAD_COORDINATES,
    BAD_DATE,
    BAD_FIELD_COUNT,
    BAD_VALUE,
    DUPLICATE_ID,
    FIELD_LIMIT,
    FIELD_TOO_LONG,
    FUTURE_DATE,
    INVALID_GEOMETRY,
    MISSING_FIELD,
    NO_LOCATION,
    OUTSIDE_EXTENT,
    UNKNOWN_CATEGORY,
    Problems,
    clipped,
    joined,
)
from layers._rows import build_rows, long_fields
from layers.schema import Extent, Kind
from layers.settings import load_settings

__all__ = [
    "AT_ZERO",
    "BAD_COORDINATES",
    "BAD_DATE",
    "BAD_FIELD_COUNT",
    "BAD_VALUE",
    "DUPLICATE_ID",
    "EASTING",
    "FIELD_TOO_LONG",
    "FORMATS",
    "FOUND_EASTING",
    "FOUND_NORTHING",
    "FUTURE_DATE",
    "INVALID_GEOMETRY",
    "MISSING_FIELD",
    "NORTHING",
    "NO_LOCATION",
    "OUTSIDE_EXTENT",
    "UNKNOWN_CATEGORY",
    "Limits",
    "ReadResult",
    "SourceFile",
    "is_police_uk",
    "parse_mapping",
    "read_layer",
    "read_police_uk",
]


@dataclass(frozen=True)
class SourceFile:
    """One file read: its name (never a path), the SHA-256 of its bytes, its data rows."""

    name: str
    sha256: str
    rows_read: int


@dataclass(frozen=True)
class ReadResult:
    """What a reader returns: valid rows, rejected rows, the files read and notes.

    ``valid`` has the columns and dtypes of ``schema.LAYER_COLUMNS[kind]``; ``rejected``
    those of ``schema.REJECTED_COLUMNS``. ``len(valid) + len(rejected)`` equals the sum
    of ``rows_read`` over ``sources``: nothing is dropped silently.
    """

    kind: Kind
    valid: pd.DataFrame
    rejected: pd.DataFrame
    sources: tuple[SourceFile, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Table:
    """One loaded file: fields read as text, person references already pseudonymised."""

    source: SourceFile
    fmt: str
    frame: pd.DataFrame
    rows: np.ndarray
    columns: dict[str, str]
    geometry: Any
    broken: np.ndarray
    unsplit: pd.DataFrame
    notes: tuple[str, ...]


# --- public ---------------------------------------------------------------------------


def read_police_uk(
    paths: Sequence[str | Path],
    *,
    extent: Extent | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Read police.uk street-level crime CSV files (plain or ``.csv.gz``) as incidents.

    ``Month`` gives ``date`` (first day) with precision ``"month"``; ``event_id`` is
    ``"pu:" + Crime ID``, or for rows without one (anti-social behaviour)
    ``"pu-asb:" + hash of the row's fields + ":" + its occurrence among identical rows
    of its file``, so re-reading a file gives the same ids. Flags stay missing.

    Parameters
    ----------
    paths
        One or more police.uk files, read together (ids must be unique across them).
    extent
        Accept points inside this box only; others are rejected as outside the extent.
    today
        Dates after this day are rejected as future (default: today).
    limits
        Largest file, most rows, largest compression ratio (default: from the settings).

    Returns
    -------
    ReadResult
        ``valid`` in the incidents schema; ``rejected`` with row number and reason.

    Raises
    ------
    FileRefused
        When a file cannot be read, is over a limit or lacks police.uk columns; nothing
        is returned.
    """
    return read_layer(
        Kind.INCIDENTS, paths, fmt="police-uk", extent=extent, today=today, limits=limits
    )


def read_layer(
    kind: Kind | str,
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    extent: Extent | None = None,
    today: date | None = None,
    secret: bytes | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Read files of one layer (incidents, missing, knife, surveys, interventions).

    Every row is checked; bad rows are returned in ``rejected`` with their line number
    (header = 1; for GeoJSON / GeoPackage the feature number, first = 1) and reasons
    joined by ``"; "``. For missing episodes the person reference is replaced by its
    keyed hash before anything else sees the row, and the file's other columns are
    dropped: ``rejected.raw`` holds only the fields the layer uses.

    Parameters
    ----------
    kind
        The layer (``Kind`` or its name).
    paths
        Files to read together; ids must be unique across them.
    fmt
        One of :data:`FORMATS`; None detects it from the suffix (``.csv``, ``.csv.gz``,
        ``.geojson``, ``.json``, ``.gpkg``), and a CSV with the police.uk header is read
        as police.uk when ``kind`` is incidents.
    mapping
        File column -> schema column (or ``easting`` / ``northing``, for missing also
        ``found_easting`` / ``found_northing``, and ``id`` for ``event_id``). Columns
        already named like schema columns (any case) need no mapping.
    extent
        Accept points inside this box only.
    today
        Dates after this day are rejected as future (default: today).
    secret
        Pseudonymisation key for missing episodes (default: the key in
        ``load_settings().secret_file``, created on first use).
    limits
        Largest file (also once decompressed), most rows per file, largest compression
        ratio (default: ``Limits.from_settings()``, i.e. ``max_upload_mb``, ``max_rows``,
        ``max_compression_ratio``).

    Returns
    -------
    ReadResult
        ``valid`` conforms to ``schema.LAYER_COLUMNS[kind]``.

    Raises
    ------
    SchemaError
        When an argument is invalid.
    FileRefused
        When any file cannot be used as a whole (unreadable, not UTF-8, over a limit, a
        possible decompression bomb, required columns missing); nothing is returned.
    """
    kind_, files = checked_arguments(kind, paths, fmt, mapping, extent, today, secret, limits)
    key, limits_ = _key_for(kind_, secret), limits_or_default(limits)
    tables = _load_all(kind_, files, fmt=fmt, mapping=dict(mapping or {}), key=key, limits=limits_)
    day = today.date() if isinstance(today, datetime) else today or date.today()
    built = [_build(kind_, table, extent=extent, today=day) for table in tables]
    return _assemble(kind_, tables, built)


# --- pseudonymisation key -------------------------------------------------------------


def _key_for(kind: Kind, secret: bytes | None) -> bytes | None:
    if kind is not Kind.MISSING:
        return None
    return secret if secret is not None else load_or_create_key(load_settings().secret_file)


# --- loading --------------------------------------------------------------------------


def _load_all(
    kind: Kind,
    files: list[Path],
    *,
    fmt: str | None,
    mapping: dict[str, str],
    key: bytes | None,
    limits: Limits,
) -> list[_Table]:
    tables, refusals = [], []
    for path in files:
        try:
            tables.append(_load(kind, path, fmt=fmt, mapping=mapping, key=key, limits=limits))
        except FileRefused as refusal:
            refusals.append(str(refusal))
    if refusals:
        raise FileRefused("\n".join(refusals) + ("\nNothing was read." if len(files) > 1 else ""))
    return tables


def _load(
    kind: Kind,
    path: Path,
    *,
    fmt: str | None,
    mapping: dict[str, str],
    key: bytes | None,
    limits: Limits,
) -> _Table:
    opened = open_file(path, fmt, sniff_police=kind is Kind.INCIDENTS, limits=limits)
    columns, more = _columns(kind, opened, mapping)
    frame = _protected(opened.frame, columns, key)
    unsplit = unsplit_rows(opened.name, opened.invalid, withhold=key is not None)
    source = SourceFile(opened.name, opened.sha256, len(frame) + len(unsplit))
    notes = (*opened.notes, *more)
    geometry, broken = opened.geometry, opened.broken
    return _Table(source, opened.fmt, frame, opened.rows, columns, geometry, broken, unsplit, notes)


def _columns(
    kind: Kind, opened: OpenedFile, mapping: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    found = list(opened.frame.columns)
    if opened.fmt == "police-uk":
        return police_columns(opened.name, found), []
    if opened.geometry is not None and opened.frame.empty:
        return {}, [f"{opened.name}: no features"]
    columns = resolve(kind, opened.name, found, mapping, opened.geometry is not None)
    return columns, unused_note(opened.frame, columns)


def _protected(frame: pd.DataFrame, columns: dict[str, str], key: bytes | None) -> pd.DataFrame:
    """With ``key`` (missing episodes) keep only the columns read, the person reference hashed.

    The file's other columns may hold a child's name or date of birth: dropped here, they
    reach neither ``valid`` nor ``rejected.raw``.
    """
    if key is None:
        return frame
    used = set(columns.values())
    frame = frame[[c for c in frame.columns if c in used]]
    source = columns.get(sc.PERSON_REF)
    return frame if source is None else frame.assign(**{source: pseudonymise(frame[source], key)})


def _build(
    kind: Kind, table: _Table, *, extent: Extent | None, today: date
) -> tuple[pd.DataFrame, Problems]:
    if table.fmt == "police-uk":
        frame, problems = build_police(table.frame, extent=extent, today=today)
    else:
        frame, problems = build_rows(
            kind, table.frame, table.columns, table.geometry,
            extent=extent, today=today, broken=table.broken,
        )  # fmt: skip
    return frame, problems + long_fields(table.frame)


# --- assembling -----------------------------------------------------------------------


def _assemble(
    kind: Kind, tables: list[_Table], built: list[tuple[pd.DataFrame, Problems]]
) -> ReadResult:
    frames = [frame for frame, _ in built]
    reasons = np.concatenate([joined(problems, len(frame)) for frame, problems in built])
    ids = pd.concat([frame[sc.EVENT_ID] for frame in frames], ignore_index=True)
    codes = pd.Series(pd.factorize(ids)[0])
    duplicate = ((codes >= 0) & codes.duplicated()).to_numpy()
    reasons = joined([(duplicate, DUPLICATE_ID)], 0, reasons)
    rejected = reasons != ""
    valid = sc.conform(pd.concat(frames, ignore_index=True)[~rejected], kind)
    notes = [note for table in tables for note in table.notes] + _precision_note(valid)
    return ReadResult(
        kind=kind,
        valid=valid,
        rejected=_rejected(tables, reasons),
        sources=tuple(table.source for table in tables),
        notes=tuple(notes),
    )


def _rejected(tables: list[_Table], reasons: np.ndarray) -> pd.DataFrame:
    parts, start = [], 0
    for table in tables:
        mine = reasons[start : start + len(table.frame)]
        start += len(table.frame)
        bad = mine != ""
        raw = table.frame[bad]
        raw = raw.assign(**{c: raw[c].map(clipped, na_action="ignore") for c in _long(raw)})
        if table.geometry is not None:
            raw = raw.assign(geometry=shapely.to_wkt(np.asarray(table.geometry)[bad]))
        rows = pd.DataFrame(
            {
                sc.SOURCE: table.source.name,
                sc.ROW_NUMBER: table.rows[bad],
                sc.REASON: mine[bad],
                sc.RAW: _json_lines(raw),
            }
        )
        parts.append(pd.concat([rows, table.unsplit]).sort_values(sc.ROW_NUMBER, kind="stable"))
    return pd.concat(parts, ignore_index=True).astype(sc.REJECTED_COLUMNS)


def _long(frame: pd.DataFrame) -> list[str]:
    """Return the text columns of ``frame`` holding a field too long to keep whole."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
    return [c for c in text if (frame[c].str.len() > FIELD_LIMIT).any()]


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, force_ascii=False)
    return text.rstrip("\n").split("\n")


def _precision_note(valid: pd.DataFrame) -> list[str]:
    precision = valid.get(sc.DATE_PRECISION)
    if precision is None or valid.empty or not (precision == sc.DatePrecision.MONTH.value).all():
        return []
    return ["all rows are month precision: dates mean 'some time in that month'"]
