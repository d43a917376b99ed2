"""Disclosure control of single figures and tables: policies, small counts, rounding, rates."""

from __future__ import annotations

import pandas as pd
import pytest

from assessments.disclosure import (
    POLICIES,
    DisclosurePolicy,
    disclose_count,
    get_policy,
    protect_rate,
    protect_series,
    protect_table,
)
from layers._errors import SchemaError
from tests.assessments._disclosure_support import NO_SECONDARY, PARTNERSHIP, PUBLIC

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
