"""The audit journal beside the store: hash-chained JSON lines, appended under a lock.

A record is one line of canonical JSON: ``seq`` (1, 2, ...), ``time`` (UTC, ISO 8601),
``user``, ``action``, ``outcome``, ``detail`` (a small mapping), ``prev`` (the previous
record's hash) and ``hash`` (SHA-256 of the record without ``hash``). Appending takes an
exclusive ``flock`` on the journal and writes one line with ``O_APPEND``, so records
from several processes interleave whole and their chain stays unbroken.

Every store write folds the journal into the store's ``audit`` table (:func:`fold`,
inside the write transaction) and, once the new store file is in place, drops the folded
lines from the journal (:func:`drop_folded`), keeping the last folded one as the chain's
head. A crash between the two leaves lines that are in both; ``seq`` makes folding them
again a no-op and readers skip them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

GENESIS = "0" * 64
"""The ``prev`` of the first record."""

FIELDS: tuple[str, ...] = ("seq", "time", "user", "action", "outcome", "detail", "prev", "hash")
"""Keys of a record, and the columns of the store's ``audit`` table in this order."""

TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS audit (seq BIGINT, time VARCHAR, user VARCHAR, "
    "action VARCHAR, outcome VARCHAR, detail VARCHAR, prev VARCHAR, hash VARCHAR)"
)
"""The store's audit table; ``time`` and ``detail`` keep the exact text that was hashed."""

MAX_DETAIL_CHARS = 4000
_TAIL_BLOCK = 8192


def journal_path(store_path: Path | str) -> Path:
    """Return the journal file of a store (``<store>.audit.jsonl``)."""
    store = Path(store_path)
    return store.with_name(store.name + ".audit.jsonl")


def canonical(value: Any) -> str:
    """Return the one JSON text of a value that hashes agree on (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a record's fields other than ``hash``."""
    body = {k: record[k] for k in FIELDS if k != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def parse(line: str) -> dict[str, Any] | None:
    """Return the record one journal line holds, or None when it is not a whole record."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) != set(FIELDS):
        return None
    if not isinstance(value["seq"], int):
        return None
    return value


@contextlib.contextmanager
def _locked(path: Path, flags: int, lock: int) -> Iterator[int]:
    """Open the journal and lock it; retry when it was replaced while we waited."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, flags | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, lock)
            if _same_file(fd, path):
                yield fd
                return
        finally:
            os.close(fd)  # closing releases the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def append(
    store_path: Path | str,
    *,
    user: str,
    action: str,
    outcome: str,
    detail: Mapping[str, Any],
    head: Any,
) -> dict[str, Any]:
    """Append one record to the journal and return it.

    Parameters
    ----------
    store_path
        The store the journal belongs to.
    user, action, outcome, detail
        What the record says.
    head
        Called as ``head()`` (under the journal's lock) when the journal holds no record,
        to get the chain's last ``(seq, hash)`` from the store's table.

    Returns
    -------
    dict
        The record as written.
    """
    path = journal_path(store_path)
    with _locked(path, os.O_RDWR | os.O_APPEND, fcntl.LOCK_EX) as fd:
        last, ends_cleanly = _last_record(fd)
        seq, prev = (last["seq"], last["hash"]) if last is not None else head()
        record: dict[str, Any] = {
            "seq": int(seq) + 1,
            "time": datetime.now(UTC).isoformat(timespec="microseconds"),
            "user": user,
            "action": action,
            "outcome": outcome,
            "detail": dict(detail),
            "prev": prev,
        }
        record["hash"] = record_hash(record)
        line = ("" if ends_cleanly else "\n") + canonical(record) + "\n"
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    return record


def _last_record(fd: int) -> tuple[dict[str, Any] | None, bool]:
    """Return the journal's last whole record, and whether the file ends with a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    ends_cleanly = os.pread(fd, 1, size - 1) == b"\n"
    end, tail = size, b""
    while end > 0:
        start = max(0, end - _TAIL_BLOCK)
        tail = os.pread(fd, end - start, start) + tail
        end = start
        lines = tail.split(b"\n")
        for raw in reversed(lines[1:] if end > 0 else lines):
            record = parse(raw.decode("utf-8", errors="replace"))
            if record is not None:
                return record, ends_cleanly
    return None, ends_cleanly


def read(store_path: Path | str) -> tuple[list[dict[str, Any]], list[int]]:
    """Return the journal's records and the line numbers (1-based) that are not records."""
    path = journal_path(store_path)
    if not path.exists():
        return [], []
    with _locked(path, os.O_RDONLY, fcntl.LOCK_SH) as fd, os.fdopen(os.dup(fd), "rb") as f:
        lines = f.read().decode("utf-8", errors="replace").split("\n")
    records, broken = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = parse(line)
        if record is None:
            broken.append(number)
        else:
            records.append(record)
    return records, broken


def fold(con: duckdb.DuckDBPyConnection, store_path: Path | str) -> int:
    """Copy the journal's records not yet in the ``audit`` table into it; return the top seq.

    Run inside the store's write transaction, on its connection: the records land with the
    rest of the transaction or not at all. Records whose ``seq`` the table holds already
    are skipped, so folding twice adds nothing.
    """
    con.execute(TABLE_DDL)
    top = _table_top(con)
    records, _ = read(store_path)
    new = [r for r in records if r["seq"] > top]
    if new:
        rows = [[r[k] if k != "detail" else canonical(r[k]) for k in FIELDS] for r in new]
        con.executemany(f"INSERT INTO audit VALUES ({', '.join('?' * len(FIELDS))})", rows)
    return max([top, *(r["seq"] for r in new)])


def _table_top(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchall()
    return int(rows[0][0])


def drop_folded(store_path: Path | str, folded: int) -> None:
    """Drop journal lines with ``seq`` up to ``folded``, keeping the last as the chain's head.

    Lines that are not whole records are kept (they are evidence; :func:`read` reports
    them). The kept lines go to a new file that replaces the journal while it is locked; a
    process waiting to append notices the swap and appends to the new file.
    """
    path = journal_path(store_path)
    if folded <= 0 or not path.exists():
        return
    with _locked(path, os.O_RDONLY, fcntl.LOCK_EX) as fd:
        size = os.fstat(fd).st_size
        lines = os.pread(fd, size, 0).decode("utf-8", errors="replace").split("\n")
        kept = _kept_lines([line for line in lines if line.strip()], folded)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(out, "".join(line + "\n" for line in kept).encode("utf-8"))
            os.fsync(out)
        finally:
            os.close(out)
        os.replace(tmp, path)  # while locked: a waiting appender sees the swap and reopens


def _kept_lines(lines: list[str], folded: int) -> list[str]:
    parsed = [parse(line) for line in lines]
    done = [r["seq"] for r in parsed if r is not None and r["seq"] <= folded]
    anchor = max(done, default=None)
    return [
        line
        for line, record in zip(lines, parsed, strict=True)
        if record is None or record["seq"] > folded or record["seq"] == anchor
    ]
