"""layers.maps, choropleths: input errors, class breaks, hexagon and area layers, escaping."""

from __future__ import annotations

import itertools

import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from layers import maps
from layers._elements import ClassedShapes, LayerBox
from layers._errors import SchemaError
from tests.layers._maps_support import ORIGIN, _areas, _children, _counts

# --- input errors ---------------------------------------------------------------------------


def test_base_map_collects_every_problem() -> None:
    with pytest.raises(SchemaError) as caught:
        maps.base_map(center=(51.45, 200.0), zoom=30, tiles="https://t/{z}/{x}/{y}.png")
    message = str(caught.value)
    assert "center must be (lon, lat)" in message
    assert "zoom must be an integer 0-20; received 30" in message
    assert "attribution is required" in message


def test_hex_choropleth_rejects_bad_tables() -> None:
    with pytest.raises(SchemaError, match="lacks column"):
        maps.hex_choropleth(pd.DataFrame({"area_code": ["x"]}), name="n")
    mixed = pd.concat([_counts([ORIGIN], [1], "2021"), _counts([ORIGIN], [2], "2022")])
    with pytest.raises(SchemaError, match="holds 2 periods") as caught:
        maps.hex_choropleth(mixed, name="n", classification="natural", n_classes=9)
    assert "classification must be one of" in str(caught.value)
    assert "n_classes must be an integer 1-7; received 9" in str(caught.value)
    with pytest.raises(SchemaError, match="negative"):
        maps.hex_choropleth(_counts([ORIGIN], [-1]), name="n")
    with pytest.raises(SchemaError, match=r"counts\['area_code'\] must hold H3 cell strings"):
        maps.hex_choropleth(_counts(["E05010885"], [3]), name="n")


def test_boundary_layer_needs_names_and_a_crs() -> None:
    areas = _areas(["A"]).drop(columns="name").set_crs(None, allow_override=True)
    with pytest.raises(SchemaError) as caught:
        maps.boundary_layer(areas, name="Wards")
    assert "lacks column(s) ['name']" in str(caught.value)
    assert "has no CRS" in str(caught.value)


def test_class_breaks_rejects_unknown_method() -> None:
    with pytest.raises(SchemaError, match="method must be one of"):
        maps.class_breaks([1, 2, 3], method="equal")


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quantile_breaks_follow_the_inverted_cdf(seed: int) -> None:
    values = np.random.default_rng(seed).negative_binomial(1, 0.05, size=300)
    positive = np.sort(values[values > 0])
    bounds = maps.class_breaks(values, method="quantiles", n_classes=5)
    # brute force: for each p, the smallest positive v with share(positive <= v) >= p
    expected = {
        next(v for v in positive if np.mean(positive <= v) >= p - 1e-12)
        for p in np.arange(1, 6) / 5
    }
    assert set(bounds.tolist()) == expected
    assert bounds[-1] == positive[-1]
    assert np.all(np.diff(bounds) > 0)


def test_jenks_matches_brute_force_partition() -> None:
    values = np.array([1, 1, 2, 3, 3, 4, 9, 10, 11, 30, 31, 60, 0, 0], dtype=float)
    distinct, weights = np.unique(values[values > 0], return_counts=True)

    def cost(ends: tuple[int, ...]) -> float:
        total, start = 0.0, 0
        for end in (*ends, len(distinct)):
            x, w = distinct[start:end], weights[start:end]
            total += float(np.sum(w * (x - np.average(x, weights=w)) ** 2))
            start = end
        return total

    best = min(itertools.combinations(range(1, len(distinct)), 3), key=cost)
    bounds = maps.class_breaks(values, method="jenks", n_classes=4)
    got = tuple(int(np.searchsorted(distinct, b)) + 1 for b in bounds[:-1])
    assert cost(got) == pytest.approx(cost(best))
    assert bounds[-1] == 60


def test_head_tail_breaks_hand_computed() -> None:
    values = [0, 0, 1, 1, 1, 1, 2, 2, 3, 10, 50]
    # mean of the 9 positives = 71/9 = 7.89 -> head {10, 50} (22 %); mean 30 -> head {50}
    # (50 %: stop). Bounds: 7.89, then the maximum.
    bounds = maps.class_breaks(values, method="head-tail", n_classes=4)
    np.testing.assert_allclose(bounds, [71 / 9, 50.0])


def test_few_distinct_values_get_a_class_each_and_zero_none() -> None:
    assert maps.class_breaks([0, 0, 3, 1, 3], method="jenks").tolist() == [1.0, 3.0]
    assert maps.class_breaks([0, 0], method="quantiles").size == 0


# --- hexagons -----------------------------------------------------------------------------------


def test_hex_choropleth_draws_nonzero_cells_with_h3_outlines() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 2))
    values = [0 if i % 4 == 0 else i for i in range(len(cells))]
    table = _counts(cells, values)
    before = table.copy()
    layer = maps.hex_choropleth(
        table, name="Incidents", unit=("incident", "incidents"), period_label="Mar 2020"
    )
    pd.testing.assert_frame_equal(table, before)
    (shapes,) = _children(layer, ClassedShapes)
    features = shapes.data["features"]
    drawn = dict(zip([c for c, v in zip(cells, values, strict=True) if v], features, strict=True))
    assert len(features) == sum(v > 0 for v in values)
    for cell, feature in drawn.items():
        ring = feature["geometry"]["coordinates"][0]
        expected = {(round(lng, 6), round(lat, 6)) for lat, lng in h3.cell_to_boundary(cell)}
        assert {tuple(xy) for xy in ring} == expected
        assert feature["properties"]["n"] == values[cells.index(cell)]
    bounds = maps.class_breaks(values, n_classes=5)
    classes = [f["properties"]["c"] for f in features]
    assert classes == list(np.searchsorted(bounds, [f["properties"]["n"] for f in features]))
    assert shapes.period == "Mar 2020"
    assert "0.74 km²" in shapes.place


def test_hex_choropleth_empty_and_all_zero_keep_a_legend() -> None:
    for table in (_counts([], []), _counts([ORIGIN], [0])):
        layer = maps.hex_choropleth(table, name="Knife injuries")
        assert _children(layer, ClassedShapes) == []
        (legend,) = _children(layer, LayerBox)
        assert "0 (not coloured)" in legend.html


def test_legend_ranges_come_from_the_data() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))  # 7 cells
    layer = maps.hex_choropleth(_counts(cells, [0, 1, 2, 4, 7, 8, 40]), name="A", n_classes=3)
    (legend,) = _children(layer, LayerBox)
    bounds = maps.class_breaks([1, 2, 4, 7, 8, 40], n_classes=3)
    assert bounds.tolist() == [2.0, 7.0, 40.0]
    assert "1 – 2" in legend.html
    assert "4 – 7" in legend.html
    assert "8 – 40" in legend.html


def test_text_from_data_is_escaped() -> None:
    nasty = "<img src=x onerror=alert(1)>"
    areas = _areas([nasty, "Bee & Co"], approximate=True)
    table = pd.DataFrame(
        {"area_code": ["E00", "E01"], "area_name": [nasty, "Bee"], "period": "all", "count": [3, 1]}
    )
    layer = maps.area_choropleth(table, areas, name=nasty, unit=(nasty, nasty), period_label=nasty)
    (shapes,) = _children(layer, ClassedShapes)
    (legend,) = _children(layer, LayerBox)
    texts = [shapes.place, shapes.period, *shapes.unit, legend.html]
    texts += [f["properties"]["w"] for f in shapes.data["features"]]
    assert all("<img" not in t for t in texts)
    assert "in &lt;img src=x onerror=alert(1)&gt; (E00)" in texts[-2]
    labels = maps.boundary_layer(areas, name="Wards")
    icons = [c for c in _children(labels, folium.DivIcon)]
    assert [i.options["html"] for i in icons] == [
        "<div>&lt;img src=x onerror=alert(1)&gt;</div>",
        "<div>Bee &amp; Co</div>",
    ]


# --- areas ---------------------------------------------------------------------------------------


def test_area_choropleth_joins_counts_by_code() -> None:
    areas = _areas(["Ashley", "Bedminster", "Clifton"])
    table = pd.DataFrame(
        {"area_code": ["E02", "E00", "E01"], "area_name": "x", "period": "all", "count": [5, 2, 0]}
    )
    layer = maps.area_choropleth(table, areas, name="Incidents per ward")
    (shapes,) = _children(layer, ClassedShapes)
    got = {f["properties"]["w"]: f["properties"]["n"] for f in shapes.data["features"]}
    assert got == {"in Clifton (E02)": 5, "in Ashley (E00)": 2}


def test_area_choropleth_draws_hidden_figures_grey_with_their_text_never_the_count() -> None:
    areas = _areas(["Ashley", "Bedminster", "Clifton", "Easton"])
    table = pd.DataFrame(
        {
            "area_code": ["E00", "E01", "E02", "E03"],
            "area_name": "x",
            "period": "all",
            "count": [12.0, np.nan, np.nan, 0.0],
            "shown": ["12", "<5", "[c]", "0"],
        }
    )
    layer = maps.area_choropleth(table, areas, name="Incidents per ward")
    (shapes,) = _children(layer, ClassedShapes)
    got = {f["properties"]["w"]: f["properties"]["n"] for f in shapes.data["features"]}
    assert got == {"in Ashley (E00)": 12, "in Bedminster (E01)": "&lt;5", "in Clifton (E02)": "[c]"}
    hidden = {f["properties"]["c"] for f in shapes.data["features"] if f["properties"]["n"] != 12}
    assert [shapes.colours[c] for c in hidden] == [maps.HIDDEN_COLOUR]
    (legend,) = _children(layer, LayerBox)
    assert "hidden by disclosure control" in legend.html


def test_area_choropleth_refuses_a_missing_count_without_its_display_text() -> None:
    areas = _areas(["Ashley"])
    table = pd.DataFrame({"area_code": ["E00"], "period": "all", "count": [np.nan]})
    with pytest.raises(SchemaError, match="shown"):
        maps.area_choropleth(table, areas, name="Incidents per ward")


def test_boundary_layer_labels_inside_and_note_only_when_approximate() -> None:
    ring = shapely.Polygon(
        [
            (-2.60, 51.40),
            (-2.50, 51.40),
            (-2.50, 51.41),
            (-2.59, 51.41),
            (-2.59, 51.50),
            (-2.60, 51.50),
        ]
    )  # an L: its centroid is outside
    areas = gpd.GeoDataFrame({"code": ["L"], "name": ["Ell"]}, geometry=[ring], crs=4326)
    assert not ring.contains(ring.centroid)
    layer = maps.boundary_layer(areas, name="Wards")
    (marker,) = _children(layer, folium.Marker)
    lat, lon = marker.location
    assert ring.contains(Point(lon, lat))
    assert _children(layer, LayerBox) == []
    areas.attrs["approximate"] = True
    (note,) = _children(maps.boundary_layer(areas, name="Wards"), LayerBox)
    assert note.html == maps.APPROXIMATE_NOTE


def test_boundary_layer_of_no_areas_is_an_empty_layer() -> None:
    layer = maps.boundary_layer(_areas([]), name="Wards")
    assert _children(layer, folium.GeoJson) == []
    assert _children(layer, folium.Marker) == []
