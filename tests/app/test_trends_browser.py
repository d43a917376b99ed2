"""The Trends page in Debian Chromium, offline: charts drawn, ward table shown, downloads work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from hotspots.trends import monthly_trend, trends_by_area
from layers.aggregate import counts
from layers.store import Store
from tests.app._browser import CHROMIUM, Traffic, offline_page, running_app, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
]

VIEW = {"width": 1400, "height": 3400}  # tall enough to show the whole page at once
SCREENSHOT_DIR = "ATLAS_SCREENSHOT_DIR"  # set it to keep the screenshot after the test


@pytest.fixture(scope="module")
def trends_url(demo_store: Path) -> Iterator[str]:
    """The running app (app.py) on the demo store."""
    with running_app(demo_store, log_name="streamlit-trends.log") as url:
        yield url


@pytest.fixture
def tall_page(browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    """A tall page on which every request to a host other than this machine is refused."""
    with offline_page(browser, viewport=VIEW, accept_downloads=True) as page_and_traffic:
        yield page_and_traffic


def _open_trends(page: Page, url: str) -> None:
    page.goto(url)
    sign_in(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Trends").click()
    page.get_by_text("Which areas changed most").wait_for(timeout=60_000)
    page.locator(".vega-embed svg").nth(1).wait_for(timeout=60_000)
    page.get_by_test_id("glide-cell-0-0").wait_for(state="attached", timeout=30_000)


def _svg_texts(page: Page, which: int) -> list[str]:
    texts = page.locator(".vega-embed svg").nth(which).locator("text")
    return [t.text_content() or "" for t in texts.all()]


def test_trends_page_draws_charts_and_the_ward_table_offline(
    tall_page: tuple[Page, Traffic], trends_url: str, demo_store: Path, tmp_path: Path
) -> None:
    page, traffic = tall_page
    _open_trends(page, trends_url)
    store = Store(demo_store)
    monthly = counts(store, by="ward", period="month")
    expected = trends_by_area(monthly)
    shown_rows = page.locator("[data-testid^=glide-cell-0-]")
    names = [t.strip() for t in shown_rows.all_inner_texts()]
    assert len(names) >= 8
    assert names == expected["area_name"].head(len(names)).tolist()
    header = page.get_by_test_id("stDataFrame").locator("th").all_inner_texts()
    assert header[:3] == ["Ward", "Locality", "Last 12 months"]
    assert "Incidents across the city, month by month" in _svg_texts(page, 0)
    assert "Rolling 12-month total" in _svg_texts(page, 0)
    first_six = expected["area_name"].head(6).tolist()
    assert set(first_six) <= set(_svg_texts(page, 1))
    city = monthly.groupby("period")["count"].sum()
    city.name = "Police incidents across the city"
    assert page.get_by_text(monthly_trend(city).sentence).is_visible()
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "trends.png"))
    if os.environ.get(SCREENSHOT_DIR):
        page.screenshot(path=str(Path(os.environ[SCREENSHOT_DIR]) / "trends.png"))
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])


def test_a_chart_saves_as_png_and_its_data_as_csv(
    tall_page: tuple[Page, Traffic], trends_url: str
) -> None:
    page, traffic = tall_page
    _open_trends(page, trends_url)
    page.get_by_test_id("stVegaLiteChart").first.hover()
    with page.expect_download() as png:
        page.get_by_role(
            "button", name="Download as PNG: incidents across the city by month"
        ).click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as csv:
        page.get_by_role("button", name="Download the chart's data (CSV)").click()
    assert csv.value.suggested_filename == "safer-options-trend-city.csv"
    text = Path(csv.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("month,month_label,series,layer,category,count\n")
    assert "Disclosure control" in text.strip().splitlines()[-1]  # the policy, last
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])
