"""Mann-Kendall and Sen's slope core: hand-computed cases, pymannkendall as the oracle, errors."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall as pmk
import pytest
from scipy import stats

from hotspots._mannkendall import (
    MannKendall,
    mann_kendall,
    mann_kendall_many,
    seasonal_mann_kendall,
    seasonal_sen_slope,
    sen_slope,
    sen_slope_many,
)
from layers._errors import SchemaError

TOL = 1e-10


def _series(rng: np.random.Generator, *, nan: bool) -> np.ndarray:
    """A series of small integers (many ties), sometimes with missing values."""
    x = rng.integers(0, 5, int(rng.integers(13, 61))).astype(float)
    if nan:
        x[rng.integers(0, x.size, 3)] = np.nan
    return x


def _close(ours: MannKendall, theirs: object) -> None:
    for mine, name in (
        ("s", "s"),
        ("var_s", "var_s"),
        ("z", "z"),
        ("p", "p"),
        ("tau", "Tau"),
        ("slope", "slope"),
        ("intercept", "intercept"),
    ):
        assert getattr(ours, mine) == pytest.approx(getattr(theirs, name), abs=TOL), mine
    assert ours.trend == theirs.trend  # type: ignore[attr-defined]


# --- hand-computed --------------------------------------------------------------------


def test_hand_computed_series_without_ties() -> None:
    # [1, 2, 3, 5, 4]: of the 10 pairs only (5, 4) goes down, so S = 9 - 1 = 8.
    result = mann_kendall(np.array([1, 2, 3, 5, 4]))
    var_s = 5 * 4 * (2 * 5 + 5) / 18  # 16.67, no ties
    z = (8 - 1) / math.sqrt(var_s)  # continuity correction
    assert (result.n, result.s, result.var_s) == (5, 8.0, pytest.approx(var_s))
    assert result.z == pytest.approx(z)
    assert result.p == pytest.approx(2 * stats.norm.sf(z))
    assert result.tau == pytest.approx(0.8)
    # pairwise slopes sorted: -1, 0.5, 2/3, 0.75, 1, 1, 1, 4/3, 1.5, 2 -> median 1
    assert result.slope == pytest.approx(1.0)
    # C = 1.96 sqrt(16.67) = 8.0: ranks round((10 - 8) / 2) = 1 and round((10 + 8) / 2 + 1) = 10
    assert (result.slope_low, result.slope_high) == (pytest.approx(-1.0), pytest.approx(2.0))
    assert result.intercept == pytest.approx(3 - 2 * 1.0)  # median(x) - median(t) * slope
    assert result.trend == "no trend"  # p = 0.086 > 0.05


def test_hand_computed_series_with_ties() -> None:
    # [1, 1, 2, 2, 2]: 6 rising pairs, the rest tied: S = 6; tie groups of 2 and 3.
    result = mann_kendall(np.array([1, 1, 2, 2, 2]))
    var_s = (5 * 4 * 15 - (2 * 1 * 9 + 3 * 2 * 11)) / 18  # = 12
    assert (result.s, result.var_s) == (6.0, pytest.approx(var_s))
    assert result.z == pytest.approx(5 / math.sqrt(12))


def test_falling_series_uses_s_plus_one() -> None:
    result = mann_kendall(np.arange(10, 0, -1))
    assert result.s == -45
    assert result.z == pytest.approx((-45 + 1) / math.sqrt(10 * 9 * 25 / 18))
    assert result.trend == "decreasing"
    assert result.tau == -1.0


def test_constant_series_says_no_trend() -> None:
    result = mann_kendall(np.full(12, 3.0))
    assert (result.s, result.var_s, result.z, result.p) == (0.0, 0.0, 0.0, 1.0)
    assert result.trend == "no trend"
    assert (result.slope, result.slope_low, result.slope_high) == (0.0, 0.0, 0.0)


def test_too_short_series_is_no_trend_with_undefined_tau() -> None:
    result = mann_kendall(np.array([4.0]))
    assert (result.n, result.z, result.p) == (1, 0.0, 1.0)
    assert math.isnan(result.tau)
    assert math.isnan(mann_kendall(np.array([])).slope)


# --- against pymannkendall ------------------------------------------------------------


@pytest.mark.parametrize("nan", [False, True])
def test_single_series_agree_with_pymannkendall(nan: bool) -> None:
    rng = np.random.default_rng(3)
    for _ in range(60):
        x = _series(rng, nan=nan)
        _close(mann_kendall(x), pmk.original_test(x))


def test_many_rows_agree_with_pymannkendall_and_with_one_row_at_a_time() -> None:
    rng = np.random.default_rng(5)
    matrix = rng.poisson(1.5, (40, 48)).astype(float)
    matrix[3, [4, 9]] = np.nan
    result = mann_kendall_many(matrix)
    for row in range(len(matrix)):
        theirs = pmk.original_test(matrix[row])
        assert result["s"][row] == pytest.approx(theirs.s, abs=TOL)
        assert result["var_s"][row] == pytest.approx(theirs.var_s, abs=TOL)
        assert result["z"][row] == pytest.approx(theirs.z, abs=TOL)
        assert result["p"][row] == pytest.approx(theirs.p, abs=TOL)
        assert result["tau"][row] == pytest.approx(theirs.Tau, abs=TOL)
        assert result["slope"][row] == pytest.approx(theirs.slope, abs=TOL)
        assert result["intercept"][row] == pytest.approx(theirs.intercept, abs=TOL)
        assert result["trend"][row] == theirs.trend
        one = mann_kendall(matrix[row])
        assert (one.slope_low, one.slope_high) == (
            result["slope_low"][row],
            result["slope_high"][row],
        )


def test_many_without_slopes_skips_them_and_keeps_the_test() -> None:
    matrix = np.random.default_rng(1).poisson(2, (5, 20))
    fast = mann_kendall_many(matrix, slopes=False)
    full = mann_kendall_many(matrix)
    assert np.isnan(fast["slope"]).all()
    np.testing.assert_array_equal(fast["z"], full["z"])
    assert set(full) == {"n", "s", "var_s", "z", "p", "tau", "trend", "slope", "slope_low",
                         "slope_high", "intercept"}  # fmt: skip


@pytest.mark.parametrize(("period", "length"), [(12, 48), (12, 44), (4, 30)])
def test_seasonal_test_agrees_with_pymannkendall(period: int, length: int) -> None:
    rng = np.random.default_rng(period + length)
    x = rng.poisson(3, length) + np.tile(np.arange(period), length // period + 1)[:length]
    ours = seasonal_mann_kendall(x, period=period)
    theirs = pmk.seasonal_test(x, period=period)
    _close(ours, theirs)
    slope = pmk.seasonal_sens_slope(x, period=period)
    assert seasonal_sen_slope(x, period=period)[0] == pytest.approx(slope.slope, abs=TOL)


def test_sen_slope_interval_brackets_the_slope_and_widens_with_confidence() -> None:
    x = np.random.default_rng(2).normal(size=30).cumsum()
    slope, low, high = sen_slope(x)
    _, low_99, high_99 = sen_slope(x, confidence=0.99)
    assert low <= slope <= high
    assert low_99 <= low
    assert high <= high_99
    many = sen_slope_many(np.vstack([x, x[::-1]]))
    assert many["slope"][0] == pytest.approx(slope)
    assert many["slope"][1] == pytest.approx(-slope)


def test_sen_slope_interval_is_the_order_statistic_interval_by_brute_force() -> None:
    x = np.random.default_rng(8).integers(0, 9, 25).astype(float)
    slopes = np.sort([(x[j] - x[i]) / (j - i) for i in range(25) for j in range(i + 1, 25)])
    var_s = mann_kendall(x).var_s
    spread = stats.norm.ppf(0.975) * math.sqrt(var_s)
    low = slopes[int(np.round((slopes.size - spread) / 2)) - 1]
    high = slopes[int(np.round((slopes.size + spread) / 2 + 1)) - 1]
    assert sen_slope(x)[1:] == (low, high)


# --- input errors ---------------------------------------------------------------------


def test_refuses_a_matrix_where_one_series_is_expected() -> None:
    with pytest.raises(SchemaError, match=r"values: expected a 1-D numeric array, received 2-D"):
        mann_kendall(np.ones((3, 4)))


def test_refuses_text() -> None:
    with pytest.raises(SchemaError, match="matrix: expected a 2-D numeric array"):
        mann_kendall_many(np.array([["a", "b"]]))


def test_refuses_levels_outside_zero_one_naming_both() -> None:
    with pytest.raises(SchemaError, match=r"alpha: .*received 1\.5.*confidence: .*received 0"):
        mann_kendall(np.arange(5), alpha=1.5, confidence=0)


@pytest.mark.parametrize("period", [0, -2, 2.5, True])
def test_seasonal_refuses_a_bad_period(period: object) -> None:
    with pytest.raises(SchemaError, match="period: expected a positive integer"):
        seasonal_mann_kendall(np.arange(24), period=period)  # type: ignore[arg-type]


def test_inputs_are_not_modified() -> None:
    x = np.array([3.0, np.nan, 1.0, 2.0])
    before = x.copy()
    mann_kendall(x)
    seasonal_mann_kendall(x, period=2)
    np.testing.assert_array_equal(x, before)
