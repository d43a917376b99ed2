"""The head anchor of an audit log: the newest record's number and hash, kept elsewhere.

A hash chain cut at its end still verifies, so the chain's head is also written outside
the journal and the store, beside the account store (``ATLAS_ACCOUNTS_FILE``), in
``audit-heads/``: see :mod:`layers._audit_journal` for when it is written and why there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from layers.settings import load_settings

ANCHOR_FOLDER = "audit-heads"
"""Folder of head anchors, beside the account store."""


@dataclass(frozen=True)
class Anchor:
    """The chain's head as last written, kept outside the journal and the store."""

    seq: int
    hash: str
    folded: int = 0
    """The top ``seq`` that a store write has taken into the store's table."""


def anchor_path(store_path: Path | str) -> Path:
    """Return the head anchor of a store's log (named after the store's full path)."""
    store = Path(store_path).resolve()
    digest = hashlib.sha256(str(store).encode("utf-8")).hexdigest()[:16]
    folder = load_settings().accounts_file.parent / ANCHOR_FOLDER
    return folder / f"{store.name}.{digest}.json"


def read_anchor(path: Path) -> Anchor | None:
    """Return the anchor a file holds, or None when there is none.

    Raises
    ------
    ValueError
        The file is there but does not hold an anchor.
    """
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as error:  # a folder in its place, no permission: there, but unreadable
        raise ValueError("not readable") from error
    if not isinstance(value, dict) or not isinstance(value.get("hash"), str):
        raise ValueError("not an anchor")
    if not all(isinstance(value.get(k), int) for k in ("seq", "folded")):
        raise ValueError("not an anchor")
    return Anchor(value["seq"], value["hash"], value["folded"])


def anchor_or_none(path: Path) -> Anchor | None:
    """Return the anchor; an unreadable one counts as none (the journal's snapshot says so)."""
    try:
        return read_anchor(path)
    except ValueError:
        return None


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Replace the anchor atomically, under the journal's exclusive lock.

    When it cannot be written the old one stays (the record is in the journal already);
    the journal's snapshot then shows an anchor that is behind, or unreadable, and the
    check says so.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    body = json.dumps(
        {"folded": anchor.folded, "hash": anchor.hash, "seq": anchor.seq}, separators=(",", ":")
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (body + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def chain_from(local: tuple[int, str], anchor: Anchor | None) -> tuple[int, str]:
    """Return the ``(seq, hash)`` to chain from: the anchor when the log ends before it."""
    if anchor is None:
        return local
    if anchor.seq > local[0] or (anchor.seq == local[0] and anchor.hash != local[1]):
        return anchor.seq, anchor.hash
    return local
