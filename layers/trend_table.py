"""Trend results in words: the area table, changes with their intervals, window choice."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["change_text", "comparison_window", "trend_table"]


def comparison_window(months: int, *, preferred: int = 12) -> tuple[int, str]:
    """Choose the length of the two windows a period comparison sets side by side.

    Parameters
    ----------
    months
        Months of data chosen.
    preferred
        Window wanted when there are enough months (``2 * preferred``).

    Returns
    -------
    tuple of (int, str)
        The window in months (0 when fewer than 2 months leave nothing to compare) and
        why it was chosen, in words.
    """
    if months >= 2 * preferred:
        return preferred, f"the last {preferred} months against the {preferred} before"
    window = months // 2
    if window < 1:
        return 0, f"{months} month{'s' if months != 1 else ''}: too few to compare two periods"
    return window, (
        f"{window}-month windows, chosen automatically: the {months} months chosen are fewer "
        f"than the {2 * preferred} that two {preferred}-month windows need"
    )


def change_text(ratio: float, low: float, high: float) -> str:
    """Write a rate ratio and its 95 % interval as a change: ``+25% (+3 to +52%)``.

    Parameters
    ----------
    ratio, low, high
        Rate ratio (recent / previous) and its 95 % confidence interval.

    Returns
    -------
    str
        The change in percent with its interval (a true minus sign for falls);
        ``new (none before)`` when the previous count was 0, ``no events`` when both were.
    """
    if math.isnan(ratio):
        return "no events"
    if math.isinf(ratio):
        return "new (none before)"
    return f"{_percent(ratio)} ({_percent(low).removesuffix('%')} to {_percent(high)})"


def trend_table(
    table: pd.DataFrame, *, area_word: str = "Ward", parents: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Turn ``hotspots.trends.trends_by_area`` output into a table people read.

    Parameters
    ----------
    table
        The output of ``trends_by_area`` (its order is kept: what needs attention first).
    area_word
        Heading of the area column (``Ward``, ``Locality``).
    parents
        Area code to parent name (a ward's locality); adds a ``Locality`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_word``, (``Locality``), ``Last N months``, ``Previous N months``
        (int64, N is ``attrs["months"]``), ``Change (95% CI)`` (``+25% (+3 to +52%)``),
        ``Adjusted p`` (``0.012``, ``< 0.001``), ``Significant change`` (``Yes, rising``,
        ``Yes, falling`` or ``No``) and ``Trend, all months`` (Mann-Kendall, not
        adjusted: ``upward (p = 0.003)``, ``none (p = 0.41)``).
    """
    months = int(table.attrs.get("months", 12))
    out = pd.DataFrame({area_word: table["area_name"].astype("str")})
    if parents is not None:
        out["Locality"] = table["area_code"].map(dict(parents)).fillna("").astype("str")
    out[f"Last {months} months"] = table["recent"].astype("int64")
    out[f"Previous {months} months"] = table["previous"].astype("int64")
    out["Change (95% CI)"] = [
        change_text(*v) for v in table[["rate_ratio", "ci_low", "ci_high"]].to_numpy("float64")
    ]
    out["Adjusted p"] = [_p(p).removeprefix("p = ").removeprefix("p ") for p in table["p_adjusted"]]
    significant = table["significant"].astype(bool).to_numpy()
    out["Significant change"] = np.where(significant, "Yes, " + table["direction"], "No")
    alpha = float(table.attrs.get("alpha", 0.05))
    out["Trend, all months"] = [
        _steady(z, p, alpha) for z, p in table[["mk_z", "mk_p"]].to_numpy("float64")
    ]
    return out.reset_index(drop=True)


# --- words ---------------------------------------------------------------------------


def _percent(ratio: float) -> str:
    """Write a ratio as a signed change: 1.25 -> ``+25%``, 0.8 -> ``-20%``."""
    if math.isinf(ratio):
        return "no upper limit"
    change = 100 * (ratio - 1)
    if abs(change) < 0.5:
        return "0%"
    return f"{change:+,.0f}%".replace("-", "\u2212")  # a true minus sign reads better


def _steady(z: float, p: float, alpha: float) -> str:
    if not math.isfinite(p):
        return "not tested"
    if p < alpha and z != 0:
        return f"{'upward' if z > 0 else 'downward'} ({_p(p)})"
    return f"none ({_p(p)})"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "not tested"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"
