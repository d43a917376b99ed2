"""Trends: Mann-Kendall against hand values and pymannkendall, exact rate ratios against scipy."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pymannkendall as pmk
import pytest
from scipy import stats

from hotspots._multiple_testing import adjusted_p
from hotspots._trend_words import ratio_phrase
from hotspots.trends import (
    AREA_TREND_COLUMNS,
    Comparison,
    TrendResult,
    monthly_trend,
    period_comparison,
    rolling_total,
    trends_by_area,
)
from layers._errors import SchemaError


def _monthly(values: list[float] | np.ndarray, start: str = "2019-01", name: str = "") -> pd.Series:
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name=name or None)


def _seasonal_rise(months: int, seed: int = 1, rise: float = 1.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    rate = 40 + rise * t + 15 * np.sin(2 * np.pi * t / 12)
    return _monthly(rng.poisson(rate), name="violence")


def _table(rates: dict[str, np.ndarray], seed: int = 2) -> pd.DataFrame:
    """A long (area x month) table as layers.aggregate.counts(period='month') returns."""
    rng = np.random.default_rng(seed)
    rows = []
    for code, rate in rates.items():
        months = pd.period_range("2019-01", periods=len(rate), freq="M").strftime("%Y-%m")
        counts = rng.poisson(rate)
        rows += [(code, f"Ward {code}", m, int(c)) for m, c in zip(months, counts, strict=True)]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "period", "count"])
    return frame.astype({"area_code": "str", "area_name": "str", "period": "str", "count": "int64"})


# --- monthly_trend: reference values ----------------------------------------------------


def test_mann_kendall_by_hand_on_a_tiny_series() -> None:
    labels = ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    result = monthly_trend(pd.Series([1, 3, 2, 4, 5], index=labels))
    # S: 9 pairs rise, 1 falls (3 -> 2); var S = 5 * 4 * 15 / 18; z = (S - 1) / sd
    assert result.s == 8
    assert result.var_s == pytest.approx(300 / 18)
    assert result.z == pytest.approx(7 / np.sqrt(300 / 18))
    assert result.p == pytest.approx(2 * stats.norm.sf(7 / np.sqrt(300 / 18)))
    # pairwise slopes -1, .5, .5, .67, 1, 1, 1, 1.5, 2, 2: median 1 a month
    assert result.slope_per_month == pytest.approx(1.0)
    assert result.slope_per_year == pytest.approx(12.0)
    assert result.percent_per_year == pytest.approx(400.0)  # 12 against a mean of 3
    assert result.test == "Mann-Kendall"
    assert not result.seasonal
    assert result.direction == "no significant change"


def test_plain_test_matches_pymannkendall() -> None:
    series = _seasonal_rise(20, seed=4)
    result = monthly_trend(series)
    oracle = pmk.original_test(series.to_numpy())
    assert (result.s, result.z, result.p) == pytest.approx((oracle.s, oracle.z, oracle.p))
    assert result.slope_per_month == pytest.approx(oracle.slope)


def test_seasonal_test_matches_pymannkendall() -> None:
    series = _seasonal_rise(40, seed=5)
    result = monthly_trend(series)
    oracle = pmk.seasonal_test(series.to_numpy(), period=12)
    assert result.seasonal
    assert result.test == "seasonal Mann-Kendall"
    assert (result.s, result.var_s, result.z, result.p) == pytest.approx(
        (oracle.s, oracle.var_s, oracle.z, oracle.p)
    )
    assert result.slope_per_year == pytest.approx(oracle.slope)
    assert result.slope_per_month == pytest.approx(oracle.slope / 12)


# --- monthly_trend: choices and planted patterns ----------------------------------------


@pytest.mark.parametrize(("months", "seasonal"), [(23, False), (24, True), (36, True)])
def test_seasonal_test_chosen_from_24_months(months: int, seasonal: bool) -> None:
    result = monthly_trend(_seasonal_rise(months))
    assert result.seasonal is seasonal
    assert "chosen automatically" in result.choice
    assert f"{months} months" in result.choice


def test_seasonal_choice_can_be_forced() -> None:
    plain = monthly_trend(_seasonal_rise(36), seasonal=False)
    assert not plain.seasonal
    assert "as asked" in plain.choice


def test_planted_rise_is_found_and_said() -> None:
    result = monthly_trend(_seasonal_rise(36, rise=1.0))
    assert result.direction == "rising"
    assert result.p < 0.001
    assert result.slope_per_year == pytest.approx(12, abs=4)  # planted: +1 a month per month
    assert result.sentence.startswith("Violence rose by about ")
    assert "a month each year (Sen's slope;" in result.sentence
    assert "unlikely to be chance (Mann-Kendall p < 0.001, 36 months, seasonal test)" in (
        result.sentence
    )


def test_seasonal_peak_without_a_trend_is_not_a_trend() -> None:
    result = monthly_trend(_seasonal_rise(36, seed=3, rise=0.0))
    assert result.direction == "no significant change"
    assert "could well be chance" in result.sentence


def test_falling_series() -> None:
    result = monthly_trend(_monthly(np.arange(30, 0, -1)))
    assert result.direction == "falling"
    assert result.slope_per_year < 0
    assert result.sentence.startswith("The monthly count fell by about")


def test_month_labels_datetimes_and_periods_agree() -> None:
    values = [3, 5, 4, 6, 8, 7]
    periods = _monthly(values)
    labels = pd.Series(values, index=periods.index.strftime("%Y-%m"))
    dates = pd.Series(values, index=periods.index.to_timestamp())
    shuffled = labels.iloc[::-1]  # order is by month, not by position
    results = [monthly_trend(s) for s in (periods, labels, dates, shuffled)]
    assert all(r == results[0] for r in results[1:])


def test_trend_contract() -> None:
    series = _seasonal_rise(30)
    before = series.copy()
    result = monthly_trend(series)
    assert isinstance(result, TrendResult)
    assert result.first_month == "2019-01"
    assert result.last_month == "2021-06"
    assert result.months == 30
    assert 0 <= result.p <= 1
    assert result.slope_low_per_year <= result.slope_per_year <= result.slope_high_per_year
    assert result.direction in {"rising", "falling", "no significant change"}
    pd.testing.assert_series_equal(series, before)


# --- period_comparison ----------------------------------------------------------------------


def test_comparison_matches_scipy_binomtest() -> None:
    series = _monthly([27] * 6 + [28] * 6 + [34] * 8 + [35] * 4, name="violence")
    result = period_comparison(series)
    test = stats.binomtest(412, 742, 0.5)
    ci = test.proportion_ci(confidence_level=0.95, method="exact")
    assert (result.recent, result.baseline) == (412, 330)
    assert result.rate_ratio == pytest.approx(412 / 330)
    assert result.ci_low == pytest.approx(ci.low / (1 - ci.low), rel=1e-7)
    assert result.ci_high == pytest.approx(ci.high / (1 - ci.high), rel=1e-7)
    assert result.p == pytest.approx(test.pvalue)
    assert result.recent_months == "2020-01 to 2020-12"
    assert result.baseline_months == "2019-01 to 2019-12"
    assert result.sentence == (
        "Violence rose by a quarter against the previous 12 months (412 vs 330, rate ratio "
        f"1.25, 95% CI {result.ci_low:.2f}-{result.ci_high:.2f}); the rise is unlikely to be "
        f"chance (p = {test.pvalue:.3f})."
    )


@pytest.mark.parametrize(("a", "b"), [(0, 5), (3, 0), (7, 9), (40, 12), (1, 1)])
def test_small_counts_match_scipy(a: int, b: int) -> None:
    series = _monthly([0] * 11 + [b] + [0] * 11 + [a])
    result = period_comparison(series)
    test = stats.binomtest(a, a + b, 0.5)
    ci = test.proportion_ci(method="exact")
    assert result.p == pytest.approx(test.pvalue)
    assert result.ci_low == pytest.approx(ci.low / (1 - ci.low), rel=1e-7)
    high = ci.high / (1 - ci.high) if ci.high < 1 else np.inf
    assert result.ci_high == pytest.approx(high, rel=1e-7)


def test_year_earlier_compares_the_same_months() -> None:
    series = _monthly(list(range(1, 25)))  # 2019-01 .. 2020-12
    result = period_comparison(series, months=3, against="year_earlier")
    assert result.recent_months == "2020-10 to 2020-12"
    assert result.baseline_months == "2019-10 to 2019-12"
    assert (result.recent, result.baseline) == (22 + 23 + 24, 10 + 11 + 12)
    assert "against the same 3 months a year earlier" in result.sentence


def test_zero_against_zero_is_said_in_words() -> None:
    result = period_comparison(_monthly([0] * 24, name="knife injuries"))
    assert np.isnan(result.rate_ratio)
    assert np.isnan(result.p)
    assert result.direction == "no significant change"
    assert result.sentence == (
        "Knife injuries: no events in the last 12 months or the previous 12 months, so no "
        "change to measure."
    )


def test_rise_from_nothing() -> None:
    result = period_comparison(_monthly([0] * 12 + [1] * 12))
    assert result.rate_ratio == np.inf
    assert result.ci_high == np.inf
    assert result.direction == "rising"
    assert "rose from none" in result.sentence
    assert "rate ratio not defined" in result.sentence


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (1.25, "rose by a quarter"),
        (1.33, "rose by a third"),
        (1.5, "rose by a half"),
        (1.1, "rose by a tenth"),
        (1.37, "rose by 37%"),
        (2.0, "doubled"),
        (3.05, "tripled"),
        (2.5, "rose to 2.5 times the level"),
        (1.0, "stayed about the same"),
        (0.75, "fell by a quarter"),
        (0.5, "halved"),
        (0.25, "fell to a quarter"),
        (0.6, "fell by 40%"),
        (0.0, "fell to none"),
    ],
)
def test_ratio_words(ratio: float, words: str) -> None:
    assert ratio_phrase(ratio) == words


def test_comparison_contract() -> None:
    result = period_comparison(_seasonal_rise(30), months=6)
    assert isinstance(result, Comparison)
    assert result.months == 6
    assert result.against == "previous"
    assert result.ci_low <= result.rate_ratio <= result.ci_high
    assert "binomial" in result.method


# --- rolling_total -----------------------------------------------------------------------------


def test_rolling_total() -> None:
    series = _monthly([1, 2, 3, 4, 5], name="n")
    total = rolling_total(series, window=3)
    np.testing.assert_array_equal(total.to_numpy(), [np.nan, np.nan, 6, 9, 12])
    assert isinstance(total.index, pd.PeriodIndex)
    assert total.name == "n"
    assert total.dtype == "float64"
    assert rolling_total(series, window=12).isna().all()
    empty = rolling_total(_monthly([]))
    assert empty.empty
    assert empty.dtype == "float64"


# --- multiple testing ----------------------------------------------------------------------------


def test_benjamini_hochberg_and_holm_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4)
    # BH: 4p/rank = .02, .02, .04, .04, then running minimum from the top
    np.testing.assert_allclose(adjusted_p(p, "fdr_bh"), [0.02, 0.04, 0.04, 0.02, np.nan])
    # Holm: (m - rank + 1) p = .02, .03, .06, .04, then running maximum
    np.testing.assert_allclose(adjusted_p(p, "holm"), [0.03, 0.06, 0.06, 0.02, np.nan])
    np.testing.assert_allclose(adjusted_p(p, "none"), p)
    assert adjusted_p(np.array([0.5, 0.9]), "holm").max() == 1.0  # capped


def test_adjustment_matches_a_brute_force_definition() -> None:
    p = np.random.default_rng(3).random(30) ** 2
    order = np.argsort(p)
    ranked = p[order]
    m = len(p)
    bh = [min(min(m * ranked[j] / (j + 1) for j in range(i, m)), 1) for i in range(m)]
    holm = [min(max((m - j) * ranked[j] for j in range(i + 1)), 1) for i in range(m)]
    np.testing.assert_allclose(adjusted_p(p, "fdr_bh")[order], bh)
    np.testing.assert_allclose(adjusted_p(p, "holm")[order], holm)


# --- trends_by_area ---------------------------------------------------------------------


@pytest.fixture
def table() -> pd.DataFrame:
    flat = np.full(36, 6.0)
    return _table(
        {
            "E1": flat,
            "E2": np.r_[np.full(24, 5.0), np.full(12, 15.0)],  # planted rise
            "E3": np.r_[np.full(24, 20.0), np.full(12, 6.0)],  # planted fall
            "E4": np.zeros(36),
            "E5": flat,
            "E6": np.r_[np.full(24, 4.0), np.full(12, 8.0)],  # planted doubling
        }
    )


def test_trends_by_area_finds_planted_changes_and_sorts_them(table: pd.DataFrame) -> None:
    out = trends_by_area(table)
    assert list(out["area_code"][:2]) == ["E2", "E6"]  # significant rises, largest ratio first
    assert out.loc[out["area_code"] == "E3", "direction"].item() == "falling"
    assert out["area_code"].iloc[-2:].tolist() == ["E3", "E4"]  # falls, then no events
    empty = out[out["area_code"] == "E4"].iloc[0]
    assert np.isnan(empty["p"])
    assert not empty["significant"]
    assert "no events" in empty["sentence"]
    assert out.loc[out["area_code"] == "E2", "sentence"].item().startswith("Ward E2 ")
    assert "adjusted p" in out["sentence"].iloc[0]


def test_trends_by_area_values_match_the_single_series_functions(table: pd.DataFrame) -> None:
    out = trends_by_area(table, correction="none").set_index("area_code")
    for code in ("E1", "E2", "E3"):
        rows = table[table["area_code"] == code]
        series = pd.Series(rows["count"].to_numpy(), index=rows["period"].to_numpy())
        single = period_comparison(series)
        row = out.loc[code]
        assert (row["recent"], row["previous"]) == (single.recent, single.baseline)
        assert row["p"] == pytest.approx(single.p)
        assert row["p_adjusted"] == row["p"]
        assert row["ci_low"] == pytest.approx(single.ci_low)
        assert row["mk_z"] == pytest.approx(pmk.original_test(series.to_numpy()).z)


@pytest.mark.parametrize("correction", ["fdr_bh", "holm"])
def test_trends_by_area_adjusts_over_tested_areas(table: pd.DataFrame, correction: str) -> None:
    out = trends_by_area(table, correction=correction)
    tested = out["p"].notna().to_numpy()
    expected = adjusted_p(out["p"].to_numpy()[tested], correction)
    np.testing.assert_allclose(out["p_adjusted"].to_numpy()[tested], expected)
    assert out.attrs["correction"].startswith(
        "Benjamini-Hochberg" if correction == "fdr_bh" else "Holm"
    )
    assert "over the 5 areas with events" in out.attrs["correction"]
    assert (out["significant"] == (out["p_adjusted"] < 0.05)).all()


def test_trends_by_area_contract(table: pd.DataFrame) -> None:
    before = table.copy()
    out = trends_by_area(table)
    assert dict(out.dtypes.astype(str)) == AREA_TREND_COLUMNS
    assert len(out) == 6
    assert out.attrs["recent_months"] == "2021-01 to 2021-12"
    assert out.attrs["previous_months"] == "2020-01 to 2020-12"
    assert {"method", "trend_test", "months", "alpha"} <= set(out.attrs)
    tested = out[out["p"].notna()]
    assert tested["p"].between(0, 1).all()
    assert (tested["p_adjusted"] >= tested["p"]).all()
    pd.testing.assert_frame_equal(table, before)


def test_trends_by_area_empty_table_keeps_the_schema(table: pd.DataFrame) -> None:
    out = trends_by_area(table.iloc[:0])
    assert out.empty
    assert dict(out.dtypes.astype(str)) == AREA_TREND_COLUMNS
    assert "correction" in out.attrs


def test_trends_by_area_with_missing_names(table: pd.DataFrame) -> None:
    unnamed = table.assign(area_name=pd.Series(pd.NA, index=table.index, dtype="str"))
    out = trends_by_area(unnamed)
    assert out.loc[out["area_code"] == "E2", "sentence"].item().startswith("E2 rose")


# --- input errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "options", "match"),
    [
        (_monthly([1, 2, 3]), {}, "3 months received, at least 4"),
        (_monthly([1, 2, 3, 4, 5]).drop(pd.Period("2019-03", "M")), {}, "1 month missing"),
        (_monthly([1, -2, 3, 4, 5]), {}, "negative counts"),
        (_monthly([1, np.nan, 3, 4, 5]), {}, "1 missing or infinite"),
        (pd.Series([1, 2, 3, 4], index=["a", "b", "c", "d"]), {}, "labels are not months"),
        (pd.Series([1, 2, 3, 4], index=["2021-01"] * 4), {}, "months repeat"),
        ([1, 2, 3, 4], {}, "expected a pandas Series"),
        (_monthly(["a", "b", "c", "d"]), {}, "expected counts as numbers"),
        (_monthly(range(12)), {"seasonal": True}, "seasonal=True needs at least 24"),
        (_monthly(range(12)), {"alpha": 0}, "alpha: expected a number"),
        (
            pd.Series(range(5), index=pd.period_range("2020Q1", periods=5, freq="Q")),
            {},
            "expected months",
        ),
    ],
)
def test_monthly_trend_input_errors(series: object, options: dict[str, object], match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        monthly_trend(series, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "values", "match"),
    [
        ({}, list(range(20)), "20 months received, 24 needed"),
        ({"months": 0}, list(range(24)), "months: expected an integer >= 1"),
        ({"against": "last_year"}, list(range(24)), "against: expected 'previous'"),
        ({"months": 13, "against": "year_earlier"}, list(range(30)), "at most 12"),
        ({}, [1.5] * 24, "whole numbers"),
        ({"confidence": 95}, list(range(24)), "confidence: expected a number"),
    ],
)
def test_period_comparison_input_errors(
    options: dict[str, object], values: list[float], match: str
) -> None:
    with pytest.raises(SchemaError, match=match):
        period_comparison(_monthly(values), **options)  # type: ignore[arg-type]


def test_rolling_total_input_errors() -> None:
    with pytest.raises(SchemaError, match="window: expected an integer >= 1"):
        rolling_total(_monthly([1, 2]), window=0)
    with pytest.raises(SchemaError, match="month missing"):
        rolling_total(_monthly([1, 2, 3]).iloc[[0, 2]])


def _drop_one(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(index=table.index[5])


@pytest.mark.parametrize(
    ("change", "options", "match"),
    [
        (lambda t: t.drop(columns="count"), {}, "columns \\['count'\\] missing"),
        (_drop_one, {}, "1 area without some of the 36 months"),
        (lambda t: pd.concat([t, t.iloc[[0]]]), {}, "more than once"),
        (lambda t: t.assign(count=-t["count"] - 1), {}, "negative counts"),
        (lambda t: t.assign(count=t["count"] + 0.5), {}, "whole numbers"),
        (lambda t: t.assign(period="2021Q1"), {}, "not months"),
        (lambda t: t[t["period"] >= "2020-06"], {}, "19 months received, at least 24"),
        (lambda t: t, {"correction": "bonferroni"}, "correction: expected"),
        (lambda t: t, {"months": "12"}, "months: expected an integer"),
        (lambda t: t.to_dict(), {}, "table: expected a DataFrame"),
        (
            lambda t: t[~t["period"].isin(["2020-03"])],
            {},
            "1 month missing from 2019-01 to 2021-12",
        ),
    ],
)
def test_trends_by_area_input_errors(
    table: pd.DataFrame, change: object, options: dict[str, object], match: str
) -> None:
    with pytest.raises(SchemaError, match=match):
        trends_by_area(change(table), **options)  # type: ignore[operator]


# --- real data --------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_bristol_violence_by_lsoa(shared_data: Path) -> None:
    path = shared_data / "police_uk" / "bristol_street_2018-01_to_2021-09.csv.gz"
    crimes = pd.read_csv(path, usecols=["Month", "LSOA code", "LSOA name", "Crime type"])
    violence = crimes[crimes["Crime type"] == "Violence and sexual offences"].dropna()
    months = pd.period_range("2018-01", "2021-09", freq="M").strftime("%Y-%m")
    counts = violence.groupby(["LSOA code", "Month"]).size()
    areas = violence.drop_duplicates("LSOA code").set_index("LSOA code")["LSOA name"]
    grid = pd.MultiIndex.from_product([areas.index, months], names=["area_code", "period"])
    table = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    table["area_name"] = areas.reindex(table["area_code"]).to_numpy()
    table = table.astype({"area_code": "str", "period": "str", "area_name": "str"})
    start = time.perf_counter()
    out = trends_by_area(table)
    assert time.perf_counter() - start < 10
    assert len(out) == len(areas)
    assert out.attrs["recent_months"] == "2020-10 to 2021-09"
    city = table.groupby("period")["count"].sum()
    trend = monthly_trend(city.rename("violence"))
    oracle = pmk.seasonal_test(city.to_numpy(), period=12)
    assert trend.seasonal
    assert trend.z == pytest.approx(oracle.z)
    assert trend.slope_per_year == pytest.approx(oracle.slope)
