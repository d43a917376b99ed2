"""The Data page in Debian Chromium: a file uploaded, checked, imported and logged, offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from layers import queries
from layers.boundaries import extent_of
from layers.ingest import study_areas
from layers.readers import read_layer
from layers.settings import load_settings
from layers.store import Store
from tests.app._browser import CHROMIUM, Traffic, running_app, sign_in
from tests.app._browser import offline_page as open_offline_page
from tests.app.test_data_page import police_csv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
]

NAME = "2021-03-avon-and-somerset-street.csv"


@pytest.fixture(scope="module")
def writable_store(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store that this module's imports may change."""
    home = tmp_path_factory.mktemp("data-page")
    shutil.copyfile(demo_store, home / "atlas.duckdb")
    return home / "atlas.duckdb"


@pytest.fixture(scope="module")
def app_url(writable_store: Path) -> Iterator[str]:
    """The running app, on a store this module may change."""
    rejected = {"ATLAS_REJECTED_DIR": str(writable_store.parent / "rejected")}
    with running_app(writable_store, log_name="streamlit.log", env=rejected) as url:
        yield url


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    """A page on which every request to a host other than this machine is refused."""
    with open_offline_page(browser) as page_and_traffic:
        yield page_and_traffic


def _metric(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has_text=label)
    return tile.get_by_test_id("stMetricValue").inner_text()


def _screenshot(page: Page, path: Path) -> None:
    """Save the whole page (Streamlit scrolls inside its own container, so grow the window)."""
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
    page.mouse.move(5, 5)
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_an_uploaded_file_is_checked_imported_and_logged(
    offline_page: tuple[Page, Traffic], app_url: str, writable_store: Path, tmp_path: Path
) -> None:
    page, traffic = offline_page
    data = police_csv([f"browser-{i}" for i in range(9)], bad=2)
    direct_path = tmp_path / "direct.csv"
    direct_path.write_bytes(data)
    config = load_settings(store=writable_store)
    wards = study_areas(Store(writable_store), config).wards
    direct = read_layer(
        "incidents", [direct_path], extent=extent_of(wards, buffer_m=config.extent_buffer_m)
    )
    imports_before = len(queries.import_log(Store(writable_store), limit=1000))

    page.goto(app_url)  # a deep link to /data would make Streamlit probe /data/_stcore (404s)
    sign_in(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Data", exact=True)).to_be_visible(timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": NAME, "mimeType": "text/csv", "buffer": data}]
    )
    expect(main.get_by_text("2. Check before importing")).to_be_visible(timeout=60_000)
    assert _metric(page, "Rows read") == f"{len(direct.valid) + len(direct.rejected)}" == "11"
    assert _metric(page, "New, to import") == f"{len(direct.valid)}" == "9"
    assert _metric(page, "Already in the store") == "0"
    assert _metric(page, "Rejected") == f"{len(direct.rejected)}" == "2"
    expect(main.get_by_role("button", name="Download the rejected rows (CSV)")).to_be_visible()
    _screenshot(page, tmp_path / "data-check.png")

    main.get_by_role("button", name="Import 9 new rows into the store").click()
    done = main.get_by_test_id("stAlertContentSuccess").first
    expect(done).to_contain_text("Imported 9 rows", timeout=60_000)
    assert done.inner_text() == (
        f"{NAME}: Imported 9 rows; 0 were already in the store; 2 rejected (reasons below)."
    )
    expect(main.get_by_text("2. Check before importing")).to_have_count(0)
    log = queries.import_log(Store(writable_store), limit=1000)
    assert len(log) == imports_before + 1
    assert log.iloc[0][["files", "imported", "duplicates", "rejected"]].tolist() == [NAME, 9, 0, 2]
    expect(main.get_by_text(f"The latest {len(log)} imports, newest first.")).to_be_visible()
    stored = Store(writable_store).query(
        "SELECT count(*) FROM incidents WHERE event_id LIKE 'pu:browser-%'"
    )
    assert int(stored.iloc[0, 0]) == 9
    _screenshot(page, tmp_path / "data-imported.png")
    assert (traffic.blocked, traffic.failed, traffic.errors) == ([], [], [])
