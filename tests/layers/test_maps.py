"""Tests of layers.maps (and its private helpers _assets, _classify, _elements)."""

from __future__ import annotations

import itertools
from pathlib import Path

import branca.colormap
import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from layers import maps
from layers._assets import ASSETS, VENDOR_URL, offline_gaps, with_local_assets
from layers._elements import ClassedShapes, KeyedShapes, LayerBox
from layers._errors import SchemaError

ORIGIN = h3.latlng_to_cell(51.4545, -2.5879, 8)  # central Bristol


def _counts(cells: list[str], values: list[int], period: str = "all") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": pd.Series(cells, dtype="str"),
            "area_name": pd.Series([None] * len(cells), dtype="str"),
            "period": pd.Series([period] * len(cells), dtype="str"),
            "count": pd.Series(values, dtype="int64"),
        }
    )


def _areas(names: list[str], *, approximate: bool = False) -> gpd.GeoDataFrame:
    shapes = [box(-2.62 + 0.03 * i, 51.43, -2.59 + 0.03 * i, 51.46) for i in range(len(names))]
    frame = gpd.GeoDataFrame(
        {"code": [f"E0{i}" for i in range(len(names))], "name": names, "parent_code": "North"},
        geometry=shapes,
        crs="EPSG:4326",
    )
    frame.attrs["approximate"] = approximate
    return frame


def _children(element: folium.Element, kind: type) -> list:
    found = [c for c in element._children.values() if isinstance(c, kind)]
    for child in element._children.values():
        found += _children(child, kind)
    return found


def _fake_vendor(tmp_path: Path, keep: int | None = None) -> Path:
    for asset in ASSETS[:keep]:
        target = tmp_path / "vendor" / asset.local
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* local copy */")
    return tmp_path


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


# --- base map and assets ---------------------------------------------------------------------


def test_base_map_uses_local_copies_where_installed(tmp_path: Path) -> None:
    class_js = list(folium.Map.default_js)
    static = _fake_vendor(tmp_path, keep=3)
    m = maps.base_map(center=(-2.59, 51.45), zoom=12, static_dir=static)
    links = dict(m.default_js + m.default_css)
    local = {a.cdn_url: f"{VENDOR_URL}/{a.local}" for a in ASSETS[:3]}
    for cdn, url in local.items():
        assert url in links.values()
        assert cdn not in links.values()
    assert len(offline_gaps(m)) == len(ASSETS) - 3
    assert folium.Map.default_js == class_js
    assert m.location == [51.45, -2.59]


def test_with_local_assets_copies_and_leaves_input_alone(tmp_path: Path) -> None:
    m = folium.Map(tiles=None)
    before = list(m.default_css)
    out = with_local_assets(m, static_dir=_fake_vendor(tmp_path))
    assert out is not m
    assert m.default_css == before
    assert offline_gaps(out) == []
    assert len(offline_gaps(m)) == len(ASSETS)


def test_offline_gaps_flags_branca_colormaps(tmp_path: Path) -> None:
    m = maps.base_map(center=(-2.59, 51.45), zoom=12, static_dir=_fake_vendor(tmp_path))
    branca.colormap.LinearColormap(["white", "red"]).add_to(m)
    (gap,) = offline_gaps(m)
    assert "streamlit-folium loads d3" in gap


def test_month_range_label_and_hexagon_area_words() -> None:
    assert maps.month_range_label("2020-03", "2021-02") == "Mar 2020 – Feb 2021"
    assert maps.month_range_label("2021-02", "2021-02") == "Feb 2021"
    assert maps.hexagon_area_words(8) == "0.74 km²"
    assert maps.hexagon_area_words(11) == f"{h3.average_hexagon_area(11, unit='m^2'):,.0f} m²"


# --- words -----------------------------------------------------------------------------------


def test_gi_bin_words_say_side_and_confidence() -> None:
    words = {b: maps.gi_bin_words(b) for b in range(-3, 4)}
    assert words[3] == "Hot spot, 99% confidence"
    assert words[1] == "Hot spot, 90% confidence"
    assert words[-2] == "Cold spot, 95% confidence"
    assert words[0] == "Neither a hot nor a cold spot"
    for bad in (4, -4, 1.5, True):
        with pytest.raises(ValueError, match="whole number from -3 to 3"):
            maps.gi_bin_words(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "hot", "cold", "steps", "step", "last", "expected"),
    [
        ("Persistent Hot Spot", 44, 0, 48, "month", 3,
         "Persistent hot spot: hot in 44 of 48 months, 99% confidence in the latest month."),
        ("Historical Hot Spot", 40, 0, 44, "month", 0,
         "Historical hot spot: hot in 40 of 44 months, but not in the latest month."),
        ("Oscillating Hot Spot", 5, 2, 11, "quarter", 1,
         ("Oscillating hot spot: hot in 5 and cold in 2 of 11 quarters, 90% confidence in "
          "the latest quarter.")),
        ("New Cold Spot", 0, 1, 12, "month", -2,
         "New cold spot: cold in 1 of 12 months, 95% confidence in the latest month."),
        ("No Pattern Detected", 0, 0, 36, "month", 0,
         "No pattern detected: never a hot or cold spot in 36 months."),
    ],
)  # fmt: skip
def test_emerging_sentence(
    pattern: str, hot: int, cold: int, steps: int, step: str, last: int, expected: str
) -> None:
    got = maps.emerging_sentence(
        pattern, hot_steps=hot, cold_steps=cold, steps=steps, step=step, last_bin=last
    )
    assert got == expected


def test_step_words_and_bad_steps() -> None:
    assert maps.step_words("month", 1) == "1 month"
    assert maps.step_words("quarter", 1200) == "1,200 quarters"
    with pytest.raises(ValueError, match="'month' or 'quarter'"):
        maps.step_words("week", 3)


# --- shapes and picking ------------------------------------------------------------------


def test_area_shapes_of_cells_and_of_wards() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))
    shapes = maps.area_shapes(cells)
    assert shapes["code"].tolist() == cells
    assert shapes.crs == "EPSG:4326"
    assert set(shapes["place"]) == {"in this hexagon of about 0.74 km² (H3 resolution 8)"}
    ring = list(shapes.geometry.iloc[0].exterior.coords)[:-1]
    assert {(round(x, 9), round(y, 9)) for x, y in ring} == {
        (round(lng, 9), round(lat, 9)) for lat, lng in h3.cell_to_boundary(cells[0])
    }
    wards = maps.area_shapes(["E01", "missing", "E00"], _areas(["Ashley", "Bee & Co"]))
    assert wards["code"].tolist() == ["E01", "E00"]
    assert wards["place"].tolist() == ["in Bee & Co (E01)", "in Ashley (E00)"]


def test_area_at_finds_the_cell_or_ward_under_a_point() -> None:
    lat, lng = h3.cell_to_latlng(ORIGIN)
    assert maps.area_at(lng, lat, by="h3:8") == ORIGIN
    assert maps.area_at(lng, lat, by="h3:10") == h3.latlng_to_cell(lat, lng, 10)
    areas = _areas(["A", "B"])  # boxes from lon -2.62 and -2.59, lat 51.43-51.46
    assert maps.area_at(-2.60, 51.44, by="ward", areas=areas) == "E00"
    assert maps.area_at(-2.57, 51.44, by="ward", areas=areas) == "E01"
    assert maps.area_at(-2.00, 51.44, by="ward", areas=areas) is None
    with pytest.raises(SchemaError, match="needs areas"):
        maps.area_at(-2.6, 51.44, by="ward")
    with pytest.raises(SchemaError, match="point in degrees"):
        maps.area_at(200.0, 51.44, by="h3:8")
    with pytest.raises(SchemaError, match="h3:RES"):
        maps.area_at(-2.6, 51.44, by="h3:x")


def test_cell_areas_names_the_ward_holding_each_centre() -> None:
    areas = _areas(["West", "East"])
    inside = h3.latlng_to_cell(51.445, -2.60, 9)
    east = h3.latlng_to_cell(51.445, -2.57, 9)
    outside = h3.latlng_to_cell(51.60, -2.60, 9)
    found = maps.cell_areas([east, outside, inside], areas)
    assert found.index.tolist() == [east, outside, inside]
    assert found.loc[inside, "name"] == "West"
    assert found.loc[east, "code"] == "E01"
    assert pd.isna(found.loc[outside, "name"])


# --- hotspot layers ------------------------------------------------------------------------


def _keyed(layer: folium.FeatureGroup) -> tuple[KeyedShapes | None, str]:
    shapes = _children(layer, KeyedShapes)
    (legend,) = _children(layer, LayerBox)
    return (shapes[0] if shapes else None), legend.html


def _gi(cells: list[str], bins: list[int], *, fdr: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "count": [float(3 * i) for i in range(len(cells))],
            "gi_z": [1.5 * b for b in bins],
            "gi_bin": np.array(bins, dtype="int8"),
        },
        index=pd.Index(cells, name="h3_cell"),
    )
    frame.attrs["fdr"] = fdr
    return frame


def test_hotspot_layer_colours_only_significant_cells_in_words() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))
    bins = [3, 2, 1, 0, -1, -3, 0]
    shapes, legend = _keyed(
        maps.hotspot_layer(
            _gi(cells, bins), name="Hot and cold spots (Gi*)",
            unit=("incident", "incidents"), period_label="Mar 2024 – Feb 2026",
        )
    )  # fmt: skip
    assert shapes is not None
    features = shapes.data["features"]
    assert len(features) == 5
    keys = [f["properties"]["c"] for f in features]
    assert [maps.GI_BINS[k] for k in keys] == [3, 2, 1, -1, -3]
    first = features[0]["properties"]["t"]
    assert first.startswith("<b>Hot spot, 99% confidence</b><br>0 incidents in this hexagon")
    assert "Mar 2024 – Feb 2026" in first
    assert "Gi* z-score 4.5" in first
    assert features[3]["properties"]["t"].startswith("<b>Cold spot, 90% confidence</b>")
    assert "FDR-corrected (Benjamini-Hochberg)" in legend
    _, uncorrected = _keyed(maps.hotspot_layer(_gi(cells, bins, fdr=False), name="G"))
    assert "not corrected" in uncorrected


def test_hotspot_layer_by_ward_names_the_ward_and_escapes_it() -> None:
    areas = _areas(["<b>Ashley</b>", "Bee"])
    gi = pd.DataFrame(
        {"count": [12.0, 1.0], "gi_z": [3.2, 0.1], "gi_bin": np.array([2, 0], dtype="int8")},
        index=pd.Index(["E00", "E01"], name="code"),
    )
    shapes, _ = _keyed(maps.hotspot_layer(gi, areas, name="G", unit=("injury", "injuries")))
    assert shapes is not None
    (feature,) = shapes.data["features"]
    assert "12 injuries in &lt;b&gt;Ashley&lt;/b&gt; (E00)" in feature["properties"]["t"]
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['gi_z'\]"):
        maps.hotspot_layer(gi.drop(columns="gi_z"), areas, name="G")


def _emerging(cells: list[str], patterns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "pattern": patterns,
            "pattern_meaning": [f"meaning of {p}" for p in patterns],
            "hot_steps": [33, 2, 0],
            "cold_steps": [0, 0, 0],
            "last_bin": np.array([3, 1, 0], dtype="int8"),
            "count_total": [120, 1, 0],
        },
        index=pd.Index(cells, name="h3_cell"),
    )
    frame.attrs["parameters"] = {"step": "month", "steps": 36}
    return frame


def test_emerging_layer_explains_each_class_drawn() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))[:3]
    table = _emerging(cells, ["Persistent Hot Spot", "New Hot Spot", "No Pattern Detected"])
    shapes, legend = _keyed(maps.emerging_layer(table, name="Emerging hot spots"))
    assert shapes is not None
    features = shapes.data["features"]
    assert len(features) == 2
    assert features[0]["properties"]["t"] == (
        "<b>Persistent hot spot: hot in 33 of 36 months, 99% confidence in the latest month."
        "</b><br>meaning of Persistent Hot Spot<br>120 events in all"
    )
    assert shapes.colours == [
        maps.PATTERN_COLOURS["New Hot Spot"],
        maps.PATTERN_COLOURS["Persistent Hot Spot"],
    ]
    assert "Time step: month (36 months analysed)" in legend
    assert "Intensifying" not in legend
    table.attrs = {}
    with pytest.raises(SchemaError, match="lacks step and steps"):
        maps.emerging_layer(table, name="E")


def test_overlap_layer_names_the_harms() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))[:2]
    overlap = pd.DataFrame(
        {"n_hot_layers": [3, 2], "hot_layers": ["incidents, missing, knife", "incidents, knife"]},
        index=pd.Index(cells, name="h3_cell"),
    )
    overlap.attrs.update(layers=["incidents", "missing", "knife"], min_bin=2, min_layers=2)
    labels = {"incidents": "Police incidents", "knife": "Knife injuries"}
    shapes, legend = _keyed(maps.overlap_layer(overlap, labels=labels, name="Several harms"))
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[1].startswith("<b>Hot spot for 2 of 3 harm layers</b><br>Police incidents and")
    assert [f["properties"]["c"] for f in shapes.data["features"]] == [1, 0]
    assert "95% confidence or more" in legend


# --- context layers ------------------------------------------------------------------------


def _brute_level(values: np.ndarray, share: float) -> float:
    total = values.sum()
    for v in sorted(set(values[values > 0]), reverse=True):
        if values[values >= v].sum() >= share * total - 1e-9:
            return float(v)
    raise AssertionError


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_density_levels_match_brute_force(seed: int) -> None:
    values = np.random.default_rng(seed).gamma(0.5, size=(30, 40)).round(1)
    levels = maps.density_levels(values, shares=(0.25, 0.5, 0.9))
    assert levels.tolist() == [_brute_level(values, s) for s in (0.25, 0.5, 0.9)]
    assert maps.density_levels(np.array([4.0, 3, 2, 1]), shares=[0.4, 0.5, 1]).tolist() == [4, 3, 1]
    assert np.isnan(maps.density_levels(np.zeros((3, 3)), shares=[0.5])).all()
    with pytest.raises(ValueError, match=r"in \(0, 1\]"):
        maps.density_levels(values, shares=[0.0])


def test_density_layer_draws_widest_first() -> None:
    rings = [shapely.Point(-2.59, 51.45).buffer(r) for r in (0.002, 0.004, 0.008)]
    contours = gpd.GeoDataFrame({"level": [9.0, 5.0, 1.0]}, geometry=rings, crs="EPSG:4326")
    contours.attrs["unit"] = "events per km²"
    layer = maps.density_layer(
        contours, shares=[0.25, 0.5, 0.75], unit=("incident", "incidents"), name="Density",
        notes=["Bandwidth 412 m"],
    )  # fmt: skip
    shapes, legend = _keyed(layer)
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[0].startswith("<b>Densest area holding 75% of the incidents</b>")
    assert "density at least 1 incidents per km²" in tips[0]
    assert tips[2].startswith("<b>Densest area holding 25% of the incidents</b>")
    assert "Bandwidth 412 m" in legend
    with pytest.raises(SchemaError, match="give one each"):
        maps.density_layer(contours, shares=[0.5], name="D")


def test_survey_layer_classes_means_in_equal_steps() -> None:
    areas = _areas(["A", "B", "C"])
    summary = pd.DataFrame(
        {
            "area_code": ["E00", "E01", "E02"],
            "area_name": ["A", "B", "C"],
            "survey": "S",
            "question": "I feel <safe>",
            "responses": [1, 20, 7],
            "mean_score": [1.0, 3.0, 5.0],
        }
    )
    shapes, legend = _keyed(maps.survey_layer(summary, areas, name="Survey"))
    assert shapes is not None
    features = shapes.data["features"]
    assert [f["properties"]["c"] for f in features] == [0, 2, 4]
    assert features[0]["properties"]["t"] == (
        "<b>Mean score 1.00</b> from 1 answer<br>In A (E00)<br>“I feel &lt;safe&gt;”"
    )
    assert "1.00 – 1.80" in legend
    assert "Question: I feel &lt;safe&gt;" in legend
    with pytest.raises(SchemaError, match="several questions"):
        maps.survey_layer(summary.assign(question=["a", "b", "c"]), areas, name="Survey")


def test_interventions_layer_says_what_when_and_who() -> None:
    register = gpd.GeoDataFrame(
        {
            "name": ["CCTV <upgrade>", "Lighting"],
            "intervention_type": ["CCTV", "street lighting"],
            "start_date": pd.to_datetime(["2025-03-01", "2024-01-15"]),
            "end_date": pd.to_datetime([None, "2024-12-31"]),
            "lead_agency": ["Police", None],
            "notes": [None, "Phase 1"],
        },
        geometry=[shapely.Point(-2.59, 51.46), box(-2.6, 51.44, -2.59, 51.45)],
        crs="EPSG:4326",
    )
    shapes, legend = _keyed(maps.interventions_layer(register, name="Interventions"))
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[0] == (
        "<b>CCTV &lt;upgrade&gt;</b><br>CCTV, led by Police<br>"
        "From 1 Mar 2025, no end date recorded"
    )
    assert tips[1] == (
        "<b>Lighting</b><br>street lighting<br>From 15 Jan 2024 to 31 Dec 2024<br>Phase 1"
    )
    assert "CCTV" in legend
    with pytest.raises(SchemaError, match="no CRS"):
        maps.interventions_layer(register.set_crs(None, allow_override=True), name="I")


# --- export ---------------------------------------------------------------------------------


def test_standalone_html_loads_from_the_cdn_and_leaves_the_map_alone(tmp_path: Path) -> None:
    m = maps.base_map(center=(-2.59, 51.45), zoom=12, static_dir=_fake_vendor(tmp_path))
    maps.hotspot_layer(_gi([ORIGIN], [3]), name="Hot").add_to(m)
    page = maps.standalone_html(m)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in page
    assert VENDOR_URL not in page
    assert "Hot spot, 99% confidence" in page
    assert all(url.startswith(VENDOR_URL) for _, url in m.default_js)


@pytest.mark.parametrize(
    "bounds",
    [(-2.7, 51.4, -2.5, 51.55), (-2.6, 51.45, -2.59, 51.46), (-3.0, 51.0, -1.0, 52.5)],
)
def test_zoom_to_fit_is_the_largest_zoom_whose_box_fits_the_map(
    bounds: tuple[float, float, float, float],
) -> None:
    from pyproj import Transformer

    west, south, east, north = bounds
    to_web = Transformer.from_crs(4326, 3857, always_xy=True)
    (x0, x1), (y0, y1) = (
        to_web.transform([west, east], [south, north])[0],
        to_web.transform([west, east], [south, north])[1],
    )

    def fits(zoom: int) -> bool:  # metres per pixel of the web map at this zoom
        metres = 2 * np.pi * 6378137 / (256 * 2**zoom)
        return (x1 - x0) / metres <= 700 and (y1 - y0) / metres <= 520

    zoom = maps.zoom_to_fit(bounds, width_px=700, height_px=520)
    assert fits(zoom)
    assert zoom == 17 or not fits(zoom + 1)
