"""Hostile input, geometry: GeoJSON that is not GeoJSON, broken shapes, hostile boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely

from layers import schema as sc
from layers._errors import FileRefused
from layers.boundaries import read_boundaries
from layers.readers import Limits
from tests.layers._hostile_input_support import (
    BRISTOL,
    MB,
    ROOMY,
    feature,
    features,
    polygon,
    read,
    rejected,
    text_file,
)

# --- GeoJSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"this is not JSON", "is not a GeoJSON, GeoPackage or Shapefile"),
        (b"[1, 2, 3]", "is not a GeoJSON, GeoPackage or Shapefile"),
        (b"", r"bad\.geojson: the file is empty"),
        (b" \n ", r"bad\.geojson: the file is empty"),
        (b'{"type": "FeatureCollection", "features": [', "cannot be read as GeoJSON"),
        (b"{" * 50_000, "cannot be read as GeoJSON"),
    ],
)
def test_geojson_that_is_not_geojson_is_refused(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=phrase):
        read(path)


def test_geojson_rows_without_geometry_or_with_unreadable_geometry_are_rejected(
    tmp_path: Path,
) -> None:
    point = {"type": "Point", "coordinates": [-2.59, 51.45]}
    items = [
        feature(point, event_id="ok"),
        feature(None, event_id="none"),
        feature({"type": "Point", "coordinates": [float("nan"), 51.45]}, event_id="nan"),
        feature({"type": "Point", "coordinates": [1e308, 1e308]}, event_id="huge"),
        feature(
            {"type": "Polygon", "coordinates": [[[-2.59, 51.45], [-2.58, 51.45]]]}, event_id="two"
        ),
    ]
    path = tmp_path / "g.geojson"
    path.write_bytes(features(*items))
    result = read(path)
    assert result.valid[sc.EVENT_ID].tolist() == ["ok"]
    assert rejected(result) == [
        [2, "no location"],
        [3, "unparseable coordinates"],
        [4, "unparseable coordinates"],
        [5, "invalid geometry: too few points in geometry component"],
    ]


def test_geojson_unclosed_rings_are_closed_and_noted(tmp_path: Path) -> None:
    ring = polygon((-2.59, 51.45), (-2.58, 51.45), (-2.58, 51.46))  # last point missing
    path = tmp_path / "open.geojson"
    path.write_bytes(features(feature(ring)))
    result = read(path)
    assert len(result.valid) == 1
    assert "open.geojson: closed the unclosed rings of 1 features" in result.notes


def test_self_intersecting_intervention_polygons_are_rejected_with_the_reason(
    tmp_path: Path,
) -> None:
    bowtie = polygon((-2.59, 51.45), (-2.58, 51.46), (-2.58, 51.45), (-2.59, 51.46), (-2.59, 51.45))
    square = polygon((-2.59, 51.45), (-2.58, 51.45), (-2.58, 51.46), (-2.59, 51.46), (-2.59, 51.45))
    plan = {"name": "Patrol", "intervention_type": "policing", "start_date": "2021-04-01"}
    path = tmp_path / "plans.geojson"
    path.write_bytes(
        features(feature(square, event_id="i1", **plan), feature(bowtie, event_id="i2", **plan))
    )
    result = read(path, kind="interventions")
    assert result.valid[sc.EVENT_ID].tolist() == ["i1"]
    assert rejected(result) == [[2, "invalid geometry: self-intersection"]]
    lines = ["id,name,intervention_type,start_date,wkt"]
    lines += ['i3,Hub,youth,2021-04-01,"POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"']
    lines += ['i4,Hub,youth,2021-04-01,"POINT (nan 51.45)"']
    wkt = text_file(tmp_path / "plans.csv", lines)
    assert rejected(read(wkt, kind="interventions")) == [
        [2, "invalid geometry: self-intersection"],
        [3, "unparseable coordinates"],
    ]


def test_a_geometry_collection_is_located_at_a_point_on_it(tmp_path: Path) -> None:
    collection = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [-2.59, 51.45]}],
    }
    path = tmp_path / "gc.geojson"
    path.write_bytes(features(feature(collection)))
    result = read(path, extent=BRISTOL)
    assert result.valid[[sc.LON, sc.LAT]].values.tolist() == [[-2.59, 51.45]]


# --- boundaries -------------------------------------------------------------------------


def _boundary_file(tmp_path: Path, *geometries: Any) -> Path:
    items = [
        {"type": "Feature", "properties": {"code": f"W{i}", "name": f"Ward {i}"}, "geometry": g}
        for i, g in enumerate(geometries, 1)
    ]
    path = tmp_path / "wards.geojson"
    path.write_bytes(features(*items))
    return path


def test_boundary_rings_are_closed_and_self_intersections_repaired_with_notes(
    tmp_path: Path,
) -> None:
    open_ring = polygon((-2.60, 51.44), (-2.58, 51.44), (-2.58, 51.46))
    bowtie = polygon((-2.57, 51.44), (-2.55, 51.46), (-2.55, 51.44), (-2.57, 51.46), (-2.57, 51.44))
    areas = read_boundaries(_boundary_file(tmp_path, open_ring, bowtie), limits=ROOMY)
    assert areas["code"].tolist() == ["W1", "W2"]
    assert shapely.is_valid(areas.geometry.to_numpy()).all()
    assert shapely.area(areas.geometry.to_numpy()).round(6).tolist() == [0.0002, 0.0002]
    notes = areas.attrs["notes"]
    assert "closed the unclosed rings of 1 area(s)" in notes
    assert "repaired invalid geometry of 1 area(s) with make_valid: ['W2']" in notes


def test_boundaries_with_unreadable_geometry_or_collections(tmp_path: Path) -> None:
    square = polygon((-2.60, 51.44), (-2.58, 51.44), (-2.58, 51.46), (-2.60, 51.46), (-2.60, 51.44))
    nan = polygon((-2.60, float("nan")), (-2.58, 51.44), (-2.58, 51.46), (-2.60, 51.44))
    with pytest.raises(FileRefused) as info:
        read_boundaries(_boundary_file(tmp_path, square, nan), limits=ROOMY)
    assert str(info.value) == (
        "wards.geojson: 1 feature(s) have an unreadable geometry (coordinates not numbers): "
        "codes ['W2']."
    )
    collection = {
        "type": "GeometryCollection",
        "geometries": [square, {"type": "Point", "coordinates": [0, 0]}],
    }
    areas = read_boundaries(_boundary_file(tmp_path, collection), limits=ROOMY)
    assert areas.geometry.iloc[0].geom_type == "Polygon"


def test_boundaries_over_the_feature_limit_are_refused(tmp_path: Path) -> None:
    square = polygon((0, 0), (1, 0), (1, 1), (0, 0))
    path = _boundary_file(tmp_path, *[square] * 4)
    with pytest.raises(FileRefused, match=r"wards\.geojson: has 4 rows; .* at most 3"):
        read_boundaries(path, limits=Limits(max_bytes=MB, max_rows=3, max_ratio=100))
