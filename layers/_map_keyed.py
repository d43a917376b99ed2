"""Shapes of areas (hexagons or polygons) and map layers that colour them by a key."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from layers import grid
from layers import schema as S
from layers._elements import KeyedShapes, LayerBox
from layers._errors import SchemaError
from layers._map_checks import area_problems, raise_problems
from layers._map_pack import rounded
from layers._map_words import hexagon_area_words

KEY = "key"
"""Column of a keyed frame: index into the layer's colours."""
TIP = "tip"
"""Column of a keyed frame: the shape's tooltip, HTML with data already escaped."""
PLACE = "place"
"""Column of :func:`area_shapes`: where the shape is, in words (plain text)."""

FILLED: dict[str, Any] = {"fillOpacity": 0.78, "weight": 0.6, "color": "#ffffff", "opacity": 0.9}
"""Path options of filled shapes (hexagons, wards)."""


@dataclass(frozen=True)
class Key:
    """The colours of a keyed layer and the legend that names them."""

    title: str
    colours: list[str]
    labels: list[str]
    notes: list[str] = field(default_factory=list)  # plain text, shown small under the key


def area_shapes(codes: Sequence[str], areas: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Return the shape of each area, and where it is in words.

    Parameters
    ----------
    codes
        H3 cell strings (``areas`` None), or codes of ``areas``.
    areas
        Polygons with ``code`` and ``name`` (``Store.boundaries``); None for H3 cells.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (str), ``place`` (str: "in this hexagon of about 0.11 km² (H3 resolution
        9)" or "in Ashley (E05010885)") and polygons, EPSG:4326, in the order of
        ``codes``; codes that ``areas`` lacks are left out.
    """
    wanted = pd.Series(list(codes), dtype="str")
    if areas is None:
        cells = grid.str_to_cells(wanted.to_numpy(dtype=object))
        geometry = grid.cell_polygons(cells).geometry.to_numpy() if cells.size else []
        return gpd.GeoDataFrame(
            {S.CODE: wanted, PLACE: [_hexagon_words(c) for c in wanted]},
            geometry=gpd.GeoSeries(geometry, crs=S.CRS_STORE),
            crs=S.CRS_STORE,
        )
    raise_problems(area_problems(areas, "areas"))
    shapes = areas.to_crs(S.CRS_STORE).set_index(S.CODE)
    kept = wanted[wanted.isin(shapes.index)]
    names = shapes.loc[kept, S.NAME].astype("str").to_numpy()
    return gpd.GeoDataFrame(
        {
            S.CODE: kept.to_numpy(),
            PLACE: [f"in {n} ({c})" for n, c in zip(names, kept, strict=True)],
        },
        geometry=gpd.GeoSeries(shapes.loc[kept].geometry.to_numpy(), crs=S.CRS_STORE),
        crs=S.CRS_STORE,
    )


def area_at(
    lon: float, lat: float, *, by: str, areas: gpd.GeoDataFrame | None = None
) -> str | None:
    """Return the area a point lies in: its H3 cell, or the code of the polygon holding it.

    Parameters
    ----------
    lon, lat
        The point, WGS84 (where the map was clicked).
    by
        ``h3:RES`` (RES 0-15) or any other unit, whose polygons are ``areas``.
    areas
        Polygons with ``code`` (``Store.boundaries``), for a unit other than H3.

    Returns
    -------
    str or None
        The cell (hex string) or area code; None when no area holds the point.

    Raises
    ------
    SchemaError
        When the point or the unit cannot be used.
    """
    head, _, tail = by.partition(":")
    ok = all(isinstance(v, int | float) and np.isfinite(v) for v in (lon, lat))
    if not ok or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise SchemaError(f"lon, lat must be a point in degrees; received {(lon, lat)!r}.")
    if head == "h3":
        if not (tail.isdigit() and 0 <= int(tail) <= 15):
            raise SchemaError(f"by={by!r}: write an H3 unit as h3:RES with RES 0-15.")
        return str(h3.latlng_to_cell(lat, lon, int(tail)))
    if areas is None:
        raise SchemaError(f"by={by!r} needs areas: pass Store.boundaries(...) of that unit.")
    raise_problems(area_problems(areas, "areas"))
    point = shapely.Point(lon, lat)
    holding = areas.to_crs(S.CRS_STORE)
    hit = holding[holding.geometry.covers(point)]
    return None if hit.empty else str(hit[S.CODE].iloc[0])


def cell_areas(cells: Sequence[str], areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the area that holds the centre of each H3 cell.

    Parameters
    ----------
    cells
        H3 cell strings.
    areas
        Polygons with ``code`` and ``name`` (``Store.boundaries``).

    Returns
    -------
    pandas.DataFrame
        Index the cells (in input order), columns ``code`` and ``name`` (str, missing
        where no area holds the centre).
    """
    raise_problems(area_problems(areas, "areas"))
    wanted = pd.Index(pd.Series(list(cells), dtype="str"), name=S.AREA_CODE)
    lon, lat = grid.cell_centres(grid.str_to_cells(wanted.to_numpy(dtype=object)))
    points = gpd.GeoDataFrame(
        {"cell": wanted}, geometry=gpd.points_from_xy(lon, lat), crs=S.CRS_STORE
    )
    shapes = areas.to_crs(S.CRS_STORE)[[S.CODE, S.NAME, "geometry"]]
    joined = gpd.sjoin(points, shapes, how="left", predicate="within")
    first = joined.drop_duplicates("cell").set_index("cell")
    out = first.reindex(wanted)[[S.CODE, S.NAME]].astype("str")
    out.index.name = S.AREA_CODE
    return out


def keyed_layer(
    shapes: gpd.GeoDataFrame,
    key: Key,
    *,
    name: str,
    show: bool,
    style: dict[str, Any] | None = None,
    outline_by_key: bool = False,
    legend_position: str = "bottomright",
) -> folium.FeatureGroup:
    """Return a layer of shapes coloured by their ``key``, with tooltips and a legend.

    Parameters
    ----------
    shapes
        Columns ``key`` (int, index into ``key.colours``), ``tip`` (escaped HTML) and
        geometry, EPSG:4326.
    key
        Colours and what they mean.
    name
        Layer name for the layer control.
    show
        Whether the layer is shown when the map opens.
    style
        Leaflet path options (default :data:`FILLED`).
    outline_by_key
        Draw each outline in its key colour too.
    legend_position
        Corner of the legend: ``bottomright``, ``bottomleft``, ``topright`` or ``topleft``.

    Returns
    -------
    folium.FeatureGroup
        The shapes and the legend (shown while the layer is).
    """
    layer = folium.FeatureGroup(name=name, show=show)
    if len(shapes):
        KeyedShapes(
            rounded(shapes.geometry.to_numpy()),
            {"c": shapes[KEY].to_numpy(dtype="int64"), "t": [str(t) for t in shapes[TIP]]},
            key.colours,
            style=style or FILLED,
            outline_by_key=outline_by_key,
        ).add_to(layer)
    LayerBox(key_legend(key), position=legend_position, css_class="atlas-box").add_to(layer)
    return layer


def key_legend(key: Key) -> str:
    """Return the HTML of a legend: a title, a swatch per colour, notes (all escaped)."""
    rows = [f"<b>{html.escape(key.title)}</b>"]
    for colour, label in zip(key.colours, key.labels, strict=True):
        rows.append(f'<i style="background:{colour}"></i>{html.escape(label)}')
    rows += [f"<small>{html.escape(note)}</small>" for note in key.notes]
    return "<br>".join(rows)


def _hexagon_words(cell: str) -> str:
    res = h3.get_resolution(cell)
    return f"in this hexagon of about {hexagon_area_words(res)} (H3 resolution {res})"
