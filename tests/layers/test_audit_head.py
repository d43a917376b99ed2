"""The audit log's head anchor: records cut off the end of the journal or the store."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from layers import _audit_journal as journal
from layers import audit
from layers.__main__ import main
from layers.settings import load_settings
from layers.store import Store

TABLE_CUT = "but had taken in records up to"
NO_ANCHOR = "the audit log has no head anchor"


@pytest.fixture
def atlas(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "atlas.duckdb")


def _eight(atlas: Store, *, fold_after: int) -> None:
    """Write records 1-8, with a store write (fold and trim) after record ``fold_after``."""
    for i in range(1, 9):
        audit.record(atlas.path, user="admin", action="export", detail={"table": i})
        if i == fold_after:
            atlas.initialise()


def _journal_seqs(atlas: Store) -> list[int]:
    text = journal.journal_path(atlas.path).read_text(encoding="utf-8")
    return [json.loads(line)["seq"] for line in text.splitlines()]


def _keep_journal(atlas: Store, last: int) -> None:
    """Cut the journal's lines after record ``last`` (as a text editor would)."""
    path = journal.journal_path(atlas.path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(f"{x}\n" for x in lines if json.loads(x)["seq"] <= last), "utf-8")


def _keep_table(atlas: Store, last: int) -> None:
    """Cut the store's audit rows after record ``last``: on a copy, put back over the store."""
    copy = atlas.path.with_name("edited.duckdb")
    shutil.copyfile(atlas.path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM audit WHERE seq > ?", [last])
    os.replace(copy, atlas.path)


def _anchor(atlas: Store) -> Path:
    return journal.anchor_path(atlas.path)


def _missing(cut: int, ends: int, last: int = 8) -> str:
    what = "audit record is" if cut == 1 else "audit records are"
    return (
        f"the newest {cut} {what} missing: the log ends at record {ends}, "
        f"the last record written was {last}"
    )


def _table_cut(ends: int, folded: int) -> str:
    return (
        f"the store's audit table ends at record {ends} but had taken in records up to "
        f"{folded}: the store was put back from an older copy, or its newest audit rows "
        "were deleted"
    )


# --- where the anchor is, and what it holds ---------------------------------------------------


def test_the_anchor_names_the_head_beside_the_account_store(atlas: Store) -> None:
    _eight(atlas, fold_after=5)
    path = _anchor(atlas)
    assert path.parent == load_settings().accounts_file.parent / "audit-heads"
    assert atlas.path.parent not in path.parents  # a copy of the data folder leaves it behind
    digest = hashlib.sha256(str(atlas.path.resolve()).encode()).hexdigest()[:16]
    assert path.name == f"atlas.duckdb.{digest}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    last = json.loads(journal.journal_path(atlas.path).read_text().splitlines()[-1])
    assert json.loads(path.read_text()) == {"seq": 8, "hash": last["hash"], "folded": 5}
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    atlas.initialise()
    assert json.loads(path.read_text())["folded"] == 8


def test_an_untouched_log_verifies_clean_at_every_stage(atlas: Store) -> None:
    assert audit.verify(atlas) == []  # no log, no anchor: nothing to report
    audit.record(atlas.path, user="admin", action="sign_in")
    assert audit.verify(atlas) == []
    _eight(atlas, fold_after=4)
    assert audit.verify(atlas) == []
    atlas.initialise()
    atlas.initialise()
    assert (_journal_seqs(atlas), audit.verify(atlas)) == ([9], [])


# --- records cut off the end ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cut", "expected"),
    [(1, [_missing(1, ends=7)]), (3, [_missing(3, ends=5)])],
)
def test_records_cut_off_the_journal_are_reported(
    atlas: Store, cut: int, expected: list[str]
) -> None:
    _eight(atlas, fold_after=4)  # the store holds 1-4, the journal 4-8
    assert _journal_seqs(atlas) == [4, 5, 6, 7, 8]
    _keep_journal(atlas, 8 - cut)
    assert audit.verify(atlas) == expected


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        (1, [_table_cut(ends=3, folded=4)]),  # record 4 is still in the journal
        (
            3,
            [
                "records 2 to 3 are missing",
                "record 4 does not follow the record before it",
                _table_cut(ends=1, folded=4),
            ],
        ),
    ],
)
def test_records_cut_off_the_store_table_are_reported(
    atlas: Store, cut: int, expected: list[str]
) -> None:
    _eight(atlas, fold_after=4)
    _keep_table(atlas, 4 - cut)
    assert audit.verify(atlas) == expected


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        (1, [_missing(1, ends=7), _table_cut(ends=7, folded=8)]),
        (3, [_missing(3, ends=5), _table_cut(ends=5, folded=8)]),
    ],
)
def test_records_cut_off_both_are_reported(atlas: Store, cut: int, expected: list[str]) -> None:
    _eight(atlas, fold_after=8)  # the store holds 1-8, the journal only its head, 8
    assert _journal_seqs(atlas) == [8]
    _keep_table(atlas, 8 - cut)
    _keep_journal(atlas, 8 - cut)
    assert audit.verify(atlas) == expected
    assert audit.audit_log(atlas)["seq"].tolist() == list(range(8 - cut, 0, -1))


def test_a_cut_stays_visible_after_the_next_records(atlas: Store) -> None:
    """The next record chains from the anchor, so the cut becomes a gap in the chain."""
    _eight(atlas, fold_after=4)
    _keep_journal(atlas, 5)
    after = audit.record(atlas.path, user="admin", action="sign_in")
    assert after["seq"] == 9
    gap = ["records 6 to 8 are missing", "record 9 does not follow the record before it"]
    assert audit.verify(atlas) == gap
    atlas.initialise()
    audit.record(atlas.path, user="admin", action="sign_out")
    assert audit.verify(atlas) == gap


def test_a_wiped_log_is_reported_and_the_next_record_leaves_a_gap(atlas: Store) -> None:
    _eight(atlas, fold_after=8)
    atlas.path.unlink()
    journal.journal_path(atlas.path).unlink()
    wiped = (
        "the newest 8 audit records are missing: the log holds no record, the last record "
        "written was 8"
    )
    assert audit.verify(atlas) == [wiped, _table_cut(ends=0, folded=8)]
    audit.record(atlas.path, user="admin", action="sign_in")
    gap = ["records 1 to 8 are missing", "record 9 does not follow the record before it"]
    assert audit.verify(atlas) == [*gap, _table_cut(ends=0, folded=8)]
    atlas.initialise()  # the new store takes in record 9: past the mark, the gap stays
    assert audit.verify(atlas) == gap


def test_putting_back_an_older_copy_of_the_data_folder_is_reported(
    atlas: Store, tmp_path: Path
) -> None:
    """Store and journal restored together from a backup: the anchor was not in it."""
    _eight(atlas, fold_after=5)
    backup = tmp_path / "backup"
    shutil.copytree(atlas.path.parent, backup)
    for i in range(3):
        audit.record(atlas.path, user="lead", action="pdf", detail={"page": i})
    atlas.initialise()
    shutil.rmtree(atlas.path.parent)
    shutil.copytree(backup, atlas.path.parent)
    assert audit.verify(atlas) == [_missing(3, ends=8, last=11), _table_cut(ends=5, folded=11)]


def test_the_command_line_check_reports_the_cut(
    atlas: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    _eight(atlas, fold_after=4)
    assert main(["audit", "--verify", "--store", str(atlas.path)]) == 0
    assert capsys.readouterr().out == "The audit log's hash chain is whole.\n"
    _keep_journal(atlas, 7)
    assert main(["audit", "--verify", "--store", str(atlas.path)]) == 1
    assert capsys.readouterr().out == f"broken: {_missing(1, ends=7)}\n"


# --- the anchor itself changed ----------------------------------------------------------------


@pytest.mark.parametrize("fold_after", [4, 8])
def test_an_older_anchor_put_back_is_reported(atlas: Store, fold_after: int) -> None:
    for i in range(1, 6):
        audit.record(atlas.path, user="admin", action="export", detail={"table": i})
    older = _anchor(atlas).read_bytes()
    assert json.loads(older)["seq"] == 5
    for i in range(6, 9):
        audit.record(atlas.path, user="admin", action="export", detail={"table": i})
        if i == fold_after:
            atlas.initialise()
    _anchor(atlas).write_bytes(older)
    older_anchor = (
        "the head anchor names record 5 but the log goes on to record 8: the anchor was put "
        "back from an older copy (or a write was cut short)"
    )
    assert audit.verify(atlas) == [older_anchor]


def test_a_rewritten_newest_record_disagrees_with_the_anchor(atlas: Store) -> None:
    """A forger who re-hashes the newest record keeps the chain whole, not the anchor."""
    _eight(atlas, fold_after=4)
    path = journal.journal_path(atlas.path)
    lines = path.read_text(encoding="utf-8").splitlines()
    forged = json.loads(lines[-1])
    forged["detail"] = {"table": 80}
    forged["hash"] = hashlib.sha256(
        json.dumps(
            {k: v for k, v in forged.items() if k != "hash"},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    lines[-1] = json.dumps(forged)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    replaced = (
        "record 8 is not the one the head anchor names: the newest record, or the anchor, "
        "was replaced"
    )
    assert audit.verify(atlas) == [replaced]
    after = audit.record(atlas.path, user="admin", action="sign_in")  # chains from the anchor
    assert audit.verify(atlas) == ["record 9 does not follow the record before it"]
    assert after["prev"] != forged["hash"]


def test_a_missing_anchor_is_reported_once_and_made_by_the_next_record(atlas: Store) -> None:
    """A log from before anchors (an upgrade) does not crash, and says so in one line."""
    _eight(atlas, fold_after=4)
    _anchor(atlas).unlink()
    problems = audit.verify(atlas)
    assert len(problems) == 1
    assert problems[0].startswith(NO_ANCHOR)
    assert audit.audit_log(atlas)["seq"].tolist() == list(range(8, 0, -1))
    atlas.initialise()  # a store write does not invent an anchor
    assert not _anchor(atlas).exists()
    audit.record(atlas.path, user="admin", action="sign_in")
    assert json.loads(_anchor(atlas).read_text())["seq"] == 9
    assert audit.verify(atlas) == []


@pytest.mark.parametrize("damage", ["not json", '{"seq": "9", "hash": 1}', "folder"])
def test_an_unreadable_anchor_is_reported_once_and_rewritten(atlas: Store, damage: str) -> None:
    _eight(atlas, fold_after=4)
    _anchor(atlas).unlink()
    if damage == "folder":
        _anchor(atlas).mkdir()
    else:
        _anchor(atlas).write_text(damage, encoding="utf-8")
    problems = audit.verify(atlas)
    assert len(problems) == 1
    assert "head anchor is not readable" in problems[0]
    after = audit.record(atlas.path, user="admin", action="sign_in")  # no crash either way
    assert after["seq"] == 9
    assert audit.verify(atlas) == ([] if damage != "folder" else problems)  # a folder stays


def test_a_store_write_between_the_two_reads_is_no_false_alarm(
    atlas: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records appended and folded between the check's two reads are no false alarm.

    The check reads the journal (and the anchor) first, then the store: the store only
    grows meanwhile, and the trimmed journal keeps the head, so it sees no gap and no cut.
    """
    _eight(atlas, fold_after=4)
    real_snapshot, real_table = journal.snapshot, audit._table_records
    first: list[str] = []

    def interleave(name: str, call: object) -> object:
        if not first:
            first.append(name)
            for i in range(2):
                audit.record(atlas.path, user="lead", action="pdf", detail={"page": i})
            atlas.initialise()  # folds 5-10 and trims the journal to [10]
        return call

    monkeypatch.setattr(journal, "snapshot", lambda p: interleave("journal", real_snapshot(p)))
    monkeypatch.setattr(audit, "_table_records", lambda s: interleave("store", real_table(s)))
    assert audit.verify(atlas) == []
    assert first == ["journal"]
    assert _journal_seqs(atlas) == [10]
