"""Reasons of rejected rows: the stable phrases, and row masks joined into one text per row."""

from __future__ import annotations

import numpy as np

NO_LOCATION = "no location"
BAD_DATE = "unparseable date"
FUTURE_DATE = "future date"
AT_ZERO = "coordinates at 0,0"
OUTSIDE_EXTENT = "outside extent"
BAD_COORDINATES = "unparseable coordinates"
DUPLICATE_ID = "duplicate id in file"
UNKNOWN_CATEGORY = "unknown category"
MISSING_FIELD = "missing required field"
BAD_VALUE = "unparseable value"
BAD_FIELD_COUNT = "wrong number of fields"
"""Stable reasons of rejected rows; detail may follow after ': '."""

Problems = list[tuple[np.ndarray, str]]
"""Boolean row masks, each with the reason of the rows it marks."""


def joined(problems: Problems, n: int, start: np.ndarray | None = None) -> np.ndarray:
    """Return each row's reasons joined by ``"; "`` (``""``: no problem).

    Parameters
    ----------
    problems
        Row masks and their reasons, in the order the reasons are to be listed.
    n
        Number of rows when ``start`` is None.
    start
        Reasons found before, extended (not modified).

    Returns
    -------
    numpy.ndarray
        One object string per row.
    """
    out = np.full(n, "", dtype=object) if start is None else start.copy()
    for mask, reason in problems:
        if mask.any():
            current = out[mask]
            out[mask] = np.where(current == "", reason, current + "; " + reason)
    return out
