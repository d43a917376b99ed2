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

A chain cut at its end still verifies, so the head is also anchored outside the journal
and the store: an :class:`Anchor` (the newest ``seq`` and its hash, and the top ``seq``
folded into the store) in ``audit-heads/`` beside the account store
(``ATLAS_ACCOUNTS_FILE``), rewritten atomically (temporary file, ``os.replace``, mode
600) under the journal's lock with every append and fold. It sits there, not beside the
store, so that restoring the store file, or the whole data folder with its journal, from
an older copy does not silently take the anchor back with it: the app and the command
line must agree on the account store already, so they agree on the anchor too. Moving
the store (or the account store) starts a new anchor; the log then reports once that it
has none. An anchor ahead of the journal and the store is not lowered by the next
append: the new record chains from the anchor, so a cut stays visible as a gap. The
anchor is a tripwire, not a seal: whoever can write both folders can cut the log and
rewrite the anchor to match, or delete it (reported until the next record re-creates it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from layers._audit_anchor import (
    Anchor,
    anchor_or_none,
    anchor_path,
    chain_from,
    read_anchor,
    write_anchor,
)

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


@dataclass(frozen=True)
class Snapshot:
    """The journal's records, its broken lines (1-based) and the anchor, read under one lock."""

    records: list[dict[str, Any]]
    broken: list[int]
    anchor: Anchor | None
    anchor_readable: bool = True


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
        The record as written; the anchor then names it.
    """
    path, anchor_file = journal_path(store_path), anchor_path(store_path)
    with _locked(path, os.O_RDWR | os.O_APPEND, fcntl.LOCK_EX) as fd:
        last, ends_cleanly = _last_record(fd)
        local = (last["seq"], last["hash"]) if last is not None else head()
        anchor = anchor_or_none(anchor_file)
        seq, prev = chain_from((int(local[0]), str(local[1])), anchor)
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
        folded = anchor.folded if anchor is not None else 0
        write_anchor(anchor_file, Anchor(record["seq"], record["hash"], folded))
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
    with _locked(path, os.O_RDONLY, fcntl.LOCK_SH) as fd:
        return _records(fd)


def snapshot(store_path: Path | str) -> Snapshot:
    """Return the journal and the head anchor as one append left them (read under the lock)."""
    path = journal_path(store_path)
    if not path.exists():
        return _with_anchor([], [], anchor_path(store_path))
    with _locked(path, os.O_RDONLY, fcntl.LOCK_SH) as fd:
        return _with_anchor(*_records(fd), anchor_path(store_path))


def _with_anchor(records: list[dict[str, Any]], broken: list[int], anchor_file: Path) -> Snapshot:
    try:
        return Snapshot(records, broken, read_anchor(anchor_file))
    except ValueError:
        return Snapshot(records, broken, None, anchor_readable=False)


def _records(fd: int) -> tuple[list[dict[str, Any]], list[int]]:
    with os.fdopen(os.dup(fd), "rb") as f:
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
        _note_folded(store_path, folded)


def _note_folded(store_path: Path | str, folded: int) -> None:
    """Raise the anchor's ``folded`` mark (never lower it: a store going back is evidence)."""
    try:
        anchor_file = anchor_path(store_path)
    except ValueError:  # unreadable settings: the new store is in place already; skip
        return
    anchor = anchor_or_none(anchor_file)
    if anchor is not None and anchor.folded < folded:
        write_anchor(anchor_file, replace(anchor, folded=folded))


def _kept_lines(lines: list[str], folded: int) -> list[str]:
    parsed = [parse(line) for line in lines]
    done = [r["seq"] for r in parsed if r is not None and r["seq"] <= folded]
    anchor = max(done, default=None)
    return [
        line
        for line, record in zip(lines, parsed, strict=True)
        if record is None or record["seq"] > folded or record["seq"] == anchor
    ]
