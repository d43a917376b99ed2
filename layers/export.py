"""Exports: CSV that a spreadsheet opens as data, never as formulas."""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (CSV injection)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?%?")
"""A number a spreadsheet reads as a value: -1, +2.5, -.5, -1,234, -1e5, -12%."""


def is_formula(text: str) -> bool:
    """Return whether a spreadsheet could run a text cell as a formula.

    A cell is a formula risk when its first character, after any leading spaces (some
    spreadsheets trim them on import), is one of :data:`FORMULA_STARTS`. A plain number
    such as ``-1``, ``+2.5`` or ``-12%`` is not: a spreadsheet reads it as a value, so
    it is left as it is and stays a number; ``-1+2`` or ``-2+3+cmd|' /C calc'!A0`` is.

    Parameters
    ----------
    text
        The cell's text.

    Returns
    -------
    bool
        True when the cell must be neutralised.
    """
    start = text.lstrip(" ")
    return start.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(start)


def neutral_text(text: str) -> str:
    """Return the text, with a single quote in front when it would run as a formula."""
    return "'" + text if is_formula(text) else text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells that start like a formula begin with a single quote.

    Numbers are left as numbers, whatever the column's dtype: a negative count is not a
    formula, nor is text that is a plain number (``"-1"``, ``"-12%"``, see
    :func:`is_formula`). Every other text cell that starts like a formula is changed, so
    ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``; categorical and string columns
    are treated as text.

    Parameters
    ----------
    frame
        Any table; not changed.

    Returns
    -------
    pandas.DataFrame
        The neutralised copy (column names are neutralised too).
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        risky = _risky(values)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + values.astype("str"))
    out.columns = [neutral_text(str(c)) for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV bytes (with BOM, for Excel) with formulas neutralised.

    Lines end in CRLF, so that a carriage return inside a cell is quoted, not a row break.
    """
    text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _risky(values: pd.Series) -> pd.Series:
    """Which cells are text that a spreadsheet could run (numbers never are)."""
    if values.dtype.kind in "biufcmM":  # numbers, booleans, dates: never text
        return pd.Series(False, index=values.index)
    cells = values.astype(object)
    is_text = pd.Series([isinstance(v, str) for v in cells], index=values.index, dtype=bool)
    text = cells.where(is_text, "").astype("str").str.lstrip(" ")
    starts = is_text & text.str.startswith(FORMULA_STARTS)
    if not starts.any():
        return starts
    return starts & ~text.where(starts, "").str.fullmatch(_PLAIN_NUMBER.pattern)
