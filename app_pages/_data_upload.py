"""An uploaded layer file: a safe name on disk, its read result, and the words that report it."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from assessments.scoped import ImportReport
from layers import schema as S
from layers._columns import COMPUTED
from layers._errors import FileRefused, SchemaError
from layers.readers import (
    EASTING,
    FOUND_EASTING,
    FOUND_NORTHING,
    NORTHING,
    Limits,
    ReadResult,
    parse_mapping,
    read_layer,
)
from layers.settings import Settings
from layers.text import escape_markdown

MAX_UPLOAD_MB = Settings().max_upload_mb
"""Largest file the Data page accepts by default (setting ``max_upload_mb``); see
:func:`upload_limit_mb` for the limit in force. Streamlit's own ``server.maxUploadSize``
(``.streamlit/config.toml``) must be at least this."""

SUFFIXES: tuple[str, ...] = (".csv.gz", ".csv", ".geojson", ".json", ".gpkg")
"""File endings an upload may have (the saved copy keeps the matching one, lower case)."""

UPLOAD_TYPES: tuple[str, ...] = ("csv", "gz", "geojson", "json", "gpkg")
"""The same endings as ``st.file_uploader`` spells them."""

LAYERS: dict[str, str] = {
    "incidents": "Police incidents",
    "missing": "Missing-child episodes",
    "knife": "Knife injuries (hospital)",
    "surveys": "Community survey answers",
    "interventions": "Location interventions",
}
"""Layers a file can be uploaded for, with their labels."""

FORMATS: dict[str, str] = {
    "auto": "Work it out from the file",
    "police-uk": "police.uk street-level crime CSV",
    "csv": "CSV with your own columns",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
}
"""File formats offered, with their labels (``auto`` lets the reader detect it)."""

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_STEM_LENGTH = 64
_MB = 1024 * 1024  # as max_upload_mb and Streamlit count a megabyte
_NAME_LENGTH = 200


@dataclass(frozen=True)
class Upload:
    """What was read from one upload, kept between reruns until it is imported.

    Attributes
    ----------
    key
        Hash of the file's bytes and of how it was read (layer, format, mapping).
    name
        The uploaded file's own name (directories and control characters removed).
    result
        What the reader returned, with ``name`` as the source name.
    """

    key: str
    name: str
    result: ReadResult


@dataclass(frozen=True)
class LastImport:
    """The latest import of a session: its report, and the upload (rejected rows only)."""

    report: ImportReport
    upload: Upload


def upload_limit_mb(settings: Settings) -> int:
    """Return the largest upload in MB: ``max_upload_mb``, for ``st.file_uploader``."""
    return max(1, int(settings.max_upload_mb))


def upload_key(data: bytes, name: str, *, kind: str, fmt: str, mapping: Mapping[str, str]) -> str:
    """Return a key for one file read one way: equal keys give equal read results."""
    digest = hashlib.sha256(data)
    digest.update(repr((name, kind, fmt, sorted(mapping.items()))).encode("utf-8"))
    return digest.hexdigest()


def shown_name(original: str) -> str:
    """Return the uploaded name without directories or control characters, at most 200 long.

    A longer name keeps its start and its last 40 characters (so its ending).
    """
    base = _CONTROL.sub("", original.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(base) > _NAME_LENGTH:
        base = base[: _NAME_LENGTH - 41] + "…" + base[-40:]
    return base or "upload"


def safe_name(original: str) -> str:
    """Return the name the upload is saved under: letters, digits, ``_`` and ``-``, fixed ending.

    Parameters
    ----------
    original
        The name the browser sent; never used as a path.

    Returns
    -------
    str
        e.g. ``2024_03_avon_and_somerset_street.csv``.

    Raises
    ------
    FileRefused
        When the name does not end in one of :data:`SUFFIXES`.
    """
    base = shown_name(original)
    suffix = next((s for s in SUFFIXES if base.lower().endswith(s)), None)
    if suffix is None:
        raise FileRefused(
            f"{base}: this kind of file cannot be read here. Upload a .csv, .csv.gz, "
            ".geojson, .json or .gpkg file."
        )
    stem = _NAME_CHARS.sub("_", base[: -len(suffix)]).strip("_-")[:_STEM_LENGTH]
    return (stem or "upload") + suffix


def mapping_from_text(text: str) -> dict[str, str]:
    """Read a column mapping typed one pair a line (``Your column = layer column``).

    Blank lines are skipped; ``->`` may stand for ``=``.

    Raises
    ------
    SchemaError
        Listing every line that is not a pair; or (from ``parse_mapping``) a column mapped
        twice.
    """
    lines = [(i, line.replace("->", "=").strip()) for i, line in enumerate(text.splitlines(), 1)]
    pairs = [(i, line) for i, line in lines if line]
    bad = [
        f"line {i} ({line[:40]!r})"
        for i, line in pairs
        if not all(side.strip() for side in line.rpartition("=")[::2]) or "=" not in line
    ]
    if bad:
        raise SchemaError(
            "Column mapping: " + ", ".join(bad) + " is not 'Your column = layer column'. "
            "Write one pair a line, e.g. Crime ref = event_id."
        )
    return parse_mapping([line for _, line in pairs])


def mapping_targets(kind: str) -> list[str]:
    """Return the layer columns a file column can be mapped to, required ones first."""
    layer = S.Kind(kind)
    targets = [c for c in S.LAYER_COLUMNS[layer] if c not in COMPUTED] + [EASTING, NORTHING]
    if layer is S.Kind.MISSING:
        targets += [FOUND_EASTING, FOUND_NORTHING]
    required = [c for c in S.REQUIRED[layer] if c in targets]
    return required + [c for c in targets if c not in required]


def read_upload(
    data: bytes,
    original: str,
    *,
    kind: str,
    fmt: str,
    mapping: Mapping[str, str],
    extent: S.Extent,
    limits: Limits | None = None,
) -> Upload:
    """Save the upload in a fresh temporary folder under a safe name, read it, delete it.

    A file over the size limit is refused before it is written anywhere; the reader
    then holds it to every limit (rows, decompressed size and ratio of a ``.csv.gz``).

    Parameters
    ----------
    data
        The file's bytes.
    original
        The name the browser sent; shown and recorded, never used as a path.
    kind
        The layer (one of :data:`LAYERS`).
    fmt
        One of :data:`FORMATS` (``auto``: let the reader detect it).
    mapping
        File column -> layer column.
    extent
        Points outside this box are rejected.
    limits
        Largest file, most rows, largest compression ratio (default: from the settings,
        ``Limits.from_settings()``; the page passes its own settings').

    Returns
    -------
    Upload
        The read result, its source named after ``original``.

    Raises
    ------
    FileRefused
        When the file cannot be used as a whole or is over a limit (the message names
        ``original``).
    SchemaError
        When the mapping or format does not suit the layer.
    """
    name, saved = shown_name(original), safe_name(original)
    limits = limits if limits is not None else Limits.from_settings()
    if len(data) > limits.max_bytes:
        raise FileRefused(
            f"{name}: is {len(data) / _MB:,.1f} MB; files over "
            f"{limits.max_bytes / _MB:,.1f} MB are refused (setting max_upload_mb). Import it "
            "with `python -m layers import`, or raise ATLAS_MAX_UPLOAD_MB."
        )
    key = upload_key(data, original, kind=kind, fmt=fmt, mapping=mapping)
    with tempfile.TemporaryDirectory(prefix="atlas-upload-") as folder:
        path = Path(folder) / saved
        path.write_bytes(data)
        try:
            result = read_layer(
                kind,
                [path],
                fmt=None if fmt == "auto" else fmt,
                mapping=dict(mapping) or None,
                extent=extent,
                limits=limits,
            )
        except FileRefused as refusal:
            raise FileRefused(str(refusal).replace(saved, name)) from None
    return Upload(key=key, name=name, result=_renamed(result, saved, name))


def _renamed(result: ReadResult, saved: str, name: str) -> ReadResult:
    """Return the result with the saved file's name replaced by the uploaded one."""
    rejected = result.rejected
    if not rejected.empty:
        rejected = rejected.assign(**{S.SOURCE: name}).astype(S.REJECTED_COLUMNS)
    return replace(
        result,
        sources=tuple(replace(s, name=name) for s in result.sources),
        rejected=rejected,
        notes=tuple(note.replace(saved, name) for note in result.notes),
    )


def rows_read(result: ReadResult) -> int:
    """Return the data rows of every file read (valid plus rejected)."""
    return sum(source.rows_read for source in result.sources)


def rejected_table(result: ReadResult, *, limit: int | None = None) -> pd.DataFrame:
    """Return the rejected rows for the screen: row number, reason and (not for missing) the row.

    Missing-child episodes never show the row: their fields are for the download only,
    with the child's reference pseudonymised.
    """
    rows = result.rejected.sort_values(S.ROW_NUMBER, kind="stable")
    table = pd.DataFrame({"Row": rows[S.ROW_NUMBER], "Reason": rows[S.REASON]})
    if result.kind is not S.Kind.MISSING:
        table["The row as read"] = rows[S.RAW]
    table = table.reset_index(drop=True)
    return table if limit is None else table.head(limit)


def reason_counts(result: ReadResult) -> pd.DataFrame:
    """Return each reason for rejection with its number of rows, the commonest first."""
    reasons = result.rejected[S.REASON].value_counts(sort=True)
    return pd.DataFrame({"Reason": reasons.index.astype(str), "Rows": reasons.to_numpy()})


def markdown_text(text: str) -> str:
    """Return text from a file or a user as markdown that shows it literally, on one line."""
    return escape_markdown(text)


def plural(n: int, singular: str, many: str | None = None) -> str:
    """Return ``"1 row"`` or ``"1,234 rows"``."""
    return f"{n:,} {singular if n == 1 else (many or singular + 's')}"


def report_words(report: ImportReport) -> str:
    """Return what an import did in one sentence, e.g. ``Imported 1,234 rows; 3 rejected.``."""
    parts = [f"Imported {plural(report.imported, 'row')}"]
    were = "was" if report.duplicates == 1 else "were"
    parts.append(f"{report.duplicates:,} {were} already in the store")
    rejected = f"{report.rejected:,} rejected"
    parts.append(rejected + (" (reasons below)" if report.rejected else ""))
    if report.outside_wards:
        parts.append(f"{plural(report.outside_wards, 'point')} outside every ward (kept)")
    return "; ".join(parts) + "."
