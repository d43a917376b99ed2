"""Monthly series and long count tables: checks (every month present) and normal form."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

AREA_CODE = "area_code"
AREA_NAME = "area_name"
PERIOD = "period"
COUNT = "count"
TABLE_COLUMNS = (AREA_CODE, AREA_NAME, PERIOD, COUNT)

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ZEROS_HINT = (
    "every month must be present, with 0 where nothing happened "
    "(layers.aggregate.counts(..., period='month') gives such a table)"
)


def month_problems(
    series: object, *, name: str, minimum: int, whole: bool, problems: list[str]
) -> None:
    """Add to ``problems`` what makes ``series`` unusable as a complete monthly count series.

    Parameters
    ----------
    series
        The argument as received.
    name
        The argument's name, for the messages.
    minimum
        Fewest months accepted.
    whole
        Whether values must be whole numbers (counts for an exact test).
    problems
        Messages found so far; appended to.
    """
    if not isinstance(series, pd.Series):
        problems.append(
            f"{name}: expected a pandas Series indexed by month, received "
            f"{type(series).__name__}; build one with pd.Series(counts, index=months)"
        )
        return
    months = _periods(series.index, name, problems)
    if months is not None:
        _month_gaps(months, name, minimum, problems)
    value_problems(series, name=name, whole=whole, problems=problems)


def value_problems(series: pd.Series, *, name: str, whole: bool, problems: list[str]) -> None:
    """Numbers, none missing, none negative, whole when asked."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        problems.append(
            f"{name}: expected counts as numbers, received dtype {series.dtype}; "
            "convert with pd.to_numeric"
        )
        return
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if (~np.isfinite(values)).any():
        problems.append(
            f"{name}: {int((~np.isfinite(values)).sum())} missing or infinite values; {_ZEROS_HINT}"
        )
    elif (values < 0).any():
        problems.append(f"{name}: negative counts (minimum {values.min():g}); counts are >= 0")
    elif whole and (values != np.round(values)).any():
        problems.append(f"{name}: counts must be whole numbers for the exact test")


def monthly(series: pd.Series) -> pd.Series:
    """Return a checked series as float64 values on a sorted monthly PeriodIndex (a copy)."""
    months = _as_periods(series.index)
    out = pd.Series(series.to_numpy(dtype="float64"), index=months, name=series.name)
    return out.sort_index()


def month_label(period: pd.Period) -> str:
    """Write a month as ``YYYY-MM``."""
    return period.strftime("%Y-%m")


def span(months: pd.PeriodIndex) -> str:
    """First and last month of a run, e.g. ``2020-10 to 2021-09``."""
    if len(months) == 0:
        return "no months"
    return f"{month_label(months[0])} to {month_label(months[-1])}"


def table_problems(table: object, *, minimum: int, problems: list[str]) -> None:
    """Add what makes ``table`` unusable as a long (area x month) count table."""
    if not isinstance(table, pd.DataFrame):
        problems.append(
            f"table: expected a DataFrame with columns {', '.join(TABLE_COLUMNS)}, "
            f"received {type(table).__name__}"
        )
        return
    absent = [c for c in TABLE_COLUMNS if c not in table.columns]
    if absent:
        problems.append(
            f"table: columns {absent} missing (received {list(table.columns)[:8]}); pass the "
            "frame layers.aggregate.counts(..., period='month') returns"
        )
        return
    value_problems(table[COUNT], name="table['count']", whole=True, problems=problems)
    if table.empty:
        return
    months = _periods(pd.Index(table[PERIOD]), "table['period']", problems, unique=False)
    if months is not None:
        _grid_problems(table, months, minimum, problems)


def count_matrix(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    """Areas (rows, with their names) and the (area x month) count matrix of a checked table."""
    months = _as_periods(pd.Index(table[PERIOD]))
    frame = pd.DataFrame(
        {
            AREA_CODE: table[AREA_CODE].astype("str").to_numpy(),
            PERIOD: months,
            COUNT: table[COUNT].to_numpy(dtype="float64"),
        }
    )
    matrix = frame.pivot(index=AREA_CODE, columns=PERIOD, values=COUNT).sort_index(axis=1)
    names = (
        table.assign(**{AREA_CODE: table[AREA_CODE].astype("str")})
        .drop_duplicates(AREA_CODE)
        .set_index(AREA_CODE)[AREA_NAME]
        .reindex(matrix.index)
        .astype("str")
    )
    return matrix.assign(**{AREA_NAME: names}), pd.PeriodIndex(matrix.columns, freq="M")


# --- steps ----------------------------------------------------------------------------


def _periods(
    index: pd.Index, name: str, problems: list[str], *, unique: bool = True
) -> pd.PeriodIndex | None:
    """Return the index as monthly periods, or None (with a problem) when it is not months."""
    if isinstance(index, pd.PeriodIndex) and index.freqstr != "M":
        problems.append(f"{name}: periods of {index.freqstr}, expected months; use period='month'")
        return None
    if not isinstance(index, (pd.PeriodIndex, pd.DatetimeIndex)):
        text = index.astype("str")
        bad = ~np.array([bool(_MONTH.fullmatch(t)) for t in text], dtype=bool)
        if bad.any():
            problems.append(
                f"{name}: {int(bad.sum())} labels are not months (e.g. "
                f"{list(text[bad][:3])}); label months as YYYY-MM or use a PeriodIndex"
            )
            return None
    months = _as_periods(index)
    if unique and months.has_duplicates:
        repeated = [month_label(p) for p in months[months.duplicated()].unique()[:3]]
        problems.append(f"{name}: months repeat ({repeated}); sum each month into one value")
        return None
    return months


def _as_periods(index: pd.Index) -> pd.PeriodIndex:
    """Return the months of a PeriodIndex, a DatetimeIndex or ``YYYY-MM`` labels."""
    if isinstance(index, pd.PeriodIndex):
        return index
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_localize(None).to_period("M") if index.tz else index.to_period("M")
    return pd.PeriodIndex(index.astype("str"), freq="M")


def _month_gaps(months: pd.PeriodIndex, name: str, minimum: int, problems: list[str]) -> None:
    """No month missing between the first and the last; at least ``minimum`` months."""
    if len(months) < minimum:
        problems.append(
            f"{name}: {len(months)} months received, at least {minimum} needed; "
            "pass a longer series"
        )
        return
    missing = _missing_months(months) if len(months) else []
    if missing:
        problems.append(
            f"{name}: {_plural(len(missing), 'month')} missing from {span(months.sort_values())} "
            f"(e.g. {missing[:3]}); {_ZEROS_HINT}"
        )


def _missing_months(months: pd.PeriodIndex) -> list[str]:
    """Months absent between the first and the last, as ``YYYY-MM``."""
    full = pd.period_range(months.min(), months.max(), freq="M")
    return [month_label(p) for p in full.difference(months)]


def _grid_problems(
    table: pd.DataFrame, months: pd.PeriodIndex, minimum: int, problems: list[str]
) -> None:
    """Every area has every month of the table exactly once, and enough months."""
    keys = pd.DataFrame(
        {"a": table[AREA_CODE].astype("str").to_numpy(), "m": months.strftime("%Y-%m")}
    )
    if keys.duplicated().any():
        first = keys[keys.duplicated()].iloc[0]
        problems.append(
            f"table: area {first['a']} has month {first['m']} more than once; "
            "sum each (area, month) into one row"
        )
        return
    _month_gaps(months.unique(), "table['period']", minimum, problems)
    per_area = keys.groupby("a")["m"].size()
    whole = months.unique().size
    short = per_area[per_area < whole]
    if len(short):
        problems.append(
            f"table: {_plural(len(short), 'area')} without some of the {whole} months (e.g. "
            f"{short.index[:3].tolist()}); {_ZEROS_HINT}"
        )


def _plural(count: int, noun: str) -> str:
    """``1 month``, ``3 months``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
