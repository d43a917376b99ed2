"""Shared fixtures: the real data folder, an isolated settings environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real Bristol data folder beside the checkout; skip the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Isolate module- and session-scoped fixtures too (they run before the per-test one).

    Without it a module's demo store would write its audit head anchor beside the real
    account store (``~/.config/safer-options-atlas``).
    """
    home = tmp_path_factory.mktemp("atlas_session")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATLAS_ACCOUNTS_FILE", str(home / "secret" / "accounts.sqlite3"))
        patch.setenv("ATLAS_SECRET_FILE", str(home / "secret" / "pseudonym.key"))
        patch.setenv("ATLAS_STORE", str(home / "atlas.duckdb"))
        patch.setenv("ATLAS_REJECTED_DIR", str(home / "rejected"))
        yield


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
