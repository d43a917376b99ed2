"""The map explorer's slower layers: computed only when chosen (sidebar or ``?show=``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hotspots.emerging import cube_from_counts, emerging_hotspots
from hotspots.kde import kde_grid
from layers.aggregate import counts
from layers.queries import event_points, suggest_resolution
from layers.store import Store
from tests.app.conftest import signed_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MORE = "w_more_layers"


def _run(store: Path, monkeypatch: pytest.MonkeyPatch, **params: str | list[str]) -> AppTest:
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _hexagons(at: AppTest) -> pd.DataFrame:
    (_, cells) = at.dataframe
    return cells.value


def _chosen_automatically(at: AppTest) -> str:
    (text,) = [m.value for m in at.markdown if m.value.startswith("##### Chosen automatically")]
    return str(text)


def test_the_first_view_computes_no_slow_layer(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    assert at.multiselect(key=MORE).value == []
    assert "show" not in at.query_params
    assert "Emerging pattern" not in _hexagons(at).columns
    assert "Density of events" not in _chosen_automatically(at)
    assert not [i.value for i in at.info if "Emerging" in i.value]
    busiest = _hexagons(at)["Hexagon"].iloc[0]
    at.selectbox(key="w_pick").set_value(busiest)
    at.run()
    over_time = [m.value for m in at.markdown if m.value.startswith("**Over time:**")]
    assert over_time == [
        "**Over time:** choose “Emerging hot spots” under *More map layers* in the sidebar."
    ]


def test_choosing_the_slow_layers_computes_them_and_keeps_them_in_the_address(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    at.multiselect(key=MORE).set_value(["emerging", "density"])
    at.run()
    assert not at.exception
    assert at.query_params["show"] == ["emerging", "density"]
    store = Store(demo_store)
    resolution = suggest_resolution(store).resolution
    monthly = counts(store, by=f"h3:{resolution}", period="month")
    expected = emerging_hotspots(cube_from_counts(monthly), pool="auto")["pattern"]
    shown = _hexagons(at).set_index("Hexagon")["Emerging pattern"]
    assert shown.to_dict() == expected.reindex(shown.index).astype("str").to_dict()
    surface = kde_grid(event_points(store), weights="weight", extent=store.boundaries("ward"))
    text = _chosen_automatically(at)
    assert (
        f"bandwidth {surface.bandwidth:,.0f} m and grid cells of {surface.cell_size:,.0f} m" in text
    )
    at.multiselect(key=MORE).set_value([])
    at.run()
    assert "show" not in at.query_params
    assert "Emerging pattern" not in _hexagons(at).columns


def test_a_bookmarked_choice_is_restored_and_a_bad_one_reported(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch, show=["density", "ghosts"])
    assert at.multiselect(key=MORE).value == ["density"]
    warnings = [w.value for w in at.warning]
    assert "Address bar: show=ghosts unknown; use ['emerging', 'density']." in warnings
    assert "Density of events (KDE)" in _chosen_automatically(at)
    assert at.query_params["show"] == "density"
