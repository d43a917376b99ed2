"""Getis-Ord Gi* on H3 cells: hotspots.gistar.gi_star vs esda.G_Local (binary, star=True).

Data: a contiguous hexagonal patch of H3 resolution-12 cells in central Bristol
(h3.grid_disk around 51.4545 N, 2.5879 W), Poisson counts (mean 0.5, seed 1) plus a
planted cluster (+3 on a disk of radius 10 cells, offset from the centre).

(1) analytical: 99,919 cells, k = 1, no permutations. Project: ``gi_star(counts)``,
    everything included (checks, k-ring neighbours from h3, weights, z, p, FDR bins).
    Target < 1 s. Peer: esda ``G_Local(y, w, transform="B", star=True,
    permutations=0)``; its cost includes building the same neighbour dict with
    h3.grid_disk (self included, restricted to the patch) and the libpysal ``W`` from
    it, each part printed.
(2) permutations: 9,919 cells, 999 conditional permutations. Project: ``gi_star(counts,
    permutations=999, seed=1)`` (single thread, numpy). Peer: ``G_Local(...,
    permutations=999, seed=1)`` with numba, once with ``n_jobs=1`` and once with all
    cores (``n_jobs=-1``); the W is built before the clock starts, and both sides run a
    small warm-up first so that numba's compilation is not timed.

Each side runs in its own process; peak memory is its peak RSS (data included).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side

RESOLUTION = 12
CENTRE = (51.4545, -2.5879)
RADIUS = {"analytical": 182, "permutations": 57}  # 99,919 and 9,919 cells
PERMUTATIONS = 999


def _counts(radius: int) -> Any:
    import h3.api.basic_int as h3i
    import numpy as np
    import pandas as pd

    centre = h3i.latlng_to_cell(*CENTRE, RESOLUTION)
    cells = np.array(sorted(h3i.grid_disk(centre, radius)), dtype=np.uint64)
    counts = np.random.default_rng(1).poisson(0.5, cells.size)
    cluster = h3i.grid_disk(h3i.grid_ring(centre, radius // 3)[0], 10)
    counts[np.isin(cells, cluster)] += 3
    return pd.Series(counts, index=cells)


def _neighbour_dict(cells: list[int]) -> dict[int, list[int]]:
    import h3.api.basic_int as h3i

    inside = set(cells)
    return {c: [d for d in h3i.grid_disk(c, 1) if d in inside] for c in cells}


def _summary(z: Any, p_sim: Any = None) -> str:
    import numpy as np

    text = f"{len(z):,} cells, sum z {np.sum(z):.6f}, max z {np.max(z):.4f}"
    if p_sim is not None:
        text += f", mean p_sim {np.nanmean(p_sim):.4f}, p_sim<=0.01: {np.sum(p_sim <= 0.01)}"
    return text


def _project(case: str) -> None:
    from hotspots.gistar import gi_star

    counts = _counts(RADIUS[case])
    permutations = PERMUTATIONS if case == "permutations" else 0
    gi_star(_counts(8), permutations=permutations, seed=1)  # warm-up

    def work() -> tuple[float, str]:
        start = time.perf_counter()
        out = gi_star(counts, permutations=permutations, seed=1)
        seconds = time.perf_counter() - start
        hot = int((out["gi_bin"] == 3).sum())
        p_sim = out["gi_p_sim"].to_numpy() if permutations else None
        return seconds, f"{_summary(out['gi_z'].to_numpy(), p_sim)}, bin 3: {hot}"

    child("project", work)


def _peer(case: str, n_jobs: int) -> None:
    import libpysal
    from esda.getisord import G_Local

    warnings.simplefilter("ignore")
    counts = _counts(RADIUS[case])
    y = counts.to_numpy().astype(float)
    permutations = PERMUTATIONS if case == "permutations" else 0
    small = _counts(8)
    w_small = libpysal.weights.W(_neighbour_dict(small.index.tolist()), silence_warnings=True)
    G_Local(small.to_numpy(float), w_small, "B", permutations, True, n_jobs=n_jobs, seed=1)

    def work() -> tuple[float, str]:
        start = time.perf_counter()
        neighbours = _neighbour_dict(counts.index.tolist())
        built = time.perf_counter()
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        weighted = time.perf_counter()
        g = G_Local(y, w, "B", permutations, True, n_jobs=n_jobs, seed=1)
        done = time.perf_counter()
        p_sim = g.p_sim if permutations else None
        parts = (
            f"dict {built - start:.2f} s + W {weighted - built:.2f} s"
            f" + G_Local {done - weighted:.2f} s"
        )
        total = done - start if case == "analytical" else done - weighted
        return total, f"{_summary(g.Zs, p_sim)}; {parts}"

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--case", choices=list(RADIUS), default="analytical")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    if args.side == "project":
        _project(args.case)
        return
    if args.side == "peer":
        _peer(args.case, args.jobs)
        return
    print(__doc__.splitlines()[0])
    project = run_side(__file__, "project", "--case", "analytical")
    peer = run_side(__file__, "peer", "--case", "analytical")
    report("(1) analytical Gi*, 99,919 res-12 cells, k=1", project, peer, "esda (dict+W+G)")
    print(f"  target < 1 s: {'met' if project['seconds'] < 1 else 'NOT met'}")
    project = run_side(__file__, "project", "--case", "permutations")
    for jobs, name in ((1, "esda n_jobs=1"), (-1, "esda n_jobs=-1")):
        peer = run_side(__file__, "peer", "--case", "permutations", "--jobs", str(jobs))
        report(f"(2) 999 permutations, 9,919 cells ({name})", project, peer, name)


if __name__ == "__main__":
    main()
