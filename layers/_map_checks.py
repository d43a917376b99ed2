"""Checks of what the map layers are given: one message per problem, raised once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from layers import schema as S
from layers._classify import class_problems
from layers._errors import SchemaError

COUNT = "count"  # count-table columns (layers.aggregate.COUNT_COLUMNS)
PERIOD = "period"


def view_problems(center: Any, zoom: Any, tiles: str | None, attribution: str | None) -> list[str]:
    """Return what is wrong with a map's centre, zoom and tiles (empty: fine)."""
    problems = []
    ok = isinstance(center, tuple | list) and len(center) == 2
    if not ok or not all(isinstance(v, int | float) and math.isfinite(v) for v in center):
        problems.append(f"center must be a (lon, lat) pair of numbers; received {center!r}")
    elif not (-180 <= center[0] <= 180 and -90 <= center[1] <= 90):
        problems.append(f"center must be (lon, lat) in degrees; received {center!r}")
    if not (isinstance(zoom, int) and 0 <= zoom <= 20):
        problems.append(f"zoom must be an integer 0-20; received {zoom!r}")
    if tiles is not None and not attribution:
        problems.append("attribution is required with tiles; pass the tile provider's credit")
    return problems


def count_problems(
    counts: Any, classification: str, n_classes: int, unit: tuple[str, str]
) -> list[str]:
    """Return what is wrong with a count table and how it is to be classed (empty: fine)."""
    problems = []
    if not isinstance(counts, pd.DataFrame):
        problems.append(f"counts must be a DataFrame; received {type(counts).__name__}")
    else:
        missing = [c for c in (S.AREA_CODE, COUNT) if c not in counts.columns]
        if missing:
            problems.append(f"counts lacks column(s) {missing}; pass layers.aggregate.counts(...)")
        elif (counts[COUNT] < 0).any() or (counts[COUNT].isna().any() and "shown" not in counts):
            problems.append(
                "counts['count'] has negative or missing values (a hidden figure needs "
                "its display text in a 'shown' column)"
            )
        if PERIOD in counts.columns and counts[PERIOD].nunique() > 1:
            problems.append(
                f"counts holds {counts[PERIOD].nunique()} periods; map one period "
                "(filter it, or count with period='none')"
            )
    problems += class_problems(classification, n_classes, name="classification")
    return problems + unit_problems(unit)


def unit_problems(unit: Any) -> list[str]:
    """Return what is wrong with a (singular, plural) pair of words (empty: fine)."""
    if isinstance(unit, tuple) and len(unit) == 2 and all(isinstance(u, str) for u in unit):
        return []
    return [f"unit must be (singular, plural) strings; received {unit!r}"]


def area_problems(areas: Any, name: str) -> list[str]:
    """Return what is wrong with a frame of areas (code, name, polygons; empty: fine)."""
    problems = []
    if not isinstance(areas, gpd.GeoDataFrame):
        problems.append(f"{name} must be a GeoDataFrame; received {type(areas).__name__}")
    else:
        missing = [c for c in (S.CODE, S.NAME) if c not in areas.columns]
        if missing:
            problems.append(f"{name} lacks column(s) {missing}; pass Store.boundaries(...)")
        if areas.crs is None:
            problems.append(f"{name} has no CRS; set it (boundaries are EPSG:4326)")
    return problems


def frame_problems(frame: Any, columns: Sequence[str], *, name: str, source: str) -> list[str]:
    """Return what is wrong with a frame that must hold some columns (empty: fine).

    Parameters
    ----------
    frame
        The frame given.
    columns
        Columns it must have.
    name
        The argument's name, for the message.
    source
        The function that makes such frames, for the message ("hotspots.gistar.gi_star").

    Returns
    -------
    list of str
        Messages naming the argument and saying how to fix it.
    """
    if not isinstance(frame, pd.DataFrame):
        return [f"{name} must be a DataFrame from {source}; received {type(frame).__name__}"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        return [f"{name} lacks column(s) {missing}; pass the result of {source}"]
    return []


def raise_problems(problems: list[str]) -> None:
    """Raise one SchemaError listing every problem, when there is any."""
    if problems:
        raise SchemaError("; ".join(problems) + ".")
