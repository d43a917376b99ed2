"""Marching squares on a KDE surface: the (multi)polygon where it is at or above a level.

The surface is padded with a ring of zeros so that every contour closes. In each square
of four cell centres whose corners straddle the level, the contour crosses the square's
edges where linear interpolation between the two corners meets the level; a saddle
(two opposite corners above) joins them when the mean of the four corners is above.
Each segment is oriented with the area above on its left, so the segments link into
rings: anticlockwise rings are outer boundaries and clockwise rings are holes, each
hole going to the smallest outer ring holding it. The polygons are then clipped to the
box of the outermost cell centres. Work grows with the length of the contours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import shapely

from hotspots._kde_inputs import is_number
from hotspots._kde_zones import Surface

# Edge crossings of a square: 0 south, 1 east, 2 north, 3 west. A square's case adds 1,
# 2, 4, 8 for its SW, SE, NE, NW corners above the level. Each segment (from, to) keeps
# the area above on its left; saddles (5, 10) are listed joined, then apart.
_SEGMENTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((0, 3),),
    2: ((1, 0),),
    3: ((1, 3),),
    4: ((2, 1),),
    6: ((2, 0),),
    7: ((2, 3),),
    8: ((3, 2),),
    9: ((0, 2),),
    11: ((1, 2),),
    12: ((3, 1),),
    13: ((0, 1),),
    14: ((3, 0),),
}
_SADDLES: dict[int, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]] = {
    5: (((0, 1), (2, 3)), ((0, 3), (2, 1))),
    10: (((3, 0), (1, 2)), ((1, 0), (3, 2))),
}
_EDGE_GAP = 1e-9  # crossings stay this share of an edge away from its corners


def levels_of(levels: object) -> tuple[list[float], list[str]]:
    """Return the levels as floats and the problems found."""
    values = [levels] if is_number(levels) else levels
    if not isinstance(values, Iterable) or isinstance(values, str | bytes):
        return [], [f"levels must be a number or a list of numbers > 0; received {levels!r}"]
    values = list(values)
    bad = [v for v in values if not (is_number(v) and math.isfinite(v) and v > 0)]
    if bad:
        return [], [f"levels must be finite numbers > 0; received {bad[:3]}"]
    return [float(v) for v in values], []


def isoband(surface: Surface, level: float) -> shapely.Geometry:
    """Return the (multi)polygon where the surface is at or above ``level`` (EPSG:27700)."""
    v = np.pad(surface.values, 1)
    starts, ends = _segments(v, level)
    if not starts.size:
        return shapely.Polygon()
    xy = _crossings(v, level, surface)
    rings = _rings(starts, ends, xy)
    shape = _polygons(rings)
    rows, columns = surface.values.shape
    box = shapely.box(
        surface.x0,
        surface.y0,
        surface.x0 + (columns - 1) * surface.cell,
        surface.y0 + (rows - 1) * surface.cell,
    )
    return _as_polygonal(shapely.intersection(shape, box))


def _segments(v: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Start and end crossing ids of every contour segment, area above on the left."""
    above = (v >= level).astype(np.int8)
    case = above[:-1, :-1] + 2 * above[:-1, 1:] + 4 * above[1:, 1:] + 8 * above[1:, :-1]
    ids = _edge_ids(v.shape)
    starts, ends = [], []
    for code, pairs in _segment_table(v, level, case):
        row, col, chosen = code
        for a, b in pairs:
            starts.append(ids[a](row[chosen], col[chosen]))
            ends.append(ids[b](row[chosen], col[chosen]))
    empty = np.array([], dtype=np.int64)
    return (np.concatenate(starts) if starts else empty, np.concatenate(ends) if ends else empty)


def _segment_table(
    v: np.ndarray, level: float, case: np.ndarray
) -> list[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[tuple[int, int], ...]]]:
    """Per case: squares (row, col, which of them) and the segments each gets."""
    table = []
    for code, pairs in _SEGMENTS.items():
        row, col = np.nonzero(case == code)
        table.append(((row, col, np.ones(row.size, dtype=bool)), pairs))
    for code, (joined, apart) in _SADDLES.items():
        row, col = np.nonzero(case == code)
        centre = (v[row, col] + v[row, col + 1] + v[row + 1, col + 1] + v[row + 1, col]) / 4
        table.append(((row, col, centre >= level), joined))
        table.append(((row, col, centre < level), apart))
    return table


def _edge_ids(shape: tuple[int, ...]) -> tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], ...]:
    """Functions (row, col) -> id of a square's south, east, north and west edge."""
    ny, nx = shape
    vertical = ny * (nx - 1)
    return (
        lambda r, c: r * (nx - 1) + c,
        lambda r, c: vertical + r * nx + c + 1,
        lambda r, c: (r + 1) * (nx - 1) + c,
        lambda r, c: vertical + r * nx + c,
    )


def _crossings(v: np.ndarray, level: float, surface: Surface) -> np.ndarray:
    """(x, y) of the level's crossing on every edge, by id (where it crosses)."""
    x0, y0 = surface.x0 - surface.cell, surface.y0 - surface.cell
    ny, nx = v.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        th = np.clip((level - v[:, :-1]) / (v[:, 1:] - v[:, :-1]), _EDGE_GAP, 1 - _EDGE_GAP)
        tv = np.clip((level - v[:-1, :]) / (v[1:, :] - v[:-1, :]), _EDGE_GAP, 1 - _EDGE_GAP)
    row_h, col_h = np.mgrid[0:ny, 0 : nx - 1]
    row_v, col_v = np.mgrid[0 : ny - 1, 0:nx]
    x = np.concatenate([(col_h + th).ravel(), col_v.ravel().astype("float64")])
    y = np.concatenate([row_h.ravel().astype("float64"), (row_v + tv).ravel()])
    return np.column_stack([x0 + x * surface.cell, y0 + y * surface.cell])


def _rings(starts: np.ndarray, ends: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Link the segments into closed rings (each crossing starts one segment, ends one)."""
    by_start = np.argsort(starts, kind="stable")
    following = by_start[np.searchsorted(starts[by_start], ends)].tolist()
    seen = [False] * len(following)
    order: list[int] = []
    lengths: list[int] = []
    for first in range(len(following)):
        current, count = first, 0
        while not seen[current]:
            seen[current] = True
            order.append(current)
            current, count = following[current], count + 1
        if count:
            lengths.append(count)
    labels = np.repeat(np.arange(len(lengths)), lengths)
    return np.asarray(shapely.linearrings(xy[starts[order]], indices=labels), dtype=object)


def _polygons(rings: np.ndarray) -> shapely.Geometry:
    """Outer rings (anticlockwise) with the holes (clockwise) each smallest one holds."""
    outer = shapely.is_ccw(rings)
    shells = shapely.polygons(rings[outer])
    holes = rings[~outer]
    members: list[list[shapely.LinearRing]] = [[] for _ in range(shells.size)]
    if holes.size:
        inner, shell = shapely.STRtree(shells).query(
            shapely.point_on_surface(shapely.polygons(holes)), predicate="within"
        )
        area = shapely.area(shells)
        smallest: dict[int, int] = {}
        for hole, candidate in zip(inner.tolist(), shell.tolist(), strict=True):
            if hole not in smallest or area[candidate] < area[smallest[hole]]:
                smallest[hole] = candidate
        for hole, candidate in smallest.items():
            members[candidate].append(holes[hole])
    parts = [shapely.Polygon(s.exterior, m) for s, m in zip(shells.tolist(), members, strict=True)]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def _as_polygonal(shape: shapely.Geometry) -> shapely.Geometry:
    shape = shape if shape.is_valid else shapely.make_valid(shape)
    parts = [
        p for p in shapely.get_parts(shape) if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
