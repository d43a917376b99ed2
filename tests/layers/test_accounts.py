"""The account store: names, argon2 hashes, sign-in, lock-out, one-time passwords, roles, CLI."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher

from layers import _accounts_db, _accounts_rules, accounts
from layers.__main__ import main
from layers._errors import AccessDenied, SchemaError
from layers.access import Role, User
from layers.settings import Settings, load_settings

PASSWORD = "correct horse battery"
LOCKOUT = 3


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "private" / "accounts.sqlite3"


@pytest.fixture
def config() -> Settings:
    return load_settings(lockout_attempts=LOCKOUT, lockout_minutes=10.0)


class Clock:
    """A clock the tests move by hand (patched into the account store)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(_accounts_db, "now", fixed)
    return fixed


def _row(path: Path, name: str) -> sqlite3.Row:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM users WHERE name = ?", [name]).fetchone()
    finally:
        con.close()


# --- input errors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "jo/../etc", "名前", "drop;table"])
def test_bad_user_names_are_refused(path: Path, name: str) -> None:
    with pytest.raises(SchemaError, match="letters, digits"):
        accounts.add_user(path, name, Role.LEAD, password=PASSWORD)


def test_a_taken_name_is_refused_whatever_its_case(path: Path) -> None:
    accounts.add_user(path, "jo.smith@council.gov.uk", Role.LEAD, password=PASSWORD)
    with pytest.raises(SchemaError, match="exists already"):
        accounts.add_user(path, "Jo.Smith@Council.gov.uk", Role.ENGAGEMENT, password=PASSWORD)
    assert accounts.list_users(path)["name"].tolist() == ["jo.smith@council.gov.uk"]


def test_roles_and_localities_must_fit(path: Path) -> None:
    with pytest.raises(SchemaError, match="needs a locality"):
        accounts.add_user(path, "north", Role.LOCALITY, password=PASSWORD)
    with pytest.raises(SchemaError, match="Only a locality officer"):
        accounts.add_user(path, "lead", Role.LEAD, "North", password=PASSWORD)
    with pytest.raises(SchemaError, match="Roles are"):
        accounts.add_user(path, "boss", "superuser", password=PASSWORD)
    assert accounts.list_users(path).empty


@pytest.mark.parametrize(("password", "words"), [("short", "at least 12"), ("Mallory.Jones", "")])
def test_weak_passwords_are_refused(path: Path, password: str, words: str) -> None:
    with pytest.raises(SchemaError, match=words or "user name"):
        accounts.add_user(path, "mallory.jones", Role.LEAD, password=password)


# --- the store file -------------------------------------------------------------------


def test_the_store_is_private_and_never_returns_hashes(path: Path) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    accounts.add_identity(path, "sso@council.gov.uk", Role.ENGAGEMENT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    table = accounts.list_users(path)
    assert "password_hash" not in table.columns
    assert "$argon2" not in table.to_string()
    assert dict(zip(table["name"], table["sign_in"], strict=True)) == {
        "lead": "password",
        "sso@council.gov.uk": "single sign-on",
    }
    stored = _row(path, "lead")["password_hash"]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# --- signing in -----------------------------------------------------------------------


def test_the_right_password_signs_in_with_role_and_locality(path: Path, config: Settings) -> None:
    accounts.add_user(path, "north", Role.LOCALITY, "North", password=PASSWORD)
    outcome = accounts.authenticate(path, "NORTH", PASSWORD, settings=config)
    assert outcome.ok
    assert not outcome.must_change
    assert outcome.reason == ""
    assert outcome.user == User("north", Role.LOCALITY, "North")
    assert _row(path, "north")["last_sign_in"] is not None


def test_unknown_names_and_wrong_passwords_get_the_same_words(
    path: Path, config: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    verified: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    spy = Spy()
    monkeypatch.setattr(_accounts_rules, "hasher", lambda: spy)
    unknown = accounts.authenticate(path, "nobody", PASSWORD, settings=config)
    wrong = accounts.authenticate(path, "lead", "not the password", settings=config)
    assert unknown.reason == wrong.reason == "Wrong user name or password."
    assert not unknown.ok
    assert not wrong.ok
    assert unknown.user is None
    assert len(verified) == 2  # the unknown name cost one argon2 verify too (a dummy hash)
    assert verified[0] != _row(path, "lead")["password_hash"]


def test_wrong_passwords_lock_the_account_even_against_the_right_one(
    path: Path, config: Settings, clock: Clock
) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    outcomes = [accounts.authenticate(path, "lead", f"guess {i}", settings=config)
                for i in range(LOCKOUT)]  # fmt: skip
    assert [o.locked_until is None for o in outcomes] == [True] * (LOCKOUT - 1) + [False]
    until = clock.now + timedelta(minutes=10)
    assert outcomes[-1].locked_until == until
    hhmm = until.astimezone().strftime("%H:%M")
    assert outcomes[-1].reason == (
        f"This account is locked until {hhmm} after too many wrong passwords; ask an "
        "administrator to unlock it sooner."
    )
    clock.now += timedelta(minutes=9)
    refused = accounts.authenticate(path, "lead", PASSWORD, settings=config)
    assert not refused.ok
    assert refused.locked_until == until
    assert "locked until" in refused.reason
    clock.now += timedelta(minutes=2)
    assert accounts.authenticate(path, "lead", PASSWORD, settings=config).ok
    assert (_row(path, "lead")["failures"], _row(path, "lead")["locked_until"]) == (0, None)


def test_a_success_resets_the_count_and_an_expired_lock_starts_it_again(
    path: Path, config: Settings, clock: Clock
) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    for _ in range(LOCKOUT - 1):
        accounts.authenticate(path, "lead", "wrong password!", settings=config)
    assert accounts.authenticate(path, "lead", PASSWORD, settings=config).ok
    for _ in range(LOCKOUT - 1):
        assert (
            accounts.authenticate(path, "lead", "wrong again!!", settings=config).locked_until
            is None
        )
    accounts.authenticate(path, "lead", "third wrong one", settings=config)  # locks now
    clock.now += timedelta(minutes=11)
    again = accounts.authenticate(path, "lead", "wrong after lock", settings=config)
    assert again.locked_until is None
    assert _row(path, "lead")["failures"] == 1


def test_an_admin_unlocks_a_locked_account(path: Path, config: Settings, clock: Clock) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    for _ in range(LOCKOUT):
        accounts.authenticate(path, "lead", "wrong password!", settings=config)
    assert not accounts.authenticate(path, "lead", PASSWORD, settings=config).ok
    accounts.unlock(path, "lead")
    assert accounts.authenticate(path, "lead", PASSWORD, settings=config).ok


def test_an_account_without_password_cannot_sign_in_with_one(path: Path, config: Settings) -> None:
    accounts.add_identity(path, "sso@council.gov.uk", Role.LEAD)
    outcome = accounts.authenticate(path, "sso@council.gov.uk", "", settings=config)
    assert not outcome.ok
    assert outcome.reason == accounts.WRONG


def test_an_outdated_hash_is_replaced_at_sign_in(path: Path, config: Settings) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = 'lead'", [weak])
    assert accounts.authenticate(path, "lead", PASSWORD, settings=config).ok
    renewed = _row(path, "lead")["password_hash"]
    assert renewed != weak
    assert not PasswordHasher().check_needs_rehash(renewed)
    assert accounts.authenticate(path, "lead", PASSWORD, settings=config).ok


# --- one-time passwords and changes ----------------------------------------------------


def test_a_one_time_password_must_be_changed(path: Path, config: Settings) -> None:
    one_time = accounts.add_user(path, "engage", Role.ENGAGEMENT)
    assert one_time is not None
    assert len(one_time) >= accounts.MIN_PASSWORD_LENGTH
    first = accounts.authenticate(path, "engage", one_time, settings=config)
    assert first.ok
    assert first.must_change
    with pytest.raises(SchemaError, match="at least 12"):
        accounts.change_password(path, "engage", one_time, "too short")
    with pytest.raises(AccessDenied, match="current password is wrong"):
        accounts.change_password(path, "engage", "not the one-time", PASSWORD)
    accounts.change_password(path, "engage", one_time, PASSWORD)
    after = accounts.authenticate(path, "engage", PASSWORD, settings=config)
    assert after.ok
    assert not after.must_change
    assert not accounts.authenticate(path, "engage", one_time, settings=config).ok


def test_an_admin_reset_gives_a_one_time_password(path: Path, config: Settings) -> None:
    accounts.add_user(path, "lead", Role.LEAD, password=PASSWORD)
    one_time = accounts.set_password(path, "lead")
    assert one_time is not None
    assert not accounts.authenticate(path, "lead", PASSWORD, settings=config).ok
    assert accounts.authenticate(path, "lead", one_time, settings=config).must_change


def test_roles_change_and_the_last_admin_stays(path: Path, config: Settings) -> None:
    accounts.add_user(path, "admin", Role.ADMIN, password=PASSWORD)
    accounts.add_user(path, "jo", Role.LEAD, password=PASSWORD)
    with pytest.raises(SchemaError, match="only administrator"):
        accounts.set_role(path, "admin", Role.LEAD)
    with pytest.raises(SchemaError, match="only administrator"):
        accounts.disable(path, "admin")
    accounts.set_role(path, "jo", Role.LOCALITY, "South")
    assert accounts.get_user(path, "jo") == User("jo", Role.LOCALITY, "South")
    accounts.set_role(path, "jo", Role.ADMIN)
    accounts.disable(path, "admin")  # another admin exists now
    outcome = accounts.authenticate(path, "admin", PASSWORD, settings=config)
    assert not outcome.ok
    assert outcome.reason == accounts.DISABLED
    with pytest.raises(SchemaError, match="No user is named"):
        accounts.unlock(path, "ghost")


def test_an_oidc_address_maps_to_its_account(path: Path) -> None:
    accounts.add_identity(path, "Jo.Smith@council.gov.uk", Role.LOCALITY, "East Central")
    accounts.add_identity(path, "gone@council.gov.uk", Role.LEAD)
    accounts.add_user(path, "admin", Role.ADMIN, password=PASSWORD)
    accounts.disable(path, "gone@council.gov.uk")
    found = accounts.user_for_identity(path, "jo.smith@COUNCIL.gov.uk")
    assert found == User("Jo.Smith@council.gov.uk", Role.LOCALITY, "East Central")
    assert accounts.user_for_identity(path, "gone@council.gov.uk") is None
    assert accounts.user_for_identity(path, "stranger@council.gov.uk") is None
    assert accounts.user_for_identity(path, None) is None
    assert accounts.user_for_identity(path, "") is None


# --- the first administrator ------------------------------------------------------------


def test_init_admin_with_a_given_password(path: Path, config: Settings) -> None:
    assert accounts.init_admin(path, password_from_env=PASSWORD) is None
    outcome = accounts.authenticate(path, "admin", PASSWORD, settings=config)
    assert outcome.ok
    assert not outcome.must_change
    assert outcome.user == User("admin", Role.ADMIN)
    assert accounts.init_admin(path, password_from_env="another password") is None
    assert len(accounts.list_users(path)) == 1


def test_init_admin_generates_a_one_time_password_once(path: Path, config: Settings) -> None:
    one_time = accounts.init_admin(path, password_from_env=None)
    assert one_time is not None
    assert accounts.authenticate(path, "admin", one_time, settings=config).must_change
    assert accounts.init_admin(path, password_from_env=None) is None


def test_cli_init_admin_prints_the_one_time_password_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_ACCOUNTS_FILE", str(tmp_path / "accounts.sqlite3"))
    store = ["--store", str(tmp_path / "atlas.duckdb")]
    assert main(["users", "init-admin", *store]) == 0
    out = capsys.readouterr().out
    one_time = out.split("One-time password: ")[1].split()[0]
    assert "choose your own password" in out
    assert "first sign-in" in out
    config = load_settings(accounts_file=tmp_path / "accounts.sqlite3")
    assert accounts.authenticate(config.accounts_file, "admin", one_time, settings=config).ok
    assert main(["users", "init-admin", *store]) == 0
    again = capsys.readouterr().out
    assert one_time not in again
    assert "exists already" in again


def test_cli_init_admin_from_the_environment_prints_nothing_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_ACCOUNTS_FILE", str(tmp_path / "accounts.sqlite3"))
    monkeypatch.setenv("ATLAS_ADMIN_PASSWORD", PASSWORD)
    assert main(["users", "init-admin", "--store", str(tmp_path / "atlas.duckdb")]) == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    assert "One-time" not in out.out
    assert "ATLAS_ADMIN_PASSWORD" in out.out


def test_cli_users_commands_change_accounts_and_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "accounts.sqlite3"
    monkeypatch.setenv("ATLAS_ACCOUNTS_FILE", str(path))
    store = ["--store", str(tmp_path / "atlas.duckdb")]
    assert main(["users", "add", "north", "--role", "locality_officer", "--locality", "North",
                 *store]) == 0  # fmt: skip
    assert main(["users", "add", "sso@council.gov.uk", "--role", "vru_lead", "--sso", *store]) == 0
    assert main(["users", "set-role", "north", "--role", "engagement_officer", *store]) == 0
    assert main(["users", "add", "x", "--role", "locality_officer", *store]) == 2
    capsys.readouterr()
    assert main(["users", "list", "--json", *store]) == 0
    listed = capsys.readouterr().out
    assert "$argon2" not in listed
    assert '"north"' in listed
    assert "engagement_officer" in listed
    assert accounts.get_user(path, "north") == User("north", Role.ENGAGEMENT)
    assert accounts.get_user(path, "sso@council.gov.uk") == User("sso@council.gov.uk", Role.LEAD)
    assert main(["audit", "--json", *store]) == 0
    log = capsys.readouterr().out
    assert log.count('"user_added"') == 2
    assert log.count('"user_changed"') == 1
