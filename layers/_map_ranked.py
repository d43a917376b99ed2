"""The planner's map layer: ranked places, outlined in the colour of their rank and numbered."""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from jinja2 import Template

from layers import schema as S
from layers._elements import AtlasElement
from layers._map_checks import frame_problems, raise_problems
from layers._map_keyed import KEY, TIP, Key, keyed_layer

RANK_COLOURS: tuple[str, ...] = ("#7f0000", "#b30000", "#d7301f", "#ef6548", "#fc8d59")
"""Outline and badge of ranks 1-2, 3-4, 5-6, 7-8, and 9 onwards."""

_RANKED_COLUMNS = ("rank", "area_name", "score", "why")
_STYLE = {"weight": 3, "opacity": 1, "fillOpacity": 0.35}


class RankBadges(AtlasElement):
    """A numbered disc at each place, drawn from numbers only, not catching the mouse.

    Each badge is ``[lat, lon, rank, colour index]``; the colours come from
    :data:`RANK_COLOURS`, never from data, so no text from a file reaches the page here.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var colours = {{ this.colours|tojson }};
  {{ this.badges|tojson }}.forEach(function (b) {
    L.marker([b[0], b[1]], {interactive: false, keyboard: false, icon: L.divIcon({
      className: "atlas-rank", iconSize: [22, 22], iconAnchor: [11, 11],
      html: '<div style="background:' + colours[b[3]] + '">' + Number(b[2]) + "</div>"
    })}).addTo({{ this._parent.get_name() }});
  });
})();
{% endmacro %}"""
    )

    def __init__(self, badges: list[list[float | int]]) -> None:
        super().__init__()
        self._name = "AtlasRankBadges"
        self.badges = badges
        self.colours = list(RANK_COLOURS)


def ranked_layer(places: gpd.GeoDataFrame, *, name: str, show: bool = True) -> folium.FeatureGroup:
    """Return the places of a ranking: outlines coloured by rank, a numbered badge, tooltips.

    Every piece of text from data (the place's name, why it ranks there) is escaped in
    the tooltip and nothing is compiled as a template, so a hostile area name stays text.

    Parameters
    ----------
    places
        ``assessments.priority.place_shapes`` rows: ``rank`` (int), ``area_name``
        (str), ``score`` (float), ``why`` (str) and outlines with a CRS.
    name
        Layer name for the layer control and legend.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        One outline and one badge per place; the tooltip reads "#1 Ashley · score 87"
        and, under it, why.
    """
    raise_problems(_problems(places))
    shapes = places.to_crs(S.CRS_STORE).reset_index(drop=True)
    shapes = shapes[~shapes.geometry.is_empty & shapes.geometry.notna()].copy()
    ranks = shapes["rank"].to_numpy(dtype="int64")
    shapes[KEY] = _colour_index(ranks)
    shapes[TIP] = [_tip(row) for row in shapes.to_dict("records")]
    labels = [_rank_words(i) for i in range(len(RANK_COLOURS))]
    key = Key(name, list(RANK_COLOURS), labels, ["Hover a place: why it ranks there."])
    layer = keyed_layer(
        shapes, key, name=name, show=show, style=_STYLE, outline_by_key=True,
        legend_position="bottomleft",
    )  # fmt: skip
    centres = shapes.geometry.representative_point()
    badges = [
        [round(float(p.y), 6), round(float(p.x), 6), int(r), int(k)]
        for p, r, k in zip(centres, ranks, shapes[KEY], strict=True)
    ]
    if badges:
        RankBadges(badges).add_to(layer)
    return layer


def _problems(places: object) -> list[str]:
    problems = frame_problems(
        places, _RANKED_COLUMNS, name="places", source="assessments.priority.place_shapes"
    )
    if not problems and getattr(places, "crs", None) is None:
        problems.append("places has no CRS; set it (place_shapes returns EPSG:4326)")
    return problems


def _colour_index(ranks: np.ndarray) -> np.ndarray:
    return np.minimum((np.maximum(ranks, 1) - 1) // 2, len(RANK_COLOURS) - 1)


def _rank_words(i: int) -> str:
    first = 2 * i + 1
    return f"Ranks {first} and {first + 1}" if i < len(RANK_COLOURS) - 1 else f"Rank {first} on"


def _tip(row: dict[str, Any]) -> str:
    score = row.get("score")
    scored = f" · score {float(score):.0f}" if score is not None and np.isfinite(score) else ""
    return (
        f"<b>#{int(row['rank'])} {html.escape(str(row['area_name']))}</b>{scored}"
        f"<br>{html.escape(str(row['why']))}"
    )
