"""Users (admins only): the accounts, adding one, resetting, unlocking, roles; all audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import boundaries, settings
from app_pages._session import admin_page, current_user
from assessments import scoped
from layers import accounts, audit
from layers._errors import AtlasError
from layers.access import ROLE_LABELS, Role, User
from layers.settings import Settings

_PASSWORD = "Password (a one-time password, shown once)"
_SSO = "Single sign-on (no password; the name is the e-mail address)"
_HEADINGS = {
    "name": "User name",
    "role": "Role",
    "locality": "Locality",
    "sign_in": "Signs in with",
    "must_change": "Must change password",
    "failures": "Wrong passwords",
    "locked_until": "Locked until",
    "created": "Created",
    "last_sign_in": "Last sign-in",
    "disabled": "Disabled",
}
_ROLES = [Role.ENGAGEMENT, Role.LOCALITY, Role.LEAD, Role.ADMIN]  # least access first


def main() -> None:
    """Draw the page: the account list, then the forms that change accounts."""
    user = current_user()
    config = settings()
    admin_page(user, config.store, action="manage users", page="users")
    st.title("Users")
    st.caption(
        "Who may sign in, and what their role lets them see. Every change here is written "
        "to the audit log. Passwords are stored only as argon2 hashes."
    )
    table = accounts.list_users(config.accounts_file)
    st.dataframe(_for_display(table), hide_index=True, width="stretch")
    localities = _localities(config)
    left, right = st.columns(2)
    with left:
        _add_form(config, user, localities)
    with right:
        _change_forms(config, user, table["name"].tolist(), localities)


def _for_display(table: pd.DataFrame) -> pd.DataFrame:
    """Return the account list with roles and times in words and plain column names."""
    out = table.assign(role=[ROLE_LABELS[Role(r)] for r in table["role"]])
    for column in ("locked_until", "created", "last_sign_in"):
        out[column] = [_when(v) for v in out[column]]
    return out.rename(columns=_HEADINGS)


def _when(value: str | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value[:16].replace('T', ' ')} UTC"


def _localities(config: Settings) -> list[str]:
    store = scoped.open_store(config.store)
    if not store.exists():
        return []
    areas = boundaries(str(store.path), store.version(), "locality")
    return sorted(str(code) for code in areas["code"])


def _role_inputs(localities: list[str], key: str) -> tuple[Role, str | None]:
    chosen = st.selectbox("Role", _ROLES, format_func=ROLE_LABELS.__getitem__, key=f"{key}_role")
    role = Role(chosen or Role.LEAD)
    locality = st.selectbox(
        "Locality (locality officers only)", [None, *localities], key=f"{key}_locality",
        format_func=lambda v: "—" if v is None else v,
    )  # fmt: skip
    return role, locality if role is Role.LOCALITY else None


def _add_form(config: Settings, admin: User, localities: list[str]) -> None:
    st.subheader("Add a user")
    with st.form("users_add", clear_on_submit=True):
        name = st.text_input("User name", max_chars=64, help="Letters, digits, . - _ @")
        role, locality = _role_inputs(localities, "add")
        default = 1 if config.auth == "oidc" else 0
        how = st.radio("Signs in with", [_PASSWORD, _SSO], index=default)
        submitted = st.form_submit_button("Add user", type="primary", key="users_add_submit")
    if not submitted:
        return
    try:
        if how == _SSO:
            accounts.add_identity(config.accounts_file, name, role, locality)
            one_time = None
        else:
            one_time = accounts.add_user(config.accounts_file, name, role, locality)
    except AtlasError as error:
        st.error(str(error))
        return
    detail = {"name": name, "role": role.value, "locality": locality}
    detail["sign_in"] = "single sign-on" if how == _SSO else "password"
    audit.record(config.store, user=admin.name, action="user_added", detail=detail)
    st.success(f"Added {name} ({ROLE_LABELS[role]}).")
    _show_one_time(name, one_time)


def _change_forms(config: Settings, admin: User, names: list[str], localities: list[str]) -> None:
    st.subheader("Change a user")
    if not names:
        st.info("No accounts yet.")
        return
    name = st.selectbox("User", names, key="users_chosen")
    actions = st.columns(3)
    if actions[0].button("Reset password", key="users_reset"):
        one_time = _change(config, admin, name, "password reset", accounts.set_password)
        _show_one_time(name, one_time)
    if actions[1].button("Unlock", key="users_unlock"):
        _change(config, admin, name, "unlocked", accounts.unlock)
    if actions[2].button("Disable", key="users_disable"):
        _change(config, admin, name, "disabled", accounts.disable)
    with st.form("users_role"):
        role, locality = _role_inputs(localities, "change")
        if st.form_submit_button("Change role", key="users_role_submit"):
            _change(
                config, admin, name, "role",
                lambda path, who: accounts.set_role(path, who, role, locality),
                role=role.value, locality=locality,
            )  # fmt: skip


def _change(
    config: Settings,
    admin: User,
    name: str,
    change: str,
    apply: Callable[[Path, str], object],
    **extra: object,
) -> str | None:
    """Apply one change to an account, audit it, and say so; return a one-time password."""
    try:
        result = apply(config.accounts_file, name)
    except AtlasError as error:
        st.error(str(error))
        return None
    detail = {"name": name, "change": change, **extra}
    audit.record(config.store, user=admin.name, action="user_changed", detail=detail)
    st.success(f"{name}: {change}.")
    return result if isinstance(result, str) else None


def _show_one_time(name: str, one_time: str | None) -> None:
    if one_time is None:
        return
    st.warning(
        f"One-time password for {name}, shown only now: give it to them in person or by "
        "phone. They must choose their own password when they first sign in."
    )
    st.code(one_time, language=None)


main()
