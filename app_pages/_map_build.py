"""Map explorer: the folium map of one view, assembled from layers.maps layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from app_pages import KIND_LABELS, Filters, unit_words
from app_pages._map_data import DENSITY_SHARES
from layers import maps
from layers.access import User

HOT_SPOTS = "Hot and cold spots (Gi*)"
EMERGING = "Emerging hot spots"
DENSITY = "Density of events (KDE)"
OVERLAP = "Hot for several harms"
WARD_LINES = "Ward boundaries"
LOCALITY_LINES = "Locality boundaries"
SURVEY = "Survey: mean score"
INTERVENTIONS = "Interventions"
MAP_HEIGHT = 660
"""Height of the map explorer's map on screen (pixels)."""

_MAP_WIDTH = 640  # about the map column's width on a laptop screen (pixels)
_BRISTOL = (-2.7, 51.4, -2.5, 51.55)  # west, south, east, north when no boundaries are loaded


@dataclass(frozen=True)
class MapView:
    """Everything one map draws (results are None where a statistic refused)."""

    filters: Filters
    user: User
    static_dir: Path
    wards: gpd.GeoDataFrame
    localities: gpd.GeoDataFrame
    counts: pd.DataFrame
    gi: pd.DataFrame | None = None
    emerging: pd.DataFrame | None = None
    contours: gpd.GeoDataFrame | None = None
    density_notes: list[str] = field(default_factory=list)
    overlap: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    interventions: gpd.GeoDataFrame | None = None
    ward_names_at: list[tuple[float, float]] | None = None  # label points, (lon, lat)
    locality_names_at: list[tuple[float, float]] | None = None


def counts_layer_name(filters: Filters) -> str:
    """Return the name of the count layer: "Incidents per hexagon"."""
    unit = unit_words(filters.kinds)
    return f"{unit[1].capitalize()} per {'ward' if filters.by == 'ward' else 'hexagon'}"


def build_map(view: MapView) -> folium.Map:
    """Return the map of a view: counts, statistics, boundaries and context, with a control."""
    m = base_map(view)
    for layer in map_layers(view):
        layer.add_to(m)
    maps.layer_list().add_to(m)
    return m


def base_map(view: MapView) -> folium.Map:
    """Return the empty map of a view's place (the same for every filter but the place).

    The centre and zoom that fit the place are worked out here (``maps.zoom_to_fit``), not
    by Leaflet's ``fitBounds``, which fails in a frame that is not laid out yet.
    """
    shown = _place_wards(view)
    bounds = tuple(shown.total_bounds) if len(shown) else _BRISTOL
    west, south, east, north = bounds
    zoom = maps.zoom_to_fit(bounds, width_px=_MAP_WIDTH, height_px=MAP_HEIGHT - 48)
    center = ((west + east) / 2, (south + north) / 2)
    return maps.base_map(center=center, zoom=zoom, static_dir=view.static_dir, leaflet_only=True)


def map_layers(view: MapView) -> list[folium.FeatureGroup]:
    """Return the layers of a view, bottom first: counts, statistics, context, boundaries."""
    layers = [_counts(view), *_statistics(view), *_context(view)]
    layers.append(maps.boundary_layer(view.wards, name=WARD_LINES, labels_at=view.ward_names_at))
    if len(view.localities):
        localities = maps.boundary_layer(
            view.localities, name=LOCALITY_LINES, show=False, labels_at=view.locality_names_at
        )
        layers.append(localities)
    return layers


def _place_wards(view: MapView) -> gpd.GeoDataFrame:
    place = view.filters.place
    if place.startswith("ward:"):
        return view.wards[view.wards["code"] == place.partition(":")[2]]
    if place.startswith("locality:"):
        return view.wards[view.wards["parent_code"] == place.partition(":")[2]]
    return view.wards


def _counts(view: MapView) -> folium.FeatureGroup:
    """Return the counts layer: shown, unless a slower layer asked for is drawn."""
    f = view.filters
    when = maps.month_range_label(f.date_from, f.date_to)
    name, unit = counts_layer_name(f), unit_words(f.kinds)
    show = view.emerging is None and view.contours is None
    if f.by == "ward":
        return maps.area_choropleth(
            view.counts, view.wards, name=name, unit=unit, period_label=when, show=show
        )
    return maps.hex_choropleth(view.counts, name=name, unit=unit, period_label=when, show=show)


def _statistics(view: MapView) -> list[folium.FeatureGroup]:
    f = view.filters
    unit = unit_words(f.kinds)
    areas = view.wards if f.by == "ward" else None
    when = maps.month_range_label(f.date_from, f.date_to)
    layers = []
    if view.contours is not None:
        layers.append(
            maps.density_layer(
                view.contours,
                shares=DENSITY_SHARES[: len(view.contours)],
                unit=unit,
                name=DENSITY,
                notes=view.density_notes,
                show=True,  # computed because it was asked for
            )
        )
    if view.gi is not None:
        layers.append(
            maps.hotspot_layer(view.gi, areas, name=HOT_SPOTS, unit=unit, period_label=when)
        )
    if view.emerging is not None:
        layers.append(maps.emerging_layer(view.emerging, name=EMERGING, unit=unit, show=True))
    if view.overlap is not None:
        layers.append(maps.overlap_layer(view.overlap, areas, labels=KIND_LABELS, name=OVERLAP))
    return layers


def _context(view: MapView) -> list[folium.FeatureGroup]:
    layers = []
    if view.survey is not None and len(view.survey):
        layers.append(maps.survey_layer(view.survey, view.wards, name=SURVEY))
    if view.interventions is not None and len(view.interventions):
        layers.append(maps.interventions_layer(view.interventions, name=INTERVENTIONS, show=False))
    return layers
