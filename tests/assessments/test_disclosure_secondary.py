"""Disclosure control, secondary suppression: no hidden figure can be worked out from the rest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import _suppression
from assessments.disclosure import get_policy, protect_table
from tests.assessments._disclosure_support import (
    NO_SECONDARY,
    PARTNERSHIP,
    _determined,
    _reader_solutions,
)

# ------------------------------------------------------------ secondary suppression


def test_naive_rule_leaks_and_secondary_suppression_does_not() -> None:
    table = pd.DataFrame({"a": [3, 9, 15], "b": [12, 8, 20], "c": [20, 25, 6]})
    table["total"] = table[["a", "b", "c"]].sum(axis=1)
    columns = ["a", "b", "c", "total"]
    naive = protect_table(table, count_columns=columns, total_column="total", policy=NO_SECONDARY)
    leaked = _reader_solutions(naive, table, columns, total="total", groups=[], policy=NO_SECONDARY)
    assert leaked == {(0, "a"): {3}}  # 35 - 12 - 20
    safe = protect_table(table, count_columns=columns, total_column="total", policy=PARTNERSHIP)
    solutions = _reader_solutions(
        safe, table, columns, total="total", groups=[], policy=PARTNERSHIP
    )
    assert _determined(solutions) == []
    assert safe.attrs["exposed"] == 0
    assert solutions[(0, "a")] == {1, 2, 3, 4}
    assert safe.loc[0, "b"] == "[c]"  # the next smallest non-zero figure of the row


def test_pair_that_still_pins_the_value_gets_a_third_cell() -> None:
    # 1 + 5: with the pair hidden, the reader knows x + y = 6, x >= 1, y >= 5 -> x = 1.
    table = pd.DataFrame({"a": [1], "b": [5], "c": [20], "total": [26]})
    columns = ["a", "b", "c", "total"]
    out = protect_table(table, count_columns=columns, total_column="total", policy=PARTNERSHIP)
    assert out.loc[0, ["a", "b", "c"]].tolist() == ["<5", "[c]", "[c]"]
    solutions = _reader_solutions(out, table, columns, total="total", groups=[], policy=PARTNERSHIP)
    assert _determined(solutions) == []


def test_total_hidden_when_no_other_part_can_be() -> None:
    table = pd.DataFrame({"a": [3, 0], "b": [0, 9], "total": [3, 9]})
    out = protect_table(
        table, count_columns=["a", "b", "total"], total_column="total", policy=PARTNERSHIP
    )
    assert out.loc[0, ["a", "b", "total"]].tolist() == ["<5", "0", "<5"]


def test_two_way_table_with_row_and_column_totals_does_not_leak() -> None:
    table = pd.DataFrame({"a": [2, 9, 12], "b": [10, 6, 14], "c": [15, 20, 3]})
    table["total"] = table[["a", "b", "c"]].sum(axis=1)
    columns = ["a", "b", "c", "total"]
    naive = protect_table(
        table, count_columns=columns, total_column="total", column_totals=True, policy=NO_SECONDARY
    )
    leaked = _reader_solutions(
        naive, table, columns, total="total", groups=[[0, 1, 2]], policy=NO_SECONDARY
    )
    assert set(_determined(leaked)) == {(0, "a"), (2, "c")}
    out = protect_table(
        table, count_columns=columns, total_column="total", column_totals=True, policy=PARTNERSHIP
    )
    solutions = _reader_solutions(
        out, table, columns, total="total", groups=[[0, 1, 2]], policy=PARTNERSHIP
    )
    assert _determined(solutions) == []
    assert out.attrs["exposed"] == 0


def test_groups_protect_wards_of_one_locality() -> None:
    table = pd.DataFrame(
        {
            "locality": ["N", "N", "N", "S", "S"],
            "ward": ["n1", "n2", "n3", "s1", "s2"],
            "knife": [2, 11, 30, 7, 9],
        }
    )
    out = protect_table(
        table, count_columns=["knife"], group_columns=["locality"], policy=PARTNERSHIP
    )
    assert out["knife"].tolist() == ["<5", "[c]", "30", "7", "9"]
    solutions = _reader_solutions(
        out, table, ["knife"], total=None, groups=[[0, 1, 2], [3, 4]], policy=PARTNERSHIP
    )
    assert _determined(solutions) == []


_cell = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 40])


@st.composite
def _tables(draw: st.DrawFn, max_rows: int = 6, max_parts: int = 4) -> tuple:
    rows = draw(st.integers(1, max_rows))
    parts = draw(st.integers(1, max_parts))
    values = draw(
        st.lists(st.lists(_cell, min_size=parts, max_size=parts), min_size=rows, max_size=rows)
    )
    table = pd.DataFrame(values, columns=[f"p{j}" for j in range(parts)])
    with_total = draw(st.booleans())
    if with_total:
        table["total"] = table.sum(axis=1)
    table["group"] = draw(st.lists(st.sampled_from("AB"), min_size=rows, max_size=rows))
    columns = [c for c in table.columns if c != "group"]
    how = draw(st.sampled_from(["none", "table", "group"]))
    return table, columns, ("total" if with_total else None), how


def _options(how: str) -> dict[str, Any]:
    options: dict[str, dict[str, Any]] = {
        "none": {},
        "table": {"column_totals": True},
        "group": {"group_columns": ["group"]},
    }
    return options[how]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_tables(), name=st.sampled_from(["public", "partnership"]))
def test_no_small_count_survives(case: tuple, name: str) -> None:
    table, columns, total, how = case
    policy = get_policy(name)
    out = protect_table(
        table, count_columns=columns, total_column=total, policy=policy, **_options(how)
    )
    for c in columns:
        for shown, true in zip(out[c], table[c], strict=True):
            if shown.isdigit():
                assert not 1 <= int(shown) <= 4
                assert int(shown) == (
                    0
                    if true == 0
                    else max(5, policy.round_to * round(true / policy.round_to + 1e-9))
                )
                assert (int(shown) == 0) == (true == 0)
            else:
                assert shown in {"<5", "[c]"}
                assert (shown == "<5") == (1 <= true <= 4)
                assert shown == "<5" or true >= 5


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_tables(max_rows=3, max_parts=3))
def test_secondary_suppression_holds_against_brute_force(case: tuple) -> None:
    table, columns, total, how = case
    out = protect_table(
        table, count_columns=columns, total_column=total, policy=PARTNERSHIP, **_options(how)
    )
    groups: list[list[int]] = []
    if how == "table":
        groups = [list(range(len(table)))]
    elif how == "group":
        groups = [list(np.flatnonzero(table["group"] == g)) for g in pd.unique(table["group"])]
    solutions = _reader_solutions(
        out, table, columns, total=total, groups=groups, policy=PARTNERSHIP
    )
    assert len(_determined(solutions)) <= out.attrs["exposed"]
    if how != "group" and how != "table":
        assert out.attrs["exposed"] == 0


def test_audit_finds_a_figure_pinned_only_by_several_sums_together() -> None:
    # Two hidden 2 x 2 rectangles joined by one hidden cell (row 1, column c): each row
    # and column holds two or more hidden cells, yet the rows 0-1 totals minus the
    # columns a-b totals give that cell exactly. Interval reasoning misses it.
    values = np.array([[6, 7, 9, 8], [5, 9, 6, 7], [8, 6, 5, 9], [7, 8, 6, 5]], dtype=np.int64)
    values = np.column_stack([values, values.sum(axis=1)])
    hidden = np.zeros(values.shape, dtype=bool)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[r, c] = True
    flat, none = values.ravel().astype(float), np.zeros(hidden.size, dtype=bool)
    groups = [np.arange(4)]
    constraints = _suppression._constraints(values, 4, groups, 5, True)
    low, high = _suppression._bounds(flat, none, hidden.ravel(), 5, True)
    _suppression._propagate(low, high, hidden.ravel(), constraints)
    assert not (hidden.ravel() & (high - low < 1)).any()
    exposed = _suppression._exposed(flat, none, hidden.ravel(), constraints, 5, True)
    assert [divmod(int(i), 5) for i in exposed] == [(1, 2)]
