"""Scope through the pages: an address bar cannot reach detail a role may not see.

Each test signs a user in (AppTest), opens a page with a hand-written address (as a
bookmarked or sent link would be), and checks what the page shows against the store read
plainly: which wards belong to North, what the exact counts are.
"""

from __future__ import annotations

import re
from pathlib import Path

import h3
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from layers.access import Role, User
from layers.aggregate import counts
from layers.store import Store
from tests.app.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
NORTH = User("north", Role.LOCALITY, locality="North")
ENGAGE = User("engage", Role.ENGAGEMENT)
LEAD = User("lead", Role.LEAD)


def _open(
    store: Path, monkeypatch: pytest.MonkeyPatch, user: User, page: str = "app.py", **params: str
) -> AppTest:
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    signed_in(at, user)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    if page != "app.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _wards(store: Path) -> pd.DataFrame:
    return Store(store).boundaries("ward")


def _north(store: Path) -> set[str]:
    wards = _wards(store)
    return set(wards.loc[wards["parent_code"] == "North", "code"])


def _plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "subheader", "info", "warning", "error")
    return " ".join(_plain(str(e.value)) for kind in kinds for e in getattr(at, kind))


def test_a_link_to_another_localitys_hexagons_shows_protected_ward_figures(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(demo_store, monkeypatch, NORTH, place="locality:South", areas="9", layers="knife")
    assert "Hexagons are shown for your locality (North) only" in _texts(at)
    assert "Hexagons in this view" not in [s.value for s in at.subheader]
    (table,) = [d.value for d in at.dataframe]
    exact = counts(Store(demo_store), by="ward", kinds=["knife"], within="locality:South")
    exact = dict(zip(exact["area_code"], exact["count"], strict=True))
    shown = dict(zip(table["Code"], table.iloc[:, 3].astype("str"), strict=True))
    assert set(shown) == set(exact)  # the South wards only
    small = [code for code, n in exact.items() if 1 <= n <= 4]
    assert small, "the demo's knife injuries must give South some small ward counts"
    assert all(shown[code] == "<5" for code in small)
    assert not any(text in {"1", "2", "3", "4"} for text in shown.values())


def test_a_locality_officers_city_hexagons_lie_in_north(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(demo_store, monkeypatch, NORTH, areas="9")
    cells = at.dataframe[1].value
    assert len(cells) > 0
    north = sorted(_north(demo_store))
    events = Store(demo_store).query(  # read plainly: every incident of North in the months
        "SELECT h3_cell, ward_code FROM incidents WHERE ward_code IN (SELECT unnest(?))",
        [north],
    )
    events = events[events["h3_cell"].notna()]
    parents = [h3.cell_to_parent(h3.int_to_str(int(c)), 9) for c in events["h3_cell"]]
    expected = pd.Series(parents).value_counts()
    column = cells.columns[2]
    shown = dict(zip(cells["Hexagon"], cells[column], strict=True))
    assert set(shown) <= set(expected.index)  # every hexagon holds North events
    assert shown == {c: int(expected[c]) for c in shown}  # and only North events


def test_an_engagement_officer_gets_ward_figures_only_whatever_the_address(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(demo_store, monkeypatch, ENGAGE, areas="10", place="locality:North")
    assert at.sidebar.selectbox(key="w_areas").options == ["Wards"]
    assert "Hexagons in this view" not in [s.value for s in at.subheader]
    (table,) = [d.value for d in at.dataframe]
    assert not any(str(v) in {"1", "2", "3", "4"} for v in table.iloc[:, 3])
    notes = _texts(at)
    assert "Hot and cold spots need every area's exact count" in notes or "[c]" not in notes


@pytest.mark.parametrize("user", [NORTH, ENGAGE], ids=["north", "engage"])
def test_a_profile_link_to_a_south_hexagon_is_refused(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, user: User
) -> None:
    south = sorted(set(_wards(demo_store)["code"]) - _north(demo_store))[0]
    cell = Store(demo_store).query(
        "SELECT h3_cell FROM coverage WHERE resolution = 9 AND ward_code = ? LIMIT 1", [south]
    )["h3_cell"]
    address = f"h3:{int(cell.iloc[0]):x}"
    at = _open(demo_store, monkeypatch, user, "app_pages/profile.py", profile=address)
    assert at.warning, "the page must say why"
    assert "detail" in _plain(at.warning[0].value) or "beyond North" in _plain(at.warning[0].value)
    assert not at.dataframe  # no figures of the hexagon


def test_the_planner_ranks_only_a_locality_officers_own_places(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(demo_store, monkeypatch, NORTH, "app_pages/planner.py")
    table = at.dataframe[0].value
    named = _wards(demo_store).set_index("name")["code"]
    assert len(table) > 0
    assert set(table["Place"].map(named)) <= _north(demo_store)


def test_admin_pages_and_detail_pages_refuse_other_roles_by_address(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _open(demo_store, monkeypatch, LEAD, "app_pages/data.py")  # not in a lead's pages
    at = AppTest.from_file(str(ROOT / "app_pages" / "data.py"), default_timeout=60)
    signed_in(at, LEAD).run()  # the page's script run on its own still refuses
    assert "Only an administrator may import data" in _plain(at.warning[0].value)
    assert not at.get("file_uploader")
    for page in ("app_pages/trends.py", "app_pages/planner.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            _open(demo_store, monkeypatch, ENGAGE, page)  # detail pages: not registered
