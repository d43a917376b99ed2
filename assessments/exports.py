"""Exports under disclosure control: protected tables as CSV that states its policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from assessments.disclosure import DisclosurePolicy, protect_table
from layers._errors import SchemaError
from layers.export import safe_csv

TOTAL = "total"
"""Name of the row-total column :func:`disclosed_counts_table` adds."""


def disclosed_csv(
    table: pd.DataFrame,
    *,
    count_columns: Sequence[str],
    policy: DisclosurePolicy,
    total_column: str | None = None,
    group_columns: Sequence[str] = (),
    column_totals: bool | None = None,
    rate_columns: Mapping[str, str] | None = None,
) -> bytes:
    """Return the table as CSV bytes after disclosure control, ending with the policy.

    The table goes through :func:`assessments.disclosure.protect_table` (same options),
    then :func:`layers.export.safe_csv` (UTF-8 with BOM, formulas neutralised, CRLF).
    The last row holds the table's statement (the policy's, with any caution the
    protection added) in the first column and nothing else, so a spreadsheet shows it
    under the data; a program reading the file drops the last row.
    A table that :func:`disclosed_counts_table` already protected can be passed with
    ``count_columns=()``: it is written as it is, with its statement.

    Parameters
    ----------
    table
        Counts to export; not changed.
    count_columns, policy, total_column, group_columns, column_totals, rate_columns
        As for :func:`assessments.disclosure.protect_table`.

    Returns
    -------
    bytes
        The CSV file's content.
    """
    protected = _protected(
        table, count_columns, policy, total_column, group_columns, column_totals, rate_columns
    )
    statement = str(protected.attrs.get("statement") or "") or policy.statement()
    return safe_csv(_with_statement(protected, statement))


def disclosed_counts_table(counts: pd.DataFrame, *, policy: DisclosurePolicy) -> pd.DataFrame:
    """Return ``layers.aggregate.counts`` output as a protected area-by-period table.

    One row per area; one column per period (a single ``count`` column when the counts
    are not split by period) and, with several periods, a ``total`` column. The column
    totals over all areas (the city's figures) are assumed to be shown too, so secondary
    suppression protects against both row and column differencing.

    Parameters
    ----------
    counts
        Columns ``area_code``, ``area_name``, ``period``, ``count`` (the counts
        command's table); not changed.
    policy
        The policy in force.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code``, ``area_name``, then the periods (and ``total``) as display
        strings; ``attrs`` as :func:`assessments.disclosure.protect_table` sets them.
    """
    wide, periods = _wide(counts)
    total = TOTAL if len(periods) > 1 else None
    return protect_table(
        wide, count_columns=periods, policy=policy, total_column=total, column_totals=True
    )


def _protected(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    policy: DisclosurePolicy,
    total_column: str | None,
    group_columns: Sequence[str],
    column_totals: bool | None,
    rate_columns: Mapping[str, str] | None,
) -> pd.DataFrame:
    if not count_columns:
        if table.attrs.get("policy") != policy.name:
            raise SchemaError(
                "disclosed_csv: count_columns is empty but the table was not protected "
                f"under the {policy.name!r} policy. Name the count columns."
            )
        return table
    return protect_table(
        table,
        count_columns=count_columns,
        policy=policy,
        total_column=total_column,
        group_columns=group_columns,
        column_totals=column_totals,
        rate_columns=rate_columns,
    )


def _with_statement(protected: pd.DataFrame, statement: str) -> pd.DataFrame:
    out = protected.astype(object).reset_index(drop=True)
    out.attrs = {}
    last = pd.DataFrame([[statement] + [""] * (len(out.columns) - 1)], columns=out.columns)
    return pd.concat([out, last], ignore_index=True) if len(out) else last


def _wide(counts: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    required = ["area_code", "area_name", "period", "count"]
    missing = [c for c in required if c not in counts.columns]
    if missing:
        raise SchemaError(
            f"disclosed_counts_table: columns {missing} are missing; pass the table "
            "layers.aggregate.counts returns."
        )
    names = counts.drop_duplicates("area_code").set_index("area_code")["area_name"]
    wide = counts.pivot_table(
        index="area_code", columns="period", values="count", aggfunc="sum", fill_value=0
    )
    periods = [str(p) for p in wide.columns]
    wide.columns = periods
    if len(periods) == 1:
        wide = wide.rename(columns={periods[0]: "count"})
        periods = ["count"]
    else:
        wide[TOTAL] = wide[periods].sum(axis=1)
    wide.insert(0, "area_name", names.reindex(wide.index).to_numpy())
    return wide.reset_index(), periods
