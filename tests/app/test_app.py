"""The dashboard run headless with Streamlit's AppTest against a small demo store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
import h3
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from hotspots.gistar import gi_star
from layers import maps
from layers._elements import KeyedShapes
from layers.aggregate import counts
from layers.demo import demo_data
from layers.queries import suggest_resolution
from layers.settings import load_settings
from layers.store import Store
from tests.app.conftest import signed_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run(store: Path, monkeypatch: pytest.MonkeyPatch, **params: str | list[str]) -> AppTest:
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _wards(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def _hexagons(at: AppTest) -> pd.DataFrame:
    (_, cells) = at.dataframe
    return cells.value


def _months(store: Path) -> list[str]:
    span = Store(store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _expected(store: Path, by: str = "ward", **query: Any) -> dict[str, int]:
    table = counts(Store(store), by=by, **query)
    return dict(zip(table["area_code"], table["count"].astype(int), strict=True))


def _shown(table: pd.DataFrame, column: str) -> dict[str, int]:
    return dict(zip(table["Code"], table[column], strict=True))


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_first_view_lists_every_ward_and_says_why_the_hexagons_are_this_size(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    expected = _expected(demo_store)
    table = _wards(at)
    assert len(table) == len(Store(demo_store).boundaries("ward")) == len(expected)
    assert _shown(table, "Incidents") == expected
    assert table["Incidents"].is_monotonic_decreasing
    total = sum(expected.values())
    assert f"{total:,} incidents in {len(expected)} wards, " in " ".join(_captions(at))
    assert at.selectbox(key="w_areas").value == "auto"
    assert at.query_params["areas"] == "auto"
    suggestion = suggest_resolution(Store(demo_store))
    assert suggestion.reason in _captions(at)
    assert f"resolution {suggestion.resolution})" in _captions(at)[0]
    cells = _expected(demo_store, by=f"h3:{suggestion.resolution}")
    shown = _hexagons(at)
    assert dict(zip(shown["Hexagon"], shown["Incidents"], strict=True)) == {
        c: n for c, n in cells.items() if n > 0
    }


def test_changing_areas_and_months_recounts(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    months = _months(demo_store)
    first, last = months[3], months[14]
    at.selectbox(key="w_areas").set_value("wards")
    at.select_slider(key="w_months").set_range(first, last)
    _rerun(at)
    expected = _expected(demo_store, date_from=first, date_to=last)
    assert _shown(_wards(at), "Incidents") == expected
    assert sum(expected.values()) < sum(_expected(demo_store).values())
    assert "counts by ward" in at.caption[0].value
    assert (at.query_params["from"], at.query_params["to"]) == (first, last)
    assert at.query_params["areas"] == "wards"
    assert len(at.dataframe) == 1  # no hexagon table when the map shows wards


def test_choosing_layers_counts_them_together(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    at.multiselect(key="w_layers").set_value(["missing", "knife"])
    _rerun(at)
    expected = _expected(demo_store, kinds=("missing", "knife"))
    assert _shown(_wards(at), "Harm events") == expected
    single = _expected(demo_store, kinds=("knife",))
    assert sum(expected.values()) > sum(single.values()) > 0


def test_categories_flags_and_place_filter_counts_and_the_automatic_size(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    at.multiselect(key="w_categories").set_value(["Drugs", "Violence and sexual offences"])
    at.multiselect(key="w_flags").set_value(["knife_enabled", "cce"])
    at.selectbox(key="w_place").set_value("locality:North")
    _rerun(at)
    query: dict[str, Any] = {
        "categories": ["Drugs", "Violence and sexual offences"],
        "flags": ["knife_enabled", "cce"],
        "within": "locality:North",
    }
    expected = _expected(demo_store, **query)
    north = Store(demo_store).boundaries("ward").query("parent_code == 'North'")
    assert set(expected) == set(north["code"])
    assert _shown(_wards(at), "Incidents") == expected
    assert 0 < sum(expected.values()) < sum(_expected(demo_store, within="locality:North").values())
    suggestion = suggest_resolution(Store(demo_store), **query)
    assert suggestion.reason in _captions(at)
    assert at.query_params["place"] == "locality:North"
    assert at.query_params["flags"] == ["knife_enabled", "cce"]
    assert at.query_params["categories"] == ["Drugs", "Violence and sexual offences"]


def test_a_bookmarked_address_restores_the_view_and_reports_bad_values(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = _months(demo_store)
    at = _run(
        demo_store,
        monkeypatch,
        layers=["knife", "ghosts"],
        areas="wards",
        to=months[5],
        categories=["Knife injury", "Tea"],
        place="ward:E00000000",
        **{"from": months[2]},
    )
    assert at.multiselect(key="w_layers").value == ["knife"]
    assert at.multiselect(key="w_categories").value == ["Knife injury"]
    assert at.select_slider(key="w_months").value == (months[2], months[5])
    assert at.selectbox(key="w_areas").value == "wards"
    assert at.selectbox(key="w_place").value == "city"
    warnings = [w.value for w in at.warning]
    assert warnings[0] == (
        "Address bar: layers=['ghosts'] unknown; use ['incidents', 'missing', 'knife']."
    )
    assert (
        warnings[1] == "Address bar: categories=['Tea'] unknown; see the sidebar for the choices."
    )
    assert warnings[2].startswith("Address bar: place='ward:E00000000' is not one of city..")
    expected = _expected(
        demo_store, kinds=("knife",), categories=["Knife injury"], date_from=months[2],
        date_to=months[5],
    )  # fmt: skip
    assert _shown(_wards(at), "Knife injuries") == expected


def _persistent_cell(store: Path, resolution: int) -> str:
    wards = Store(store).boundaries("ward")
    span = Store(store).date_range()
    assert span is not None
    demo = demo_data(wards, seed=load_settings().demo_seed, end=span[1], scale=0.3)
    (planted,) = [p for p in demo.planted if p.name == "persistent hotspot"]
    return str(h3.latlng_to_cell(planted.lat, planted.lon, resolution))


def test_hot_spots_sit_on_the_planted_persistent_hotspot(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cell = _persistent_cell(demo_store, 9)
    gi = gi_star(counts(Store(demo_store), by="h3:9").set_index("area_code")["count"])
    assert gi.loc[cell, "gi_bin"] >= 1
    assert _hot_cells_drawn(maps.hotspot_layer(gi, name="Hot and cold spots (Gi*)"))[cell] > 0
    at = _run(demo_store, monkeypatch, areas="9", show="emerging")
    cells = _hexagons(at).set_index("Hexagon")
    words = maps.gi_bin_words(int(gi.loc[cell, "gi_bin"]))
    assert words.startswith("Hot spot")
    assert cells.loc[cell, "Hot or cold spot"] == words
    assert cells.loc[cell, "Emerging pattern"].endswith("Hot Spot")
    at.selectbox(key="w_pick").set_value(cell)
    _rerun(at)
    panel = " ".join(m.value for m in at.markdown)
    assert f"**Hot or cold spot:** {words} (FDR-corrected)." in panel
    assert "hot in" in panel
    assert f"profile=h3%3A{cell}" in panel


def _hot_cells_drawn(layer: folium.FeatureGroup) -> dict[str, int]:
    """The Gi* bin of every hexagon the layer draws, found from its outline's centre."""
    (shapes,) = [c for c in layer._children.values() if isinstance(c, KeyedShapes)]
    drawn = {}
    for feature in shapes.data["features"]:
        centre = shapely.Polygon(feature["geometry"]["coordinates"][0]).centroid
        cell = h3.latlng_to_cell(centre.y, centre.x, 9)
        drawn[cell] = maps.GI_BINS[feature["properties"]["c"]]
    return drawn


def test_the_area_panel_counts_each_layer(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch, layers=["incidents", "knife"], areas="wards")
    busiest = _wards(at)["Code"].iloc[0]
    at.selectbox(key="w_pick").set_value(busiest)
    _rerun(at)
    metrics = {m.label: m.value for m in at.metric}
    incidents = _expected(demo_store)[busiest]
    knife = _expected(demo_store, kinds=("knife",))[busiest]
    assert metrics == {
        "Police incidents": f"{incidents:,}",
        "Knife injuries (hospital)": f"{knife:,}",
    }
    months = _months(demo_store)
    query = (
        f"layers=incidents&layers=knife&from={months[0]}&to={months[-1]}&areas=wards"
        f"&profile=ward%3A{busiest}"
    )
    links = [m.value for m in at.markdown if "Open the area profile" in m.value]
    assert links == [f"[Open the area profile](profile?{query})"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download this map (HTML)", "Download the ward table (CSV)"]


def test_statistics_that_refuse_leave_a_friendly_note(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = _months(demo_store)
    at = _run(
        demo_store, monkeypatch, areas="wards", place="ward:E05010885", to=months[-1],
        show="emerging",
    )  # fmt: skip
    notes = [i.value for i in at.info]
    assert (
        "Hot and cold spots could not be computed: Received 1 areas; Gi* needs at least 30."
        in notes[0]
    )
    assert notes[1] == "Emerging hot spots are found on hexagons: choose a hexagon spatial unit."
    at = _run(demo_store, monkeypatch, show="emerging", **{"from": months[-3]})
    notes = [i.value for i in at.info]
    assert "Emerging hot spots need at least 10 months; this view has 3." in notes[0]


def test_first_run_builds_the_demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "new" / "atlas.duckdb"
    at = _run(store, monkeypatch)
    assert Store(store).date_range() is not None
    assert len(_wards(at)) == len(Store(store).boundaries("ward")) > 0
