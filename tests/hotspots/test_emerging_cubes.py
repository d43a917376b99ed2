"""Emerging hot spots, cubes: building space-time cubes, and refusing bad input."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from hotspots.emerging import (
    SpaceTimeCube,
    cube_from_counts,
    cube_to_quarters,
    emerging_hotspots,
    space_time_cube,
)
from layers._errors import SchemaError
from layers.schema import DATE, H3_CELL
from tests.hotspots._emerging_support import CENTRE, MONTHS, _area, _cube

# --- building cubes -----------------------------------------------------------------------


def _events() -> pd.DataFrame:
    cells = _area(1)
    hexes = [h3.int_to_str(int(c)) for c in cells]
    return pd.DataFrame({
        H3_CELL: [hexes[0], hexes[0], hexes[1], hexes[2], None, h3.grid_ring(CENTRE, 3)[0]],
        DATE: pd.to_datetime(["2021-01-03", "2021-03-30", "2021-03-01", "2021-07-01",
                              "2021-02-02", "2021-02-02"]),
    })  # fmt: skip


def test_space_time_cube_counts_every_cell_and_month_with_zeros_and_notes() -> None:
    events = _events()
    cube = space_time_cube(events, cells=_area(1), start="2021-01", end="2021-06")
    assert cube.steps == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"]
    assert cube.counts.shape == (7, 6)
    assert cube.counts.dtype == np.int64
    assert cube.counts.sum() == 3
    assert cube.counts[0].tolist() == [1, 0, 1, 0, 0, 0]
    assert cube.notes == (
        "3 of 6 events counted.",
        "1 events without a cell or a date were not counted.",
        "1 events outside the study area's cells were not counted.",
        "1 events before the first or after the last step were not counted.",
    )


def test_space_time_cube_by_quarter_from_uint64_and_default_range() -> None:
    events = _events().iloc[:4]
    events[H3_CELL] = pd.array([h3.str_to_int(c) for c in events[H3_CELL]], dtype="UInt64")
    cube = space_time_cube(events, cells=_area(1), step="quarter")
    assert cube.steps == ["2021Q1", "2021Q2", "2021Q3"]
    assert cube.counts.sum(axis=0).tolist() == [3, 0, 1]


def test_space_time_cube_takes_parents_when_given_a_resolution() -> None:
    children = [h3.cell_to_children(h3.int_to_str(int(c)), 11)[0] for c in _area(1)]
    events = pd.DataFrame({H3_CELL: children, DATE: pd.Timestamp("2021-05-01")})
    cube = space_time_cube(events, cells=_area(1), resolution=9)
    assert cube.counts.sum() == 7
    assert (cube.counts[:, 0] == 1).all()
    with pytest.raises(SchemaError, match="pass resolution=9"):
        space_time_cube(events, cells=_area(1))


def test_cube_from_counts_round_trip_and_gap_filling() -> None:
    cells = _area(1)
    table = pd.DataFrame({
        "area_code": [h3.int_to_str(int(c)) for c in cells for _ in range(2)],
        "area_name": pd.Series([None] * 14, dtype="str"),
        "period": ["2021-01", "2021-03"] * 7,
        "count": np.arange(14, dtype=np.int64),
    })  # fmt: skip
    cube = cube_from_counts(table)
    assert cube.steps == ["2021-01", "2021-02", "2021-03"]
    assert cube.resolution == 9
    assert cube.counts[:, 1].sum() == 0
    assert cube.counts.sum() == table["count"].sum()
    assert cube.notes == ("1 period(s) absent from the table were filled with zeros.",)


def test_cube_to_quarters_leaves_out_months_of_incomplete_quarters() -> None:
    cube = _cube(np.ones((37, 14)))  # 2020-01 .. 2021-02
    quarters = cube_to_quarters(cube)
    assert quarters.steps == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    assert (quarters.counts == 3).all()
    assert "2021-01, 2021-02: 74 events" in quarters.notes[-1]


# --- input errors -------------------------------------------------------------------------


def test_emerging_refuses_bad_options_all_at_once() -> None:
    cube = _cube(np.ones((37, 12)))
    with pytest.raises(SchemaError) as caught:
        emerging_hotspots(cube, k=-1, time_window=1.5, fdr="yes", alpha=1.0, seed=-3,  # type: ignore[arg-type]
                          permutations=True, pool="sometimes")  # type: ignore[arg-type]  # fmt: skip
    message = str(caught.value)
    for name in ("k=-1", "time_window=1.5", "fdr='yes'", "alpha=1.0", "seed=-3",
                 "permutations=True", "pool='sometimes'"):  # fmt: skip
        assert name in message


def test_emerging_refuses_what_is_not_a_cube() -> None:
    with pytest.raises(SchemaError, match="cube: expected a SpaceTimeCube, received DataFrame"):
        emerging_hotspots(pd.DataFrame())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"counts": np.ones((36, 12))}, r"shape \(36, 12\)"),
        ({"counts": -np.ones((37, 12))}, "must be >= 0"),
        ({"cells": _area()[::-1].copy()}, "not sorted and unique"),
        ({"cells": _area().astype(np.int64)}, "pass uint64 H3 cells"),
        ({"resolution": 8}, "cube.resolution=8"),
        ({"step": "week"}, "cube.step='week'"),
        ({"steps": [*MONTHS[:11], "2021-05"]}, "consecutive periods"),
        ({"steps": [*MONTHS[:11], "2020Q4"]}, "every label must be a month"),
    ],
)
def test_emerging_refuses_a_malformed_cube(change: dict, match: str) -> None:
    fields = {"counts": np.ones((37, 12)), "cells": _area(), "steps": MONTHS, "step": "month",
              "resolution": 9} | change  # fmt: skip
    with pytest.raises(SchemaError, match=match):
        emerging_hotspots(SpaceTimeCube(**fields))


@pytest.mark.parametrize(
    ("events", "options", "match"),
    [
        ([1, 2], {}, "events: expected a pandas DataFrame, received list"),
        (pd.DataFrame({"cell": [1]}), {}, r"missing column\(s\) \['h3_cell', 'date'\]"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: ["2021-01"]}), {}, "convert it with pd.to_dat"),
        (pd.DataFrame({H3_CELL: ["nonsense"], DATE: [pd.Timestamp("2021-01-01")]}), {},
         "neither H3 hex strings nor integers"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"step": "week"}, "step='week'"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"start": "2021-06", "end": "2021-01"}, "is after end"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"start": "soon"}, "start='soon' is not a date"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"resolution": 8}, "resolution=8 differs from the resolution of cells"),
    ],
)  # fmt: skip
def test_space_time_cube_refuses(events: object, options: dict, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        space_time_cube(events, cells=_area(), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cells", "match"),
    [
        ([CENTRE, CENTRE], "1 duplicate cell"),
        ([CENTRE, h3.cell_to_parent(CENTRE, 8)], r"mixes H3 resolutions \[8, 9\]"),
        ([CENTRE, None], "holds missing values"),
        ([12345], "are not H3 cells"),
    ],
)
def test_space_time_cube_refuses_bad_study_cells(cells: list, match: str) -> None:
    events = pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]})
    with pytest.raises(SchemaError, match=match):
        space_time_cube(events, cells=cells)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"area_code": ["E05010885"], "period": ["2021-01"], "count": [1]}),
         "not H3 cells|neither H3"),
        (pd.DataFrame({"area_code": [CENTRE], "period": ["all"], "count": [1]}),
         "every label must be a month"),
        (pd.DataFrame({"area_code": [CENTRE, CENTRE], "period": ["2021-01"] * 2, "count": [1, 2]}),
         "appears twice"),
        (pd.DataFrame({"area_code": [CENTRE], "period": ["2021-01"], "count": [-1]}),
         "negative or fractional"),
        (pd.DataFrame({"code": [CENTRE]}), r"missing column\(s\)"),
    ],
)  # fmt: skip
def test_cube_from_counts_refuses(table: pd.DataFrame, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        cube_from_counts(table)


def test_cube_to_quarters_refuses_a_quarterly_cube() -> None:
    cube = SpaceTimeCube(np.ones((37, 4)), _area(), ["2020Q1", "2020Q2", "2020Q3", "2020Q4"],
                         "quarter", 9)  # fmt: skip
    with pytest.raises(SchemaError, match="only a monthly cube can be pooled"):
        cube_to_quarters(cube)
