"""Shared by the reader tests: tiny CSV writers and the reader's output contract."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd

from layers import schema as sc
from layers.readers import ReadResult, read_layer
from layers.schema import Extent

TODAY = date(2024, 6, 30)
BRISTOL = Extent(-2.75, 51.38, -2.50, 51.56)
INCIDENT_HEADER = ["event_id", "date", "category", "lon", "lat"]
GOOD = ["e1", "2021-03-05", "Burglary", "-2.59", "51.45"]
SECRET = b"s" * 32


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def police_row(
    crime_id: str = "",
    month: str = "2021-03",
    lon: str = "-2.590000",
    lat: str = "51.450000",
    location: str = "On or near Park Street",
    crime_type: str = "Anti-social behaviour",
) -> list[str]:
    force = "Avon and Somerset Constabulary"
    lsoa = ("E01014601", "Bristol 001A") if lon else ("", "")
    return [crime_id, month, force, force, lon, lat, location, *lsoa, crime_type, "", ""]


def write_police(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, list(sc.POLICE_UK_COLUMNS), rows)


def assert_accounted(result: ReadResult) -> None:
    rows = sum(source.rows_read for source in result.sources)
    assert len(result.valid) + len(result.rejected) == rows


def assert_contract(result: ReadResult) -> None:
    expected = {c: str(pd.Series(dtype=d).dtype) for c, d in sc.LAYER_COLUMNS[result.kind].items()}
    assert {c: str(t) for c, t in result.valid.dtypes.items()} == expected
    assert list(result.valid.columns) == list(sc.LAYER_COLUMNS[result.kind])
    assert {c: str(t) for c, t in result.rejected.dtypes.items()} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in sc.REJECTED_COLUMNS.items()
    }
    assert_accounted(result)


def incidents(tmp_path: Path, rows: list[list[str]], **options: object) -> ReadResult:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    result = read_layer("incidents", [path], today=TODAY, **options)  # type: ignore[arg-type]
    assert_contract(result)
    return result
