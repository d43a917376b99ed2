"""Build demo_wards_bristol_approx.geojson: Voronoi cells of approximate Bristol ward centres.

How the file is made (rerun with ``.venv/bin/python data/boundaries/make_demo_wards.py``):

1. Read the official 2016 ward file (Bristol City Council Open Data, OGL; see README.md)
   only for each ward's GSS code, name and centroid, the centroid rounded to 3 decimal
   degrees (about 100 m). Its polygons are not copied.
2. Build a coarse city outline: the union of the official wards in British National Grid,
   simplified with a 300 m tolerance, buffered by 250 m, holes filled, simplified again.
3. Cut the outline into Voronoi cells of the rounded centres (in British National Grid),
   one per ward, so each demo ward is the part of the outline nearer its centre than any
   other. Edges are therefore NOT the real ward edges.
4. Write WGS84 coordinates snapped to a 1e-5 degree grid (about 1 m), properties code and
   name, sorted by code.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
SOURCE = (
    HERE.parents[2] / "shared" / "data" / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson"
)
TARGET = HERE / "demo_wards_bristol_approx.geojson"
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
SIMPLIFY_M = 300.0
BUFFER_M = 250.0
GRID_DEG = 1e-5


def approximate_centres(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return each ward's code, name and centroid rounded to 3 decimals (WGS84)."""
    centroids = wards.geometry.to_crs(BNG).centroid.to_crs(WGS84)
    lon, lat = np.round(centroids.x.to_numpy(), 3), np.round(centroids.y.to_numpy(), 3)
    table = {"code": wards["ward_id"].to_numpy(), "name": wards["ward_name"].to_numpy()}
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def coarse_outline(wards: gpd.GeoDataFrame) -> shapely.Geometry:
    """Return a coarse outline of the city in British National Grid (no holes)."""
    union = shapely.union_all(wards.geometry.to_crs(BNG).to_numpy())
    rough = shapely.buffer(shapely.simplify(union, SIMPLIFY_M), BUFFER_M)
    filled = [shapely.Polygon(part.exterior) for part in shapely.get_parts(rough)]
    return shapely.simplify(shapely.union_all(filled), SIMPLIFY_M / 6)


def voronoi_wards(centres: gpd.GeoDataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Return one Voronoi cell per centre, clipped to the outline, in WGS84."""
    seeds = centres.geometry.to_crs(BNG).to_numpy()
    envelope = shapely.buffer(outline.envelope, 5_000.0)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(list(seeds)), extend_to=envelope)
    )
    owner = [int(np.flatnonzero(shapely.contains(cells, seed))[0]) for seed in seeds]
    clipped = shapely.intersection(cells[owner], outline)
    demo = gpd.GeoDataFrame(centres[["code", "name"]], geometry=clipped, crs=BNG).to_crs(WGS84)
    demo = demo.set_geometry(shapely.set_precision(demo.geometry.to_numpy(), GRID_DEG))
    return demo.sort_values("code", ignore_index=True)


def write_geojson(demo: gpd.GeoDataFrame, path: Path) -> None:
    """Write the wards as a compact GeoJSON FeatureCollection, one feature per line."""
    features = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {"code": row.code, "name": row.name},
                "geometry": _rounded(shapely.geometry.mapping(row.geometry)),
            },
            separators=(",", ":"),
        )
        for row in demo.itertuples()
    ]
    head = '{"type":"FeatureCollection","name":"demo_wards_bristol_approx","features":[\n'
    path.write_text(head + ",\n".join(features) + "\n]}\n", encoding="utf-8")


def _rounded(geometry: object) -> object:
    if isinstance(geometry, dict):
        return {key: _rounded(value) for key, value in geometry.items()}
    if isinstance(geometry, list | tuple):
        return [_rounded(value) for value in geometry]
    if isinstance(geometry, float):
        return round(geometry, 5)
    return geometry


def main() -> None:
    """Build the demo wards from the official file and print a short check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="official 2016 ward GeoJSON")
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args()
    wards = gpd.read_file(args.source)
    demo = voronoi_wards(approximate_centres(wards), coarse_outline(wards))
    write_geojson(demo, args.target)
    area = demo.geometry.to_crs(BNG).area
    union = shapely.union_all(demo.geometry.to_crs(BNG).to_numpy()).area
    print(
        f"{len(demo)} wards, {args.target.stat().st_size / 1024:.1f} KB, all valid: "
        f"{bool(demo.is_valid.all())}, overlap {area.sum() - union:.1f} m2, "
        f"total {union / 1e6:.1f} km2"
    )


if __name__ == "__main__":
    main()
