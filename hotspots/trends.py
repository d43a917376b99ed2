"""Trends in monthly counts: Mann-Kendall with Sen's slope, period comparisons, many areas at once.

Monthly series are pandas Series indexed by month (a monthly ``PeriodIndex``, a
``DatetimeIndex`` or ``YYYY-MM`` labels) with every month present, zeros included:
a missing month is refused, never filled, because a gap read as zero would invent a fall.

- :func:`monthly_trend`: is there a steady rise or fall? Mann-Kendall test with Sen's
  slope; the seasonal test (Hirsch, Slack and Smith 1982: each calendar month compared
  with itself, so a summer peak is not read as a trend) when there are 24 months or more.
- :func:`period_comparison`: the last N months against the N before (or the same N months
  a year earlier), with an exact test (see :mod:`hotspots._rate_ratio`: conditional
  binomial given the total, Clopper-Pearson interval of the ratio, exact two-sided p).
- :func:`rolling_total`: the N-month rolling total.
- :func:`trends_by_area`: the comparison and the Mann-Kendall test for every area of a
  long count table, with the p-values adjusted for the number of areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots import _months as m
from hotspots._area_trends import AREA_TREND_COLUMNS, area_table
from hotspots._trend_results import (
    Comparison,
    TrendResult,
    baseline_words,
    comparison,
    run_mann_kendall,
    trend_result,
    windows,
)
from layers._errors import SchemaError

__all__ = [
    "AREA_TREND_COLUMNS",
    "Comparison",
    "TrendResult",
    "monthly_trend",
    "period_comparison",
    "rolling_total",
    "trends_by_area",
]

SEASONAL_MONTHS = 24
"""Months from which :func:`monthly_trend` chooses the seasonal test by itself."""
MIN_MONTHS = 4
"""Fewest months :func:`monthly_trend` accepts."""
AGAINST = ("previous", "year_earlier")
"""What :func:`period_comparison` compares the recent months with."""


def monthly_trend(
    series: pd.Series, *, seasonal: bool | None = None, alpha: float = 0.05
) -> TrendResult:
    """Mann-Kendall trend test with Sen's slope of a monthly count series.

    Parameters
    ----------
    series
        Counts (or any non-negative numbers) indexed by month, every month present
        (zeros included), at least 4 months. Its name, when a string, starts the sentence.
    seasonal
        True: the seasonal test (needs 24 months or more); False: the plain test; None:
        seasonal from 24 months on, said in ``choice``.
    alpha
        Level for ``direction``.

    Returns
    -------
    TrendResult
        The test, S, z, p, Sen's slope per month and per year (per year is the seasonal
        slope when the seasonal test is used), the direction and a sentence.

    Raises
    ------
    SchemaError
        When the series is not monthly, has gaps, repeated months, missing or negative
        values, fewer than 4 months, or the seasonal test is asked for with fewer than 24.
    """
    problems: list[str] = []
    m.month_problems(series, name="series", minimum=MIN_MONTHS, whole=False, problems=problems)
    _level_problems(alpha, 0.95, problems)
    if seasonal is not None and not isinstance(seasonal, bool):
        problems.append(f"seasonal: expected True, False or None, received {seasonal!r}")
    elif seasonal and isinstance(series, pd.Series) and len(series) < SEASONAL_MONTHS:
        problems.append(
            f"seasonal=True needs at least {SEASONAL_MONTHS} months, received {len(series)}; "
            "pass seasonal=None or False"
        )
    _raise(problems)
    data = m.monthly(series)
    use_seasonal = len(data) >= SEASONAL_MONTHS if seasonal is None else seasonal
    result = run_mann_kendall(data, use_seasonal, alpha)
    return trend_result(data, result, use_seasonal, seasonal is None, alpha)


def period_comparison(
    series: pd.Series,
    *,
    months: int = 12,
    against: str = "previous",
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> Comparison:
    """Compare the last ``months`` months with the months before or a year earlier.

    Both windows have the same number of months (equal exposure), so given the total
    ``T`` the recent count is Binomial(T, 1/2) when nothing changed: the p-value is the
    exact two-sided binomial test and the interval of the rate ratio is the
    Clopper-Pearson interval of the recent share ``pi`` turned into ``pi / (1 - pi)``.

    Parameters
    ----------
    series
        Whole counts indexed by month, every month present (zeros included).
    months
        Length of each window (1 or more; at most 12 with ``against="year_earlier"``).
    against
        ``"previous"``: the ``months`` months just before; ``"year_earlier"``: the same
        months one year earlier.
    alpha
        Level for ``direction``.
    confidence
        Confidence level of the interval.

    Returns
    -------
    Comparison
        Both counts, the rate ratio with its interval, p, direction and a sentence. With
        0 against 0 the ratio, interval and p are NaN and the sentence says so.

    Raises
    ------
    SchemaError
        When the series is unusable (see :func:`monthly_trend`), counts are not whole, the
        series is too short for the windows, or an option is out of range.
    """
    problems: list[str] = []
    m.month_problems(series, name="series", minimum=1, whole=True, problems=problems)
    needed = _window_problems(months, against, problems)
    _level_problems(alpha, confidence, problems)
    if not problems and len(series) < needed:
        problems.append(
            f"series: {len(series)} months received, {needed} needed to compare the last "
            f"{months} months {baseline_words(months, against)}; pass a longer series"
        )
    _raise(problems)
    data = m.monthly(series)
    recent, baseline = windows(data.index, months, against)
    return comparison(data, recent, baseline, against, alpha, confidence)


def rolling_total(series: pd.Series, *, window: int = 12) -> pd.Series:
    """Sum the last ``window`` months at every month (NaN until the window is full).

    Parameters
    ----------
    series
        Counts indexed by month, every month present (zeros included).
    window
        Months in each total (1 or more).

    Returns
    -------
    pandas.Series
        float64 totals on a sorted monthly ``PeriodIndex``, named as the input; the first
        ``window - 1`` values are NaN. An empty series gives an empty series.

    Raises
    ------
    SchemaError
        When the series is unusable (see :func:`monthly_trend`) or ``window`` is not a
        positive integer.
    """
    problems: list[str] = []
    m.month_problems(series, name="series", minimum=0, whole=False, problems=problems)
    if not _is_int(window) or window < 1:
        problems.append(f"window: expected an integer >= 1, received {window!r}")
    _raise(problems)
    return m.monthly(series).rolling(window, min_periods=window).sum()


def trends_by_area(
    table: pd.DataFrame,
    *,
    months: int = 12,
    alpha: float = 0.05,
    correction: str = "fdr_bh",
) -> pd.DataFrame:
    """Compare the last ``months`` months with the ``months`` before, in every area.

    Parameters
    ----------
    table
        Long count table with columns ``area_code``, ``area_name``, ``period``
        (``YYYY-MM``) and ``count`` (whole numbers), every area with every month, as
        ``layers.aggregate.counts(..., period="month")`` returns.
    months
        Length of each window; the table needs at least ``2 * months`` months.
    alpha
        Level for ``significant`` (applied to ``p_adjusted``).
    correction
        ``"fdr_bh"`` (Benjamini-Hochberg), ``"holm"`` or ``"none"``, over the areas with
        at least one event in the two windows.

    Returns
    -------
    pandas.DataFrame
        One row per area with the columns of :data:`AREA_TREND_COLUMNS`: ``area_code``,
        ``area_name`` (str), ``recent``, ``previous`` (int64), ``rate_ratio``,
        ``ci_low``, ``ci_high``, ``p``, ``p_adjusted`` (float64), ``significant``
        (bool), ``mk_z``, ``mk_p`` (float64: plain Mann-Kendall over all months, not
        adjusted), ``direction`` and ``sentence`` (str). Sorted by what most needs
        attention: significant rises (largest rate ratio first), then the other areas
        with events (smallest adjusted p first, then largest recent count), then
        significant falls (largest fall first), then areas with no events in either
        window. ``attrs`` holds ``correction``, ``months``, ``alpha``,
        ``recent_months``, ``previous_months``, ``method`` and ``trend_test``. An empty
        table gives an empty frame with these columns.

    Raises
    ------
    SchemaError
        When columns are missing, periods are not months, an area lacks a month, a count
        is missing, negative or not whole, or an option is out of range.
    """
    problems: list[str] = []
    if not _is_int(months) or months < 1:
        problems.append(f"months: expected an integer >= 1, received {months!r}")
        months = 1
    m.table_problems(table, minimum=2 * months, problems=problems)
    _level_problems(alpha, 0.95, problems)
    if correction not in ("fdr_bh", "holm", "none"):
        problems.append(f"correction: expected 'fdr_bh', 'holm' or 'none', received {correction!r}")
    _raise(problems)
    return area_table(table, months=months, alpha=alpha, correction=correction)


# --- checks ---------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    """Tell whether ``value`` is an integer (and not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _level_problems(alpha: object, confidence: object, problems: list[str]) -> None:
    """``alpha`` and ``confidence`` are numbers in (0, 1)."""
    for name, value in (("alpha", alpha), ("confidence", confidence)):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and 0 < value < 1):  # type: ignore[operator]
            problems.append(f"{name}: expected a number in (0, 1), received {value!r}")


def _window_problems(months: object, against: object, problems: list[str]) -> int:
    """Check the window options; return the months the series needs."""
    if not _is_int(months) or months < 1:  # type: ignore[operator]
        problems.append(f"months: expected an integer >= 1, received {months!r}")
        return 0
    if against not in AGAINST:
        problems.append(f"against: expected 'previous' or 'year_earlier', received {against!r}")
        return 0
    if against == "year_earlier" and months > 12:  # type: ignore[operator]
        problems.append(
            f"months: at most 12 with against='year_earlier' (received {months}), or the "
            "windows overlap; use against='previous'"
        )
        return 0
    return int(months) * 2 if against == "previous" else int(months) + 12  # type: ignore[call-overload]


def _raise(problems: list[str]) -> None:
    """Raise one SchemaError with every problem, if any."""
    if problems:
        raise SchemaError("; ".join(problems) + ".")
