"""The audit log: hash chain, folding the journal into the store, failed imports, concurrency."""

from __future__ import annotations

import hashlib
import itertools
import json
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from layers import _audit_journal as journal
from layers import audit, store
from layers._errors import FileRefused, SchemaError
from layers.ingest import import_files
from layers.settings import load_settings
from layers.store import Store
from tests.layers.test_ingest import _police_csv, _row

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def atlas(tmp_path: Path) -> Store:
    return Store(tmp_path / "atlas.duckdb")


def _three(path: Path) -> None:
    audit.record(path, user="admin", action="sign_in", detail={"method": "password"})
    audit.record(path, user="north", action="export", detail={"what": "ward counts", "rows": 34})
    audit.record(path, user="admin", action="sign_out")


def _journal_lines(atlas: Store) -> list[str]:
    return journal.journal_path(atlas.path).read_text(encoding="utf-8").splitlines()


def _table_seqs(atlas: Store) -> list[int]:
    return [int(s) for s in atlas.query("SELECT seq FROM audit ORDER BY seq")["seq"]]


# --- records and the chain ---------------------------------------------------------------


def test_records_chain_by_hash_and_read_newest_first(atlas: Store) -> None:
    _three(atlas.path)
    lines = [json.loads(line) for line in _journal_lines(atlas)]
    assert [r["seq"] for r in lines] == [1, 2, 3]
    assert lines[0]["prev"] == "0" * 64
    for before, after in itertools.pairwise(lines):
        assert after["prev"] == before["hash"]
    body = {k: v for k, v in lines[1].items() if k != "hash"}  # recomputed independently
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert lines[1]["hash"] == hashlib.sha256(text.encode()).hexdigest()
    log = audit.audit_log(atlas)
    assert log.columns.tolist() == list(audit.COLUMNS)
    assert log["seq"].tolist() == [3, 2, 1]
    assert log["action"].tolist() == ["sign_out", "export", "sign_in"]
    assert json.loads(log.loc[1, "detail"]) == {"what": "ward counts", "rows": 34}
    assert str(log["time"].dtype) == "datetime64[us, UTC]"
    assert audit.audit_log(atlas, user="admin")["seq"].tolist() == [3, 1]
    assert audit.audit_log(atlas, action="export", limit=5)["user"].tolist() == ["north"]
    assert audit.audit_log(atlas, limit=1)["seq"].tolist() == [3]
    assert audit.verify(atlas) == []


def test_the_journal_is_private(atlas: Store) -> None:
    audit.record(atlas.path, user="admin", action="sign_in")
    assert stat.S_IMODE(journal.journal_path(atlas.path).stat().st_mode) == 0o600


def test_unknown_actions_and_bulky_details_are_refused(atlas: Store) -> None:
    with pytest.raises(SchemaError, match="not one of"):
        audit.record(atlas.path, user="admin", action="delete_everything")
    with pytest.raises(SchemaError, match="not data"):
        audit.record(atlas.path, user="admin", action="export", detail={"rows": "x" * 5000})
    assert not journal.journal_path(atlas.path).exists()


def test_an_edited_record_in_the_journal_is_reported(atlas: Store) -> None:
    _three(atlas.path)
    lines = _journal_lines(atlas)
    lines[1] = lines[1].replace('"rows":34', '"rows":3')
    journal.journal_path(atlas.path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert audit.verify(atlas) == ["record 2 was changed after it was written"]


def test_a_deleted_record_in_the_journal_is_reported(atlas: Store) -> None:
    _three(atlas.path)
    lines = _journal_lines(atlas)
    del lines[1]
    journal.journal_path(atlas.path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert audit.verify(atlas) == [
        "records 2 to 2 are missing",
        "record 3 does not follow the record before it",
    ]


def test_an_edit_inside_the_store_is_reported(atlas: Store) -> None:
    _three(atlas.path)
    atlas.initialise()  # a store write folds the journal in
    assert _table_seqs(atlas) == [1, 2, 3]
    con = duckdb.connect(str(atlas.path))
    con.execute("UPDATE audit SET user = 'someone else' WHERE seq = 1")
    con.close()
    assert audit.verify(atlas) == ["record 1 was changed after it was written"]


# --- folding into the store -----------------------------------------------------------------


def test_a_store_write_folds_the_journal_and_keeps_the_head(atlas: Store) -> None:
    _three(atlas.path)
    with atlas.transaction() as writer:
        writer.set_meta("note", "one")
    assert _table_seqs(atlas) == [1, 2, 3]
    assert [json.loads(x)["seq"] for x in _journal_lines(atlas)] == [3]  # the chain's head
    audit.record(atlas.path, user="lead", action="pdf", detail={"area": "ward:E05010885"})
    assert audit.audit_log(atlas)["seq"].tolist() == [4, 3, 2, 1]
    assert audit.verify(atlas) == []


def test_folding_again_adds_nothing(atlas: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the new store file lands, before the journal is cut, is harmless."""
    _three(atlas.path)
    with monkeypatch.context() as crash:  # not undo(): that would drop the isolated settings
        crash.setattr(store, "_drop_folded", lambda path, folded: None)
        atlas.initialise()
    assert len(_journal_lines(atlas)) == 3
    assert _table_seqs(atlas) == [1, 2, 3]
    atlas.initialise()
    atlas.initialise()
    assert _table_seqs(atlas) == [1, 2, 3]
    assert audit.audit_log(atlas)["seq"].tolist() == [3, 2, 1]
    copy = atlas.path.with_name("copy.duckdb")
    copy.write_bytes(atlas.path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        assert journal.fold(con, atlas.path) == 3  # the journal's head is folded already
        assert con.execute("SELECT count(*) FROM audit").fetchall() == [(3,)]
    assert audit.verify(atlas) == []


def test_a_failed_write_leaves_the_store_and_keeps_the_journal(atlas: Store) -> None:
    atlas.initialise()
    _three(atlas.path)
    version, before = atlas.version(), atlas.path.read_bytes()

    def half_write() -> None:
        with atlas.transaction() as writer:
            writer.set_meta("half", "done")
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        half_write()
    assert (atlas.version(), atlas.path.read_bytes()) == (version, before)
    assert _table_seqs(atlas) == []
    assert [json.loads(x)["seq"] for x in _journal_lines(atlas)] == [1, 2, 3]


def test_a_refused_import_leaves_the_store_and_is_audited(tmp_path: Path) -> None:
    settings = load_settings(store=tmp_path / "atlas.duckdb", rejected_dir=tmp_path / "rejected")
    atlas = Store(settings.store)
    atlas.initialise()
    _three(atlas.path)
    version, before = atlas.version(), atlas.path.read_bytes()
    bad = tmp_path / "secret-folder" / "wrong.csv"
    bad.parent.mkdir()
    bad.write_text("ref,when,what\n1,2021-03-01,Robbery\n", encoding="utf-8")
    with pytest.raises(FileRefused):
        import_files("incidents", [bad], settings=settings, actor="admin")
    assert (atlas.version(), atlas.path.read_bytes()) == (version, before)
    last = json.loads(_journal_lines(atlas)[-1])
    assert (last["seq"], last["user"], last["action"], last["outcome"]) == (
        4, "admin", "import", "failed",
    )  # fmt: skip
    assert last["detail"] == {"kind": "incidents", "files": ["wrong.csv"], "error": "FileRefused"}
    assert "secret-folder" not in _journal_lines(atlas)[-1]


def test_an_import_is_audited_with_names_hash_and_counts(tmp_path: Path) -> None:
    settings = load_settings(store=tmp_path / "atlas.duckdb", rejected_dir=tmp_path / "rejected")
    rows = [_row(f"id{i}") for i in range(4)] + [_row("bad", lon="", lat="")]
    path = _police_csv(tmp_path / "2021-03-street.csv", rows)
    report = import_files("incidents", [path], settings=settings)
    log = audit.audit_log(settings.store, action="import")
    assert len(log) == 1
    assert log.loc[0, "user"].startswith("cli:")
    detail = json.loads(log.loc[0, "detail"])
    assert detail["files"] == ["2021-03-street.csv"]
    file_sha = hashlib.sha256(path.read_bytes()).hexdigest()  # the import log's combined hash
    assert detail["content_hash"] == hashlib.sha256(file_sha.encode()).hexdigest()
    stored = Store(settings.store).query("SELECT content_hash FROM imports")["content_hash"]
    assert stored.tolist() == [detail["content_hash"]]
    assert (detail["imported"], detail["rejected"]) == (report.imported, report.rejected) == (4, 1)
    assert str(tmp_path) not in log.loc[0, "detail"]


# --- several processes at once ------------------------------------------------------------

_WRITER = """
import sys
from layers import audit
for i in range(int(sys.argv[3])):
    audit.record(sys.argv[1], user=sys.argv[2], action="sign_in", detail={"i": i})
"""

_FOLDER = """
import sys, time
from layers.store import Store
for i in range(6):
    with Store(__import__("pathlib").Path(sys.argv[1])).transaction() as w:
        w.set_meta("tick", str(i))
    time.sleep(0.05)
"""


def test_two_processes_appending_while_the_store_folds_keep_one_chain(atlas: Store) -> None:
    atlas.initialise()
    per_process = 60
    runs = [
        [sys.executable, "-c", _WRITER, str(atlas.path), "one", str(per_process)],
        [sys.executable, "-c", _WRITER, str(atlas.path), "two", str(per_process)],
        [sys.executable, "-c", _FOLDER, str(atlas.path)],
    ]
    procs = [subprocess.Popen(run, cwd=ROOT) for run in runs]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    log = audit.audit_log(atlas)
    assert sorted(log["seq"]) == list(range(1, 2 * per_process + 1))
    assert log["user"].value_counts().to_dict() == {"one": per_process, "two": per_process}
    for who in ("one", "two"):  # each process's records in its own order
        mine = log[log["user"] == who].sort_values("seq")
        assert [json.loads(d)["i"] for d in mine["detail"]] == list(range(per_process))
    assert audit.verify(atlas) == []
    atlas.initialise()
    assert _table_seqs(atlas) == list(range(1, 2 * per_process + 1))
    assert pd.Series(_table_seqs(atlas)).is_unique
    head = json.loads(_journal_lines(atlas)[-1])  # the true head: the last line written
    assert head["seq"] == 2 * per_process
    anchor = journal.read_anchor(journal.anchor_path(atlas.path))
    assert anchor == journal.Anchor(head["seq"], head["hash"], folded=2 * per_process)


_IMPORTER = """
import sys
from pathlib import Path
from layers.ingest import import_files
from layers.settings import load_settings
settings = load_settings(store=Path(sys.argv[1]), rejected_dir=Path(sys.argv[2]))
for name in sys.argv[3:]:
    import_files("incidents", [Path(name)], settings=settings, actor="importer")
"""


def test_imports_while_records_are_appended_raise_no_false_alarm(
    atlas: Store, tmp_path: Path
) -> None:
    """Store replacements and journal trims during a check never look like a cut log."""
    atlas.initialise()
    files = [
        str(_police_csv(tmp_path / f"2021-0{m}-street.csv", [_row(f"m{m}-{i}") for i in range(3)]))
        for m in range(1, 5)
    ]
    per_process = 40
    runs = [
        [sys.executable, "-c", _WRITER, str(atlas.path), "one", str(per_process)],
        [sys.executable, "-c", _WRITER, str(atlas.path), "two", str(per_process)],
        [sys.executable, "-c", _IMPORTER, str(atlas.path), str(tmp_path / "rejected"), *files],
    ]
    procs = [subprocess.Popen(run, cwd=ROOT) for run in runs]
    checks: list[list[str]] = []
    while any(p.poll() is None for p in procs):
        checks.append(audit.verify(atlas))
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert len(checks) >= 3  # the checks overlapped the writes
    assert [c for c in checks if c] == []
    total = 2 * per_process + len(files)  # each import is audited too
    assert sorted(audit.audit_log(atlas)["seq"]) == list(range(1, total + 1))
    assert len(audit.audit_log(atlas, user="importer", action="import")) == len(files)
    assert audit.verify(atlas) == []
    head = json.loads(_journal_lines(atlas)[-1])
    anchor = journal.read_anchor(journal.anchor_path(atlas.path))
    assert anchor is not None
    assert (anchor.seq, anchor.hash) == (total, head["hash"])
