"""One read-only connection for a whole profile: a consistent snapshot, opened once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from layers.store import Store


@dataclass(frozen=True)
class _PinnedStore(Store):
    """A store whose every query runs on one already-open read-only connection.

    Opening a DuckDB connection costs tens of milliseconds; a profile runs some thirty
    queries, and all of them should see the same version of the store (an import that
    lands half-way through must not mix two versions in one document).
    """

    connection: Any = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """Yield the pinned connection (it is closed by :func:`snapshot`, not here)."""
        yield self.connection


@contextlib.contextmanager
def snapshot(store: Store) -> Iterator[Store]:
    """Yield a store that answers every query from one read-only connection.

    Parameters
    ----------
    store
        The store to read.

    Yields
    ------
    Store
        Same path; its queries share one connection, closed on leaving the block.
    """
    with store.connect() as connection:
        yield _PinnedStore(store.path, store.lock_timeout_s, connection=connection)
