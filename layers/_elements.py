"""The folium elements behind layers.maps: CSS, layer boxes, packed shapes, the layer list."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from branca.element import Element, Figure, MacroElement
from folium.map import Layer, LayerControl
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from layers._map_pack import DECODE_JS, geojson, packed_json

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
.atlas-rank div { width: 22px; height: 22px; border-radius: 11px; color: #fff;
  font: 700 12px/22px system-ui, sans-serif; text-align: center; border: 1px solid #fff; }
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


class Verbatim(Element):
    """Text placed in the page as it is.

    branca compiles the output of every element as a Jinja template before placing it,
    which is slow for megabytes of data and would evaluate any ``{{ ... }}`` that came
    from the data (a ward name, a survey question): the atlas's elements use this.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class AtlasElement(MacroElement):
    """A macro element whose output is placed verbatim (see :class:`Verbatim`)."""

    def render(self, **kwargs: Any) -> str:
        """Place the element's header, html and script in its figure, then its children."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("Add the element to a map before rendering it.")
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            if part in macros:
                text = macros[part](self, kwargs)
                getattr(figure, part).add_child(Verbatim(str(text)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""


class MapStyle(AtlasElement):
    """The map's CSS, in the page header."""

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self._name = "AtlasStyle"
        self.css = css


class LayerBox(AtlasElement):
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


class PackedShapes(AtlasElement):
    """Shapes and one value per shape for each property, sent to the browser packed.

    ``data`` is the GeoJSON FeatureCollection (coordinates rounded to 6 decimals), for
    readers in Python; the page receives the same shapes as :func:`packed_json` text,
    about a third of the size, decoded in the browser.
    """

    def __init__(self, geometry: np.ndarray, properties: Mapping[str, Sequence[Any]]) -> None:
        super().__init__()
        self.geometry = np.asarray(geometry, dtype=object)
        self.properties = {name: _plain(values) for name, values in properties.items()}

    @cached_property
    def data(self) -> dict[str, Any]:
        """The shapes as a GeoJSON FeatureCollection."""
        return geojson(self.geometry, self.properties)

    @cached_property
    def packed(self) -> str:
        """The shapes as packed JSON text, safe inside a ``<script>``."""
        return packed_json(self.geometry, self.properties)

    @property
    def decoder(self) -> str:
        """The JavaScript function that turns :attr:`packed` into GeoJSON."""
        return DECODE_JS


class ClassedShapes(PackedShapes):
    """Polygons filled by class, with a tooltip saying in words what each one counts.

    Properties: ``c`` class index, ``n`` count, ``w`` (optional) where the shape is,
    already HTML-escaped. The tooltip is composed in the browser from these and the
    escaped unit words, place and period, which keeps the page small for fine hexagons.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var colours = {{ this.colours|tojson }};
  var unit = {{ this.unit|tojson }};
  var place = {{ this.place|tojson }};
  var period = {{ this.period|tojson }};
  var shapes = L.geoJson(({{ this.decoder }})({{ this.packed }}), {
    style: function (f) {
      return {fillColor: colours[f.properties.c], fillOpacity: 0.75, color: "#ffffff",
              weight: 0.6, opacity: 0.9};
    },
    onEachFeature: function (f, shape) {
      var n = f.properties.n;
      var text = "<b>" + (typeof n === "number" ? n.toLocaleString("en-GB") : n) + " " +
                 unit[n === 1 ? 0 : 1] + "</b>";
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

    def __init__(
        self,
        geometry: np.ndarray,
        properties: Mapping[str, Sequence[Any]],
        colours: list[str],
        choice: Choice,
    ) -> None:
        super().__init__(geometry, properties)
        self._name = "AtlasShapes"
        self.colours = colours
        self.unit = [html.escape(u) for u in choice.unit]
        self.place = html.escape(choice.place)
        self.period = html.escape(choice.period_label)


class KeyedShapes(PackedShapes):
    """Shapes filled by a key colour, each with its own tooltip; points drawn as circles.

    Properties: ``c`` index into ``colours``, ``t`` the tooltip, HTML whose pieces from
    data are already escaped. ``style`` holds Leaflet path options shared by every shape
    (``fillOpacity``, ``weight``, ``color``, ``dashArray``...); with ``outline_by_key``
    the outline takes the key colour too.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var colours = {{ this.colours|tojson }};
  var base = {{ this.style|tojson }};
  var outline = {{ this.outline_by_key|tojson }};
  var shapes = L.geoJson(({{ this.decoder }})({{ this.packed }}), {
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
        geometry: np.ndarray,
        properties: Mapping[str, Sequence[Any]],
        colours: list[str],
        *,
        style: dict[str, Any],
        outline_by_key: bool = False,
    ) -> None:
        super().__init__(geometry, properties)
        self._name = "AtlasKeyedShapes"
        self.colours = colours
        self.style = style
        self.outline_by_key = outline_by_key


def _plain(values: Sequence[Any]) -> list[Any]:
    """Values as plain Python ints, floats and str (JSON-able)."""
    if isinstance(values, np.ndarray):
        return list(values.tolist())
    return [v.item() if isinstance(v, np.generic) else v for v in values]


class LayerList(LayerControl):
    """Leaflet's layer control, which also takes off the map the layers not to be shown.

    A layer added to the map after it was drawn (streamlit-folium's
    ``feature_group_to_add``) is always switched on; this control switches the ones
    created with ``show=False`` off again, so the map opens as the layers ask.
    """

    _template = FoliumTemplate(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }}_layers = {
  base_layers: {
    {%- for key, val in this.base_layers.items() %}
    {{ key|tojson }}: {{ val }},
    {%- endfor %}
  },
  overlays: {
    {%- for key, val in this.overlays.items() %}
    {{ key|tojson }}: {{ val }},
    {%- endfor %}
  },
};
let {{ this.get_name() }} = L.control.layers(
  {{ this.get_name() }}_layers.base_layers,
  {{ this.get_name() }}_layers.overlays,
  {{ this.options|tojavascript }}
).addTo({{ this._parent.get_name() }});
{%- for name in this.hidden %}
{{ name }}.remove();
{%- endfor %}
{% endmacro %}"""
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hidden: list[str] = []

    def render(self, **kwargs: Any) -> str:
        """List the layers of the map, noting the ones to take off, then render."""
        parent = self._parent
        children = parent._children.values() if parent is not None else []
        self.hidden = [
            layer.get_name()
            for layer in children
            if isinstance(layer, Layer) and layer.control and not layer.show
        ]
        super().render(**kwargs)
        return ""
