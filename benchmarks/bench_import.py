"""Import of a 1,000,000-row police.uk file end to end: the project against a plain pipeline.

The peer is what an analyst would otherwise write: pandas.read_csv, a loop over
h3.latlng_to_cell, geopandas.sjoin with the wards, and a DuckDB table from the frame.
Targets: under 20 s and under 2 GB peak memory for the project.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child, report, run_side
from benchmarks._police_uk import ROOT, police_uk_file

WARDS = ROOT.parent / "shared" / "data" / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson"


def _project(csv: Path, tmp: Path) -> None:
    from layers.ingest import import_boundaries, import_files
    from layers.settings import load_settings

    settings = load_settings(
        store=tmp / "project.duckdb", rejected_dir=tmp / "rejected", max_upload_mb=400
    )
    import_boundaries([WARDS], settings=settings, mapping={"ward_id": "code", "ward_name": "name"})

    def work() -> str:
        r = import_files("incidents", [csv], settings=settings)
        return f"{r.imported:,} imported, {r.rejected:,} rejected"

    child("project", work)


def _peer(csv: Path, tmp: Path) -> None:
    import duckdb
    import geopandas as gpd
    import h3
    import pandas as pd

    wards = gpd.read_file(WARDS)[["ward_id", "geometry"]]

    def work() -> str:
        frame = pd.read_csv(csv)
        frame = frame[frame["Longitude"].notna()]
        frame["h3_cell"] = [
            h3.latlng_to_cell(lat, lon, 11)
            for lon, lat in zip(frame["Longitude"], frame["Latitude"], strict=True)
        ]
        points = gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]), crs=4326
        )
        joined = pd.DataFrame(
            gpd.sjoin(points, wards, how="left", predicate="within").drop(columns="geometry")
        )
        con = duckdb.connect(str(tmp / "peer.duckdb"))
        con.execute("CREATE TABLE incidents AS SELECT * FROM joined")
        con.close()
        return f"{len(joined):,} rows"

    child("peer", work)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--tmp", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.side == "project":
        _project(args.csv, args.tmp)
        return
    if args.side == "peer":
        _peer(args.csv, args.tmp)
        return
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv = police_uk_file(tmp / "police_uk_1m.csv", rows=args.rows)
        print(
            f"made {args.rows:,} police.uk rows from the real Bristol file "
            f"({csv.stat().st_size / 1e6:.0f} MB)"
        )
        project = run_side(__file__, "project", "--csv", str(csv), "--tmp", str(tmp))
        peer = run_side(__file__, "peer", "--csv", str(csv), "--tmp", str(tmp))
        report(
            "import of a police.uk file, end to end (read, check, H3, wards, store)",
            project,
            peer,
            "peer (pandas + h3 loop + sjoin + duckdb)",
        )


if __name__ == "__main__":
    main()
