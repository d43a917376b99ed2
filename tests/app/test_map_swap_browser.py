"""The map in Chromium: a filter change swaps its layers in place; slower layers on request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

from layers.aggregate import counts
from layers.store import Store
from tests.app._browser import CHROMIUM, Traffic, running_app, sign_in
from tests.app.test_browser import (
    LAYER_NAMES,
    LEAFLET,
    MAP_FRAME,
    _resolution,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
    pytest.mark.skipif(
        not LEAFLET.exists(), reason="static/vendor missing: run python scripts/install_assets.py"
    ),
]

_SHAPES = "() => document.querySelectorAll('.leaflet-overlay-pane path').length"


@pytest.fixture(scope="module")
def app_url(demo_store: Path) -> Iterator[str]:
    """The running app on the demo store (its own server, so these tests run apart)."""
    with running_app(demo_store, log_name="streamlit-swap.log") as url:
        yield url


def _map(page: Page, shapes: int | None = None) -> Frame:
    """Wait for the map frame to draw (``shapes`` paths, when given); return the frame."""
    handle = page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None
    wanted = f"=== {shapes}" if shapes is not None else "> 0"
    frame.wait_for_function(f"() => ({_SHAPES})() {wanted}", timeout=60_000)
    return frame


def _drawn(store: Path, resolution: int) -> int:
    table = counts(Store(store), by=f"h3:{resolution}")
    return int((table["count"] > 0).sum()) + len(Store(store).boundaries("ward"))


def test_a_filter_change_redraws_the_layers_without_reloading_the_map(
    offline: tuple[Page, Traffic],
    app_url: str,
    demo_store: Path,
    tmp_path: Path,
) -> None:
    page, traffic = offline
    page.goto(app_url)
    sign_in(page)
    frame = _map(page, _drawn(demo_store, _resolution(demo_store)))
    frame.evaluate(
        "() => { window.atlasProbe = 'same page'; window.map.zoomIn(1, {animate: false}); }"
    )
    zoom = frame.evaluate("() => window.map.getZoom()")  # no animation: already the new zoom
    page.get_by_test_id("stSelectbox").filter(has_text="Spatial unit").click()
    page.get_by_role("option", name="Hexagons, H3 resolution 8").click()
    frame.wait_for_function(f"() => ({_SHAPES})() === {_drawn(demo_store, 8)}", timeout=60_000)
    assert frame.evaluate("() => window.atlasProbe") == "same page"
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    assert page.locator(MAP_FRAME).count() == 1
    control = [t.strip() for t in frame.locator(".leaflet-control-layers label").all_inner_texts()]
    assert control.count("Incidents per hexagon") == 1
    page.screenshot(path=str(tmp_path / "swapped.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_slower_layers_asked_for_in_the_address_are_drawn(
    offline: tuple[Page, Traffic],
    app_url: str,
    demo_store: Path,
    tmp_path: Path,
) -> None:
    page, traffic = offline
    page.goto(app_url + "?show=density&show=emerging")
    sign_in(page)
    frame = _map(page)  # density outlines, emerging hot spots and ward outlines
    control = frame.locator(".leaflet-control-layers label")
    deadline = time.monotonic() + 30
    while len(control.all_inner_texts()) < len(LAYER_NAMES) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [t.strip() for t in control.all_inner_texts()] == LAYER_NAMES
    checked = frame.locator(".leaflet-control-layers label", has=frame.locator("input:checked"))
    assert [t.strip() for t in checked.all_inner_texts()] == [  # the counts one click away
        "Density of events (KDE)",
        "Emerging hot spots",
        "Ward boundaries",
    ]
    legends = frame.locator(".atlas-box b").all_inner_texts()
    assert {"Density of events (KDE)", "Emerging hot spots"} <= set(legends)
    page.screenshot(path=str(tmp_path / "slower-layers.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])
