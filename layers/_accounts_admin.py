"""Administering accounts: resets, unlocking, roles, disabling, listing (no hashes ever)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from layers import _accounts_db as db
from layers import _accounts_rules as rules
from layers._errors import SchemaError
from layers.access import Role


def set_password(path: Path, name: str, new: str | None = None) -> str | None:
    """Reset a user's password (an admin's action); the user must change it at sign-in.

    Parameters
    ----------
    path
        The account store.
    name
        The user.
    new
        The new password; None generates a one-time password.

    Returns
    -------
    str or None
        The generated one-time password, or None when ``new`` was given.
    """
    one_time = None
    if new is None:
        one_time = new = rules.one_time_password()
    rules.check_password(name, new)
    with db.connect(path, write=True) as con:
        db.existing(con, name)
        set_hash(con, name, new, must_change=True)
    return one_time


def set_hash(con: sqlite3.Connection, name: str, password: str, *, must_change: bool) -> None:
    """Store a new password's hash, forget wrong passwords and any lock."""
    con.execute(
        "UPDATE users SET password_hash = ?, must_change = ?, failures = 0, locked_until = NULL "
        "WHERE name = ?",
        [rules.hasher().hash(password), must_change, name],
    )


def unlock(path: Path, name: str) -> None:
    """Unlock an account locked after wrong passwords (and forget the wrong passwords)."""
    with db.connect(path, write=True) as con:
        db.existing(con, name)
        con.execute("UPDATE users SET failures = 0, locked_until = NULL WHERE name = ?", [name])


def set_role(path: Path, name: str, role: Role | str, locality: str | None = None) -> None:
    """Change a user's role (and locality).

    Raises
    ------
    SchemaError
        An unknown user, a role without its locality, or the last admin losing the role.
    """
    user = rules.checked_user(name, role, locality)
    with db.connect(path, write=True) as con:
        row = db.existing(con, name)
        if user.role is not Role.ADMIN:
            _keep_an_admin(con, row, "change the role of")
        con.execute(
            "UPDATE users SET role = ?, locality = ? WHERE name = ?",
            [user.role.value, locality, name],
        )


def disable(path: Path, name: str) -> None:
    """Disable an account: it can no longer sign in (its row stays, for the audit log)."""
    with db.connect(path, write=True) as con:
        row = db.existing(con, name)
        _keep_an_admin(con, row, "disable")
        con.execute("UPDATE users SET disabled = 1 WHERE name = ?", [name])


def _keep_an_admin(con: sqlite3.Connection, row: sqlite3.Row, verb: str) -> None:
    if row["role"] != Role.ADMIN.value or row["disabled"]:
        return
    others = con.execute(
        "SELECT count(*) FROM users WHERE role = ? AND disabled = 0 AND name <> ?",
        [Role.ADMIN.value, row["name"]],
    ).fetchone()[0]
    if not others:
        raise SchemaError(
            f"Cannot {verb} {row['name']!r}: it is the only administrator. Make another "
            "user an administrator first."
        )


def list_users(path: Path) -> pd.DataFrame:
    """Return every account, without password hashes.

    Returns
    -------
    pandas.DataFrame
        Columns name, role, locality, sign_in ("password" or "single sign-on"),
        must_change, failures, locked_until, created, last_sign_in, disabled; by name.
    """
    with db.connect(path) as con:
        rows = con.execute(
            "SELECT name, role, locality, CASE WHEN password_hash IS NULL THEN "
            "'single sign-on' ELSE 'password' END AS sign_in, must_change, failures, "
            "locked_until, created, last_sign_in, disabled FROM users ORDER BY name"
        ).fetchall()
    columns = ["name", "role", "locality", "sign_in", "must_change", "failures",
               "locked_until", "created", "last_sign_in", "disabled"]  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.astype({"must_change": "bool", "disabled": "bool", "failures": "int64"})


def has_admin(path: Path) -> bool:
    """Return whether an enabled administrator account exists."""
    with db.connect(path) as con:
        found = con.execute(
            "SELECT count(*) FROM users WHERE role = ? AND disabled = 0", [Role.ADMIN.value]
        ).fetchone()[0]
    return bool(found)
