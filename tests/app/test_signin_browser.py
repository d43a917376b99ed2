"""Signing in, in Debian Chromium: no data before, lock-out, sign-out, one-time passwords, roles."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from layers import accounts, audit
from layers.access import Role
from layers.store import Store
from tests.app._browser import (
    CHROMIUM,
    PASSWORDS,
    Traffic,
    create_test_users,
    running_app,
    sign_in,
    submit_sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: apt-get install chromium"
    ),
]
ATTEMPTS = 3
NEW_PASSWORD = "my own long password"
ONE_TIME: dict[str, str] = {}
_SIDEBAR_CONTENT = "input, a, button:not([data-testid=stSidebarCollapseButton] button), p"


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test accounts, and ``newbie`` with a one-time password (in ``ONE_TIME``)."""
    path = create_test_users(tmp_path_factory.mktemp("accounts") / "accounts.sqlite3")
    one_time = accounts.add_user(path, "newbie", Role.LEAD)
    assert one_time is not None
    ONE_TIME["newbie"] = one_time
    return path


@pytest.fixture(scope="module")
def app_url(demo_store: Path, accounts_file: Path) -> Iterator[str]:
    env = {"ATLAS_LOCKOUT_ATTEMPTS": str(ATTEMPTS)}
    with running_app(
        demo_store, log_name="streamlit-signin.log", env=env, accounts_file=accounts_file
    ) as url:
        yield url


def _ward_names(store: Path) -> list[str]:
    return [str(n) for n in Store(store).boundaries("ward")["name"]]


def _wait_for_records(store: Path, user: str, count: int) -> list[str]:
    """Wait until the audit log holds ``count`` records of ``user``; return their actions."""
    deadline = time.monotonic() + 30
    while True:
        actions = audit.audit_log(store, user=user)["action"].tolist()
        if len(actions) >= count or time.monotonic() > deadline:
            return actions
        time.sleep(0.2)


def _assert_no_data(page: Page, store: Path) -> None:
    sidebar = page.get_by_test_id("stSidebar")  # after signing out, an empty shell at most
    expect(sidebar.locator(_SIDEBAR_CONTENT)).to_have_count(0, timeout=30_000)
    expect(page.locator("iframe")).to_have_count(0)  # no map
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    text = page.get_by_test_id("stMain").inner_text()
    assert not [name for name in _ward_names(store) if name in text]
    for said in page.get_by_test_id("stAlert").all() + page.get_by_test_id("stForm").all():
        text = text.replace(said.inner_text(), "")  # a lock-out time, "12 characters"
    assert not any(ch.isdigit() for ch in text)  # no counts of any kind


def test_opening_the_app_shows_only_the_sign_in(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path
) -> None:
    page, traffic = offline
    for address in (app_url, f"{app_url}profile?profile=ward%3AE05010885", f"{app_url}data"):
        page.goto(address)
        expect(page.get_by_label("User name")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("heading", name="Safer Options Atlas")).to_be_visible()
        _assert_no_data(page, demo_store)
    assert traffic.blocked == []


def test_wrong_passwords_lock_out_and_then_the_right_one_is_refused(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path
) -> None:
    page, _ = offline
    page.goto(app_url)
    alert = page.get_by_test_id("stAlertContentError")
    for attempt in range(1, ATTEMPTS + 1):
        submit_sign_in(page, "lead", f"wrong password {attempt}")
        _wait_for_records(demo_store, "lead", attempt)
        words = "Wrong user name or password." if attempt < ATTEMPTS else "locked until"
        expect(alert).to_contain_text(words, timeout=30_000)
    submit_sign_in(page, "lead", PASSWORDS["lead"])
    outcomes = _wait_for_records(demo_store, "lead", ATTEMPTS + 1)
    expect(alert).to_contain_text("This account is locked until", timeout=30_000)
    expect(alert).to_contain_text("ask an administrator to unlock it sooner")
    _assert_no_data(page, demo_store)
    assert outcomes == ["locked_out", "locked_out"] + ["sign_in_failed"] * (ATTEMPTS - 1)


def test_signing_in_and_out(offline: tuple[Page, Traffic], app_url: str, demo_store: Path) -> None:
    page, traffic = offline
    page.goto(f"{app_url}?areas=wards")
    sign_in(page, "north")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Locality officer, North")).to_be_visible()
    expect(sidebar.locator(_SIDEBAR_CONTENT).first).to_be_visible()  # what no_data rules out
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Map explorer")).to_be_visible()
    for admin_only in ("Data", "Users", "Audit log"):
        expect(nav.get_by_role("link", name=admin_only, exact=True)).to_have_count(0)
    assert "areas=wards" in page.url  # the address opened survives signing in
    sidebar.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible(timeout=30_000)
    _assert_no_data(page, demo_store)
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible(timeout=60_000)
    assert audit.audit_log(demo_store, user="north")["action"].tolist()[:2] == [
        "sign_out",
        "sign_in",
    ]
    assert traffic.blocked == []


def test_an_admin_sees_the_admin_pages(offline: tuple[Page, Traffic], app_url: str) -> None:
    page, _ = offline
    page.goto(app_url)
    sign_in(page, "admin")
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Data", "Users", "Audit log"):
        expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()
    nav.get_by_role("link", name="Audit log", exact=True).click()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Audit log")).to_be_visible(timeout=60_000)
    expect(main.get_by_text("Hash chain checked")).to_be_visible(timeout=30_000)


def test_a_one_time_password_must_be_changed_first(
    offline: tuple[Page, Traffic], app_url: str, demo_store: Path
) -> None:
    page, _ = offline
    page.goto(app_url)
    submit_sign_in(page, "newbie", ONE_TIME["newbie"])
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Choose a new password")).to_be_visible(timeout=30_000)
    _assert_no_data(page, demo_store)
    main.get_by_label("One-time password").fill(ONE_TIME["newbie"])
    main.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    main.get_by_label("New password again").fill(NEW_PASSWORD)
    main.get_by_role("button", name="Change password").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_be_visible(
        timeout=60_000
    )
    page.reload()
    sign_in(page, "newbie", NEW_PASSWORD)
    assert audit.audit_log(demo_store, user="newbie")["action"].tolist() == [
        "sign_in",
        "password_changed",
        "sign_in",
    ]
