"""Ward of 1,000,000 police.uk-style points: assign_areas vs geopandas.sjoin.

Project: layers.boundaries.assign_areas (distinct points only, an STRtree of the points
queried with each ward polygon, scattered back). Peer: the plain geopandas way, points
from lon / lat, then geopandas.sjoin(predicate="within"), timed end to end from the
same lon / lat arrays. Wards: the real 2016 Bristol wards from ../shared (or the shipped
demo wards when it is absent). Each side runs in its own process; peak memory is its
peak RSS.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child
from benchmarks._points import ROOT, compare_on_points, load_points

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
    compare_on_points(
        __file__,
        __doc__.splitlines()[0],
        (_project, _peer),
        title="Ward of each point",
        peer_name="geopandas.sjoin",
        same="wards",
        note=lambda: f"areas: {_wards()[1]}",
    )


if __name__ == "__main__":
    main()
