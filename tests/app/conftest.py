"""Fixtures shared by the dashboard tests: a small demo store, and a signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from streamlit.testing.v1 import AppTest

from app_pages._session import USER_KEY
from layers.access import Role, User
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from tests.app._browser import Traffic, chromium, offline_page

ADMIN = User("admin", Role.ADMIN)
"""The user AppTest runs sign in as unless a test says otherwise."""


def signed_in(at: AppTest, user: User = ADMIN) -> AppTest:
    """Sign ``user`` in to an AppTest run (set before ``at.run()``); return ``at``."""
    at.session_state[USER_KEY] = user
    return at


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store (scale 0.3) built once per test module; its key and rejects beside it."""
    home = tmp_path_factory.mktemp("demo")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, scale=0.3)
    return settings.store


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian Chromium through Playwright, one per test module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    """A page on which every request to a host other than this machine is refused."""
    with offline_page(browser) as page_and_traffic:
        yield page_and_traffic
