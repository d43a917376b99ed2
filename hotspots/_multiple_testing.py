"""Adjusted p-values for many tests at once: Benjamini-Hochberg and Holm."""

from __future__ import annotations

import numpy as np

CORRECTIONS: dict[str, str] = {
    "fdr_bh": "Benjamini-Hochberg (false discovery rate)",
    "holm": "Holm (family-wise error rate)",
    "none": "no correction",
}
"""Corrections :func:`adjusted_p` knows, with their names in words."""


def adjusted_p(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values for the number of tests; NaN entries are not tests and stay NaN.

    Parameters
    ----------
    p
        One-dimensional p-values; NaN marks an area that was not tested.
    method
        ``"fdr_bh"``: Benjamini and Hochberg (1995), the adjusted value of the ``i``-th
        smallest of ``m`` p-values is ``min over j >= i of m p_(j) / j``; ``"holm"``:
        Holm (1979), ``max over j <= i of (m - j + 1) p_(j)``; ``"none"``: unchanged.
        Both are capped at 1.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order (float64).
    """
    values = np.asarray(p, dtype="float64")
    out = values.copy()
    tested = np.flatnonzero(~np.isnan(values))
    if method == "none" or tested.size == 0:
        return out
    order = tested[np.argsort(values[tested], kind="stable")]
    ranked = values[order]
    m = ranked.size
    rank = np.arange(1, m + 1)
    if method == "fdr_bh":
        scaled = np.minimum.accumulate((ranked * m / rank)[::-1])[::-1]
    else:
        scaled = np.maximum.accumulate(ranked * (m - rank + 1))
    out[order] = np.minimum(scaled, 1.0)
    return out
