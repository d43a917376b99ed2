"""The assessment planner's candidate places: wards, H3 cells, or connected hot spot cells."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from assessments.disclosure import DisclosurePolicy
from hotspots.emerging import MIN_STEPS, cube_from_counts, emerging_hotspots
from hotspots.gistar import gi_star
from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.aggregate import counts
from layers.store import Store
from layers.trend_table import comparison_window

CELL_RESOLUTION = 9
"""H3 resolution of the hexagons analysed inside wards and of ``hotspots`` (about 0.1 km²:
fine enough to show a planted 250 m hot spot, coarse enough to hold events)."""

HOT_BIN = 2
"""Smallest Gi* bin that makes a hexagon part of a hot spot (95 % confidence, FDR), as in
the area profile, so that a ``hotspot:CELL`` link opens the same cluster."""

UNITS = ("ward", "h3:RES", "hotspots", "hotspots:RES")
"""How ``unit`` may be written (RES: H3 resolution 6-10)."""

_UNIT = re.compile(r"(ward)|(h3|hotspots):(\d{1,2})|(hotspots)")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_RESOLUTIONS = range(6, 11)
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """A checked request: the unit, the months and the layers counted."""

    unit: str  # "ward", "h3" or "hotspots"
    resolution: int  # H3 resolution of the hexagons analysed
    date_from: str  # YYYY-MM
    date_to: str
    months: int
    window: int  # months in each window of the period comparison (0: none)
    window_reason: str
    kinds: tuple[str, ...]
    policy: DisclosurePolicy


@dataclass(frozen=True)
class Places:
    """The candidates and how the areas that are counted map onto them.

    ``names``: index ``area_code``, columns ``area_name``, ``profile`` and ``cells``
    (a hot spot's hexagons joined by commas, a hexagon itself, empty for a ward).
    ``base``: the unit counts are made in (``ward`` or ``h3:RES``) and ``group`` maps
    each of its area codes to a candidate. ``cells`` maps hexagons (hex strings at the
    request's resolution) to the candidate holding them (a ward: those whose centre it
    holds); hexagons of no candidate are absent.
    """

    names: pd.DataFrame
    base: str
    group: pd.Series
    cells: pd.Series


@dataclass(frozen=True)
class CellStats:
    """Monthly counts of every hexagon (counted layers together) and their emerging class."""

    monthly: pd.DataFrame
    emerging: pd.DataFrame | None
    notes: list[str]
    resolution: int

    @property
    def by(self) -> str:
        """The count unit of the hexagons: ``h3:RES``."""
        return f"h3:{self.resolution}"

    def events(self, months: int) -> pd.Series:
        """Events of each hexagon in its last ``months`` months (0: every month), float64."""
        periods = sorted(self.monthly["period"].unique())
        kept = self.monthly[self.monthly["period"].isin(periods[-months:] if months else periods)]
        return kept.groupby("area_code")["count"].sum().astype("float64")


def request_of(
    store: Store,
    unit: object,
    date_from: object,
    date_to: object,
    kinds: tuple[str, ...],
    policy: DisclosurePolicy | None,
    problems: list[str],
) -> Request:
    """Check the unit and the months, adding to ``problems``; raise them all; fill defaults."""
    problems = list(problems)
    kind, resolution = _unit(unit, problems)
    months = [_month(v, n, problems) for v, n in ((date_from, "date_from"), (date_to, "date_to"))]
    span = store.date_range([S.Kind(k) for k in kinds])
    if span is None:
        problems.append("the store holds no events of the layers weighted; import data first")
    if problems or span is None or policy is None:
        raise SchemaError("candidate_places: " + "; ".join(problems) + ".")
    first = months[0] or f"{span[0]:%Y-%m}"
    last = months[1] or f"{span[1]:%Y-%m}"
    if first > last:
        raise SchemaError(
            f"candidate_places: date_from {first} is after date_to {last}; swap them."
        )
    count = len(pd.period_range(first, last, freq="M"))
    window, reason = comparison_window(count)
    return Request(kind, resolution, first, last, count, window, reason, kinds, policy)


def cell_stats(store: Store, request: Request) -> CellStats:
    """Count every hexagon by month and classify it as an emerging hot spot (or say why not)."""
    monthly = counts(
        store,
        by=f"h3:{request.resolution}",
        kinds=request.kinds,
        date_from=request.date_from,
        date_to=request.date_to,
        period="month",
    )
    if request.months < MIN_STEPS:
        note = (
            f"Emerging hot spots need at least {MIN_STEPS} months; {request.months} chosen, so "
            "the emerging component is 0 everywhere."
        )
        return CellStats(monthly, None, [note], request.resolution)
    emerging, notes = guarded(
        "Emerging hot spots",
        lambda: emerging_hotspots(cube_from_counts(_sparse(monthly)), pool="auto"),
    )
    return CellStats(monthly, emerging, notes, request.resolution)


def candidates(store: Store, request: Request, stats: CellStats) -> tuple[Places, list[str]]:
    """Return the candidate places of the request's unit, and notes on how they were found."""
    coverage = _coverage(store, request.resolution)
    if request.unit == "ward":
        return _wards(store, coverage), []
    if request.unit == "h3":
        return _cells(store, request, stats, coverage), []
    return _hotspots(store, request, coverage)


def place_outlines(store: Store, places: Places, unit: str) -> gpd.GeoSeries:
    """Return each candidate's outline (EPSG:4326), indexed by ``area_code``."""
    codes = places.names.index
    if unit == "ward":
        wards = store.boundaries(S.Level.WARD).set_index(S.CODE).geometry
        return gpd.GeoSeries(wards.reindex(codes).to_numpy(), index=codes, crs=S.CRS_STORE)
    return cell_outlines(places.cells[places.cells.isin(codes)]).reindex(codes)


def cell_outlines(members: pd.Series) -> gpd.GeoSeries:
    """Union of the hexagons of each place: ``members`` maps hex cells to place codes."""
    polygons = grid.cell_polygons(grid.str_to_cells(members.index.to_numpy()))
    shapes = gpd.GeoDataFrame(
        {"code": members.to_numpy()}, geometry=polygons.geometry.to_numpy(), crs=S.CRS_STORE
    )
    dissolved = shapes.dissolve(by="code").geometry
    return gpd.GeoSeries(dissolved.to_numpy(), index=dissolved.index, crs=S.CRS_STORE)


def guarded(what: str, compute: Callable[[], T]) -> tuple[T | None, list[str]]:
    """Run a statistic; return its result and its warnings as notes, or None and why it refused."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = compute()
        except SchemaError as error:
            return None, [f"{what} could not be computed: {error}"]
    notes = [f"{what}: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
    return result, notes


# --- private steps ----------------------------------------------------------------------


def _unit(unit: object, problems: list[str]) -> tuple[str, int]:
    match = _UNIT.fullmatch(unit) if isinstance(unit, str) else None
    if match is None:
        problems.append(f"unit={unit!r}: write ward, h3:RES (RES 6-10, e.g. h3:9) or hotspots")
        return "ward", CELL_RESOLUTION
    if match.group(1) or match.group(4):
        return str(match.group(1) or match.group(4)), CELL_RESOLUTION
    resolution = int(match.group(3))
    if resolution not in _RESOLUTIONS:
        problems.append(f"unit={unit!r}: the H3 resolution must be 6 to 10")
    return str(match.group(2)), resolution


def _month(value: object, name: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _MONTH.fullmatch(value.strip()):
        return value.strip()
    problems.append(f"{name}={value!r} is not a month: write it as YYYY-MM, e.g. 2024-03")
    return None


def _coverage(store: Store, resolution: int) -> pd.Series:
    """Ward of every study hexagon's centre (hex string index; missing outside the wards)."""
    frame = store.query(
        "SELECT h3_cell, ward_code FROM coverage WHERE resolution = ? ORDER BY h3_cell",
        [resolution],
    )
    cells = grid.cells_to_str(frame["h3_cell"].to_numpy(dtype="uint64"))
    return pd.Series(frame["ward_code"].to_numpy(dtype=object), index=pd.Index(cells, dtype="str"))


def _ward_names(store: Store) -> pd.Series:
    wards = store.boundaries(S.Level.WARD)
    return pd.Series(wards[S.NAME].astype("str").to_numpy(), index=wards[S.CODE].astype("str"))


def _wards(store: Store, coverage: pd.Series) -> Places:
    names = _ward_names(store)
    table = pd.DataFrame(
        {"area_name": names.to_numpy(), "profile": "ward:" + names.index.to_series(), "cells": ""},
        index=pd.Index(names.index, name="area_code"),
    )
    group = pd.Series(names.index, index=names.index)
    return Places(table, "ward", group, coverage.dropna().astype("str"))


def _cells(store: Store, request: Request, stats: CellStats, coverage: pd.Series) -> Places:
    totals = stats.monthly.groupby("area_code")["count"].sum()
    codes = pd.Index(totals.index[totals.to_numpy() > 0].astype("str"), name="area_code")
    wards = coverage.reindex(codes).map(_ward_names(store))
    table = pd.DataFrame(
        {
            "area_name": ("Hexagon in " + wards.fillna("no ward")).to_numpy(dtype="str"),
            "profile": ("h3:" + codes.to_series()).to_numpy(),
            "cells": codes.to_numpy(dtype="str"),
        },
        index=codes,
    )
    identity = pd.Series(codes, index=codes)
    return Places(table, f"h3:{request.resolution}", identity, identity)


def _hotspots(store: Store, request: Request, coverage: pd.Series) -> tuple[Places, list[str]]:
    """Group touching Gi* hot hexagons of police incidents (as the area profile does)."""
    table = counts(
        store,
        by=f"h3:{request.resolution}",
        kinds=(S.Kind.INCIDENTS,),
        date_from=request.date_from,
        date_to=request.date_to,
    )
    gi, notes = guarded("Hot spots", lambda: gi_star(table.set_index("area_code")["count"]))
    hot = pd.Index([], dtype="str") if gi is None else gi.index[gi["gi_bin"] >= HOT_BIN]
    cluster = _clusters(hot, None if gi is None else gi["gi_z"])
    names = _cluster_names(cluster, coverage, _ward_names(store))
    notes.append(
        f"Hot spots: {len(names)} group(s) of touching hexagons (H3 resolution "
        f"{request.resolution}) that are Getis-Ord Gi* hot spots of police incidents at 95% "
        "confidence or more (FDR-corrected), as the area profile defines them."
    )
    return Places(names, f"h3:{request.resolution}", cluster, cluster), notes


def _clusters(hot: pd.Index, z: pd.Series | None) -> pd.Series:
    """Map each hot cell to its cluster's label: the cluster's cell with the highest z."""
    if not len(hot) or z is None:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    cells = hot.astype("str").to_numpy()
    pairs = grid.cell_neighbours(grid.str_to_cells(cells), k=1)
    position = pd.Series(np.arange(cells.size), index=grid.str_to_cells(cells))
    keep = pairs["neighbour"].isin(position.index)
    rows = position.reindex(pairs.loc[keep, "h3_cell"]).to_numpy()
    cols = position.reindex(pairs.loc[keep, "neighbour"]).to_numpy()
    graph = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(cells.size,) * 2)
    _, labels = connected_components(graph, directed=False)
    frame = pd.DataFrame({"cell": cells, "label": labels, "z": z.reindex(cells).to_numpy()})
    peak = (
        frame.sort_values(["z", "cell"], ascending=[False, True]).groupby("label")["cell"].first()
    )
    return pd.Series(frame["label"].map(peak).to_numpy(dtype="str"), index=pd.Index(cells))


def _cluster_names(cluster: pd.Series, coverage: pd.Series, wards: pd.Series) -> pd.DataFrame:
    peaks = pd.Index(sorted(set(cluster.to_numpy())), dtype="str", name="area_code")
    sizes = cluster.value_counts().reindex(peaks)
    where = coverage.reindex(peaks).map(wards).fillna("the edge of the city")
    words = [
        f"Hot spot in {w} ({n} hexagon{'s' if n != 1 else ''})"
        for w, n in zip(where, sizes, strict=True)
    ]
    members = cluster.groupby(cluster.to_numpy()).apply(lambda c: ",".join(sorted(c.index)))
    return pd.DataFrame(
        {
            "area_name": words,
            "profile": "hotspot:" + peaks.to_series(),
            "cells": members.reindex(peaks).to_numpy(dtype="str"),
        },
        index=peaks,
    )


def _sparse(monthly: pd.DataFrame) -> pd.DataFrame:
    """Keep the non-zero rows and one zero per cell and month: the same cube, much faster."""
    keep = monthly["count"].to_numpy() > 0
    keep |= (monthly["period"] == monthly["period"].min()).to_numpy()
    keep |= (monthly["area_code"] == monthly["area_code"].min()).to_numpy()
    return monthly[keep]
