"""Find a layer's columns in a file: the user's mapping, schema names and aliases, refusals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from layers import schema as sc
from layers._errors import FileRefused, SchemaError
from layers.schema import Kind

EASTING, NORTHING = "easting", "northing"
FOUND_EASTING, FOUND_NORTHING = "found_easting", "found_northing"
"""Mapping targets for British National Grid (EPSG:27700) coordinates."""
COMPUTED = frozenset({sc.KIND, sc.DATE_PRECISION, sc.LOCATION_BASIS})
"""Schema columns the reader computes; never read from a file."""

_ALIASES = {"id": sc.EVENT_ID, "longitude": sc.LON, "latitude": sc.LAT, "lng": sc.LON}
_WKT_ALIASES = {"wkt": sc.GEOMETRY_WKT, "geometry": sc.GEOMETRY_WKT}


def mapping_problems(kind: Kind, mapping: Any) -> list[str]:
    """Return what is wrong with a mapping of file columns to targets of ``kind``."""
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


def resolve(
    kind: Kind, name: str, found: list[str], mapping: dict[str, str], has_geometry: bool
) -> dict[str, str]:
    """Return target -> file column: mapped columns first, then schema names and aliases.

    Parameters
    ----------
    kind
        The layer read.
    name
        The file's name, for the refusal.
    found
        The file's columns.
    mapping
        File column -> target, as given by the user (already checked).
    has_geometry
        Whether the file has a geometry column (GeoJSON / GeoPackage).

    Returns
    -------
    dict of str to str
        Target (schema column, ``easting`` ...) -> file column.

    Raises
    ------
    FileRefused
        When a mapped column is absent, or a required column or any location is missing.
    """
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


def unused_note(frame: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    """Return a note naming (up to 10 of) the file's columns that are not read."""
    unused = [c for c in frame.columns if c not in columns.values()]
    return (
        [f"columns not used: {unused[:10]}" + (" ..." if len(unused) > 10 else "")]
        if unused
        else []
    )


def _targets(kind: Kind) -> set[str]:
    targets = set(sc.LAYER_COLUMNS[kind]) - COMPUTED | {EASTING, NORTHING}
    if kind is Kind.MISSING:
        targets |= {FOUND_EASTING, FOUND_NORTHING}
    return targets


def _canonical(target: str) -> str:
    name = target.strip().lower()
    return _ALIASES[name] if name == "id" else name


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
