"""What the browser tests share: a running app, Debian Chromium, and a page with no internet."""

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

from playwright.sync_api import Browser, Page, Route, sync_playwright

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


@dataclass
class Traffic:
    """What the page tried to do that it should not."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def running_app(
    store: Path, *, log_name: str, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port against ``store``; yield its URL."""
    port, home = free_port(), store.parent
    environment = {
        **os.environ,
        "ATLAS_STORE": str(store),
        "ATLAS_SECRET_FILE": str(home / "key"),
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

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            traffic.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: traffic.errors.append(str(e)))
    page.on("requestfailed", lambda r: traffic.failed.append(r.url))
    try:
        yield page, traffic
    finally:
        context.close()


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
