"""The place a profile is about: ``ward:``, ``locality:``, ``h3:``, ``hotspot:`` or a polygon."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from layers import grid
from layers import schema as S
from layers._errors import SchemaError

AREA_KINDS: tuple[str, ...] = ("ward", "locality", "h3", "hotspot", "drawn")
"""What a profile can be about."""

H3_RESOLUTIONS = range(6, 12)
"""Resolutions an ``h3:CELL`` or ``hotspot:CELL`` area may have."""

DRAWN_RESOLUTIONS: tuple[int, ...] = (10, 9, 8, 7)
"""Resolutions tried, finest first, for the hexagons that stand for a drawn area."""

DRAWN_MAX_CELLS = 3000
"""Most hexagons a drawn area may take at the resolution chosen for it."""

HOT_BIN = 2
"""Smallest Gi* bin that makes a cell part of a hot spot area (95 % confidence)."""


@dataclass(frozen=True)
class ParsedArea:
    """What the caller asked for, checked: the kind and its value."""

    kind: str
    value: str  # ward code, locality name, cell hex string, or "" for a drawn polygon
    polygon: shapely.Geometry | None = None


@dataclass(frozen=True)
class Area:
    """A resolved area: its name, shape and the wards or H3 cells that make it up.

    Attributes
    ----------
    spec
        The area as written: ``ward:CODE``, ``locality:NAME``, ``h3:CELL``,
        ``hotspot:CELL`` or ``drawn``.
    kind
        One of :data:`AREA_KINDS`.
    name, title
        Its name ("Ashley") and how a document heads it ("Ashley ward").
    geometry
        Its outline, EPSG:4326.
    wards
        The wards that make it up (ward and locality), else None.
    cells
        The H3 cells that make it up (hex strings; h3, hotspot and drawn), else ().
    resolution
        Resolution of ``cells`` (None for wards and localities).
    how
        How the area was formed, in words (empty for a ward or a locality).
    """

    spec: str
    kind: str
    name: str
    title: str
    geometry: shapely.Geometry
    wards: tuple[str, ...] | None
    cells: tuple[str, ...]
    resolution: int | None
    how: str

    @property
    def within(self) -> str | None:
        """The area as ``layers.aggregate``'s ``within`` (ward / locality), else None."""
        return self.spec if self.kind in ("ward", "locality") else None

    def cell_ints(self) -> np.ndarray:
        """Return the area's H3 cells as uint64."""
        return grid.str_to_cells(list(self.cells)) if self.cells else np.array([], np.uint64)


def parse_area(area: object, wards: gpd.GeoDataFrame) -> ParsedArea:
    """Check an area argument against the loaded wards; raise one clear SchemaError if unusable."""
    if isinstance(area, shapely.Polygon | shapely.MultiPolygon):
        return _parse_polygon(area, wards)
    if not isinstance(area, str) or ":" not in area:
        raise SchemaError(
            f"area={area!r} is not an area: write ward:CODE, locality:NAME, h3:CELL or "
            "hotspot:CELL, or pass a shapely Polygon in EPSG:4326 (lon, lat)"
        )
    kind, _, value = area.strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "ward":
        return _parse_ward(value, wards)
    if kind == "locality":
        return _parse_locality(value, wards)
    if kind in ("h3", "hotspot"):
        return _parse_cell(kind, value)
    raise SchemaError(
        f"area={area!r}: {kind!r} is not a kind of area; use ward, locality, h3 or hotspot"
    )


def resolve_area(
    parsed: ParsedArea,
    wards: gpd.GeoDataFrame,
    *,
    hot_bins: Callable[[int], pd.Series] | None = None,
) -> Area:
    """Turn a parsed area into its outline and its wards or cells.

    ``hot_bins(resolution)`` returns the Gi* bin of every city cell at that resolution
    (only called for a hotspot area).
    """
    if parsed.kind in ("ward", "locality"):
        return _ward_area(parsed, wards)
    if parsed.kind == "h3":
        return _cells_area(parsed, (parsed.value,), "", wards)
    if parsed.kind == "hotspot":
        if hot_bins is None:
            raise SchemaError("a hotspot area needs the Gi* bins of the city's cells")
        return _hotspot_area(parsed, wards, hot_bins)
    return _drawn_area(parsed, wards)


# --- parsing ----------------------------------------------------------------------------


def _parse_ward(code: str, wards: gpd.GeoDataFrame) -> ParsedArea:
    if code in set(wards[S.CODE]):
        return ParsedArea("ward", code)
    by_name = wards.loc[wards[S.NAME].str.lower() == code.lower(), S.CODE]
    hint = f" (did you mean ward:{by_name.iloc[0]}?)" if len(by_name) else ""
    example = wards[S.CODE].iloc[0] if len(wards) else "E05010885"
    raise SchemaError(
        f"area='ward:{code}': no loaded ward has this code{hint}; write a ward code such "
        f"as ward:{example} (python -m layers status lists what is loaded)"
    )


def _parse_locality(name: str, wards: gpd.GeoDataFrame) -> ParsedArea:
    localities = sorted(set(wards[S.PARENT_CODE].dropna().astype("str")))
    match = [loc for loc in localities if loc.lower() == name.lower()]
    if match:
        return ParsedArea("locality", match[0])
    raise SchemaError(
        f"area='locality:{name}': no loaded locality has this name; use one of "
        f"{', '.join(localities) or 'none loaded (load wards with their localities)'}"
    )


def _parse_cell(kind: str, value: str) -> ParsedArea:
    text = value.lower()
    if not h3.is_valid_cell(text) or h3.get_resolution(text) not in H3_RESOLUTIONS:
        got = f"resolution {h3.get_resolution(text)}" if h3.is_valid_cell(text) else "not a cell"
        raise SchemaError(
            f"area='{kind}:{value}': expected an H3 cell of resolution 6-11 as a hex string "
            f"such as {kind}:89195d2b1a3ffff ({got})"
        )
    return ParsedArea(kind, text)


def _parse_polygon(polygon: shapely.Geometry, wards: gpd.GeoDataFrame) -> ParsedArea:
    problems = []
    if polygon.is_empty or not polygon.is_valid:
        problems.append("it is empty or not a valid polygon (repair it with shapely.make_valid)")
    minx, miny, maxx, maxy = polygon.bounds if not polygon.is_empty else (0, 0, 0, 0)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problems.append("its coordinates are not longitude / latitude (EPSG:4326)")
    elif len(wards) and not polygon.intersects(shapely.union_all(wards.geometry.to_numpy())):
        problems.append("it lies outside every loaded ward")
    if problems:
        raise SchemaError(f"area (a drawn polygon): {'; '.join(problems)}")
    return ParsedArea("drawn", "", polygon)


# --- resolving --------------------------------------------------------------------------


def _ward_area(parsed: ParsedArea, wards: gpd.GeoDataFrame) -> Area:
    if parsed.kind == "ward":
        rows = wards[wards[S.CODE] == parsed.value]
        name = str(rows[S.NAME].iloc[0])
        title = f"{name} ward"
    else:
        rows = wards[wards[S.PARENT_CODE] == parsed.value]
        name = parsed.value
        title = f"{name} locality"
    return Area(
        spec=f"{parsed.kind}:{parsed.value}",
        kind=parsed.kind,
        name=name,
        title=title,
        geometry=shapely.union_all(rows.geometry.to_numpy()),
        wards=tuple(sorted(rows[S.CODE].astype("str"))),
        cells=(),
        resolution=None,
        how="",
    )


def _cells_area(
    parsed: ParsedArea, cells: tuple[str, ...], how: str, wards: gpd.GeoDataFrame
) -> Area:
    ints = grid.str_to_cells(list(cells))
    shape = shapely.union_all(grid.cell_polygons(ints).geometry.to_numpy())
    home = _ward_of(shape, wards)
    resolution = int(h3.get_resolution(cells[0]))
    if parsed.kind == "h3":
        name = f"Hexagon {cells[0]}"
        title = f"Hexagon in {home}" if home else name
    elif parsed.kind == "hotspot":
        name = f"Hot spot at {parsed.value}"
        title = f"Hot spot in {home}" if home else name
    else:
        name = "Drawn area"
        title = f"Drawn area in {home}" if home else name
    spec = "drawn" if parsed.kind == "drawn" else f"{parsed.kind}:{parsed.value}"
    return Area(spec, parsed.kind, name, title, shape, None, cells, resolution, how)


def _hotspot_area(
    parsed: ParsedArea, wards: gpd.GeoDataFrame, hot_bins: Callable[[int], pd.Series]
) -> Area:
    resolution = int(h3.get_resolution(parsed.value))
    bins = hot_bins(resolution)
    hot = set(bins.index[bins.to_numpy() >= HOT_BIN].astype("str"))
    if parsed.value not in hot:
        found = int(bins.get(parsed.value, 0)) if len(bins) else 0
        raise SchemaError(
            f"area='hotspot:{parsed.value}': this cell is not a hot spot at 95% confidence "
            f"or more (its Gi* bin is {found}) for police incidents in the months chosen; "
            f"profile it as h3:{parsed.value}, or pick a cell the map shows as a hot spot"
        )
    cells = _connected(parsed.value, hot)
    how = (
        f"The hot spot is the {len(cells):,} connected hexagons (resolution {resolution}) "
        "that are Getis-Ord Gi* hot spots of police incidents at 95% confidence or more "
        "(FDR-corrected) and touch the chosen hexagon through one another."
    )
    return _cells_area(parsed, tuple(sorted(cells)), how, wards)


def _connected(start: str, hot: set[str]) -> set[str]:
    found, frontier = {start}, [start]
    while frontier:
        cell = frontier.pop()
        for neighbour in h3.grid_disk(cell, 1):
            if neighbour in hot and neighbour not in found:
                found.add(neighbour)
                frontier.append(neighbour)
    return found


def _drawn_area(parsed: ParsedArea, wards: gpd.GeoDataFrame) -> Area:
    polygon = gpd.GeoSeries([parsed.polygon], crs=S.CRS_STORE)
    for resolution in DRAWN_RESOLUTIONS:
        cells = grid.cells_covering(polygon, resolution=resolution)
        if len(cells) <= DRAWN_MAX_CELLS:
            break
    how = (
        f"The drawn area is counted as the {len(cells):,} H3 hexagons of resolution "
        f"{resolution} that cover it (edge hexagons included), chosen automatically: the "
        f"finest resolution at which it takes at most {DRAWN_MAX_CELLS:,} hexagons."
    )
    strings = tuple(str(c) for c in grid.cells_to_str(cells))
    return _cells_area(parsed, strings, how, wards)


def _ward_of(shape: shapely.Geometry, wards: gpd.GeoDataFrame) -> str:
    """Name of the ward holding most of a shape (empty when none)."""
    if wards.empty:
        return ""
    overlap = shapely.area(shapely.intersection(wards.geometry.to_numpy(), shape))
    if not overlap.size or overlap.max() <= 0:
        return ""
    return str(wards[S.NAME].iloc[int(np.argmax(overlap))])
