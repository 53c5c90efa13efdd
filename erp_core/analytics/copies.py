"""The frame shared by the DuckDB copies that are kept in step by id watermarks (the open-items copy, the sales
copy): what "anything new?" means, how new, late and missing rows are found, how a replaced store is noticed,
one sync at a time, and how a report reads one consistent state. Each copy says only what it copies (its source
tables, the SQL that reads them, how a row is identified, where the rows go): see :class:`IncrementalCopy`.

The rules (issues #13 and #17):

- "Anything new?" is the audit chain's stamp (analytics/stamps.py: it moves inside the transaction of every use
  case that changes anything), read before the sync, so the copy is at least as new as the stamp it is kept with.
  One primary-key look-up, kept per process for STAMP_TTL seconds (this process's own commits are seen at once).
- Per source table a watermark (the largest id read). Each sync reads the rows with ``watermark < id <= top`` and,
  by primary key, the pending ids: rows the copy waits for (a draft that may still post: its posting is picked up
  when it happens) and ids that were missing (an insert not committed yet on PostgreSQL / MariaDB, whose ids are
  not allocated in commit order, or a rolled-back one). A missing id is looked for again at every sync until it
  appears or HOLE_SECONDS have passed (a use case is one short transaction: an id still missing after that was
  rolled back or deleted). On SQLite ids are allocated under the database write lock, so there are no such
  holes; a deleted top row whose id SQLite reuses is caught by the watermark moving back to the table's top.
- All source tables are read in one snapshot (SQLite's read transaction; REPEATABLE READ elsewhere): a document
  and the rows committed with it are copied together or not at all.
- A replaced store (a restore, a test database reused): the row at a watermark is another one (or gone): the copy
  is emptied and built again.
- Concurrency (issue #17): one sync at a time per engine and copy (a non-blocking try of its lock, waited for
  only before the very first sync); a report that finds another sync running reads the last synced state and
  states it as of that sync; a report reads one DuckDB transaction; no pooled connection of the store is held
  while DuckDB works.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import text

from erp_core.analytics.engine import AnalyticsEngine, AsOf, Snapshot, _now, end_reading

HOLE_SECONDS = 900  # how long an id missing below the watermark is looked for (see the module docstring)
HOLE_WINDOW = 10_000  # a sync looks for missing ids among the last this many ids of a table
CHUNK = 100_000
ID_BATCH = 5000  # ids per "id IN (...)" look-up

Keep = tuple[int, dt.datetime, bool]  # a pending id: (id, first seen, missing (True) or waited for (False))


def fetch(conn, sql: str, params: dict) -> list[tuple]:
    """Rows as plain tuples through the driver's own cursor (no Row objects for a million rows); the parameters
    are integers, written into the statement."""
    for k, v in params.items():
        sql = sql.replace(f":{k}", str(int(v)))
    raw = conn.connection.driver_connection.cursor()
    try:
        raw.execute(sql)
        out: list[tuple] = []
        while rows := raw.fetchmany(CHUNK):
            out += rows if isinstance(rows[0], tuple) else [tuple(r) for r in rows]
        return out
    finally:
        raw.close()


def ids_sql(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def row_key(row: Sequence[Any]) -> str:
    """A row's identity as text (integers and decimals as integers, the rest as text)."""
    return repr(tuple(int(v) if isinstance(v, (int, Decimal)) else str(v) for v in row))


# -- "anything new?" ---------------------------------------------------------------------------------------------

_HEADS: dict[int, tuple[int, Any, float, int, str]] = {}
STAMP_TTL = 1.0  # seconds a process keeps the audit head it read (as analytics/stamps.current)


def stamp(eng: AnalyticsEngine) -> tuple[int, str]:
    """(last sequence number, last hash) of the audit chain: the sequence moves with every use case that
    commits; the hash tells a store replaced by another whose chain reached the same number (a restore, a test
    database reused). Kept per process for STAMP_TTL seconds; a use case committed in this process is seen at
    once (stamps._epoch moves after every audited commit)."""
    from sqlalchemy import select

    from erp_core.analytics import stamps
    from erp_core.security.models import AuditChainHead

    db = eng.db
    key, epoch = id(db.engine), stamps._epoch[0]
    kept = _HEADS.get(key)
    if kept is not None and kept[0] == epoch and kept[1] is db.engine and time.monotonic() - kept[2] < STAMP_TTL:
        return kept[3], kept[4]
    at = time.monotonic()
    with db.engine.connect() as c:
        c.execution_options(readonly=True)
        row = c.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                        .where(AuditChainHead.id == 1)).first()
    seq, digest = (int(row[0] or 0), str(row[1] or "")) if row else (0, "")
    if len(_HEADS) > 64:
        _HEADS.clear()
    _HEADS[key] = (epoch, db.engine, at, seq, digest)  # under the epoch read before the look-up
    return seq, digest


# -- one copy ----------------------------------------------------------------------------------------------------

class IncrementalCopy:
    """One watermark-kept copy. A subclass gives:

    - ``name`` (for messages and the lock), ``prefix`` (its DuckDB tables are ``<prefix>_pending``,
      ``<prefix>_sync``, ``<prefix>_state`` plus its own), ``schema`` (its own tables' DDL, CREATE ... IF NOT
      EXISTS), ``data_tables`` (its own tables), ``version`` (a new one drops and rebuilds the copy);
    - ``sources()``: the source tables in the order they are synced;
    - ``select_sql(table, where)``: the statement reading a table's rows (the first column is the id);
      ``filtered(table)``: True when that statement leaves some of the table's rows out (missing ids are then
      looked for among all of the table's ids, not only the ones read);
    - ``fingerprint(conn, table, row_id)``: what identifies a row ("" when none), any row of the table;
    - ``store(eng, cur, conn, table, rows, pending, now)``: writes the rows read into the copy and returns the
      ids it waits for (Keep tuples with missing=False; ``pending`` maps the ids pending before this sync to
      (first seen, missing))."""

    name: str
    prefix: str
    schema: str
    data_tables: tuple[str, ...]
    version: str

    def __init__(self) -> None:
        self._locks_lock = threading.Lock()
        self._attr = f"_{self.name}_copy_lock"
        p = self.prefix
        self._own = (f"{p}_pending", f"{p}_sync", f"{p}_state")
        self._frame_schema = (
            f"CREATE TABLE IF NOT EXISTS {p}_pending (tbl VARCHAR NOT NULL, id BIGINT NOT NULL, "
            "seen_at TIMESTAMP NOT NULL, missing BOOLEAN NOT NULL);\n"
            f"CREATE TABLE IF NOT EXISTS {p}_sync (k INTEGER PRIMARY KEY, stamp BIGINT NOT NULL, "
            "synced_at TIMESTAMP NOT NULL, head VARCHAR NOT NULL);\n"
            f"CREATE TABLE IF NOT EXISTS {p}_state (tbl VARCHAR PRIMARY KEY, watermark BIGINT NOT NULL, "
            "fingerprint VARCHAR NOT NULL);\n")

    # -- what a subclass gives ------------------------------------------------------------------------------------

    def sources(self) -> Sequence[str]:
        raise NotImplementedError

    def select_sql(self, table: str, where: str) -> str:
        raise NotImplementedError

    def filtered(self, table: str) -> bool:
        return False

    def fingerprint(self, conn, table: str, row_id: int) -> str:
        raise NotImplementedError

    def store(self, eng: AnalyticsEngine, cur, conn, table: str, rows: list[tuple],
              pending: dict[int, tuple[dt.datetime, bool]], now: dt.datetime) -> list[Keep]:
        raise NotImplementedError

    # -- the frame --------------------------------------------------------------------------------------------

    def fetch_ids(self, conn, table: str, ids: Sequence[int]) -> list[tuple]:
        out: list[tuple] = []
        ids = sorted(int(i) for i in ids)
        for i in range(0, len(ids), ID_BATCH):
            out += fetch(conn, self.select_sql(table, f"id IN ({ids_sql(ids[i:i + ID_BATCH])})"), {})
        return out

    def lock(self, eng: AnalyticsEngine) -> threading.Lock:
        """The engine's sync lock of this copy (its tables created on first use)."""
        lock = eng.__dict__.get(self._attr)
        if lock is not None:
            return lock
        with self._locks_lock:
            lock = eng.__dict__.get(self._attr)
            if lock is None:
                self._ensure_schema(eng)
                lock = eng.__dict__[self._attr] = threading.Lock()
            return lock

    def _ensure_schema(self, eng: AnalyticsEngine) -> None:
        cur = eng.cursor()
        try:
            ddl = self.schema + self._frame_schema
            cur.execute(ddl)
            key = f"{self.name}_schema"
            row = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            if row is None or row[0] != self.version:
                for t in (*self.data_tables, *self._own):
                    cur.execute(f"DROP TABLE IF EXISTS {t}")
                cur.execute(ddl)
                cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, self.version])
        finally:
            cur.close()

    def sync_state(self, cur) -> tuple[int, dt.datetime, str] | None:
        row = cur.execute(f"SELECT stamp, synced_at, head FROM {self.prefix}_sync WHERE k = 1").fetchone()
        return (int(row[0]), row[1], row[2]) if row else None

    def sync(self, eng: AnalyticsEngine) -> AsOf:
        """Bring the copy up to the store (waits for a running sync)."""
        with self.lock(eng):
            return self._sync_locked(eng, stamp(eng))

    def _sync_locked(self, eng: AnalyticsEngine, head: tuple[int, str]) -> AsOf:
        p = self.prefix
        cur = eng.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                with eng.db.engine.connect() as conn:
                    # One snapshot for all the tables (SQLite's read transaction is one).
                    conn.execution_options(readonly=True, **({} if eng.backend == "sqlite"
                                                             else {"isolation_level": "REPEATABLE READ"}))
                    conn.exec_driver_sql("SELECT 1")  # opens the read transaction the driver's cursors read in
                    states = {t: (int(w), fp) for t, w, fp in cur.execute(
                        f"SELECT tbl, watermark, fingerprint FROM {p}_state").fetchall()}
                    tables = self.sources()
                    if any(self.fingerprint(conn, t, w) != fp for t, (w, fp) in states.items() if t in tables):
                        for t in (*self.data_tables, f"{p}_state", f"{p}_pending"):
                            cur.execute(f"DELETE FROM {t}")
                        states = {}
                    now = _now()
                    for table in tables:
                        high = self._sync_table(eng, cur, conn, table, states.get(table, (0, ""))[0], now)
                        cur.execute(f"INSERT OR REPLACE INTO {p}_state VALUES (?, ?, ?)",
                                    [table, high, self.fingerprint(conn, table, high)])
                cur.execute(f"INSERT OR REPLACE INTO {p}_sync VALUES (1, ?, ?, ?)", [head[0], now, head[1]])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return AsOf(head[0], now)
        finally:
            cur.close()

    def _sync_table(self, eng: AnalyticsEngine, cur, conn, table: str, watermark: int, now: dt.datetime) -> int:
        """Copy what is new in one source table; returns its new watermark."""
        p = self.prefix
        top = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() or 0)
        if top < watermark:  # the top rows were deleted (drafts): SQLite may give their ids again
            cur.execute(f"DELETE FROM {p}_pending WHERE tbl = ? AND id > ?", [table, top])
            watermark = top
        pending = {int(i): (seen, missing) for i, seen, missing in cur.execute(
            f"SELECT id, seen_at, missing FROM {p}_pending WHERE tbl = ?", [table]).fetchall()}
        new = fetch(conn, self.select_sql(table, "id > :w AND id <= :t"), {"w": watermark, "t": top}) \
            if top > watermark else []
        again = self.fetch_ids(conn, table, list(pending)) if pending else []
        found = {int(r[0]) for r in again}
        keep: list[Keep] = [(i, seen, True) for i, (seen, _missing) in pending.items()
                            if i not in found and (now - seen).total_seconds() < HOLE_SECONDS]
        if top > watermark:  # an id not committed yet is near the top: older gaps are not looked for again
            low = max(watermark, top - HOLE_WINDOW)
            present = {int(r[0]) for r in fetch(conn, f"SELECT id FROM {table} WHERE id > :l AND id <= :t",
                                                {"l": low, "t": top})} \
                if self.filtered(table) else {int(r[0]) for r in new}
            keep += [(i, now, True) for i in range(low + 1, top) if i not in present]
        keep += self.store(eng, cur, conn, table, new + again, pending, now)
        cur.execute(f"DELETE FROM {p}_pending WHERE tbl = ?", [table])
        if keep:
            frame = pa.table({"tbl": pa.array([table] * len(keep), pa.string()),  # noqa: F841 (read by name)
                              "id": pa.array([k[0] for k in keep], pa.int64()),
                              "seen_at": pa.array([k[1] for k in keep], pa.timestamp("us")),
                              "missing": pa.array([k[2] for k in keep], pa.bool_())})
            cur.execute(f"INSERT INTO {p}_pending SELECT * FROM frame")
        return max(watermark, top)

    @contextmanager
    def reading(self, eng: AnalyticsEngine) -> Iterator[Snapshot]:
        """One report's read of the copy: synced first when the audit stamp moved and no other sync runs (waits
        only before the very first sync); yields a Snapshot whose ``as_of.watermark`` is the audit sequence
        number the copy is as of."""
        lock = self.lock(eng)
        cur = eng.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            state = self.sync_state(cur)
            checked = _now()
            head = stamp(eng)
            if state is None or (state[0], state[2]) != head:
                if lock.acquire(blocking=state is None):
                    try:
                        self._sync_locked(eng, head)
                    finally:
                        lock.release()
                    cur.execute("ROLLBACK")
                    cur.execute("BEGIN TRANSACTION")
                    state = self.sync_state(cur)
            if state is None:
                raise RuntimeError(f"the {self.name} copy was never synced")
            yield Snapshot(eng, cur, AsOf(state[0], checked if (state[0], state[2]) == head else state[1]))
        finally:
            end_reading(cur)
