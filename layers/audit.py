"""The audit log: who signed in, imported, exported or printed what, and when.

Append-only and hash-chained. :func:`record` appends to a journal beside the store (one
JSON line per record, cheap enough for every sign-in); every write to the store folds the
journal into the store's ``audit`` table (see :mod:`layers._audit_journal`). There is no
function that changes or deletes a record; :func:`verify` reports any record that was
edited, deleted or inserted outside this module, and newest records cut off the end (the
chain's head is anchored beside the account store, outside the journal and the store).

A record's ``detail`` holds filters, areas, file names and row counts: never rows,
passwords or person references.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from layers import _audit_journal as journal
from layers._errors import SchemaError
from layers.store import Store

ACTIONS: tuple[str, ...] = (
    "sign_in",
    "sign_in_failed",
    "locked_out",
    "sign_out",
    "password_changed",
    "user_added",
    "user_changed",
    "import",
    "export",
    "pdf",
    "access_denied",
)
"""What a record can say happened."""

OUTCOMES: tuple[str, ...] = ("ok", "refused", "failed")

COLUMNS: tuple[str, ...] = ("seq", "time", "user", "action", "outcome", "detail")
"""Columns of :func:`audit_log`."""


def record(
    store_path: Path | str,
    *,
    user: str,
    action: str,
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one record to the audit log.

    Parameters
    ----------
    store_path
        The store whose log this is (the journal sits beside it).
    user
        Who: a user name, or ``cli:<OS user>`` for the command line.
    action
        One of :data:`ACTIONS`.
    outcome
        One of :data:`OUTCOMES`.
    detail
        What: filters, area, file name, row counts (JSON-able; other values are written
        as text). Never rows, passwords or person references.

    Returns
    -------
    dict
        The record as written (seq, time, user, action, outcome, detail, prev, hash).

    Raises
    ------
    SchemaError
        An unknown action or outcome, or a detail too long to be a summary.
    """
    if action not in ACTIONS or outcome not in OUTCOMES:
        raise SchemaError(
            f"Audit action {action!r} / outcome {outcome!r} is not one of {ACTIONS} / "
            f"{OUTCOMES}; use one of those."
        )
    plain = json.loads(json.dumps(dict(detail or {}), default=str))
    if len(journal.canonical(plain)) > journal.MAX_DETAIL_CHARS:
        raise SchemaError(
            f"The audit detail of {action!r} is longer than {journal.MAX_DETAIL_CHARS} "
            "characters; record a summary (counts, names), not data."
        )
    store = Path(store_path)
    return journal.append(
        store, user=str(user), action=action, outcome=outcome, detail=plain,
        head=lambda: _table_head(store),
    )  # fmt: skip


def audit_log(
    store: Store | Path | str,
    *,
    limit: int | None = None,
    user: str | None = None,
    action: str | None = None,
) -> pd.DataFrame:
    """Return the audit log, newest first: the store's table and the journal not yet folded.

    Parameters
    ----------
    store
        The store (or its path).
    limit
        Most records to return (None: all).
    user, action
        Keep only records of this user / action.

    Returns
    -------
    pandas.DataFrame
        Columns seq (int64), time (datetime64[us, UTC]), user, action, outcome (str),
        detail (str, JSON); one row per record.
    """
    records = _all_records(_store(store))
    frame = pd.DataFrame(records, columns=list(journal.FIELDS)).iloc[::-1]
    if user:
        frame = frame[frame["user"] == user]
    if action:
        frame = frame[frame["action"] == action]
    frame = frame.head(limit) if limit is not None else frame
    out = frame[list(COLUMNS)].reset_index(drop=True)
    out["detail"] = [v if isinstance(v, str) else journal.canonical(v) for v in out["detail"]]
    out["time"] = pd.to_datetime(out["time"], utc=True, format="ISO8601").astype(
        "datetime64[us, UTC]"
    )
    return out.astype({"seq": "int64", "user": "str", "action": "str", "outcome": "str"})


def verify(store: Store | Path | str) -> list[str]:
    """Check the hash chain of the whole log and its head; return the problems, in words.

    An edited record no longer matches its hash; a deleted one leaves a gap in ``seq``
    and a broken link; an inserted one breaks the next record's link. Records cut off the
    end leave the log short of the head anchor (the newest ``seq`` and hash, kept beside
    the account store); a store table cut, or put back from an older copy, ends before
    the records it had taken in. A log without an anchor (one from before anchors) is
    reported once; the next record written creates the anchor.

    Returns
    -------
    list of str
        Empty when the chain is whole.
    """
    target = _store(store)
    snap = journal.snapshot(target.path)  # first: the store only grows while we read it
    table = _table_records(target)
    records, disagree = _merge(table, snap.records)
    problems = [f"line {n} of the journal is not a whole record" for n in snap.broken]
    problems += [f"record {s} differs between the store and the journal" for s in disagree]
    prev_seq, prev_hash = 0, journal.GENESIS
    for rec in records:
        problems += _check_one(rec, prev_seq, prev_hash)
        prev_seq, prev_hash = rec["seq"], rec["hash"]
    table_top = table[-1]["seq"] if table else 0
    return problems + _check_head(snap, records, table_top)


def _check_one(rec: dict[str, Any], prev_seq: int, prev_hash: str) -> list[str]:
    seq, problems = rec["seq"], []
    if seq != prev_seq + 1:
        problems.append(f"records {prev_seq + 1} to {seq - 1} are missing")
    if rec["prev"] != prev_hash:
        problems.append(f"record {seq} does not follow the record before it")
    if journal.record_hash(rec) != rec["hash"]:
        problems.append(f"record {seq} was changed after it was written")
    return problems


def _check_head(snap: journal.Snapshot, records: list[dict[str, Any]], table_top: int) -> list[str]:
    """Compare the log's end with the head anchor written with the newest record."""
    anchor, held = snap.anchor, (records[-1]["seq"] if records else 0)
    if anchor is None:
        return [_NO_ANCHOR if snap.anchor_readable else _BAD_ANCHOR] if records else []
    problems = []
    if anchor.seq > held:
        cut = anchor.seq - held
        what = "audit record is" if cut == 1 else "audit records are"
        ends = f"ends at record {held}" if held else "holds no record"
        problems.append(
            f"the newest {cut} {what} missing: the log {ends}, "
            f"the last record written was {anchor.seq}"
        )
    newest = max((r["seq"] for r in snap.records), default=held)  # when the anchor was read
    if anchor.seq < newest:
        problems.append(
            f"the head anchor names record {anchor.seq} but the log goes on to record "
            f"{newest}: the anchor was put back from an older copy (or a write was cut short)"
        )
    named = next((r for r in records if r["seq"] == anchor.seq), None)
    if named is not None and named["hash"] != anchor.hash:
        problems.append(
            f"record {anchor.seq} is not the one the head anchor names: the newest record, "
            "or the anchor, was replaced"
        )
    if table_top < anchor.folded:
        problems.append(
            f"the store's audit table ends at record {table_top} but had taken in records "
            f"up to {anchor.folded}: the store was put back from an older copy, or its "
            "newest audit rows were deleted"
        )
    return problems


_NO_ANCHOR = (
    "the audit log has no head anchor (the log is older than anchors, or the anchor was "
    "removed), so records cut off its end cannot be detected; the next record creates it"
)
_BAD_ANCHOR = (
    "the audit log's head anchor is not readable (damaged or replaced), so records cut "
    "off its end cannot be detected; the next record rewrites it"
)
ANCHOR_WARNINGS = (_NO_ANCHOR, _BAD_ANCHOR)
"""Problems that say the tail cannot be checked, not that records were changed."""


def _all_records(store: Store) -> list[dict[str, Any]]:
    """Return the table's and the journal's records in seq order, each seq once."""
    journal_records, _ = journal.read(store.path)  # first: the store only grows meanwhile
    return _merge(_table_records(store), journal_records)[0]


def _merge(
    table: list[dict[str, Any]], journal_records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[int]]:
    """Return the records in seq order, and the seqs whose two copies disagree."""
    by_seq = {rec["seq"]: rec for rec in table}
    disagree = []
    for rec in journal_records:
        kept = by_seq.setdefault(rec["seq"], rec)
        if kept["hash"] != rec["hash"]:
            disagree.append(rec["seq"])
    return [by_seq[s] for s in sorted(by_seq)], disagree


def _table_records(store: Store) -> list[dict[str, Any]]:
    if not store.exists() or not _has_table(store):
        return []
    frame = store.query(f"SELECT {', '.join(journal.FIELDS)} FROM audit ORDER BY seq")
    records = frame.to_dict("records")
    for rec in records:
        rec["seq"] = int(rec["seq"])
        rec["detail"] = json.loads(rec["detail"])
    return records


def _table_head(store_path: Path) -> tuple[int, str]:
    store = Store(store_path)
    if not store.exists() or not _has_table(store):
        return 0, journal.GENESIS
    frame = store.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
    if frame.empty:
        return 0, journal.GENESIS
    return int(frame.iloc[0, 0]), str(frame.iloc[0, 1])


def _has_table(store: Store) -> bool:
    found = store.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit'")
    return bool(found.iloc[0, 0])


def _store(store: Store | Path | str) -> Store:
    return store if isinstance(store, Store) else Store(Path(store))
