"""Ward of 1,000,000 police.uk-style points: assign_areas vs geopandas.sjoin.

Project: layers.boundaries.assign_areas (distinct points only, an STRtree of the points
queried with each ward polygon, scattered back). Peer: the plain geopandas way, points
from lon / lat, then geopandas.sjoin(predicate="within"), timed end to end from the
same lon / lat arrays. Wards: the real 2016 Bristol wards from ../shared (or the shipped
demo wards when it is absent). Each side runs in its own process; peak memory is its
peak RSS.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side
from benchmarks._points import ROOT, load_points, saved_points

REAL_WARDS = ROOT.parent / "shared/data/boundaries/bristol_wards_2016_34wards_bcc.geojson"


def _wards() -> tuple[gpd.GeoDataFrame, str]:
    from layers.boundaries import demo_wards, read_boundaries

    if REAL_WARDS.is_file():
        mapping = {"ward_id": "code", "ward_name": "name"}
        return read_boundaries(REAL_WARDS, mapping=mapping), "real 2016 wards"
    return demo_wards(), "DEMO wards (real ward file not found)"


def _summary(codes: object) -> str:
    import hashlib

    import pandas as pd

    series = pd.Series(codes, dtype="str")
    counts = series.value_counts(dropna=False).sort_index()
    digest = hashlib.sha256(repr(list(counts.items())).encode()).hexdigest()[:12]
    return f"{int(series.notna().sum()):,} in a ward, counts digest {digest}"


def _project(points: Path) -> None:
    from layers.boundaries import assign_areas

    lon, lat = load_points(points)
    wards, _ = _wards()
    child("project", lambda: _summary(assign_areas(lon, lat, wards)))


def _peer(points: Path) -> None:
    lon, lat = load_points(points)
    wards, _ = _wards()

    def work() -> str:
        frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        areas = wards[["code", "geometry"]]
        joined = gpd.sjoin(frame, areas, predicate="within", how="left")
        return _summary(joined["code"].to_numpy())

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--points", type=Path)
    args = parser.parse_args()
    if args.side == "project":
        return _project(args.points)
    if args.side == "peer":
        return _peer(args.points)
    with tempfile.TemporaryDirectory() as folder:
        points, note = saved_points(Path(folder))
        print(f"{note}; areas: {_wards()[1]}")
        project = run_side(__file__, "project", "--points", str(points))
        peer = run_side(__file__, "peer", "--points", str(points))
    report("Ward of each point", project, peer, "geopandas.sjoin")
    print(f"  same wards: {project['detail'] == peer['detail']}")


if __name__ == "__main__":
    main()
