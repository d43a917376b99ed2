"""Counts by H3 cell x month for one layer over 12 months, from a 1,000,000-incident store.

The project's counts (one SQL query on the stored cells, zeros filled from the stored
coverage) against the pandas way: load the rows, h3.cell_to_parent, groupby, reindex.
Target: under 200 ms for the project (median of repeated runs, store already built).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side
from benchmarks._police_uk import police_uk_file

RESOLUTION = 9
FROM, TO = "2020-10", "2021-09"
REPEATS = 7


def _median_seconds(work: object) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _project(store_path: Path) -> None:
    from layers.aggregate import counts
    from layers.store import Store

    store = Store(store_path)

    def one() -> object:
        return counts(
            store,
            by=f"h3:{RESOLUTION}",
            kinds=["incidents"],
            period="month",
            date_from=FROM,
            date_to=TO,
        )

    def work() -> tuple[float, str]:
        seconds, table = _median_seconds(one)
        total = int(table["count"].sum())  # type: ignore[index]
        return seconds, f"median of {REPEATS}, {len(table):,} cell-months, {total:,} incidents"  # type: ignore[arg-type]

    child("project", work)


def _peer(store_path: Path) -> None:
    import h3
    import pandas as pd

    from layers.store import Store

    store = Store(store_path)

    def one() -> pd.DataFrame:
        rows = store.query(
            "SELECT h3_cell, date FROM incidents WHERE date >= ? AND date < ?",
            ["2020-10-01", "2021-10-01"],
        )
        cells = rows["h3_cell"].astype("uint64")
        parents = {
            c: h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), RESOLUTION))
            for c in cells.unique()
        }
        rows["cell"] = cells.map(parents)
        rows["month"] = rows["date"].dt.strftime("%Y-%m")
        counted = rows.groupby(["cell", "month"]).size()
        cover = store.query("SELECT h3_cell FROM coverage WHERE resolution = ?", [RESOLUTION])[
            "h3_cell"
        ]
        months = pd.period_range(FROM, TO, freq="M").strftime("%Y-%m")
        index = pd.MultiIndex.from_product(
            [cover.astype("uint64").unique(), months], names=["cell", "month"]
        )
        return counted.reindex(index.union(counted.index), fill_value=0).reset_index(name="count")

    def work() -> tuple[float, str]:
        seconds, table = _median_seconds(one)
        return seconds, f"median of {REPEATS}, {len(table):,} cell-months"  # type: ignore[arg-type]

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    if args.side == "project":
        _project(args.store)
        return
    if args.side == "peer":
        _peer(args.store)
        return
    from layers.ingest import import_files
    from layers.settings import load_settings

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv = police_uk_file(tmp / "police_uk_1m.csv", rows=1_000_000)
        settings = load_settings(store=tmp / "bench.duckdb", rejected_dir=tmp / "rejected")
        imported = import_files("incidents", [csv], settings=settings)
        print(f"store built: {imported.imported:,} incidents over 36 months")
        project = run_side(__file__, "project", "--store", str(settings.store))
        peer = run_side(__file__, "peer", "--store", str(settings.store))
        report(
            f"counts by H3 res {RESOLUTION} cell x month, one layer, {FROM} to {TO}",
            project,
            peer,
            "peer (pandas groupby)",
        )


if __name__ == "__main__":
    main()
