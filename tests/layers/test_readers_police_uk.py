"""layers.readers, police.uk street-level files: ids, fields, several files, real data."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers import schema as sc
from layers._errors import FileRefused
from layers.readers import is_police_uk, read_layer, read_police_uk
from tests.layers._readers_support import (
    GOOD,
    INCIDENT_HEADER,
    TODAY,
    assert_contract,
    police_row,
    write_csv,
    write_police,
)

# --- police.uk ------------------------------------------------------------------------


def test_identical_asb_rows_are_two_incidents_with_stable_ids(tmp_path: Path) -> None:
    rows = [police_row(), police_row(), police_row(location="On or near Elsewhere")]
    rows.append(police_row("abc123", crime_type="Burglary"))
    path = write_police(tmp_path / "2021-03-street.csv", rows)
    first, second = read_police_uk([path], today=TODAY), read_police_uk([path], today=TODAY)
    assert_contract(first)
    ids = first.valid[sc.EVENT_ID].tolist()
    assert len(set(ids)) == 4
    assert (ids[0][:7], ids[0][-2:], ids[1][-2:]) == ("pu-asb:", ":0", ":1")
    assert ids[0].rsplit(":", 1)[0] == ids[1].rsplit(":", 1)[0] != ids[2].rsplit(":", 1)[0]
    assert ids[3] == "pu:abc123"
    assert ids == second.valid[sc.EVENT_ID].tolist()


def test_police_fields_are_mapped(tmp_path: Path) -> None:
    path = write_police(
        tmp_path / "p.csv", [police_row("abc", month="2021-02", crime_type="Drugs")]
    )
    valid = read_police_uk([path], today=TODAY).valid
    row = valid.iloc[0]
    assert (row[sc.DATE], row[sc.DATE_PRECISION]) == (pd.Timestamp("2021-02-01"), "month")
    assert (row[sc.SOURCE_REF], row[sc.CATEGORY], row[sc.LSOA]) == ("abc", "Drugs", "E01014601")
    assert (row[sc.LON], row[sc.LAT], row[sc.FORCE]) == (
        -2.59,
        51.45,
        "Avon and Somerset Constabulary",
    )
    assert valid[list(sc.FLAG_COLUMNS)].isna().all().all()


def test_police_gz_and_several_files_are_read_together(tmp_path: Path) -> None:
    plain = write_police(tmp_path / "2021-03.csv", [police_row("a1"), police_row()])
    text = write_police(tmp_path / "tmp.csv", [police_row("b1", month="2021-04"), police_row("a1")])
    packed = tmp_path / "2021-04.csv.gz"
    packed.write_bytes(gzip.compress(text.read_bytes()))
    result = read_layer("incidents", [plain, packed], today=TODAY)  # detected as police.uk
    assert_contract(result)
    assert [s.name for s in result.sources] == ["2021-03.csv", "2021-04.csv.gz"]
    assert result.sources[1].rows_read == 2
    assert len(result.valid) == 3
    assert result.rejected[[sc.SOURCE, sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        ["2021-04.csv.gz", 3, "duplicate id in file"]
    ]


def test_police_rows_without_location_or_with_bad_month_are_rejected(tmp_path: Path) -> None:
    rows = [police_row("a"), police_row("b", lon="", lat=""), police_row("c", month="2021-03-05")]
    rows.append(police_row("d", month="2099-01"))
    result = read_police_uk([write_police(tmp_path / "p.csv", rows)], today=TODAY)
    assert_contract(result)
    assert result.rejected[[sc.ROW_NUMBER, sc.REASON]].values.tolist() == [
        [3, "no location"],
        [4, "unparseable date"],
        [5, "future date"],
    ]


def test_police_header_is_recognised(tmp_path: Path) -> None:
    police = write_police(tmp_path / "p.csv", [police_row()])
    other = write_csv(tmp_path / "o.csv", INCIDENT_HEADER, [GOOD])
    assert is_police_uk(police)
    assert not is_police_uk(other)
    assert not is_police_uk(tmp_path / "absent.csv")
    with pytest.raises(FileRefused, match=r"not a police\.uk street-level file"):
        read_police_uk([other])


# --- real data ------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_bristol_year_rejects_exactly_the_repeated_crime_ids(shared_data: Path) -> None:
    path = shared_data / "police_uk" / "bristol_street_2020-10_to_2021-09.csv"
    result = read_police_uk([path])
    assert_contract(result)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    assert len(raw) == 58_436
    expected = (raw["Crime ID"].notna() & raw["Crime ID"].duplicated()) | raw["Longitude"].isna()
    assert int(expected.sum()) == 200
    assert sorted(result.rejected[sc.ROW_NUMBER]) == (np.flatnonzero(expected) + 2).tolist()
    by_lsoa = result.valid.groupby(sc.LSOA).size()
    pd.testing.assert_series_equal(
        by_lsoa, raw[~expected].groupby("LSOA code").size(), check_names=False
    )


@pytest.mark.realdata
def test_real_force_wide_month_rejects_rows_without_location(shared_data: Path) -> None:
    path = shared_data / "police_uk" / "raw" / "2019-05-avon-and-somerset-street.csv"
    result = read_police_uk([path])
    assert_contract(result)
    assert result.sources[0].rows_read == 15_298
    assert int(result.rejected[sc.REASON].str.contains("no location").sum()) == 1_622
