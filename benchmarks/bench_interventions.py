"""Evaluation of 50 interventions on the demo store at scale 1 (about 50,000 incidents).

Project: assessments.interventions.evaluate_interventions on 50 random interventions
held in memory (half points, half rectangles of 100-400 m, starts in the middle two
years): events are read once, each site is counted from them, the statistics are
vectorised. Peer: the plain way, one site at a time: geopandas.sjoin of the event
points with the treated area and the ring, and layers.aggregate.counts by H3 cell for
each site's windows to match the similar areas. Target: under 10 s for the project.
Each side runs in its own process; the store is built once beforehand.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side

SITES = 50
SCALE = 1.0
SEED = 7
REPEATS = 3


def _sites(store_path: Path) -> gpd.GeoDataFrame:
    """Return 50 random interventions (GeoDataFrame) placed where incidents are."""
    import numpy as np
    import pandas as pd
    import shapely

    from layers.store import Store

    store = Store(store_path)
    points = store.query("SELECT DISTINCT lon, lat FROM incidents WHERE lon IS NOT NULL")
    rng = np.random.default_rng(SEED)
    pick = rng.choice(len(points), SITES, replace=False)
    lon, lat = points["lon"].to_numpy()[pick], points["lat"].to_numpy()[pick]
    half = rng.uniform(50, 200, SITES) / 111_000  # about 100-400 m across
    shapes = [
        shapely.Point(x, y) if i % 2 else shapely.box(x - h * 1.6, y - h, x + h * 1.6, y + h)
        for i, (x, y, h) in enumerate(zip(lon, lat, half, strict=True))
    ]
    span = store.date_range()
    assert span is not None
    months = pd.period_range(span[0], span[1], freq="M")
    starts = [months[i].start_time for i in rng.integers(12, len(months) - 11, SITES)]
    return gpd.GeoDataFrame(
        {
            "event_id": [f"bench-{i:02d}" for i in range(SITES)],
            "name": "bench",
            "start_date": starts,
        },
        geometry=shapes,
        crs="EPSG:4326",
    )


def _project(store_path: Path) -> None:
    from assessments.interventions import evaluate_interventions
    from layers.store import Store

    store, sites = Store(store_path), _sites(store_path)

    def work() -> tuple[float, str]:
        times, table = [], None
        for _ in range(REPEATS):
            start = time.perf_counter()
            table = evaluate_interventions(store, sites)
            times.append(time.perf_counter() - start)
        assert table is not None
        done = table["status"].value_counts().to_dict()
        treated = int(table["treated_before"].sum() + table["treated_after"].sum())
        return statistics.median(times), (
            f"median of {REPEATS}, {len(table)} sites {done}, {treated:,} events in treated areas"
        )

    child("project", work)


def _peer(store_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from layers.aggregate import counts
    from layers.store import Store

    store, sites = Store(store_path), _sites(store_path)

    def one(site: pd.Series, events: gpd.GeoDataFrame) -> int:
        shape = gpd.GeoSeries([site.geometry], crs="EPSG:4326").to_crs("EPSG:27700").iloc[0]
        treated = shape.buffer(200) if shape.area == 0 else shape
        zones = gpd.GeoDataFrame(
            {"zone": ["treated", "ring"]},
            geometry=[treated, treated.buffer(400).difference(treated)],
            crs="EPSG:27700",
        )
        start = pd.Period(site.start_date, freq="M")
        inside = gpd.sjoin(events, zones, predicate="within")
        inside = inside[(inside["month"] >= start - 12) & (inside["month"] <= start + 11)]
        windows = {}
        for name, first in (("before", start - 12), ("after", start)):
            windows[name] = counts(store, by="h3:9", date_from=str(first), date_to=str(first + 11))
        level = (windows["before"]["count"] + windows["after"]["count"]) / 2
        before = int(inside[(inside["zone"] == "treated") & (inside["month"] < start)].shape[0])
        chosen = np.argsort(np.abs(level.to_numpy() - before), kind="stable")[:20]
        return int(windows["after"]["count"].to_numpy()[chosen].sum()) + len(inside)

    def work() -> str:
        rows = store.query("SELECT lon, lat, date FROM incidents WHERE lon IS NOT NULL")
        events = gpd.GeoDataFrame(
            {"month": pd.PeriodIndex(rows["date"], freq="M")},
            geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
            crs="EPSG:4326",
        ).to_crs("EPSG:27700")
        total = sum(one(site, events) for _, site in sites.iterrows())
        return f"{SITES} sites one at a time (checksum {total:,})"

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    if args.side == "project":
        _project(args.store)
        return
    if args.side == "peer":
        _peer(args.store)
        return
    with tempfile.TemporaryDirectory() as tmp:
        from layers.demo_store import build_demo_store
        from layers.settings import load_settings

        home = Path(tmp)
        settings = load_settings(
            store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
        )
        start = time.perf_counter()
        build_demo_store(settings, scale=SCALE)
        print(f"demo store at scale {SCALE:g} built in {time.perf_counter() - start:.1f} s")
        project = run_side(__file__, "project", "--store", str(settings.store))
        peer = run_side(__file__, "peer", "--store", str(settings.store))
    report(f"Evaluation of {SITES} interventions (target: under 10 s)", project, peer, "plain")
    verdict = "meets" if project["seconds"] < 10 else "MISSES"
    print(f"  {verdict} the 10 s target")


if __name__ == "__main__":
    main()
