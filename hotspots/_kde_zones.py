"""Means of a KDE surface over polygons (H3 cells, areas) and bilinear sampling of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike

from hotspots._kde_inputs import to_measure
from layers.schema import CODE, CRS_MEASURE, CRS_STORE

_POLYGONAL = {"Polygon", "MultiPolygon"}


@dataclass(frozen=True)
class Surface:
    """Surface values on cell centres: column j at ``x0 + j * cell``, row i at ``y0 + i * cell``.

    ``fill`` is the value beyond the grid: 0 where the surface is known to be 0 there,
    NaN where it is not known.
    """

    values: np.ndarray
    x0: float
    y0: float
    cell: float
    fill: float

    @classmethod
    def of(cls, result: Any) -> Surface:
        """Return the surface of a :class:`hotspots.kde.KdeResult`."""
        half = result.cell_size / 2
        fill = 0.0 if result.zero_beyond_grid else np.nan
        x0, y0 = result.origin
        return cls(result.density, x0 + half, y0 + half, result.cell_size, fill)

    @property
    def box(self) -> shapely.Polygon:
        """The grid's outer edges (half a cell beyond the outer centres)."""
        rows, columns = self.values.shape
        half = self.cell / 2
        return shapely.box(
            self.x0 - half,
            self.y0 - half,
            self.x0 + (columns - 0.5) * self.cell,
            self.y0 + (rows - 0.5) * self.cell,
        )


def zonal_means(surface: Surface, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean of the surface over the cell centres in each polygon, and their count.

    Parts beyond the grid count as ``surface.fill`` over their area (in cells). A polygon
    holding no centre takes the bilinear value at a point inside it.
    """
    which, row, col = _centres_inside(surface, polygons)
    m = polygons.size
    sums = np.bincount(which, surface.values[row, col], minlength=m)
    used = np.bincount(which, minlength=m).astype(np.int64)
    beyond = _cells_beyond(surface, polygons)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums + np.where(beyond > 0, beyond * surface.fill, 0.0)) / (used + beyond)
    inner = shapely.get_coordinates(shapely.point_on_surface(polygons)) if m else np.empty((0, 2))
    point = bilinear(surface, inner[:, 0], inner[:, 1])
    return np.where(used > 0, mean, point).astype("float64"), used


def bilinear(surface: Surface, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the surface at (x, y) by bilinear interpolation; ``fill`` beyond the grid."""
    rows, columns = surface.values.shape
    fx = np.clip((x - surface.x0) / surface.cell, 0, columns - 1)
    fy = np.clip((y - surface.y0) / surface.cell, 0, rows - 1)
    c0 = np.minimum(np.floor(fx).astype(np.int64), max(columns - 2, 0))
    r0 = np.minimum(np.floor(fy).astype(np.int64), max(rows - 2, 0))
    c1, r1 = np.minimum(c0 + 1, columns - 1), np.minimum(r0 + 1, rows - 1)
    tx, ty = fx - c0, fy - r0
    v = surface.values
    value = (v[r0, c0] * (1 - tx) + v[r0, c1] * tx) * (1 - ty) + (
        v[r1, c0] * (1 - tx) + v[r1, c1] * tx
    ) * ty
    return np.where(shapely.contains_xy(surface.box, x, y), value, surface.fill)


def cell_polygons(cells: ArrayLike) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return the uint64 cells, their hexagons in EPSG:27700 and the problems found."""
    ids, problems = _cell_ids(cells)
    if problems:
        return ids, np.array([], dtype=object), problems
    unique, inverse = np.unique(ids, return_inverse=True)
    rings = [h3.cell_to_boundary(h3.int_to_str(int(c))) for c in unique]
    latlng = np.array([pair for ring in rings for pair in ring], dtype="float64").reshape(-1, 2)
    x, y = to_measure(latlng[:, 1], latlng[:, 0], CRS_STORE)
    index = np.repeat(np.arange(len(rings)), [len(ring) for ring in rings])
    hexagons = shapely.polygons(shapely.linearrings(np.column_stack([x, y]), indices=index))
    shapely.prepare(hexagons)
    return ids, np.asarray(hexagons, dtype=object)[inverse.reshape(-1)], []


def area_polygons(areas: object) -> tuple[list[str], np.ndarray, list[str]]:
    """Return the codes, a copy of the polygons in EPSG:27700 and the problems found."""
    problems = _area_problems(areas)
    if problems:
        return [], np.array([], dtype=object), problems
    frame: gpd.GeoDataFrame = areas
    projected = frame.geometry.to_crs(CRS_MEASURE).to_numpy()
    polygons = shapely.transform(projected, lambda xy: xy)  # new objects: prepare the copies
    shapely.prepare(polygons)
    return [str(c) for c in frame[CODE]], np.asarray(polygons, dtype=object), []


def _centres_inside(
    surface: Surface, polygons: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygon index, row and column of every cell centre inside each polygon."""
    rows, columns = surface.values.shape
    bounds = shapely.bounds(polygons).reshape(-1, 4)
    c_lo = np.clip(np.ceil((bounds[:, 0] - surface.x0) / surface.cell), 0, columns)
    c_hi = np.clip(np.floor((bounds[:, 2] - surface.x0) / surface.cell), -1, columns - 1)
    r_lo = np.clip(np.ceil((bounds[:, 1] - surface.y0) / surface.cell), 0, rows)
    r_hi = np.clip(np.floor((bounds[:, 3] - surface.y0) / surface.cell), -1, rows - 1)
    width = np.maximum(c_hi - c_lo + 1, 0).astype(np.int64)
    height = np.maximum(r_hi - r_lo + 1, 0).astype(np.int64)
    which = np.repeat(np.arange(polygons.size), width * height)
    local = np.arange(which.size) - np.repeat(
        np.cumsum(width * height) - width * height, width * height
    )
    col = c_lo.astype(np.int64)[which] + local % np.maximum(width[which], 1)
    row = r_lo.astype(np.int64)[which] + local // np.maximum(width[which], 1)
    x, y = surface.x0 + col * surface.cell, surface.y0 + row * surface.cell
    inside = shapely.contains_xy(polygons[which], x, y) if which.size else which.astype(bool)
    return which[inside], row[inside], col[inside]


def _cells_beyond(surface: Surface, polygons: np.ndarray) -> np.ndarray:
    """Area of each polygon beyond the grid, in cells (0 when it lies within the grid)."""
    if not polygons.size:
        return np.array([], dtype="float64")
    outside = shapely.area(polygons) - shapely.area(shapely.intersection(polygons, surface.box))
    cells = outside / surface.cell**2
    return np.where(
        cells > 1e-9 * np.maximum(shapely.area(polygons), 1) / surface.cell**2, cells, 0
    )


def _cell_ids(cells: ArrayLike) -> tuple[np.ndarray, list[str]]:
    values = pd.Series(np.asarray(cells, dtype=object).reshape(-1), dtype=object)
    try:
        ids = np.array([_as_int(v) for v in values], dtype=np.uint64)
    except (TypeError, ValueError, OverflowError):
        return np.array([], dtype=np.uint64), [
            "cells must be H3 cells: uint64 integers or hexadecimal strings, none missing"
        ]
    unique = np.unique(ids)
    bad = [int(c) for c in unique if not h3.is_valid_cell(h3.int_to_str(int(c)))]
    if bad:
        return ids, [f"cells holds {len(bad):,} values that are not H3 cells, e.g. {bad[:3]}"]
    resolutions = sorted({h3.get_resolution(h3.int_to_str(int(c))) for c in unique})
    if len(resolutions) > 1:
        return ids, [
            (
                f"cells mix resolutions {resolutions}; pass cells of one resolution (bring "
                "them to one with layers.grid.cell_parents)"
            )
        ]
    return ids, []


def _as_int(value: object) -> int:
    if isinstance(value, str):
        return int(h3.str_to_int(value))
    if isinstance(value, bool) or value is None or value is pd.NA:
        raise TypeError(value)
    number = int(value)  # type: ignore[call-overload]
    if number < 0 or number != value:
        raise ValueError(value)
    return number


def _area_problems(areas: object) -> list[str]:
    if not isinstance(areas, gpd.GeoDataFrame):
        name = type(areas).__name__
        return [f"areas must be a GeoDataFrame with '{CODE}' and polygons; received {name}"]
    problems = [] if areas.crs is not None else ["areas has no CRS; set it with .set_crs()"]
    if CODE not in areas.columns:
        problems.append(f"areas lacks a '{CODE}' column; rename the column holding area codes")
    elif areas[CODE].isna().any() or areas[CODE].duplicated().any():
        problems.append(f"areas['{CODE}'] must be unique and present; dissolve duplicates first")
    geometry = areas.geometry
    blank = int((geometry.isna() | geometry.is_empty).sum())
    if blank:
        problems.append(f"areas has {blank:,} missing or empty geometries; drop them first")
    kinds = set(geometry.dropna().geom_type) - _POLYGONAL
    if kinds:
        problems.append(f"areas must be polygons; received {sorted(kinds)}")
    return problems
