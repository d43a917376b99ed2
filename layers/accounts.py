"""The built-in account store: users, roles, argon2 password hashes, sign-in and lock-out.

One SQLite file (``settings.accounts_file``, outside the repository, readable by its owner
only) holds a ``users`` table. Passwords are hashed with argon2id (argon2-cffi's
defaults); users who sign in through OIDC have a row without a password, which gives the
e-mail address the provider vouches for its role. Nothing here logs a password or a hash,
and :func:`list_users` never returns the hashes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from layers import _accounts_db as db
from layers import _accounts_rules as rules
from layers._accounts_admin import (
    disable,
    has_admin,
    list_users,
    set_hash,
    set_password,
    set_role,
    unlock,
)
from layers._accounts_rules import MIN_PASSWORD_LENGTH
from layers._errors import AccessDenied, SchemaError
from layers.access import Role, User
from layers.settings import Settings

__all__ = [
    "ADMIN_NAME",
    "DISABLED",
    "MIN_PASSWORD_LENGTH",
    "WRONG",
    "SignIn",
    "account_exists",
    "add_identity",
    "add_user",
    "authenticate",
    "change_password",
    "disable",
    "get_user",
    "has_admin",
    "init_admin",
    "list_users",
    "set_password",
    "set_role",
    "unlock",
    "user_for_identity",
]

ADMIN_NAME = "admin"
WRONG = "Wrong user name or password."
DISABLED = "This account is disabled; ask an administrator."


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt.

    Attributes
    ----------
    ok
        Whether the user is signed in.
    user
        The signed-in user (None unless ``ok``).
    reason
        Plain words for the sign-in page ("" when ``ok``). Unknown user names and wrong
        passwords get the same words, so that the page does not reveal which names exist.
    must_change
        The password was a one-time password: the user must choose a new one first.
    locked_until
        When the account unlocks, for a locked account (UTC); otherwise None.
    """

    ok: bool
    user: User | None = None
    reason: str = ""
    must_change: bool = False
    locked_until: datetime | None = None


def add_user(
    path: Path,
    name: str,
    role: Role | str,
    locality: str | None = None,
    password: str | None = None,
) -> str | None:
    """Add an account.

    Parameters
    ----------
    path
        The account store.
    name
        1-64 letters, digits or ``.-_@`` (an OIDC user's name is their e-mail address).
        Compared without case: ``Admin`` and ``admin`` are the same account.
    role, locality
        What the user may see; a locality officer needs a locality, no one else has one.
    password
        The password (at least 12 characters, not the user name). None: a one-time
        password is generated, returned, and must be changed at the first sign-in.

    Returns
    -------
    str or None
        The generated one-time password, or None when ``password`` was given.

    Raises
    ------
    SchemaError
        A bad name, role, locality or password, or a name already taken.
    """
    user = rules.checked_user(name, role, locality)
    one_time = None
    if password is None:
        one_time = password = rules.one_time_password()
    rules.check_password(name, password)
    with db.connect(path, write=True) as con:
        if db.fetch(con, name) is not None:
            raise SchemaError(f"A user named {name!r} exists already; choose another name.")
        con.execute(
            "INSERT INTO users (name, role, locality, password_hash, must_change, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                name,
                user.role.value,
                locality,
                rules.hasher().hash(password),
                one_time is not None,
                db.to_text(db.now()),
            ],
        )
    return one_time


def add_identity(path: Path, name: str, role: Role | str, locality: str | None = None) -> None:
    """Add an account without a password, for a user who signs in through OIDC.

    Parameters
    ----------
    path
        The account store.
    name
        The e-mail address the provider vouches for.
    role, locality
        As for :func:`add_user`.
    """
    user = rules.checked_user(name, role, locality)
    with db.connect(path, write=True) as con:
        if db.fetch(con, name) is not None:
            raise SchemaError(f"A user named {name!r} exists already; choose another name.")
        con.execute(
            "INSERT INTO users (name, role, locality, created) VALUES (?, ?, ?, ?)",
            [name, user.role.value, locality, db.to_text(db.now())],
        )


def authenticate(path: Path, name: str, password: str, *, settings: Settings) -> SignIn:
    """Check a user name and password, counting wrong passwords towards a lock-out.

    ``settings.lockout_attempts`` wrong passwords in a row lock the account for
    ``settings.lockout_minutes``; while locked even the right password is refused. A
    success resets the count and, when argon2's parameters have changed, re-hashes.

    Parameters
    ----------
    path
        The account store.
    name, password
        What the person typed.
    settings
        The lock-out settings in force.

    Returns
    -------
    SignIn
        The outcome, with words for the sign-in page.
    """
    with db.connect(path, write=True) as con:
        row = db.fetch(con, name) if rules.NAME.fullmatch(name or "") else None
        right = rules.verify(row["password_hash"] if row is not None else None, password)
        if row is None or row["password_hash"] is None:
            return SignIn(False, reason=WRONG)
        moment = db.now()
        locked = db.from_text(row["locked_until"])
        if locked is not None and locked > moment:
            return SignIn(False, reason=_locked_words(locked), locked_until=locked)
        if not right:
            return _wrong_password(con, row, moment, settings)
        if row["disabled"]:
            return SignIn(False, reason=DISABLED)
        _signed_in(con, row, password, moment)
        return SignIn(True, user=db.to_user(row), must_change=bool(row["must_change"]))


def _wrong_password(
    con: sqlite3.Connection, row: sqlite3.Row, moment: datetime, settings: Settings
) -> SignIn:
    expired = row["locked_until"] is not None  # a past lock: counting starts again
    failures = (0 if expired else int(row["failures"])) + 1
    if failures < settings.lockout_attempts:
        con.execute(
            "UPDATE users SET failures = ?, locked_until = NULL WHERE name = ?",
            [failures, row["name"]],
        )
        return SignIn(False, reason=WRONG)
    until = moment + timedelta(minutes=settings.lockout_minutes)
    con.execute(
        "UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
        [failures, db.to_text(until), row["name"]],
    )
    return SignIn(False, reason=_locked_words(until), locked_until=until)


def _signed_in(con: sqlite3.Connection, row: sqlite3.Row, password: str, moment: datetime) -> None:
    hashed = row["password_hash"]
    if rules.hasher().check_needs_rehash(hashed):
        hashed = rules.hasher().hash(password)
    con.execute(
        "UPDATE users SET failures = 0, locked_until = NULL, last_sign_in = ?, "
        "password_hash = ? WHERE name = ?",
        [db.to_text(moment), hashed, row["name"]],
    )


def _locked_words(until: datetime) -> str:
    local = until.astimezone().strftime("%H:%M")
    return (
        f"This account is locked until {local} after too many wrong passwords; ask an "
        "administrator to unlock it sooner."
    )


def change_password(path: Path, name: str, old: str, new: str) -> None:
    """Change one's own password (the one-time password included).

    Raises
    ------
    AccessDenied
        The current password is wrong.
    SchemaError
        The new password is too short, is the user name, or is the current password.
    """
    rules.check_password(name, new)
    if new == old:
        raise SchemaError("The new password must differ from the current one.")
    with db.connect(path, write=True) as con:
        row = db.fetch(con, name)
        if not rules.verify(row["password_hash"] if row is not None else None, old):
            raise AccessDenied("The current password is wrong; type it again.")
        set_hash(con, name, new, must_change=False)


def account_exists(path: Path, name: str) -> bool:
    """Return whether an account has this name (for the audit log, never for the page)."""
    if not isinstance(name, str) or not rules.NAME.fullmatch(name):
        return False
    with db.connect(path) as con:
        return db.fetch(con, name) is not None


def get_user(path: Path, name: str) -> User | None:
    """Return the account's user (role and locality), or None when absent or disabled."""
    with db.connect(path) as con:
        row = db.fetch(con, name)
    return None if row is None or row["disabled"] else db.to_user(row)


def user_for_identity(path: Path, email: str | None) -> User | None:
    """Return the user an OIDC provider's e-mail address maps to, or None.

    Parameters
    ----------
    path
        The account store.
    email
        The address the provider vouched for; matched to an account name without case.

    Returns
    -------
    layers.access.User or None
        None when no account has that name, or it is disabled.
    """
    if not email or not rules.NAME.fullmatch(email):
        return None
    return get_user(path, email)


def init_admin(path: Path, *, password_from_env: str | None) -> str | None:
    """Create the first administrator, ``admin``, unless an administrator exists.

    Parameters
    ----------
    path
        The account store.
    password_from_env
        ATLAS_ADMIN_PASSWORD's value: used as the password (no forced change). None or
        empty: a one-time password is generated.

    Returns
    -------
    str or None
        The generated one-time password (to print once), or None when one was given or an
        administrator exists already.
    """
    if has_admin(path):
        return None
    return add_user(path, ADMIN_NAME, Role.ADMIN, password=password_from_env or None)
