"""Checks of the tables handed to disclosure control, and the groups they publish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from layers._errors import SchemaError


def as_counts(values: pd.Series, name: str) -> np.ndarray:
    """Return the column as int64 counts, or raise naming the column."""
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() | (numeric < 0) | (numeric % 1 != 0)
    if bool(bad.any()):
        raise SchemaError(
            f"Column {name!r} must hold non-negative whole counts; {int(bad.sum())} "
            "value(s) are missing, negative or fractional. Fill or drop them first."
        )
    return numeric.to_numpy(dtype=np.int64)


def validate_table(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_column: str | None,
    group_columns: Sequence[str],
    rates: Mapping[str, str],
) -> tuple[list[str], str | None]:
    """Return the part columns and the total column, after checking the table once."""
    parts = [c for c in count_columns if c != total_column]
    wanted = [*parts, *([total_column] if total_column else []), *group_columns, *rates]
    problems = [f"column {c!r} is missing" for c in wanted if c not in table.columns]
    counted = {*parts, *([total_column] if total_column else [])}
    problems += [
        f"rate column {r!r} refers to {c!r}, which is not a count column"
        for r, c in rates.items()
        if c not in counted
    ]
    if not parts:
        problems.append("count_columns is empty")
    if problems:
        raise SchemaError(
            "protect_table: "
            + "; ".join(problems)
            + f". The table has columns {list(table.columns)}; name the count columns."
        )
    if total_column:
        summed = np.column_stack([as_counts(table[c], c) for c in parts]).sum(axis=1)
        wrong = summed != as_counts(table[total_column], total_column)
        if wrong.any():
            raise SchemaError(
                f"protect_table: {int(wrong.sum())} row(s) have a {total_column!r} that is "
                "not the sum of the count columns. Add an 'other' column for the rest."
            )
    return parts, total_column


def groups_with_totals(
    table: pd.DataFrame, group_columns: Sequence[str], column_totals: bool | None
) -> list[np.ndarray]:
    """Return the row indices of each group whose column totals are published."""
    shown = bool(group_columns) if column_totals is None else column_totals
    if not shown or table.empty:
        return []
    if not group_columns:
        return [np.arange(len(table))]
    keys = table[list(group_columns)].astype(str).agg("\x1f".join, axis=1).to_numpy()
    return [np.flatnonzero(keys == key) for key in pd.unique(keys)]
