"""Fixtures shared by the dashboard tests: a small demo store."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.demo_store import build_demo_store
from layers.settings import load_settings


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store (scale 0.3) built once per test module; its key and rejects beside it."""
    home = tmp_path_factory.mktemp("demo")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, scale=0.3)
    return settings.store
