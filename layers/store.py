"""The embedded store: one DuckDB file, written copy-on-write so that readers never wait.

How it stays safe with several processes (the dashboard reading while the command line
imports): a write takes an exclusive lock file, copies the store file, makes all its
changes to the copy in one transaction, checkpoints it, and atomically renames it over
the store (``os.replace``). Readers open short-lived read-only connections to whatever
file the path names at that moment, so they see the store before or after an import,
never half of one, and never meet DuckDB's single-writer lock. A failed write deletes its
copy: the store is left exactly as it was.

Every write also folds the audit journal beside the store into its ``audit`` table (see
:mod:`layers.audit`), so that the log is kept in the store without a store write per
sign-in.

The interface is small (:meth:`Store.query`, :meth:`Store.transaction` with a
:class:`Writer`) so that a server database can sit behind it later.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from layers import _audit_journal as audit_journal
from layers import schema as S
from layers._errors import StoreBusy

SCHEMA_VERSION = 1

_DUCK_TYPES = {
    "str": "VARCHAR",
    "float64": "DOUBLE",
    "datetime64[us]": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "Int16": "SMALLINT",
    "UInt64": "UBIGINT",
    "int64": "BIGINT",
}

IMPORT_COLUMNS: dict[str, str] = {
    "import_id": "VARCHAR",
    "kind": "VARCHAR",
    "files": "VARCHAR",
    "content_hash": "VARCHAR",
    "started_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP",
    "rows_read": "BIGINT",
    "imported": "BIGINT",
    "duplicates": "BIGINT",
    "rejected": "BIGINT",
    "outside_wards": "BIGINT",
    "rejected_path": "VARCHAR",
    "notes": "VARCHAR",
}
"""Columns of the import log."""

TABLES: tuple[str, ...] = (
    *[k.value for k in S.Kind],
    "rejected",
    "imports",
    "coverage",
    "meta",
    "context",
    "audit",
)


@dataclass(frozen=True)
class Store:
    """An embedded store file.

    Parameters
    ----------
    path
        The DuckDB file. Its folder is created on the first write.
    lock_timeout_s
        How long a write waits for another process's write before raising
        :class:`~layers._errors.StoreBusy`.
    """

    path: Path
    lock_timeout_s: float = 120.0

    def exists(self) -> bool:
        """Return whether the store file exists."""
        return self.path.is_file()

    def version(self) -> str:
        """Return a token that changes whenever a write lands (a cache key for readers)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return "absent"
        return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a short-lived read-only connection (creating an empty store if absent)."""
        if not self.exists():
            self.initialise()
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            yield con
        finally:
            con.close()

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read-only query and return its result as a frame.

        Parameters
        ----------
        sql
            A SELECT statement (DuckDB dialect), with ``?`` or ``$name`` placeholders.
        params
            Values for the placeholders.

        Returns
        -------
        pandas.DataFrame
            The result.
        """
        with self.connect() as con:
            return con.execute(sql, params).df() if params else con.execute(sql).df()

    def count_stored(self, kind: S.Kind | str, ids: Sequence[str]) -> int:
        """Return how many of ``ids`` are already stored in a layer (a re-import's duplicates)."""
        frame = pd.DataFrame({S.EVENT_ID: pd.Series(list(ids), dtype="str")})
        with self.connect() as con:
            con.register("_ids", frame)
            row = con.execute(
                f"SELECT count(*) FROM _ids i SEMI JOIN {S.Kind(kind)} t ON i.event_id = t.event_id"
            ).fetchone()
        return int(row[0]) if row else 0

    def initialise(self) -> None:
        """Create the store with empty tables if it does not exist yet."""
        with self.transaction():
            pass

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Writer]:
        """Make changes as one transaction: all of them land, or none.

        Yields
        ------
        Writer
            Methods that change the store. Leaving the block normally commits; an
            exception discards every change and re-raises.
        """
        with self._write_lock():
            tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
            if self.exists():
                shutil.copyfile(self.path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                _ensure_schema(con)
                con.begin()
                yield Writer(con)
                folded = audit_journal.fold(con, self.path)
                con.commit()
                con.execute("CHECKPOINT")
                con.close()
                os.replace(tmp, self.path)
                _drop_folded(self.path, folded)
            finally:
                con.close()
                for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                    leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as handle:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreBusy(
                            f"the store {self.path.name} has been busy with another import for "
                            f"{self.lock_timeout_s:.0f} s; try again when it has finished, or "
                            "raise ATLAS_LOCK_TIMEOUT_S"
                        ) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- reading helpers used by the pages and the command line ------------------------

    def boundaries(self, level: S.Level | str = S.Level.WARD) -> gpd.GeoDataFrame:
        """Return the areas of one level.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns code, name, level, parent_code, geometry; EPSG:4326. Empty (with the
            schema) when none are loaded. ``attrs["approximate"]`` is True when these are
            the shipped demo wards.
        """
        frame = self.query(
            "SELECT code, name, level, parent_code, geometry_wkt FROM boundaries "
            "WHERE level = ? ORDER BY code",
            [str(S.Level(level))],
        )
        geometry = shapely.from_wkt(frame.pop(S.GEOMETRY_WKT).to_numpy(dtype=object))
        areas = gpd.GeoDataFrame(frame, geometry=geometry, crs=S.CRS_STORE)
        areas.attrs["approximate"] = self.meta("boundaries_approximate") == "true"
        return areas

    def meta(self, key: str) -> str | None:
        """Return a value of the store's key-value metadata, or None."""
        frame = self.query("SELECT value FROM meta WHERE key = ?", [key])
        return None if frame.empty else str(frame.iloc[0, 0])

    def date_range(self, kinds: Sequence[S.Kind | str] = S.EVENT_KINDS) -> tuple[date, date] | None:
        """Return the first and last period start of event data, or None when empty."""
        union = " UNION ALL ".join(
            f"SELECT min(date) lo, max(date) hi FROM {S.Kind(k)}" for k in kinds
        )
        row = self.query(f"SELECT min(lo), max(hi) FROM ({union})").iloc[0]
        if pd.isna(row.iloc[0]):
            return None
        return (pd.Timestamp(row.iloc[0]).date(), pd.Timestamp(row.iloc[1]).date())

    def categories(self, kind: S.Kind | str) -> list[str]:
        """Return the categories present in one event layer, sorted."""
        frame = self.query(f"SELECT DISTINCT category FROM {S.Kind(kind)} ORDER BY 1")
        return [str(c) for c in frame["category"].dropna()]

    def status(self) -> dict[str, Any]:
        """Return what is loaded: row counts and date ranges per layer, and the last imports."""
        layers: dict[str, Any] = {}
        for kind in S.Kind:
            if kind in S.EVENT_KINDS or kind == S.Kind.SURVEYS:
                row = self.query(f"SELECT count(*) n, min(date) lo, max(date) hi FROM {kind}")
            else:
                row = self.query(f"SELECT count(*) n, NULL lo, NULL hi FROM {kind}")
            n, lo, hi = row.iloc[0]
            layers[kind.value] = {
                "rows": int(n),
                "from": None if pd.isna(lo) else str(pd.Timestamp(lo).date())[:7],
                "to": None if pd.isna(hi) else str(pd.Timestamp(hi).date())[:7],
            }
        levels = self.query("SELECT level, count(*) n FROM boundaries GROUP BY 1 ORDER BY 1")
        imports = self.query(
            "SELECT import_id, kind, files, finished_at, imported, duplicates, rejected "
            "FROM imports ORDER BY finished_at DESC LIMIT 10"
        )
        return {
            "store": str(self.path),
            "layers": layers,
            "boundaries": dict(zip(levels["level"], levels["n"].astype(int), strict=True)),
            "boundaries_approximate": self.meta("boundaries_approximate") == "true",
            "rejected_rows": int(self.query("SELECT count(*) FROM rejected").iloc[0, 0]),
            "last_imports": imports.astype({"finished_at": "str"}).to_dict("records"),
        }


class Writer:
    """Changes to the store inside one transaction (see :meth:`Store.transaction`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def add_events(self, kind: S.Kind, frame: pd.DataFrame) -> tuple[int, int]:
        """Insert rows whose ``event_id`` is not stored yet.

        Parameters
        ----------
        kind
            The layer (not boundaries).
        frame
            Rows conforming to the stored schema of ``kind``.

        Returns
        -------
        tuple of int
            (rows inserted, rows that were already stored).
        """
        rows = S.conform(frame, kind, stored=True)
        self._con.register("_new_rows", rows)
        try:
            already = self._con.execute(
                f"SELECT count(*) FROM _new_rows n SEMI JOIN {kind} t ON n.event_id = t.event_id"
            ).fetchall()[0]
            order = "date, h3_cell" if S.DATE in rows.columns else "event_id"
            self._run(
                f"INSERT INTO {kind} SELECT * FROM _new_rows n "
                f"ANTI JOIN {kind} t ON n.event_id = t.event_id ORDER BY {order}"
            )
        finally:
            self._con.unregister("_new_rows")
        duplicates = int(already[0]) if already else 0
        return len(rows) - duplicates, duplicates

    def add_rejected(
        self, kind: S.Kind, frame: pd.DataFrame, *, import_id: str, hashes: dict[str, str]
    ) -> int:
        """Keep rejected rows (once per file content and row number); return how many were new."""
        if frame.empty:
            return 0
        rows = frame[list(S.REJECTED_COLUMNS)].copy()
        rows.insert(0, "content_hash", rows[S.SOURCE].map(hashes).astype("str"))
        rows.insert(0, "kind", kind.value)
        rows.insert(0, "import_id", import_id)
        self._con.register("_rejected", rows)
        try:
            before = self._count("rejected")
            self._run(
                "INSERT INTO rejected SELECT * FROM _rejected r ANTI JOIN rejected t "
                "ON r.kind = t.kind AND r.content_hash = t.content_hash "
                "AND r.row_number = t.row_number"
            )
        finally:
            self._con.unregister("_rejected")
        return self._count("rejected") - before

    def replace_boundaries(self, level: S.Level, frame: pd.DataFrame, *, import_id: str) -> None:
        """Replace every area of one level with the given ones (schema boundaries frame)."""
        rows = S.conform(frame.assign(**{S.LEVEL: level.value}), S.Kind.BOUNDARIES)
        rows[S.IMPORT_ID] = import_id
        self._run("DELETE FROM boundaries WHERE level = ?", [level.value])
        self._con.register("_areas", rows)
        try:
            self._run("INSERT INTO boundaries SELECT * FROM _areas")
        finally:
            self._con.unregister("_areas")

    def replace_coverage(self, cells_by_resolution: dict[int, pd.DataFrame]) -> None:
        """Replace the H3 cells that cover the study area, per resolution.

        Each frame has columns h3_cell and ward_code (the ward holding the cell's centre,
        missing for edge cells whose centre lies in no ward).
        """
        self._run("DELETE FROM coverage")
        for resolution, cells in cells_by_resolution.items():
            frame = pd.DataFrame(
                {
                    "resolution": resolution,
                    "h3_cell": pd.array(cells[S.H3_CELL], dtype="UInt64"),
                    "ward_code": cells[S.WARD].astype("str"),
                }
            )
            self._con.register("_cov", frame)
            try:
                self._run("INSERT INTO coverage SELECT resolution, h3_cell, ward_code FROM _cov")
            finally:
                self._con.unregister("_cov")

    def reassign_areas(self, kind: S.Kind, lookup: pd.DataFrame) -> None:
        """Set ward, locality (and LSOA where given) of stored rows from a lookup by lon/lat.

        ``lookup`` has columns lon, lat, ward_code, locality and optionally lsoa_code,
        one row per unique coordinate pair stored.
        """
        self._con.register("_lookup", lookup)
        try:
            sets = [f"{S.WARD} = l.{S.WARD}", f"{S.LOCALITY} = l.{S.LOCALITY}"]
            if S.LSOA in lookup.columns:
                sets.append(f"{S.LSOA} = coalesce(t.{S.LSOA}, l.{S.LSOA})")
            self._run(
                f"UPDATE {kind} t SET {', '.join(sets)} FROM _lookup l "
                "WHERE t.lon = l.lon AND t.lat = l.lat"
            )
        finally:
            self._con.unregister("_lookup")

    def replace_context(self, frame: pd.DataFrame, *, source: str) -> None:
        """Replace the population / deprivation context of the levels present in ``frame``."""
        rows = frame.assign(source=source)
        self._con.register("_context", rows)
        try:
            self._run("DELETE FROM context WHERE level IN (SELECT DISTINCT level FROM _context)")
            self._run(
                "INSERT INTO context SELECT level, code, population, children, imd_decile, lsoas, "
                "source FROM _context"
            )
        finally:
            self._con.unregister("_context")

    def delete_events(self, kind: S.Kind, ids: Sequence[str]) -> int:
        """Delete stored rows by id (an edit replaces a row); return how many went."""
        before = self._count(kind.value)
        self._con.register("_gone", pd.DataFrame({S.EVENT_ID: pd.Series(list(ids), dtype="str")}))
        try:
            self._run(f"DELETE FROM {kind} WHERE event_id IN (SELECT event_id FROM _gone)")
        finally:
            self._con.unregister("_gone")
        return before - self._count(kind.value)

    def stored_coordinates(self, kind: S.Kind) -> pd.DataFrame:
        """Return the unique (lon, lat) pairs stored in one layer."""
        return self._con.execute(
            f"SELECT DISTINCT lon, lat FROM {kind} WHERE lon IS NOT NULL AND lat IS NOT NULL"
        ).df()

    def log_import(self, record: dict[str, Any]) -> None:
        """Append one row to the import log (keys: :data:`IMPORT_COLUMNS`)."""
        values = [record.get(name) for name in IMPORT_COLUMNS]
        marks = ", ".join("?" for _ in IMPORT_COLUMNS)
        self._run(f"INSERT INTO imports VALUES ({marks})", values)

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the store's key-value metadata."""
        self._run("DELETE FROM meta WHERE key = ?", [key])
        self._run("INSERT INTO meta VALUES (?, ?)", [key, value])

    def _run(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Execute a statement and consume its result (DuckDB wants it before the next one)."""
        self._con.execute(sql, params).fetchall()

    def _count(self, table: str) -> int:
        rows = self._con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return int(rows[0][0]) if rows else 0


def _drop_folded(path: Path, folded: int) -> None:
    """Drop the audit journal's folded lines; on failure they stay (folding skips them)."""
    with contextlib.suppress(OSError):
        audit_journal.drop_folded(path, folded)


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for kind in S.Kind:
        columns = S.LAYER_COLUMNS[kind] | S.STORED_EXTRA[kind]
        ddl = ", ".join(f'"{name}" {_DUCK_TYPES[dtype]}' for name, dtype in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {kind} ({ddl})")
    rejected = ", ".join(f'"{n}" {_DUCK_TYPES[d]}' for n, d in S.REJECTED_COLUMNS.items())
    con.execute(
        "CREATE TABLE IF NOT EXISTS rejected (import_id VARCHAR, kind VARCHAR, "
        f"content_hash VARCHAR, {rejected})"
    )
    imports = ", ".join(f"{n} {t}" for n, t in IMPORT_COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS imports ({imports})")
    con.execute(
        "CREATE TABLE IF NOT EXISTS coverage "
        "(resolution INTEGER, h3_cell UBIGINT, ward_code VARCHAR)"
    )
    con.execute("ALTER TABLE coverage ADD COLUMN IF NOT EXISTS ward_code VARCHAR")
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
    con.execute(audit_journal.TABLE_DDL)
    con.execute(
        "CREATE TABLE IF NOT EXISTS context (level VARCHAR, code VARCHAR, population DOUBLE, "
        "children DOUBLE, imd_decile DOUBLE, lsoas BIGINT, source VARCHAR)"
    )
    con.execute(
        "INSERT INTO meta SELECT 'schema_version', ? WHERE NOT EXISTS "
        "(SELECT 1 FROM meta WHERE key = 'schema_version')",
        [str(SCHEMA_VERSION)],
    )
