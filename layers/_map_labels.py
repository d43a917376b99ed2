"""Area names on the map: where each name goes, and the label itself."""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import shapely.ops
from branca.element import Figure
from folium.template import Template
from jinja2 import Template as PlainTemplate

from layers import schema as S
from layers._elements import Verbatim


def label_points(areas: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Return where each area's name goes: its pole of inaccessibility, as (lon, lat).

    Parameters
    ----------
    areas
        Polygons in any CRS (the pole is found in metres, to 10 m).

    Returns
    -------
    list of (float, float)
        One (lon, lat) per area, WGS84, in the order of ``areas``.
    """
    metric = areas.to_crs(S.CRS_MEASURE).geometry
    points = [shapely.ops.polylabel(_largest(g), tolerance=10.0) for g in metric]
    back = gpd.GeoSeries(points, crs=S.CRS_MEASURE).to_crs(S.CRS_STORE)
    return list(zip(back.x.tolist(), back.y.tolist(), strict=True))


def _largest(geometry: Any) -> Any:
    parts = getattr(geometry, "geoms", [geometry])
    return max(parts, key=lambda p: p.area)


def name_label(text: str, lon: float, lat: float) -> folium.Marker:
    """Return an area's name drawn on the map at (lon, lat), not catching the mouse."""
    name = html.escape(text).replace("{", "&#123;").replace("}", "&#125;")  # braces as text
    icon = NameIcon(html=f"<div>{name}</div>", icon_size=(0, 0), class_name="atlas-label")
    return NameLabel(location=[lat, lon], icon=icon, interactive=False, keyboard=False)


class NameIcon(folium.DivIcon):
    """The icon of a :class:`NameLabel`: its options, drawn by the label itself."""

    _template = PlainTemplate("")


class NameLabel(folium.Marker):
    """A marker holding an area's name, written in one line of script.

    folium's marker, its icon and the step that joins them are three elements, each
    compiled as a Jinja template when the map is rendered (about 5 ms a label); this
    writes the same marker at once and places it verbatim.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
L.marker({{ this.location|tojson }}, Object.assign(
  {icon: L.divIcon({{ this.icon.options|tojavascript }})}, {{ this.options|tojavascript }}
)).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def render(self, **kwargs: Any) -> str:
        """Place the marker's script in the page (its icon needs no script of its own)."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("Add the label to a map before rendering it.")
        script = self._template.module.script(self, kwargs)
        figure.script.add_child(Verbatim(str(script)), name=self.get_name())
        return ""
