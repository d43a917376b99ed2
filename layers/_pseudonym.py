"""Keyed hashing (HMAC-SHA256) of person references, and the key file it uses."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from layers._errors import SchemaError, SettingsError

KEY_BYTES = 32
"""Length of a pseudonymisation key in bytes (stored as 64 hex characters)."""


def load_or_create_key(path: Path) -> bytes:
    """Return the pseudonymisation key kept in ``path``, creating it on first use.

    A new key is 32 random bytes written as hex to a file readable by its owner only
    (mode 0o600); missing folders are created (mode 0o700). The key is never printed.

    Parameters
    ----------
    path
        The key file (normally ``load_settings().secret_file``).

    Returns
    -------
    bytes
        The 32-byte key.

    Raises
    ------
    SettingsError
        When the file exists but does not hold a 64-character hex key.
    """
    path = Path(path)
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Return the keyed hash (HMAC-SHA256, hex) of each value, compared after stripping.

    The same reference gives the same hash under the same key, so repeat episodes of one
    person still link; without the key the hash cannot be turned back into the reference.

    Parameters
    ----------
    values
        Person references (any dtype; each is converted to text and stripped).
    key
        The secret key, see :func:`load_or_create_key`.

    Returns
    -------
    pandas.Series
        Dtype ``str``, same index and name; missing or blank values stay missing.
    """
    if not isinstance(key, bytes) or not key:
        raise SchemaError(
            f"key must be non-empty bytes, got {type(key).__name__}; "
            "pass the bytes returned by load_or_create_key()."
        )
    text = values.astype("str").str.strip()
    text = text.where(text != "")
    uniques = text.dropna().unique()
    hashed = {v: hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in uniques}
    return text.map(hashed).astype("str").rename(values.name)


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = secrets.token_hex(KEY_BYTES).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(text)


def _read_key_file(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"the pseudonymisation key file {path} does not hold a {2 * KEY_BYTES}-character "
            "hex key; restore it from a backup (a new key would stop repeat episodes "
            "linking to earlier imports), or delete it to start a new key."
        )
    return key
