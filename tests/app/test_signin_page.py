"""Signing in, headless with AppTest: the gate, lock-out, one-time passwords, OIDC, admin pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._session import USER_KEY
from layers import _audit_journal as journal
from layers import accounts, audit
from layers.access import Role, User
from layers.settings import load_settings
from tests.app._browser import PASSWORDS, create_test_users
from tests.app.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
USERS_PAGE = str(ROOT / "app_pages" / "users.py")
AUDIT_PAGE = str(ROOT / "app_pages" / "audit.py")
WARD_NAMES = ("Hartcliffe", "Lawrence Hill", "Southmead", "Ashley", "Filwood")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Accounts with the test users; a store path; lock-out after 3 wrong passwords."""
    create_test_users(tmp_path / "accounts.sqlite3")
    monkeypatch.setenv("ATLAS_ACCOUNTS_FILE", str(tmp_path / "accounts.sqlite3"))
    monkeypatch.setenv("ATLAS_STORE", str(tmp_path / "atlas.duckdb"))
    monkeypatch.setenv("ATLAS_LOCKOUT_ATTEMPTS", "3")
    return tmp_path


def _open(**user: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.user.clear()
        at.user.update(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "subheader", "info", "warning",
                                   "error", "success") for e in getattr(at, kind)]  # fmt: skip
    return " ".join(str(p) for p in parts)


def _assert_no_data(at: AppTest, home: Path) -> None:
    assert len(at.sidebar) == 0  # no filters, no account box
    assert not at.dataframe
    assert not at.metric
    assert not at.get("iframe")
    assert not any(name in _texts(at) for name in WARD_NAMES)
    assert not (home / "atlas.duckdb").exists()  # the store was never even opened


def _journal(home: Path) -> list[dict[str, Any]]:
    path = journal.journal_path(home / "atlas.duckdb")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_without_signing_in_there_is_the_form_and_no_data(home: Path) -> None:
    at = _open()
    assert at.title[0].value == "Safer Options Atlas"
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert at.text_input[1].proto.type == at.text_input[1].proto.Type.PASSWORD
    assert USER_KEY not in at.session_state
    _assert_no_data(at, home)


def test_wrong_passwords_are_refused_alike_then_lock_out(home: Path) -> None:
    at = _open()
    _submit(at, "nobody", "whatever-password")
    assert at.error[0].value == "Wrong user name or password."
    _submit(at, "lead", "wrong password 1")
    assert at.error[0].value == "Wrong user name or password."
    _submit(at, "lead", "wrong password 2")
    _submit(at, "lead", "wrong password 3")
    assert "This account is locked until" in at.error[0].value
    _submit(at, "lead", PASSWORDS["lead"])
    assert "locked until" in at.error[0].value
    assert USER_KEY not in at.session_state
    _assert_no_data(at, home)
    records = _journal(home)
    assert [(r["user"], r["action"]) for r in records] == [
        ("(unknown user name)", "sign_in_failed"),
        ("lead", "sign_in_failed"),
        ("lead", "sign_in_failed"),
        ("lead", "locked_out"),
        ("lead", "locked_out"),
    ]
    assert all("password" not in json.dumps(r["detail"]) for r in records)


def test_the_right_password_signs_in(
    home: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    at = _open()
    _submit(at, "north", PASSWORDS["north"])
    assert at.session_state[USER_KEY] == User("north", Role.LOCALITY, "North")
    assert "Signed in as **north** (Locality officer, North)" in [
        c.value for c in at.sidebar.caption
    ]
    assert len(at.sidebar.multiselect) >= 1  # the filters appear only now
    log = audit.audit_log(demo_store, user="north", action="sign_in")
    assert len(log) == 1


def test_a_one_time_password_is_changed_before_anything_else(
    home: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_time = accounts.add_user(home / "accounts.sqlite3", "newbie", Role.ENGAGEMENT)
    assert one_time is not None
    at = _open()
    _submit(at, "newbie", one_time)
    assert at.subheader[0].value == "Choose a new password"
    assert USER_KEY not in at.session_state
    _assert_no_data(at, home)
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))  # the app opens a store once signed in
    fields = {t.label: t for t in at.text_input}
    assert list(fields) == ["One-time password", "New password", "New password again"]
    fields["One-time password"].input(one_time)
    fields["New password"].input("a brand new password")
    fields["New password again"].input("a different password")
    at.button[0].click().run()
    assert at.error[0].value == "The two new passwords differ; type them again."
    fields = {t.label: t for t in at.text_input}
    fields["One-time password"].input(one_time)
    fields["New password"].input("a brand new password")
    fields["New password again"].input("a brand new password")
    at.button[0].click().run()
    assert at.session_state[USER_KEY] == User("newbie", Role.ENGAGEMENT)
    config_path = home / "accounts.sqlite3"
    assert not accounts.list_users(config_path).set_index("name").loc["newbie", "must_change"]
    assert not at.exception, [e.value for e in at.exception]
    assert [r["action"] for r in _journal(home)] == ["sign_in"]  # before ATLAS_STORE moved
    changed = audit.audit_log(demo_store, user="newbie")
    assert changed["action"].tolist() == ["password_changed"]


def test_sign_out_forgets_the_user(
    home: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    at = _open()
    _submit(at, "admin", PASSWORDS["admin"])
    assert at.session_state[USER_KEY] == User("admin", Role.ADMIN)
    at.sidebar.button(key="atlas_sign_out").click().run()
    assert USER_KEY not in at.session_state
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert audit.audit_log(demo_store, user="admin")["action"].tolist()[:2] == [
        "sign_out",
        "sign_in",
    ]


def test_a_disabled_account_or_a_changed_role_takes_effect_at_the_next_click(
    home: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    at = _open()
    _submit(at, "lead", PASSWORDS["lead"])
    assert at.session_state[USER_KEY] == User("lead", Role.LEAD)
    accounts.set_role(home / "accounts.sqlite3", "lead", Role.ENGAGEMENT, None)
    at.run()
    assert at.session_state[USER_KEY] == User("lead", Role.ENGAGEMENT)
    accounts.disable(home / "accounts.sqlite3", "lead")
    at.run()
    assert USER_KEY not in at.session_state
    assert [t.label for t in at.text_input] == ["User name", "Password"]


# --- single sign-on ---------------------------------------------------------------------------


def test_oidc_shows_the_council_button_and_no_data(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_AUTH", "oidc")
    at = _open(is_logged_in=False)
    assert [b.label for b in at.button] == ["Sign in with your council account"]
    assert not at.text_input
    _assert_no_data(at, home)


def test_oidc_without_an_account_has_no_role(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_AUTH", "oidc")
    at = _open(is_logged_in=True, email="stranger@council.gov.uk")
    assert "has no role in the Atlas yet; ask an administrator" in at.warning[0].value
    assert USER_KEY not in at.session_state
    _assert_no_data(at, home)
    at.run()  # a rerun does not audit the same refusal twice
    assert [(r["user"], r["action"]) for r in _journal(home)] == [
        ("stranger@council.gov.uk", "access_denied")
    ]


def test_oidc_maps_the_address_to_its_role(
    home: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_AUTH", "oidc")
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    accounts.add_identity(home / "accounts.sqlite3", "Jo@Council.gov.uk", Role.LEAD)
    at = _open(is_logged_in=True, email="jo@council.gov.uk")
    assert at.session_state[USER_KEY] == User("Jo@Council.gov.uk", Role.LEAD)
    assert any("VRU lead" in c.value for c in at.sidebar.caption)


# --- the admin pages --------------------------------------------------------------------------


@pytest.mark.parametrize("page", [USERS_PAGE, AUDIT_PAGE])
def test_the_admin_pages_refuse_other_roles(home: Path, page: str) -> None:
    at = AppTest.from_file(page, default_timeout=60)
    signed_in(at, User("north", Role.LOCALITY, "North"))
    at.run()
    assert "Only an administrator may" in at.warning[0].value
    assert not at.dataframe
    assert [(r["user"], r["action"], r["outcome"]) for r in _journal(home)] == [
        ("north", "access_denied", "refused")
    ]


def test_the_users_page_adds_resets_and_changes_accounts(home: Path) -> None:
    at = AppTest.from_file(USERS_PAGE, default_timeout=60)
    signed_in(at).run()
    assert not at.exception, [e.value for e in at.exception]
    listed = at.dataframe[0].value
    assert sorted(listed["User name"]) == ["admin", "engage", "lead", "north"]
    assert listed.set_index("User name").loc["north", "Role"] == "Locality officer"
    assert "$argon2" not in listed.to_string()
    at.text_input[0].input("new.officer")
    at.button(key="users_add_submit").click().run()
    assert at.success[0].value == "Added new.officer (Community engagement officer)."
    one_time = at.code[0].value
    path = home / "accounts.sqlite3"
    assert accounts.get_user(path, "new.officer") == User("new.officer", Role.ENGAGEMENT)
    assert accounts.authenticate(
        path, "new.officer", one_time, settings=load_settings()
    ).must_change
    at.selectbox(key="users_chosen").select("lead")
    at.button(key="users_reset").click().run()
    reset = at.code[0].value
    assert accounts.authenticate(path, "lead", reset, settings=load_settings()).must_change
    at.button(key="users_disable").click().run()
    assert accounts.get_user(path, "lead") is None
    actions = [(r["user"], r["action"], r["detail"].get("change")) for r in _journal(home)]
    assert actions == [
        ("admin", "user_added", None),
        ("admin", "user_changed", "password reset"),
        ("admin", "user_changed", "disabled"),
    ]


def test_the_audit_page_shows_the_log_and_a_broken_chain(home: Path) -> None:
    store = home / "atlas.duckdb"
    for i in range(3):
        audit.record(store, user="lead", action="export", detail={"what": f"table {i}"})
    at = AppTest.from_file(AUDIT_PAGE, default_timeout=60)
    signed_in(at).run()
    shown = at.dataframe[0].value
    assert shown["action"].tolist() == ["export"] * 3
    assert [json.loads(d)["what"] for d in shown["detail"]] == ["table 2", "table 1", "table 0"]
    assert at.success[0].value.startswith("Hash chain checked: all 3 records")
    lines = journal.journal_path(store).read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("table 0", "table 9")
    journal.journal_path(store).write_text("\n".join(lines) + "\n", encoding="utf-8")
    at.run()
    assert "record 1 was changed after it was written" in at.error[0].value


def test_the_audit_page_warns_when_the_newest_records_cannot_be_checked(home: Path) -> None:
    store = home / "atlas.duckdb"
    for i in range(2):
        audit.record(store, user="lead", action="export", detail={"what": f"table {i}"})
    journal.anchor_path(store).unlink()  # a log written before head anchors
    at = AppTest.from_file(AUDIT_PAGE, default_timeout=60)
    signed_in(at).run()
    assert at.success[0].value.startswith("Hash chain checked: all 2 records")
    assert "has no head anchor" in at.warning[0].value
    assert not at.error
