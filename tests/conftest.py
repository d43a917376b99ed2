"""Shared fixtures: the real data folder, an isolated settings environment."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real Bristol data folder beside the checkout; skip the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared beside the checkout)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point every ATLAS_ path at a fresh temporary folder, so no test touches a real store."""
    home = tmp_path_factory.mktemp("atlas_home")
    monkeypatch.setenv("ATLAS_STORE", str(home / "atlas.duckdb"))
    monkeypatch.setenv("ATLAS_SECRET_FILE", str(home / "secret" / "pseudonym.key"))
    monkeypatch.setenv("ATLAS_REJECTED_DIR", str(home / "rejected"))
    monkeypatch.setenv("ATLAS_ACCOUNTS_FILE", str(home / "secret" / "accounts.sqlite3"))
    monkeypatch.delenv("ATLAS_AUTH", raising=False)
    monkeypatch.delenv("ATLAS_ADMIN_PASSWORD", raising=False)
