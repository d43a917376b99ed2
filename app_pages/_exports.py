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

    Counts are protected with the partnership policy (small counts hidden, secondary
    suppression) and the file ends with the policy statement; every text cell is
    formula-safe. A table whose counts are already display strings (figures a page got
    protected from ``assessments.scoped``) is written as it is, with the statement.

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
    """
    policy = get_policy(POLICY, settings=settings())
    counts = [c for c in count_columns if c in table.columns]
    numeric = all(pd.api.types.is_integer_dtype(table[c]) for c in counts)
    if not numeric:  # figures protected by assessments.scoped under this policy
        table = table.copy()
        table.attrs["policy"] = policy.name
    data = disclosed_csv(table, count_columns=counts if numeric else (), policy=policy)
    st.download_button(
        label,
        data=data,
        file_name=f"safer-options-{name}.csv",
        mime="text/csv",
        on_click=record_download,
        args=(store_path, user, what, dict(filters), "csv"),
        key=f"csv_{name}",
    )


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
