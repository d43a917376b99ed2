"""Check the arguments of ``readers.read_layer``, collecting every problem into one error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from layers._columns import mapping_problems
from layers._errors import SchemaError
from layers.schema import Extent, Kind

FORMATS: tuple[str, ...] = ("police-uk", "csv", "geojson", "gpkg")
"""File formats ``readers.read_layer`` reads (``fmt``)."""


def checked_arguments(
    kind: Any, paths: Any, fmt: Any, mapping: Any, extent: Any, today: Any, secret: Any
) -> tuple[Kind, list[Path]]:
    """Return the layer and the paths, or raise ``SchemaError`` listing every problem."""
    kind_, problems = _checked_kind(kind)
    files, path_problems = _checked_paths(paths)
    problems += path_problems + _checked_format(kind_, fmt, mapping)
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
