"""The Assessment planner page run headless with AppTest, checked against the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import FILTERS_KEY, Filters
from assessments.priority import PriorityWeights, candidate_places
from layers.store import Store
from tests.app.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "planner.py")
APP = str(ROOT / "app.py")
SHOWN = {"Rank": "rank", "Place": "area_name", "Score": "score", "Why": "why"}
COUNTS = {"Police incidents": "incidents", "Missing episodes": "missing", "Knife injuries": "knife"}


@pytest.fixture
def months(demo_store: Path) -> list[str]:
    span = Store(demo_store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _page(store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]) -> AppTest:
    """Run the page on its own, with the sidebar's filters set as app.py would set them."""
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(PAGE, default_timeout=120)
    signed_in(at)
    at.session_state[FILTERS_KEY] = Filters(
        kinds=("incidents",), date_from=months[0], date_to=months[-1], areas="auto"
    )
    at.run()
    _no_exception(at)
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _table(at: AppTest) -> pd.DataFrame:
    frame = at.dataframe[0].value
    assert isinstance(frame, pd.DataFrame)
    return frame


def _expected(store: Path, months: list[str], **options: Any) -> pd.DataFrame:
    return candidate_places(
        Store(store), date_from=months[0], date_to=months[-1], policy="partnership", **options
    )


def _assert_shows(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(shown) == len(expected)
    for heading, column in (SHOWN | COUNTS).items():
        assert shown[heading].tolist() == expected[column].tolist(), heading


def _submit(at: AppTest) -> None:
    (button,) = [b for b in at.button if b.label == "Rank with these weights"]
    button.click().run()
    _no_exception(at)


def test_the_table_is_candidate_places_with_the_default_weights(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    _assert_shows(_table(at), _expected(demo_store, months, unit="ward"))
    assert at.title[0].value == "Assessment planner"
    assert any("Disclosure control (partnership)" in c.value for c in at.caption)


def test_the_sliders_show_the_default_weights(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    defaults = PriorityWeights().as_dict()
    for name, value in defaults.items():
        slider = at.slider(key=f"w_plan_{name}")
        assert slider.value == pytest.approx(value)
        assert f"({value:g})" in slider.label


def test_moving_a_slider_reorders_the_table(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    before = _table(at)["Place"].tolist()
    for name in ("harm", "trend", "emerging", "overlap", "intervention"):
        at.slider(key=f"w_plan_{name}").set_value(0.0)
    _submit(at)
    after = _table(at)
    only_safety = PriorityWeights(harm=0, trend=0, emerging=0, overlap=0, intervention=0)
    expected = _expected(demo_store, months, unit="ward", weights=only_safety)
    _assert_shows(after, expected)
    assert after["Place"].tolist() != before


def test_the_default_button_brings_the_weights_back(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    at.slider(key="w_plan_harm").set_value(0.0)
    _submit(at)
    (reset,) = [b for b in at.button if b.label == "Back to the default weights"]
    reset.click().run()
    _no_exception(at)
    assert at.slider(key="w_plan_harm").value == pytest.approx(PriorityWeights().harm)
    _assert_shows(_table(at), _expected(demo_store, months, unit="ward"))


def test_all_needs_at_zero_is_explained(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    for name in ("harm", "trend", "emerging", "overlap", "safety"):
        at.slider(key=f"w_plan_{name}").set_value(0.0)
    _submit(at)
    assert at.error
    assert "all 0" in at.error[0].value
    assert not at.dataframe


def test_hot_spots_can_be_ranked_instead(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    at.radio(key="w_plan_unit").set_value("hotspots").run()
    _no_exception(at)
    _assert_shows(_table(at), _expected(demo_store, months, unit="hotspots"))


def test_each_place_links_to_its_profile(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    expected = _expected(demo_store, months, unit="ward")
    for link, profile in zip(_table(at)["Profile"], expected["profile"], strict=True):
        parts = urlsplit(link)
        assert parts.path == "profile"
        query = parse_qs(parts.query)
        assert query["profile"] == [profile]
        assert query["from"] == [months[0]]
        assert query["to"] == [months[-1]]
    said = "\n".join(m.value for m in at.markdown)
    assert f"[{expected.iloc[0]['area_name']}](profile?" in said


def test_the_page_runs_inside_the_app(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at)
    at.run()
    _no_exception(at)
    at.switch_page("app_pages/planner.py").run()
    _no_exception(at)
    assert at.title[0].value == "Assessment planner"
    assert len(_table(at)) == len(Store(demo_store).boundaries("ward"))
