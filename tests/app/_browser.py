"""What the browser tests share: the app with test accounts, sign-in, Chromium, no internet."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from layers import accounts
from layers.access import Role

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

PASSWORDS: dict[str, str] = {
    "admin": "admin-pass-for-tests",
    "lead": "lead-pass-for-tests",
    "north": "north-pass-for-tests",
    "engage": "engage-pass-for-tests",
}
"""The test accounts :func:`running_app` creates, and their passwords."""

ROLES: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "lead": (Role.LEAD, None),
    "north": (Role.LOCALITY, "North"),
    "engage": (Role.ENGAGEMENT, None),
}
"""Each test account's role and locality."""


def create_test_users(path: Path) -> Path:
    """Create the accounts of :data:`PASSWORDS` (roles :data:`ROLES`) in a new account store."""
    for name, (role, locality) in ROLES.items():
        accounts.add_user(path, name, role, locality, password=PASSWORDS[name])
    return path


@dataclass
class Traffic:
    """What the page tried to do that it should not."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def running_app(
    store: Path,
    *,
    log_name: str,
    env: Mapping[str, str] | None = None,
    accounts_file: Path | None = None,
) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port against ``store``; yield its URL.

    The app signs people in from ``accounts_file``; when None, a new account store beside
    ``store`` holding the test accounts (:func:`create_test_users`).
    """
    port, home = free_port(), store.parent
    if accounts_file is None:
        accounts_file = create_test_users(home / f"accounts-{port}.sqlite3")
    environment = {
        **os.environ,
        "ATLAS_STORE": str(store),
        "ATLAS_SECRET_FILE": str(home / "key"),
        "ATLAS_ACCOUNTS_FILE": str(accounts_file),
        "ATLAS_AUTH": "accounts",
        **(env or {}),
    }
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    with (home / log_name).open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            wait_healthy(port, server)
            yield f"http://localhost:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=20)


def submit_sign_in(page: Page, name: str, password: str) -> None:
    """Type a user name and password into the sign-in form and press Sign in.

    On a busy machine the first script run can redraw the form while it is being filled
    (the button is then detached); the form is filled again, up to three times. A click
    that timed out was never made, so no attempt is counted twice.
    """
    for attempt in range(3):
        form = page.get_by_test_id("stForm")
        expect(form.get_by_label("User name")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)  # idle
        try:
            form.get_by_label("User name").fill(name, timeout=15_000)
            form.get_by_label("Password", exact=True).fill(password, timeout=15_000)
            form.get_by_role("button", name="Sign in").click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def sign_in(page: Page, name: str = "admin", password: str | None = None) -> None:
    """Sign in on the page's sign-in form (a test account by default) and wait for the app.

    Call it after every ``page.goto``: each page load is a new session. The address's
    query parameters and page survive signing in.
    """
    submit_sign_in(page, name, PASSWORDS[name] if password is None else password)
    expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_be_visible(
        timeout=60_000
    )


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Launch Debian Chromium through Playwright (never a downloaded browser)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def offline_page(browser: Browser, **context_options: Any) -> Iterator[tuple[Page, Traffic]]:
    """Yield a page on which every request to a host other than this machine is refused."""
    traffic = Traffic()
    context = browser.new_context(
        **({"viewport": {"width": 1400, "height": 1000}} | context_options)
    )
    refuse_non_local(context, traffic.blocked)
    page = context.new_page()
    page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: traffic.errors.append(str(e)))
    page.on(  # a load cut short by moving to another page is not a failure
        "requestfailed",
        lambda r: traffic.failed.append(r.url) if r.failure != "net::ERR_ABORTED" else None,
    )
    try:
        yield page, traffic
    finally:
        context.close()


def refuse_non_local(context: BrowserContext, blocked: list[str]) -> None:
    """Make the browser context refuse every request to another host, noting it in ``blocked``."""

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)


@dataclass
class Watched:
    """A page, what it tried to fetch off this machine, every dialog it opened, its 404s."""

    page: Page
    traffic: Traffic
    dialogs: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # addresses answered 404
    count_failed: bool = True  # whether a failed request makes the page not quiet

    def assert_quiet(self) -> None:
        """No dialog, no request blocked (or failed), no image from data, no script error.

        Streamlit answers 404 to its own probes under a deep link's path (``/profile/
        _stcore/health``), and the console reports them; any other 404 (``<img src=x>``
        asks for ``/x``) counts.
        """
        assert self.dialogs == []
        assert self.traffic.blocked == []
        if self.count_failed:
            assert self.traffic.failed == []
        assert [url for url in self.missing if "/_stcore/" not in url] == []
        assert [e for e in self.traffic.errors if not e.startswith(_NOT_FOUND)] == []


_NOT_FOUND = "Failed to load resource: the server responded with a status of 404"


@contextlib.contextmanager
def watched_page(browser: Browser, *, count_failed: bool = True) -> Iterator[Watched]:
    """Yield an offline page (:func:`offline_page`) whose dialogs and 404s are recorded."""
    with offline_page(browser) as (page, traffic):
        seen = Watched(page, traffic, count_failed=count_failed)

        def dismiss(dialog: object) -> None:
            seen.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", dismiss)
        page.on("response", lambda r: seen.missing.append(r.url) if r.status == 404 else None)
        yield seen


def free_port() -> int:
    """Return a TCP port free on this machine."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, server: subprocess.Popen[bytes]) -> None:
    """Wait until Streamlit answers its health check (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with _NO_PROXY.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not answer /_stcore/health within 60 s")
