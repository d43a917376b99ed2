"""The Interventions page run headless with AppTest, checked against the library called directly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import FILTERS_KEY, Filters
from assessments.disclosure import get_policy
from assessments.interventions import evaluate_intervention, evaluation_summary
from layers.queries import interventions
from layers.store import Store
from tests.app.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "interventions.py")
PLANTED = "demo-int-02"


def _page(store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """Run the page on its own, with the sidebar's filters set as app.py would set them."""
    monkeypatch.setenv("ATLAS_STORE", str(store))
    span = Store(store).date_range()
    assert span is not None
    at = AppTest.from_file(PAGE, default_timeout=90)
    signed_in(at)
    at.session_state[FILTERS_KEY] = Filters(
        kinds=("incidents",), date_from=f"{span[0]:%Y-%m}", date_to=f"{span[1]:%Y-%m}", areas="auto"
    )
    at.run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _said(at: AppTest) -> str:
    return "\n".join(m.value.replace("\\", "") for m in at.markdown)


def _register_shown(at: AppTest) -> pd.DataFrame:
    (frame,) = [f.value for f in at.dataframe if "Lead agency" in f.value.columns]
    return frame


def test_the_register_lists_what_the_store_holds(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_store, monkeypatch)
    shown = _register_shown(at)
    stored = interventions(Store(demo_store))
    assert shown["Id"].tolist() == stored["event_id"].tolist()
    assert shown["Name"].tolist() == stored["name"].tolist()


def test_an_added_intervention_appears_in_the_register(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_store, monkeypatch)
    at.text_input(key="w_int_add_name").input("Test detached youth work")
    at.text_input(key="w_int_add_type").input("detached youth work")
    at.date_input(key="w_int_add_start").set_value(date(2024, 3, 1))
    at.number_input(key="w_int_add_lon").set_value(-2.5700)
    at.number_input(key="w_int_add_lat").set_value(51.4600)
    at.button(key="int_add_go").click().run()
    _ok(at)
    assert (
        at.success[0].value.replace("\\", "").startswith("Added “Test detached youth work” (int-")
    )
    assert "Test detached youth work" in _register_shown(at)["Name"].tolist()
    stored = interventions(Store(demo_store)).set_index("name").loc["Test detached youth work"]
    assert stored["start_date"] == pd.Timestamp("2024-03-01")
    assert (stored.geometry.x, stored.geometry.y) == pytest.approx((-2.57, 51.46))


def test_an_unusable_entry_is_refused_and_says_why(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_store, monkeypatch)
    before = len(interventions(Store(demo_store)))
    at.text_input(key="w_int_add_type").input("CCTV")
    at.button(key="int_add_go").click().run()
    _ok(at)
    (error,) = at.error
    said = re.sub(r"\\(.)", r"\1", error.value)  # the message is escaped Markdown
    assert "Not added" in said
    assert "name must be non-empty" in said
    assert "start_date must be a date" in said
    assert len(interventions(Store(demo_store))) == before


def test_an_edit_is_saved(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(demo_store, monkeypatch)
    at.selectbox(key="w_int_edit_pick").set_value("demo-int-01").run()
    assert at.text_input(key="w_int_edit_name").value == "Stokes Croft CCTV upgrade"
    at.date_input(key="w_int_edit_end").set_value(date(2025, 1, 31))
    at.button(key="int_edit_go").click().run()
    _ok(at)
    assert at.success[0].value.startswith("Saved the changes")
    row = interventions(Store(demo_store)).set_index("event_id").loc["demo-int-01"]
    assert row["end_date"] == pd.Timestamp("2025-01-31")
    assert row["name"] == "Stokes Croft CCTV upgrade"


def test_the_planted_intervention_shows_its_reduction(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_store, monkeypatch)
    at.selectbox(key="w_int_evaluate").set_value(PLANTED).run()
    _ok(at)
    direct = evaluate_intervention(Store(demo_store), PLANTED)
    result = direct.result
    reduction = round(100 * (1 - result["ratio_vs_similar"]))
    said = _said(at)
    assert f"fell by {reduction}% (95% CI" in said
    assert 1 - result["high_vs_similar"] < 0.4 < 1 - result["low_vs_similar"]
    assert evaluation_summary(direct, get_policy("partnership")) in said
    (counts,) = [f.value for f in at.dataframe if "Area" in f.value.columns]
    assert counts.iloc[0, 1] == str(result["treated_before"])
    assert counts.iloc[0, 2] == str(result["treated_after"])
    assert any("Disclosure control (partnership)" in c.value for c in at.caption)
    assert at.get("arrow_bar_chart") or at.get("vega_lite_chart")
