"""layers.readers, layer kinds: missing episodes kept private, knife, surveys, every schema."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers import schema as sc
from layers._errors import FileRefused
from layers._pseudonym import pseudonymise
from layers.readers import read_layer
from layers.schema import Kind
from tests.layers._readers_support import INCIDENT_HEADER, SECRET, TODAY, assert_contract, write_csv

# --- layer kinds ----------------------------------------------------------------------


def test_missing_episodes_are_pseudonymised_categorised_and_located(tmp_path: Path) -> None:
    header = ["episode", "child", "reported", "in_care", "last_lon", "last_lat", "found_lon"]
    header += ["found_lat", "age"]
    rows = [
        ["m1", "CHILD-7", "2021-03-05 22:10", "yes", "-2.59", "51.45", "", "", "14"],
        ["m2", "CHILD-7", "2021-04-01 08:00", "no", "", "", "-0.12", "51.5", "14"],
        ["m3", "CHILD-8", "2021-04-02", "", "", "", "", "", "15.5"],
    ]
    mapping = {"episode": "id", "child": "person_ref", "reported": "datetime"}
    mapping |= {"last_lon": "lon", "last_lat": "lat"}
    path = write_csv(tmp_path / "missing.csv", header, rows)
    result = read_layer("missing", [path], mapping=mapping, today=TODAY, secret=SECRET)
    assert_contract(result)
    valid = result.valid
    assert (
        valid[sc.PERSON_REF].tolist() == pseudonymise(pd.Series(["CHILD-7"] * 2), SECRET).tolist()
    )
    assert valid[sc.CATEGORY].tolist() == ["Missing from care", "Missing from home"]
    assert valid[sc.LOCATION_BASIS].tolist() == ["last seen", "found"]
    assert valid[sc.LON].tolist() == [-2.59, -0.12]
    assert valid[sc.DATETIME].tolist() == [
        pd.Timestamp("2021-03-05 22:10"),
        pd.Timestamp("2021-04-01 08:00"),
    ]
    assert valid[sc.DATE].tolist() == [pd.Timestamp("2021-03-05"), pd.Timestamp("2021-04-01")]
    assert result.rejected[sc.REASON].tolist() == ["no location; unparseable value: age"]


def test_raw_person_reference_appears_nowhere_in_the_output(tmp_path: Path) -> None:
    header = ["id", "person_ref", "datetime", "lon", "lat"]
    rows = [
        ["m1", "SECRET-REF-42", "2021-03-05", "-2.59", "51.45"],
        ["m2", "SECRET-REF-42", "not a date", "", ""],
        ["m2", "SECRET-REF-42", "2021-03-05", "-2.59", "51.45"],
    ]
    path = write_csv(tmp_path / "missing.csv", header, rows)
    with path.open("a") as handle:
        handle.write("m4,SECRET-REF-42,2021-03-05\n")  # too few fields
    result = read_layer("missing", [path], today=TODAY)  # key from the settings' secret file
    assert_contract(result)
    assert len(result.rejected) == 3
    for frame in (result.valid, result.rejected):
        cells = frame.astype("str").to_numpy().ravel().tolist()
        assert not any("SECRET-REF-42" in cell for cell in cells if isinstance(cell, str))


def test_missing_columns_the_layer_does_not_use_appear_nowhere(tmp_path: Path) -> None:
    header = ["id", "Name", "person_ref", "DOB", "datetime", "lon", "lat"]
    rows = [
        ["m1", "Zebedee Quillfeather", "REF-1", "1999-12-31", "2021-03-05", "-2.59", "51.45"],
        ["m2", "Xanthippe Wobblesworth", "REF-2", "1888-08-08", "not a date", "", ""],
    ]
    path = write_csv(tmp_path / "missing.csv", header, rows)
    result = read_layer("missing", [path], today=TODAY, secret=SECRET)
    assert_contract(result)
    assert (len(result.valid), len(result.rejected)) == (1, 1)
    raw = json.loads(result.rejected[sc.RAW].iloc[0])
    assert set(raw) == {"id", "person_ref", "datetime", "lon", "lat"}
    assert raw["person_ref"] == pseudonymise(pd.Series(["REF-2"]), SECRET).iloc[0]
    secrets = ("Zebedee", "Quillfeather", "Xanthippe", "Wobblesworth", "1999-12-31", "1888")
    for frame in (result.valid, result.rejected):
        cells = frame.astype("str").to_numpy().ravel().tolist()
        assert not any(s in str(cell) for cell in cells for s in secrets)


def test_other_layers_keep_the_whole_row_in_raw(tmp_path: Path) -> None:
    row = ["e1", "not a date", "Burglary", "-2.59", "51.45", "kept"]
    path = write_csv(tmp_path / "i.csv", [*INCIDENT_HEADER, "note"], [row])
    result = read_layer("incidents", [path], today=TODAY)
    assert json.loads(result.rejected[sc.RAW].iloc[0])["note"] == "kept"


def test_headerless_missing_file_is_refused_without_quoting_its_first_line(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "m.csv", ["m1", "SECRET-REF-42", "2021-03-05"], [])
    with pytest.raises(FileRefused, match="3, names withheld") as info:
        read_layer("missing", [path], secret=SECRET)
    assert "SECRET-REF-42" not in str(info.value)


def test_knife_rows_may_be_located_by_area_code(tmp_path: Path) -> None:
    header = ["id", "date", "area_code", "easting", "northing", "age_band"]
    rows = [
        ["k1", "2021-03-05", "E05010885", "", "", "15-17"],
        ["k2", "2021-03-05", "", "358500", "173000", "10-14"],
        ["k3", "2021-03-05", "", "", "", "10-14"],
    ]
    result = read_layer("knife", [write_csv(tmp_path / "k.csv", header, rows)], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.EVENT_ID].tolist() == ["k1", "k2"]
    assert result.valid[sc.CATEGORY].tolist() == ["Knife injury", "Knife injury"]
    assert result.rejected[sc.REASON].tolist() == ["no location"]


def test_survey_scores_come_from_numeric_or_yes_no_answers(tmp_path: Path) -> None:
    header = ["id", "survey", "question", "answer", "date", "area_code"]
    answers = ["4", "Yes", "no", "Sometimes"]
    rows = [
        [f"r{i}", "Safety 2021", "Feel safe?", a, "2021-06", "E05010885"]
        for i, a in enumerate(answers)
    ]
    result = read_layer("surveys", [write_csv(tmp_path / "s.csv", header, rows)], today=TODAY)
    assert_contract(result)
    assert result.valid[sc.SCORE].tolist()[:3] == [4.0, 1.0, 0.0]
    assert np.isnan(result.valid[sc.SCORE].iloc[3])


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.BOUNDARIES])
def test_every_kind_keeps_its_schema_when_nothing_is_valid(tmp_path: Path, kind: Kind) -> None:
    header = ["id", "person_ref", "date", "datetime", "category", "lon", "lat", "survey"]
    header += ["question", "answer", "name", "intervention_type", "start_date"]
    path = write_csv(tmp_path / "x.csv", header, [[""] * len(header), ["x"] * len(header)])
    result = read_layer(kind, [path], today=TODAY, secret=SECRET)
    assert_contract(result)
    assert result.valid.empty
    assert len(result.rejected) == 1
