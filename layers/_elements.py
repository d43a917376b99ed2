"""The folium elements behind layers.maps: the map's CSS, layer boxes, classed shapes."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

BACKGROUND = "#eef0f3"
"""Map background where no tile layer is drawn (the default: tiles need the internet)."""

CSS = (
    f".leaflet-container {{ background: {BACKGROUND}; font-family: system-ui, sans-serif; }}"
    """
.atlas-box { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 4px;
  max-width: 270px; box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 12px/1.4 system-ui, sans-serif;
  color: #1f2933; }
.atlas-box b { font-size: 12.5px; }
.atlas-box i { display: inline-block; width: 14px; height: 12px; margin: 0 6px -1px 0;
  border: 1px solid rgba(0,0,0,.25); }
.atlas-box small { color: #52606d; }
.atlas-note { max-width: 230px; font-weight: 600; color: #7c2d12; background: #fff7ed; }
.leaflet-control-layers { font: 12.5px/1.45 system-ui, sans-serif; color: #1f2933; }
.leaflet-control-layers-expanded { padding: 6px 10px 6px 6px; }
.leaflet-control-layers label { margin: 0; }
.leaflet-control-layers input { margin: 0 5px 0 0; vertical-align: -1px; }
.atlas-tip { font: 12.5px/1.4 system-ui, sans-serif; white-space: normal; width: max-content;
  max-width: 320px; }
.atlas-label div { position: absolute; width: 88px; left: -44px; transform: translateY(-50%);
  text-align: center; font: 600 10.5px/1.15 system-ui, sans-serif; color: #102a43;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; pointer-events: none; }
"""
)


@dataclass(frozen=True)
class Choice:
    """What a choropleth shows and how (validated by the public function)."""

    name: str
    classification: str
    n_classes: int
    unit: tuple[str, str]
    period_label: str
    place: str  # where a shape is, in words, when every shape is the same kind of place


class MapStyle(MacroElement):
    """The map's CSS, in the page header."""

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self._name = "AtlasStyle"
        self.css = css


class LayerBox(MacroElement):
    """A box (legend, note) shown on the map while its parent layer is."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var layer = {{ this._parent.get_name() }};
  var box = L.control({position: {{ this.position|tojson }}});
  box.onAdd = function () {
    var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
    div.innerHTML = {{ this.html|tojson }};
    return div;
  };
  layer.on("add", function () { box.addTo(layer._map); });
  layer.on("remove", function () { box.remove(); });
  if (layer._map) { box.addTo(layer._map); }
})();
{% endmacro %}"""
    )

    def __init__(self, html_text: str, *, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "AtlasBox"
        self.html = html_text
        self.position = position
        self.css_class = css_class


class ClassedShapes(MacroElement):
    """Polygons filled by class, with a tooltip saying in words what each one counts.

    Feature properties: ``c`` class index, ``n`` count, ``w`` (optional) where the shape
    is, already HTML-escaped. The tooltip is composed in the browser from these and the
    escaped unit words, place and period, which keeps the page small for fine hexagons.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var colours = {{ this.colours|tojson }};
  var unit = {{ this.unit|tojson }};
  var place = {{ this.place|tojson }};
  var period = {{ this.period|tojson }};
  var shapes = L.geoJson({{ this.data|tojson }}, {
    style: function (f) {
      return {fillColor: colours[f.properties.c], fillOpacity: 0.75, color: "#ffffff",
              weight: 0.6, opacity: 0.9};
    },
    onEachFeature: function (f, shape) {
      var n = f.properties.n;
      var text = "<b>" + n.toLocaleString("en-GB") + " " + unit[n === 1 ? 0 : 1] + "</b>";
      text += "<br>" + (f.properties.w || place) + (period ? "<br>" + period : "");
      shape.bindTooltip(text, {sticky: true, className: "atlas-tip"});
      shape.on("mouseover", function () { shape.setStyle({weight: 2.5, color: "#102a43"}); });
      shape.on("mouseout", function () { shapes.resetStyle(shape); });
    }
  });
  shapes.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(self, data: dict[str, Any], colours: list[str], choice: Choice) -> None:
        super().__init__()
        self._name = "AtlasShapes"
        self.data = data
        self.colours = colours
        self.unit = [html.escape(u) for u in choice.unit]
        self.place = html.escape(choice.place)
        self.period = html.escape(choice.period_label)


class KeyedShapes(MacroElement):
    """Shapes filled by a key colour, each with its own tooltip; points drawn as circles.

    Feature properties: ``c`` index into ``colours``, ``t`` the tooltip, HTML whose
    pieces from data are already escaped. ``style`` holds Leaflet path options shared by
    every shape (``fillOpacity``, ``weight``, ``color``, ``dashArray``...); with
    ``outline_by_key`` the outline takes the key colour too.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var colours = {{ this.colours|tojson }};
  var base = {{ this.style|tojson }};
  var outline = {{ this.outline_by_key|tojson }};
  var shapes = L.geoJson({{ this.data|tojson }}, {
    style: function (f) {
      var s = Object.assign({}, base, {fillColor: colours[f.properties.c]});
      if (outline) { s.color = colours[f.properties.c]; }
      return s;
    },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 8});
    },
    onEachFeature: function (f, shape) {
      shape.bindTooltip(f.properties.t, {sticky: true, className: "atlas-tip"});
      shape.on("mouseover", function () { shape.setStyle({weight: 2.5, color: "#102a43"}); });
      shape.on("mouseout", function () { shapes.resetStyle(shape); });
    }
  });
  shapes.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(
        self,
        data: dict[str, Any],
        colours: list[str],
        *,
        style: dict[str, Any],
        outline_by_key: bool = False,
    ) -> None:
        super().__init__()
        self._name = "AtlasKeyedShapes"
        self.data = data
        self.colours = colours
        self.style = style
        self.outline_by_key = outline_by_key
