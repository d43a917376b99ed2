"""Hostile input: every reader refuses the file or rejects the row, with a reason; never crashes.

One test per hostile case, each asserting the exact outcome: the refusal names the
problem (and, for a limit, the size found and the setting to raise), or the row is
rejected with its line number and reason. Refusals through ``import_files`` leave the
store file byte-identical, with no rejected or import-log rows written.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from app_pages._data_upload import read_upload
from layers import schema as sc
from layers._errors import FileRefused, SchemaError
from layers.boundaries import read_boundaries
from layers.context import read_context
from layers.ingest import import_files
from layers.readers import Limits, ReadResult, read_layer, read_police_uk
from layers.settings import Settings, load_settings
from layers.store import Store

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


# --- limits: size, rows, compression ----------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_naming_size_limit_and_setting(
    tmp_path: Path,
) -> None:
    path = text_file(
        tmp_path / "big.csv", [HEADER] + [GOOD.replace("e1", f"e{i}") for i in range(400)]
    )
    size = path.stat().st_size
    with pytest.raises(FileRefused) as info:
        read(path, limits=Limits(max_bytes=10_000, max_rows=1_000, max_ratio=100))
    assert str(info.value) == (
        f"big.csv: is {size:,} bytes; files over 10,000 bytes are refused (setting "
        "max_upload_mb). Split the file, or raise ATLAS_MAX_UPLOAD_MB."
    )


def test_more_rows_than_the_limit_refuse_the_file(tmp_path: Path) -> None:
    path = text_file(
        tmp_path / "rows.csv", [HEADER] + [GOOD.replace("e1", f"e{i}") for i in range(6)]
    )
    with pytest.raises(FileRefused) as info:
        read(path, limits=Limits(max_bytes=MB, max_rows=5, max_ratio=100))
    assert str(info.value) == (
        "rows.csv: has 6 rows; a file may have at most 5 (setting max_rows). Split the file, "
        "or raise ATLAS_MAX_ROWS."
    )
    assert len(read(path, limits=Limits(max_bytes=MB, max_rows=6, max_ratio=100)).valid) == 6


def test_geojson_features_are_counted_before_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.geojson"
    point = {"type": "Point", "coordinates": [-2.59, 51.45]}
    path.write_bytes(features(*[feature(point, event_id=f"g{i}") for i in range(6)]))

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the features were read although the file is over the limit")

    monkeypatch.setattr("pyogrio.read_dataframe", never)
    with pytest.raises(
        FileRefused, match=r"many\.geojson: has 6 rows; .* at most 5 \(setting max_rows\)"
    ):
        read(path, limits=Limits(max_bytes=MB, max_rows=5, max_ratio=100))


def test_a_gzip_expanding_past_the_size_limit_is_refused_while_decompressing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "\n").encode() + b" " * (30 * MB)))
    assert path.stat().st_size < 100_000  # the file itself is small
    with pytest.raises(FileRefused) as info:
        read(path, limits=Limits(max_bytes=20 * MB, max_rows=1_000, max_ratio=10_000))
    assert str(info.value) == (
        "bomb.csv.gz: expands to more than 20.0 MB when decompressed (setting max_upload_mb); "
        "reading stopped there. Split the file, or raise ATLAS_MAX_UPLOAD_MB."
    )


def test_a_gzip_over_the_compression_ratio_is_refused_as_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "ratio.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "\n").encode() + b"\n" * (3 * MB)))
    with pytest.raises(FileRefused) as info:
        read(path)
    message = str(info.value)
    assert message.startswith("ratio.csv.gz: expands over ")
    assert f"times its compressed size of {path.stat().st_size:,} bytes; at most 100" in message
    assert "(setting max_compression_ratio)" in message
    assert "ATLAS_MAX_COMPRESSION_RATIO" in message
    loose = Limits(max_bytes=20 * MB, max_rows=1_000, max_ratio=100_000)
    assert read(path, limits=loose).valid.empty  # the same file within a looser ratio: read


def test_a_gzip_holding_another_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested.csv.gz"
    path.write_bytes(gzip.compress(gzip.compress(f"{HEADER}\n{GOOD}\n".encode())))
    with pytest.raises(FileRefused, match=r"nested\.csv\.gz: holds another compressed file"):
        read(path)


def test_a_zip_is_measured_by_decompressing_not_by_its_declared_sizes(
    tmp_path: Path, squares: gpd.GeoDataFrame
) -> None:
    members = shapefile_members(tmp_path, squares) | {"w.xml": b"<metadata>" + b" " * (3 * MB)}
    honest = zipped(tmp_path / "honest.zip", members)
    with pytest.raises(
        FileRefused, match=r"honest\.zip: expands over .* \(setting max_compression_ratio\)"
    ):
        read_boundaries(honest, mapping=MAP, limits=ROOMY)
    lying = zipped(tmp_path / "lying.zip", {"w.geojson": b"{" + b" " * (3 * MB) + b"}"})
    data = bytearray(lying.read_bytes())
    for offset, field in ((22, "<I"), (data.rfind(b"PK\x01\x02") + 24, "<I")):
        struct.pack_into(field, data, offset, 100)  # local and central "uncompressed size"
    lying.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match=r"lying\.zip: is not a readable zip file"):
        read_boundaries(lying, mapping=MAP, limits=ROOMY)


@pytest.mark.parametrize(
    ("member", "phrase"),
    [
        ("../w.shp", "a member's name leaves the zip's folder"),
        ("/etc/w.shp", "a member's name leaves the zip's folder"),
        ("inner.zip", "nested archives are refused"),
        ("w.vrt", r"a file of a type not read here \(\.vrt\)"),
    ],
)
def test_zip_members_that_could_escape_or_hide_are_refused(
    tmp_path: Path, squares: gpd.GeoDataFrame, member: str, phrase: str
) -> None:
    members = shapefile_members(tmp_path, squares) | {member: b"x"}
    with pytest.raises(FileRefused, match=phrase):
        read_boundaries(zipped(tmp_path / "w.zip", members), mapping=MAP, limits=ROOMY)


def test_a_virtual_gdal_file_never_reads_other_files(tmp_path: Path) -> None:
    secret = text_file(tmp_path / "secret.csv", [HEADER, "SECRET,2021-03-05,Burglary,-2.59,51.45"])
    vrt = (
        f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>{secret}</SrcDataSource>"
        "<SrcLayer>secret</SrcLayer><GeometryField encoding='PointFromColumns' x='lon' y='lat'/>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()
    disguised = tmp_path / "points.geojson"
    disguised.write_bytes(vrt)
    with pytest.raises(
        FileRefused, match=r"points\.geojson: is not a GeoJSON, GeoPackage or Shapefile"
    ):
        read(disguised)
    with pytest.raises(FileRefused, match="holds a GDAL virtual file"):
        read_boundaries(
            zipped(tmp_path / "w.zip", {"w.xml": vrt, "w.geojson": b"{}"}), limits=ROOMY
        )


def test_a_path_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    with pytest.raises(FileRefused, match=r"pipe\.csv: is not a regular file"):
        read(fifo)


def test_bad_limits_are_an_argument_error(tmp_path: Path) -> None:
    path = text_file(tmp_path / "a.csv", [HEADER, GOOD])
    with pytest.raises(SchemaError, match=r"limits\.max_rows must be a number above 0, got 0"):
        read(path, limits=Limits(max_bytes=MB, max_rows=0, max_ratio=100))
    with pytest.raises(SchemaError, match=r"limits must be a readers\.Limits"):
        read_layer("incidents", [path], limits=5)  # type: ignore[arg-type]


# --- text: encoding, NUL, BOM, empty, lines ---------------------------------------------


def test_wrong_encoding_is_refused_naming_the_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\n{GOOD}\ne2,2021-03-05,Burglary,-2.59,51.45,café\n".encode("cp1252")
    )
    with pytest.raises(FileRefused) as info:
        read(path)
    assert str(info.value) == (
        "latin1.csv: is not UTF-8 text: line 3 holds the byte 0xE9 (Excel's plain 'CSV' saves "
        "Windows-1252). Save the file as 'CSV UTF-8'."
    )


def test_utf16_is_refused_as_utf16(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\n".encode("utf-16"))
    with pytest.raises(FileRefused, match=r"wide\.csv: is UTF-16 text, not UTF-8"):
        read(path)


def test_a_nul_byte_anywhere_is_refused_naming_its_line(tmp_path: Path) -> None:
    lines = [HEADER] + [GOOD.replace("e1", f"e{i}") for i in range(3000)]  # past the first 64 KB
    lines.append("e9999,2021-03-05,Burg\x00lary,-2.59,51.45")
    with pytest.raises(FileRefused, match=r"nul\.csv: line 3002 holds a NUL byte"):
        read(text_file(tmp_path / "nul.csv", lines), limits=Limits(MB, 10_000, 100))


def test_a_bom_and_windows_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + f"{HEADER}\r\n{GOOD}\r\nx,soon,Drugs,-2.59,51.45\r\n".encode()
    )
    result = read(path)
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]
    assert rejected(result) == [[3, "unparseable date"]]


@pytest.mark.parametrize(
    ("content", "rows"), [(HEADER + "\n", 0), (HEADER, 0), (HEADER + "\r\n\r\n", 0)]
)
def test_header_only_files_give_empty_results(tmp_path: Path, content: str, rows: int) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(content.encode())
    result = read(path)
    assert (len(result.valid), len(result.rejected), result.sources[0].rows_read) == (0, 0, rows)
    assert list(result.valid.columns) == list(sc.LAYER_COLUMNS[sc.Kind.INCIDENTS])


@pytest.mark.parametrize("content", [b"", b" \r\n\n\t"])
def test_empty_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=r"empty\.csv: the file is empty"):
        read(path)


def test_a_single_huge_line_without_a_break_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    path.write_bytes(b"a," * 200_000)
    with pytest.raises(
        FileRefused, match=r"line\.csv: its first line runs over 64 KB without a line break"
    ):
        read(path)


def test_too_many_columns_are_refused(tmp_path: Path) -> None:
    path = text_file(tmp_path / "wide.csv", [",".join(f"c{i}" for i in range(1001)), "1"])
    with pytest.raises(FileRefused, match=r"wide\.csv: has 1,001 columns; at most 1,000"):
        read(path)


# --- rows: fields, coordinates, dates ---------------------------------------------------


def test_ragged_police_rows_are_rejected_with_their_line_and_field_count(tmp_path: Path) -> None:
    path = police_file(
        tmp_path / "p.csv", [police_line("a"), police_line("b") + ",extra", "c,2021-03"]
    )
    result = read_police_uk([path], today=TODAY, limits=ROOMY)
    assert result.valid[sc.SOURCE_REF].tolist() == ["a"]
    assert rejected(result) == [
        [3, "wrong number of fields: expected 12, found 13"],
        [4, "wrong number of fields: expected 12, found 2"],
    ]


@pytest.mark.parametrize("length", [40_000, 3 * MB])  # over the field limit; over Arrow's block
def test_a_huge_field_rejects_its_row_and_is_cut_in_the_raw_text(
    tmp_path: Path, length: int
) -> None:
    huge = "x" * length
    lines = [HEADER + ",notes", GOOD + ",fine", f"e2,2021-03-05,Burglary,-2.59,51.45,{huge}"]
    result = read(text_file(tmp_path / "huge.csv", lines))
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]
    assert rejected(result) == [[3, "field too long: notes"]]
    raw = json.loads(result.rejected[sc.RAW].iloc[0])
    assert raw["notes"] == "x" * 200 + f"… [{length:,} characters; cut]"
    assert raw["event_id"] == "e2"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [("nan", "51.45"), ("-2.59", "inf"), ("-inf", "51.45"), ("1e308", "51.45"), ("-2.59", "1e309")],
)
def test_non_finite_or_enormous_coordinates_reject_the_row(
    tmp_path: Path, lon: str, lat: str
) -> None:
    path = police_file(tmp_path / "p.csv", [police_line("a"), police_line("b", lon=lon, lat=lat)])
    result = read_police_uk([path], today=TODAY, limits=ROOMY)
    assert rejected(result) == [[3, "unparseable coordinates"]]


def test_british_grid_coordinates_that_are_not_finite_reject_the_row(tmp_path: Path) -> None:
    lines = [
        "id,date,category,x,y",
        "e1,2021-03-05,Drugs,358500,173000",
        "e2,2021-03-05,Drugs,inf,173000",
    ]
    result = read(text_file(tmp_path / "bng.csv", lines), mapping={"x": "easting", "y": "northing"})
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]
    assert rejected(result) == [[3, "unparseable coordinates"]]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1899-12-31", "unparseable date"),  # before 1900: taken as a typo
        ("0001-01-01", "unparseable date"),
        ("2200-01-01", "unparseable date"),
        ("9999-12-31", "unparseable date"),
        ("2025-01-01", "future date"),  # after today (2024-06-30), though within next year
        ("2150-06-01", "future date"),
    ],
)
def test_dates_far_in_the_past_or_future_reject_the_row(
    tmp_path: Path, text: str, reason: str
) -> None:
    result = read(text_file(tmp_path / "d.csv", [HEADER, GOOD, f"e2,{text},Drugs,-2.59,51.45"]))
    assert rejected(result) == [[3, reason]]


def test_spreadsheet_formulas_and_markup_are_kept_as_text(tmp_path: Path) -> None:
    lines = [
        HEADER + ",location_desc",
        GOOD + ",\"=cmd|' /C calc'!A0\"",
        "e2,2021-03-05,Drugs,-2.59,51.45,<img src=x onerror=alert(1)>",
    ]
    result = read(text_file(tmp_path / "f.csv", lines))
    assert result.valid[sc.LOCATION_DESC].tolist() == [
        "=cmd|' /C calc'!A0",
        "<img src=x onerror=alert(1)>",
    ]


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


# --- context ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"lsoa_code,population\nE01,10\nE02,20,30\n",
            "c.csv: line 3 has 3 fields; the header has 2. Fix that row.",
        ),
        (
            "lsoa_code,population\nE01,caf\xe9\n".encode("cp1252"),
            "c.csv: is not UTF-8 text: line 2 holds the byte 0xE9",
        ),
        (
            b"lsoa_code,population\nE01,-5\n",
            "c.csv: population is out of range (0 to inf) on rows [2].",
        ),
        (
            b"lsoa_code,imd_decile\nE01,11\n",
            "c.csv: imd_decile is out of range (1 to 10) on rows [2].",
        ),
        (b"lsoa_code,population\nE01,1\x00\n", "c.csv: line 2 holds a NUL byte"),
        (b"lsoa_code,population\n" + b"E0,1\n" * 6, "c.csv: has 6 rows; a file may have at most 5"),
    ],
)
def test_context_files_are_refused_naming_the_problem(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as info:
        read_context(path, limits=Limits(max_bytes=MB, max_rows=5, max_ratio=100))
    assert str(info.value).startswith(message)


def test_context_rows_with_fewer_fields_read_as_blanks(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"lsoa_code,population,imd_decile\nE01,10,3\nE02\n")
    frame = read_context(path, limits=ROOMY)
    assert frame["lsoa_code"].tolist() == ["E01", "E02"]
    assert frame["population"].isna().tolist() == [False, True]


# --- uploads ----------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_before_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload was written although it is over the limit")

    monkeypatch.setattr("tempfile.TemporaryDirectory", never)
    data = (HEADER + "\n" + GOOD + "\n").encode() * 100
    with pytest.raises(FileRefused, match=r"^crimes\.csv: is 0\.0 MB; files over 0\.0 MB"):
        read_upload(
            data, "../../crimes.csv", kind="incidents", fmt="auto", mapping={}, extent=BRISTOL,
            limits=Limits(max_bytes=1_000, max_rows=10, max_ratio=100),
        )  # fmt: skip


def test_an_upload_named_like_a_path_is_read_under_its_plain_name(tmp_path: Path) -> None:
    data = f"{HEADER}\n{GOOD}\n".encode()
    upload = read_upload(
        data, "../../../etc/cron.d/x.csv", kind="incidents", fmt="auto", mapping={},
        extent=BRISTOL, limits=ROOMY,
    )  # fmt: skip
    assert upload.name == "x.csv"
    assert [s.name for s in upload.result.sources] == ["x.csv"]
    assert not (tmp_path.parent / "etc").exists()


# --- through import_files: the store is left as it was ----------------------------------


def _store_state(settings: Settings) -> tuple[bytes, int, int, list[str]]:
    store = Store(settings.store)
    imports = int(store.query("SELECT count(*) FROM imports").iloc[0, 0])
    rejects = int(store.query("SELECT count(*) FROM rejected").iloc[0, 0])
    written = (
        sorted(p.name for p in settings.rejected_dir.glob("*"))
        if settings.rejected_dir.exists()
        else []
    )
    return settings.store.read_bytes(), imports, rejects, written


def _vrt(tmp_path: Path) -> Path:
    path = tmp_path / "x.geojson"
    path.write_bytes(b"<OGRVRTDataSource/>")
    return path


def _bomb(tmp_path: Path) -> Path:
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(f"{HEADER}\n".encode() + b"\n" * (2 * MB)))
    return path


def _latin(tmp_path: Path) -> Path:
    path = tmp_path / "x.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\ne2,2021-03-05,Drugs,-2.59,51.45\ncafé\n".encode("cp1252"))
    return path


def _long(tmp_path: Path) -> Path:
    lines = [HEADER] + [GOOD.replace("e1", f"n{i}") for i in range(5)]
    return text_file(tmp_path / "x.csv", lines)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (_long, "has 5 rows; a file may have at most 4"),
        (_bomb, "possible decompression bomb"),
        (_latin, "is not UTF-8 text: line 4"),
        (_vrt, "is not a GeoJSON, GeoPackage or Shapefile"),
    ],
)
def test_a_refused_import_leaves_the_store_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object, phrase: str
) -> None:
    places = {"store": tmp_path / "s.duckdb", "rejected_dir": tmp_path / "rejected"}
    first = text_file(tmp_path / "first.csv", [HEADER, GOOD, "bad,2021-03-05,Drugs,,"])
    assert import_files("incidents", [first], settings=load_settings(**places)).rejected == 1
    monkeypatch.setenv("ATLAS_MAX_ROWS", "4")  # the demo wards are stored: read no more
    settings = load_settings(**places)
    before = _store_state(settings)
    assert before[1:3] == (1, 1)
    with pytest.raises(FileRefused, match=phrase):
        import_files("incidents", [make(tmp_path)], settings=settings)  # type: ignore[operator]
    assert _store_state(settings) == before


def test_an_accepted_hostile_file_is_imported_wholly(tmp_path: Path) -> None:
    settings = load_settings(store=tmp_path / "s.duckdb", rejected_dir=tmp_path / "rejected")
    lines = [
        HEADER + ",location_desc",
        GOOD + ",=1+1",
        "e2,2021-03-05,Drugs,nan,51.45,x",
        "e3,1850-01-01,Drugs,-2.59,51.45,y",
    ]
    lines += [
        f"e4,2021-03-05,Drugs,-2.59,51.45,{'z' * 40_000}",
        "e5,2021-03-05,Drugs",
        "e6,2021-03-07,Drugs,-2.59,51.45,ok",
    ]
    report = import_files(
        "incidents", [text_file(tmp_path / "mixed.csv", lines)], settings=settings
    )
    store = Store(settings.store)
    assert (report.imported, report.rejected) == (2, 4)
    assert sorted(store.query("SELECT event_id FROM incidents")["event_id"]) == ["e1", "e6"]
    stored = store.query("SELECT row_number, reason FROM rejected ORDER BY row_number")
    assert stored.values.tolist() == [
        [3, "unparseable coordinates"],
        [4, "unparseable date"],
        [5, "field too long: location_desc"],
        [6, "wrong number of fields: expected 6, found 3"],
    ]
    frame = pd.read_csv(io.StringIO(Path(report.rejected_path or "").read_text()))
    assert frame["raw"].str.len().max() < 1_000  # the 40,000-character field was cut
