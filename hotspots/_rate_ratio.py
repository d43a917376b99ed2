"""Exact comparison of two counts over equal exposure: rate ratio, Clopper-Pearson CI, binomial p.

Given the total ``T = a + b`` of two counts over windows of equal length, the recent count
``a`` is Binomial(T, 1/2) when both windows have the same rate. The rate ratio is
``a / b``; its exact interval comes from the Clopper-Pearson interval ``(lo, hi)`` of the
proportion ``a / T`` through ``ratio = pi / (1 - pi)``; the p-value is the exact two-sided
binomial test of ``pi = 1/2`` (for ``pi = 1/2`` it is ``min(1, 2 P(X <= min(a, b)))``,
which is what ``scipy.stats.binomtest`` gives).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def rate_ratio_test(
    recent: np.ndarray, baseline: np.ndarray, *, confidence: float = 0.95
) -> dict[str, np.ndarray]:
    """Rate ratio, exact interval and exact p of each pair of counts (vectorised).

    Parameters
    ----------
    recent, baseline
        Whole, non-negative counts of equal-length windows, same shape.
    confidence
        Confidence level of the interval.

    Returns
    -------
    dict of str to numpy.ndarray
        ``ratio`` (inf when baseline is 0 and recent is not; NaN when both are 0),
        ``low``, ``high`` (the interval; NaN when both are 0) and ``p`` (NaN when both
        are 0: there is nothing to test).
    """
    a = np.asarray(recent, dtype="float64")
    b = np.asarray(baseline, dtype="float64")
    total = a + b
    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_low = np.where(a > 0, stats.beta.ppf(tail, a, b + 1), 0.0)
        pi_high = np.where(b > 0, stats.beta.ppf(1 - tail, a + 1, b), 1.0)
        ratio = np.where(b > 0, a / b, np.inf)
        low = pi_low / (1 - pi_low)
        high = np.where(pi_high < 1, pi_high / (1 - pi_high), np.inf)
    p = np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(a, b), total, 0.5))
    empty = total == 0
    return {
        "ratio": np.where(empty, np.nan, ratio),
        "low": np.where(empty, np.nan, low),
        "high": np.where(empty, np.nan, high),
        "p": np.where(empty, np.nan, p),
    }
