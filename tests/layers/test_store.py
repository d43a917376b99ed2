"""The store: one transaction per write, idempotent inserts, readers never blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from layers import schema as S
from layers._errors import StoreBusy
from layers.store import Store


def _incidents(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            S.EVENT_ID: ids,
            S.KIND: "incidents",
            S.DATE: pd.to_datetime(["2021-03-01"] * n),
            S.DATE_PRECISION: "month",
            S.LON: [-2.59] * n,
            S.LAT: [51.45] * n,
            S.CATEGORY: "Robbery",
            S.WARD: "E05010885",
        }
    )


def _count(store: Store, table: str = "incidents") -> int:
    return int(store.query(f"SELECT count(*) FROM {table}").iloc[0, 0])


def test_empty_store_is_created_with_every_table(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    assert not store.exists()
    status = store.status()
    assert store.exists()
    assert {k.value for k in S.Kind} <= set(status["layers"]) | {"boundaries"}
    assert all(layer["rows"] == 0 for layer in status["layers"].values())
    assert store.date_range() is None


def test_add_events_skips_ids_already_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    with store.transaction() as w:
        assert w.add_events(S.Kind.INCIDENTS, _incidents(["a", "b"])) == (2, 0)
    with store.transaction() as w:
        assert w.add_events(S.Kind.INCIDENTS, _incidents(["b", "c"])) == (1, 1)
    assert _count(store) == 3
    stored = store.query("SELECT * FROM incidents ORDER BY event_id")
    assert list(stored[S.EVENT_ID]) == ["a", "b", "c"]
    assert list(stored.columns) == list(
        S.LAYER_COLUMNS[S.Kind.INCIDENTS] | S.STORED_EXTRA[S.Kind.INCIDENTS]
    )


def test_failed_transaction_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    with store.transaction() as w:
        w.add_events(S.Kind.INCIDENTS, _incidents(["a"]))
    before = (store.version(), (tmp_path / "s.duckdb").read_bytes())

    def failing_import() -> None:
        with store.transaction() as w:
            w.add_events(S.Kind.INCIDENTS, _incidents(["b", "c"]))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_import()
    assert (store.version(), (tmp_path / "s.duckdb").read_bytes()) == before
    assert _count(store) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb", "s.duckdb.lock"]


def test_a_second_process_writes_while_a_reader_holds_a_connection(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    store = Store(path)
    with store.transaction() as w:
        w.add_events(S.Kind.INCIDENTS, _incidents(["a"]))
    held = duckdb.connect(str(path), read_only=True)
    try:
        script = textwrap.dedent(
            f"""
            import pandas as pd
            from layers.store import Store
            from tests.layers.test_store import _incidents
            from layers import schema as S
            with Store(__import__("pathlib").Path({str(path)!r})).transaction() as w:
                w.add_events(S.Kind.INCIDENTS, _incidents(["b", "c"]))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert held.execute("SELECT count(*) FROM incidents").fetchone() == (1,)  # its snapshot
    finally:
        held.close()
    assert _count(store) == 3


def test_a_write_waits_for_the_lock_then_reports_busy(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).initialise()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl,sys,time; h=open(sys.argv[1],'a+'); fcntl.flock(h,fcntl.LOCK_EX); "
                "print('locked',flush=True); time.sleep(30)"
            ),
            str(path) + ".lock",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(StoreBusy, match="busy with another import"),
            Store(path, lock_timeout_s=0.3).transaction(),
        ):
            pass
        assert Store(path).status()["layers"]["incidents"]["rows"] == 0  # reading still works
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
