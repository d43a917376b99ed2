"""Comparing an area's survey answers with the rest of the city: Welch t and two-proportion z.

Both tests work from sums (count, sum, sum of squares), so that the area and the city
come from one grouped query and the rest of the city is the city minus the area. The
two samples are then disjoint, as both tests assume.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def welch_t(
    n1: np.ndarray, s1: np.ndarray, q1: np.ndarray, n2: np.ndarray, s2: np.ndarray, q2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t of two samples given as counts, sums and sums of squares (vectorised).

    Parameters
    ----------
    n1, s1, q1
        Size, sum and sum of squares of the first sample.
    n2, s2, q2
        The same of the second.

    Returns
    -------
    tuple of numpy.ndarray
        t and its two-sided p (Welch-Satterthwaite degrees of freedom); NaN where a
        sample has fewer than 2 values or both have no spread.
    """
    n1, s1, q1, n2, s2, q2 = (np.asarray(v, dtype="float64") for v in (n1, s1, q1, n2, s2, q2))
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        v1 = np.maximum(q1 - n1 * m1**2, 0) / (n1 - 1)
        v2 = np.maximum(q2 - n2 * m2**2, 0) / (n2 - 1)
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        t = (m1 - m2) / se
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    usable = (n1 >= 2) & (n2 >= 2) & (se > 0)
    return np.where(usable, t, np.nan), np.where(usable, p, np.nan)


def two_proportion_z(
    n1: np.ndarray, x1: np.ndarray, n2: np.ndarray, x2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test of ``x1 / n1`` against ``x2 / n2`` (vectorised).

    Returns
    -------
    tuple of numpy.ndarray
        z and its two-sided normal p; NaN where a sample is empty or the pooled share is
        0 or 1.
    """
    n1, x1, n2, x2 = (np.asarray(v, dtype="float64") for v in (n1, x1, n2, x2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        p = 2 * stats.norm.sf(np.abs(z))
    usable = (n1 > 0) & (n2 > 0) & (se > 0)
    return np.where(usable, z, np.nan), np.where(usable, p, np.nan)
