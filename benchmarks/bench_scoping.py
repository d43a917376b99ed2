"""The cost of scoping and disclosure control on the map page, 1,000,000 incidents.

The map page's data path for its default view (police incidents, the whole city, the
last 12 months): the automatic H3 resolution, the counts by cell at that resolution and
the counts by ward (what ``app_pages._map_data`` and ``app_pages.area_counts`` ask for).
Sides, each in its own process on the same store:

- ``direct``: ``layers.queries.suggest_resolution`` and ``layers.aggregate.counts``
  called directly, as the page did before issue 6 (every query opens its connection);
- ``admin``: the same view through ``assessments.scoped`` as an administrator;
- ``locality``: as a locality officer for North (hexagons clipped to North, wards of the
  other localities under disclosure control with secondary suppression);
- ``engagement``: as a community engagement officer (every ward under disclosure
  control; no hexagons: the page shows wards only);
- ``*-bare``: what each scoped side computes, with the same ``layers`` calls and the
  same connections (one per call, as ``scoped`` pins one per call) but no scope check
  and no disclosure control: the ratio ``scoped / bare`` is the cost of the two.

Times: one process warms every side up, then runs them all in turn ``REPEATS`` times
(interleaved, so that a busy machine slows every side alike) and keeps each side's
median; this runs in ``ROUNDS`` processes and the better median is printed. Peak
memory: each side once in a process of its own. Target (issue 6): scoping and disclosure
control make the page under 10% slower. The store is the demo store at scale 18.2
(about 1,000,000 incidents), built with the command line unless ``--store PATH`` names
one. Usage: ``python benchmarks/bench_scoping.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._measure import child, run_side  # noqa: E402

SCALE = 18.2  # about 1,000,000 incidents
REPEATS = 9
ROUNDS = 2
SIDES = (
    "direct",
    "admin",
    "admin-bare",
    "locality",
    "locality-bare",
    "engagement",
    "engagement-bare",
)
KINDS = ("incidents",)


def _view(store: Any) -> dict[str, Any]:
    import pandas as pd

    last = pd.Period(store.date_range(KINDS)[1], freq="M")
    return {"kinds": KINDS, "date_from": str(last - 11), "date_to": str(last)}


def _direct(store: Any, view: dict[str, Any]) -> str:
    from layers.aggregate import counts
    from layers.queries import suggest_resolution

    resolution = suggest_resolution(store, **view).resolution
    cells = counts(store, by=f"h3:{resolution}", **view)
    wards = counts(store, by="ward", **view)
    return f"h3:{resolution}, {len(cells):,} cells, {len(wards)} wards"


def _bare(store: Any, view: dict[str, Any], within: str | None, cells: bool) -> str:
    """Make the layers calls a scoped side makes, each on its own pinned connection."""
    from assessments._snapshot import snapshot
    from layers.aggregate import counts
    from layers.queries import suggest_resolution

    described = ""
    if cells:
        with snapshot(store) as snap:
            resolution = suggest_resolution(snap, within=within, **view).resolution
        with snapshot(store) as snap:
            table = counts(snap, by=f"h3:{resolution}", within=within, **view)
        described = f"h3:{resolution}, {len(table):,} cells, "
    with snapshot(store) as snap:
        wards = counts(snap, by="ward", **view)
    return f"{described}{len(wards)} wards"


def _scoped(store: Any, view: dict[str, Any], user: Any) -> str:
    from assessments import scoped

    described = ""
    if user.has_detail:
        resolution = scoped.suggest_resolution(store, user, **view).resolution
        cells = scoped.counts(store, user, by=f"h3:{resolution}", **view)
        described = f"h3:{resolution}, {len(cells):,} cells, "
    wards = scoped.counts(store, user, by="ward", **view)
    return f"{described}{len(wards)} wards, {wards.attrs['hidden']} ward figures hidden"


def _work(side: str, path: Path) -> Callable[[], str]:
    from layers.access import Role, User
    from layers.store import Store

    store = Store(path)
    view = _view(store)
    users = {
        "admin": User("admin", Role.ADMIN),
        "locality": User("north", Role.LOCALITY, locality="North"),
        "engagement": User("engage", Role.ENGAGEMENT),
    }
    bare = {
        "admin": (None, True),
        "locality": ("locality:North", True),
        "engagement": (None, False),
    }
    if side == "direct":
        return lambda: _direct(store, view)
    if side.endswith("-bare"):
        within, cells = bare[side.removesuffix("-bare")]
        return lambda: _bare(store, view, within, cells)
    return lambda: _scoped(store, view, users[side])


def _side(side: str, path: Path) -> None:
    """Run one side once (a child process of its own): its answer and peak memory."""
    work = _work(side, path)
    child(side, work)


def _timings(path: Path) -> None:
    """Time every side in one process, interleaved, so that a busy machine slows all alike."""
    works = {side: _work(side, path) for side in SIDES}
    for work in works.values():
        work()  # warm-up: imports, DuckDB's first read of the file
    seconds: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(REPEATS):
        for side, work in works.items():
            start = time.perf_counter()
            work()
            seconds[side].append(time.perf_counter() - start)
    print(json.dumps({side: statistics.median(times) for side, times in seconds.items()}))


def _build(home: Path) -> Path:
    store = home / "atlas.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ATLAS_SECRET_FILE": str(home / "key"),
        "ATLAS_REJECTED_DIR": str(home / "rejected"),
    }
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "layers", "demo", "--store", str(store), "--scale", str(SCALE)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    print(f"demo store at scale {SCALE} built in {time.perf_counter() - start:.0f} s")
    return store


def _compare(path: Path) -> None:
    from layers.store import Store

    rows = Store(path).query("SELECT count(*) FROM incidents").iloc[0, 0]
    print(f"store: {rows:,} incidents; view: {_view(Store(path))}")
    sides = {side: run_side(__file__, side, "--store", str(path)) for side in SIDES}
    rounds = [run_side(__file__, "timing", "--store", str(path)) for _ in range(ROUNDS)]
    for side, result in sides.items():
        result["seconds"] = min(r[side] for r in rounds)
    _report(sides)


def _report(best: dict[str, dict[str, Any]]) -> None:
    base = best["direct"]["seconds"]
    print("map page data path (suggest resolution + counts by cell + counts by ward)")
    print(f"  (median of {REPEATS} interleaved runs, the better of {ROUNDS} processes)")
    for side in SIDES:
        result = best[side]
        twin = best.get(f"{side}-bare")
        cost = f"  x{result['seconds'] / twin['seconds']:5.2f} of its bare twin" if twin else ""
        print(
            f"  {side:15s} {result['seconds'] * 1000:7.1f} ms  x{result['seconds'] / base:5.2f} "
            f"of direct{cost}  peak {result['peak_mb']:4.0f} MB  {result['detail']}"
        )
    scoped = ("admin", "locality", "engagement")
    slowest = max(best[s]["seconds"] for s in scoped) / base
    extra = {s: best[s]["seconds"] - best[f"{s}-bare"]["seconds"] for s in scoped}
    worst = max(best[s]["seconds"] / best[f"{s}-bare"]["seconds"] for s in scoped)
    print(
        f"  against the page before issue 6 the slowest role takes x{slowest:.2f} (target: at "
        f"most x1.10): {'met' if slowest <= 1.10 else 'NOT met'}"
    )
    print(
        "  scoping + disclosure control alone (against the bare twins): "
        + ", ".join(f"{s} {ms * 1000:+.1f} ms" for s, ms in extra.items())
        + f"; at most x{worst:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=[*SIDES, "timing"])
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    if args.side == "timing":
        _timings(args.store)
        return
    if args.side is not None:
        _side(args.side, args.store)
        return
    if args.store is not None:
        _compare(args.store)
        return
    with tempfile.TemporaryDirectory() as folder:
        _compare(_build(Path(folder)))


if __name__ == "__main__":
    main()
