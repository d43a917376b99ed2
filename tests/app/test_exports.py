"""The pages' CSV download: disclosure control, formula safety, the audit record at the click."""

from __future__ import annotations

import io
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from app_pages import _exports
from app_pages._map_tables import ward_table
from assessments.disclosure import get_policy, pinned_note
from layers._errors import SchemaError
from layers.audit import audit_log
from layers.settings import load_settings
from layers.store import Store
from tests.assessments._scoped_support import NORTH, demo_settings


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(demo_settings(tmp_path_factory.mktemp("exports")).store)


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _offer(
    table: pd.DataFrame,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    counts: Sequence[str] = ("n",),
) -> dict[str, Any]:
    """Run the pages' CSV download (``app_pages._exports.csv_download``); return the button."""
    offered: dict[str, Any] = {}
    monkeypatch.setattr(
        _exports.st, "download_button", lambda label, **kw: offered.update(label=label, **kw)
    )
    _exports.csv_download(
        table,
        label="CSV",
        name="test",
        count_columns=counts,
        user=NORTH,
        store_path=str(store.path),
        what="formula test",
        filters={"place": "city"},
    )
    return offered


def _exports_of(store: Store, what: str) -> int:
    log = audit_log(store, user=NORTH.name, action="export")
    return int(log["detail"].astype("str").str.contains(what, regex=False).sum())


def test_exported_text_cannot_run_as_a_formula(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = pd.DataFrame({"place": ['=HYPERLINK("x")', "@SUM(A1)", "Ashley"], "n": [7, 9, 12]})
    before = _exports_of(store, "formula test")
    offered = _offer(table, store, monkeypatch)
    data = offered["data"]
    places = _csv(data)["place"].tolist()
    assert places[:3] == ['\'=HYPERLINK("x")', "'@SUM(A1)", "Ashley"]
    statement = get_policy("partnership", settings=load_settings()).statement()
    assert places[-1] == statement
    assert _csv(data)["n"].tolist() == ["7", "9", "12", ""]
    assert _exports_of(store, "formula test") == before  # drawing the button records nothing
    offered["on_click"](*offered["args"])  # the click does
    assert _exports_of(store, "formula test") == before + 1
    hidden = table.assign(n=[7.0, None, 12.0])
    with pytest.raises(SchemaError, match="already hidden"):
        _offer(hidden, store, monkeypatch)


def test_a_page_download_protects_small_counts_and_refuses_unprotectable_ones(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = pd.DataFrame({"place": ["a", "b", "c"], "n": [2, 9, 12]})
    counts = _csv(_offer(table, store, monkeypatch)["data"])["n"].tolist()[:3]
    assert counts == ["<5", "9", "12"]  # the partnership policy: 1 to 4 shown as <5
    shown = table.assign(n=["<5", "9", "12"])  # display strings from assessments.scoped
    assert _csv(_offer(shown, store, monkeypatch)["data"])["n"].tolist()[:3] == ["<5", "9", "12"]
    for odd in (table.assign(n=[2.0, 9.0, 12.0]), table.assign(n=[2, 9, 12], m=["<5", "9", "9"])):
        with pytest.raises(SchemaError, match="whole counts"):
            _offer(odd, store, monkeypatch, counts=list(odd.columns[1:]))


def test_a_protected_table_keeps_its_own_statement(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = get_policy("partnership", settings=load_settings())
    shown = pd.DataFrame({"place": ["a", "b", "c"], "n": ["<5", "[c]", "12"]})
    shown.attrs["statement"] = policy.statement() + pinned_note(2)
    last = _csv(_offer(shown, store, monkeypatch)["data"])["place"].tolist()[-1]
    assert last == shown.attrs["statement"]
    assert "Caution: 2 hidden figures" in last


def test_the_ward_table_carries_the_statement_of_protected_figures() -> None:
    counts = pd.DataFrame(
        {"area_code": ["W1", "W2"], "area_name": ["One", "Two"], "count": [None, 12.0]}
    ).assign(shown=["<5", "12"], exact=[False, True])
    counts.attrs["statement"] = "Disclosure control (partnership): ..." + pinned_note(1)
    wards = pd.DataFrame({"code": ["W1", "W2"], "parent_code": ["North", "South"]})
    shown = SimpleNamespace(wards=wards, filters=SimpleNamespace(by="h3:9"), gi=None)
    table = ward_table(shown, counts, "Incidents")  # type: ignore[arg-type]
    assert table["Incidents"].tolist() == ["12", "<5"]
    assert table.attrs["statement"] == counts.attrs["statement"]
