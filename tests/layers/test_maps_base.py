"""layers.maps, the base map: local assets, words, picking areas, standalone export, zoom."""

from __future__ import annotations

from pathlib import Path

import branca.colormap
import folium
import h3
import numpy as np
import pandas as pd
import pytest

from layers import maps
from layers._assets import ASSETS, VENDOR_URL, offline_gaps, with_local_assets
from layers._errors import SchemaError
from tests.layers._maps_support import ORIGIN, _areas, _fake_vendor, _gi

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
