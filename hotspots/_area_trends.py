"""Period comparison and Mann-Kendall test for every area of a long count table at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots import _mannkendall as mk
from hotspots import _months as m
from hotspots import _trend_words as words
from hotspots._multiple_testing import CORRECTIONS, adjusted_p
from hotspots._rate_ratio import rate_ratio_test

AREA_CODE = m.AREA_CODE
AREA_NAME = m.AREA_NAME
RECENT = "recent"
PREVIOUS = "previous"
RATE_RATIO = "rate_ratio"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"
P = "p"
P_ADJUSTED = "p_adjusted"
SIGNIFICANT = "significant"
MK_Z = "mk_z"
MK_P = "mk_p"
DIRECTION = "direction"
SENTENCE = "sentence"

AREA_TREND_COLUMNS: dict[str, str] = {
    AREA_CODE: "str",
    AREA_NAME: "str",
    RECENT: "int64",
    PREVIOUS: "int64",
    RATE_RATIO: "float64",
    CI_LOW: "float64",
    CI_HIGH: "float64",
    P: "float64",
    P_ADJUSTED: "float64",
    SIGNIFICANT: "bool",
    MK_Z: "float64",
    MK_P: "float64",
    DIRECTION: "str",
    SENTENCE: "str",
}
"""Columns and dtypes of :func:`hotspots.trends.trends_by_area`."""


def area_table(table: pd.DataFrame, *, months: int, alpha: float, correction: str) -> pd.DataFrame:
    """Compare the windows and test the trend of every area of a checked table."""
    if table.empty:
        empty = pd.DataFrame({n: pd.Series(dtype=d) for n, d in AREA_TREND_COLUMNS.items()})
        empty.attrs = _attrs(pd.PeriodIndex([], freq="M"), months, alpha, correction, 0)
        return empty
    matrix, periods = m.count_matrix(table)
    values = matrix[periods].to_numpy(dtype="float64")
    frame = _compare(matrix, values, months, correction, alpha)
    frame[DIRECTION] = _directions(frame)
    frame[SENTENCE] = _sentences(frame, months, correction)
    out = _ordered(frame).astype(AREA_TREND_COLUMNS)[list(AREA_TREND_COLUMNS)]
    out.attrs = _attrs(periods, months, alpha, correction, int(frame[P].notna().sum()))
    return out


def _compare(
    matrix: pd.DataFrame, values: np.ndarray, months: int, correction: str, alpha: float
) -> pd.DataFrame:
    """Window counts, the exact test, adjusted p and the Mann-Kendall test per area."""
    recent = values[:, -months:].sum(axis=1)
    previous = values[:, -2 * months : -months].sum(axis=1)
    test = rate_ratio_test(recent, previous)
    p_adjusted = adjusted_p(test["p"], correction)
    trend = mk.mann_kendall_many(values, alpha=alpha, slopes=False)
    return pd.DataFrame(
        {
            AREA_CODE: matrix.index.astype("str"),
            AREA_NAME: matrix[AREA_NAME].to_numpy(),
            RECENT: recent.astype(np.int64),
            PREVIOUS: previous.astype(np.int64),
            RATE_RATIO: test["ratio"],
            CI_LOW: test["low"],
            CI_HIGH: test["high"],
            P: test["p"],
            P_ADJUSTED: p_adjusted,
            SIGNIFICANT: np.nan_to_num(p_adjusted, nan=1.0) < alpha,
            MK_Z: trend["z"],
            MK_P: trend["p"],
        }
    )


def _directions(frame: pd.DataFrame) -> np.ndarray:
    """``rising`` / ``falling`` for significant changes, else ``no significant change``."""
    ratio = frame[RATE_RATIO].to_numpy()
    significant = frame[SIGNIFICANT].to_numpy()
    out = np.where(significant & (ratio > 1), words.RISING, words.NO_CHANGE)
    return np.where(significant & (ratio < 1), words.FALLING, out)


def _sentences(frame: pd.DataFrame, months: int, correction: str) -> list[str]:
    """One sentence per area, with the adjusted p."""
    label = "adjusted" if correction != "none" else ""
    window = f"the last {months} months" if months > 1 else "the last month"
    against = f"the previous {months} months" if months > 1 else "the previous month"
    names = frame[AREA_NAME].where(frame[AREA_NAME].notna() & (frame[AREA_NAME] != ""))
    subjects = names.fillna(frame[AREA_CODE])
    return [
        words.comparison_sentence(
            str(subject),
            recent=int(row[RECENT]),
            baseline=int(row[PREVIOUS]),
            window=window,
            against=against,
            ratio=float(row[RATE_RATIO]),
            interval=(float(row[CI_LOW]), float(row[CI_HIGH]), 0.95),
            p=float(row[P_ADJUSTED]),
            direction=str(row[DIRECTION]),
            label=label,
        )
        for subject, (_, row) in zip(subjects, frame.iterrows(), strict=True)
    ]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by what most needs attention.

    Significant rises first (largest ratio), then the other tested areas (smallest p),
    then significant falls (largest fall), then areas with no events.
    """
    rising = frame[DIRECTION] == words.RISING
    falling = frame[DIRECTION] == words.FALLING
    untested = frame[P].isna()
    group = np.select([rising, falling, untested], [0, 2, 3], default=1)
    ratio = frame[RATE_RATIO].fillna(0.0)
    first_key = np.select([rising, falling], [-ratio, ratio], default=frame[P_ADJUSTED].fillna(1))
    keys = frame.assign(_g=group, _k=first_key, _r=-frame[RECENT])
    ordered = keys.sort_values(["_g", "_k", "_r", AREA_CODE], kind="stable")
    return ordered.drop(columns=["_g", "_k", "_r"]).reset_index(drop=True)


def _attrs(
    periods: pd.PeriodIndex, months: int, alpha: float, correction: str, tested: int
) -> dict[str, object]:
    """Parameters and plain-English notes returned with the table."""
    recent = periods[-months:] if len(periods) else periods
    previous = periods[-2 * months : -months] if len(periods) else periods
    return {
        "correction": (
            f"{CORRECTIONS[correction]} over the {tested} areas with events in the two "
            f"windows; significant = p_adjusted < {alpha}; areas with no events are not tested"
        ),
        "correction_method": correction,
        "months": months,
        "alpha": alpha,
        "recent_months": m.span(recent),
        "previous_months": m.span(previous),
        "method": (
            "exact conditional binomial test of equal rates over equal windows (p), "
            "Clopper-Pearson 95% interval of the rate ratio"
        ),
        "trend_test": (
            f"plain Mann-Kendall over all {len(periods)} months of each area (mk_z, mk_p), "
            "not adjusted for the number of areas"
        ),
    }
