"""The signed-in user of this browser session (set by the sign-in in app.py)."""

from __future__ import annotations

import streamlit as st

from layers.access import User

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
