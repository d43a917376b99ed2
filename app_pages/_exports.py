"""Downloads: every exported table under disclosure control, every download in the audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import settings
from assessments import scoped
from assessments.disclosure import get_policy, protect_table
from assessments.exports import disclosed_csv
from layers._errors import SchemaError
from layers.access import User
from layers.settings import Settings

POLICY = "partnership"
"""Disclosure policy of on-screen tables and their CSV downloads."""


def csv_download(
    table: pd.DataFrame,
    *,
    label: str,
    name: str,
    count_columns: Sequence[str],
    user: User,
    store_path: str,
    what: str,
    filters: Mapping[str, Any],
) -> None:
    """Offer a table as CSV after disclosure control; record the download when clicked.

    The one way a page offers a table as CSV. Counts are protected with the partnership
    policy (small counts hidden, secondary suppression) and the file ends with the policy
    statement; every text cell is formula-safe. A table whose counts are already display
    strings (figures a page got protected from ``assessments.scoped``) is written as it
    is, with the statement. The audit log records the download when the button is
    clicked, not each time the page is drawn.

    Parameters
    ----------
    table
        The table as the page shows it.
    label, name
        The button's words and the file's name (``safer-options-NAME.csv``).
    count_columns
        Columns of counts to protect (non-negative integers).
    user
        The signed-in user (for the audit log).
    store_path
        The store the figures came from.
    what
        What the table is, in words, for the audit log ("ward counts").
    filters
        The view's filters (address-bar parameters), for the audit log.

    Raises
    ------
    SchemaError
        When a count column holds hidden figures (NaN), or is neither whole counts nor
        display strings: such figures cannot be protected here.
    """
    policy = get_policy(POLICY, settings=settings())
    table, counts = _protectable(table, count_columns, policy.name)
    data = disclosed_csv(table, count_columns=counts, policy=policy)
    st.download_button(
        label,
        data=data,
        file_name=f"safer-options-{name}.csv",
        mime="text/csv",
        on_click=record_download,
        args=(store_path, user, what, dict(filters), "csv"),
        key=f"csv_{name}",
    )


def _protectable(
    table: pd.DataFrame, count_columns: Sequence[str], policy: str
) -> tuple[pd.DataFrame, list[str]]:
    """Return the table to write and the count columns still to protect.

    Whole counts are protected by ``disclosed_csv``; display strings (``12``, ``<5``,
    ``[c]``) were protected by ``assessments.scoped`` and are marked with the policy.
    """
    counts = [c for c in count_columns if c in table.columns]
    hidden = [c for c in counts if table[c].isna().any()]
    if hidden:
        raise SchemaError(
            f"csv_download: {hidden} hold figures already hidden from this user; offer "
            "their display strings (the 'shown' column) instead."
        )
    whole = [c for c in counts if pd.api.types.is_integer_dtype(table[c])]
    if len(whole) == len(counts):
        return table, counts
    odd = [c for c in counts if c in whole or not pd.api.types.is_string_dtype(table[c])]
    if odd:
        raise SchemaError(
            f"csv_download: {odd} must all be whole counts (int64) or all display strings "
            "from assessments.scoped; convert them before offering the table."
        )
    marked = table.copy()
    marked.attrs["policy"] = policy
    return marked, []


def record_download(
    store_path: str, user: User, what: str, filters: dict[str, Any], file_format: str
) -> None:
    """Write a download to the audit log (the download button's click callback)."""
    scoped.record_export(
        scoped.open_store(store_path), user, what=what, filters=filters, file_format=file_format
    )


def protected_counts(counts: pd.DataFrame, config: Settings) -> pd.DataFrame:
    """Return a one-period count table with every figure under disclosure control.

    For exported maps: the counts go through ``protect_table`` (partnership policy, the
    total of all areas assumed known); hidden figures become NaN in ``count`` with their
    display text (``<5``, ``[c]``) in ``shown``; figures already hidden stay hidden.

    Parameters
    ----------
    counts
        ``assessments.scoped.counts`` output for one period.
    config
        The settings in force (disclosure threshold).

    Returns
    -------
    pandas.DataFrame
        A copy with ``count``, ``shown`` and ``exact`` updated.
    """
    out = counts.copy()
    known = out["count"].notna().to_numpy()
    if not known.any():
        return out
    part = out.loc[known, ["area_code", "count"]].astype({"count": "int64"})
    protected = protect_table(
        part,
        count_columns=["count"],
        policy=get_policy(POLICY, settings=config),
        column_totals=True,
    )
    hidden = protected.attrs["suppressed"]["count"].to_numpy()
    index = out.index[known][hidden]
    out.loc[index, "shown"] = protected.loc[part.index[hidden], "count"].to_numpy()
    out.loc[index, "count"] = np.nan
    out.loc[index, "exact"] = False
    return out
