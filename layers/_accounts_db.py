"""The account store's SQLite file: opening it privately, its table, and reading rows."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from layers._errors import SchemaError
from layers.access import Role, User

BUSY_TIMEOUT_MS = 10_000

COLUMNS: dict[str, str] = {
    "name": "TEXT PRIMARY KEY COLLATE NOCASE",
    "role": "TEXT NOT NULL",
    "locality": "TEXT",
    "password_hash": "TEXT",
    "must_change": "INTEGER NOT NULL DEFAULT 0",
    "failures": "INTEGER NOT NULL DEFAULT 0",
    "locked_until": "TEXT",
    "created": "TEXT NOT NULL",
    "last_sign_in": "TEXT",
    "disabled": "INTEGER NOT NULL DEFAULT 0",
}
"""Columns of the ``users`` table; times are ISO 8601 strings in UTC."""


def now() -> datetime:
    """Return the current time in UTC (one place, so that tests can move the clock)."""
    return datetime.now(UTC)


def to_text(moment: datetime | None) -> str | None:
    """Return a UTC time as the ISO text the table holds (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def from_text(text: str | None) -> datetime | None:
    """Return the UTC time an ISO text of the table names (None stays None)."""
    return None if text is None else datetime.fromisoformat(text)


@contextlib.contextmanager
def connect(path: Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """Open the account store, creating it privately (folder 700, file 600) on first use.

    Parameters
    ----------
    path
        The SQLite file.
    write
        Start an immediate (write-locked) transaction, so that a read-modify-write such
        as counting a wrong password cannot race another process.

    Yields
    ------
    sqlite3.Connection
        Committed when the block ends normally, rolled back on an exception.
    """
    _create_privately(Path(path))
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA journal_mode = WAL")
        ddl = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS users ({ddl})")
        con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _create_privately(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def fetch(con: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """Return one user's row (the name compared without case), or None."""
    row: sqlite3.Row | None = con.execute("SELECT * FROM users WHERE name = ?", [name]).fetchone()
    return row


def existing(con: sqlite3.Connection, name: str) -> sqlite3.Row:
    """Return one user's row; raise :class:`SchemaError` when there is none."""
    row = fetch(con, name)
    if row is None:
        raise SchemaError(f"No user is named {name!r}; `python -m layers users list` lists them.")
    return row


def to_user(row: sqlite3.Row) -> User:
    """Return the :class:`User` a row describes."""
    return User(row["name"], Role(row["role"]), row["locality"])
