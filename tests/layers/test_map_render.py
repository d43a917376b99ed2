"""How map layers reach the page: data stays text, hidden layers stay hidden, Leaflet alone."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import maps
from layers._elements import KeyedShapes, LayerBox

BRACES = "{{ 6 * 7 * 1000003 }} {% if true %}x{% endif %}"  # 42000126 if run


def _areas(names: list[str]) -> gpd.GeoDataFrame:
    shapes = [
        shapely.box(-2.60 + 0.02 * i, 51.44, -2.59 + 0.02 * i, 51.45) for i in range(len(names))
    ]
    return gpd.GeoDataFrame(
        {"code": [f"E0{i}" for i in range(len(names))], "name": names, "parent_code": "North"},
        geometry=shapes,
        crs="EPSG:4326",
    )


def _page(*layers: folium.Element) -> str:
    m = maps.base_map(center=(-2.59, 51.45), zoom=12)
    for layer in layers:
        layer.add_to(m)
    return str(m.get_root().render())


def test_text_from_data_is_never_run_as_a_template() -> None:
    box = folium.FeatureGroup(name="Legend")
    LayerBox(BRACES, position="bottomleft", css_class="atlas-box").add_to(box)
    point = np.array([shapely.Point(-2.59, 51.45)], dtype=object)
    KeyedShapes(point, {"c": [0], "t": [BRACES]}, ["#000000"], style={}).add_to(box)
    wards = maps.boundary_layer(_areas([BRACES, "Bee"]), name="Wards")
    page = _page(box, wards)
    assert "42000126" not in page
    assert page.count(BRACES) == 2  # the legend and the tooltip, as written
    assert page.count("6 * 7 * 1000003") == 3  # and the ward's label, braces as entities


def test_the_layer_list_takes_hidden_layers_off_the_map_again() -> None:
    shown = folium.FeatureGroup(name="Counts")
    hidden = folium.FeatureGroup(name="Hot spots", show=False)
    page = _page(shown, hidden, maps.layer_list())
    assert f"{hidden.get_name()}.remove();" in page
    assert f"{shown.get_name()}.remove();" not in page
    assert '"Counts" : ' in page or '"Counts": ' in page


def test_a_leaflet_only_map_loads_two_files() -> None:
    m = maps.base_map(center=(-2.59, 51.45), zoom=12, leaflet_only=True)
    assert [name for name, _ in m.default_js] == ["leaflet"]
    assert [name for name, _ in m.default_css] == ["leaflet_css"]
    page = maps.standalone_html(m)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in page
    assert "jquery" not in page
    assert folium.Map.default_js[1][0] == "jquery"  # the class lists are left alone


def test_label_points_can_be_given_and_match_the_computed_ones() -> None:
    areas = _areas(["Ashley", "Bee"])
    points = maps.label_points(areas)
    assert all(
        area.contains(shapely.Point(p)) for area, p in zip(areas.geometry, points, strict=True)
    )
    given = maps.boundary_layer(areas, name="W", labels_at=[(-2.5, 51.5), (-2.4, 51.5)])
    markers = [c for c in given._children.values() if isinstance(c, folium.Marker)]
    assert [m.location for m in markers] == [[51.5, -2.5], [51.5, -2.4]]
    computed = maps.boundary_layer(areas, name="W")
    located = [c.location for c in computed._children.values() if isinstance(c, folium.Marker)]
    assert located == [[lat, lon] for lon, lat in points]


def test_counts_legend_says_the_period() -> None:
    table = pd.DataFrame(
        {"area_code": ["E00", "E01"], "area_name": "x", "period": "all", "count": [3, 1]}
    )
    layer = maps.area_choropleth(
        table, _areas(["A", "B"]), name="Incidents per ward", period_label="Mar 2020"
    )
    (legend,) = [c for c in layer._children.values() if isinstance(c, LayerBox)]
    assert legend.html.startswith("<b>Incidents per ward</b><br><small>Mar 2020</small>")
