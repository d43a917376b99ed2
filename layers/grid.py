"""H3 grid: cells from points (vectorised), parents, strings, polygons, neighbours, coverage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from h3.api import basic_int as h3i
from numpy.typing import ArrayLike

from layers._errors import SchemaError
from layers._unique import as_lonlat, unique_pairs
from layers._unique import unique_points as unique_points  # re-exported
from layers.schema import CRS_STORE, H3_CELL

NEIGHBOUR = "neighbour"
"""Column of :func:`cell_neighbours` holding the cell in the k-ring of ``h3_cell``."""

_MAX_RES = 15
_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF << _RES_SHIFT)
_MODE_SHIFT = 59
_CELL_MODE = 1
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


# --- the one place where (lon, lat) and (lat, lng) swap ------------------------------------
def _to_latlng(lon: Iterable[float], lat: Iterable[float]) -> list[tuple[float, float]]:
    """Return (lat, lng) tuples, as h3 wants them, from x = lon and y = lat sequences."""
    return [(float(y), float(x)) for x, y in zip(lon, lat, strict=True)]


def _to_xy(latlng: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    """Return (x = lng, y = lat) tuples from the (lat, lng) pairs h3 gives."""
    return [(float(pair[1]), float(pair[0])) for pair in latlng]


# --- public functions -----------------------------------------------------------------
def cells_from_points(lon: ArrayLike, lat: ArrayLike, *, resolution: int) -> np.ndarray:
    """Return the H3 cell of each point, computed once per distinct coordinate pair.

    Parameters
    ----------
    lon, lat
        WGS84 longitudes and latitudes of equal length (degrees).
    resolution
        H3 resolution, 0-15.

    Returns
    -------
    numpy.ndarray
        uint64 cells, one per point; 0 where lon or lat is NaN or infinite.

    Raises
    ------
    SchemaError
        When the arrays differ in length, a coordinate is out of range, or the
        resolution is not an integer 0-15.
    """
    _raise(_resolution_problems(resolution))
    lon_a, lat_a = as_lonlat(lon, lat)
    unique_lon, unique_lat, inverse = unique_pairs(lon_a, lat_a)
    unique_cells = np.array(
        [h3i.latlng_to_cell(y, x, resolution) for y, x in _to_latlng(unique_lon, unique_lat)],
        dtype=np.uint64,
    )
    return _scatter(unique_cells, inverse)


def cell_parents(cells: ArrayLike, *, resolution: int) -> np.ndarray:
    """Return the parent of each cell at a coarser resolution, by bit arithmetic on the index.

    The resolution field is set to ``resolution`` and every digit finer than it to 7,
    which is what ``h3.cell_to_parent`` does.

    Parameters
    ----------
    cells
        uint64 H3 cells (0 or NA for "no cell").
    resolution
        Target resolution, not finer than any of the cells.

    Returns
    -------
    numpy.ndarray
        uint64 parents; 0 stays 0.

    Raises
    ------
    SchemaError
        When a value is not an H3 cell or ``resolution`` is finer than a cell's.
    """
    _raise(_resolution_problems(resolution))
    arr = _as_cells(cells, name="cells")
    present = arr != 0
    finest = _resolutions(arr[present])
    if finest.size and int(finest.min()) < resolution:
        raise SchemaError(
            f"cell_parents: resolution={resolution} is finer than some cells (coarsest "
            f"received: {int(finest.min())}). Ask for a resolution <= {int(finest.min())}."
        )
    clear, set_bits = _parent_masks(resolution)
    return np.where(present, (arr & np.uint64(clear)) | np.uint64(set_bits), np.uint64(0))


def parent_sql(column: str, *, resolution: int) -> str:
    """Return a DuckDB SQL expression giving the parent cell of a UBIGINT cell column.

    The same bit arithmetic as :func:`cell_parents`; 0 stays 0 and NULL stays NULL. The
    cells in ``column`` must not be coarser than ``resolution`` (the store keeps res 11).

    Parameters
    ----------
    column
        Column name, optionally qualified (``"e.h3_cell"``); plain identifiers only.
    resolution
        Target resolution, 0-15.

    Returns
    -------
    str
        E.g. used as ``f"SELECT {parent_sql('h3_cell', resolution=8)} AS cell, count(*) ..."``.
    """
    problems = _resolution_problems(resolution)
    if not isinstance(column, str) or not _IDENTIFIER.match(column):
        problems.append(
            f"column must be a plain SQL identifier such as 'h3_cell' or 'e.h3_cell'; "
            f"received {column!r}"
        )
    _raise(problems)
    clear, set_bits = _parent_masks(resolution)
    return (
        f"(CASE WHEN {column} = 0 THEN {column} ELSE "
        f"(({column} & {clear}::UBIGINT) | {set_bits}::UBIGINT) END)"
    )


def cells_to_str(cells: ArrayLike) -> np.ndarray:
    """Return the hexadecimal string of each cell (``h3.int_to_str``), once per distinct cell.

    Parameters
    ----------
    cells
        uint64 H3 cells (0 or NA for "no cell").

    Returns
    -------
    numpy.ndarray
        object array of str; None where the cell is 0.
    """
    arr = _as_cells(cells, name="cells")
    unique, inverse = np.unique(arr, return_inverse=True)
    text = np.array([h3.int_to_str(int(c)) if c else None for c in unique], dtype=object)
    return text[inverse.reshape(-1)]


def str_to_cells(strings: ArrayLike | Sequence[object]) -> np.ndarray:
    """Return the uint64 cell of each hexadecimal H3 string, once per distinct string.

    Parameters
    ----------
    strings
        Hexadecimal H3 cell strings; None, NaN or "" mean "no cell".

    Returns
    -------
    numpy.ndarray
        uint64 cells; 0 where the string is missing.

    Raises
    ------
    SchemaError
        When a string is not a valid H3 cell.
    """
    text = pd.Series(np.asarray(strings, dtype=object).reshape(-1), dtype=object)
    text = text.where(text.notna() & (text != ""), None)
    codes, unique = pd.factorize(text, use_na_sentinel=True)
    bad = [str(s) for s in unique if not (isinstance(s, str) and h3.is_valid_cell(s))]
    if bad:
        raise SchemaError(
            f"strings: {len(bad)} value(s) are not H3 cells, e.g. {bad[:3]}. Pass cell "
            "strings such as '8b195839358efff' (h3.int_to_str), or None for no cell."
        )
    unique_cells = np.array([h3.str_to_int(s) for s in unique], dtype=np.uint64)
    return _scatter(unique_cells, codes.astype(np.int64))


def cell_polygons(cells: ArrayLike) -> gpd.GeoDataFrame:
    """Return the hexagon (or pentagon) of each cell, one row per input cell, in input order.

    Parameters
    ----------
    cells
        uint64 H3 cells; all must be valid (no 0).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``h3_cell`` (uint64) and ``geometry`` (Polygon), EPSG:4326.
    """
    arr = _as_cells(cells, name="cells")
    unique, inverse = np.unique(arr, return_inverse=True)
    _raise(_invalid_cell_problems(unique, name="cells"))
    shapes = _hexagons(unique)
    geometry = gpd.GeoSeries(shapes[inverse.reshape(-1)], crs=CRS_STORE)
    return gpd.GeoDataFrame({H3_CELL: arr}, geometry=geometry, crs=CRS_STORE)


def cell_centres(cells: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return the centre (lon, lat) of each cell, in input order.

    Parameters
    ----------
    cells
        uint64 H3 cells; all must be valid (no 0).

    Returns
    -------
    tuple of numpy.ndarray
        float64 longitudes and latitudes (WGS84).
    """
    arr = _as_cells(cells, name="cells")
    unique, inverse = np.unique(arr, return_inverse=True)
    _raise(_invalid_cell_problems(unique, name="cells"))
    xy = np.asarray(
        _to_xy(h3.cell_to_latlng(h3.int_to_str(int(c))) for c in unique), dtype="float64"
    )
    xy = xy.reshape(-1, 2)[inverse.reshape(-1)]
    return xy[:, 0], xy[:, 1]


def cell_neighbours(cells: ArrayLike, *, k: int = 1) -> pd.DataFrame:
    """Return the k-ring (``h3.grid_disk``) of each distinct cell, the cell itself included.

    Parameters
    ----------
    cells
        uint64 H3 cells; all must be valid (no 0).
    k
        Ring distance, >= 0 (0 gives each cell with itself only).

    Returns
    -------
    pandas.DataFrame
        Columns ``h3_cell`` and ``neighbour`` (both uint64), one row per pair, sorted.
    """
    problems = [] if _is_int(k) and k >= 0 else [f"k must be an integer >= 0; received {k!r}"]
    arr = _as_cells(cells, name="cells")
    unique = np.unique(arr)
    _raise(problems + _invalid_cell_problems(unique, name="cells"))
    disks = [h3i.grid_disk(int(c), k) for c in unique]
    origin = np.repeat(unique, [len(d) for d in disks])
    ring = np.fromiter((n for d in disks for n in d), dtype=np.uint64, count=origin.size)
    pairs = pd.DataFrame({H3_CELL: origin, NEIGHBOUR: ring})
    return pairs.sort_values([H3_CELL, NEIGHBOUR], ignore_index=True)


def cells_covering(areas: gpd.GeoDataFrame | gpd.GeoSeries, *, resolution: int) -> np.ndarray:
    """Return the cells of the study area, edge cells included.

    The rule: every cell whose centre lies in the union of the areas, plus every cell
    whose hexagon intersects that union although its centre is outside. So a point
    anywhere in an area, even right at its edge, has its cell in the set, and no cell
    of the set lies wholly outside the areas.

    Parameters
    ----------
    areas
        Polygons with a CRS (reprojected to EPSG:4326).
    resolution
        H3 resolution, 0-15.

    Returns
    -------
    numpy.ndarray
        Sorted unique uint64 cells; empty when ``areas`` is empty.
    """
    _raise(_resolution_problems(resolution) + _area_problems(areas))
    union = _union_lonlat(areas)
    if union.is_empty:
        return np.array([], dtype=np.uint64)
    inside = _centre_cells(union, resolution)
    edge = _edge_cells(union, resolution)
    return np.union1d(inside, edge).astype(np.uint64)


def resolution_of(cells: ArrayLike) -> int:
    """Return the one resolution shared by the cells (0 and NA are ignored).

    Parameters
    ----------
    cells
        uint64 H3 cells.

    Returns
    -------
    int
        The resolution, 0-15.

    Raises
    ------
    SchemaError
        When there is no cell or the cells mix resolutions.
    """
    arr = _as_cells(cells, name="cells")
    found = np.unique(_resolutions(arr[arr != 0]))
    if found.size != 1:
        raise SchemaError(
            f"cells must share one resolution; received resolutions {found.tolist()}. "
            "Bring them to one with cell_parents(cells, resolution=...)."
        )
    return int(found[0])


# --- private steps --------------------------------------------------------------------
def _scatter(unique_values: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Values per point; position -1 (no point) picks the 0 appended at the end."""
    return np.append(unique_values.astype(np.uint64), np.uint64(0))[inverse]


def _as_cells(cells: ArrayLike, *, name: str) -> np.ndarray:
    if isinstance(cells, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        if not pd.api.types.is_integer_dtype(cells.dtype):
            raise SchemaError(f"{name} must hold integer H3 cells; received dtype {cells.dtype}.")
        cells = pd.array(cells, dtype="UInt64").to_numpy(dtype=np.uint64, na_value=0)
    arr = np.asarray(cells)
    arr = arr.reshape(-1) if arr.size else np.array([], dtype=np.uint64)
    if arr.dtype.kind not in "ui":
        raise SchemaError(
            f"{name} must hold integer H3 cells (uint64); received dtype {arr.dtype}. "
            "Convert hexadecimal strings with str_to_cells()."
        )
    if arr.dtype.kind == "i" and arr.size and int(arr.min()) < 0:
        raise SchemaError(f"{name} holds negative values, which are not H3 cells.")
    arr = arr.astype(np.uint64, copy=False)
    mode = (arr >> np.uint64(_MODE_SHIFT)) & np.uint64(0xF)
    wrong = int(np.sum((arr != 0) & ((mode != _CELL_MODE) | (arr >> np.uint64(63) != 0))))
    if wrong:
        raise SchemaError(f"{name}: {wrong} value(s) are not H3 cell indexes (mode bits).")
    return arr


def _hexagons(cells: np.ndarray) -> np.ndarray:
    rings = [_to_xy(h3i.cell_to_boundary(int(c))) for c in cells]
    if not rings:
        return np.array([], dtype=object)
    coords = np.array([xy for ring in rings for xy in ring], dtype="float64")
    ring_index = np.repeat(np.arange(len(rings)), [len(ring) for ring in rings])
    return shapely.polygons(shapely.linearrings(coords, indices=ring_index))


def _resolutions(cells: np.ndarray) -> np.ndarray:
    return ((cells & _RES_MASK) >> np.uint64(_RES_SHIFT)).astype(np.int64)


def _parent_masks(resolution: int) -> tuple[int, int]:
    finer_digits = (1 << (3 * (_MAX_RES - resolution))) - 1
    clear = ~((0xF << _RES_SHIFT) | finer_digits) & 0xFFFF_FFFF_FFFF_FFFF
    return clear, (resolution << _RES_SHIFT) | finer_digits


def _invalid_cell_problems(unique: np.ndarray, *, name: str) -> list[str]:
    bad = [int(c) for c in unique if not h3i.is_valid_cell(int(c))]
    if not bad:
        return []
    return [f"{name}: {len(bad)} value(s) are not valid H3 cells, e.g. {bad[:3]} (0 = no cell)"]


def _area_problems(areas: object) -> list[str]:
    if not isinstance(areas, gpd.GeoDataFrame | gpd.GeoSeries):
        return [f"areas must be a GeoDataFrame or GeoSeries; received {type(areas).__name__}"]
    problems = [] if areas.crs is not None else ["areas has no CRS; set one with .set_crs()"]
    kinds = set(areas.geometry.dropna().geom_type) - {"Polygon", "MultiPolygon"}
    if kinds:
        problems.append(f"areas must be polygons; received {sorted(kinds)}")
    return problems


def _union_lonlat(areas: gpd.GeoDataFrame | gpd.GeoSeries) -> shapely.Geometry:
    geometry = areas.geometry.to_crs(CRS_STORE).dropna()
    return shapely.union_all(geometry.to_numpy())


def _centre_cells(union: shapely.Geometry, resolution: int) -> np.ndarray:
    polygons = [
        h3.LatLngPoly(
            _to_latlng(*part.exterior.xy), *[_to_latlng(*hole.xy) for hole in part.interiors]
        )
        for part in shapely.get_parts(union)
        if isinstance(part, shapely.Polygon)
    ]
    cells = h3i.h3shape_to_cells(h3.LatLngMultiPoly(*polygons), resolution)
    return np.array(cells, dtype=np.uint64)


def _edge_cells(union: shapely.Geometry, resolution: int) -> np.ndarray:
    """Cells whose hexagon intersects the union, among the 1-rings of the densified edge."""
    spacing_deg = h3.average_hexagon_edge_length(resolution, unit="m") / 4 / 111_320
    edge = shapely.segmentize(union.boundary, spacing_deg)
    xy = shapely.get_coordinates(edge)
    start = np.unique(cells_from_points(xy[:, 0], xy[:, 1], resolution=resolution))
    ring = np.unique(cell_neighbours(start, k=1)[NEIGHBOUR].to_numpy())
    hexagons = cell_polygons(ring).geometry.to_numpy()
    shapely.prepare(union)
    return ring[shapely.intersects(union, hexagons)]


def _resolution_problems(resolution: object) -> list[str]:
    if _is_int(resolution) and resolution in range(_MAX_RES + 1):
        return []
    return [f"resolution must be an integer 0-{_MAX_RES}; received {resolution!r}"]


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _raise(problems: list[str]) -> None:
    if problems:
        raise SchemaError("; ".join(problems) + ".")
