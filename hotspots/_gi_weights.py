"""Binary Gi* weights (self included) from H3 k-rings, polygon contiguity or neighbour lists."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from h3.api import basic_int as h3i

from layers.schema import CODE

_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF << _RES_SHIFT)
_EXAMPLES = 3


# --- H3 cells -------------------------------------------------------------------------
def h3_cells(index: pd.Index) -> tuple[np.ndarray, list[str]]:
    """Return the index as uint64 H3 cells (hex strings or integers) and the problems found."""
    if pd.api.types.is_integer_dtype(index.dtype):
        if index.hasnans or (index.size and index.min() < 0):
            return np.zeros(0, dtype=np.uint64), [_not_cells(index, "negative or missing")]
        cells = index.to_numpy(dtype=np.uint64)
        bad = [int(c) for c in cells.tolist() if not h3i.is_valid_cell(c)]
    elif index.size == 0 or pd.api.types.is_string_dtype(index.dtype):
        text = [str(s) for s in index]
        bad_text = [s for s in text if not h3.is_valid_cell(s)]
        if bad_text:
            return np.zeros(0, dtype=np.uint64), [_not_cells(index, repr(bad_text[:_EXAMPLES]))]
        cells, bad = np.array([h3.str_to_int(s) for s in text], dtype=np.uint64), []
    else:
        return np.zeros(0, dtype=np.uint64), [_not_cells(index, f"dtype {index.dtype}")]
    return cells, ([_not_cells(index, repr(bad[:_EXAMPLES]))] if bad else [])


def h3_resolution(cells: np.ndarray) -> tuple[int, list[str]]:
    """Return the one resolution of the cells (-1 when none) and a problem if they mix."""
    found = np.unique(((cells & _RES_MASK) >> np.uint64(_RES_SHIFT)).astype(np.int64))
    if found.size <= 1:
        return (int(found[0]) if found.size else -1), []
    return -1, [
        (
            f"counts: the index mixes H3 resolutions {found.tolist()}; Gi* compares cells of one "
            "size. Count all events at one resolution (e.g. counts by cell at resolution 8)"
        )
    ]


def k_ring_pairs(cells: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (row, neighbour) of every cell's k-ring that lies among ``cells``."""
    disks = [h3i.grid_disk(c, k) for c in cells.tolist()]
    origin = np.repeat(np.arange(cells.size), [len(d) for d in disks])
    ring = np.fromiter(itertools.chain.from_iterable(disks), dtype=np.uint64, count=origin.size)
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    at = np.minimum(np.searchsorted(sorted_cells, ring), max(cells.size - 1, 0))
    found = sorted_cells[at] == ring
    return origin[found], order[at[found]]


# --- polygons ---------------------------------------------------------------------------
def area_labels(areas: gpd.GeoDataFrame) -> pd.Index:
    """Return the labels of the areas: the ``code`` column when there is one, else the index."""
    return pd.Index(areas[CODE]) if CODE in areas.columns else areas.index


def area_problems(areas: object, labels: pd.Index) -> list[str]:
    """Return what stops ``areas`` giving contiguity for the areas ``labels`` (the counts)."""
    if not isinstance(areas, gpd.GeoDataFrame):
        return [f"areas must be a GeoDataFrame of polygons; received {type(areas).__name__}"]
    problems: list[str] = []
    geometry = areas.geometry
    if (geometry.isna() | geometry.is_empty).any():
        problems.append("areas: some rows have no geometry; drop them or give them a polygon")
    kinds = set(geometry.dropna().geom_type) - {"Polygon", "MultiPolygon"}
    if kinds:
        problems.append(f"areas must be polygons; received {sorted(kinds)}")
    own = area_labels(areas)
    if own.has_duplicates:
        problems.append(f"areas: repeated codes {_some(own[own.duplicated()])}; dissolve them")
    return problems + _label_problems(own, labels, what="areas")


def queen_pairs(areas: gpd.GeoDataFrame, labels: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``labels``) of every pair of areas sharing at least a boundary point."""
    geometry = areas.geometry.to_numpy()
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    to_label = labels.get_indexer(area_labels(areas))
    return to_label[left], to_label[right]


# --- neighbour lists --------------------------------------------------------------------
def mapping_problems(neighbours: object, labels: pd.Index) -> list[str]:
    """Return what stops ``neighbours`` being a neighbour list of the areas ``labels``."""
    if not isinstance(neighbours, Mapping):
        return [f"neighbours must be a mapping area -> areas; received {type(neighbours).__name__}"]
    single = [key for key, value in neighbours.items() if not _is_collection(value)]
    if single:
        return [
            (
                f"neighbours: the entries of {_some(single)} are not lists of areas; give each "
                "area a list (an empty list for an area without neighbours)"
            )
        ]
    listed = pd.Index(list(itertools.chain.from_iterable(neighbours.values())))
    problems = _label_problems(pd.Index(list(neighbours)), labels, what="neighbours")
    unknown = listed[~listed.isin(labels)].unique()
    if unknown.size:
        problems.append(f"neighbours name areas that are not in counts: {_some(unknown)}")
    return problems


def mapping_pairs(
    neighbours: Mapping[Any, Iterable[Any]], labels: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (row, neighbour) in ``labels`` of every listed pair."""
    lists = [list(neighbours[label]) for label in labels]
    rows = np.repeat(np.arange(labels.size), [len(x) for x in lists])
    cols = labels.get_indexer(pd.Index(list(itertools.chain.from_iterable(lists))))
    return rows, cols


# --- weights ----------------------------------------------------------------------------
def star_weights(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    """Binary ``(n, n)`` weights of the pairs, with every location its own neighbour."""
    every = np.arange(n)
    data = np.ones(rows.size + n)
    w = sp.csr_matrix(
        (data, (np.concatenate([rows, every]), np.concatenate([cols, every]))), shape=(n, n)
    )
    w.sum_duplicates()
    w.data[:] = 1.0
    return w


def neighbour_counts(weights: sp.csr_matrix) -> np.ndarray:
    """Neighbours of each location, itself not counted."""
    return (np.diff(weights.indptr) - (weights.diagonal() != 0)).astype(np.int64)


# --- private steps ----------------------------------------------------------------------
def _not_cells(index: pd.Index, what: str) -> str:
    return (
        f"counts: the index must hold H3 cells (hex strings such as '8819583923fffff' or "
        f"uint64); received {what}. Count events by cell first (counts by cell)"
    )


def _label_problems(own: pd.Index, labels: pd.Index, *, what: str) -> list[str]:
    missing = labels[~labels.isin(own)]
    extra = own[~own.isin(labels)]
    problems = []
    if missing.size:
        problems.append(
            f"{what}: no entry for {missing.size} area(s) of counts, e.g. {_some(missing)}; "
            "give every area of counts (an empty neighbour list for an isolated area)"
        )
    if extra.size:
        problems.append(
            f"{what}: {extra.size} area(s) have no count, e.g. {_some(extra)}; give counts "
            "for every area of the study area (0 where nothing happened)"
        )
    return problems


def _is_collection(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes)


def _some(values: Iterable[object]) -> str:
    return ", ".join(repr(v) for v in list(values)[:_EXAMPLES])
