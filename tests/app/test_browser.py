"""The running dashboard in Debian Chromium, with every non-local request blocked."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pytest
from playwright.sync_api import FrameLocator, Locator, Page

from hotspots.gistar import gi_star
from layers.aggregate import counts
from layers.maps import GI_COLOURS, hexagon_area_words, month_range_label
from layers.queries import suggest_resolution
from layers.store import Store
from tests.app._browser import CHROMIUM, ROOT, Traffic, running_app, sign_in

LEAFLET = ROOT / "static" / "vendor" / "leaflet" / "leaflet.js"
SCREENSHOT = ROOT / "docs" / "screenshot-map.png"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LAYER_NAMES = [
    "Incidents per hexagon",
    "Density of events (KDE)",
    "Hot and cold spots (Gi*)",
    "Emerging hot spots",
    "Survey: mean score",
    "Interventions",
    "Ward boundaries",
    "Locality boundaries",
]
ON_REQUEST = ["Density of events (KDE)", "Emerging hot spots"]  # computed when chosen (?show=)

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
def app_url(demo_store: Path) -> Iterator[str]:
    with running_app(demo_store, log_name="streamlit.log") as url:
        yield url


def _map_paths(page: Page, minimum: int) -> FrameLocator:
    frame = page.frame_locator(MAP_FRAME)
    paths = frame.locator(".leaflet-overlay-pane path")
    paths.first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 20
    while paths.count() < minimum and time.monotonic() < deadline:
        time.sleep(0.2)
    return frame


def _nonzero(store: Path, by: str, **query: Any) -> int:
    table = counts(Store(store), by=by, **query)
    return int((table["count"] > 0).sum())


def _months(store: Path) -> list[str]:
    span = Store(store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _resolution(store: Path) -> int:
    return suggest_resolution(Store(store)).resolution


def test_map_draws_without_internet(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page, traffic = offline
    page.goto(app_url)
    sign_in(page)
    wards = Store(demo_store).boundaries("ward")
    res = _resolution(demo_store)
    cells = _nonzero(demo_store, f"h3:{res}")
    frame = _map_paths(page, cells + len(wards))
    assert frame.locator(".leaflet-overlay-pane path").count() == cells + len(wards)
    labels = frame.locator(".atlas-label div")
    assert sorted(labels.all_inner_texts()) == sorted(wards["name"])
    assert labels.first.is_visible()
    legend, note = frame.locator(".atlas-box:not(.atlas-note)"), frame.locator(".atlas-note")
    assert legend.inner_text().startswith("Incidents per hexagon")
    assert note.inner_text() == "Demo ward boundaries: an approximation, not official"
    assert legend.is_visible()
    assert note.is_visible()
    control = frame.locator(".leaflet-control-layers label").all_inner_texts()
    assert [t.strip() for t in control] == [n for n in LAYER_NAMES if n not in ON_REQUEST]
    frame.locator(".leaflet-overlay-pane path").nth(cells // 2).hover(force=True)
    tooltip = frame.locator(".leaflet-tooltip").inner_text()
    months = _months(demo_store)
    size = re.escape(hexagon_area_words(res))
    assert re.match(rf"^[\d,]+ incidents?\nin this hexagon of about {size}", tooltip)
    assert tooltip.endswith(month_range_label(months[0], months[-1]))
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "map.png"))
    if os.environ.get("UPDATE_README_SCREENSHOT") == "1":  # refresh docs/ only when asked
        shutil.copyfile(tmp_path / "map.png", SCREENSHOT)
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_the_hot_spot_layer_shows_the_hot_cells(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page, traffic = offline
    page.goto(app_url)
    sign_in(page)
    res = _resolution(demo_store)
    gi = gi_star(counts(Store(demo_store), by=f"h3:{res}").set_index("area_code")["count"])
    frame = _map_paths(page, 1)
    _toggle(frame, "Incidents per hexagon")
    _toggle(frame, "Hot and cold spots (Gi*)")
    hot = frame.locator(", ".join(f'path[fill="{c}"]' for c in GI_COLOURS[:3]))
    cold = frame.locator(", ".join(f'path[fill="{c}"]' for c in GI_COLOURS[3:]))
    _wait_count(hot, int((gi["gi_bin"] > 0).sum()))
    assert hot.count() == int((gi["gi_bin"] > 0).sum()) > 0
    assert cold.count() == int((gi["gi_bin"] < 0).sum())
    legend = frame.locator(".atlas-box", has_text="Hot and cold spots (Gi*)")
    assert "FDR-corrected (Benjamini-Hochberg)" in legend.inner_text()
    hot.first.hover(force=True)
    assert frame.locator(".leaflet-tooltip").inner_text().startswith("Hot spot, ")
    page.screenshot(path=str(tmp_path / "hot-spots.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_choosing_wards_in_the_sidebar_redraws_the_map(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page, traffic = offline
    page.goto(app_url)
    sign_in(page)
    _map_paths(page, 1)
    page.get_by_test_id("stSelectbox").filter(has_text="Spatial unit").click()
    page.get_by_role("option", name="Wards").click()
    wards = len(Store(demo_store).boundaries("ward"))
    kept = _nonzero(demo_store, "ward")
    _one_map(page)
    legend = page.frame_locator(MAP_FRAME).locator(".atlas-box b", has_text="Incidents per ward")
    legend.wait_for(timeout=30_000)
    frame = _map_paths(page, kept + wards)
    assert frame.locator(".leaflet-overlay-pane path").count() == kept + wards
    assert "areas=wards" in urlparse(page.url).query
    page.screenshot(path=str(tmp_path / "wards.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_clicking_a_hexagon_shows_its_panel(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page, traffic = offline
    page.goto(app_url)
    sign_in(page)
    res = _resolution(demo_store)
    table = counts(Store(demo_store), by=f"h3:{res}")
    drawn = table[table["count"] > 0].reset_index(drop=True)
    busiest = int(drawn["count"].idxmax())
    frame = _map_paths(page, len(drawn))
    box = frame.locator(".leaflet-overlay-pane path").nth(busiest).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cell = drawn.loc[busiest, "area_code"]
    panel = page.get_by_test_id("stMain").get_by_text(f"Hexagon {cell}", exact=False)
    panel.first.wait_for(timeout=30_000)
    metric = page.get_by_test_id("stMetricValue").first.inner_text()
    assert metric == f"{int(drawn.loc[busiest, 'count']):,}"
    main = page.get_by_test_id("stMain")
    main.get_by_text("Hot or cold spot:").first.wait_for(timeout=10_000)
    assert main.get_by_text("Over time:").first.is_visible()
    page.screenshot(path=str(tmp_path / "panel.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_a_bookmarked_view_opens_as_saved(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path
) -> None:
    months = _months(demo_store)
    page, traffic = offline
    query = f"?layers=knife&from={months[1]}&to={months[6]}&areas=wards"
    page.goto(app_url + query)
    sign_in(page)
    wards = len(Store(demo_store).boundaries("ward"))
    kept = _nonzero(demo_store, "ward", kinds=("knife",), date_from=months[1], date_to=months[6])
    frame = _map_paths(page, kept + wards)
    assert frame.locator(".leaflet-overlay-pane path").count() == kept + wards
    main = page.get_by_test_id("stMain")
    caption = main.get_by_test_id("stCaptionContainer").first.inner_text()
    assert caption.startswith("Knife injuries (hospital) · ")
    assert caption.endswith("counts by ward")
    assert (
        frame.locator(".atlas-box:not(.atlas-note)")
        .inner_text()
        .startswith("Knife injuries per ward")
    )
    assert urlparse(page.url).query == query[1:]
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def _one_map(page: Page) -> None:
    """Wait until the rerun has replaced the old map (for a moment both are on the page)."""
    page.wait_for_timeout(500)
    deadline = time.monotonic() + 30
    while page.locator(MAP_FRAME).count() != 1 and time.monotonic() < deadline:
        time.sleep(0.2)


def _toggle(frame: FrameLocator, layer: str) -> None:
    frame.locator(".leaflet-control-layers label", has_text=layer).locator("input").click()


def _wait_count(locator: Locator, minimum: int) -> None:
    deadline = time.monotonic() + 20
    while locator.count() < minimum and time.monotonic() < deadline:
        time.sleep(0.2)


def test_the_blocker_catches_a_cdn_request(offline: tuple[Page, Traffic], app_url: str) -> None:
    page, traffic = offline
    page.goto(app_url + "app/static/vendor/leaflet/leaflet.css")
    cdn = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    result = page.evaluate(f"fetch('{cdn}').then(() => 'loaded', () => 'refused')")
    assert result == "refused"
    assert traffic.blocked == [cdn]
