"""Settings: every one documented (here and in the README), each overridable by ATLAS_*."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers._errors import SettingsError
from layers.settings import documented_settings, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_code_and_readme() -> None:
    docs = documented_settings()
    assert "ATLAS_STORE" in docs
    undocumented = [name for name, text in docs.items() if len(text) < 20]
    assert undocumented == []
    readme = README.read_text(encoding="utf-8")
    assert [name for name in docs if name not in readme] == []


def test_environment_and_explicit_overrides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("ATLAS_DEFAULT_RESOLUTION", "9")
    assert load_settings().store == tmp_path / "env.duckdb"
    assert load_settings().default_resolution == 9
    assert load_settings(store=tmp_path / "cli.duckdb").store == tmp_path / "cli.duckdb"


def test_unreadable_values_are_refused_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_DEFAULT_RESOLUTION", "eight")
    monkeypatch.setenv("ATLAS_LOCK_TIMEOUT_S", "soon")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "ATLAS_DEFAULT_RESOLUTION='eight'" in str(info.value)
    assert "ATLAS_LOCK_TIMEOUT_S='soon'" in str(info.value)
