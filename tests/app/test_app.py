"""The dashboard run headless with Streamlit's AppTest against a small demo store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from layers.aggregate import counts
from layers.store import Store

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run(store: Path, monkeypatch: pytest.MonkeyPatch, **params: str | list[str]) -> AppTest:
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=90)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> pd.DataFrame:
    (frame,) = at.dataframe
    return frame.value


def _months(store: Path) -> list[str]:
    span = Store(store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _expected(store: Path, **query: Any) -> dict[str, int]:
    table = counts(Store(store), by="ward", **query)
    return dict(zip(table["area_code"], table["count"].astype(int), strict=True))


def test_first_view_lists_every_ward_with_its_count(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    table = _table(at)
    expected = _expected(demo_store)
    assert len(table) == len(Store(demo_store).boundaries("ward")) == len(expected)
    assert dict(zip(table["Code"], table["Incidents"], strict=True)) == expected
    assert table["Incidents"].is_monotonic_decreasing
    total = sum(expected.values())
    assert f"{total:,} incidents in {len(expected)} wards" in [c.value for c in at.caption][2]
    assert at.selectbox(key="w_areas").value == "8"
    assert at.query_params["areas"] == "8"


def test_changing_areas_and_months_recounts(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    months = _months(demo_store)
    first, last = months[3], months[14]
    at.selectbox(key="w_areas").set_value("wards")
    at.select_slider(key="w_months").set_range(first, last).run()
    assert not at.exception
    table = _table(at)
    expected = _expected(demo_store, date_from=first, date_to=last)
    assert dict(zip(table["Code"], table["Incidents"], strict=True)) == expected
    assert sum(expected.values()) < sum(_expected(demo_store).values())
    assert "counts by ward" in at.caption[0].value
    assert (at.query_params["from"], at.query_params["to"]) == (first, last)
    assert at.query_params["areas"] == "wards"


def test_choosing_layers_counts_them_together(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(demo_store, monkeypatch)
    at.multiselect(key="w_layers").set_value(["missing", "knife"]).run()
    table = _table(at)
    expected = _expected(demo_store, kinds=("missing", "knife"))
    assert dict(zip(table["Code"], table["Harm events"], strict=True)) == expected
    single = _expected(demo_store, kinds=("knife",))
    assert sum(expected.values()) > sum(single.values()) > 0


def test_a_bookmarked_address_restores_the_view(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = _months(demo_store)
    at = _run(
        demo_store,
        monkeypatch,
        layers=["knife", "ghosts"],
        areas="wards",
        to=months[5],
        **{"from": months[2]},
    )
    assert at.multiselect(key="w_layers").value == ["knife"]
    assert at.select_slider(key="w_months").value == (months[2], months[5])
    assert at.selectbox(key="w_areas").value == "wards"
    assert [w.value for w in at.warning] == [
        "Address bar: layers=['ghosts'] unknown; use ['incidents', 'missing', 'knife']."
    ]
    expected = _expected(demo_store, kinds=("knife",), date_from=months[2], date_to=months[5])
    assert dict(zip(_table(at)["Code"], _table(at)["Knife injuries"], strict=True)) == expected


def test_first_run_builds_the_demo_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "new" / "atlas.duckdb"
    at = _run(store, monkeypatch)
    assert Store(store).date_range() is not None
    assert len(_table(at)) == len(Store(store).boundaries("ward")) > 0
