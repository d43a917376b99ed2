"""Tests for layers._pseudonym: the key file and keyed hashing of person references."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pandas as pd
import pytest

from layers._errors import SchemaError, SettingsError
from layers._pseudonym import KEY_BYTES, load_or_create_key, pseudonymise


def test_key_file_is_created_private_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "pseudonym.key"
    key = load_or_create_key(path)
    assert len(key) == KEY_BYTES
    assert path.read_text() == key.hex()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_file_is_reused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    assert load_or_create_key(path) == load_or_create_key(path)


def test_two_new_key_files_hold_different_keys(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path / "a.key") != load_or_create_key(tmp_path / "b.key")


@pytest.mark.parametrize("content", ["", "not hex at all", "ab" * 16])
def test_malformed_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text(content)
    with pytest.raises(SettingsError, match="64-character hex key"):
        load_or_create_key(path)


def test_hash_is_hmac_sha256_of_the_stripped_reference() -> None:
    key = b"k" * 32
    out = pseudonymise(pd.Series([" P123 ", "P123", "Q9"], name="ref"), key)
    expected = hmac.new(key, b"P123", hashlib.sha256).hexdigest()
    assert out.tolist()[:2] == [expected, expected]
    assert out.iloc[2] == hmac.new(key, b"Q9", hashlib.sha256).hexdigest()
    assert out.name == "ref"
    assert str(out.dtype) == "str"


def test_different_key_gives_different_hash() -> None:
    refs = pd.Series(["P123"])
    assert pseudonymise(refs, b"a" * 32).iloc[0] != pseudonymise(refs, b"b" * 32).iloc[0]


def test_missing_and_blank_stay_missing_and_index_is_kept() -> None:
    refs = pd.Series(["P1", None, "  "], index=[10, 11, 12])
    out = pseudonymise(refs, b"k" * 32)
    assert out.index.tolist() == [10, 11, 12]
    assert out.isna().tolist() == [False, True, True]


def test_input_is_not_mutated() -> None:
    refs = pd.Series(["P1", "P2"])
    pseudonymise(refs, b"k" * 32)
    assert refs.tolist() == ["P1", "P2"]


def test_empty_key_is_refused() -> None:
    with pytest.raises(SchemaError, match="key must be non-empty bytes"):
        pseudonymise(pd.Series(["P1"]), b"")
