"""Read layer files (police.uk CSV, generic CSV, GeoJSON, GeoPackage) into checked frames."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import re
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely

from layers import schema as sc
from layers._errors import FileRefused, SchemaError
from layers._pseudonym import load_or_create_key, pseudonymise
from layers.schema import Extent, Kind
from layers.settings import load_settings

NO_LOCATION = "no location"
BAD_DATE = "unparseable date"
FUTURE_DATE = "future date"
AT_ZERO = "coordinates at 0,0"
OUTSIDE_EXTENT = "outside extent"
BAD_COORDINATES = "unparseable coordinates"
DUPLICATE_ID = "duplicate id in file"
UNKNOWN_CATEGORY = "unknown category"
MISSING_FIELD = "missing required field"
BAD_VALUE = "unparseable value"
BAD_FIELD_COUNT = "wrong number of fields"
"""Stable reasons of rejected rows; detail may follow after ': '."""

FORMATS: tuple[str, ...] = ("police-uk", "csv", "geojson", "gpkg")
"""File formats :func:`read_layer` reads (``fmt``)."""
EASTING, NORTHING = "easting", "northing"
FOUND_EASTING, FOUND_NORTHING = "found_easting", "found_northing"
"""Mapping targets for British National Grid (EPSG:27700) coordinates."""

_SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
_ALIASES = {"id": sc.EVENT_ID, "longitude": sc.LON, "latitude": sc.LAT, "lng": sc.LON}
_WKT_ALIASES = {"wkt": sc.GEOMETRY_WKT, "geometry": sc.GEOMETRY_WKT}
_COMPUTED = {sc.KIND, sc.DATE_PRECISION, sc.LOCATION_BASIS}
_POLICE_MAP = {
    "Crime ID": sc.SOURCE_REF,
    "Longitude": sc.LON,
    "Latitude": sc.LAT,
    "Location": sc.LOCATION_DESC,
    "LSOA code": sc.LSOA,
    "Crime type": sc.CATEGORY,
    "Last outcome category": sc.OUTCOME,
    "Falls within": sc.FORCE,
}
_ASB_KEY: tuple[str, ...] = (
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "Crime type",
    "Context",
)
_BOM = b"\xef\xbb\xbf"
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

Problems = list[tuple[np.ndarray, str]]


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
    """One loaded file: original fields as text, person references already pseudonymised."""

    source: SourceFile
    fmt: str
    frame: pd.DataFrame
    rows: np.ndarray
    columns: dict[str, str]
    geometry: Any
    unsplit: pd.DataFrame
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Point:
    lon: np.ndarray
    lat: np.ndarray
    given: np.ndarray
    bad: np.ndarray
    zero: np.ndarray


# --- public ---------------------------------------------------------------------------


def read_police_uk(
    paths: Sequence[str | Path], *, extent: Extent | None = None, today: date | None = None
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

    Returns
    -------
    ReadResult
        ``valid`` in the incidents schema; ``rejected`` with row number and reason.

    Raises
    ------
    FileRefused
        When a file cannot be read or lacks police.uk columns; nothing is returned.
    """
    return read_layer(Kind.INCIDENTS, paths, fmt="police-uk", extent=extent, today=today)


def read_layer(
    kind: Kind | str,
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    extent: Extent | None = None,
    today: date | None = None,
    secret: bytes | None = None,
) -> ReadResult:
    """Read files of one layer (incidents, missing, knife, surveys, interventions).

    Every row is checked; bad rows are returned in ``rejected`` with their line number
    (header = 1; for GeoJSON / GeoPackage the feature number, first = 1) and reasons
    joined by ``"; "``. For missing episodes the person reference is replaced by its
    keyed hash before anything else sees the row.

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

    Returns
    -------
    ReadResult
        ``valid`` conforms to ``schema.LAYER_COLUMNS[kind]``.

    Raises
    ------
    SchemaError
        When an argument is invalid.
    FileRefused
        When any file cannot be used as a whole; nothing is returned.
    """
    kind_, files = _checked_arguments(kind, paths, fmt, mapping, extent, today, secret)
    key = _key_for(kind_, secret)
    tables = _load_all(kind_, files, fmt=fmt, mapping=dict(mapping or {}), key=key)
    day = today.date() if isinstance(today, datetime) else today or date.today()
    built = [_build(kind_, table, extent=extent, today=day) for table in tables]
    return _assemble(kind_, tables, built)


def is_police_uk(path: str | Path) -> bool:
    """Return True when the file is a CSV (or ``.csv.gz``) with the police.uk header.

    Parameters
    ----------
    path
        The file; an unreadable or missing file gives False.

    Returns
    -------
    bool
        Whether its header is exactly the 12 police.uk columns.
    """
    try:
        opener = gzip.open if str(path).lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            head = handle.read(65536)
        return _is_police_header(head)
    except (OSError, EOFError, zlib.error):
        return False


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """Turn ``["Crime ref=event_id", "X=easting"]`` into ``{"Crime ref": "event_id", ...}``.

    Parameters
    ----------
    pairs
        ``SRC=DST`` strings: a file column, then a schema column (split at the last ``=``).

    Returns
    -------
    dict of str to str
        File column -> target column.

    Raises
    ------
    SchemaError
        Listing every malformed or contradictory pair.
    """
    if isinstance(pairs, str):
        pairs = [pairs]
    mapping: dict[str, str] = {}
    problems = []
    for pair in pairs:
        src, sep, dst = str(pair).rpartition("=")
        src, dst = src.strip(), dst.strip()
        if not sep or not src or not dst:
            problems.append(f"{pair!r} is not SRC=DST")
        elif mapping.get(src, dst) != dst:
            problems.append(f"{src!r} is mapped twice ({mapping[src]!r} and {dst!r})")
        else:
            mapping[src] = dst
    if problems:
        raise SchemaError(
            "mapping: " + "; ".join(problems) + ". Write each as --map 'File column=target', "
            "e.g. --map 'Crime ref=event_id'."
        )
    return mapping


# --- arguments ------------------------------------------------------------------------


def _checked_arguments(
    kind: Any, paths: Any, fmt: Any, mapping: Any, extent: Any, today: Any, secret: Any
) -> tuple[Kind, list[Path]]:
    kind_, problems = _checked_kind(kind)
    files, path_problems = _checked_paths(paths)
    problems += path_problems + _checked_format(kind_, fmt, mapping)
    if kind_ is not None and mapping is not None:
        problems += _checked_mapping(kind_, mapping)
    if extent is not None and not isinstance(extent, Extent):
        problems.append(f"extent must be a schema.Extent or None, got {type(extent).__name__}")
    if today is not None and not isinstance(today, date):
        problems.append(f"today must be a datetime.date or None, got {type(today).__name__}")
    if secret is not None and not (isinstance(secret, bytes) and secret):
        problems.append("secret must be non-empty bytes or None (the default key file)")
    if problems or kind_ is None:
        raise SchemaError("; ".join(problems) + ".")
    return kind_, files


def _checked_kind(kind: Any) -> tuple[Kind | None, list[str]]:
    readable = [k.value for k in Kind if k is not Kind.BOUNDARIES]
    try:
        kind_ = Kind(str(kind).strip().lower())
    except ValueError:
        return None, [f"kind must be one of {readable}, got {kind!r}"]
    if kind_ is Kind.BOUNDARIES:
        return None, ["kind 'boundaries' is read by layers.boundaries, not layers.readers"]
    return kind_, []


def _checked_paths(paths: Any) -> tuple[list[Path], list[str]]:
    if isinstance(paths, str | Path) or not isinstance(paths, Sequence):
        return [], [f"paths must be a list of file paths, got {type(paths).__name__}: pass [path]"]
    if not paths or not all(isinstance(p, str | Path) for p in paths):
        return [], ["paths must be a non-empty list of str or Path"]
    return [Path(p) for p in paths], []


def _checked_format(kind: Kind | None, fmt: Any, mapping: Any) -> list[str]:
    if fmt is None:
        return []
    if fmt not in FORMATS:
        return [f"fmt must be one of {list(FORMATS)} or None (detect), got {fmt!r}"]
    if fmt == "police-uk" and kind is not None and kind is not Kind.INCIDENTS:
        return [f"fmt 'police-uk' holds incidents, not {kind.value}; use fmt='csv'"]
    if fmt == "police-uk" and mapping:
        return ["mapping does not apply to police.uk files; leave it out"]
    return []


def _checked_mapping(kind: Kind, mapping: Any) -> list[str]:
    if not isinstance(mapping, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        return ["mapping must be a dict of file column -> target column (both str)"]
    allowed = _targets(kind)
    problems = [
        f"mapping target {dst!r} (from {src!r}) is not a column of {kind.value}; "
        f"use one of {sorted(allowed)}"
        for src, dst in mapping.items()
        if _canonical(dst) not in allowed
    ]
    targets = pd.Series([_canonical(v) for v in mapping.values()], dtype="str")
    problems += [f"mapping sends two columns to {t!r}" for t in targets[targets.duplicated()]]
    return problems


def _targets(kind: Kind) -> set[str]:
    targets = set(sc.LAYER_COLUMNS[kind]) - _COMPUTED | {EASTING, NORTHING}
    if kind is Kind.MISSING:
        targets |= {FOUND_EASTING, FOUND_NORTHING}
    return targets


def _canonical(target: str) -> str:
    name = target.strip().lower()
    return _ALIASES[name] if name == "id" else name


def _key_for(kind: Kind, secret: bytes | None) -> bytes | None:
    if kind is not Kind.MISSING:
        return None
    return secret if secret is not None else load_or_create_key(load_settings().secret_file)


# --- loading --------------------------------------------------------------------------


def _load_all(
    kind: Kind, files: list[Path], *, fmt: str | None, mapping: dict[str, str], key: bytes | None
) -> list[_Table]:
    tables, refusals = [], []
    for path in files:
        try:
            tables.append(_load(kind, path, fmt=fmt, mapping=mapping, key=key))
        except FileRefused as refusal:
            refusals.append(str(refusal))
    if refusals:
        raise FileRefused("\n".join(refusals) + ("\nNothing was read." if len(files) > 1 else ""))
    return tables


def _load(
    kind: Kind, path: Path, *, fmt: str | None, mapping: dict[str, str], key: bytes | None
) -> _Table:
    data = _file_bytes(path)
    source_fmt, content = _format_and_content(kind, path, data, fmt)
    geometry: Any = None
    invalid: list[Any] = []
    if content is None:
        frame, geometry, notes = _read_vector(path)
        rows = np.arange(1, len(frame) + 1, dtype="int64")
    else:
        frame, rows, invalid, notes = _parse_csv(path.name, content, police=source_fmt != "csv")
    columns, more = _columns(kind, path.name, source_fmt, frame, mapping, geometry)
    frame = _pseudonymised(frame, columns, key)
    unsplit = _unsplit_rows(path.name, invalid, withhold=key is not None)
    source = SourceFile(path.name, hashlib.sha256(data).hexdigest(), len(frame) + len(unsplit))
    return _Table(source, source_fmt, frame, rows, columns, geometry, unsplit, (*notes, *more))


def _format_and_content(
    kind: Kind, path: Path, data: bytes, fmt: str | None
) -> tuple[str, bytes | None]:
    name = path.name.lower()
    suffix = ".csv" if name.endswith(".csv.gz") else path.suffix.lower()
    detected = fmt or _SUFFIXES.get(suffix)
    if detected is None:
        raise FileRefused(
            f"{path.name}: unknown file type {suffix or '(no suffix)'!r}. Save it as .csv, "
            ".csv.gz, .geojson or .gpkg, or pass the format (fmt=)."
        )
    if detected not in ("csv", "police-uk"):
        return detected, None
    content = _content(path.name, data)
    if fmt is None and kind is Kind.INCIDENTS and _is_police_header(content[:65536]):
        detected = "police-uk"
    return detected, content


def _columns(
    kind: Kind,
    name: str,
    fmt: str,
    frame: pd.DataFrame,
    mapping: dict[str, str],
    geometry: Any,
) -> tuple[dict[str, str], list[str]]:
    if fmt == "police-uk":
        return _police_columns(name, list(frame.columns)), []
    if geometry is not None and frame.empty:
        return {}, [f"{name}: no features"]
    columns = _resolve(kind, name, list(frame.columns), mapping, geometry is not None)
    return columns, _unused_note(frame, columns)


def _pseudonymised(frame: pd.DataFrame, columns: dict[str, str], key: bytes | None) -> pd.DataFrame:
    source = columns.get(sc.PERSON_REF)
    if key is None or source is None:
        return frame
    return frame.assign(**{source: pseudonymise(frame[source], key)})


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise FileRefused(
            f"{path.name}: cannot be read ({error.strerror or type(error).__name__}). "
            "Check the path and that the file is readable."
        ) from None


def _content(name: str, data: bytes) -> bytes:
    if not name.lower().endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise FileRefused(f"{name}: is not a valid gzip file. Re-export or unzip it.") from None


def _is_police_header(head: bytes) -> bool:
    try:
        line = head.removeprefix(_BOM).partition(b"\n")[0].decode("utf-8")
        names = [n.strip() for n in next(csv.reader([line.rstrip("\r")]), [])]
    except (UnicodeDecodeError, csv.Error):
        return False
    return len(names) == len(sc.POLICE_UK_COLUMNS) and set(names) == set(sc.POLICE_UK_COLUMNS)


def _parse_csv(
    name: str, content: bytes, *, police: bool
) -> tuple[pd.DataFrame, np.ndarray, list[Any], list[str]]:
    body, multiline = content.removeprefix(_BOM), not police
    names, notes = _header(name, body)
    _check_utf8(name, body)
    table, invalid = _arrow_csv(name, body, names, multiline=multiline, threads=True)
    if any(row.number is None for row in invalid):
        table, invalid = _arrow_csv(name, body, names, multiline=multiline, threads=False)
    frame = _blank_to_missing(table, trim=multiline).to_pandas()
    rows = _row_numbers(len(frame), [row.number for row in invalid])
    blank = frame.isna().all(axis=1).to_numpy() if len(names) > 1 else np.zeros(len(frame), bool)
    unsplit = [row for row in invalid if row.text.strip()]
    skipped = int(blank.sum()) + len(invalid) - len(unsplit)
    if skipped:
        notes.append(f"{name}: {skipped} blank lines skipped")
    if blank.any():
        frame, rows = frame[~blank].reset_index(drop=True), rows[~blank]
    return frame, rows, unsplit, notes


def _header(name: str, body: bytes) -> tuple[list[str], list[str]]:
    if re.match(rb"\s*", body).end() == len(body):  # type: ignore[union-attr]
        raise FileRefused(f"{name}: the file is empty. Export it again with a header row.")
    if b"\x00" in body[:65536]:
        raise FileRefused(f"{name}: is not a text CSV file (binary content). Save it as CSV.")
    end = body.find(b"\n")
    line = (body if end < 0 else body[:end]).rstrip(b"\r")
    try:
        names = [n.strip() for n in next(csv.reader([line.decode("utf-8")]), [])]
    except (UnicodeDecodeError, csv.Error):
        raise FileRefused(
            f"{name}: the header is not UTF-8 CSV text. Save the file as 'CSV UTF-8'."
        ) from None
    unique, notes = [], []
    for i, col in enumerate(names):
        new = col or f"column_{i + 1}"
        while new in unique:
            new += "_dup"
        unique.append(new)
    if unique != names:
        notes.append(f"{name}: blank or repeated column names renamed")
    return unique, notes


def _check_utf8(name: str, body: bytes) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    try:
        for start in range(0, len(body), step):
            decoder.decode(body[start : start + step], final=start + step >= len(body))
    except UnicodeDecodeError:
        raise FileRefused(f"{name}: is not UTF-8 text. Save the file as 'CSV UTF-8'.") from None


def _arrow_csv(
    name: str, body: bytes, names: list[str], *, multiline: bool, threads: bool
) -> tuple[pa.Table, list[Any]]:
    invalid: list[Any] = []

    def keep(row: Any) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=multiline, ignore_empty_lines=False, invalid_row_handler=keep
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        # never quote Arrow's message: it can contain a row's content
        raise FileRefused(
            f"{name}: cannot be read as UTF-8 CSV (bad characters or quoting). Save it as "
            "'CSV UTF-8' and check that quotes are balanced."
        ) from None
    return table, invalid


def _blank_to_missing(table: pa.Table, *, trim: bool) -> pa.Table:
    if not trim:  # police.uk: blank fields are already null, nothing is padded
        return table.combine_chunks()
    none = pa.scalar(None, type=pa.large_string())
    columns = []
    for column in table.columns:
        trimmed = pc.utf8_trim_whitespace(column)
        columns.append(pc.if_else(pc.equal(trimmed, ""), none, trimmed))
    return pa.table(columns, names=table.column_names).combine_chunks()


def _row_numbers(n_rows: int, invalid: list[int | None]) -> np.ndarray:
    lines = np.arange(2, n_rows + len(invalid) + 2, dtype="int64")
    kept = lines[~np.isin(lines, np.asarray(invalid, dtype="int64"))]
    return kept if len(kept) == n_rows else np.arange(2, n_rows + 2, dtype="int64")


def _unsplit_rows(name: str, rows: list[Any], *, withhold: bool) -> pd.DataFrame:
    """Return as rejected the rows that could not be split into the header's fields.

    With ``withhold`` (missing episodes) the fields are not kept: the person reference
    cannot be found in a row whose fields do not line up, so it could not be hashed.
    """
    if not rows:
        return sc.empty_rejected()
    return pd.DataFrame(
        {
            sc.SOURCE: name,
            sc.ROW_NUMBER: [r.number or 0 for r in rows],
            sc.REASON: [
                f"{BAD_FIELD_COUNT}: expected {r.expected_columns}, found {r.actual_columns}"
                for r in rows
            ],
            sc.RAW: [
                json.dumps({"fields": "withheld" if withhold else _split_line(r.text)})
                for r in rows
            ],
        }
    ).astype(sc.REJECTED_COLUMNS)


def _split_line(text: str) -> list[str]:
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return [text]


def _read_vector(path: Path) -> tuple[pd.DataFrame, Any, list[str]]:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(path)
            gdf = pyogrio.read_dataframe(path, layer=layers[0][0])
    except Exception:  # any failure of the driver means the file is unusable
        raise FileRefused(
            f"{path.name}: cannot be read as GeoJSON / GeoPackage. Check that it opens in "
            "QGIS, or export it again."
        ) from None
    notes = [f"{path.name}: {len(layers)} layers; read the first"] if len(layers) > 1 else []
    if gdf.crs is None:
        notes.append(f"{path.name}: no CRS given; coordinates taken as WGS84 lon/lat")
    elif not gdf.crs.equals(sc.CRS_STORE):
        gdf = gdf.to_crs(sc.CRS_STORE)
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    frame = pd.DataFrame({c: _as_text(attributes[c]) for c in attributes.columns})
    return frame, gdf.geometry.reset_index(drop=True), notes


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        midnight = (values.dropna() == values.dropna().dt.normalize()).all()
        text = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S%z")
    elif pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        text = values.astype("Int64").astype("str")
    else:
        text = values.astype("str")
    text = text.str.strip()
    return text.where(text != "").astype("str")


# --- columns --------------------------------------------------------------------------


def _police_columns(name: str, found: list[str]) -> dict[str, str]:
    missing = [c for c in sc.POLICE_UK_COLUMNS if c not in found]
    if missing:
        raise FileRefused(
            f"{name}: not a police.uk street-level file: columns missing: {missing}; columns "
            f"found: {found}. Use the street CSV from data.police.uk, or read it as fmt='csv' "
            "with --map SRC=DST."
        )
    return {c: c for c in sc.POLICE_UK_COLUMNS}


def _resolve(
    kind: Kind, name: str, found: list[str], mapping: dict[str, str], has_geometry: bool
) -> dict[str, str]:
    by_lower = {c.lower(): c for c in reversed(found)}
    columns: dict[str, str] = {}
    problems = []
    for src, dst in mapping.items():
        column = src if src in found else by_lower.get(src.strip().lower())
        if column is None:
            problems.append(f"mapped column {src!r} (for {_canonical(dst)}) is not in the file")
        else:
            columns[_canonical(dst)] = column
    aliases = _ALIASES | (_WKT_ALIASES if kind is Kind.INTERVENTIONS else {})
    candidates = [(t, t) for t in sorted(_targets(kind))] + list(aliases.items())
    for label, target in candidates:
        column = by_lower.get(label)
        if target not in columns and column is not None and column not in columns.values():
            columns[target] = column
    problems += _missing_required(kind, columns, has_geometry)
    if problems:
        raise FileRefused(_refusal(name, kind, problems, mapping, _shown(kind, found, columns)))
    return columns


def _shown(kind: Kind, found: list[str], columns: dict[str, str]) -> str:
    """Return the columns found for a refusal, withheld when they may be personal data."""
    if kind is Kind.MISSING and not columns:
        return (
            f"{len(found)}, names withheld (none was recognised, so the first line may be "
            "data with a person reference)"
        )
    return str(found)


def _missing_required(kind: Kind, columns: dict[str, str], has_geometry: bool) -> list[str]:
    dated = {sc.DATE, sc.DATETIME} & set(sc.LAYER_COLUMNS[kind])
    missing = [
        f"{field} (or {(dated - {field}).pop()})" if len(dated) == 2 and field in dated else field
        for field in sc.REQUIRED[kind]
        if field not in columns and not (field in dated and dated & set(columns))
    ]
    if not has_geometry and not _located(kind, columns):
        missing.append(f"a location ({sc.LOCATED[kind]})")
    return [f"required column missing: {m}" for m in missing]


def _located(kind: Kind, columns: dict[str, str]) -> bool:
    pairs = [(sc.LON, sc.LAT), (EASTING, NORTHING)]
    if kind is Kind.MISSING:
        pairs += [(sc.FOUND_LON, sc.FOUND_LAT), (FOUND_EASTING, FOUND_NORTHING)]
    located = any(a in columns and b in columns for a, b in pairs)
    if kind in (Kind.KNIFE, Kind.SURVEYS):
        located |= sc.AREA_CODE in columns
    if kind is Kind.INTERVENTIONS:
        located |= sc.GEOMETRY_WKT in columns
    return located


def _refusal(
    name: str, kind: Kind, problems: list[str], mapping: dict[str, str], found: str
) -> str:
    tried = ", ".join(f"{k}={v}" for k, v in mapping.items()) or "none"
    return (
        f"{name}: cannot be read as {kind.value}: " + "; ".join(problems) + f". Mapping tried: "
        f"{tried}. Columns found: {found}. Rename the columns to the schema names, or map "
        "them with --map SRC=DST (e.g. --map 'Crime ref=event_id')."
    )


def _unused_note(frame: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    unused = [c for c in frame.columns if c not in columns.values()]
    return (
        [f"columns not used: {unused[:10]}" + (" ..." if len(unused) > 10 else "")]
        if unused
        else []
    )


# --- building rows --------------------------------------------------------------------


def _build(
    kind: Kind, table: _Table, *, extent: Extent | None, today: date
) -> tuple[pd.DataFrame, Problems]:
    if table.fmt == "police-uk":
        return _build_police(table, extent=extent, today=today)
    get = _getter(table)
    columns, problems = _base_columns(kind, table, get, today)
    located, more = _location_columns(kind, table, get, extent)
    columns, problems = columns | located, problems + more
    typed, more = _typed_columns(kind, get, set(columns))
    columns, problems = columns | typed, problems + more
    category, more = _category(kind, get, columns)
    return pd.DataFrame(columns | category, index=table.frame.index), problems + more


def _getter(table: _Table) -> Callable[[str], pd.Series]:
    def get(target: str) -> pd.Series:
        column = table.columns.get(target)
        if column is None:
            return pd.Series(None, index=table.frame.index, dtype="str")
        return table.frame[column]

    return get


def _build_police(
    table: _Table, *, extent: Extent | None, today: date
) -> tuple[pd.DataFrame, Problems]:
    frame = table.frame
    columns: dict[str, Any] = {t: frame[c] for c, t in _POLICE_MAP.items()}
    columns[sc.EVENT_ID] = _police_ids(frame)
    columns[sc.KIND] = Kind.INCIDENTS.value
    dates = _parse_dates(frame["Month"])
    columns |= {sc.DATE: dates[0], sc.DATE_PRECISION: dates[2]}
    problems = _date_problems(sc.DATE, frame["Month"], dates, today, month_only=True)
    point = _point(frame["Longitude"], frame["Latitude"])
    columns |= {sc.LON: point.lon, sc.LAT: point.lat}
    problems += _location_problems(point, extent, area=None)
    category, more = _category(Kind.INCIDENTS, lambda _: frame["Crime type"], columns)
    return pd.DataFrame(columns | category, index=frame.index), problems + more


def _police_ids(frame: pd.DataFrame) -> pd.Series:
    crime_id = frame["Crime ID"]
    ids = ("pu:" + crime_id).astype("str")
    blank = crime_id.isna().to_numpy()
    if blank.any():
        fields = [pa.array(frame[c]).filter(pa.array(blank)) for c in _ASB_KEY]
        sep = pa.scalar("\x1f", type=fields[0].type)
        joined = pc.binary_join_element_wise(*fields, sep, null_handling="replace")
        codes, keys = pd.factorize(pd.Series(joined, dtype="str"))
        digest = [hashlib.sha256(k.encode("utf-8")).hexdigest()[:20] for k in keys]
        occurrence = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy()
        asb = "pu-asb:" + pd.Series(np.asarray(digest, dtype=object)[codes], dtype="str")
        ids[blank] = (asb + ":" + pd.Series(occurrence.astype("str"), dtype="str")).to_numpy()
    return ids


def _base_columns(
    kind: Kind, table: _Table, get: Callable[[str], pd.Series], today: date
) -> tuple[dict[str, Any], Problems]:
    columns: dict[str, Any] = {sc.EVENT_ID: get(sc.EVENT_ID), sc.KIND: kind.value}
    problems: Problems = [
        (get(field).isna().to_numpy(), f"{MISSING_FIELD}: {field}")
        for field in sc.REQUIRED[kind]
        if field not in (sc.DATE, sc.DATETIME, sc.START_DATE, sc.CATEGORY)
    ]
    if kind is Kind.INTERVENTIONS:
        dates = _parse_dates(get(sc.START_DATE))
        columns[sc.START_DATE] = dates[0]
        return columns, problems + _date_problems(sc.START_DATE, get(sc.START_DATE), dates, None)
    field = sc.DATETIME if kind is Kind.MISSING else sc.DATE
    text = get(sc.DATETIME) if sc.DATETIME in table.columns else get(sc.DATE)
    dates = _parse_dates(text)
    columns |= {sc.DATE: dates[0], sc.DATE_PRECISION: dates[2]}
    if kind is not Kind.SURVEYS:
        columns[sc.DATETIME] = dates[1]
    return columns, problems + _date_problems(field, text, dates, today)


def _date_problems(
    field: str,
    text: pd.Series,
    dates: tuple[pd.Series, pd.Series, pd.Series],
    today: date | None,
    *,
    month_only: bool = False,
) -> Problems:
    blank = text.isna().to_numpy()
    bad = ~blank & dates[0].isna().to_numpy()
    if month_only:
        bad |= ~blank & (dates[2] != sc.DatePrecision.MONTH.value).to_numpy()
    problems = [(blank, f"{MISSING_FIELD}: {field}"), (bad, BAD_DATE)]
    if today is not None:
        problems.append(((dates[0] > pd.Timestamp(today)).to_numpy(), FUTURE_DATE))
    return problems


def _parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
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
        _take(stamp.dt.normalize(), codes, text.index),
        _take(timed, codes, text.index),
        _take(precision, codes, text.index),
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


def _take(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Spread the values parsed once per unique text back to every row (code -1: missing)."""
    extended = pd.concat([values, pd.Series([None], dtype=values.dtype)], ignore_index=True)
    return pd.Series(extended.to_numpy()[codes], index=index, dtype=values.dtype)


# --- locations ------------------------------------------------------------------------


def _numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    try:  # fast path: every value is a plain number
        values = pc.cast(_arrow(text), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = text.notna().to_numpy() & ~np.isfinite(values)
    return np.where(bad, np.nan, values), bad


def _point(
    lon_text: pd.Series,
    lat_text: pd.Series,
    east_text: pd.Series | None = None,
    north_text: pd.Series | None = None,
) -> _Point:
    lon, bad_lon = _numbers(lon_text)
    lat, bad_lat = _numbers(lat_text)
    wgs = lon_text.notna().to_numpy() | lat_text.notna().to_numpy()
    bad = wgs & (bad_lon | bad_lat | np.isnan(lon) | np.isnan(lat))
    bad |= wgs & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    zero = wgs & ~bad & (lon == 0) & (lat == 0)
    point = _Point(lon, lat, wgs, bad, zero)
    if east_text is not None and north_text is not None:
        point = _merge(point, _bng_point(east_text, north_text))
    return _clean(point)


def _bng_point(east_text: pd.Series, north_text: pd.Series) -> _Point:
    east, bad_east = _numbers(east_text)
    north, bad_north = _numbers(north_text)
    given = east_text.notna().to_numpy() | north_text.notna().to_numpy()
    bad = given & (bad_east | bad_north | np.isnan(east) | np.isnan(north))
    bad |= given & ((east < -1e5) | (east > 8e5) | (north < -1e5) | (north > 1.4e6))
    zero = given & ~bad & (east == 0) & (north == 0)
    lon, lat = _bng_transformer().transform(np.where(bad, np.nan, east), north)
    return _Point(np.asarray(lon), np.asarray(lat), given, bad, zero)


@cache
def _bng_transformer() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(sc.CRS_MEASURE, sc.CRS_STORE, always_xy=True)


def _geometry_point(geometry: Any, text: pd.Series | None) -> tuple[_Point, pd.Series]:
    geoms = np.asarray(geometry, dtype=object)
    given = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    rep = shapely.point_on_surface(_only(geoms, given))
    lon, lat = shapely.get_x(rep), shapely.get_y(rep)
    bad = given & ~(np.isfinite(lon) & np.isfinite(lat))
    bad |= given & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if text is not None:  # WKT text that did not parse
        bad |= text.notna().to_numpy() & ~given
        given |= text.notna().to_numpy()
    zero = given & ~bad & (lon == 0) & (lat == 0)
    wkt = shapely.to_wkt(_only(geoms, given & ~bad), rounding_precision=7)
    return _Point(lon, lat, given, bad, zero), pd.Series(wkt, dtype="str")


def _only(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=object)
    out[~keep] = None
    return out


def _merge(first: _Point, second: _Point) -> _Point:
    use = first.given
    return _Point(
        np.where(use, first.lon, second.lon),
        np.where(use, first.lat, second.lat),
        first.given | second.given,
        np.where(use, first.bad, second.bad),
        np.where(use, first.zero, second.zero),
    )


def _clean(point: _Point) -> _Point:
    ok = point.given & ~point.bad
    return replace(point, lon=np.where(ok, point.lon, np.nan), lat=np.where(ok, point.lat, np.nan))


def _location_problems(point: _Point, extent: Extent | None, *, area: pd.Series | None) -> Problems:
    located = point.given | (area.notna().to_numpy() if area is not None else False)
    problems = [(~located, NO_LOCATION), (point.bad, BAD_COORDINATES), (point.zero, AT_ZERO)]
    if extent is not None:
        usable = point.given & ~point.bad & ~point.zero
        problems.append((usable & ~extent.contains(point.lon, point.lat), OUTSIDE_EXTENT))
    return problems


def _location_columns(
    kind: Kind, table: _Table, get: Callable[[str], pd.Series], extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    point = _point(get(sc.LON), get(sc.LAT), get(EASTING), get(NORTHING))
    wkt = None
    if table.geometry is not None:
        shape, wkt = _geometry_point(table.geometry, None)
        point = _clean(_merge(shape, point))
    if kind is Kind.MISSING:
        return _missing_location(point, get, extent)
    if kind is Kind.INTERVENTIONS:
        return _intervention_location(point, wkt, get, extent)
    area = get(sc.AREA_CODE) if kind in (Kind.KNIFE, Kind.SURVEYS) else None
    return {sc.LON: point.lon, sc.LAT: point.lat}, _location_problems(point, extent, area=area)


def _missing_location(
    last: _Point, get: Callable[[str], pd.Series], extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    found = _point(get(sc.FOUND_LON), get(sc.FOUND_LAT), get(FOUND_EASTING), get(FOUND_NORTHING))
    chosen = _merge(last, found)
    basis = pd.Series(np.select([last.given, found.given], ["last seen", "found"], ""))
    basis = basis.where(basis != "")
    problems = _location_problems(chosen, extent, area=None)
    problems += [
        (last.given & found.bad, f"{BAD_COORDINATES}: found location"),
        (last.given & found.zero, f"{AT_ZERO}: found location"),
    ]
    columns = {sc.LON: chosen.lon, sc.LAT: chosen.lat, sc.FOUND_LON: found.lon}
    return columns | {sc.FOUND_LAT: found.lat, sc.LOCATION_BASIS: basis}, problems


def _intervention_location(
    point: _Point, wkt: pd.Series | None, get: Callable[[str], pd.Series], extent: Extent | None
) -> tuple[dict[str, Any], Problems]:
    if wkt is None:
        text = get(sc.GEOMETRY_WKT)
        raw = text.to_numpy(dtype=object, na_value=None)
        shape, wkt = _geometry_point(shapely.from_wkt(raw, on_invalid="ignore"), text)
        point = _clean(_merge(shape, point))
    as_point = shapely.to_wkt(shapely.points(point.lon, point.lat), rounding_precision=7)
    usable = point.given & ~point.bad
    wkt = wkt.where(wkt.notna(), pd.Series(as_point, index=wkt.index).where(usable))
    columns = {sc.GEOMETRY_WKT: wkt.astype("str"), sc.LON: point.lon, sc.LAT: point.lat}
    return columns, _location_problems(point, extent, area=None)


def _typed_columns(
    kind: Kind, get: Callable[[str], pd.Series], done: set[str]
) -> tuple[dict[str, Any], Problems]:
    columns: dict[str, Any] = {}
    problems: Problems = []
    for column, dtype in sc.LAYER_COLUMNS[kind].items():
        if column in done or column in _COMPUTED or column == sc.CATEGORY:
            continue
        text = get(column)
        if column == sc.SCORE and text.isna().all():
            text = _score_text(get(sc.ANSWER))
        parse = _PARSERS.get(dtype[:8])
        if parse is None:
            columns[column] = text
            continue
        columns[column], bad = parse(text)
        reason = BAD_DATE if dtype.startswith("datetime") else BAD_VALUE
        problems.append((bad, f"{reason}: {column}"))
    return columns, problems


def _score_text(answer: pd.Series) -> pd.Series:
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
    return _numbers(text)


def _ages(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values, bad = _numbers(text)
    bad |= ~np.isnan(values) & ((values % 1 != 0) | (values < 0) | (values > 130))
    return pd.Series(np.where(bad, np.nan, values), index=text.index).astype("Int16"), bad


def _timestamps(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    day, stamp, _ = _parse_dates(text)
    values = stamp.fillna(day)
    return values, (text.notna() & values.isna()).to_numpy()


_PARSERS: dict[str, Callable[[pd.Series], tuple[Any, np.ndarray]]] = {
    "boolean": _booleans,
    "float64": _floats,
    "Int16": _ages,
    "datetime": _timestamps,
}


def _category(
    kind: Kind, get: Callable[[str], pd.Series], columns: dict[str, Any]
) -> tuple[dict[str, Any], Problems]:
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
    known = _take(names.str.lower().map(canonical).astype("str"), codes, text.index)
    problems = [(text.notna().to_numpy() & known.isna().to_numpy(), UNKNOWN_CATEGORY)]
    problems.append((text.isna().to_numpy(), f"{MISSING_FIELD}: {sc.CATEGORY}"))
    return {sc.CATEGORY: known.fillna(text)}, problems


# --- assembling -----------------------------------------------------------------------


def _assemble(
    kind: Kind, tables: list[_Table], built: list[tuple[pd.DataFrame, Problems]]
) -> ReadResult:
    frames = [frame for frame, _ in built]
    reasons = np.concatenate([_joined(problems, len(frame)) for frame, problems in built])
    ids = pd.concat([frame[sc.EVENT_ID] for frame in frames], ignore_index=True)
    codes = pd.Series(pd.factorize(ids)[0])
    duplicate = ((codes >= 0) & codes.duplicated()).to_numpy()
    reasons = _joined([(duplicate, DUPLICATE_ID)], 0, reasons)
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


def _joined(problems: Problems, n: int, start: np.ndarray | None = None) -> np.ndarray:
    out = np.full(n, "", dtype=object) if start is None else start.copy()
    for mask, reason in problems:
        if mask.any():
            current = out[mask]
            out[mask] = np.where(current == "", reason, current + "; " + reason)
    return out


def _rejected(tables: list[_Table], reasons: np.ndarray) -> pd.DataFrame:
    parts, start = [], 0
    for table in tables:
        mine = reasons[start : start + len(table.frame)]
        start += len(table.frame)
        bad = mine != ""
        raw = table.frame[bad]
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
