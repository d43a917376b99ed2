"""Each role in Chromium sees what it should: its pages, its spatial units, its figures.

Four test accounts (``tests.app._browser.ROLES``): an admin, a VRU lead, a locality
officer for North and an engagement officer. Each test signs one of them in on a new
page with the internet blocked and checks the page list, the map explorer's tables (read
from the grids' accessible copy, scrolled to the end) and the area profile against the
store read directly (``layers.aggregate.counts``), and that nothing ran or failed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from layers.aggregate import counts
from layers.store import Store
from tests.app._browser import CHROMIUM, ROOT, Watched, running_app, sign_in, watched_page

LEAFLET = ROOT / "static" / "vendor" / "leaflet" / "leaflet.js"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SCREENSHOTS = "role-{}.png"  # in the test's tmp_path: pytest --basetemp=DIR keeps them

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
    pytest.mark.skipif(
        not LEAFLET.exists(), reason="static/vendor missing: run python scripts/install_assets.py"
    ),
]

DETAIL_PAGES = ["Map explorer", "Trends", "Area profile", "Assessment planner", "Interventions"]
PAGES = {
    "admin": [*DETAIL_PAGES, "Data", "Users", "Audit log"],
    "lead": DETAIL_PAGES,
    "north": DETAIL_PAGES,
    "engage": ["Map explorer", "Area profile", "Interventions"],
}
HIDDEN = {"<5", "[c]"}  # how a figure under disclosure control is shown
KNIFE = "Knife injuries"  # the count column of the tables for ?layers=knife
FALLBACK = (
    "Hexagons are shown for your locality (North) only: showing ward figures under "
    "disclosure control here."
)
REFUSAL = "Profiles of hexagons, hot spots and drawn areas are detail"
SOUTH_HEXAGONS = "?place=locality:South&areas=9&layers=knife"
CITY_HEXAGONS = "?areas=9&layers=knife"
CITY_BIG_HEXAGONS = "?areas=8&layers=knife"  # fewer rows to scroll through

_READ_GRID = """grid => {
  const table = grid.querySelector('table');
  const rows = {};
  for (const tr of table.querySelectorAll('tbody tr[role=row]')) {
    rows[tr.getAttribute('aria-rowindex')] = [...tr.querySelectorAll('td')].map(
      td => td.textContent);
  }
  const head = [...table.querySelectorAll('thead th')].map(th => th.textContent);
  return {head, rows, count: Number(table.getAttribute('aria-rowcount')) - 1};
}"""
_SCROLL_GRID = """grid => {
  const s = grid.querySelector('.dvn-scroller');
  s.scrollTop += s.clientHeight - 40;
}"""
_LAST_ROW = """grid => Math.max(...[...grid.querySelectorAll('tbody tr[role=row]')].map(
  tr => Number(tr.getAttribute('aria-rowindex'))))"""


@pytest.fixture(scope="module")
def app_url(demo_store: Path) -> Iterator[str]:
    with running_app(demo_store, log_name="streamlit-roles.log") as url:
        yield url


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    with watched_page(browser) as seen:
        yield seen


# --- helpers ---------------------------------------------------------------------------


def _open(watched: Watched, address: str, name: str) -> Page:
    watched.page.goto(address)
    sign_in(watched.page, name)
    return watched.page


def _pages(page: Page) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links.first).to_be_visible(timeout=30_000)
    return [t.strip() for t in links.get_by_test_id("stMarkdownContainer").all_inner_texts()]


def _map_page_done(page: Page) -> Locator:
    """Wait until the map explorer has drawn its map and its last part; return stMain."""
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("How these layers were made")).to_be_visible(timeout=90_000)
    page.frame_locator(MAP_FRAME).locator(".leaflet-overlay-pane path").first.wait_for(
        timeout=60_000
    )
    return main


def _table_under(page: Page, heading: str) -> pd.DataFrame:
    """Read every row of the table drawn under a heading (scrolling the grid to its end)."""
    title = page.get_by_test_id("stMain").get_by_role("heading", name=heading)
    grid = title.locator("xpath=following::*[@data-testid='stDataFrame'][1]")
    grid.locator("table tbody tr").first.wait_for(state="attached", timeout=30_000)
    rows: dict[str, list[str]] = {}
    while True:
        seen = grid.evaluate(_READ_GRID)
        rows.update(seen["rows"])
        if len(rows) >= seen["count"]:
            break
        last = grid.evaluate(_LAST_ROW)
        grid.evaluate(_SCROLL_GRID)
        deadline = time.monotonic() + 10
        while grid.evaluate(_LAST_ROW) == last:  # the grid redraws on the next frames
            assert time.monotonic() < deadline, f"the {heading!r} table did not scroll"
            time.sleep(0.05)
    assert len(rows) == seen["count"]
    return pd.DataFrame([rows[k] for k in sorted(rows, key=int)], columns=seen["head"])


def _knife_counts(store: Path, by: str, within: str | None = None) -> dict[str, int]:
    """Knife injuries per area, all months, read from the store without any scope."""
    table = counts(Store(store), by=by, kinds=("knife",), within=within)
    return dict(zip(table["area_code"], table["count"].astype("int64"), strict=True))


def _wards(store: Path) -> pd.DataFrame:
    return Store(store).boundaries("ward")[["code", "name", "parent_code"]]


def _assert_disclosed(shown: pd.DataFrame, truth: dict[str, int], own: str | None) -> None:
    """Wards of ``own`` exact; the others hide every 1-4 and show any other figure exactly."""
    for code, figure, locality in zip(shown["Code"], shown[KNIFE], shown["Locality"], strict=True):
        if locality == own:
            assert figure == str(truth[code]), (code, figure)
        elif 1 <= truth[code] <= 4:
            assert figure in HIDDEN, (code, figure)
        else:  # shown exactly, or hidden too so that no hidden figure can be worked out
            assert figure in HIDDEN | {str(truth[code])}, (code, figure)
    assert (shown["Locality"] != own).any()
    assert shown[KNIFE].isin(HIDDEN).any()  # the sparse layer has small figures to hide


def _assert_hexagons_of(
    shown: pd.DataFrame, store: Path, locality: str | None, resolution: int = 9
) -> None:
    """The hexagons with events are those of ``locality`` (None: city), with its counts.

    A hexagon is named after the ward holding its centre, which for a hexagon astride
    the locality's edge can be a ward of the next locality: the callers check names.
    """
    place = None if locality is None else f"locality:{locality}"
    truth = {c: n for c, n in _knife_counts(store, f"h3:{resolution}", place).items() if n}
    with_events = shown[shown[KNIFE] != "0"]
    assert dict(zip(with_events["Hexagon"], with_events[KNIFE].astype(int), strict=True)) == truth


def _ward_names(store: Path, locality: str) -> set[str]:
    wards = _wards(store)
    return set(wards.loc[wards["parent_code"] == locality, "name"])


def _screenshot(page: Page, tmp_path: Path, name: str) -> None:
    page.mouse.move(5, 5)
    page.screenshot(path=str(tmp_path / SCREENSHOTS.format(name)), full_page=True)


# --- the tests -------------------------------------------------------------------------


def test_an_admin_sees_every_page_and_hexagons(
    watched: Watched, app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page = _open(watched, app_url + CITY_BIG_HEXAGONS, "admin")
    assert _pages(page) == PAGES["admin"]
    _map_page_done(page)
    wards = _table_under(page, "Counts by ward")
    truth = _knife_counts(demo_store, "ward")
    assert dict(zip(wards["Code"], wards[KNIFE].astype(int), strict=True)) == truth
    _assert_hexagons_of(_table_under(page, "Hexagons in this view"), demo_store, None, 8)
    _screenshot(page, tmp_path, "admin")
    watched.assert_quiet()


def test_a_vru_lead_sees_no_admin_page_and_hexagons_anywhere(
    watched: Watched, app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page = _open(watched, app_url + SOUTH_HEXAGONS, "lead")
    assert _pages(page) == PAGES["lead"]
    main = _map_page_done(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(FALLBACK)).to_have_count(0)
    assert (
        main.get_by_test_id("stCaptionContainer")
        .first.inner_text()
        .endswith("counts by H3 hexagon (resolution 9)")
    )
    wards = _table_under(page, "Counts by ward")
    truth = _knife_counts(demo_store, "ward")
    assert set(wards["Locality"]) == {"South"}
    assert dict(zip(wards["Code"], wards[KNIFE].astype(int), strict=True)) == {
        code: truth[code] for code in wards["Code"]
    }
    _assert_hexagons_of(_table_under(page, "Hexagons in this view"), demo_store, "South")
    _screenshot(page, tmp_path, "lead")
    watched.assert_quiet()


def test_a_locality_officer_gets_ward_figures_outside_their_locality(
    watched: Watched, app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page = _open(watched, app_url + SOUTH_HEXAGONS, "north")
    assert _pages(page) == PAGES["north"]
    main = _map_page_done(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(FALLBACK)).to_be_visible()
    assert main.get_by_test_id("stCaptionContainer").first.inner_text().endswith("counts by ward")
    wards = _table_under(page, "Counts by ward")
    assert set(wards["Locality"]) == {"South"}
    _assert_disclosed(wards, _knife_counts(demo_store, "ward"), "North")
    expect(main.get_by_role("heading", name="Hexagons in this view")).to_have_count(0)
    _screenshot(page, tmp_path, "north")
    watched.assert_quiet()


def test_a_locality_officer_sees_the_hexagons_of_their_locality_only(
    watched: Watched, app_url: str, demo_store: Path
) -> None:
    page = _open(watched, app_url + CITY_HEXAGONS, "north")
    _map_page_done(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(FALLBACK)).to_have_count(0)
    wards = _table_under(page, "Counts by ward")
    assert len(wards) == len(_wards(demo_store))
    _assert_disclosed(wards, _knife_counts(demo_store, "ward"), "North")
    hexagons = _table_under(page, "Hexagons in this view")
    _assert_hexagons_of(hexagons, demo_store, "North")
    assert set(hexagons["Ward"]) <= _ward_names(demo_store, "North")
    watched.assert_quiet()


def test_an_engagement_officer_sees_ward_figures_only(
    watched: Watched, app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page = _open(watched, app_url + CITY_HEXAGONS, "engage")
    assert _pages(page) == PAGES["engage"]
    main = _map_page_done(page)
    _screenshot(page, tmp_path, "engage")
    page.get_by_test_id("stSelectbox").filter(has_text="Spatial unit").click()
    expect(page.get_by_role("option")).to_have_text(["Wards"])
    page.keyboard.press("Escape")
    assert main.get_by_test_id("stCaptionContainer").first.inner_text().endswith("counts by ward")
    wards = _table_under(page, "Counts by ward")
    assert len(wards) == len(_wards(demo_store))
    _assert_disclosed(wards, _knife_counts(demo_store, "ward"), None)
    expect(main.get_by_role("heading", name="Hexagons in this view")).to_have_count(0)
    watched.assert_quiet()


def test_an_engagement_officer_may_profile_a_ward_but_not_a_hexagon(
    watched: Watched, app_url: str, demo_store: Path
) -> None:
    code, name = _wards(demo_store).iloc[0][["code", "name"]]
    page = _open(watched, f"{app_url}profile?profile=ward:{code}", "engage")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=f"{name} ward")).to_be_visible(timeout=90_000)
    expect(main.get_by_role("heading", name="Key figures")).to_be_visible()
    cells = _knife_counts(demo_store, "h3:9")
    cell = next(c for c, n in cells.items() if n > 0)
    page = _open(watched, f"{app_url}profile?profile=h3:{cell}", "engage")
    alert = main.get_by_test_id("stAlert").filter(has_text=REFUSAL)
    expect(alert).to_be_visible(timeout=60_000)
    assert "as Community engagement officer you can print ward and locality profiles" in (
        alert.inner_text()
    )
    expect(main.get_by_role("heading", name="Key figures")).to_have_count(0)
    watched.assert_quiet()
