"""Hostile text from files, shown by the running app in Chromium: inert, and shown literally.

The store is the demo store plus hostile imports (``tests.test_safe_output``): ward names
``<script>alert(2)</script>``, ``{{ 7*7 }}``, ``=HYPERLINK(...)``, a Markdown image and
``${alert(5)}``; a police.uk location ``<img src=x onerror=alert(1)>``; an intervention
``<svg onload=alert(3)>``; a survey question ``"><img src=x onerror=alert(4)>``. Every
test listens for dialogs (an ``alert`` that ran) and for requests off this machine (a
Markdown image that loaded), and checks the text is shown as it was written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

from tests._safe_output_support import (
    AGENCY,
    BRACES_WARD,
    FORMULA,
    IMAGE_WARD,
    INTERVENTION,
    LITERAL_WARD,
    LOCATION,
    QUESTION,
    SCRIPT_WARD,
    WARD_NAMES,
    Hostile,
    build_hostile_store,
)
from tests.app._browser import CHROMIUM, ROOT, Watched, running_app, sign_in, watched_page

LEAFLET = ROOT / "static" / "vendor" / "leaflet" / "leaflet.js"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
PATHS = ".leaflet-overlay-pane path"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
    pytest.mark.skipif(
        not LEAFLET.exists(), reason="static/vendor missing: run python scripts/install_assets.py"
    ),
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return build_hostile_store(tmp_path_factory.mktemp("xss"))


@pytest.fixture(scope="module")
def app_url(hostile: Hostile) -> Iterator[str]:
    with running_app(hostile.settings.store, log_name="xss.log") as url:
        yield url


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    with watched_page(browser, count_failed=False) as seen:
        yield seen


def _open(watched: Watched, url: str) -> None:
    watched.page.goto(url)
    sign_in(watched.page)


def _visit(watched: Watched, url: str, link: str) -> None:
    """Sign in, then open a page from the sidebar (signing in again if it asks)."""
    _open(watched, url)
    page = watched.page
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    heading = page.get_by_test_id("stMain").get_by_role("heading", name=link, exact=True)
    again = page.get_by_role("button", name="Sign in")
    expect(heading.or_(again).first).to_be_visible(timeout=60_000)
    if again.is_visible():
        sign_in(page)
    expect(heading).to_be_visible(timeout=60_000)


def _map(page: Page) -> FrameLocator:
    """The map's frame, once it is the only one and has drawn (a rerun may replace it)."""
    deadline = time.monotonic() + 60
    while page.locator(MAP_FRAME).count() != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(PATHS).first.wait_for(timeout=90_000)
    return frame


def _tooltips(page: Page, frame: FrameLocator) -> dict[str, int]:
    """Hover every shape of the map; return each tooltip's text and the shape showing it."""
    # A tooltip still closing when the next shape is hovered reads without its line breaks
    # (innerText of an element no longer laid out), so the same tooltip is known by its
    # text without white space and keeps the shape it was first seen on.
    found: dict[str, tuple[str, int]] = {}
    paths = frame.locator(PATHS)
    for i in range(paths.count()):
        paths.nth(i).hover(force=True)
        for tip in frame.locator(".leaflet-tooltip").all_inner_texts():  # does not wait
            found.setdefault("".join(tip.split()), (tip, i))
    page.mouse.move(5, 5)
    return dict(found.values())


def _toggle(frame: FrameLocator, layer: str) -> None:
    frame.locator(".leaflet-control-layers label", has_text=layer).locator("input").click()


def _probe(watched: Watched, frame: FrameLocator) -> None:
    """The dialog listener hears an alert from inside the map's frame (the tests can fail)."""
    frame.locator("body").evaluate("() => alert('probe')")
    assert watched.dialogs == ["probe"]
    watched.dialogs.clear()


def test_map_labels_and_ward_tooltips_show_hostile_names(
    watched: Watched, app_url: str, hostile: Hostile
) -> None:
    _open(watched, app_url + "?areas=wards")
    frame = _map(watched.page)
    labels = frame.locator(".atlas-label div").all_inner_texts()
    assert set(WARD_NAMES) <= set(labels)
    tips = _tooltips(watched.page, frame)
    for name, code in hostile.codes.items():
        assert any(f"in {name} ({code})" in tip for tip in tips), name
    watched.assert_quiet()
    _probe(watched, frame)


def test_intervention_and_survey_tooltips_show_hostile_text(
    watched: Watched, app_url: str, hostile: Hostile
) -> None:
    _open(watched, app_url + "?areas=wards")
    page = watched.page
    _map(page)
    survey = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Survey question")
    survey.click()
    page.keyboard.type("alert(4)")  # filters the options
    page.get_by_role("option").filter(has_text="onerror=alert(4)").first.click()
    expect(survey).to_have_value(QUESTION)
    page.wait_for_timeout(3_000)  # the page reruns and the map swaps its layers
    frame = _map(page)
    _toggle(frame, "Incidents per ward")
    _toggle(frame, "Interventions")
    expect(frame.locator(".atlas-box", has_text="Interventions")).to_be_visible()
    tips = _tooltips(page, frame)
    ours = [tip for tip in tips if tip.startswith(INTERVENTION)]
    dates = "From 1 Jan 2025, no end date recorded"
    assert ours == [f"{INTERVENTION}\n{FORMULA}, led by {AGENCY}\n{dates}\n{BRACES_WARD}"]
    _toggle(frame, "Interventions")
    _toggle(frame, "Survey: mean score")
    tips = _tooltips(page, frame)
    code = hostile.codes[SCRIPT_WARD]
    assert [t for t in tips if QUESTION in t] == [
        f"Mean score 3.00 from 20 answers\nIn {SCRIPT_WARD} ({code})\n“{QUESTION}”"
    ]
    watched.assert_quiet()
    _probe(watched, frame)


def test_the_area_panel_shows_a_hostile_ward_name(watched: Watched, app_url: str) -> None:
    _open(watched, app_url + "?areas=wards")
    page = watched.page
    frame = _map(page)
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Area").first
    picker.click()
    page.get_by_role("option").filter(has_text=SCRIPT_WARD).first.click()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Hot or cold spot:").first).to_be_visible(timeout=30_000)
    panel = main.get_by_test_id("stMarkdownContainer").get_by_text(SCRIPT_WARD, exact=True)
    expect(panel).to_be_visible()
    watched.assert_quiet()
    _probe(watched, frame)


def test_a_markdown_ward_name_loads_nothing_in_the_area_panel(
    watched: Watched, app_url: str, hostile: Hostile
) -> None:
    _open(watched, app_url + "?areas=wards")
    page = watched.page
    frame = _map(page)
    tips = _tooltips(page, frame)
    (index,) = [i for tip, i in tips.items() if f"in {IMAGE_WARD} (" in tip]
    frame.locator(PATHS).nth(index).click(force=True)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Hot or cold spot:").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1_000)
    watched.assert_quiet()
    panel = main.get_by_test_id("stMarkdownContainer").get_by_text(IMAGE_WARD, exact=True)
    expect(panel).to_be_visible()


def test_the_profile_page_shows_hostile_text_literally(
    watched: Watched, app_url: str, hostile: Hostile
) -> None:
    _open(watched, app_url + f"profile?profile=ward:{hostile.codes[SCRIPT_WARD]}")
    page, main = watched.page, watched.page.get_by_test_id("stMain")
    expect(main.get_by_text("Most common places").first).to_be_visible(timeout=90_000)
    expect(main.get_by_role("heading", name=f"{SCRIPT_WARD} ward")).to_be_visible()
    page.wait_for_timeout(2_000)  # the tables draw
    shown = _grid_text(page)
    for text in (LOCATION, QUESTION, INTERVENTION, FORMULA, AGENCY):
        assert text in shown, text
    watched.assert_quiet()


@pytest.mark.parametrize(
    "ward",
    [
        BRACES_WARD,
        LITERAL_WARD,
        IMAGE_WARD,
        FORMULA,
    ],
)
def test_other_hostile_ward_profiles_stay_inert(
    watched: Watched, app_url: str, hostile: Hostile, ward: str
) -> None:
    _open(watched, app_url + f"profile?profile=ward:{hostile.codes[ward]}")
    main = watched.page.get_by_test_id("stMain")
    expect(main.get_by_text("Most common places").first).to_be_visible(timeout=90_000)
    heading = main.get_by_test_id("stHeading").filter(has_text=" ward").first
    assert heading.inner_text().strip() == f"{ward} ward"
    watched.assert_quiet()


def test_the_intervention_register_and_data_tables_show_hostile_text(
    watched: Watched, app_url: str
) -> None:
    _visit(watched, app_url, "Interventions")
    page = watched.page
    expect(page.get_by_text("Register").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2_000)
    assert INTERVENTION in _grid_text(page)
    watched.assert_quiet()


def test_the_planner_map_keeps_hostile_ward_names_inert(
    watched: Watched, app_url: str, hostile: Hostile
) -> None:
    _visit(watched, app_url, "Assessment planner")
    page = watched.page
    main = page.get_by_test_id("stMain")
    main.get_by_role("radio", name="Wards").check()
    places = main.get_by_role("spinbutton", name="Places on the map")
    places.fill("25")
    places.press("Enter")
    page.wait_for_timeout(3_000)  # the page reruns and redraws its map
    frame = _map(page)
    tips = _tooltips(page, frame)
    watched.assert_quiet()
    for name, code in hostile.codes.items():
        assert any(f" {name} · score " in tip.split("\n")[0] for tip in tips), (name, code)


_REFLECTED = {
    "profile": (
        "profile?profile=hotspot:![x](http://beacon.invalid/p.png)",
        "app_pages/profile.py _choose_area: st.caption(f'Area from the address bar: {wanted}')",
    ),
    "show": (
        "?show=![x](http://beacon.invalid/s.png)",
        "app_pages/_map_layers.py chosen_layers: st.sidebar.warning(f'... show={unknown} ...')",
    ),
}


@pytest.mark.parametrize(
    "address",
    [pytest.param(address, id=name) for name, (address, _where) in _REFLECTED.items()],
)
def test_an_address_bar_value_loads_no_image(watched: Watched, app_url: str, address: str) -> None:
    _open(watched, app_url + address)
    main = watched.page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stHeading").first).to_be_visible(timeout=60_000)
    watched.page.wait_for_timeout(3_000)
    watched.assert_quiet()


def _grid_text(page: Page) -> str:
    """The text of every table on the page (Streamlit draws them on a canvas).

    Glide Data Grid keeps an accessible copy of the visible cells in the page; this reads
    it, so a test sees what a screen reader would.
    """
    grids = page.get_by_test_id("stDataFrame")
    deadline = time.monotonic() + 20
    while grids.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    cells = page.locator('[data-testid="stDataFrame"] table [role="gridcell"]')
    return "\n".join(cells.all_text_contents())


def test_the_hostile_store_fixture_is_as_described(hostile: Hostile) -> None:
    assert set(hostile.codes) == set(WARD_NAMES)
    assert Path(hostile.rejected_path).is_file()
    assert IMAGE_WARD in WARD_NAMES
