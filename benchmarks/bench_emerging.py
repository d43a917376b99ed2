"""Emerging hot spots, 10,000 H3 cells x 48 months: hotspots.emerging vs esda + pymannkendall.

Data: the 10,000 H3 resolution-9 cells nearest central Bristol (h3.grid_disk around
51.4545 N, 2.5879 W), Poisson counts (mean 1, seed 1) with two planted disks of radius 3:
a persistent hot spot (+3 every month) and an emerging one (+4 in the last 6 months).

Project: ``emerging_hotspots(cube)`` end to end with the cube given (checks, k = 1 ring
and one-step time window weights, space-time Gi* over 480,000 bins, FDR per month,
Mann-Kendall of every cell's z-scores and counts, Sen's slope of the counts, the 17
classes, the frame). Target < 10 s; the median of 3 runs.

Peer: there is no Python Emerging Hot Spot Analysis, so its two statistical parts are
timed: (a) esda ``G_Local(y, w, transform="B", star=True, permutations=0)`` over the same
space-time weights on the first 12 of the 48 months (120,000 bins; the libpysal ``W`` is
built from a neighbour list, timed apart), scaled x4 to 48 months, its z-scores checked
against ``space_time_gi_star`` on the same 12 months; (b) ``pymannkendall.original_test``
on each cell's z-score and count series (20,000 tests). Peer time = 4 x (a) + (b); the
classification itself is not in it. Each side runs in its own process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side

CENTRE = (51.4545, -2.5879)
RESOLUTION = 9
CELLS = 10_000
MONTHS = 48
PEER_MONTHS = 12


def _cube(months: int = MONTHS) -> tuple[Any, dict[str, int]]:
    import h3.api.basic_int as h3i
    import numpy as np

    from hotspots.emerging import SpaceTimeCube

    centre = h3i.latlng_to_cell(*CENTRE, RESOLUTION)
    disk = np.array(h3i.grid_disk(centre, 58), dtype=np.uint64)
    distance = np.array([h3i.grid_distance(centre, int(c)) for c in disk])
    cells = np.sort(disk[np.argsort(distance, kind="stable")[:CELLS]])
    counts = np.random.default_rng(1).poisson(1.0, (cells.size, MONTHS))
    sites = {"persistent": h3i.grid_ring(centre, 20)[0], "emerging": h3i.grid_ring(centre, 30)[5]}
    counts[np.isin(cells, h3i.grid_disk(sites["persistent"], 3))] += 3
    counts[np.isin(cells, h3i.grid_disk(sites["emerging"], 3)), -6:] += 4
    steps = [f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    cube = SpaceTimeCube(counts[:, :months], cells, steps, "month", RESOLUTION)
    return cube, sites


def _project() -> None:
    import h3

    from hotspots.emerging import emerging_hotspots

    cube, sites = _cube()

    def work() -> tuple[float, str]:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            result = emerging_hotspots(cube)
            times.append(time.perf_counter() - start)
        found = {n: result.loc[h3.int_to_str(c), "pattern"] for n, c in sites.items()}
        hot = int(result["pattern"].str.endswith("Hot Spot").sum())
        return statistics.median(times), f"{found}; {hot:,} hot-class cells (median of 3)"

    child("project", work)


def _space_time_w(cube: Any) -> Any:
    import h3.api.basic_int as h3i
    import libpysal

    index = {int(c): i for i, c in enumerate(cube.cells)}
    ring = [[index[d] for d in h3i.grid_disk(int(c), 1) if d in index] for c in cube.cells]
    n = cube.cells.size
    neighbours = {
        t * n + i: [s * n + j for s in range(max(t - 1, 0), t + 1) for j in ring[i]]
        for t in range(len(cube.steps))
        for i in range(n)
    }
    weights = {node: [1.0] * len(js) for node, js in neighbours.items()}
    return libpysal.weights.W(neighbours, weights, silence_warnings=True)


def _peer() -> None:
    import esda
    import numpy as np
    import pymannkendall as pmk

    from hotspots.emerging import space_time_gi_star

    cube, _ = _cube(PEER_MONTHS)
    full, _ = _cube()

    def work() -> tuple[float, str]:
        start = time.perf_counter()
        w = _space_time_w(cube)
        built = time.perf_counter() - start
        y = cube.counts.T.ravel().astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            gi = esda.G_Local(y, w, transform="B", star=True, permutations=0)
            scored = time.perf_counter() - start
        ours = space_time_gi_star(cube)["gi_z"].to_numpy().reshape(cube.cells.size, -1).T.ravel()
        gap = float(np.max(np.abs(ours - gi.Zs)))
        z_series = np.tile(gi.Zs.reshape(PEER_MONTHS, -1).T, (1, MONTHS // PEER_MONTHS))
        start = time.perf_counter()
        for row in range(full.cells.size):
            pmk.original_test(z_series[row])
            pmk.original_test(full.counts[row])
        trends = time.perf_counter() - start
        total = 4 * (built + scored) + trends
        detail = (
            f"W {built:.1f} s + G_Local {scored:.1f} s on {PEER_MONTHS} months (x4), "
            f"pymannkendall {trends:.1f} s; max |z - esda| {gap:.1e}"
        )
        return total, detail

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["project", "peer"])
    side = parser.parse_args().side
    if side == "project":
        _project()
    elif side == "peer":
        _peer()
    else:
        print(__doc__.splitlines()[0])
        project = run_side(__file__, "project")
        peer = run_side(__file__, "peer")
        report(
            f"Emerging hot spots, {CELLS:,} cells x {MONTHS} months",
            project,
            peer,
            "esda + pymannkendall",
        )


if __name__ == "__main__":
    main()
