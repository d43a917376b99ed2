"""Checks and conversions at the boundary of the KDE functions: points, weights, extent, options."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeGuard

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers._errors import SchemaError
from layers.schema import CRS_MEASURE, CRS_STORE, LAT, LON

Box = tuple[float, float, float, float]
_POINT = shapely.GeometryType.POINT


def points_xy(points: object) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return eastings and northings (EPSG:27700) of ``points`` and the problems found.

    Accepts a GeoDataFrame or GeoSeries of points in any CRS, or a plain DataFrame with
    ``lon`` / ``lat`` columns in EPSG:4326.
    """
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        return _geometry_xy(points)
    if isinstance(points, pd.DataFrame):
        return _lonlat_xy(points)
    return _none(
        f"points must be a GeoDataFrame or GeoSeries of points, or a DataFrame with "
        f"'{LON}' / '{LAT}' columns (EPSG:4326); received {type(points).__name__}"
    )


def weights_of(weights: object, points: object, n: int) -> tuple[np.ndarray | None, list[str]]:
    """Return the weights as float64 (None when not given) and the problems found."""
    if weights is None:
        return None, []
    if isinstance(weights, str):
        if not isinstance(points, pd.DataFrame) or weights not in points.columns:
            return None, [
                (
                    f"weights={weights!r} names no column of points; pass the name of a "
                    "column of points, or an array of one weight per point"
                )
            ]
        weights = points[weights]
    try:
        w = pd.to_numeric(pd.Series(np.asarray(weights, dtype=object).reshape(-1))).to_numpy(
            dtype="float64", na_value=np.nan
        )
    except (TypeError, ValueError):
        return None, ["weights must be numbers (a column name or an array of one per point)"]
    return w, _weight_problems(w, n)


def extent_box(extent: object) -> tuple[Box | None, list[str]]:
    """Return ``extent`` as (xmin, ymin, xmax, ymax) in EPSG:27700 metres and the problems."""
    if extent is None:
        return None, []
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        if extent.crs is None or extent.empty:
            return None, ["extent (a GeoDataFrame) must have a CRS and at least one geometry"]
        bounds = extent.geometry.to_crs(CRS_MEASURE).total_bounds
        return _box_problems(tuple(float(b) for b in bounds))
    if isinstance(extent, Sequence | np.ndarray) and len(extent) == 4:
        try:
            return _box_problems(tuple(float(b) for b in extent))
        except (TypeError, ValueError):
            pass
    return None, [
        (
            "extent must be (xmin, ymin, xmax, ymax) in EPSG:27700 metres or a GeoDataFrame "
            f"/ GeoSeries whose bounds to use; received {extent!r}"
        )
    ]


def positive_problems(name: str, value: object) -> list[str]:
    """Return a problem unless ``value`` is None or a finite number > 0."""
    if value is None or (is_number(value) and math.isfinite(value) and value > 0):
        return []
    return [f"{name} must be a number of metres > 0 (or None to choose it); received {value!r}"]


def choice_problems(name: str, value: object, choices: tuple[str, ...]) -> list[str]:
    """Return a problem unless ``value`` is one of ``choices``."""
    if isinstance(value, str) and value in choices:
        return []
    return [f"{name} must be one of {list(choices)}; received {value!r}"]


def is_number(value: object) -> TypeGuard[float]:
    """Return whether ``value`` is a real number (bool excluded)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def refuse(function: str, problems: list[str]) -> None:
    """Raise one SchemaError listing every problem, when there is any."""
    if problems:
        raise SchemaError(f"{function}: " + "; ".join(problems) + ".")


def to_measure(x: np.ndarray, y: np.ndarray, crs: object) -> tuple[np.ndarray, np.ndarray]:
    """Return x, y reprojected from ``crs`` to EPSG:27700 (unchanged when already there)."""
    source = pyproj.CRS.from_user_input(crs)
    if source == pyproj.CRS.from_user_input(CRS_MEASURE):
        return x, y
    return _transformer(source.to_wkt(), CRS_MEASURE).transform(x, y)


def from_measure(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return lon, lat (EPSG:4326) of EPSG:27700 eastings and northings."""
    return _transformer(CRS_MEASURE, CRS_STORE).transform(x, y)


@lru_cache(maxsize=8)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _geometry_xy(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if points.crs is None:
        return _none("points has no CRS; set it with .set_crs('EPSG:4326') or the right one")
    geometry = np.asarray(points.geometry.array, dtype=object)
    kind = shapely.get_type_id(geometry)  # -1 where missing
    other = int(np.count_nonzero((kind != _POINT) & (kind != -1)))
    points_only = geometry[kind == _POINT] if other else geometry  # None gives no row
    xy = shapely.get_coordinates(points_only)  # nor does an empty point
    missing = geometry.size - other - xy.shape[0]
    problems = []
    if missing:
        problems.append(f"points has {missing:,} missing or empty geometries; drop them first")
    if other:
        problems.append(
            f"points has {other:,} geometries that are not Points; use .representative_point()"
        )
    if problems:
        return _none(*problems)
    x, y = to_measure(xy[:, 0], xy[:, 1], points.crs)
    return _finite(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))


def _lonlat_xy(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    absent = [c for c in (LON, LAT) if c not in points.columns]
    if absent:
        return _none(
            f"points (a plain DataFrame) lacks column(s) {absent}; give '{LON}' / '{LAT}' in "
            "EPSG:4326, or pass a GeoDataFrame"
        )
    lon = pd.to_numeric(points[LON], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lat = pd.to_numeric(points[LAT], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = int(np.count_nonzero(~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))))
    if bad:
        return _none(
            f"points has {bad:,} rows whose lon / lat is missing or out of range; drop them"
        )
    x, y = to_measure(lon, lat, CRS_STORE)
    return _finite(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))


def _finite(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    bad = int(np.count_nonzero(~(np.isfinite(x) & np.isfinite(y))))
    if bad:
        return _none(f"points has {bad:,} locations outside EPSG:27700's range; check their CRS")
    return x, y, []


def _none(*problems: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    empty = np.array([], dtype="float64")
    return empty, empty, list(problems)


def _weight_problems(w: np.ndarray, n: int) -> list[str]:
    if w.size != n:
        return [f"weights has {w.size:,} values for {n:,} points; give one per point"]
    bad = int(np.count_nonzero(~(np.isfinite(w) & (w >= 0))))
    if bad:
        return [f"weights has {bad:,} values that are missing, infinite or negative; fix them"]
    return []


def _box_problems(box: tuple[float, ...]) -> tuple[Box | None, list[str]]:
    xmin, ymin, xmax, ymax = box
    if not all(math.isfinite(b) for b in box) or xmax < xmin or ymax < ymin:
        return None, [
            (
                "extent must be finite (xmin, ymin, xmax, ymax) with xmin <= xmax and "
                f"ymin <= ymax in EPSG:27700 metres; received {box}"
            )
        ]
    return (xmin, ymin, xmax, ymax), []
