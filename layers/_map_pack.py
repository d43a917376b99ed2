"""Shapes for the browser: compact JSON (integer micro-degrees, deltas) and its decoder.

GeoJSON writes every vertex of every hexagon in full (``[-2.591234,51.456789]``); a map
of 10,000 hexagons is then about 2.5 MB. Here each ring is written as its first vertex
(micro-degrees from the layer's south-west corner) and the steps to the next vertices
(the ring's closing vertex, a repeat of the first, is left out), which gives the same
coordinates, rounded to 6 decimals (about 0.1 m), in about a third of the text.
:data:`DECODE_JS` turns the text back into GeoJSON in the browser.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

SCALE = 1_000_000
"""Units per degree of the packed coordinates (6 decimals, about 0.1 m)."""

DECODE_JS = """function (packed) {
  var ox = packed.o[0], oy = packed.o[1], props = packed.p, names = Object.keys(props);
  function pt(x, y) { return [(ox + x) / 1e6, (oy + y) / 1e6]; }
  function ring(r) {
    var x = r[0], y = r[1], out = [pt(x, y)];
    for (var i = 2; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; out.push(pt(x, y)); }
    out.push(out[0]);
    return out;
  }
  function polygon(p) { return p.map(ring); }
  function geometry(g) {
    if (!Array.isArray(g)) { return g; }
    if (typeof g[0] === "number") { return {type: "Point", coordinates: pt(g[0], g[1])}; }
    if (typeof g[0][0] === "number") { return {type: "Polygon", coordinates: polygon(g)}; }
    return {type: "MultiPolygon", coordinates: g.map(polygon)};
  }
  return {type: "FeatureCollection", features: packed.g.map(function (g, i) {
    var p = {};
    names.forEach(function (n) { p[n] = props[n][i]; });
    return {type: "Feature", properties: p, geometry: geometry(g)};
  })};
}"""
"""A JavaScript function expression: packed shapes -> a GeoJSON FeatureCollection."""

_POINT, _POLYGON, _MULTIPOLYGON = 0, 3, 6  # shapely.GeometryType values
_HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def rounded(geometry: np.ndarray) -> np.ndarray:
    """Return the geometries with coordinates rounded to 6 decimals (about 0.1 m)."""
    return np.asarray(shapely.transform(geometry, lambda xy: np.round(xy, 6)))


def packed_json(geometry: np.ndarray, properties: Mapping[str, Sequence[Any]]) -> str:
    """Return shapes and their properties as compact JSON, safe inside a ``<script>``.

    Parameters
    ----------
    geometry
        Shapely geometries, WGS84 (lon, lat).
    properties
        Property name -> one JSON-able value per geometry (int, float or str).

    Returns
    -------
    str
        ``{"o": [x, y], "g": [...], "p": {name: [...]}}``, for :data:`DECODE_JS`.
    """
    geoms = np.asarray(geometry, dtype=object)
    origin = _origin(geoms)
    packed = {
        "o": origin,
        "g": _geometries(geoms, origin),
        "p": {name: list(values) for name, values in properties.items()},
    }
    text = json.dumps(packed, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _HTML_SAFE.items():
        text = text.replace(char, escaped)
    return text


def geojson(geometry: np.ndarray, properties: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Return the same shapes as a GeoJSON FeatureCollection (for Python readers)."""
    columns = {name: list(values) for name, values in properties.items()}
    features = []
    for i, text in enumerate(shapely.to_geojson(np.asarray(geometry, dtype=object))):
        props = {name: values[i] for name, values in columns.items()}
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(text)})
    return {"type": "FeatureCollection", "features": features}


def _origin(geoms: np.ndarray) -> list[int]:
    if geoms.size == 0:
        return [0, 0]
    west, south, _, _ = shapely.total_bounds(geoms)
    if not np.isfinite(west):
        return [0, 0]
    return [int(np.floor(west * SCALE)), int(np.floor(south * SCALE))]


def _geometries(geoms: np.ndarray, origin: list[int]) -> list[Any]:
    """Each geometry packed: points [x, y], polygons [ring, ...], others as GeoJSON."""
    out: list[Any] = [None] * geoms.size
    kinds = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms)
    for kind, depth in ((_POLYGON, 1), (_MULTIPOLYGON, 2), (_POINT, 0)):
        where = np.flatnonzero((kinds == kind) & ~empty)
        if where.size:
            for i, packed in zip(where, _of_one_type(geoms[where], origin, depth), strict=True):
                out[i] = packed
    for i in np.flatnonzero([o is None for o in out]):
        out[i] = json.loads(shapely.to_geojson(geoms[i]))
    return out


def _of_one_type(geoms: np.ndarray, origin: list[int], depth: int) -> list[Any]:
    """Pack geometries of one type: depth 0 points, 1 polygons, 2 multipolygons."""
    _, coords, offsets = shapely.to_ragged_array(geoms)
    ints = np.round(coords * SCALE).astype("int64") - np.asarray(origin, dtype="int64")
    if depth == 0:
        return ints.tolist()
    rings = _rings(ints, np.asarray(offsets[0]))
    groups: list[Any] = rings
    for level in offsets[1:]:  # rings -> polygons (-> multipolygons)
        bounds = np.asarray(level)
        groups = [groups[a:b] for a, b in itertools.pairwise(bounds)]
    return groups


def _rings(ints: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    """Each ring as first vertex then steps, without its closing vertex."""
    steps = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype="int64"))
    starts, ends = offsets[:-1], offsets[1:]
    steps[starts[starts < len(ints)]] = ints[starts[starts < len(ints)]]
    flat = steps.ravel().tolist()
    return [flat[2 * a : 2 * (b - 1)] for a, b in zip(starts, ends, strict=True)]
