"""What the Data page draws: rejected rows, what is loaded, the import log, the boundaries."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._data_upload import (
    LAYERS,
    plural,
    reason_counts,
    rejected_table,
    safe_name,
)
from app_pages._exports import record_download
from assessments import scoped
from assessments.scoped import Store
from layers.access import User
from layers.export import safe_csv
from layers.readers import ReadResult

SHOWN_REJECTED = 1000
"""Rejected rows listed on screen; the download holds them all."""

_SHOWN_LAYERS = LAYERS | {"boundaries": "Areas (wards, localities, LSOAs)"}
_LOG_COLUMNS = {
    "finished_at": "Finished (UTC)",
    "kind": "Layer",
    "files": "File",
    "rows_read": "Rows read",
    "imported": "Imported",
    "duplicates": "Already stored",
    "rejected": "Rejected",
    "outside_wards": "Outside every ward",
}
_OFFICIAL_WARDS = (
    "python -m layers import boundaries FILE --map ward_id=code ward_name=name\n"
    "# ONS wards: --map WD16CD=code WD16NM=name"
)


def show_rejected(result: ReadResult, name: str, *, key: str, store: Store, user: User) -> None:
    """Show why rows were rejected, the rows themselves, and a CSV download of them all.

    The download (formula-safe; person references already pseudonymised) is written to
    the audit log when clicked.
    """
    rejected = result.rejected
    if rejected.empty:
        return
    st.markdown(f"**Rejected rows ({len(rejected):,})**: they are not imported.")
    reasons = reason_counts(result)
    st.dataframe(reasons, hide_index=True, width="content", column_config=_thousands(reasons))
    table = rejected_table(result, limit=SHOWN_REJECTED)
    if len(rejected) > SHOWN_REJECTED:
        st.caption(f"The first {SHOWN_REJECTED:,} rows by row number; the download has all.")
    if "The row as read" not in table.columns:
        st.caption(
            "The rows' fields are not shown for missing-child episodes; the download holds "
            "the fields the layer uses, with each child's reference pseudonymised."
        )
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Download the rejected rows (CSV)",
        data=safe_csv(rejected),
        file_name=f"rejected-{result.kind.value}-{safe_name(name).split('.')[0]}.csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click=record_download,
        args=(str(store.path), user, "rejected rows", {"file": safe_name(name)}, "csv"),
    )
    st.caption("Row numbers count the header as row 1, as a spreadsheet shows them.")


def show_loaded(store: Store, user: User) -> None:
    """Show each layer's rows and months, and which ward boundaries are in use."""
    st.subheader("What is loaded")
    summary = _loaded_summary(str(store.path), store.version(), user)
    if summary.empty:
        st.info("The store holds no data yet.")
    else:
        table = _loaded_table(summary)
        st.dataframe(table, hide_index=True, width="content", column_config=_thousands(table))
    _show_boundaries(store)


def show_import_log(store: Store, user: User) -> None:
    """Show the latest imports, newest first."""
    st.subheader("Import log")
    log = _import_log(str(store.path), store.version(), user)
    if log.empty:
        st.info("Nothing has been imported yet.")
        return
    st.caption(f"The latest {plural(len(log), 'import')}, newest first.")
    shown = log[[c for c in _LOG_COLUMNS if c in log.columns]].rename(columns=_LOG_COLUMNS)
    if "Layer" in shown.columns:
        shown["Layer"] = shown["Layer"].map(lambda k: _SHOWN_LAYERS.get(k, str(k)))
    if "Finished (UTC)" in shown.columns:
        shown["Finished (UTC)"] = pd.to_datetime(shown["Finished (UTC)"]).dt.strftime(
            "%Y-%m-%d %H:%M"
        )
    st.dataframe(shown, hide_index=True, width="stretch", column_config=_thousands(shown))


def _show_boundaries(store: Store) -> None:
    wards = scoped.boundaries(store, "ward")
    if wards.empty:
        st.warning(
            "No ward boundaries are loaded: the first import uses the approximate demo wards "
            "shipped with the app. Load official ones on the command line (below)."
        )
    elif wards.attrs.get("approximate", False):
        st.warning(
            f"The {len(wards)} ward boundaries in use are the **approximate demo wards** "
            "shipped with the app: their edges are not the real ward edges, so do not report "
            "ward figures from them. Load the official wards (ONS Open Geography Portal, or "
            "Bristol Open Data) on the command line; every stored point is then re-assigned:"
        )
    else:
        st.success(f"Official ward boundaries are loaded ({len(wards)} wards).")
        return
    st.code(_OFFICIAL_WARDS, language="bash")
    st.caption("data/boundaries/README.md gives the sources, licences and field names.")


def _loaded_table(summary: pd.DataFrame) -> pd.DataFrame:
    months = [
        _months(a, b) for a, b in zip(summary["first_month"], summary["last_month"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Layer": [_SHOWN_LAYERS.get(k, str(k)) for k in summary["layer"]],
            "Rows": summary["rows"].astype("int64").to_numpy(),
            "Months": months,
        }
    )


def _thousands(table: pd.DataFrame) -> dict[str, Any]:
    """Return a column configuration showing every whole-number column as 1,234."""
    return {
        str(column): st.column_config.NumberColumn(format="localized")
        for column in table.columns
        if pd.api.types.is_integer_dtype(table[column])
    }


def _months(first: object, last: object) -> str:
    if pd.isna(first) or pd.isna(last):
        return "-"
    first_, last_ = (pd.Period(str(m), freq="M").strftime("%b %Y") for m in (first, last))
    return first_ if first_ == last_ else f"{first_} – {last_}"


@st.cache_data(max_entries=4, show_spinner=False)
def _loaded_summary(store_path: str, version: str, user: User) -> pd.DataFrame:
    return scoped.loaded_summary(scoped.open_store(store_path), user)


@st.cache_data(max_entries=4, show_spinner=False)
def _import_log(store_path: str, version: str, user: User) -> pd.DataFrame:
    return scoped.import_log(scoped.open_store(store_path), user, limit=50)
