"""Emerging hot spot classes from per-step significance bins and a trend, as ArcGIS defines them."""

from __future__ import annotations

import numpy as np

NO_PATTERN = "No Pattern Detected"
PATTERNS: tuple[str, ...] = (
    "New",
    "Consecutive",
    "Intensifying",
    "Persistent",
    "Diminishing",
    "Sporadic",
    "Oscillating",
    "Historical",
)
"""The eight ArcGIS pattern words, each a hot spot and a cold spot class."""

PATTERN_MEANINGS: dict[str, str] = {
    "New Hot Spot": "A hot spot in the latest period for the first time.",
    "Consecutive Hot Spot": (
        "A hot spot for an unbroken run of the latest periods, and never before that run."
    ),
    "Intensifying Hot Spot": (
        "A hot spot in at least 90% of periods, including the latest, and getting hotter."
    ),
    "Persistent Hot Spot": (
        "A hot spot in at least 90% of periods, including the latest, with no clear trend."
    ),
    "Diminishing Hot Spot": (
        "A hot spot in at least 90% of periods, including the latest, but cooling down."
    ),
    "Sporadic Hot Spot": (
        "A hot spot in the latest period that has been one on and off before, never a cold spot."
    ),
    "Oscillating Hot Spot": (
        "A hot spot in the latest period that has been a cold spot in an earlier period."
    ),
    "Historical Hot Spot": "A hot spot in at least 90% of periods, but not in the latest one.",
    "New Cold Spot": "A cold spot (unusually few events) in the latest period for the first time.",
    "Consecutive Cold Spot": (
        "A cold spot for an unbroken run of the latest periods, and never before that run."
    ),
    "Intensifying Cold Spot": (
        "A cold spot in at least 90% of periods, including the latest, and getting colder."
    ),
    "Persistent Cold Spot": (
        "A cold spot in at least 90% of periods, including the latest, with no clear trend."
    ),
    "Diminishing Cold Spot": (
        "A cold spot in at least 90% of periods, including the latest, but warming up."
    ),
    "Sporadic Cold Spot": (
        "A cold spot in the latest period that has been one on and off before, never a hot spot."
    ),
    "Oscillating Cold Spot": (
        "A cold spot in the latest period that has been a hot spot in an earlier period."
    ),
    "Historical Cold Spot": "A cold spot in at least 90% of periods, but not in the latest one.",
    NO_PATTERN: "None of the hot or cold spot patterns: no lasting cluster of high or low counts.",
}
"""One plain-English line per class, for the user interface."""


def classify(
    bins: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray, alpha: float
) -> np.ndarray:
    """Class name of every location (row of ``bins``), in the documented order of precedence.

    Parameters
    ----------
    bins
        int8 (locations x steps) confidence bins; > 0 significant hot, < 0 significant cold.
    trend_z, trend_p
        Mann-Kendall z and two-sided p of each location's Gi* z-score series.
    alpha
        A trend is significant when ``trend_p < alpha``.

    Returns
    -------
    numpy.ndarray
        One class name per location (object array of str).
    """
    hot = _side(bins > 0, bins < 0, trend_z, trend_p, alpha, rising=True)
    cold = _side(bins < 0, bins > 0, trend_z, trend_p, alpha, rising=False)
    final = [hot[word] for word in PATTERNS[:-1]] + [cold[word] for word in PATTERNS[:-1]]
    names = [f"{w} Hot Spot" for w in PATTERNS[:-1]] + [f"{w} Cold Spot" for w in PATTERNS[:-1]]
    conditions = [*final, hot["Historical"], cold["Historical"]]
    choices = [*names, "Historical Hot Spot", "Historical Cold Spot"]
    if bins.shape[0] == 0:
        return np.array([], dtype=object)
    return np.select(conditions, np.array(choices, dtype=object), default=NO_PATTERN)


def _side(
    same: np.ndarray,
    other: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    alpha: float,
    *,
    rising: bool,
) -> dict[str, np.ndarray]:
    """Return the eight conditions for one side (hot: ``same`` = significant hot bins)."""
    n = same.shape[1]
    count = same.sum(axis=1)
    final = same[:, -1] if n else np.zeros(same.shape[0], dtype=bool)
    run = _final_run(same)
    mostly = count * 10 >= 9 * n if n else np.zeros(same.shape[0], dtype=bool)
    toward = (trend_p < alpha) & ((trend_z > 0) if rising else (trend_z < 0))
    away = (trend_p < alpha) & ((trend_z < 0) if rising else (trend_z > 0))
    earlier = final & ~mostly & (count > run)
    return {
        "New": final & (count == 1),
        "Consecutive": final & (run >= 2) & (count == run) & ~mostly,
        "Intensifying": final & mostly & toward,
        "Persistent": final & mostly & ~toward & ~away,
        "Diminishing": final & mostly & away,
        "Sporadic": earlier & ~other.any(axis=1),
        "Oscillating": earlier & other.any(axis=1),
        "Historical": ~final & mostly,
    }


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True values that ends at the last step, per row."""
    if flags.shape[1] == 0:
        return np.zeros(flags.shape[0], dtype=np.int64)
    return np.cumprod(flags[:, ::-1], axis=1).sum(axis=1).astype(np.int64)
