"""The map page with 1,000,000 incidents: load and filter times in Chromium, payload, memory.

A demo store scaled to about 1,000,000 police incidents over three years is built in a
temporary folder (``python -m layers demo --scale S``, timed). The dashboard then runs
under ``streamlit run``, twice (two server starts), and Debian Chromium (launch arguments
and the refusal of every non-local request as in ``tests/app/test_browser.py``) measures:

- opening the map page until the hexagons are drawn (as many Leaflet shapes as non-zero
  cells at the automatic resolution plus wards, counted with ``layers.aggregate.counts``):
  the first visit after a server start (Python and server caches empty: cold), a second
  visit in the same browser, and a new browser (empty browser cache) on the warm server.
  Target: under 3 s.
- changes in the sidebar until the map shows them: one month fewer, knife injuries
  added, H3 resolution 8, the density layer asked for; the first time (not cached),
  then again in other browsers (cached). Target: under 1.5 s.
- the map's payload, the largest websocket message of a page load (the map component's
  arguments), at the automatic resolution and at H3 resolutions 9 and 10, side by side
  with folium's default ``folium.GeoJson`` of the same cells (every column of the count
  table as properties; the page ``folium.Map.get_root().render()`` writes). Target: 3 MB.
- the server's memory (VmRSS, VmHWM of the streamlit process), five sessions open.

Timings depend on the machine's load, printed with them. Servers and files are removed
at the end. Usage: ``python benchmarks/bench_dashboard.py [--scale 18.2] [--store PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from tests.app._browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    create_test_users,
    refuse_non_local,
    running_app,
    submit_sign_in,
)

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
RUNNING = '[data-testid="stStatusWidget"]'  # shown while the script runs
SCALE = 18.2  # about 1,000,000 incidents
REPEATS = 3  # warm figures: median of this many
TIMEOUT_S = 120.0
_STATE = """() => {
  let shapes = 0;
  if (window.map && window.L) {
    window.map.eachLayer((l) => { if (l.feature && l instanceof L.Path) { shapes += 1; } });
  }
  const boxes = document.querySelectorAll('.atlas-box:not(.atlas-note)');
  return [shapes, Array.from(boxes, (b) => b.innerText).join('|')];
}"""


# --- the store and the expected maps -------------------------------------------------------


def build_store(home: Path, scale: float) -> tuple[Path, float]:
    """Build the demo store at ``scale`` with the command line; return it and the seconds."""
    store = home / "atlas.duckdb"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "layers", "demo", "--store", str(store), "--scale", str(scale)],
        cwd=ROOT,
        env=_env(home, store),
        check=True,
        capture_output=True,
    )
    return store, time.perf_counter() - start


def expected_shapes(store: Path, *, resolution: int | None = None, **query: Any) -> tuple[int, int]:
    """Return (resolution, shapes drawn): non-zero cells (automatic resolution) + wards."""
    from layers.aggregate import counts
    from layers.queries import suggest_resolution
    from layers.store import Store

    opened = Store(store)
    if resolution is None:
        resolution = suggest_resolution(opened, **query).resolution
    table = counts(opened, by=f"h3:{resolution}", **query)
    return resolution, int((table["count"] > 0).sum()) + len(opened.boundaries("ward"))


def folium_peer_bytes(store: Path, resolution: int) -> tuple[int, int]:
    """Return (cells, bytes) of folium's default GeoJson page of the non-zero cells."""
    import folium
    import geopandas as gpd

    from layers import grid
    from layers.aggregate import counts
    from layers.store import Store

    table = counts(Store(store), by=f"h3:{resolution}")
    table = table[table["count"] > 0].reset_index(drop=True)
    cells = grid.str_to_cells(table["area_code"].to_numpy(dtype=object))
    shapes = gpd.GeoDataFrame(
        table.astype({"period": "str"}), geometry=grid.cell_polygons(cells).geometry.to_numpy()
    )
    shapes = shapes.set_crs(4326)
    m = folium.Map(location=[51.46, -2.59], zoom_start=12)
    folium.GeoJson(shapes).add_to(m)
    return len(table), len(m.get_root().render().encode())


# --- the server ----------------------------------------------------------------------------


@contextmanager
def server(home: Path, store: Path) -> Iterator[tuple[str, int]]:
    """Run the app (``tests/app/_browser.running_app``) on the store; yield its address and pid.

    The app signs people in from a new account store in ``home`` holding the test accounts;
    the benchmark signs in as the administrator (who sees everything in detail).
    """
    accounts = home / "accounts.sqlite3"
    if not accounts.exists():
        create_test_users(accounts)
    env = {"ATLAS_SECRET_FILE": str(home / "key"), "ATLAS_REJECTED_DIR": str(home / "rejected")}
    with running_app(store, log_name="bench-streamlit.log", env=env, accounts_file=accounts) as url:
        yield url, _pid_listening(int(urlparse(url).port or 0))


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (VmRSS, VmHWM) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _pid_listening(port: int) -> int:
    """Return the process id of the ``streamlit run`` serving ``port`` (from /proc)."""
    flag = f"{port}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in words and b"--server.port" in words and flag in words:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process serves port {port}")


def _env(home: Path, store: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ATLAS_STORE": str(store),
        "ATLAS_SECRET_FILE": str(home / "key"),
        "ATLAS_REJECTED_DIR": str(home / "rejected"),
    }


# --- the browser ---------------------------------------------------------------------------


@dataclass
class User:
    """One browser profile (a context: its own HTTP cache) that refuses non-local requests."""

    context: BrowserContext
    blocked: list[str] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)  # websocket messages received, bytes
    forms: list[float] = field(default_factory=list)  # seconds from address to sign-in form

    def close(self) -> None:
        """Close the profile, saying what it refused to fetch (nothing, when all is well)."""
        if self.blocked:
            print(f"  (refused {len(self.blocked)} non-local requests: {self.blocked[:3]})")
        self.context.close()


def new_user(browser: Browser) -> User:
    """Open a browser profile with an empty cache that refuses every non-local request."""
    user = User(browser.new_context(viewport={"width": 1400, "height": 1000}))
    refuse_non_local(user.context, user.blocked)
    return user


def map_state(page: Page) -> list[tuple[int, str]]:
    """Return (shapes drawn, legends' text) of every map on the page."""
    states = []
    for handle in page.query_selector_all(MAP_FRAME):
        frame = handle.content_frame()
        if frame is None:
            continue
        try:
            shapes, legends = frame.evaluate(_STATE)
        except Exception:  # a map being replaced mid-evaluation
            continue
        states.append((int(shapes), str(legends)))
    return states


def wait_map(page: Page, done: Callable[[int, str], bool]) -> float:
    """Poll every 50 ms until one map on the page satisfies ``done``; return the time."""
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        if any(done(shapes, legends) for shapes, legends in map_state(page)):
            return time.perf_counter()
        time.sleep(0.05)
    raise TimeoutError(f"the map did not reach the expected state: {map_state(page)}")


def open_map(user: User, url: str, shapes: int) -> tuple[Page, float]:
    """Open the page in a new tab and sign in; return it and the seconds until the hexagons show.

    Every page load is a new session, so every visit signs in. The time runs from the click
    on "Sign in" (filling the form included, about 0.1 s) to the hexagons drawn; the time
    to the sign-in form is kept in ``user.forms``.
    """
    page = user.context.new_page()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda d: user.frames.append(len(d))))
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.get_by_test_id("stForm").get_by_label("User name").wait_for(timeout=TIMEOUT_S * 1000)
    user.forms.append(time.perf_counter() - start)
    signed = time.perf_counter()
    submit_sign_in(page, "admin", PASSWORDS["admin"])
    end = wait_map(page, lambda n, _: n >= shapes)
    return page, end - signed


def change_filter(page: Page, change: Change) -> float:
    """Make a sidebar change; return the seconds from its last input to the map showing it."""
    deadline = time.perf_counter() + TIMEOUT_S
    while len(map_state(page)) != 1 and time.perf_counter() < deadline:  # the old map leaves
        time.sleep(0.05)
    _idle(page)
    ((_, before),) = map_state(page)
    commit = change.prepare(page)  # untimed: open the list, focus the slider
    start = time.perf_counter()
    commit()
    end = wait_map(page, lambda n, legends: change.done(n, legends, before))
    return end - start


def _idle(page: Page) -> None:
    """Wait until no script run is going on (for half a second), so widgets stay put."""
    quiet_since = time.perf_counter()
    deadline = quiet_since + TIMEOUT_S
    while time.perf_counter() - quiet_since < 0.5 and time.perf_counter() < deadline:
        if page.query_selector(RUNNING) is not None:
            quiet_since = time.perf_counter()
        time.sleep(0.05)


Prepared = Callable[[], None]


def _select(label: str, option: str) -> Callable[[Page], Prepared]:
    def prepare(page: Page) -> Prepared:
        choice = page.get_by_role("option", name=option)
        for attempt in range(5):  # a click during a rerun may not open the list
            page.get_by_role("combobox", name=label, exact=True).click()
            try:
                choice.wait_for(timeout=2_000)
                break
            except PlaywrightError:
                page.keyboard.press("Escape")
                if attempt == 4:
                    raise
        return choice.click

    return prepare


def _add(widget: str, option: str) -> Callable[[Page], Prepared]:
    def prepare(page: Page) -> Prepared:
        choice = page.get_by_role("option", name=option, exact=True)
        for attempt in range(5):  # a click or a key may only focus the box
            page.get_by_role("combobox", name=widget, exact=True).focus()
            page.keyboard.press("ArrowDown")
            try:
                choice.wait_for(timeout=2_000)
                break
            except PlaywrightError:
                if attempt == 4:
                    raise

        def commit() -> None:
            choice.click()
            page.keyboard.press("Escape")

        return commit

    return prepare


def _last_month_back(page: Page) -> Prepared:
    page.get_by_role("slider").last.focus()
    return lambda: page.keyboard.press("ArrowLeft")


# --- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A sidebar change: its input, and how many shapes (or which legend) the map then shows."""

    name: str
    prepare: Callable[[Page], Prepared]
    shapes: int | None = None  # None: wait for the legend instead
    legend: str = ""

    def done(self, shapes: int, legends: str, before: str) -> bool:
        """Whether the map shows this change (a new legend and the shapes expected)."""
        if self.shapes is None:
            return self.legend in legends
        return shapes == self.shapes and legends != before


def changes(store: Path) -> list[Change]:
    """Return the sidebar changes measured, in order, with their maps counted independently."""
    months = _months(store)
    shorter = {"date_from": months[0], "date_to": months[-2]}
    both = {**shorter, "kinds": ("incidents", "knife")}
    return [
        Change("months: one month fewer", _last_month_back, expected_shapes(store, **shorter)[1]),
        Change("layers: knife injuries added", _add("Layers", "Knife injuries (hospital)"),
               expected_shapes(store, **both)[1]),
        Change("spatial unit: H3 resolution 8",
               _select("Spatial unit", "Hexagons, H3 resolution 8"),
               expected_shapes(store, resolution=8, **both)[1]),
        Change("more map layers: density (KDE) added",
               _add("More map layers", "Density of events (KDE)"),
               legend="Density of events (KDE)"),
    ]  # fmt: skip


def run(store: Path, home: Path) -> None:
    """Measure everything against a built store and print the figures as they come."""
    resolution, shapes = expected_shapes(store)
    steps = changes(store)
    print(f"automatic resolution {resolution}: {shapes:,} shapes (non-zero hexagons + wards)")
    print(f"load average {_load()}; warm figures are medians of {REPEATS}")
    cold = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for start in (1, 2):
                with server(home, store) as (url, pid):
                    print(f"server start {start} (RSS {memory_mb(pid)[0]:,.0f} MB):")
                    payload, seconds, warm = _opening(browser, url, shapes)
                    cold.append(seconds)
                    if start == 1:
                        _filters(browser, url, shapes, steps)
                        _payloads(browser, url, store, resolution, payload)
                        _memory(browser, url, pid, shapes)
        finally:
            browser.close()
    print("first load without the server's caches (a fresh server) and with them (a new browser):")
    print(f"  without: {' s, '.join(f'{s:.2f}' for s in cold)} s; with: {warm:.2f} s (median)")
    print(f"load average at the end: {_load()}")


def _opening(browser: Browser, url: str, shapes: int) -> tuple[int, float, float]:
    """Open the page: first visit, second visits, new browsers; return payload and times."""
    first = new_user(browser)
    page, cold = open_map(first, url, shapes)
    payload = max(first.frames)
    again, fresh = [], []
    for _ in range(REPEATS):
        page.close()
        page, seconds = open_map(first, url, shapes)
        again.append(seconds)
        other = new_user(browser)
        fresh.append(open_map(other, url, shapes)[1])
        other.close()
    form = first.forms[0]
    first.close()
    _line("sign-in form shown: first visit after server start (cold)", form, 3.0)
    _line("sign in to map shown: first visit after server start (cold)", cold, 3.0)
    _line("sign in to map shown: second visit, same browser (warm)", statistics.median(again), 3.0)
    warm = statistics.median(fresh)
    _line("sign in to map shown: a new browser, server caches warm", warm, 3.0)
    return payload, cold, warm


def _filters(browser: Browser, url: str, shapes: int, steps: list[Change]) -> None:
    first = new_user(browser)
    page, _ = open_map(first, url, shapes)
    for step in steps:
        _line(f"change, {step.name}: first time", change_filter(page, step), 1.5)
    first.close()
    times: dict[str, list[float]] = {step.name: [] for step in steps}
    for _ in range(REPEATS):
        user = new_user(browser)
        page, _ = open_map(user, url, shapes)
        for step in steps:
            times[step.name].append(change_filter(page, step))
        user.close()
    for step in steps:
        _line(f"change, {step.name}: again (cached)", statistics.median(times[step.name]), 1.5)


def _payloads(browser: Browser, url: str, store: Path, resolution: int, auto: int) -> None:
    sizes = {resolution: auto}
    for res in (9, 10):
        if res not in sizes:
            user = new_user(browser)
            _, expected = expected_shapes(store, resolution=res)
            _, seconds = open_map(user, f"{url}?areas={res}", expected)
            sizes[res] = max(user.frames)
            _line(f"open ?areas={res} (a new browser; not cached)", seconds, 3.0)
            user.close()
    print("map payload (largest websocket message of a page load) vs folium.GeoJson page:")
    for res in sorted(sizes):
        cells, peer = folium_peer_bytes(store, res)
        auto_note = " (automatic)" if res == resolution else ""
        verdict = "meets" if sizes[res] < 3e6 else "MISSES"
        print(
            f"  H3 {res}{auto_note}, {cells:,} cells: project {sizes[res] / 1e6:5.2f} MB "
            f"({verdict} < 3 MB); folium.GeoJson {peer / 1e6:5.2f} MB; "
            f"ratio {peer / sizes[res]:.1f}x"
        )


def _memory(browser: Browser, url: str, pid: int, shapes: int) -> None:
    users = [new_user(browser) for _ in range(5)]
    pages = [user.context.new_page() for user in users]
    for page in pages:
        page.goto(url, wait_until="commit")
    for page in pages:
        submit_sign_in(page, "admin", PASSWORDS["admin"])
    for page in pages:
        wait_map(page, lambda n, _: n >= shapes)
    rss, hwm = memory_mb(pid)
    print(f"  server memory, 5 sessions open: RSS {rss:,.0f} MB, peak (VmHWM) {hwm:,.0f} MB")
    for user in users:
        user.close()


def _line(what: str, seconds: float, target: float) -> None:
    verdict = "meets" if seconds < target else "MISSES"
    print(f"  {what:62s} {seconds:6.2f} s  ({verdict} < {target:g} s)", flush=True)


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def _months(store: Path) -> list[str]:
    import pandas as pd

    from layers.store import Store

    span = Store(store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="demo volume multiplier")
    parser.add_argument("--store", type=Path, default=None, help="use this store, do not build")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        home = Path(tmp)
        store = args.store
        if store is None:
            store, seconds = build_store(home, args.scale)
            print(f"built the demo store (scale {args.scale:g}) in {seconds:.1f} s")
        from layers.store import Store

        layers = Store(store).status()["layers"]
        rows = ", ".join(f"{k} {v['rows']:,}" for k, v in layers.items() if v["rows"])
        print(f"store: {rows}; {layers['incidents']['from']} to {layers['incidents']['to']}")
        run(store, home)
    print(f"benchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
