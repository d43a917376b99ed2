"""Shared by the hostile-input tests: limits, file writers and a checked ``read``."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd

from layers import schema as sc
from layers.readers import Limits, ReadResult, read_layer

TODAY = date(2024, 6, 30)
MB = 1024 * 1024
ROOMY = Limits(max_bytes=20 * MB, max_rows=1_000, max_ratio=100)
HEADER = "event_id,date,category,lon,lat"
GOOD = "e1,2021-03-05,Burglary,-2.59,51.45"
BRISTOL = sc.Extent(-2.75, 51.38, -2.50, 51.56)
MAP = {"wd_id": "code", "wd_nm": "name"}


def text_file(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def police_line(
    crime_id: str, lon: str = "-2.59", lat: str = "51.45", month: str = "2021-03"
) -> str:
    force = "Avon and Somerset Constabulary"
    place = ["On or near Park Street", "E01014601", "Bristol 001A"]
    return ",".join([crime_id, month, force, force, lon, lat, *place, "Burglary", "", ""])


def police_file(path: Path, lines: list[str]) -> Path:
    return text_file(path, [",".join(sc.POLICE_UK_COLUMNS), *lines])


def read(
    path: Path, kind: str = "incidents", limits: Limits = ROOMY, **options: object
) -> ReadResult:
    result = read_layer(kind, [path], today=TODAY, limits=limits, **options)  # type: ignore[arg-type]
    assert len(result.valid) + len(result.rejected) == sum(s.rows_read for s in result.sources)
    return result


def rejected(result: ReadResult) -> list[list[object]]:
    return result.rejected[[sc.ROW_NUMBER, sc.REASON]].values.tolist()


def features(*items: dict[str, object]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(items)}).encode()


def feature(geometry: Any, **properties: object) -> dict[str, object]:
    props = {"event_id": "g1", "date": "2021-03-05", "category": "Drugs"} | properties
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(*ring: tuple[float, float]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def shapefile_members(tmp_path: Path, squares: gpd.GeoDataFrame) -> dict[str, bytes]:
    squares.to_file(tmp_path / "w.shp")
    return {p.name: p.read_bytes() for p in tmp_path.glob("w.*")}
