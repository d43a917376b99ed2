"""Reasons of rejected rows: the stable phrases, row masks joined into one text, long fields cut."""

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
FIELD_TOO_LONG = "field too long"
INVALID_GEOMETRY = "invalid geometry"
"""Stable reasons of rejected rows; detail may follow after ': '."""

FIELD_LIMIT = 32 * 1024
"""Longest field (characters) a row may hold; a row with a longer one is rejected."""
_SHOWN = 200  # characters of an over-long field kept in a rejected row's raw text

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


def clipped(text: str) -> str:
    """Return ``text``, or for one over :data:`FIELD_LIMIT` its start and its length.

    A rejected row keeps its fields for the person who fixes the file; a field of
    megabytes would only bloat the store and the rejected-rows CSV.
    """
    if len(text) <= FIELD_LIMIT:
        return text
    return f"{text[:_SHOWN]}… [{len(text):,} characters; cut]"
