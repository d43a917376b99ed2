"""The signed-in user of this browser session (set by the sign-in in app.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from layers import audit
from layers._errors import AccessDenied
from layers.access import User, require_admin

USER_KEY = "atlas_user"
"""Session-state key holding the signed-in :class:`layers.access.User`."""


def current_user() -> User:
    """Return the signed-in user; stop the page (showing nothing) when nobody is signed in."""
    value = st.session_state.get(USER_KEY)
    if isinstance(value, User):
        return value
    st.warning("Sign in to see this page.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def admin_page(user: User, store_path: Path, *, action: str, page: str) -> None:
    """Stop the page, saying why and writing the refusal to the audit log, unless an admin.

    Parameters
    ----------
    user
        The signed-in user.
    store_path
        The store whose audit log records the refusal.
    action
        What the page does, in words (``manage users``), for the message.
    page
        The page's name in the audit record.
    """
    try:
        require_admin(user, action)
    except AccessDenied as error:
        audit.record(
            store_path,
            user=user.name,
            action="access_denied",
            outcome="refused",
            detail={"page": page},
        )
        st.warning(str(error))
        st.stop()
