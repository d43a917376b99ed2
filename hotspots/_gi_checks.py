"""Checks of the counts and options given to the Gi* functions: every problem, in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots._gi import DEFAULT_ALPHA, critical_p_values
from layers._errors import SchemaError

MIN_AREAS = 30
"""Fewest areas Gi* runs on (the normal approximation needs a reasonable number)."""
MIN_EVENTS = 30
"""Fewest events in total Gi* runs on."""
_EXAMPLES = 3


@dataclass(frozen=True)
class GiOptions:
    """The validated options shared by the Gi* functions."""

    permutations: int = 0
    seed: int | None = None
    fdr: bool = True
    alpha: tuple[float, ...] = DEFAULT_ALPHA


def option_problems(*, permutations: object, seed: object, fdr: object, alpha: object) -> list[str]:
    """Problems with the options, each naming the option, the value and the fix."""
    problems = []
    if not _is_int(permutations) or int(permutations) < 0:  # type: ignore[call-overload]
        problems.append(
            f"permutations must be a whole number >= 0; received {permutations!r}. "
            "Use 0 (analytical p only) or 999"
        )
    if seed is not None and (not _is_int(seed) or int(seed) < 0):  # type: ignore[call-overload]
        problems.append(f"seed must be None or a whole number >= 0; received {seed!r}")
    if not isinstance(fdr, bool | np.bool_):
        problems.append(f"fdr must be True or False; received {fdr!r}")
    try:
        critical_p_values(np.array([0.5]), alpha=alpha)  # type: ignore[arg-type]
    except SchemaError as error:
        problems.append(str(error).rstrip("."))
    return problems


def options_of(
    *, permutations: int, seed: int | None, fdr: bool, alpha: Sequence[float]
) -> GiOptions:
    """Options as one bundle; alpha sorted from the largest level to the smallest."""
    levels = tuple(sorted((float(a) for a in alpha), reverse=True))
    return GiOptions(int(permutations), None if seed is None else int(seed), bool(fdr), levels)


def count_problems(counts: object, *, unit: str) -> list[str]:
    """Problems with the counts (a Series of non-negative numbers, one per area)."""
    if not isinstance(counts, pd.Series):
        return [
            (
                f"counts must be a pandas Series of counts indexed by {unit}; received "
                f"{type(counts).__name__}"
            )
        ]
    if pd.api.types.is_bool_dtype(counts.dtype) or not pd.api.types.is_numeric_dtype(counts.dtype):
        return [f"counts must hold numbers; received dtype {counts.dtype}"]
    problems = _index_problems(counts.index, unit=unit)
    if counts.empty:
        return problems
    values = values_of(counts)
    bad = ~np.isfinite(values)
    if bad.any():
        problems.append(
            f"counts: {int(bad.sum())} of the {unit} have a missing or infinite count, e.g. "
            f"{_labels(counts.index[bad])}; use 0 where nothing happened"
        )
    negative = np.nan_to_num(values) < 0
    if negative.any():
        problems.append(
            f"counts: {int(negative.sum())} of the {unit} have a negative count, e.g. "
            f"{_labels(counts.index[negative])}; counts must be 0 or more"
        )
    if values.size < MIN_AREAS:
        problems.append(
            f"counts: received {values.size} {unit}; Gi* needs at least {MIN_AREAS}. Use a "
            "larger study area or smaller areas (a finer H3 resolution)"
        )
    return problems if (bad | negative).any() else problems + _spread_problems(values)


def values_of(counts: pd.Series) -> np.ndarray:
    """Return the counts as float64, NaN where missing."""
    return np.asarray(counts.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def raise_problems(problems: list[str], *, function: str) -> None:
    """Raise one SchemaError listing every problem, or return when there is none."""
    if problems:
        raise SchemaError(f"{function} cannot run: " + "; ".join(problems) + ".")


# --- private steps ----------------------------------------------------------------------
def _index_problems(index: pd.Index, *, unit: str) -> list[str]:
    if not index.has_duplicates:
        return []
    repeated = index[index.duplicated()].unique()
    return [
        (
            f"counts: {repeated.size} of the {unit} appear more than once, e.g. "
            f"{_labels(repeated)}; give one count per area (add the repeated rows up with "
            "groupby(level=0).sum())"
        )
    ]


def _spread_problems(values: np.ndarray) -> list[str]:
    problems = []
    total = float(values.sum())
    if total < MIN_EVENTS:
        problems.append(
            f"counts: the counts add up to {total:g} events; Gi* needs at least "
            f"{MIN_EVENTS}. Use a longer period or more categories"
        )
    if values.size > 1 and np.all(values == values[0]):
        problems.append(
            f"every area has the same count ({values[0]:g}); there is no pattern to test"
        )
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _labels(index: pd.Index) -> str:
    return ", ".join(repr(v) for v in index[:_EXAMPLES].tolist())
