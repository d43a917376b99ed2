"""Open layer files: bytes and hash, gzip, UTF-8 CSV text, GeoJSON / GeoPackage, refusals."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from layers import schema as sc
from layers._errors import FileRefused
from layers._reasons import BAD_FIELD_COUNT

_SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class OpenedFile:
    """One file's fields as text, before any column is interpreted.

    ``rows`` holds each frame row's line number (header = 1) or feature number (first =
    1); ``invalid`` the CSV rows that could not be split into the header's fields.
    """

    name: str
    sha256: str
    fmt: str
    frame: pd.DataFrame
    rows: np.ndarray
    geometry: Any
    invalid: list[Any]
    notes: list[str]


def open_file(path: Path, fmt: str | None, *, sniff_police: bool) -> OpenedFile:
    """Read one file as text fields, detecting its format when ``fmt`` is None.

    Parameters
    ----------
    path
        The file (plain or gzipped CSV, GeoJSON, GeoPackage).
    fmt
        The format, or None to detect it from the suffix.
    sniff_police
        Read a CSV with the police.uk header as ``"police-uk"`` when ``fmt`` is None.

    Returns
    -------
    OpenedFile
        Fields as ``str`` columns (blank: missing), with line numbers and notes.

    Raises
    ------
    FileRefused
        When the file cannot be read as a whole; the message never quotes its rows.
    """
    data = _file_bytes(path)
    source_fmt, content = _format_and_content(path, data, fmt, sniff_police)
    geometry: Any = None
    invalid: list[Any] = []
    if content is None:
        frame, geometry, notes = _read_vector(path)
        rows = np.arange(1, len(frame) + 1, dtype="int64")
    else:
        frame, rows, invalid, notes = _parse_csv(path.name, content, police=source_fmt != "csv")
    digest = hashlib.sha256(data).hexdigest()
    return OpenedFile(path.name, digest, source_fmt, frame, rows, geometry, invalid, notes)


def is_police_header(head: bytes) -> bool:
    """Return True when the first line of ``head`` is exactly the police.uk columns."""
    try:
        line = head.removeprefix(_BOM).partition(b"\n")[0].decode("utf-8")
        names = [n.strip() for n in next(csv.reader([line.rstrip("\r")]), [])]
    except (UnicodeDecodeError, csv.Error):
        return False
    return len(names) == len(sc.POLICE_UK_COLUMNS) and set(names) == set(sc.POLICE_UK_COLUMNS)


def unsplit_rows(name: str, rows: list[Any], *, withhold: bool) -> pd.DataFrame:
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


def _format_and_content(
    path: Path, data: bytes, fmt: str | None, sniff_police: bool
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
    if fmt is None and sniff_police and is_police_header(content[:65536]):
        detected = "police-uk"
    return detected, content


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
