"""Folium map layers: the base map, count choropleths with legends, and area boundaries."""

from __future__ import annotations

import html
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from layers import grid
from layers import schema as S
from layers._assets import VENDOR_URL, relink
from layers._classify import CLASSIFICATIONS, PALETTE, class_breaks, class_problems
from layers._elements import CSS, Choice, ClassedShapes, LayerBox, MapStyle
from layers._errors import SchemaError

__all__ = [
    "APPROXIMATE_NOTE",
    "CLASSIFICATIONS",
    "PALETTE",
    "area_choropleth",
    "base_map",
    "boundary_layer",
    "class_breaks",
    "hex_choropleth",
    "hexagon_area_words",
    "month_range_label",
]

APPROXIMATE_NOTE = "Demo ward boundaries: an approximation, not official"
"""Note shown on a map whose boundaries are the shipped approximate demo wards."""

_COUNT = "count"  # count-table columns (layers.aggregate.COUNT_COLUMNS)
_PERIOD = "period"
_PLACE = "place"


def base_map(
    *,
    center: tuple[float, float],
    zoom: int,
    tiles: str | None = None,
    attribution: str | None = None,
    static_dir: Path | None = None,
) -> folium.Map:
    """Return an empty map that loads Leaflet and the rest from the app's local copies.

    Parameters
    ----------
    center
        Centre as (lon, lat), WGS84.
    zoom
        Initial zoom level, 0-20.
    tiles
        A tile URL template (``https://.../{z}/{x}/{y}.png``) from configuration; None
        draws no tiles (a plain background), which works without internet.
    attribution
        Attribution of ``tiles`` (required with it).
    static_dir
        The app's static folder, whose ``vendor/`` holds the local copies; None: the
        ``static/`` folder of this repository.

    Returns
    -------
    folium.Map
        The map, with the atlas CSS and local asset URLs where the copies exist.
    """
    _validate_view(center, zoom, tiles, attribution)
    lon, lat = center
    m = folium.Map(
        location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True, zoom_snap=0.25
    )
    folium_static = static_dir if static_dir is not None else _repo_static()
    relink(m, static_dir=folium_static, url_prefix=VENDOR_URL)
    MapStyle(CSS).add_to(m)
    if tiles is not None:
        folium.TileLayer(tiles=tiles, attr=attribution, name="Background").add_to(m)
    return m


def hex_choropleth(
    counts: pd.DataFrame,
    *,
    name: str,
    classification: str = "quantiles",
    n_classes: int = 5,
    unit: tuple[str, str] = ("event", "events"),
    period_label: str = "",
    show: bool = True,
) -> folium.FeatureGroup:
    """Return a layer of H3 hexagons coloured by count, with tooltips and a legend.

    Zero cells are not drawn (they are the background); the non-zero counts are classed
    by ``classification`` (see :func:`class_breaks`) and the legend says how.

    Parameters
    ----------
    counts
        A count table (``layers.aggregate.counts`` with ``by="h3:RES"``): ``area_code``
        (H3 cell strings) and ``count``, one period only.
    name
        Layer name, shown in the legend and layer control.
    classification
        One of :data:`CLASSIFICATIONS`.
    n_classes
        Most classes of non-zero counts, 1 to ``len(PALETTE)``.
    unit
        Singular and plural of what is counted, for tooltips: ("incident", "incidents").
    period_label
        The period the counts cover, in words ("Mar 2020 – Feb 2021").
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The hexagons (a GeoJson) and the legend.
    """
    _validate_counts(counts, classification, n_classes, unit)
    cells = _cells(counts)
    res = h3.get_resolution(h3.int_to_str(int(cells[0]))) if cells.size else 0
    place = f"in this hexagon of about {hexagon_area_words(res)} (H3 resolution {res})"
    positive = counts[_COUNT].to_numpy(dtype="int64") > 0
    drawn = gpd.GeoDataFrame(
        {_COUNT: counts[_COUNT].to_numpy(dtype="int64")[positive]},
        geometry=grid.cell_polygons(cells[positive]).geometry.to_numpy(),
        crs=S.CRS_STORE,
    )
    choice = Choice(name, classification, n_classes, unit, period_label, place)
    return _choropleth(drawn, choice, show)


def area_choropleth(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    name: str,
    classification: str = "quantiles",
    n_classes: int = 5,
    unit: tuple[str, str] = ("event", "events"),
    period_label: str = "",
    show: bool = True,
) -> folium.FeatureGroup:
    """Return a layer of areas (wards, localities) coloured by count, with a legend.

    Parameters
    ----------
    counts
        A count table (``layers.aggregate.counts`` with ``by="ward"`` etc.), one period.
    areas
        The areas (``Store.boundaries``): ``code``, ``name``, polygons, any CRS.
    name, classification, n_classes, unit, period_label, show
        As for :func:`hex_choropleth`.

    Returns
    -------
    folium.FeatureGroup
        The areas that match a row of ``counts`` (a GeoJson) and the legend.
    """
    _validate_counts(counts, classification, n_classes, unit)
    _validate_areas(areas, "areas")
    shapes = areas.to_crs(S.CRS_STORE)[[S.CODE, S.NAME, "geometry"]]
    joined = shapes.merge(counts, left_on=S.CODE, right_on=S.AREA_CODE, how="inner")
    place = "in " + joined[S.NAME].astype("str") + " (" + joined[S.CODE].astype("str") + ")"
    drawn = gpd.GeoDataFrame(
        {_COUNT: joined[_COUNT].to_numpy(dtype="int64"), _PLACE: place.to_numpy()},
        geometry=joined.geometry.to_numpy(),
        crs=S.CRS_STORE,
    )
    choice = Choice(name, classification, n_classes, unit, period_label, "")
    return _choropleth(drawn[drawn[_COUNT] > 0], choice, show)


def boundary_layer(
    areas: gpd.GeoDataFrame, *, name: str, show_labels: bool = True, show: bool = True
) -> folium.FeatureGroup:
    """Return the outlines of areas, with their names as labels.

    When ``areas.attrs["approximate"]`` is True (the shipped demo wards) the layer also
    shows :data:`APPROXIMATE_NOTE` on the map. Outlines and labels do not catch the mouse,
    so tooltips of layers beneath keep working.

    Parameters
    ----------
    areas
        ``code``, ``name`` and polygons, any CRS (``Store.boundaries``).
    name
        Layer name for the layer control.
    show_labels
        Draw each area's name at its label point (the pole of inaccessibility).
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        Outlines, labels and the note where the boundaries are approximate.
    """
    _validate_areas(areas, "areas")
    layer = folium.FeatureGroup(name=name, show=show)
    shapes = areas.to_crs(S.CRS_STORE)[["geometry"]]
    style = {"color": "#334e68", "weight": 1.6, "opacity": 0.9, "fill": False}
    if len(shapes):
        folium.GeoJson(shapes, style_function=lambda _: style, interactive=False).add_to(layer)
    if show_labels:
        for text, (lon, lat) in zip(areas[S.NAME].astype("str"), _label_points(areas), strict=True):
            _label(text, lon, lat).add_to(layer)
    if bool(areas.attrs.get("approximate", False)):
        note = html.escape(APPROXIMATE_NOTE)
        LayerBox(note, position="bottomleft", css_class="atlas-box atlas-note").add_to(layer)
    return layer


def month_range_label(first: str | date, last: str | date) -> str:
    """Return a month range in words: ("2020-03", "2021-02") -> "Mar 2020 – Feb 2021".

    Parameters
    ----------
    first, last
        ``YYYY-MM`` strings or dates.

    Returns
    -------
    str
        One month ("Mar 2020") when both are the same month.
    """
    words = [pd.Timestamp(str(v)[:7] + "-01").strftime("%b %Y") for v in (first, last)]
    return words[0] if words[0] == words[1] else f"{words[0]} – {words[1]}"


def hexagon_area_words(res: int) -> str:
    """Return the average area of an H3 hexagon in words: 8 -> "0.74 km²".

    Parameters
    ----------
    res
        H3 resolution, 0-15.

    Returns
    -------
    str
        In km² from 0.1 km², else in m².
    """
    km2 = h3.average_hexagon_area(res, unit="km^2")
    return f"{km2:.2g} km²" if km2 >= 0.1 else f"{km2 * 1e6:,.0f} m²"


# --- steps -------------------------------------------------------------------------------


def _choropleth(drawn: gpd.GeoDataFrame, choice: Choice, show: bool) -> folium.FeatureGroup:
    values = drawn[_COUNT].to_numpy()
    bounds = class_breaks(values, method=choice.classification, n_classes=choice.n_classes)
    colours = _colours(len(bounds))
    classes = np.searchsorted(bounds, values, side="left")
    layer = folium.FeatureGroup(name=choice.name, show=show)
    if len(drawn):
        ClassedShapes(_features(drawn, classes), colours, choice).add_to(layer)
    legend = _legend_html(choice.name, values, bounds, colours, choice.classification)
    LayerBox(legend, position="bottomright", css_class="atlas-box").add_to(layer)
    return layer


def _features(drawn: gpd.GeoDataFrame, classes: np.ndarray) -> dict[str, Any]:
    """GeoJSON of the shapes, coordinates rounded to 6 decimals (about 0.1 m)."""
    rounded = shapely.transform(drawn.geometry.to_numpy(), lambda xy: np.round(xy, 6))
    places = drawn[_PLACE].to_numpy() if _PLACE in drawn.columns else None
    counts = drawn[_COUNT].to_numpy()
    features = []
    for i, text in enumerate(shapely.to_geojson(rounded)):
        properties: dict[str, Any] = {"c": int(classes[i]), "n": int(counts[i])}
        if places is not None:
            properties["w"] = html.escape(str(places[i]))
        features.append({"type": "Feature", "properties": properties, "geometry": json.loads(text)})
    return {"type": "FeatureCollection", "features": features}


def _legend_html(
    name: str, values: np.ndarray, bounds: np.ndarray, colours: list[str], method: str
) -> str:
    rows = [f"<b>{html.escape(name)}</b>"]
    lower = 0.0
    for bound, colour in zip(bounds, colours, strict=True):
        inside = values[(values > lower) & (values <= bound)]
        lo, hi = int(inside.min()), int(inside.max())
        text = f"{lo:,}" if lo == hi else f"{lo:,} – {hi:,}"
        rows.append(f'<i style="background:{colour}"></i>{text}')
        lower = bound
    rows.append('<i style="background:transparent"></i>0 (not coloured)')
    rows.append(f"<small>classes: {html.escape(method)} of non-zero areas</small>")
    return "<br>".join(rows)


def _colours(k: int) -> list[str]:
    if k == 0:
        return []
    picks = np.linspace(0, len(PALETTE) - 1, num=k).round().astype(int) if k > 1 else [2]
    return [PALETTE[i] for i in picks]


def _label_points(areas: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Pole of inaccessibility of each area, found in metres, returned as (lon, lat)."""
    metric = areas.to_crs(S.CRS_MEASURE).geometry
    points = [shapely.ops.polylabel(_largest(g), tolerance=10.0) for g in metric]
    back = gpd.GeoSeries(points, crs=S.CRS_MEASURE).to_crs(S.CRS_STORE)
    return list(zip(back.x.tolist(), back.y.tolist(), strict=True))


def _largest(geometry: Any) -> Any:
    parts = getattr(geometry, "geoms", [geometry])
    return max(parts, key=lambda p: p.area)


def _label(text: str, lon: float, lat: float) -> folium.Marker:
    icon = folium.DivIcon(
        html=f"<div>{html.escape(text)}</div>", icon_size=(0, 0), class_name="atlas-label"
    )
    return folium.Marker(location=[lat, lon], icon=icon, interactive=False, keyboard=False)


def _cells(counts: pd.DataFrame) -> np.ndarray:
    try:
        return grid.str_to_cells(counts[S.AREA_CODE].to_numpy(dtype=object))
    except SchemaError as error:
        raise SchemaError(
            f"counts['area_code'] must hold H3 cell strings (count by 'h3:RES'): {error}"
        ) from None


def _repo_static() -> Path:
    return Path(__file__).resolve().parent.parent / "static"


# --- validation ----------------------------------------------------------------------------


def _validate_view(center: Any, zoom: Any, tiles: str | None, attribution: str | None) -> None:
    problems = []
    ok = isinstance(center, tuple | list) and len(center) == 2
    if not ok or not all(isinstance(v, int | float) and math.isfinite(v) for v in center):
        problems.append(f"center must be a (lon, lat) pair of numbers; received {center!r}")
    elif not (-180 <= center[0] <= 180 and -90 <= center[1] <= 90):
        problems.append(f"center must be (lon, lat) in degrees; received {center!r}")
    if not (isinstance(zoom, int) and 0 <= zoom <= 20):
        problems.append(f"zoom must be an integer 0-20; received {zoom!r}")
    if tiles is not None and not attribution:
        problems.append("attribution is required with tiles; pass the tile provider's credit")
    _raise(problems)


def _validate_counts(
    counts: Any, classification: str, n_classes: int, unit: tuple[str, str]
) -> None:
    problems = []
    if not isinstance(counts, pd.DataFrame):
        problems.append(f"counts must be a DataFrame; received {type(counts).__name__}")
    else:
        missing = [c for c in (S.AREA_CODE, _COUNT) if c not in counts.columns]
        if missing:
            problems.append(f"counts lacks column(s) {missing}; pass layers.aggregate.counts(...)")
        elif (counts[_COUNT] < 0).any() or counts[_COUNT].isna().any():
            problems.append("counts['count'] has negative or missing values")
        if _PERIOD in counts.columns and counts[_PERIOD].nunique() > 1:
            problems.append(
                f"counts holds {counts[_PERIOD].nunique()} periods; map one period "
                "(filter it, or count with period='none')"
            )
    problems += class_problems(classification, n_classes, name="classification")
    if not (isinstance(unit, tuple) and len(unit) == 2 and all(isinstance(u, str) for u in unit)):
        problems.append(f"unit must be (singular, plural) strings; received {unit!r}")
    _raise(problems)


def _validate_areas(areas: Any, name: str) -> None:
    problems = []
    if not isinstance(areas, gpd.GeoDataFrame):
        problems.append(f"{name} must be a GeoDataFrame; received {type(areas).__name__}")
    else:
        missing = [c for c in (S.CODE, S.NAME) if c not in areas.columns]
        if missing:
            problems.append(f"{name} lacks column(s) {missing}; pass Store.boundaries(...)")
        if areas.crs is None:
            problems.append(f"{name} has no CRS; set it (boundaries are EPSG:4326)")
    _raise(problems)


def _raise(problems: list[str]) -> None:
    if problems:
        raise SchemaError("; ".join(problems) + ".")
