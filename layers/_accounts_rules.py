"""The account store's rules: user names, password length, argon2 hashing, one-time passwords."""

from __future__ import annotations

import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from layers._errors import SchemaError
from layers.access import Role, User

MIN_PASSWORD_LENGTH = 12
NAME = re.compile(r"[A-Za-z0-9.\-_@]{1,64}")
"""What a user name may hold: 1-64 letters, digits, ``.-_@`` (an e-mail address fits)."""


@cache
def hasher() -> PasswordHasher:
    """Return the argon2id hasher (argon2-cffi's default parameters)."""
    return PasswordHasher()


@cache
def dummy_hash() -> str:
    """Return a hash to verify for unknown users, so that timing hides which names exist."""
    return hasher().hash(secrets.token_urlsafe(16))


def checked_user(name: str, role: Role | str, locality: str | None) -> User:
    """Return the user a name, role and locality make; raise SchemaError saying what is wrong."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise SchemaError(
            f"The user name {name!r} cannot be used: use 1-64 letters, digits, dots, "
            "hyphens, underscores or @."
        )
    try:
        return User(name, Role(role), locality)
    except ValueError as error:
        roles = ", ".join(r.value for r in Role)
        raise SchemaError(f"{error} Roles are {roles}.") from None


def check_password(name: str, password: str) -> None:
    """Raise SchemaError when a new password is too short or is the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SchemaError(
            f"The password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}."
        )
    if password.strip().lower() == name.lower():
        raise SchemaError("The password must not be the user name.")


def one_time_password() -> str:
    """Return a random one-time password (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def verify(hashed: str | None, password: str) -> bool:
    """Return whether a password matches a hash; no hash still costs one verify (a dummy)."""
    try:
        return hasher().verify(hashed or dummy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
