"""Folium map layers: the base map, count choropleths with legends, and area boundaries."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd

from layers import grid
from layers import schema as S
from layers._assets import VENDOR_URL, relink, with_cdn_assets
from layers._classify import CLASSIFICATIONS, PALETTE, class_breaks
from layers._elements import CSS, Choice, ClassedShapes, LayerBox, LayerList, MapStyle
from layers._errors import SchemaError
from layers._map_checks import area_problems, count_problems, raise_problems, view_problems
from layers._map_context import density_layer, density_levels, interventions_layer, survey_layer
from layers._map_keyed import area_at, area_shapes, cell_areas
from layers._map_labels import label_points, name_label
from layers._map_overlays import (
    GI_BINS,
    GI_COLOURS,
    PATTERN_COLOURS,
    emerging_layer,
    hotspot_layer,
    overlap_layer,
)
from layers._map_pack import rounded
from layers._map_ranked import RANK_COLOURS, ranked_layer
from layers._map_words import (
    CONFIDENCE,
    emerging_sentence,
    gi_bin_words,
    hexagon_area_words,
    month_range_label,
    step_words,
)

__all__ = [
    "APPROXIMATE_NOTE",
    "CLASSIFICATIONS",
    "CONFIDENCE",
    "GI_BINS",
    "GI_COLOURS",
    "PALETTE",
    "PATTERN_COLOURS",
    "RANK_COLOURS",
    "area_at",
    "area_choropleth",
    "area_shapes",
    "base_map",
    "boundary_layer",
    "cell_areas",
    "class_breaks",
    "density_layer",
    "density_levels",
    "emerging_layer",
    "emerging_sentence",
    "gi_bin_words",
    "hex_choropleth",
    "hexagon_area_words",
    "hotspot_layer",
    "interventions_layer",
    "label_points",
    "layer_list",
    "month_range_label",
    "overlap_layer",
    "ranked_layer",
    "standalone_html",
    "step_words",
    "survey_layer",
    "zoom_to_fit",
]

APPROXIMATE_NOTE = "Demo ward boundaries: an approximation, not official"
"""Note shown on a map whose boundaries are the shipped approximate demo wards."""

_COUNT = "count"  # count-table columns (layers.aggregate.COUNT_COLUMNS)
_SHOWN = "shown"  # a disclosure-controlled figure as displayed; count is NaN where hidden
HIDDEN_COLOUR = "#b8bec6"
"""Fill of areas whose figure disclosure control hides (count NaN, ``shown`` says why)."""
_PERIOD = "period"
_PLACE = "place"


def base_map(
    *,
    center: tuple[float, float],
    zoom: int,
    tiles: str | None = None,
    attribution: str | None = None,
    static_dir: Path | None = None,
    leaflet_only: bool = False,
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
    leaflet_only
        Load Leaflet alone, without the jQuery, Bootstrap, Font Awesome and
        awesome-markers files folium adds for its markers and popups: every layer of
        this module draws with Leaflet alone, and the browser fetches 2 files, not 10.

    Returns
    -------
    folium.Map
        The map, with the atlas CSS and local asset URLs where the copies exist.
    """
    raise_problems(view_problems(center, zoom, tiles, attribution))
    lon, lat = center
    m = folium.Map(
        location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True, zoom_snap=0.25
    )
    folium_static = static_dir if static_dir is not None else _repo_static()
    if leaflet_only:
        m.default_js = [link for link in m.default_js if link[0] == "leaflet"]
        m.default_css = [link for link in m.default_css if link[0] == "leaflet_css"]
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
    raise_problems(count_problems(counts, classification, n_classes, unit))
    cells = _cells(counts)
    res = h3.get_resolution(h3.int_to_str(int(cells[0]))) if cells.size else 0
    place = f"in this hexagon of about {hexagon_area_words(res)} (H3 resolution {res})"
    values = counts[_COUNT].to_numpy(dtype="float64")
    drawn_rows = (values > 0) | np.isnan(values)
    drawn = gpd.GeoDataFrame(
        {_COUNT: values[drawn_rows], _SHOWN: _shown(counts)[drawn_rows]},
        geometry=grid.cell_polygons(cells[drawn_rows]).geometry.to_numpy(),
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
    raise_problems(
        count_problems(counts, classification, n_classes, unit) + area_problems(areas, "areas")
    )
    shapes = areas.to_crs(S.CRS_STORE)[[S.CODE, S.NAME, "geometry"]]
    joined = shapes.merge(counts, left_on=S.CODE, right_on=S.AREA_CODE, how="inner")
    place = "in " + joined[S.NAME].astype("str") + " (" + joined[S.CODE].astype("str") + ")"
    values = joined[_COUNT].to_numpy(dtype="float64")
    drawn = gpd.GeoDataFrame(
        {_COUNT: values, _SHOWN: _shown(joined), _PLACE: place.to_numpy()},
        geometry=joined.geometry.to_numpy(),
        crs=S.CRS_STORE,
    )
    choice = Choice(name, classification, n_classes, unit, period_label, "")
    return _choropleth(drawn[(values > 0) | np.isnan(values)], choice, show)


def boundary_layer(
    areas: gpd.GeoDataFrame,
    *,
    name: str,
    show_labels: bool = True,
    show: bool = True,
    labels_at: Sequence[tuple[float, float]] | None = None,
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
    labels_at
        The label points, (lon, lat) per area, from :func:`label_points` (computed when
        None; pass them when drawing the same areas again).

    Returns
    -------
    folium.FeatureGroup
        Outlines, labels and the note where the boundaries are approximate.
    """
    raise_problems(area_problems(areas, "areas"))
    layer = folium.FeatureGroup(name=name, show=show)
    shapes = areas.to_crs(S.CRS_STORE)[["geometry"]]
    style = {"color": "#334e68", "weight": 1.6, "opacity": 0.9, "fill": False}
    if len(shapes):
        folium.GeoJson(shapes, style_function=lambda _: style, interactive=False).add_to(layer)
    if show_labels:
        points = label_points(areas) if labels_at is None else list(labels_at)
        for text, (lon, lat) in zip(areas[S.NAME].astype("str"), points, strict=True):
            name_label(text, lon, lat).add_to(layer)
    if bool(areas.attrs.get("approximate", False)):
        note = html.escape(APPROXIMATE_NOTE)
        LayerBox(note, position="bottomleft", css_class="atlas-box atlas-note").add_to(layer)
    return layer


def zoom_to_fit(
    bounds: Sequence[float], *, width_px: int = 700, height_px: int = 520, most: int = 17
) -> int:
    """Return the largest web-map zoom at which a box fits a map of the given size.

    Worked out on the server, so the page need not call Leaflet's ``fitBounds``: in a
    frame that is not laid out yet (0 pixels wide) that gives a zoom of NaN and the error
    "Invalid LatLng object: (NaN, NaN)".

    Parameters
    ----------
    bounds
        ``(west, south, east, north)`` in degrees (``GeoDataFrame.total_bounds``).
    width_px, height_px
        The map's size on screen.
    most
        The closest zoom returned (a single point would otherwise zoom in forever).

    Returns
    -------
    int
        Zoom 1 to ``most``.
    """
    west, south, east, north = (float(b) for b in bounds)
    if not all(np.isfinite([west, south, east, north])):
        raise SchemaError(f"bounds must be finite degrees; received {tuple(bounds)}")

    def mercator_y(lat: float) -> float:
        lat = float(np.clip(lat, -85.0511, 85.0511))
        return float(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))

    spans = (
        max(east - west, 1e-9) / 360.0,
        max(mercator_y(north) - mercator_y(south), 1e-9) / (2 * np.pi),
    )
    fits = min(np.log2(width_px / 256.0 / spans[0]), np.log2(height_px / 256.0 / spans[1]))
    return int(np.clip(np.floor(fits), 1, most))


def layer_list(*, collapsed: bool = False, position: str = "topright") -> folium.LayerControl:
    """Return the map's layer control, which also opens hidden the layers made with show=False.

    Use it where layers are added to a map that is already drawn (streamlit-folium's
    ``feature_group_to_add`` switches every such layer on).

    Parameters
    ----------
    collapsed
        Show the control folded into an icon.
    position
        Corner: ``topright``, ``topleft``, ``bottomright`` or ``bottomleft``.

    Returns
    -------
    folium.LayerControl
        The control; add it to the map after the layers.
    """
    return LayerList(collapsed=collapsed, position=position)


def standalone_html(m: folium.Map) -> str:
    """Return a map as one HTML page that works when opened from disk.

    The page's Leaflet and the rest load from their public CDN URLs (a file opened from
    disk cannot reach the app's local copies), so it needs the internet to draw; the
    data is inside the page. The map is not changed.

    Parameters
    ----------
    m
        The map.

    Returns
    -------
    str
        The HTML document.
    """
    return str(with_cdn_assets(m).get_root().render())


# --- steps -------------------------------------------------------------------------------


def _choropleth(drawn: gpd.GeoDataFrame, choice: Choice, show: bool) -> folium.FeatureGroup:
    values = drawn[_COUNT].to_numpy(dtype="float64")
    hidden = np.isnan(values)
    known = values[~hidden]
    bounds = class_breaks(known, method=choice.classification, n_classes=choice.n_classes)
    colours = _colours(len(bounds))
    classes = np.searchsorted(bounds, np.nan_to_num(values), side="left")
    classes[hidden] = len(colours)  # the colour of figures hidden by disclosure control
    layer = folium.FeatureGroup(name=choice.name, show=show)
    if len(drawn):
        shapes = rounded(drawn.geometry.to_numpy())
        fills = [*colours, HIDDEN_COLOUR]
        ClassedShapes(shapes, _properties(drawn, classes), fills, choice).add_to(layer)
    legend = _legend_html(choice, known, bounds, colours)
    if hidden.any():
        legend += (
            f'<br><i style="background:{HIDDEN_COLOUR}"></i>hidden by disclosure control'
            "<br><small>(&lt;5: fewer than 5; [c]: hidden to protect another figure)</small>"
        )
    LayerBox(legend, position="bottomright", css_class="atlas-box").add_to(layer)
    return layer


def _properties(drawn: gpd.GeoDataFrame, classes: np.ndarray) -> dict[str, Any]:
    """Class and count of each shape, and where it is when the shapes differ in kind."""
    values = drawn[_COUNT].to_numpy(dtype="float64")
    shown = drawn[_SHOWN] if _SHOWN in drawn.columns else pd.Series([""] * len(drawn))
    properties: dict[str, Any] = {
        "c": classes.astype("int64"),
        "n": [
            html.escape(str(text)) if np.isnan(value) else int(value)
            for value, text in zip(values, shown, strict=True)
        ],
    }
    if _PLACE in drawn.columns:
        properties["w"] = [html.escape(str(p)) for p in drawn[_PLACE]]
    return properties


def _legend_html(choice: Choice, values: np.ndarray, bounds: np.ndarray, colours: list[str]) -> str:
    rows = [f"<b>{html.escape(choice.name)}</b>"]
    if choice.period_label:
        rows.append(f"<small>{html.escape(choice.period_label)}</small>")
    lower = 0.0
    for bound, colour in zip(bounds, colours, strict=True):
        inside = values[(values > lower) & (values <= bound)]
        lo, hi = int(inside.min()), int(inside.max())
        text = f"{lo:,}" if lo == hi else f"{lo:,} – {hi:,}"
        rows.append(f'<i style="background:{colour}"></i>{text}')
        lower = bound
    rows.append('<i style="background:transparent"></i>0 (not coloured)')
    rows.append(f"<small>classes: {html.escape(choice.classification)} of non-zero areas</small>")
    return "<br>".join(rows)


def _shown(counts: pd.DataFrame) -> np.ndarray:
    """Return what a hidden figure shows (``<5``, ``[c]``): the ``shown`` column, if any."""
    if _SHOWN in counts.columns:
        return counts[_SHOWN].astype("str").to_numpy(dtype=object)
    return np.full(len(counts), "hidden", dtype=object)


def _colours(k: int) -> list[str]:
    if k == 0:
        return []
    picks = np.linspace(0, len(PALETTE) - 1, num=k).round().astype(int) if k > 1 else [2]
    return [PALETTE[i] for i in picks]


def _cells(counts: pd.DataFrame) -> np.ndarray:
    try:
        return grid.str_to_cells(counts[S.AREA_CODE].to_numpy(dtype=object))
    except SchemaError as error:
        raise SchemaError(
            f"counts['area_code'] must hold H3 cell strings (count by 'h3:RES'): {error}"
        ) from None


def _repo_static() -> Path:
    return Path(__file__).resolve().parent.parent / "static"
