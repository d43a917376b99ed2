"""Hostile input, limits: size, rows, compression, and archives that could hide or escape."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import geopandas as gpd
import pytest

from layers._errors import FileRefused, SchemaError
from layers.boundaries import read_boundaries
from layers.readers import Limits, read_layer
from tests.layers._hostile_input_support import (
    GOOD,
    HEADER,
    MAP,
    MB,
    ROOMY,
    feature,
    features,
    read,
    shapefile_members,
    text_file,
    zipped,
)

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
