"""CSV exports never carry a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pandas as pd

from layers.export import FORMULA_STARTS, safe_csv


def test_every_formula_start_is_neutralised_and_numbers_are_kept() -> None:
    risky = [f"{start}cmd|' /C calc'!A0" for start in FORMULA_STARTS]
    frame = pd.DataFrame(
        {
            "location": [*risky, "On or near Park Street"],
            "count": [-3, 0, 5, 7, 9, 11, 13],
            "=evil": ["x"] * 7,
        }
    )
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header == ["location", "count", "'=evil"]
    assert [r[0] for r in body[:-1]] == ["'" + text for text in risky]
    assert body[-1][0] == "On or near Park Street"
    assert [r[1] for r in body] == ["-3", "0", "5", "7", "9", "11", "13"]
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.lstrip("-").isdigit()


def test_the_input_is_not_changed_and_missing_values_stay_empty() -> None:
    frame = pd.DataFrame({"name": ["=1+1", None], "n": [1, 2]})
    before = frame.copy()
    text = safe_csv(frame).decode("utf-8-sig")
    pd.testing.assert_frame_equal(frame, before)
    assert text.splitlines() == ["name,n", "'=1+1,1", ",2"]
