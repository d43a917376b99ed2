"""Where an intervention is compared: its treated area, the ring around it, similar cells elsewhere.

Everything here is measured in British National Grid metres (EPSG:27700); the one pair of
transformers between it and WGS84 lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely

from layers import schema as S


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def to_metres(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return eastings and northings (EPSG:27700) of WGS84 longitudes and latitudes."""
    x, y = _transformer(S.CRS_STORE, S.CRS_MEASURE).transform(lon, lat)
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def geometry_to_metres(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return a WGS84 geometry in EPSG:27700."""
    forward = _transformer(S.CRS_STORE, S.CRS_MEASURE)
    return shapely.transform(geometry, forward.transform, interleaved=False)


def geometry_to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return an EPSG:27700 geometry in WGS84."""
    back = _transformer(S.CRS_MEASURE, S.CRS_STORE)
    return shapely.transform(geometry, back.transform, interleaved=False)


@dataclass(frozen=True)
class SiteAreas:
    """The treated area and the ring around it, in metres.

    Attributes
    ----------
    treated
        The intervention's polygon, or the disc of ``point_buffer_m`` around a point (or
        around a line).
    ring
        The band ``ring_width_m`` wide around the treated area (treated area excluded).
    region
        Treated area and ring together (controls lie wholly outside it).
    from_point
        True when the treated area is a disc around a point (or line).
    """

    treated: shapely.Geometry
    ring: shapely.Geometry
    region: shapely.Geometry
    from_point: bool


def site_areas(
    geometry_m: shapely.Geometry, *, point_buffer_m: float, ring_width_m: float
) -> SiteAreas:
    """Return the treated area and its ring for an intervention geometry in metres."""
    from_point = shapely.area(geometry_m) <= 0
    treated = shapely.buffer(geometry_m, point_buffer_m) if from_point else geometry_m
    region = shapely.buffer(treated, ring_width_m)
    ring = shapely.difference(region, treated)
    for shape in (treated, ring, region):
        shapely.prepare(shape)
    return SiteAreas(treated=treated, ring=ring, region=region, from_point=bool(from_point))


def membership(
    areas: SiteAreas, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the rows of points in the region's box, and which of them are treated / ring.

    A point on the edge of the treated area counts as treated.

    Returns
    -------
    tuple of numpy.ndarray
        Row indices (int64) of the candidate points, and two boolean masks over them.
    """
    min_x, min_y, max_x, max_y = shapely.bounds(areas.region)
    rows = np.flatnonzero((x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y))
    px, py = x[rows], y[rows]
    treated = shapely.intersects_xy(areas.treated, px, py)
    in_region = shapely.intersects_xy(areas.region, px, py)
    return rows, treated, in_region & ~treated


@dataclass(frozen=True)
class ControlCells:
    """The candidate comparison cells of a store, in metres, with a spatial index.

    Attributes
    ----------
    cells
        uint64 H3 cells (sorted).
    shapes
        Their hexagons in metres.
    centre_x, centre_y
        Their centres in metres.
    tree
        A shapely STRtree over ``shapes``.
    """

    cells: np.ndarray
    shapes: np.ndarray
    centre_x: np.ndarray
    centre_y: np.ndarray
    tree: shapely.STRtree


def control_cells(cells: np.ndarray, shapes_lonlat: np.ndarray) -> ControlCells:
    """Return the cells as candidate controls (hexagons given in WGS84)."""
    shapes = np.asarray(geometry_to_metres(shapes_lonlat), dtype=object)
    centres = shapely.centroid(shapes)
    return ControlCells(
        cells=cells,
        shapes=shapes,
        centre_x=shapely.get_x(centres),
        centre_y=shapely.get_y(centres),
        tree=shapely.STRtree(shapes),
    )


def matched_cells(
    controls: ControlCells,
    level: np.ndarray,
    *,
    target: float,
    region: shapely.Geometry,
    how_many: int,
) -> np.ndarray:
    """Return indices of the cells outside the region whose level is closest to ``target``.

    Ties in level go to the nearer cell (centre to the region's centroid), then to the
    lower cell id, so the choice is reproducible.

    Parameters
    ----------
    controls
        The candidate cells.
    level
        Each candidate's count per window: its before and after counts together, halved.
        Matching on the before window alone would pick cells that were busy by chance in
        it and fall back after (regression to the mean): on the demo store that made
        placebo sites show a 12 % rise. Given both windows' total, the split between them
        carries no selection, so the comparison's change is unbiased.
    target
        The treated area's count in the before window (its level before the start).
    region
        Treated area and ring: cells touching it are not candidates.
    how_many
        Cells to keep (fewer when fewer lie outside the region).

    Returns
    -------
    numpy.ndarray
        int64 indices into ``controls.cells``, closest first.
    """
    touching = controls.tree.query(region, predicate="intersects")
    outside = np.ones(controls.cells.size, dtype=bool)
    outside[touching] = False
    candidates = np.flatnonzero(outside)
    centre = shapely.centroid(region)
    distance = np.hypot(
        controls.centre_x[candidates] - shapely.get_x(centre),
        controls.centre_y[candidates] - shapely.get_y(centre),
    )
    gap = np.abs(level[candidates].astype("float64") - target)
    order = np.lexsort((controls.cells[candidates], distance, gap))
    return candidates[order[:how_many]].astype(np.int64)
