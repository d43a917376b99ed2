"""The planner's ranked-places layer: one outline and one badge per place, text escaped."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers import maps
from layers._elements import KeyedShapes
from layers._errors import SchemaError
from layers._map_ranked import RankBadges


def _places(n: int, names: list[str] | None = None) -> gpd.GeoDataFrame:
    names = names or [f"Place {i}" for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "rank": list(range(1, n + 1)),
            "area_name": names,
            "score": [90.0 - 5 * i for i in range(n)],
            "why": [f"High harm in {name}" for name in names],
        },
        geometry=[shapely.box(-2.6 + 0.01 * i, 51.44, -2.595 + 0.01 * i, 51.445) for i in range(n)],
        crs="EPSG:4326",
    )


def _parts(layer: object) -> tuple[KeyedShapes, RankBadges]:
    children = list(layer._children.values())  # type: ignore[attr-defined]
    (shapes,) = [c for c in children if isinstance(c, KeyedShapes)]
    (badges,) = [c for c in children if isinstance(c, RankBadges)]
    return shapes, badges


def test_each_place_gets_its_rank_colour_badge_and_tooltip() -> None:
    layer = maps.ranked_layer(_places(11), name="Places ranked")
    shapes, badges = _parts(layer)
    expected = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4]  # ranks 1-2, 3-4 ... 9 onwards
    assert shapes.properties["c"] == expected
    assert [b[2] for b in badges.badges] == list(range(1, 12))
    assert [b[3] for b in badges.badges] == expected
    assert shapes.properties["t"][0] == "<b>#1 Place 0</b> · score 90<br>High harm in Place 0"
    for (lat, lon, _, _), box in zip(badges.badges, _places(11).geometry, strict=True):
        assert box.contains(shapely.Point(lon, lat))


def test_names_and_reasons_are_escaped_and_never_templated() -> None:
    hostile = ["<img src=x onerror=alert(1)>", "{{ 7*7 }} ${alert(2)} `x`"]
    m = maps.base_map(center=(-2.59, 51.45), zoom=12)
    maps.ranked_layer(_places(2, hostile), name="Places ranked").add_to(m)
    page = str(m.get_root().render())
    assert "<img src=x" not in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert "{{ 7*7 }} ${alert(2)} `x`" in page  # inside JSON: a string, not a template
    assert "\\u003cb\\u003e#2 49" not in page


def test_places_are_checked() -> None:
    places = _places(2)
    with pytest.raises(SchemaError, match="lacks column"):
        maps.ranked_layer(places.drop(columns="why"), name="x")
    with pytest.raises(SchemaError, match="no CRS"):
        maps.ranked_layer(places.set_crs(None, allow_override=True), name="x")
    empty = maps.ranked_layer(places.iloc[:0], name="x")
    assert not [c for c in empty._children.values() if isinstance(c, RankBadges | KeyedShapes)]
