"""Knox test of 5,000 events with 999 permutations: knox_test vs a naive O(n²) numpy loop.

Project: hotspots.nearrepeat.knox_test (pairs within the largest distance found once
with a k-d tree; each permutation is a gather and a bincount over those pairs). Peer: what
a user would write with numpy alone, as no Python library offers the Near Repeat
Calculator's test: the full distance matrix once, then for every permutation the full
matrix of time gaps and numpy.histogram2d over the n(n-1)/2 pairs. Events: 5,000
locations sampled from the real police.uk Bristol coordinates (shared snap points, in
British National Grid), with dates drawn uniformly over a year (police.uk gives months
only). Bands: 0 / 100 / 200 / 400 m x 0-7 / 8-14 / 15-28 days. Each side runs in its own
process and times the test alone (data loading excluded); peak memory is its peak RSS.

``--peer-permutations K`` runs the peer with K permutations only and scales its time to
999 (printed as such), for a quick look; the default runs all 999.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side
from benchmarks._points import million_points

EVENTS = 5_000
PERMUTATIONS = 999
DISTANCE = [0.0, 100.0, 200.0, 400.0]
TIME = [0, 7, 14, 28]


def _save(folder: Path) -> tuple[Path, str]:
    from pyproj import Transformer

    lon, lat, note = million_points(rows=EVENTS, seed=7)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    days = np.random.default_rng(8).integers(0, 365, EVENTS)
    path = folder / "events.npz"
    np.savez(path, x=x, y=y, days=days)
    return path, f"{EVENTS:,} events, locations {note}; dates uniform over 365 days"


def _load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.load(path) as data:
        return data["x"], data["y"], data["days"]


def _near_table(table: np.ndarray) -> str:
    """Write the observed counts of the near cells (within 400 m and 28 days) as text."""
    return " ".join(str(int(v)) for v in np.asarray(table).ravel())


def _project(path: Path, _: int) -> None:
    import pandas as pd

    from hotspots.nearrepeat import knox_test

    x, y, days = _load(path)
    events = pd.DataFrame(
        {"x": x, "y": y, "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(days, unit="D")}
    )

    def work() -> tuple[float, str]:
        start = time.perf_counter()
        table = knox_test(
            events, distance_bands=DISTANCE, time_bands=TIME, permutations=PERMUTATIONS, seed=1
        )
        seconds = time.perf_counter() - start
        near = table[np.isfinite(table["distance_to"]) & np.isfinite(table["time_to"])]
        pairs = table.attrs["pairs_within"]
        return seconds, f"near cells {_near_table(near['observed'])}; {pairs:,} pairs <= 400 m"

    child("project", work)


def _peer(path: Path, permutations: int) -> None:
    x, y, days = _load(path)

    def work() -> tuple[float, str]:
        start = time.perf_counter()
        n = len(x)
        upper = np.triu_indices(n, k=1)
        xy = np.column_stack([x, y])
        distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))[upper]
        d_bins = [0.0, 1e-9, 100.0, 200.0, 400.0]  # same location, then the three bands
        t_bins = [0.0, 7.5, 14.5, 28.5]  # whole days 0-7, 8-14, 15-28
        observed, _, _ = np.histogram2d(
            distance, np.abs(days[:, None] - days)[upper], [d_bins, t_bins]
        )
        setup = time.perf_counter() - start
        rng = np.random.default_rng(1)
        runs = []
        for _ in range(permutations):
            shuffled = days[rng.permutation(n)]
            gap = np.abs(shuffled[:, None] - shuffled[None, :])[upper]
            runs.append(np.histogram2d(distance, gap, [d_bins, t_bins])[0])
        loop = time.perf_counter() - start - setup
        seconds = setup + loop * PERMUTATIONS / permutations
        scaled = ""
        if permutations != PERMUTATIONS:
            ran = f"ran {permutations} permutations in {setup + loop:.1f} s"
            scaled = f" ({ran}, scaled to {PERMUTATIONS})"
        return seconds, f"near cells {_near_table(observed)}{scaled}"

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--events", type=Path)
    parser.add_argument("--peer-permutations", type=int, default=PERMUTATIONS)
    args = parser.parse_args()
    if args.side is not None:
        side = _project if args.side == "project" else _peer
        side(args.events, args.peer_permutations)
        return
    with tempfile.TemporaryDirectory() as folder:
        path, note = _save(Path(folder))
        print(note)
        extra = ["--events", str(path), "--peer-permutations", str(args.peer_permutations)]
        project = run_side(__file__, "project", *extra)
        peer = run_side(__file__, "peer", *extra)
    report(
        f"Knox test, {EVENTS:,} events x {PERMUTATIONS} permutations",
        project,
        peer,
        "naive numpy O(n²)",
    )
    same = project["detail"].split(";")[0] == peer["detail"].split(" (")[0]
    print(f"  same observed near cells: {same}")


if __name__ == "__main__":
    main()
