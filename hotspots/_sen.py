"""Sen's slope: medians and order-statistic intervals of pairwise slopes, in row chunks."""

from __future__ import annotations

import numpy as np
from scipy import stats

_ROW_CHUNK = 2048  # rows of pairwise slopes held at once (2048 x 1128 pairs: ~18 MB)


def _pair_index(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) of every pair i < j of ``steps`` time steps."""
    first, second = np.triu_indices(steps, k=1)
    return first, second


def pairwise_slopes(data: np.ndarray) -> np.ndarray:
    """All pairwise slopes (x[j] - x[i]) / (j - i) per row, NaN where a value is missing."""
    first, second = _pair_index(data.shape[1])
    return (data[:, second] - data[:, first]) / (second - first)


def sen_many(data: np.ndarray, var_s: np.ndarray, confidence: float) -> dict[str, np.ndarray]:
    """Sen's slope, interval and intercept per row, in chunks of rows to bound memory."""
    parts = [
        sen_from_slopes(
            pairwise_slopes(data[start : start + _ROW_CHUNK]),
            var_s[start : start + _ROW_CHUNK],
            confidence,
        )
        for start in range(0, max(len(data), 1), _ROW_CHUNK)
    ]
    result = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    result["intercept"] = _intercepts(data, result["slope"])
    return result


def sen_from_slopes(
    slopes: np.ndarray, var_s: np.ndarray, confidence: float
) -> dict[str, np.ndarray]:
    """Median and Sen's order-statistic interval of each row's slopes (NaN sort last)."""
    ordered = np.sort(slopes, axis=1)
    count = (~np.isnan(ordered)).sum(axis=1)
    spread = stats.norm.ppf(1 - (1 - confidence) / 2) * np.sqrt(np.maximum(var_s, 0.0))
    low_rank = np.clip(np.round((count - spread) / 2), 1, np.maximum(count, 1))
    high_rank = np.clip(np.round((count + spread) / 2 + 1), 1, np.maximum(count, 1))
    return {
        "slope": _sorted_median(ordered, count),
        "slope_low": _take_rank(ordered, low_rank, count),
        "slope_high": _take_rank(ordered, high_rank, count),
    }


def _sorted_median(ordered: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Median of the first ``count`` values of each sorted row (NaN when count is 0)."""
    rows = np.arange(len(ordered))
    lower = np.maximum((count - 1) // 2, 0)
    upper = np.maximum(count // 2, 0)
    if ordered.shape[1] == 0:
        return np.full(len(ordered), np.nan)
    median = (ordered[rows, lower] + ordered[rows, np.minimum(upper, ordered.shape[1] - 1)]) / 2
    return np.where(count > 0, median, np.nan)


def _take_rank(ordered: np.ndarray, rank: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Take the value of 1-based ``rank`` in each sorted row (NaN when the row has no slopes)."""
    if ordered.shape[1] == 0:
        return np.full(len(ordered), np.nan)
    taken = ordered[np.arange(len(ordered)), rank.astype(np.int64) - 1]
    return np.where(count > 0, taken, np.nan)


def _intercepts(data: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Conover's intercept: median(x) - median(positions present) * slope."""
    if data.shape[1] == 0:
        return np.full(len(data), np.nan)
    present = ~np.isnan(data)
    positions = np.where(present, np.arange(data.shape[1], dtype=np.float64), np.nan)
    empty = ~present.any(axis=1)
    filled = np.where(empty[:, None], 0.0, data)
    middle = np.nanmedian(np.where(empty[:, None], 0.0, positions), axis=1)
    level = np.nanmedian(filled, axis=1)
    return np.where(empty, np.nan, level - middle * slope)


def no_slopes(rows: int) -> dict[str, np.ndarray]:
    """NaN slope keys when slopes were not asked for."""
    return {key: np.full(rows, np.nan) for key in ("slope", "slope_low", "slope_high", "intercept")}


def seasonal_slope(
    series: np.ndarray, seasons: np.ndarray, var_s: float, period: int, confidence: float
) -> dict[str, float]:
    """Median of the within-season slopes (per cycle), its interval and the intercept."""
    pooled = pairwise_slopes(seasons).reshape(1, -1)
    sen = sen_from_slopes(pooled, np.array([var_s]), confidence)
    present = ~np.isnan(series)
    slope = float(sen["slope"][0])
    intercept = (
        float(np.median(series[present]) - np.median(np.flatnonzero(present)) / period * slope)
        if present.any()
        else float("nan")
    )
    return {
        "slope": slope,
        "slope_low": float(sen["slope_low"][0]),
        "slope_high": float(sen["slope_high"][0]),
        "intercept": intercept,
    }
