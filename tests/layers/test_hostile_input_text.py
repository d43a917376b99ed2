"""Hostile input, text and rows: bad encodings, NUL bytes, empty files, ragged or extreme rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layers import schema as sc
from layers._errors import FileRefused
from layers.readers import Limits, read_police_uk
from tests.layers._hostile_input_support import (
    GOOD,
    HEADER,
    MB,
    ROOMY,
    TODAY,
    police_file,
    police_line,
    read,
    rejected,
    text_file,
)

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
