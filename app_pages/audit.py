"""Audit log (admins only): who signed in, imported, exported or printed what; chain check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import settings
from app_pages._session import admin_page, current_user
from assessments import scoped
from layers import audit

_ALL = "(all)"


def main() -> None:
    """Draw the page: filters, the log newest first, and whether its hash chain is whole."""
    user = current_user()
    config = settings()
    admin_page(user, config.store, action="read the audit log", page="audit")
    st.title("Audit log")
    st.caption(
        "Sign-ins (and failed ones), imports, exports and printed profiles: who, when and "
        "what. Records are only ever added; each carries the hash of the one before, so an "
        "edited or deleted record shows below."
    )
    store = scoped.open_store(config.store)
    everything = scoped.audit_log(store, user)
    who, what, limit = _filters(everything)
    shown = scoped.audit_log(
        store, user, limit=limit, who=None if who == _ALL else who,
        action=None if what == _ALL else what,
    )  # fmt: skip
    st.caption(f"{len(shown):,} of {len(everything):,} records, newest first.")
    st.dataframe(_for_display(shown), hide_index=True, width="stretch")
    _chain_check(scoped.audit_problems(store, user), len(everything))


def _filters(log: pd.DataFrame) -> tuple[str, str, int]:
    columns = st.columns([2, 2, 1])
    users = [_ALL, *sorted(set(log["user"]))]
    who = columns[0].selectbox("User", users, key="audit_user")
    what = columns[1].selectbox("Action", [_ALL, *audit.ACTIONS], key="audit_action")
    limit = columns[2].number_input("Most rows", 10, 100_000, 500, step=100, key="audit_limit")
    return str(who), str(what), int(limit)


def _for_display(log: pd.DataFrame) -> pd.DataFrame:
    out = log.copy()
    out["time"] = out["time"].dt.tz_convert(None).dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    return out


def _chain_check(problems: list[str], total: int) -> None:
    warnings = [p for p in problems if p in audit.ANCHOR_WARNINGS]
    problems = [p for p in problems if p not in audit.ANCHOR_WARNINGS]
    if not problems:
        st.success(f"Hash chain checked: all {total:,} records are whole and in order.")
    for warning in warnings:
        st.warning(f"The newest records cannot be checked: {warning}.")
    if not problems:
        return
    st.error(
        "The hash chain is broken: records were changed or removed outside the atlas. "
        + " · ".join(problems[:20])
        + (f" · and {len(problems) - 20} more" if len(problems) > 20 else "")
    )


main()
