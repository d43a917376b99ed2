"""layers.readers, rejected rows: every bad row is kept with its reason and line, none lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers import schema as sc
from layers._errors import FileRefused
from layers.readers import read_layer
from tests.layers._readers_support import (
    BRISTOL,
    GOOD,
    INCIDENT_HEADER,
    TODAY,
    assert_contract,
    incidents,
    write_csv,
)

# --- rejected rows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["e2", "2021-03-05", "Burglary", "", ""], "no location"),
        (["e2", "5th of March", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "2021-02-30", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "0021-03-05", "Burglary", "-2.59", "51.45"], "unparseable date"),
        (["e2", "2024-07-01", "Burglary", "-2.59", "51.45"], "future date"),
        (["e2", "2021-03-05", "Burglary", "0", "0"], "coordinates at 0,0"),
        (["e2", "2021-03-05", "Burglary", "-0.12", "51.50"], "outside extent"),
        (["e2", "2021-03-05", "Burglary", "west", "51.45"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "nan", "51.45"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-2.59", "inf"], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-2.59", ""], "unparseable coordinates"),
        (["e2", "2021-03-05", "Burglary", "-200", "51.45"], "unparseable coordinates"),
        (["e1", "2021-03-06", "Drugs", "-2.58", "51.46"], "duplicate id in file"),
        (["e2", "2021-03-05", "Jaywalking", "-2.59", "51.45"], "unknown category"),
        (["e2", "2021-03-05", "", "-2.59", "51.45"], "missing required field: category"),
        (["", "2021-03-05", "Burglary", "-2.59", "51.45"], "missing required field: event_id"),
        (["e2", "", "Burglary", "-2.59", "51.45"], "missing required field: date"),
    ],
)
def test_each_bad_row_is_rejected_with_its_reason_and_line(
    tmp_path: Path, row: list[str], reason: str
) -> None:
    result = incidents(tmp_path, [GOOD, row], extent=BRISTOL)
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        ["incidents.csv", 3, reason]
    ]
    assert json.loads(result.rejected[sc.RAW].iloc[0]) == dict(
        zip(INCIDENT_HEADER, [v or None for v in row], strict=True)
    )


def test_a_row_with_several_problems_is_rejected_once_with_all_reasons(tmp_path: Path) -> None:
    result = incidents(tmp_path, [GOOD, ["e1", "soon", "Jaywalking", "", ""]])
    assert result.rejected[sc.REASON].tolist() == [
        "unparseable date; no location; unknown category; duplicate id in file"
    ]


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    lines = [",".join(INCIDENT_HEADER), ",".join(GOOD), "e2,2021-03-05,Burglary", ""]
    lines.insert(3, "e3,2021-03-05,Burglary,-2.59,51.45,extra")
    path.write_text("\n".join(lines))
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    assert result.rejected[sc.ROW_NUMBER].tolist() == [3, 4]
    assert result.rejected[sc.REASON].tolist() == [
        "wrong number of fields: expected 5, found 3",
        "wrong number of fields: expected 5, found 6",
    ]


def test_blank_lines_are_skipped_and_row_numbers_stay_the_lines_of_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gaps.csv"
    text = "\n".join([",".join(INCIDENT_HEADER), ",".join(GOOD), "", ",,,,", "e2,x,Drugs,1,1"])
    path.write_text(text + "\n")
    result = read_layer("incidents", [path], today=TODAY)
    assert_contract(result)
    assert result.sources[0].rows_read == 2
    assert result.rejected[sc.ROW_NUMBER].tolist() == [5]
    assert any("2 blank lines skipped" in note for note in result.notes)


def test_header_only_file_gives_empty_frames_with_the_schema(tmp_path: Path) -> None:
    result = incidents(tmp_path, [])
    assert result.valid.empty
    assert result.rejected.empty


def test_duplicate_ids_across_files_keep_the_first(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", INCIDENT_HEADER, [GOOD])
    second = write_csv(tmp_path / "b.csv", INCIDENT_HEADER, [GOOD, GOOD])
    result = read_layer("incidents", [first, second], today=TODAY)
    assert_contract(result)
    assert len(result.valid) == 1
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER]].values.tolist() == [
        ["b.csv", 2],
        ["b.csv", 3],
    ]


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + ("\n".join([",".join(INCIDENT_HEADER), ",".join(GOOD)])).encode()
    )
    result = read_layer("incidents", [path], today=TODAY)
    assert result.valid[sc.EVENT_ID].tolist() == ["e1"]


# --- properties -----------------------------------------------------------------------

_cell = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", "2021-03-05", "2021-03", "-2.59", "51.45", "0", "Burglary", "e1", "nan", " "]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_cell, min_size=5, max_size=5), max_size=8))
def test_random_rows_are_all_accounted_for(tmp_path: Path, rows: list[list[str]]) -> None:
    rows = [[c.replace("\x00", "") for c in row] for row in rows]
    path = write_csv(tmp_path / "random.csv", INCIDENT_HEADER, rows)
    try:
        result = read_layer("incidents", [path], today=TODAY)
    except FileRefused:
        return
    blank = sum(all(not c.strip() for c in row) for row in rows)
    assert len(result.valid) + len(result.rejected) == len(rows) - blank
    assert_contract(result)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=200))
def test_random_bytes_give_a_result_or_a_refusal(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(b"event_id,date,category,lon,lat\n" + content)
    try:
        result = read_layer("incidents", [path], today=TODAY)
    except FileRefused:
        return
    assert_contract(result)
