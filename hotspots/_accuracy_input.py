"""Checks of the inputs of :func:`hotspots.evaluate.hotspot_accuracy` and their aligned frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers._errors import SchemaError


def validated(
    scores_1: pd.Series,
    counts_2: pd.Series,
    top_share: float,
    area: pd.Series | None,
    counts_1: pd.Series | None,
) -> pd.DataFrame:
    """Check every argument and return one frame (score, count_2, area, count_1), or raise.

    Raises
    ------
    SchemaError
        With every problem found, each naming the argument, what was received and the fix.
    """
    problems: list[str] = []
    named = {"scores_1": scores_1, "counts_2": counts_2, "area": area, "counts_1": counts_1}
    given = {name: s for name, s in named.items() if s is not None}
    for name, series in given.items():
        _check_series(name, series, problems)
    if not problems:
        for name, series in given.items():
            _check_values(name, series, problems)
            if name != "scores_1":
                _check_same_codes(name, series, scores_1, problems)
    if isinstance(top_share, bool) or not isinstance(top_share, (int, float)):
        problems.append(f"top_share: expected a number in (0, 1), received {top_share!r}")
    elif not 0 < top_share < 1:
        problems.append(f"top_share: expected a number in (0, 1), received {top_share}")
    if problems:
        raise SchemaError("; ".join(problems) + ".")
    return _frame(scores_1, counts_2, area, counts_1)


def _check_series(name: str, series: object, problems: list[str]) -> None:
    """Check for a numeric, non-empty pandas Series with a unique index."""
    if not isinstance(series, pd.Series):
        problems.append(
            f"{name}: expected a pandas Series indexed by area code, received "
            f"{type(series).__name__}; build one with pd.Series(values, index=codes)"
        )
    elif not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        problems.append(
            f"{name}: expected numbers, received dtype {series.dtype}; convert with pd.to_numeric"
        )
    elif series.empty:
        problems.append(f"{name}: received no areas; pass one value per area of the study area")
    elif not series.index.is_unique:
        repeated = series.index[series.index.duplicated()].unique()[:5].tolist()
        problems.append(f"{name}: area codes repeat ({repeated}); sum the rows of each area first")


def _check_values(name: str, series: pd.Series, problems: list[str]) -> None:
    """No missing or infinite values; counts not negative; areas positive."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        problems.append(
            f"{name}: {int(bad.sum())} missing or infinite values (e.g. at "
            f"{series.index[bad][:3].tolist()}); give every area a value (0 where none)"
        )
    elif name.startswith("counts") and (values < 0).any():
        problems.append(f"{name}: negative counts (minimum {values.min():g}); counts are >= 0")
    elif name == "area" and (values <= 0).any():
        problems.append(f"area: sizes must be positive, received minimum {values.min():g}")


def _check_same_codes(
    name: str, series: pd.Series, scores_1: pd.Series, problems: list[str]
) -> None:
    """Check that the series covers exactly the areas of ``scores_1``."""
    missing = scores_1.index.difference(series.index)
    extra = series.index.difference(scores_1.index)
    if len(missing) or len(extra):
        problems.append(
            f"{name}: area codes differ from scores_1 ({len(missing)} missing, e.g. "
            f"{missing[:3].tolist()}; {len(extra)} extra, e.g. {extra[:3].tolist()}); "
            "pass every area of the study area in every series (0 where no events)"
        )


def _frame(
    scores_1: pd.Series,
    counts_2: pd.Series,
    area: pd.Series | None,
    counts_1: pd.Series | None,
) -> pd.DataFrame:
    """Align the inputs on the codes of ``scores_1`` as float64 columns (copies)."""
    index = scores_1.index

    def column(series: pd.Series | None, default: float) -> np.ndarray:
        if series is None:
            return np.full(len(index), default)
        return series.reindex(index).to_numpy(dtype="float64", na_value=np.nan)

    frame = pd.DataFrame(
        {
            "score": column(scores_1, 0.0),
            "count_2": column(counts_2, 0.0),
            "area": column(area, 1.0),
            "count_1": column(counts_1, np.nan),
        },
        index=index,
    )
    frame.attrs["area_given"] = area is not None
    return frame
