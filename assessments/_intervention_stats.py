"""Before / after statistics of an intervention: difference-in-differences and the WDQ.

All functions are vectorised over interventions (arrays of counts) and pure.

**Difference-in-differences as a rate ratio.** With ``a``, ``b`` the treated area's counts
after and before, and ``c``, ``d`` the comparison area's, the ratio

    ratio = (a / b) / (c / d)

is the incidence-rate ratio of the interaction term of a Poisson model of the four counts
(log E[count] = area + period + area x period): how much the treated area changed beyond
the change in the comparison area (below 1: a fall). Its log has standard error
``sqrt(1/a + 1/b + 1/c + 1/d)`` (the delta-method variance of four independent Poisson
log counts), giving the interval ``exp(log ratio -/+ z se)`` and the two-sided Wald p of
``log ratio = 0``. It needs every count above zero (NaN otherwise). The interval assumes
Poisson counts; clustering (repeat places, repeat victims) makes the true one wider.

**Weighted displacement quotient** (Bowers and Johnson 2003, Journal of Quantitative
Criminology 19(3), 275-301), with ``A`` treated, ``R`` the ring (buffer) around it, ``C``
the control areas:

    WDQ = (R_after / C_after - R_before / C_before) / (A_after / C_after - A_before / C_before)

The denominator is the success measure: below 0 when the treated area improved relative
to the controls; the quotient is only read then (NaN otherwise). Above 0: the ring
improved too (diffusion of benefit); below 0: harm rose in the ring (displacement); below
-1: the rise in the ring outweighs the fall in the treated area.

**Total net effect** (the same paper): events avoided in the treated area and the ring
together, against what the controls' change predicts,

    net = (A_before C_after / C_before - A_after) + (R_before C_after / C_before - R_after)

positive when, all told, there were fewer events than expected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def rate_ratio_did(
    treated_after: ArrayLike,
    treated_before: ArrayLike,
    control_after: ArrayLike,
    control_before: ArrayLike,
    *,
    confidence: float = 0.95,
) -> dict[str, np.ndarray]:
    """Return the difference-in-differences rate ratio, its interval and p (vectorised).

    Parameters
    ----------
    treated_after, treated_before, control_after, control_before
        Counts (same shape).
    confidence
        Level of the interval.

    Returns
    -------
    dict of str to numpy.ndarray
        ``ratio``, ``low``, ``high``, ``z`` and ``p`` (float64); NaN where any count is 0.
    """
    counts = [
        np.asarray(v, dtype="float64")
        for v in (treated_after, treated_before, control_after, control_before)
    ]
    a, b, c, d = np.broadcast_arrays(*counts)
    usable = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    safe = [np.where(usable, v, 1.0) for v in (a, b, c, d)]
    log_ratio = np.log(safe[0]) - np.log(safe[1]) - np.log(safe[2]) + np.log(safe[3])
    se = np.sqrt(sum(1.0 / v for v in safe))
    z_crit = stats.norm.ppf(0.5 + confidence / 2)
    z = log_ratio / se
    out = {
        "ratio": np.exp(log_ratio),
        "low": np.exp(log_ratio - z_crit * se),
        "high": np.exp(log_ratio + z_crit * se),
        "z": z,
        "p": 2 * stats.norm.sf(np.abs(z)),
    }
    return {key: np.where(usable, value, np.nan) for key, value in out.items()}


def before_after_ratio(
    after: ArrayLike, before: ArrayLike, *, confidence: float = 0.95
) -> dict[str, np.ndarray]:
    """Return the ratio after / before of one area's counts with its Poisson interval.

    Returns
    -------
    dict of str to numpy.ndarray
        ``ratio``, ``low``, ``high``: ``exp(log(a / b) -/+ z sqrt(1/a + 1/b))``; NaN
        where a count is 0.
    """
    a, b = np.broadcast_arrays(np.asarray(after, "float64"), np.asarray(before, "float64"))
    usable = (a > 0) & (b > 0)
    sa, sb = np.where(usable, a, 1.0), np.where(usable, b, 1.0)
    log_ratio, se = np.log(sa / sb), np.sqrt(1 / sa + 1 / sb)
    z_crit = stats.norm.ppf(0.5 + confidence / 2)
    out = {
        "ratio": np.exp(log_ratio),
        "low": np.exp(log_ratio - z_crit * se),
        "high": np.exp(log_ratio + z_crit * se),
    }
    return {key: np.where(usable, value, np.nan) for key, value in out.items()}


def displacement_quotient(
    treated: tuple[ArrayLike, ArrayLike],
    ring: tuple[ArrayLike, ArrayLike],
    control: tuple[ArrayLike, ArrayLike],
) -> dict[str, np.ndarray]:
    """Return the weighted displacement quotient, its success measure and the net effect.

    Parameters
    ----------
    treated, ring, control
        Each a pair (before, after) of counts (arrays of one shape).

    Returns
    -------
    dict of str to numpy.ndarray
        ``success`` (the denominator, below 0 when the treated area improved relative to
        the controls), ``ring_change`` (the numerator), ``wdq`` (NaN unless ``success``
        is below 0) and ``net_effect`` (events avoided in treated area and ring; NaN when
        the controls had no events before). float64.
    """
    a_b, a_a = (np.asarray(v, dtype="float64") for v in treated)
    r_b, r_a = (np.asarray(v, dtype="float64") for v in ring)
    c_b, c_a = (np.asarray(v, dtype="float64") for v in control)
    with np.errstate(divide="ignore", invalid="ignore"):
        success = a_a / c_a - a_b / c_b
        ring_change = r_a / c_a - r_b / c_b
        wdq = np.where(success < 0, ring_change / success, np.nan)
        trend = c_a / c_b
        net = (a_b * trend - a_a) + (r_b * trend - r_a)
    defined = (c_a > 0) & (c_b > 0)
    return {
        "success": np.where(defined, success, np.nan),
        "ring_change": np.where(defined, ring_change, np.nan),
        "wdq": np.where(defined, wdq, np.nan),
        "net_effect": np.where(c_b > 0, net, np.nan),
    }
