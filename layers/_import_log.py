"""What an import leaves beside the store: its rejected rows as CSV, and content hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from layers.export import neutralise_formulas
from layers.readers import ReadResult, SourceFile


def write_rejected(result: ReadResult, folder: Path, import_id: str) -> Path | None:
    """Write an import's rejected rows as formula-safe CSV; return its path (None: none)."""
    if result.rejected.empty:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{import_id}-{result.kind.value}-rejected.csv"
    neutralise_formulas(result.rejected).to_csv(path, index=False)
    return path


def combined_hash(sources: Sequence[SourceFile]) -> str:
    """Return one SHA-256 over several files' hashes, whatever their order."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.sha256):
        digest.update(source.sha256.encode())
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (the import log's content hash)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
