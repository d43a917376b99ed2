"""The view key of the cached page reads: one computation per view, a new one on any change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import CITY, Filters, area_counts, automatic_resolution
from app_pages import _map_data as data
from app_pages._view import View
from assessments import scoped
from layers.access import Role, User

NORTH = User("north", Role.LOCALITY, locality="North")
BASE = View(
    "/stores/atlas.duckdb",
    "v1",
    NORTH,
    ("incidents", "knife"),
    "2025-01",
    "2025-12",
    ("Robbery",),
    ("knife_enabled",),
    "locality:North",
    "h3:8",
)

CHANGES: dict[str, dict[str, Any]] = {
    "user's name": {"user": User("north2", Role.LOCALITY, locality="North")},
    "user's locality": {"user": User("north", Role.LOCALITY, locality="South")},
    "user's role": {"user": User("north", Role.LEAD)},
    "store version": {"version": "v2"},
    "store path": {"path": "/stores/other.duckdb"},
    "kinds": {"kinds": ("incidents",)},
    "date_from": {"date_from": "2025-02"},
    "date_to": {"date_to": "2025-11"},
    "categories": {"categories": ()},
    "flags": {"flags": ()},
    "place": {"place": CITY},
    "area unit": {"by": "ward"},
}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every call that reaches ``assessments.scoped.counts``, with its arguments."""
    calls: list[dict[str, Any]] = []

    def fake_counts(store: scoped.Store, user: User, **options: Any) -> pd.DataFrame:
        calls.append({"path": str(store.path), "user": user, **options})
        return pd.DataFrame({"area_code": ["a"], "count": [float(len(calls))]})

    monkeypatch.setattr(scoped, "counts", fake_counts)
    area_counts.clear()
    data.monthly_counts.clear()
    yield calls
    area_counts.clear()
    data.monthly_counts.clear()


def test_equal_views_are_computed_once(counted: list[dict[str, Any]]) -> None:
    first = area_counts(BASE)
    rebuilt = View(  # equal values in new objects: the key is the values, not the objects
        "/stores/atlas.duckdb",
        "v1",
        User("north", Role.LOCALITY, locality="North"),
        tuple(["incidents", "knife"]),
        "2025-01",
        "2025-12",
        tuple(["Robbery"]),
        tuple(["knife_enabled"]),
        "locality:North",
        "h3:8",
    )
    assert rebuilt is not BASE
    assert rebuilt.user is not BASE.user
    again = area_counts(rebuilt)
    assert len(counted) == 1
    pd.testing.assert_frame_equal(first, again)
    assert counted[0] == {
        "path": "/stores/atlas.duckdb",
        "user": NORTH,
        "by": "h3:8",
        "period": "none",
        "kinds": ("incidents", "knife"),
        "categories": ("Robbery",),
        "flags": ("knife_enabled",),
        "date_from": "2025-01",
        "date_to": "2025-12",
        "within": "locality:North",
    }


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_change_of_user_store_or_filter_is_computed_anew(
    counted: list[dict[str, Any]], change: str
) -> None:
    changed = replace(BASE, **CHANGES[change])
    before = area_counts(BASE)
    after = area_counts(changed)
    assert len(counted) == 2
    assert before["count"].iloc[0] != after["count"].iloc[0]  # not the first result again
    assert counted[1]["path"] == changed.path  # the version is only a key: a new store state
    assert counted[1]["user"] == changed.user
    assert counted[1]["by"] == changed.by
    assert counted[1] == {**counted[1], **changed.event_filters()}
    area_counts(BASE)
    area_counts(changed)
    assert len(counted) == 2  # both still cached


def test_the_period_is_part_of_the_key(counted: list[dict[str, Any]]) -> None:
    data.monthly_counts(BASE)
    data.monthly_counts(BASE)
    area_counts(BASE)
    assert [call["period"] for call in counted] == ["month", "none"]


def test_the_sidebar_filters_give_the_view(counted: list[dict[str, Any]]) -> None:
    filters = Filters(
        ("incidents", "knife"),
        "2025-01",
        "2025-12",
        "8",
        ("Robbery",),
        ("knife_enabled",),
        "locality:North",
        resolution=8,
        resolution_reason="chosen",
    )
    assert filters.view(NORTH, "/stores/atlas.duckdb", "v1") == BASE
    wards = replace(filters, areas="wards").view(NORTH, "/stores/atlas.duckdb", "v1")
    assert wards == replace(BASE, by="ward")
    assert replace(BASE, place=CITY).within is None
    area_counts(filters.view(NORTH, "/stores/atlas.duckdb", "v1"))
    area_counts(BASE)
    assert len(counted) == 1


def test_reads_of_points_do_not_depend_on_the_area_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str | None] = []

    def fake_suggestion(store: scoped.Store, user: User, **options: Any) -> Any:
        calls.append(options["within"])
        return type("Suggestion", (), {"resolution": 9, "reason": "planted"})()

    monkeypatch.setattr(scoped, "suggest_resolution", fake_suggestion)
    automatic_resolution.clear()
    try:
        for by in ("h3:7", "h3:8", "ward"):
            assert automatic_resolution(BASE.counted_by(by).unitless()) == (9, "planted")
        assert calls == ["locality:North"]
        automatic_resolution(replace(BASE, place=CITY).unitless())
        assert calls == ["locality:North", None]
    finally:
        automatic_resolution.clear()


def _page() -> None:
    """An app page that reads counts of the sidebar's view on every run."""
    import streamlit as st

    from app_pages import Filters, area_counts
    from layers.access import Role, User

    filters = Filters(("incidents",), "2025-01", st.session_state.get("to", "2025-12"), "wards")
    view = filters.view(User("lead", Role.LEAD), "/stores/atlas.duckdb", "v1")
    st.write(f"figure {area_counts(view)['count'].iloc[0]:.0f}")


def test_reruns_with_the_same_filters_read_the_cache(counted: list[dict[str, Any]]) -> None:
    at = AppTest.from_function(_page)
    at.run()
    at.run()
    at.run()
    assert not at.exception
    assert len(counted) == 1
    assert at.markdown[0].value == "figure 1"
    at.session_state["to"] = "2025-06"
    at.run()
    assert len(counted) == 2
    assert counted[1]["date_to"] == "2025-06"
    assert at.markdown[0].value == "figure 2"
