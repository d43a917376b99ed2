"""The Area profile page: headless with AppTest, and in Chromium from the map to the PDF."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from streamlit.testing.v1 import AppTest

from app_pages import FILTERS_KEY, Filters
from app_pages._trends_words import markdown_text
from assessments.disclosure import get_policy
from assessments.profile import area_profile, disclosed_profile
from layers.store import Store
from tests.app._browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    ROOT,
    Traffic,
    running_app,
    sign_in,
)
from tests.app.conftest import signed_in
from tests.app.test_browser import MAP_FRAME

PAGE = str(ROOT / "app_pages" / "profile.py")
WARD = "E05010885"  # Ashley


@pytest.fixture
def months(demo_store: Path) -> list[str]:
    span = Store(demo_store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _page(
    store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str], area: str | None = None
) -> AppTest:
    """Run the page on its own, with the sidebar's filters set as app.py would set them."""
    monkeypatch.setenv("ATLAS_STORE", str(store))
    at = AppTest.from_file(PAGE, default_timeout=120)
    signed_in(at)
    at.session_state[FILTERS_KEY] = Filters(("incidents",), months[0], months[-1], "auto")
    if area is not None:
        at.query_params["profile"] = area
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(store: Path, area: str, months: list[str], policy: str) -> dict[str, object]:
    profile = area_profile(Store(store), area, date_from=months[0], date_to=months[-1])
    return disclosed_profile(profile, get_policy(policy))


def _key_counts(at: AppTest) -> list[str]:
    return at.dataframe[0].value["In the area"].tolist()


def test_the_address_bar_opens_a_wards_profile(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, f"ward:{WARD}")
    shown = _shown(demo_store, f"ward:{WARD}", months, "partnership")
    assert [h.value for h in at.header] == ["Ashley ward"]
    summary = at.markdown[0].value
    assert summary == "\n".join(f"- {markdown_text(s)}" for s in shown["summary"])  # type: ignore[union-attr]
    assert _key_counts(at) == [r["count"] for r in shown["layers"]]  # type: ignore[union-attr]
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download the printable profile (PDF, partnership)",
        "Download as a web page (HTML, partnership)",
    ]
    assert at.session_state["w_profile_ward"] == WARD


def test_the_public_policy_rounds_what_the_page_shows(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, f"ward:{WARD}")
    at.radio(key="w_profile_policy").set_value("public").run()
    shown = _shown(demo_store, f"ward:{WARD}", months, "public")
    assert _key_counts(at) == [r["count"] for r in shown["layers"]]  # type: ignore[union-attr]
    for value in _key_counts(at):
        assert value == "<5" or int(value.replace(",", "")) % 5 == 0
    assert markdown_text(get_policy("public").statement()) in at.caption[1].value
    assert at.get("download_button")[0].label.endswith("(PDF, public)")


def test_choosing_an_area_writes_it_to_the_address_bar(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    assert "Choose an area above" in at.info[0].value
    at.radio(key="w_profile_kind").set_value("locality").run()
    at.selectbox(key="w_profile_locality").set_value("South").run()
    assert [h.value for h in at.header] == ["South locality"]
    assert at.query_params["profile"] == "locality:South"
    at.radio(key="w_profile_kind").set_value("h3").run()
    at.text_input(key="w_profile_cell").input("89195839043ffff").run()
    assert at.header[0].value.startswith("Hexagon in ")
    assert at.query_params["profile"] == "h3:89195839043ffff"


def test_an_area_that_cannot_be_profiled_says_why(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, "ward:E99999999")
    assert "not loaded" in at.warning[0].value
    quiet = _page(demo_store, monkeypatch, months, "hotspot:89195d2b1a3ffff")
    assert "This area cannot be profiled" in quiet.error[0].value
    bad = _page(demo_store, monkeypatch, months, "h3:nonsense")
    assert "expected an H3 cell" in bad.error[0].value


# --- in Chromium: from the map to the PDF -----------------------------------------------------

REGISTERED = "profile.py" in (ROOT / "app.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def app_url(demo_store: Path) -> Iterator[str]:
    with running_app(demo_store, log_name="streamlit-profile.log") as url:
        yield url


@pytest.fixture
def offline_page(app_url: str) -> Iterator[tuple[Page, Traffic]]:
    traffic = Traffic()
    with sync_playwright() as p:
        browser: Browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 3400}, accept_downloads=True
        )

        def route(route: Route) -> None:
            url = route.request.url
            if (
                url.startswith(("data:", "blob:", "about:"))
                or urlparse(url).hostname in LOCAL_HOSTS
            ):
                route.continue_()
            else:
                traffic.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda e: traffic.errors.append(str(e)))
        yield page, traffic
        context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium")
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils missing")
@pytest.mark.skipif(not REGISTERED, reason="app.py does not register app_pages/profile.py yet")
def test_from_the_map_to_the_profile_and_its_pdf(
    offline_page: tuple[Page, Traffic], app_url: str, tmp_path: Path
) -> None:
    page, traffic = offline_page
    page.goto(app_url + "?areas=wards")
    sign_in(page)
    page.frame_locator(MAP_FRAME).locator(".leaflet-overlay-pane path").first.wait_for(
        timeout=90_000
    )
    page.get_by_test_id("stSelectbox").filter(has_text="Area").first.click()
    option = page.get_by_role("option").first
    ward = option.inner_text().split(" · ")[0]
    option.click()
    link = page.get_by_role("link", name="Open the area profile")
    link.wait_for(timeout=60_000)
    query = urlparse(link.get_attribute("href") or "").query
    assert "profile=ward%3A" in query
    page.goto(f"{app_url}profile?{query}")  # the link's address, on the profile page
    sign_in(page)
    profile = page
    profile.get_by_role("heading", name=f"{ward} ward").wait_for(timeout=120_000)
    assert "profile=ward" in urlparse(profile.url).query
    button = profile.get_by_role("button", name="Download the printable profile (PDF, partnership)")
    with profile.expect_download(timeout=120_000) as download:
        button.click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           2" in info.stdout
    profile.screenshot(path=str(tmp_path / "profile-page.png"), full_page=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "pdf")], check=True)
    assert len(list(tmp_path.glob("pdf-*.png"))) == 2
    assert (traffic.blocked, traffic.errors) == ([], [])
