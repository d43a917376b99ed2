"""Open layer files: bytes within the limits, gzip in checked chunks, UTF-8 CSV text, refusals."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import re
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
from layers._arguments import Limits, check_expansion, check_rows, file_bytes
from layers._errors import FileRefused
from layers._reasons import BAD_FIELD_COUNT, clipped
from layers._vector import ARCHIVES, nested_archive, vector_table

_SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
_BOM = b"\xef\xbb\xbf"
_HEADER_LIMIT = 64 * 1024  # bytes the first line (the header) may take
_MAX_COLUMNS = 1000
_CHUNK = 1024 * 1024  # bytes decompressed at a time


@dataclass(frozen=True)
class OpenedFile:
    """One file's fields as text, before any column is interpreted.

    ``rows`` holds each frame row's line number (header = 1) or feature number (first =
    1); ``invalid`` the CSV rows that could not be split into the header's fields;
    ``broken`` the features whose geometry was given but could not be read.
    """

    name: str
    sha256: str
    fmt: str
    frame: pd.DataFrame
    rows: np.ndarray
    geometry: Any
    invalid: list[Any]
    notes: list[str]
    broken: np.ndarray


def open_file(path: Path, fmt: str | None, *, sniff_police: bool, limits: Limits) -> OpenedFile:
    """Read one file as text fields, detecting its format when ``fmt`` is None.

    Parameters
    ----------
    path
        The file (plain or gzipped CSV, GeoJSON, GeoPackage).
    fmt
        The format, or None to detect it from the suffix.
    sniff_police
        Read a CSV with the police.uk header as ``"police-uk"`` when ``fmt`` is None.
    limits
        Largest file (also decompressed), most rows, largest compression ratio.

    Returns
    -------
    OpenedFile
        Fields as ``str`` columns (blank: missing), with line numbers and notes.

    Raises
    ------
    FileRefused
        When the file cannot be read as a whole or is over a limit; the message never
        quotes its rows.
    """
    data = file_bytes(path, limits)
    source_fmt, content = _format_and_content(path, data, fmt, sniff_police, limits)
    geometry: Any = None
    invalid: list[Any] = []
    if content is None:
        frame, geometry, broken, notes = vector_table(path, limits)
        rows = np.arange(1, len(frame) + 1, dtype="int64")
    else:
        frame, rows, invalid, notes = _parse_csv(path.name, content, police=source_fmt != "csv")
        broken = np.zeros(len(frame), dtype=bool)
    check_rows(path.name, len(frame) + len(invalid), limits)
    digest = hashlib.sha256(data).hexdigest()
    return OpenedFile(path.name, digest, source_fmt, frame, rows, geometry, invalid, notes, broken)


def is_police_header(head: bytes) -> bool:
    """Return True when the first line of ``head`` is exactly the police.uk columns."""
    try:
        line = head.removeprefix(_BOM).partition(b"\n")[0].decode("utf-8")
        names = [n.strip() for n in next(csv.reader([line.rstrip("\r")]), [])]
    except (UnicodeDecodeError, csv.Error):
        return False
    return len(names) == len(sc.POLICE_UK_COLUMNS) and set(names) == set(sc.POLICE_UK_COLUMNS)


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
        return is_police_header(head)
    except (OSError, EOFError, zlib.error):
        return False


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


# --- compressed files -----------------------------------------------------------------


def _gunzip(name: str, data: bytes, limits: Limits) -> bytes:
    """Decompress in chunks, refusing as soon as the output passes a limit."""
    parts, produced = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                check_expansion(name, produced, len(data), limits)
                parts.append(chunk)
    except (OSError, EOFError, zlib.error):
        raise FileRefused(f"{name}: is not a valid gzip file. Re-export or unzip it.") from None
    content = b"".join(parts)
    if content.startswith(ARCHIVES):
        raise nested_archive(name)
    return content


# --- CSV ------------------------------------------------------------------------------


def check_text(name: str, body: bytes) -> None:
    """Refuse text that is UTF-16, holds NUL bytes or is not UTF-8, naming the line.

    Parameters
    ----------
    name
        The file's name, for the message.
    body
        The file's bytes after any UTF-8 byte-order mark.
    """
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(f"{name}: is UTF-16 text, not UTF-8. Save the file as 'CSV UTF-8'.")
    nul = body.find(b"\x00")
    if nul >= 0:
        raise FileRefused(
            f"{name}: line {_line_of(body, nul)} holds a NUL byte: this is binary content, "
            "not a text CSV file. Save it as CSV."
        )
    decoder, step = codecs.getincrementaldecoder("utf-8")(), 1 << 24
    for start in range(0, len(body), step):
        held = len(decoder.getstate()[0])  # bytes of a character begun in the last chunk
        try:
            decoder.decode(body[start : start + step], final=start + step >= len(body))
        except UnicodeDecodeError as error:
            where = min(max(start - held + error.start, 0), len(body) - 1)
            raise FileRefused(
                f"{name}: is not UTF-8 text: line {_line_of(body, where)} holds the byte "
                f"0x{body[where]:02X} (Excel's plain 'CSV' saves Windows-1252). Save the file "
                "as 'CSV UTF-8'."
            ) from None


def _line_of(body: bytes, offset: int) -> int:
    return body.count(b"\n", 0, offset) + 1


def _format_and_content(
    path: Path, data: bytes, fmt: str | None, sniff_police: bool, limits: Limits
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
    content = _gunzip(path.name, data, limits) if name.endswith(".gz") else data
    if fmt is None and sniff_police and is_police_header(content[:65536]):
        detected = "police-uk"
    return detected, content


def _parse_csv(
    name: str, content: bytes, *, police: bool
) -> tuple[pd.DataFrame, np.ndarray, list[Any], list[str]]:
    body, multiline = content.removeprefix(_BOM), not police
    names, notes = _header(name, body)
    if body.find(b"\n") < 0:  # the header alone, without a line break
        body += b"\n"
    table, invalid = _arrow_csv(name, body, names, multiline=multiline)
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
    check_text(name, body)
    end = body.find(b"\n", 0, _HEADER_LIMIT + 1)
    if end < 0 and len(body) > _HEADER_LIMIT:
        raise FileRefused(
            f"{name}: its first line runs over {_HEADER_LIMIT // 1024} KB without a line "
            "break, so it is not a CSV header. Check that the file is a CSV with one row a line."
        )
    line = (body if end < 0 else body[:end]).rstrip(b"\r")
    try:
        names = [n.strip() for n in next(csv.reader([line.decode("utf-8")]), [])]
    except csv.Error:
        raise FileRefused(
            f"{name}: the header is not CSV text. Save the file as 'CSV UTF-8'."
        ) from None
    if len(names) > _MAX_COLUMNS:
        raise FileRefused(
            f"{name}: has {len(names):,} columns; at most {_MAX_COLUMNS:,} are read. "
            "Keep the layer's columns only."
        )
    return _unique_names(name, names)


def _unique_names(name: str, names: list[str]) -> tuple[list[str], list[str]]:
    unique: list[str] = []
    notes = []
    for i, col in enumerate(names):
        new = col or f"column_{i + 1}"
        while new in unique:
            new += "_dup"
        unique.append(new)
    if unique != names:
        notes.append(f"{name}: blank or repeated column names renamed")
    return unique, notes


def _arrow_csv(
    name: str, body: bytes, names: list[str], *, multiline: bool
) -> tuple[pa.Table, list[Any]]:
    """Parse with Arrow: threads first; one thread (true line numbers) or one block if needed."""
    block = None
    try:
        try:
            table, invalid = _arrow_read(body, names, multiline=multiline, threads=True)
        except pa.ArrowInvalid as error:
            if "straddl" not in str(error):  # a line longer than Arrow's 1 MB block
                raise
            block = min(len(body) + 1, 2**31 - 1)
            table, invalid = _arrow_read(body, names, multiline=multiline, block=block)
        if any(row.number is None for row in invalid):
            table, invalid = _arrow_read(body, names, multiline=multiline, block=block)
    except (pa.ArrowException, ValueError, OverflowError, MemoryError):
        # never quote Arrow's message: it can contain a row's content
        raise FileRefused(
            f"{name}: cannot be read as UTF-8 CSV (bad characters or quoting). Save it as "
            "'CSV UTF-8' and check that quotes are balanced."
        ) from None
    return table, invalid


def _arrow_read(
    body: bytes,
    names: list[str],
    *,
    multiline: bool,
    threads: bool = False,
    block: int | None = None,
) -> tuple[pa.Table, list[Any]]:
    invalid: list[Any] = []

    def keep(row: Any) -> str:
        invalid.append(row)
        return "skip"

    sizes = {} if block is None else {"block_size": block}
    table = pa_csv.read_csv(
        pa.py_buffer(body),
        read_options=pa_csv.ReadOptions(
            column_names=names, skip_rows=1, use_threads=threads, **sizes
        ),
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
        fields = next(csv.reader([text]), [])
    except csv.Error:
        fields = [text]
    return [clipped(field) for field in fields]
