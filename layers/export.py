"""Exports: CSV that a spreadsheet opens as data, never as formulas."""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (CSV injection)."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells that start like a formula begin with a single quote.

    Numbers are left as numbers (a negative count is not a formula); only text cells
    are changed, so ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``.

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
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("str")
            risky = text.str.startswith(FORMULA_STARTS, na=False)
            if risky.any():
                out[column] = values.astype(object).where(~risky, "'" + text)
    out.columns = [_neutral(str(c)) for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV bytes (with BOM, for Excel) with formulas neutralised.

    Lines end in CRLF, so that a carriage return inside a cell is quoted, not a row break.
    """
    text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _neutral(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text
