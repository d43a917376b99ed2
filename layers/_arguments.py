"""Check the readers' arguments (one error listing every problem) and hold files to the limits."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from layers._columns import mapping_problems
from layers._errors import FileRefused, SchemaError
from layers.schema import Extent, Kind
from layers.settings import Settings, load_settings

FORMATS: tuple[str, ...] = ("police-uk", "csv", "geojson", "gpkg")
"""File formats ``readers.read_layer`` reads (``fmt``)."""

MB = 1024 * 1024
"""Bytes in a megabyte, as ``max_upload_mb`` (and Streamlit's upload limit) counts them."""
_RATIO_FLOOR = MB  # the compression ratio is checked once this much has come out


@dataclass(frozen=True)
class Limits:
    """How big a file a reader accepts: its bytes (also once decompressed), rows and ratio.

    Attributes
    ----------
    max_bytes
        Largest file, and largest decompressed content of a ``.gz`` or ``.zip``, in bytes
        (setting ``max_upload_mb``).
    max_rows
        Most data rows (or features) in one file (setting ``max_rows``).
    max_ratio
        Most a compressed file may expand, as decompressed / compressed size (setting
        ``max_compression_ratio``).
    """

    max_bytes: int
    max_rows: int
    max_ratio: float

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        """Return the limits of ``settings`` (default: :func:`layers.settings.load_settings`)."""
        config = settings if settings is not None else load_settings()
        return cls(
            max_bytes=int(config.max_upload_mb * MB),
            max_rows=int(config.max_rows),
            max_ratio=float(config.max_compression_ratio),
        )


def limits_or_default(limits: Limits | None) -> Limits:
    """Return ``limits``, or those of the settings in force; raise ``SchemaError`` if unusable."""
    if limits is None:
        return Limits.from_settings()
    _raise_if(limits_problems(limits))
    return limits


def limits_problems(limits: Any) -> list[str]:
    """Return what is wrong with ``limits`` (a :class:`Limits` of positive numbers)."""
    if limits is None:
        return []
    if not isinstance(limits, Limits):
        return [f"limits must be a readers.Limits or None, got {type(limits).__name__}"]
    values: dict[str, Any] = {"max_bytes": limits.max_bytes, "max_rows": limits.max_rows}
    values["max_ratio"] = limits.max_ratio
    return [
        f"limits.{name} must be a number above 0, got {value!r}"
        for name, value in values.items()
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
    ]


# --- files held to the limits ---------------------------------------------------------


def file_bytes(path: Path, limits: Limits) -> bytes:
    """Return the bytes of a regular file no bigger than ``limits.max_bytes``.

    Raises
    ------
    FileRefused
        When the file is absent, unreadable, not a regular file or over the limit.
    """
    size = checked_size(path, limits)
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)  # the file may have grown since
    except OSError as error:
        raise unreadable(path.name, error) from None
    if len(data) > limits.max_bytes:
        raise _too_big(path.name, max(size, len(data)), limits)
    return data


def checked_size(path: Path, limits: Limits) -> int:
    """Return the size of ``path``, refusing what is not a regular file or is over the limit."""
    try:
        info = path.stat()
    except OSError as error:
        raise unreadable(path.name, error) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{path.name}: is not a regular file. Give the path of a data file.")
    if info.st_size > limits.max_bytes:
        raise _too_big(path.name, info.st_size, limits)
    return info.st_size


def check_rows(name: str, rows: int, limits: Limits) -> None:
    """Refuse a file of more than ``limits.max_rows`` data rows (or features)."""
    if rows > limits.max_rows:
        raise FileRefused(
            f"{name}: has {rows:,} rows; a file may have at most {limits.max_rows:,} "
            "(setting max_rows). Split the file, or raise ATLAS_MAX_ROWS."
        )


def check_expansion(name: str, produced: int, compressed: int, limits: Limits) -> None:
    """Refuse a compressed file once its output passes the size or ratio limit.

    The ratio is checked only once ``produced`` passes 1 MB: below that nothing can hurt,
    and small files of repeated text compress very well.
    """
    if produced > limits.max_bytes:
        raise FileRefused(
            f"{name}: expands to more than {_mb(limits.max_bytes)} when decompressed (setting "
            "max_upload_mb); reading stopped there. Split the file, or raise "
            "ATLAS_MAX_UPLOAD_MB."
        )
    if produced > _RATIO_FLOOR and produced > limits.max_ratio * max(compressed, 1):
        raise FileRefused(
            f"{name}: expands over {produced // max(compressed, 1):,} times its compressed size "
            f"of {compressed:,} bytes; at most {limits.max_ratio:g} (setting "
            "max_compression_ratio): refused as a possible decompression bomb. Decompress it "
            "yourself and import the plain file, or raise ATLAS_MAX_COMPRESSION_RATIO."
        )


def _too_big(name: str, size: int, limits: Limits) -> FileRefused:
    return FileRefused(
        f"{name}: is {_mb(size)}; files over {_mb(limits.max_bytes)} are refused (setting "
        "max_upload_mb). Split the file, or raise ATLAS_MAX_UPLOAD_MB."
    )


def unreadable(name: str, error: OSError) -> FileRefused:
    """Return the refusal of a file that cannot be opened or read."""
    return FileRefused(
        f"{name}: cannot be read ({error.strerror or type(error).__name__}). "
        "Check the path and that the file is readable."
    )


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size:,} bytes"


# --- read_layer's arguments -----------------------------------------------------------


def checked_arguments(
    kind: Any,
    paths: Any,
    fmt: Any,
    mapping: Any,
    extent: Any,
    today: Any,
    secret: Any,
    limits: Any = None,
) -> tuple[Kind, list[Path]]:
    """Return the layer and the paths, or raise ``SchemaError`` listing every problem."""
    kind_, problems = _checked_kind(kind)
    files, path_problems = _checked_paths(paths)
    problems += path_problems + _checked_format(kind_, fmt, mapping) + limits_problems(limits)
    if kind_ is not None and mapping is not None:
        problems += mapping_problems(kind_, mapping)
    if extent is not None and not isinstance(extent, Extent):
        problems.append(f"extent must be a schema.Extent or None, got {type(extent).__name__}")
    if today is not None and not isinstance(today, date):
        problems.append(f"today must be a datetime.date or None, got {type(today).__name__}")
    if secret is not None and not (isinstance(secret, bytes) and secret):
        problems.append("secret must be non-empty bytes or None (the default key file)")
    if problems or kind_ is None:
        raise SchemaError("; ".join(problems) + ".")
    return kind_, files


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise SchemaError("; ".join(problems) + ". Build it with Limits.from_settings().")


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
