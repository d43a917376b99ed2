"""Mann-Kendall trend test and Sen's slope: one series, many series at once, seasonal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from hotspots._sen import no_slopes, seasonal_slope, sen_many
from layers._errors import SchemaError

__all__ = [
    "MannKendall",
    "mann_kendall",
    "mann_kendall_many",
    "seasonal_mann_kendall",
    "seasonal_sen_slope",
    "sen_slope",
    "sen_slope_many",
]

INCREASING = "increasing"
DECREASING = "decreasing"
NO_TREND = "no trend"


@dataclass(frozen=True)
class MannKendall:
    """The Mann-Kendall test and Sen's slope of one series.

    Attributes
    ----------
    n
        Number of values present (missing values are skipped).
    s
        Mann-Kendall S statistic.
    var_s
        Variance of S with the tie correction.
    z
        Standard normal score with the continuity correction.
    p
        Two-sided p-value from the normal approximation.
    tau
        Kendall's tau-a (NaN with fewer than two values).
    trend
        ``"increasing"``, ``"decreasing"`` or ``"no trend"`` at ``alpha``.
    alpha
        Significance level used for ``trend``.
    slope
        Sen's slope (per time step; per cycle for the seasonal test).
    slope_low, slope_high
        Sen's (1968) confidence interval of the slope at ``confidence``.
    intercept
        Conover's intercept of the Kendall-Theil line.
    confidence
        Confidence level of the slope interval.
    """

    n: int
    s: float
    var_s: float
    z: float
    p: float
    tau: float
    trend: str
    alpha: float
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    confidence: float


def mann_kendall(
    values: np.ndarray, *, alpha: float = 0.05, confidence: float = 0.95
) -> MannKendall:
    """Mann-Kendall trend test and Sen's slope of one series.

    Parameters
    ----------
    values
        One-dimensional numeric series in time order; NaN marks a missing value.
    alpha
        Significance level for the ``trend`` word.
    confidence
        Confidence level of Sen's slope interval.

    Returns
    -------
    MannKendall
        S, its variance, z, p, tau, the trend word and Sen's slope with its interval.

    Raises
    ------
    SchemaError
        When ``values`` is not one-dimensional numeric or a level is outside (0, 1).
    """
    series = _as_matrix(values, name="values", ndim=1)
    _check_levels(alpha, confidence)
    return _one(mann_kendall_many(series, alpha=alpha, confidence=confidence), alpha, confidence)


def mann_kendall_many(
    matrix: np.ndarray, *, alpha: float = 0.05, confidence: float = 0.95, slopes: bool = True
) -> dict[str, np.ndarray]:
    """Mann-Kendall test of every row of a (series x time) matrix, vectorised.

    Parameters
    ----------
    matrix
        Two-dimensional numeric array, one series per row, time along the columns; NaN
        marks a missing value.
    alpha
        Significance level for the ``trend`` words.
    confidence
        Confidence level of Sen's slope interval.
    slopes
        Compute Sen's slope and its interval (the costly part: all pairwise slopes are
        sorted). When False the slope keys hold NaN.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per row each for ``n`` (int64), ``s``, ``var_s``, ``z``, ``p``, ``tau``,
        ``slope``, ``slope_low``, ``slope_high``, ``intercept`` (float64) and ``trend``
        (str words as in :class:`MannKendall`).

    Raises
    ------
    SchemaError
        When ``matrix`` is not two-dimensional numeric or a level is outside (0, 1).

    Notes
    -----
    Conventions (the same as pymannkendall's ``original_test`` / ``seasonal_test``, which the
    tests use as the oracle):

    - **S** is the sum over pairs ``i < j`` of ``sign(x[j] - x[i])``; missing values (NaN) are
      skipped, ``n`` counts the values present.
    - **Variance of S** has the tie correction of Kendall (1975):
      ``var_s = (n(n-1)(2n+5) - sum_t t(t-1)(2t+5)) / 18`` where ``t`` runs over the sizes of
      the groups of exactly equal values. A constant series has ``var_s = 0``.
    - **z** has the continuity correction: ``(S - 1) / sqrt(var_s)`` when ``S > 0``,
      ``(S + 1) / sqrt(var_s)`` when ``S < 0`` and 0 when ``S = 0`` or ``var_s = 0`` (a constant
      series: z 0, p 1, "no trend").
    - **p** is two-sided from the standard normal, ``2 * sf(|z|)``.
    - **tau** is Kendall's tau-a, ``S / (n(n-1)/2)`` (NaN when fewer than two values).
    - **Sen's slope** is the median of the pairwise slopes ``(x[j] - x[i]) / (j - i)`` over the
      positions of the values present; the intercept is Conover's (1980)
      ``median(x) - median(positions) * slope``. Its confidence interval is Sen's (1968) order
      statistic interval as in Gilbert (1987) and R's ``trend::sens.slope``: with
      ``C = z_{1-(1-confidence)/2} * sqrt(var_s)`` and ``N`` slopes, the bounds are the sorted
      slopes of rank ``round((N - C) / 2)`` and ``round((N + C) / 2 + 1)`` (1-based, clipped to
      ``1..N``).
    - The **seasonal** test (Hirsch, Slack and Smith 1982) runs the test within each season
      (month of year, say) and sums S and var_s over seasons before computing z; its slope is
      the median of the within-season slopes, in units per full cycle (per year for monthly
      data with ``period=12``).
    """
    data = _as_matrix(matrix, name="matrix", ndim=2)
    _check_levels(alpha, confidence)
    n = (~np.isnan(data)).sum(axis=1).astype(np.int64)
    s = _scores(data)
    var_s = _variances(data, n)
    z, p = _z_and_p(s, var_s)
    result = {"n": n, "s": s, "var_s": var_s, "z": z, "p": p, "tau": _tau(s, n)}
    result["trend"] = _trend_words(z, p, alpha)
    result.update(sen_many(data, var_s, confidence) if slopes else no_slopes(len(data)))
    return result


def sen_slope(values: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """Sen's slope of one series with its confidence interval.

    Parameters
    ----------
    values
        One-dimensional numeric series in time order; NaN marks a missing value.
    confidence
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(slope, low, high)`` per time step.
    """
    result = mann_kendall(values, confidence=confidence)
    return result.slope, result.slope_low, result.slope_high


def sen_slope_many(matrix: np.ndarray, *, confidence: float = 0.95) -> dict[str, np.ndarray]:
    """Sen's slope of every row of a (series x time) matrix with its interval and intercept.

    Parameters
    ----------
    matrix
        Two-dimensional numeric array, one series per row; NaN marks a missing value.
    confidence
        Confidence level of the interval.

    Returns
    -------
    dict of str to numpy.ndarray
        ``slope``, ``slope_low``, ``slope_high`` and ``intercept`` (float64), one per row.
    """
    data = _as_matrix(matrix, name="matrix", ndim=2)
    _check_levels(0.05, confidence)
    n = (~np.isnan(data)).sum(axis=1)
    return sen_many(data, _variances(data, n), confidence)


def seasonal_mann_kendall(
    values: np.ndarray, *, period: int = 12, alpha: float = 0.05, confidence: float = 0.95
) -> MannKendall:
    """Hirsch's seasonal Mann-Kendall test and the seasonal Sen slope of one series.

    Parameters
    ----------
    values
        One-dimensional numeric series in time order, starting at season 0; NaN marks a
        missing value. A final incomplete cycle is padded with missing values.
    period
        Number of seasons in a cycle (12 for months in a year, 4 for quarters).
    alpha
        Significance level for the ``trend`` word.
    confidence
        Confidence level of the seasonal slope interval.

    Returns
    -------
    MannKendall
        S and var_s summed over seasons, z and p from those sums, tau as S over the
        number of within-season pairs, the slope per full cycle.

    Raises
    ------
    SchemaError
        When ``values`` is not one-dimensional numeric, ``period`` is not a positive
        integer or a level is outside (0, 1).
    """
    series = _as_matrix(values, name="values", ndim=1)
    _check_levels(alpha, confidence)
    seasons = _seasons(series[0], period)
    per_season = mann_kendall_many(seasons, alpha=alpha, slopes=False)
    s = np.array([per_season["s"].sum()])
    var_s = np.array([per_season["var_s"].sum()])
    z, p = _z_and_p(s, var_s)
    pairs = float((per_season["n"] * (per_season["n"] - 1) / 2).sum())
    slope = seasonal_slope(series[0], seasons, float(var_s[0]), period, confidence)
    return MannKendall(
        n=int(per_season["n"].sum()),
        s=float(s[0]),
        var_s=float(var_s[0]),
        z=float(z[0]),
        p=float(p[0]),
        tau=float(s[0] / pairs) if pairs > 0 else float("nan"),
        trend=str(_trend_words(z, p, alpha)[0]),
        alpha=alpha,
        confidence=confidence,
        **slope,
    )


def seasonal_sen_slope(
    values: np.ndarray, *, period: int = 12, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Seasonal Sen slope (per full cycle) of one series with its confidence interval.

    Parameters
    ----------
    values
        One-dimensional numeric series in time order, starting at season 0.
    period
        Number of seasons in a cycle.
    confidence
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(slope, low, high)`` per full cycle.
    """
    result = seasonal_mann_kendall(values, period=period, confidence=confidence)
    return result.slope, result.slope_low, result.slope_high


# --- validation -----------------------------------------------------------------------


def _as_matrix(values: np.ndarray, *, name: str, ndim: int) -> np.ndarray:
    """Return ``values`` as a float64 2-D array (a copy), or raise naming the argument."""
    array = np.asarray(values)
    if array.ndim != ndim or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise SchemaError(
            f"{name}: expected a {ndim}-D numeric array, received {array.ndim}-D of dtype "
            f"{array.dtype}; pass {'one series' if ndim == 1 else 'series x time'} as numbers."
        )
    return np.array(array, dtype=np.float64, ndmin=2)


def _check_levels(alpha: float, confidence: float) -> None:
    """Refuse significance or confidence levels outside (0, 1)."""
    problems = [
        f"{name}: expected a number in (0, 1), received {value!r}"
        for name, value in (("alpha", alpha), ("confidence", confidence))
        if not (isinstance(value, (int, float)) and 0 < value < 1)
    ]
    if problems:
        raise SchemaError("; ".join(problems) + "; pass e.g. alpha=0.05, confidence=0.95.")


def _seasons(series: np.ndarray, period: int) -> np.ndarray:
    """Reshape a series into (season x cycle), padding the last cycle with NaN."""
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise SchemaError(
            f"period: expected a positive integer, received {period!r}; pass e.g. 12 for months."
        )
    cycles = -(-len(series) // period)
    padded = np.full(cycles * period, np.nan)
    padded[: len(series)] = series
    return padded.reshape(cycles, period).T


# --- the test -------------------------------------------------------------------------


def _scores(data: np.ndarray) -> np.ndarray:
    """S per row: sum of sign(x[j] - x[i]) over i < j, one lag at a time (NaN pairs add 0)."""
    s = np.zeros(len(data))
    for lag in range(1, data.shape[1]):
        diff = data[:, lag:] - data[:, :-lag]
        s += (diff > 0).sum(axis=1) - (diff < 0).sum(axis=1)
    return s


def _variances(data: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Variance of S per row with the tie correction over groups of equal values."""
    n = n.astype(np.float64)
    return (n * (n - 1) * (2 * n + 5) - _tie_terms(data)) / 18.0


def _tie_terms(data: np.ndarray) -> np.ndarray:
    """Sum over tie groups of t(t-1)(2t+5) per row (runs of equal values in sorted rows)."""
    rows, cols = data.shape
    ordered = np.sort(data, axis=1)  # NaN sort last
    valid = ~np.isnan(ordered)
    starts = valid.copy()
    starts[:, 1:] &= ordered[:, 1:] != ordered[:, :-1]
    flat_valid = np.flatnonzero(valid.ravel())
    if flat_valid.size == 0:
        return np.zeros(rows)
    is_start = starts.ravel()[flat_valid]
    sizes = np.bincount(np.cumsum(is_start) - 1).astype(np.float64)
    run_rows = flat_valid[is_start] // cols
    terms = sizes * (sizes - 1) * (2 * sizes + 5)
    return np.bincount(run_rows, weights=terms, minlength=rows)


def _z_and_p(s: np.ndarray, var_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Continuity-corrected z and the two-sided normal p (z 0, p 1 when var_s is 0)."""
    sd = np.sqrt(np.where(var_s > 0, var_s, 1.0))
    z = np.where(var_s > 0, (s - np.sign(s)) / sd, 0.0)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def _tau(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Kendall's tau-a: S over the number of pairs (NaN with fewer than two values)."""
    pairs = n * (n - 1) / 2.0
    return np.divide(s, pairs, out=np.full(len(s), np.nan), where=pairs > 0)


def _trend_words(z: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """'increasing' / 'decreasing' where p < alpha, else 'no trend'."""
    significant = p < alpha
    words = np.where(significant & (z > 0), INCREASING, NO_TREND)
    return np.where(significant & (z < 0), DECREASING, words)


def _one(result: dict[str, np.ndarray], alpha: float, confidence: float) -> MannKendall:
    """Return the first row of a :func:`mann_kendall_many` result as a :class:`MannKendall`."""
    return MannKendall(
        n=int(result["n"][0]),
        s=float(result["s"][0]),
        var_s=float(result["var_s"][0]),
        z=float(result["z"][0]),
        p=float(result["p"][0]),
        tau=float(result["tau"][0]),
        trend=str(result["trend"][0]),
        alpha=alpha,
        slope=float(result["slope"][0]),
        slope_low=float(result["slope_low"][0]),
        slope_high=float(result["slope_high"][0]),
        intercept=float(result["intercept"][0]),
        confidence=confidence,
    )
