"""Hostile input through context tables, uploads and ``import_files``.

Refusals through ``import_files`` leave the store file byte-identical, with no rejected or
import-log rows written.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

from app_pages._data_upload import read_upload
from layers._errors import FileRefused
from layers.context import read_context
from layers.ingest import import_files
from layers.readers import Limits
from layers.settings import Settings, load_settings
from layers.store import Store
from tests.layers._hostile_input_support import BRISTOL, GOOD, HEADER, MB, ROOMY, text_file

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
