"""Signing in and out: the built-in accounts' form, OIDC through st.login, and the audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import streamlit as st

from app_pages._session import USER_KEY
from layers import accounts, audit
from layers._errors import AtlasError
from layers.access import User
from layers.settings import Settings

TITLE = "Safer Options Atlas"
_PENDING = "atlas_pending_change"  # the user who must replace a one-time password
_OIDC_SEEN = "atlas_oidc_seen"  # the OIDC e-mail whose sign-in was audited


def signed_in_user(config: Settings, pages: Sequence[st.Page]) -> User:
    """Return the signed-in user; otherwise draw the sign-in (and nothing else) and stop.

    Parameters
    ----------
    config
        The settings in force: ``auth`` chooses built-in accounts or OIDC.
    pages
        Every page of the app. Registered, hidden and not run, while someone signs in, so
        that the address they opened (``/profile?...``) is still the one shown after.

    Returns
    -------
    layers.access.User
        The user of this browser session.
    """
    if config.auth == "oidc":
        return _oidc_user(config, pages)
    user = _still_valid(config, st.session_state.get(USER_KEY))
    if user is not None:
        return user
    st.navigation(list(pages), position="hidden")
    st.title(TITLE)
    pending = st.session_state.get(_PENDING)
    if isinstance(pending, User):
        _change_password_form(config, pending)
    else:
        _password_form(config)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _still_valid(config: Settings, user: object) -> User | None:
    """Return the session's user as the account store has it now; None: sign in again.

    Checked on every run, so that disabling an account, or changing its role or locality,
    takes effect at the user's next click rather than at their next sign-in.
    """
    if not isinstance(user, User):
        return None
    if not accounts.account_exists(config.accounts_file, user.name):
        return user  # not an account of this store (a session set up by a test)
    current = accounts.get_user(config.accounts_file, user.name)
    if current is None:  # disabled
        st.session_state.pop(USER_KEY, None)
        return None
    if current != user:
        st.session_state[USER_KEY] = current
    return current


def _password_form(config: Settings) -> None:
    st.subheader("Sign in")
    with st.form("atlas_sign_in", enter_to_submit=True, clear_on_submit=True):
        name = st.text_input("User name", max_chars=64, autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    outcome = accounts.authenticate(config.accounts_file, name, password, settings=config)
    _audit_attempt(config, name, outcome)
    if not outcome.ok or outcome.user is None:
        st.error(outcome.reason)
        return
    if outcome.must_change:
        st.session_state[_PENDING] = outcome.user
    else:
        st.session_state[USER_KEY] = outcome.user
    st.rerun()


def _audit_attempt(config: Settings, name: str, outcome: accounts.SignIn) -> None:
    if outcome.ok and outcome.user is not None:
        detail = {"method": "password", "one_time_password": outcome.must_change}
        audit.record(config.store, user=outcome.user.name, action="sign_in", detail=detail)
        return
    known = accounts.account_exists(config.accounts_file, name)
    who = name if known else "(unknown user name)"  # a password typed as a name stays out
    action = "locked_out" if outcome.locked_until is not None else "sign_in_failed"
    audit.record(config.store, user=who, action=action, outcome="refused")


def _change_password_form(config: Settings, user: User) -> None:
    st.subheader("Choose a new password")
    st.info(
        f"Signed in as {user.name} with a one-time password. Choose your own password "
        f"(at least {accounts.MIN_PASSWORD_LENGTH} characters) before going on."
    )
    with st.form("atlas_change_password"):
        old = st.text_input("One-time password", type="password")
        new = st.text_input("New password", type="password", autocomplete="new-password")
        again = st.text_input("New password again", type="password")
        submitted = st.form_submit_button("Change password", type="primary")
    if not submitted:
        return
    if new != again:
        st.error("The two new passwords differ; type them again.")
        return
    try:
        accounts.change_password(config.accounts_file, user.name, old, new)
    except AtlasError as error:
        st.error(str(error))
        return
    audit.record(config.store, user=user.name, action="password_changed")
    st.session_state.pop(_PENDING, None)
    st.session_state[USER_KEY] = user
    st.rerun()


def _oidc_user(config: Settings, pages: Sequence[st.Page]) -> User:
    """Return the user the provider vouched for, mapped to a role; else the button and stop."""
    identity = _identity()
    user = st.session_state.get(USER_KEY)
    if identity is None:
        st.session_state.pop(USER_KEY, None)
        st.navigation(list(pages), position="hidden")
        st.title(TITLE)
        st.subheader("Sign in")
        if st.button("Sign in with your council account", type="primary"):
            st.login(config.oidc_provider or None)
        st.stop()
    if isinstance(user, User) and user.name.lower() == identity.lower():
        return user
    mapped = accounts.user_for_identity(config.accounts_file, identity)
    first_time = st.session_state.get(_OIDC_SEEN) != identity
    st.session_state[_OIDC_SEEN] = identity
    if mapped is None:
        if first_time:
            detail = {"reason": "no account for this e-mail address"}
            audit.record(
                config.store, user=identity, action="access_denied", outcome="refused",
                detail=detail,
            )  # fmt: skip
        st.navigation(list(pages), position="hidden")
        _no_role(identity)
    audit.record(config.store, user=mapped.name, action="sign_in", detail={"method": "oidc"})
    st.session_state[USER_KEY] = mapped
    return mapped


def _identity() -> str | None:
    info: Any = st.user
    if not info.get("is_logged_in", False):
        return None
    email = info.get("email")
    return str(email) if email else ""


def _no_role(identity: str) -> NoReturn:
    st.title(TITLE)
    st.warning(
        f"Your account ({identity or 'no e-mail address'}) has no role in the Atlas yet; ask "
        "an administrator to add it."
    )
    if st.button("Sign out"):
        st.logout()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def sidebar_account(config: Settings, user: User) -> None:
    """Show who is signed in, and a Sign out button, at the top of the sidebar."""
    with st.sidebar:
        st.caption(f"Signed in as **{_plain(user.name)}** ({user.label})")
        if st.button("Sign out", key="atlas_sign_out", icon=":material/logout:"):
            audit.record(config.store, user=user.name, action="sign_out")
            if config.auth == "oidc":
                st.session_state.clear()
                st.logout()
            st.session_state.clear()
            st.rerun()


def _plain(text: str) -> str:
    """Return text with Markdown's special characters escaped."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!<>|~$" else c for c in text)
