"""The audit record of an import: who, which files (names, never paths), hash and counts."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from layers import audit


class Counted(Protocol):
    """What the audit takes from an import report (``layers.ingest.ImportReport``)."""

    @property
    def import_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def files(self) -> tuple[str, ...]: ...

    @property
    def rows_read(self) -> int: ...

    @property
    def imported(self) -> int: ...

    @property
    def duplicates(self) -> int: ...

    @property
    def rejected(self) -> int: ...

    @property
    def content_hash(self) -> str: ...


def cli_actor() -> str:
    """Return who runs this process, as the audit log names them (``cli:<OS user>``)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment or the password file
        return "cli:unknown"


@contextlib.contextmanager
def audited(
    store_path: Path, *, actor: str | None, kind: str, files: Sequence[str | Path]
) -> Iterator[Callable[[Counted], None]]:
    """Audit one import: ``ok`` with its counts when ``done(report)`` is called, else ``failed``.

    Parameters
    ----------
    store_path
        The store imported into (its audit journal sits beside it).
    actor
        Who imports (a user name); None: the command line's ``cli:<OS user>``.
    kind
        The layer.
    files
        The files read; only their names are recorded.

    Yields
    ------
    callable
        ``done(report)``: call it with the import's report once it has landed. An
        exception leaving the block is recorded as a failed import (its kind of error, not
        its words, which may quote the file) and re-raised.
    """
    who = actor or cli_actor()
    names = [Path(f).name for f in files]
    finished: list[Counted] = []
    try:
        yield finished.append
    except Exception as error:
        detail = {"kind": kind, "files": names, "error": type(error).__name__}
        audit.record(store_path, user=who, action="import", outcome="failed", detail=detail)
        raise
    if finished:
        audit.record(store_path, user=who, action="import", detail=_detail(finished[-1]))


def _detail(report: Counted) -> dict[str, Any]:
    return {
        "import_id": report.import_id,
        "kind": report.kind,
        "files": list(report.files),
        "content_hash": report.content_hash,
        "rows_read": report.rows_read,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
    }
