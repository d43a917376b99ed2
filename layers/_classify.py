"""Classing counts for choropleths: quantiles, Fisher-Jenks and head/tail breaks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from layers._errors import SchemaError

CLASSIFICATIONS: tuple[str, ...] = ("quantiles", "jenks", "head-tail")
"""Ways to class the non-zero counts of a choropleth (zero is always its own class)."""

PALETTE: tuple[str, ...] = (
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
"""Fill colours from low to high (ColorBrewer YlOrRd); at most this many classes."""


def class_breaks(
    values: Sequence[float] | np.ndarray, *, method: str = "quantiles", n_classes: int = 5
) -> np.ndarray:
    """Return the upper bounds of the classes of the positive values.

    Zero (and below) is left to a class of its own, so skewed counts with many empty
    cells still spread over the colours. Class ``i`` (from 1) holds the values in
    ``(bounds[i - 2], bounds[i - 1]]``, with ``bounds[-1]`` the largest value.

    Parameters
    ----------
    values
        Counts or other non-negative numbers.
    method
        ``quantiles`` (equal numbers of positive values, bounds taken from the data),
        ``jenks`` (Fisher's optimal natural breaks: least within-class squared deviation)
        or ``head-tail`` (Jiang's head/tail breaks: split at the mean while the head above
        it holds under 40 % of the values; suits heavy tails).
    n_classes
        Most classes; fewer when there are fewer distinct positive values.

    Returns
    -------
    numpy.ndarray
        Increasing float64 bounds; empty when no value is positive.
    """
    problems = class_problems(method, n_classes, name="method")
    if problems:
        raise SchemaError("; ".join(problems) + ".")
    arr = np.asarray(values, dtype="float64")
    positive = np.sort(arr[arr > 0])
    distinct = np.unique(positive)
    if distinct.size <= n_classes:
        return distinct
    if method == "quantiles":
        probs = np.arange(1, n_classes + 1) / n_classes
        return np.unique(np.quantile(positive, probs, method="inverted_cdf"))
    if method == "jenks":
        return _jenks(positive, n_classes)
    return _head_tail(positive, n_classes)


def _jenks(sorted_values: np.ndarray, k: int) -> np.ndarray:
    """Fisher's exact optimal partition of the distinct values (weighted by frequency)."""
    x, w = np.unique(sorted_values, return_counts=True)
    cw, cx, cxx = (np.concatenate([[0.0], np.cumsum(a)]) for a in (w, w * x, w * x * x))

    def ssd(i: np.ndarray, j: int) -> np.ndarray:  # values x[i..j] inclusive, for each i
        n, s = cw[j + 1] - cw[i], cx[j + 1] - cx[i]
        return np.asarray(cxx[j + 1] - cxx[i] - s * s / n)

    n = x.size
    cost = np.array([ssd(np.array([0]), j)[0] for j in range(n)])
    cuts = np.zeros((k, n), dtype=int)
    for c in range(1, k):
        new = np.full(n, np.inf)
        for j in range(c, n):
            starts = np.arange(c, j + 1)
            options = cost[starts - 1] + ssd(starts, j)
            best = int(np.argmin(options))
            new[j], cuts[c, j] = options[best], starts[best]
        cost = new
    ends, j = [x[-1]], n - 1
    for c in range(k - 1, 0, -1):
        j = cuts[c, j] - 1
        ends.append(x[j])
    return np.array(sorted(ends), dtype="float64")


def _head_tail(sorted_values: np.ndarray, k: int) -> np.ndarray:
    bounds: list[float] = []
    current = sorted_values
    while len(bounds) < k - 1 and current.size > 1:
        mean = float(current.mean())
        head = current[current > mean]
        if head.size == 0 or head.size / current.size >= 0.4:
            break
        bounds.append(mean)
        current = head
    return np.array([*bounds, float(sorted_values[-1])], dtype="float64")


def class_problems(method: Any, n_classes: Any, *, name: str) -> list[str]:
    """Return what is wrong with a classification method and class count (empty: fine)."""
    problems = []
    if method not in CLASSIFICATIONS:
        problems.append(f"{name} must be one of {CLASSIFICATIONS}; received {method!r}")
    if not (isinstance(n_classes, int) and 1 <= n_classes <= len(PALETTE)):
        problems.append(f"n_classes must be an integer 1-{len(PALETTE)}; received {n_classes!r}")
    return problems
