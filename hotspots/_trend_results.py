"""Result records of the monthly trend and the period comparison, and how they are built."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots import _mannkendall as mk
from hotspots import _months as m
from hotspots import _trend_words as words
from hotspots._rate_ratio import rate_ratio_test


@dataclass(frozen=True)
class TrendResult:
    """Mann-Kendall trend test and Sen's slope of a monthly series.

    Attributes
    ----------
    test
        ``"seasonal Mann-Kendall"`` or ``"Mann-Kendall"``.
    seasonal
        Whether the seasonal test was used.
    months
        Number of months in the series.
    first_month, last_month
        ``YYYY-MM`` of the first and last month.
    s, var_s, z, p, tau
        Mann-Kendall S, its variance (tie-corrected), z (continuity-corrected), the
        two-sided p and Kendall's tau.
    slope_per_month, slope_per_year
        Sen's slope: change of the monthly count per month and per year.
    slope_low_per_year, slope_high_per_year
        Sen's 95 % confidence interval of the slope per year.
    mean_level
        Mean monthly count.
    percent_per_year
        ``slope_per_year`` as a percentage of ``mean_level`` (NaN when the mean is 0).
    alpha
        Level for ``direction``.
    direction
        ``"rising"``, ``"falling"`` or ``"no significant change"`` (``p < alpha``).
    choice
        Which test was used and why, in plain English.
    sentence
        The result in plain English.
    """

    test: str
    seasonal: bool
    months: int
    first_month: str
    last_month: str
    s: float
    var_s: float
    z: float
    p: float
    tau: float
    slope_per_month: float
    slope_per_year: float
    slope_low_per_year: float
    slope_high_per_year: float
    mean_level: float
    percent_per_year: float
    alpha: float
    direction: str
    choice: str
    sentence: str


@dataclass(frozen=True)
class Comparison:
    """The last months of a series against a baseline of the same length.

    Attributes
    ----------
    months
        Length of each window in months.
    against
        ``"previous"`` or ``"year_earlier"``.
    recent_months, baseline_months
        The windows, e.g. ``"2020-10 to 2021-09"``.
    recent, baseline
        Counts in the two windows.
    rate_ratio
        ``recent / baseline`` (inf when the baseline is 0, NaN when both are 0).
    ci_low, ci_high
        Exact confidence interval of the rate ratio (Clopper-Pearson, conditional on the
        total).
    confidence
        Confidence level of the interval.
    p
        Exact two-sided binomial p of equal rates (NaN when both counts are 0).
    alpha
        Level for ``direction``.
    direction
        ``"rising"``, ``"falling"`` or ``"no significant change"`` (``p < alpha``).
    method
        The test in plain English.
    sentence
        The result in plain English.
    """

    months: int
    against: str
    recent_months: str
    baseline_months: str
    recent: int
    baseline: int
    rate_ratio: float
    ci_low: float
    ci_high: float
    confidence: float
    p: float
    alpha: float
    direction: str
    method: str
    sentence: str


# --- trend ----------------------------------------------------------------------------


def run_mann_kendall(data: pd.Series, seasonal: bool, alpha: float) -> mk.MannKendall:
    """Run the plain or the seasonal test on the values (seasons: calendar months)."""
    values = data.to_numpy()
    if seasonal:
        return mk.seasonal_mann_kendall(values, period=12, alpha=alpha)
    return mk.mann_kendall(values, alpha=alpha)


def trend_result(
    data: pd.Series, result: mk.MannKendall, seasonal: bool, automatic: bool, alpha: float
) -> TrendResult:
    """Slopes per month and per year, the direction and the sentences."""
    per_year = 1.0 if seasonal else 12.0  # the seasonal slope is already per year
    mean = float(data.mean())
    slope_year = result.slope * per_year
    percent = 100 * slope_year / mean if mean > 0 else float("nan")
    direction = words.direction_word(result.p, result.z, alpha)
    subject = _subject(data.name, "The monthly count")
    return TrendResult(
        test="seasonal Mann-Kendall" if seasonal else "Mann-Kendall",
        seasonal=seasonal,
        months=len(data),
        first_month=m.month_label(data.index[0]),
        last_month=m.month_label(data.index[-1]),
        s=result.s,
        var_s=result.var_s,
        z=result.z,
        p=result.p,
        tau=result.tau,
        slope_per_month=slope_year / 12,
        slope_per_year=slope_year,
        slope_low_per_year=result.slope_low * per_year,
        slope_high_per_year=result.slope_high * per_year,
        mean_level=mean,
        percent_per_year=percent,
        alpha=alpha,
        direction=direction,
        choice=_choice(len(data), seasonal, automatic),
        sentence=words.trend_sentence(
            subject,
            slope_per_year=slope_year,
            percent=percent,
            direction=direction,
            p=result.p,
            months=len(data),
            seasonal=seasonal,
        ),
    )


def _choice(months: int, seasonal: bool, automatic: bool) -> str:
    """Which test was used and why."""
    if not automatic:
        return f"{'seasonal' if seasonal else 'plain'} Mann-Kendall test, as asked"
    if seasonal:
        return (
            f"seasonal Mann-Kendall test chosen automatically: {months} months (24 or more) "
            "let each calendar month be compared with itself, so a seasonal peak is not "
            "read as a trend"
        )
    return (
        f"plain Mann-Kendall test chosen automatically: {months} months are fewer than 24, "
        "too few to compare each calendar month with itself"
    )


def _subject(name: object, default: str) -> str:
    """Return the series name to start a sentence with, or ``default``."""
    return name[:1].upper() + name[1:] if isinstance(name, str) and name.strip() else default


# --- comparison -----------------------------------------------------------------------


def windows(
    index: pd.PeriodIndex, months: int, against: str
) -> tuple[pd.PeriodIndex, pd.PeriodIndex]:
    """Months of the recent window and of the baseline."""
    recent = index[-months:]
    shift = months if against == "previous" else 12
    return recent, recent - shift


def baseline_words(months: int, against: str) -> str:
    """Name the baseline: "the previous 12 months", "the same 3 months a year earlier"."""
    if against == "previous":
        return f"the previous {months} months" if months > 1 else "the previous month"
    return (
        f"the same {months} months a year earlier"
        if months > 1
        else "the same month a year earlier"
    )


def comparison(
    data: pd.Series,
    recent: pd.PeriodIndex,
    baseline: pd.PeriodIndex,
    against: str,
    alpha: float,
    confidence: float,
) -> Comparison:
    """Count both windows, run the exact test and write the sentence."""
    a, b = int(data.loc[recent].sum()), int(data.loc[baseline].sum())
    test = rate_ratio_test(np.array([a]), np.array([b]), confidence=confidence)
    ratio, low, high, p = (float(test[key][0]) for key in ("ratio", "low", "high", "p"))
    direction = words.direction_word(p, ratio - 1 if np.isfinite(ratio) else 1.0, alpha)
    months = len(recent)
    baseline_text = baseline_words(months, against)
    return Comparison(
        months=months,
        against=against,
        recent_months=m.span(recent),
        baseline_months=m.span(baseline),
        recent=a,
        baseline=b,
        rate_ratio=ratio,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        p=p,
        alpha=alpha,
        direction=direction,
        method=(
            "exact conditional binomial test of equal rates over equal windows; "
            "Clopper-Pearson interval of the rate ratio"
        ),
        sentence=words.comparison_sentence(
            _subject(data.name, "The count"),
            recent=a,
            baseline=b,
            window=f"the last {months} months" if months > 1 else "the last month",
            against=baseline_text,
            ratio=ratio,
            interval=(low, high, confidence),
            p=p,
            direction=direction,
        ),
    )
