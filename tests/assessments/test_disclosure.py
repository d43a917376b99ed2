"""Disclosure control: policies, small counts, rounding, secondary suppression, map units."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import _suppression
from assessments.disclosure import (
    POLICIES,
    DisclosurePolicy,
    disclose_count,
    get_policy,
    map_resolution_for,
    protect_rate,
    protect_series,
    protect_table,
)
from assessments.exports import disclosed_counts_table, disclosed_csv
from layers import aggregate
from layers._errors import SchemaError
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from layers.store import Store

PUBLIC = get_policy("public")
PARTNERSHIP = get_policy("partnership")
NO_SECONDARY = DisclosurePolicy("partnership", secondary=False)


# ------------------------------------------------------------ brute-force reader


Cell = tuple[int, str]
Constraint = tuple[list[Cell], list[int], int, int]


def _reader_solutions(
    protected: pd.DataFrame,
    true: pd.DataFrame,
    columns: Sequence[str],
    *,
    total: str | None,
    groups: list[list[int]],
    policy: DisclosurePolicy,
) -> dict[Cell, set[int]]:
    """Every value a hidden cell can take given all shown figures (shown taken as exact).

    The reader knows: shown cells exactly, ``<5`` is 1-4, ``[c]`` is 5 or more (it was
    not small), each row total equals its parts, each group's column total as
    ``disclose_count`` shows it. Enumerated by depth-first search with interval pruning.
    """
    known, domain = _reader_cells(protected, true, columns, policy)
    constraints = _row_sums(true, columns, total) + _group_sums(true, columns, groups, policy)
    return _enumerate(known, domain, constraints)


def _reader_cells(
    protected: pd.DataFrame, true: pd.DataFrame, columns: Sequence[str], policy: DisclosurePolicy
) -> tuple[dict[Cell, int], dict[Cell, range]]:
    upper = int(true[list(columns)].to_numpy().sum()) + 1
    known: dict[Cell, int] = {}
    domain: dict[Cell, range] = {}
    for i in range(len(true)):
        for c in columns:
            text = protected[c].iloc[i]
            if text == policy.small_label:
                domain[(i, c)] = range(1, policy.suppress_below)
            elif text == "[c]":
                domain[(i, c)] = range(policy.suppress_below, upper + 1)
            else:
                known[(i, c)] = int(true[c].iloc[i])
    return known, domain


def _row_sums(true: pd.DataFrame, columns: Sequence[str], total: str | None) -> list[Constraint]:
    if total is None:
        return []
    parts = [c for c in columns if c != total]
    return [
        ([(i, c) for c in parts] + [(i, total)], [1] * len(parts) + [-1], 0, 0)
        for i in range(len(true))
    ]


def _group_sums(
    true: pd.DataFrame, columns: Sequence[str], groups: list[list[int]], policy: DisclosurePolicy
) -> list[Constraint]:
    out: list[Constraint] = []
    for rows in groups:
        for c in columns:
            value = int(true[c].iloc[rows].sum())
            small = disclose_count(value, policy).startswith("<")
            low, high = (1, policy.suppress_below - 1) if small else (value, value)
            out.append(([(i, c) for i in rows], [1] * len(rows), low, high))
    return out


def _enumerate(
    known: dict[Cell, int], domain: dict[Cell, range], constraints: list[Constraint]
) -> dict[Cell, set[int]]:
    hidden = list(domain)
    found: dict[Cell, set[int]] = {cell: set() for cell in hidden}
    assign: dict[Cell, int] = {}

    def term(cell: Cell, a: int) -> tuple[int, int]:
        if cell in known or cell in assign:
            v = known.get(cell, assign.get(cell, 0))
            return a * v, a * v
        d = domain[cell]
        return (a * d[0], a * d[-1]) if a > 0 else (a * d[-1], a * d[0])

    def feasible() -> bool:
        for cells, coefs, low, high in constraints:
            terms = [term(cell, a) for cell, a in zip(cells, coefs, strict=True)]
            if sum(t[0] for t in terms) > high or sum(t[1] for t in terms) < low:
                return False
        return True

    def search(k: int) -> None:
        if k == len(hidden):
            for cell in hidden:
                found[cell].add(assign[cell])
            return
        for v in domain[hidden[k]]:
            assign[hidden[k]] = v
            if feasible():
                search(k + 1)
        del assign[hidden[k]]

    search(0)
    return found


def _determined(solutions: dict[tuple[int, str], set[int]]) -> list[tuple[int, str]]:
    return [cell for cell, values in solutions.items() if len(values) < 2]


# ------------------------------------------------------------ policies and single figures


def test_policies_defaults() -> None:
    assert set(POLICIES) == {"public", "partnership"}
    assert (PUBLIC.suppress_below, PUBLIC.round_to, PUBLIC.secondary) == (5, 5, True)
    assert (PARTNERSHIP.suppress_below, PARTNERSHIP.round_to) == (5, 1)
    assert PUBLIC.max_suppressed_share == 0.25
    assert PUBLIC.show_zero


def test_policies_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_DISCLOSURE_THRESHOLD", "10")
    monkeypatch.setenv("ATLAS_PUBLIC_ROUNDING", "10")
    public, partnership = get_policy("public"), get_policy("partnership")
    assert (public.suppress_below, public.round_to) == (10, 10)
    assert (partnership.suppress_below, partnership.round_to) == (10, 1)
    assert disclose_count(9, public) == "<10"
    assert disclose_count(14, public) == "10"
    assert "counts of 1 to 9 are shown as <10" in public.statement()
    assert "nearest 10" in public.statement()


def test_bad_policy_name_and_numbers_are_refused() -> None:
    with pytest.raises(SchemaError, match="Use one of: partnership, public"):
        get_policy("everyone")
    with pytest.raises(SchemaError, match=r"suppress_below.*round_to"):
        DisclosurePolicy("x", suppress_below=0, round_to=0)


@pytest.mark.parametrize(
    ("value", "public", "partnership"),
    [
        (0, "0", "0"),
        (1, "<5", "<5"),
        (4, "<5", "<5"),
        (5, "5", "5"),
        (7, "5", "7"),
        (8, "10", "8"),
        (12, "10", "12"),
        (13, "15", "13"),
        (1002, "1000", "1002"),
    ],
)
def test_disclose_count_suppresses_and_rounds(value: int, public: str, partnership: str) -> None:
    assert disclose_count(value, PUBLIC) == public
    assert disclose_count(value, PARTNERSHIP) == partnership


def test_zero_hidden_when_the_policy_says_so() -> None:
    strict = DisclosurePolicy("public", round_to=5, show_zero=False)
    assert disclose_count(0, strict) == "<5"
    assert "counts of 0 to 4" in strict.statement()


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_disclose_count_refuses_non_counts(bad: object) -> None:
    with pytest.raises(SchemaError, match="non-negative integer"):
        disclose_count(bad, PUBLIC)  # type: ignore[arg-type]


def test_statement_text() -> None:
    assert PUBLIC.statement() == (
        "Disclosure control (public): counts of 1 to 4 are shown as <5 and other counts "
        "are rounded to the nearest 5 (a true zero is shown as 0); where one figure in a "
        "row is hidden, another is hidden too (shown as [c]) so that it cannot be worked "
        "out from the total; rounded figures may not add up to the totals."
    )
    assert "other counts are exact" in PARTNERSHIP.statement()
    assert "another is hidden" not in NO_SECONDARY.statement()


def test_rates_hidden_with_their_counts_and_rounded() -> None:
    assert protect_rate(1.234, 3, PUBLIC) == "<5"
    assert protect_rate(9.876, 40, PUBLIC, suppressed=True) == "[c]"
    assert protect_rate(0.0, 0, PUBLIC) == "0"
    assert protect_rate(12.345, 40, PUBLIC) == "12"
    assert protect_rate(12.345, 40, PARTNERSHIP) == "12.3"
    assert protect_rate(0.012345, 40, PARTNERSHIP) == "0.0123"
    assert protect_rate(1234.5, 40, PUBLIC) == "1200"


def test_protect_series_keeps_index_and_marks_hidden() -> None:
    values = pd.Series([0, 3, 12], index=["a", "b", "c"], name="n")
    out = protect_series(values, PUBLIC)
    assert out.tolist() == ["0", "<5", "10"]
    assert list(out.index) == ["a", "b", "c"]
    assert out.attrs["suppressed"].tolist() == [False, True, False]
    assert values.tolist() == [0, 3, 12]


# ------------------------------------------------------------ tables: contract and errors


def test_protect_table_errors_are_collected_and_clear() -> None:
    table = pd.DataFrame({"a": [1, 2], "b": [3, -1], "t": [4, 1]})
    with pytest.raises(SchemaError, match=r"'zz' is missing.*'gg' is missing"):
        protect_table(table, count_columns=["a", "zz"], policy=PUBLIC, group_columns=["gg"])
    with pytest.raises(SchemaError, match="'b' must hold non-negative whole counts"):
        protect_table(table, count_columns=["a", "b"], policy=PUBLIC)
    good = pd.DataFrame({"a": [1, 2], "b": [3, 4], "t": [4, 7]})
    with pytest.raises(SchemaError, match="not the sum"):
        protect_table(good, count_columns=["a", "b"], total_column="t", policy=PUBLIC)


def test_protect_table_output_contract_and_input_untouched() -> None:
    table = pd.DataFrame({"ward": ["x", "y"], "a": [3, 12], "b": [12, 20]})
    table["total"] = table["a"] + table["b"]
    before = table.copy()
    out = protect_table(table, count_columns=["a", "b"], total_column="total", policy=PARTNERSHIP)
    pd.testing.assert_frame_equal(table, before)
    assert list(out.columns) == list(table.columns)
    assert out["ward"].tolist() == ["x", "y"]
    assert out.loc[0, ["a", "b", "total"]].tolist() == ["<5", "[c]", "15"]
    assert out.attrs["suppressed"].to_numpy().tolist() == [[True, True, False], [False] * 3]
    assert out.attrs["secondary"].to_numpy().sum() == 1
    assert out.attrs["exposed"] == 0
    assert out.attrs["statement"] == PARTNERSHIP.statement()


def test_rate_columns_follow_their_counts() -> None:
    table = pd.DataFrame({"a": [3, 12, 30], "b": [12, 20, 7], "rate_a": [0.5, 2.25, 7.125]})
    table["t"] = table["a"] + table["b"]
    out = protect_table(
        table,
        count_columns=["a", "b"],
        total_column="t",
        policy=PUBLIC,
        rate_columns={"rate_a": "a"},
    )
    assert out["rate_a"].tolist() == ["<5", "2.3", "7.1"]


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


# ------------------------------------------------------------ map coarsening


def _grid(counts_by_child: list[int], parent: str) -> pd.DataFrame:
    children = sorted(h3.cell_to_children(parent, h3.get_resolution(parent) + 1))
    return pd.DataFrame({"area_code": children[: len(counts_by_child)], "count": counts_by_child})


def test_dense_map_keeps_its_resolution() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    unit, why = map_resolution_for(_grid([9, 12, 30, 6, 0, 2, 15], parent), PUBLIC)
    assert unit == "h3:8"
    assert "17% of the 6 cells with any events are shown as <5 (at most 25% allowed)" in why


def test_sparse_map_goes_to_parent_cells() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    unit, why = map_resolution_for(_grid([1, 2, 1, 3, 0, 2, 1], parent), PUBLIC)
    assert unit == "h3:7"
    assert "coarsened from H3 resolution 8 to 7" in why


def test_scattered_single_events_fall_back_to_wards() -> None:
    far = [h3.latlng_to_cell(51.3 + 0.3 * k, -2.9 + 0.4 * k, 8) for k in range(4)]
    frame = pd.DataFrame({"area_code": far, "count": [1, 1, 2, 40]})
    unit, why = map_resolution_for(frame, PUBLIC)
    assert unit == "ward"
    assert "even at H3 resolution 6" in why
    assert "75% of the 4 cells" in why


def test_empty_map_keeps_its_resolution() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    assert map_resolution_for(_grid([0, 0], parent), PUBLIC) == (
        "h3:8",
        "Map cells at H3 resolution 8: no cell has any events.",
    )


def test_map_resolution_refuses_non_h3_tables() -> None:
    with pytest.raises(SchemaError, match="H3 cells of one resolution"):
        map_resolution_for(pd.DataFrame({"area_code": ["E05001"], "count": [3]}), PUBLIC)
    with pytest.raises(SchemaError, match="missing"):
        map_resolution_for(pd.DataFrame({"code": []}), PUBLIC)


# ------------------------------------------------------------ exports on the demo store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tmp: Path = tmp_path_factory.mktemp("disclosure")
    settings_ = load_settings(
        store=tmp / "demo.duckdb", rejected_dir=tmp / "rejected", secret_file=tmp / "key"
    )
    build_demo_store(settings_, seed=7, scale=0.3)
    return Store(settings_.store)


def test_counts_table_by_ward_and_year_is_protected(store: Store) -> None:
    counts = aggregate.counts(store, by="ward", kinds=["knife"], period="year")
    out = disclosed_counts_table(counts, policy=PARTNERSHIP)
    raw = counts.pivot_table(
        index="area_code", columns="period", values="count", aggfunc="sum", fill_value=0
    )
    years = [str(y) for y in raw.columns]
    assert list(out.columns) == ["area_code", "area_name", *years, "total"]
    assert len(out) == counts["area_code"].nunique()
    hidden = out.attrs["suppressed"]
    for year in years:
        truth = raw[year].reindex(out["area_code"]).to_numpy()
        small = (truth >= 1) & (truth <= 4)
        assert (hidden[year].to_numpy() | ~small).all()
        shown = ~hidden[year].to_numpy()
        assert (out[year].to_numpy()[shown] == truth[shown].astype(str)).all()
    # Knife injuries by ward and year are very sparse: a ward whose four yearly counts
    # are all non-zero yet total under 5 must be 1, 1, 1, 1 (total 4) whatever is hidden.
    nonzero_years = (raw[years] > 0).sum(axis=1)
    pinned = int(((raw[years].sum(axis=1) < 5) & (nonzero_years >= 4)).sum())
    assert out.attrs["exposed"] == pinned * (len(years) + 1)
    hide_zeros = DisclosurePolicy("partnership", show_zero=False)
    assert disclosed_counts_table(counts, policy=hide_zeros).attrs["exposed"] == 0


def test_counts_table_by_locality_is_protected(store: Store) -> None:
    counts = aggregate.counts(store, by="locality", kinds=["incidents"], period="year")
    out = disclosed_counts_table(counts, policy=PUBLIC)
    assert out.attrs["exposed"] == 0
    values = out.drop(columns=["area_code", "area_name"]).to_numpy().ravel()
    assert all(v in {"<5", "[c]"} or int(v) % 5 == 0 for v in values)


def test_disclosed_csv_states_policy_and_neutralises(store: Store) -> None:
    table = pd.DataFrame({"area": ["=cmd()", "B", "C"], "n": [3, 8, 40]})
    text = disclosed_csv(table, count_columns=["n"], policy=PUBLIC, column_totals=True).decode(
        "utf-8-sig"
    )
    lines = text.strip().split("\r\n")
    assert lines[0] == "area,n"
    assert lines[1] == "'=cmd(),<5"
    assert lines[2] == "B,[c]"
    assert lines[3] == "C,40"
    assert lines[-1].startswith('"Disclosure control (public)')
    assert lines[-1].endswith(",")


def test_map_resolution_on_demo_counts_is_coarser_for_knife_injuries(store: Store) -> None:
    fine = aggregate.counts(store, by="h3:10", kinds=["knife"])
    unit, why = map_resolution_for(fine[["area_code", "count"]], PUBLIC)
    assert unit != "h3:10"
    assert "coarsened" in why or unit == "ward"
    nonzero = fine.loc[fine["count"] > 0, "count"]
    assert ((nonzero >= 1) & (nonzero <= 4)).mean() > PUBLIC.max_suppressed_share


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
