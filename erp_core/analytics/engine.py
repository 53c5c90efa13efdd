"""The DuckDB analytics engine: offline extension loading, a read-only view of the operational store, and a
native copy of the general ledger kept in step by the gap-free posting sequence.

- Never ``INSTALL``: the scanner extensions ship as files inside the ``duckdb-extension-*-scanner`` wheels and are
  loaded by path on a connection that may neither download nor auto-load anything.
- The operational store is ATTACHed ``READ_ONLY`` (DESIGN.md rule 9: DuckDB never writes it).
- ``gl_line`` is large and append-only, so a native DuckDB table ``gl`` holds a copy (dates as DATE, money as
  BIGINT fen). :meth:`AnalyticsEngine.sync` appends the lines with ``posting_seq > watermark`` per company; the
  sequence is gap-free and allocated under a lock inside the posting transaction, so a contiguous batch means no
  line was missed or counted twice. A batch with a hole keeps only its contiguous prefix (the rest is fetched by
  the next sync). Small tables (account, voucher, department, ...) are read through the scanner.
- One engine (one DuckDB database instance) per process and operational database; every call takes its own
  cursor, so readers run side by side.
- Concurrency (issue #17): a report reads through :meth:`AnalyticsEngine.reading`, which never waits on a lock and
  never holds a pooled connection of the operational store while it works. "Anything new?" is one short indexed
  look-up of the store's last posting sequence (and the fingerprint of the copy's last line) compared with the
  copy's watermark, without the sync lock. Only one sync runs at a time (a non-blocking try of the lock); a report
  that finds another sync running reads the last synced state and states it as of that sync. Each report reads
  one DuckDB snapshot (a transaction on its own cursor), so its figures and its as-of agree; a sync commits its
  batch in one DuckDB transaction, which readers never wait for (MVCC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pyarrow as pa
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session as OrmSession

from erp_core.db.uow import Database
from erp_core.ledger.posting import POSTED_KEY

SCANNERS = {"sqlite": "sqlite_scanner", "postgresql": "postgres_scanner", "mariadb": "mysql_scanner"}
ATTACH_TYPES = {"sqlite": "sqlite", "postgresql": "postgres", "mariadb": "mysql"}
OP = "op"  # the alias of the attached operational store

GL_COLUMNS = ("company_id", "posting_seq", "voucher_id", "line_no", "posting_date", "period", "account_id",
              "account_code", "summary", "debit", "credit", "department_id", "project_id", "customer_id",
              "supplier_id", "employee_id", "product_id", "posted_at")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gl (
    company_id INTEGER NOT NULL, posting_seq BIGINT NOT NULL, voucher_id BIGINT, line_no INTEGER,
    posting_date DATE NOT NULL, period VARCHAR NOT NULL, account_id INTEGER, account_code VARCHAR NOT NULL,
    summary VARCHAR, debit BIGINT NOT NULL, credit BIGINT NOT NULL,
    department_id INTEGER, project_id INTEGER, customer_id INTEGER, supplier_id INTEGER,
    employee_id INTEGER, product_id INTEGER, posted_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS gl_voucher (
    company_id INTEGER NOT NULL, voucher_id BIGINT NOT NULL, voucher_type VARCHAR, number INTEGER,
    period VARCHAR, voucher_date DATE);
CREATE TABLE IF NOT EXISTS sync_state (
    company_id INTEGER PRIMARY KEY, watermark BIGINT NOT NULL, synced_at TIMESTAMP NOT NULL,
    fingerprint VARCHAR NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS gl_month (
    company_id INTEGER NOT NULL, period VARCHAR NOT NULL, account_id INTEGER, customer_id INTEGER,
    supplier_id INTEGER, cf BOOLEAN NOT NULL, debit BIGINT NOT NULL, credit BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS stock (
    company_id INTEGER NOT NULL, move_seq BIGINT NOT NULL, move_date DATE NOT NULL, warehouse_id INTEGER NOT NULL,
    location_id INTEGER, product_id INTEGER NOT NULL, quantity BIGINT NOT NULL, amount BIGINT NOT NULL,
    move_type VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS stock_sync_state (
    company_id INTEGER PRIMARY KEY, watermark BIGINT NOT NULL, synced_at TIMESTAMP NOT NULL,
    fingerprint VARCHAR NOT NULL DEFAULT '');
"""
# Bump when the copy's tables change: an older copy is dropped and rebuilt from the operational store.
SCHEMA_VERSION = "4"  # 4: the stock ledger copy (analytics/stock.py)
_TABLES = ("gl", "gl_voucher", "sync_state", "gl_month", "meta", "stock", "stock_sync_state")
PROFIT_ACCOUNTS = {"small_business": "3103", "enterprise": "4103"}  # 本年利润: carry-forward vouchers post to it


def extension_path(backend: str) -> str:
    """The scanner extension file shipped in its wheel (``duckdb_extension_<x>/extensions/v<ver>/*.duckdb_extension``)."""
    import importlib

    name = SCANNERS[backend]
    pkg = importlib.import_module(f"duckdb_extension_{name}")
    root = Path(pkg.__file__).parent
    files = sorted(root.rglob(f"{name}.duckdb_extension"))
    wanted = [f for f in files if f.parent.name == f"v{duckdb.__version__}"]
    if not (wanted or files):
        raise RuntimeError(f"no {name}.duckdb_extension inside {root}")
    return str((wanted or files)[0])


def attach_string(url: str, backend: str) -> str:
    """The scanner's connection string for a SQLAlchemy URL."""
    u = make_url(url)
    if backend == "sqlite":
        return u.database or ""
    parts: dict[str, object] = {"host": u.host or "127.0.0.1", "user": u.username or ""}
    if u.port:
        parts["port"] = u.port
    if u.password:
        parts["password" if backend == "postgresql" else "passwd"] = unquote(str(u.password))
    parts["dbname" if backend == "postgresql" else "database"] = u.database or ""
    return " ".join(f"{k}={_quote_kv(str(v))}" for k, v in parts.items())


def _quote_kv(value: str) -> str:
    if value and all(c.isalnum() or c in "._-/@:" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class AsOf:
    """The moment a report's data is as of: the last posting sequence included and when it was synced."""

    watermark: int
    synced_at: dt.datetime


class AnalyticsEngine:
    """A DuckDB connection over one operational database (thread-safe; share one per process)."""

    def __init__(self, db: Database, path: str | Path | None = None) -> None:
        self.db = db
        self.backend = db.backend
        self._lock = threading.Lock()  # held by the one sync running; readers only ever try it (never wait)
        self.stock_lock = threading.Lock()  # the same for the stock ledger copy (analytics/stock.py)
        self.path = str(path) if path is not None else ":memory:"
        config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        try:
            self._con = duckdb.connect(self.path, config=config)
            if self.path != ":memory:":
                # The copy holds the company's books: owner-only, like its folder (analytics_path); DuckDB has
                # no mode option and refuses a pre-created empty file, so the mode is narrowed once it exists.
                os.chmod(self.path, 0o600)
        except duckdb.IOException:
            # Another process holds the file (several app processes on PostgreSQL): keep a private copy in memory.
            self.path = ":memory:"
            self._con = duckdb.connect(self.path, config=config)
        # SQLite is read with the application's own SQLite library (through SQLAlchemy), never through the
        # sqlite scanner: a second copy of SQLite in the same process breaks SQLite's POSIX locks (closing one
        # library's file descriptor drops the other's locks) and crashed with SIGBUS under concurrent posting.
        self.attached = self.backend != "sqlite"
        if self.attached:
            self._con.execute(f"LOAD '{extension_path(self.backend)}'")
            target = attach_string(str(db.engine.url.render_as_string(hide_password=False)), self.backend)
            # IF NOT EXISTS: DuckDB shares one database instance per file within a process, so a second engine on
            # the same file (a second Database of the same URL, e.g. `erp check` run twice in one process) finds
            # the store attached already — the same URL, since the file is named after it.
            self._con.execute(f"ATTACH IF NOT EXISTS '{target.replace(chr(39), chr(39) * 2)}' AS {OP} "
                              f"(TYPE {ATTACH_TYPES[self.backend]}, READ_ONLY)")
        self._con.execute(_SCHEMA)
        version = self._con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            for table in _TABLES:
                self._con.execute(f"DROP TABLE IF EXISTS {table}")
            self._con.execute(_SCHEMA)
            self._con.execute("INSERT INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
        self._month_rows: dict[int, int] = {}
        # The operational store's head per (company, watermark) as last read: (epoch, monotonic, utc, top,
        # fingerprint). Answered from here for HEAD_TTL seconds unless this process posted to the company since
        # (its epoch moved on: see posted()).
        self._heads: dict[tuple[int, int], tuple[int, float, dt.datetime, int, str]] = {}
        # The copy's sync_state per company as last committed by this process, (watermark, fingerprint,
        # synced_at): set after each sync's COMMIT, dropped when one fails (stamp() reads it instead of DuckDB).
        self._synced: dict[int, tuple[int, str, dt.datetime]] = {}
        self._epochs: dict[int, int] = {}

    # -- access -------------------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one call (a DuckDB connection object is not shared between threads)."""
        return self._con.cursor()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    @contextmanager
    def reading(self, company_id: int) -> Iterator[Snapshot]:
        """One report's read of the copy of ``company_id``: brings the copy up to date when something is new and
        no other sync is running, then yields a :class:`Snapshot` — the engine as seen from one DuckDB
        transaction, with its :class:`AsOf` — that the report's functions read instead of the engine.

        Never waits on the sync lock (except before the very first sync of a company, when there is no state to
        read) and holds a pooled connection of the operational store only for the look-up of its head."""
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            state = _state(cur, company_id)
            synced, top, checked = self._sync_if_new(company_id, state)
            if synced:
                cur.execute("ROLLBACK")
                cur.execute("BEGIN TRANSACTION")
                state = _state(cur, company_id)
            yield Snapshot(self, cur, _as_of(company_id, state, top, checked))
        finally:
            end_reading(cur)

    def stamp(self, company_id: int) -> AsOf:
        """What a report of ``company_id`` would be as of now, without touching DuckDB while nothing is new (the
        as-of look-up a page makes on every rerun, issue #17): the same sync rule and as-of as :meth:`reading`.
        The copy's state comes from the process's mirror of its last committed sync (only this process writes
        its DuckDB database), read from DuckDB when the mirror does not have it."""
        state = self._committed_state(company_id)
        synced, top, checked = self._sync_if_new(company_id, state)
        if synced:
            state = self._committed_state(company_id)
        return _as_of(company_id, state, top, checked)

    def _committed_state(self, company_id: int) -> tuple[int, str, dt.datetime] | None:
        state = self._synced.get(company_id)
        if state is None:
            cur = self._con.cursor()
            try:
                state = _state(cur, company_id)
            finally:
                cur.close()
            if state is not None:
                self._synced.setdefault(company_id, state)
        return state

    def _sync_if_new(self, company_id: int, state: tuple[int, str, dt.datetime] | None
                     ) -> tuple[bool, int, dt.datetime]:
        """(synced here?, the operational store's last posting sequence, when that was read). Something is new
        (or the store was replaced): sync unless another thread already is (waiting only before the very first
        sync), in which case the caller reads the last synced state and says so."""
        top, fingerprint, checked = self._head_now(company_id, state[0] if state else 0)
        if state is None or top != state[0] or fingerprint != state[1]:
            if self._lock.acquire(blocking=state is None):
                try:
                    self._sync_locked(company_id)
                finally:
                    self._lock.release()
                return True, top, checked
        return False, top, checked

    def _head_now(self, company_id: int, seq: int) -> tuple[int, str, dt.datetime]:
        """:meth:`_head` and when it was read, kept per process for HEAD_TTL seconds: every rerun of every
        dashboard asks it, and a second-old answer is as good as a fresh one to anyone but the user who just
        posted — whose posting (in this process) moved the company's epoch on, so it is read again at once
        (posted()). Another app process's posting is seen within HEAD_TTL."""
        key = (company_id, seq)
        epoch = self._epochs.get(company_id, 0)
        kept = self._heads.get(key)
        if kept is not None and kept[0] == epoch and time.monotonic() - kept[1] < HEAD_TTL:
            return kept[3], kept[4], kept[2]
        at, checked = time.monotonic(), _now()
        top, fingerprint = self._head(company_id, seq)
        if len(self._heads) > 1000:
            self._heads.clear()
        # Kept only under the epoch read BEFORE the look-up: a posting committed meanwhile moved it on, so this
        # (perhaps older) answer is never taken for the newer one.
        self._heads[key] = (epoch, at, checked, top, fingerprint)
        return top, fingerprint, checked

    def posted(self, company_id: int) -> None:
        """This process committed a posting of ``company_id``: the next look-up reads the head again."""
        self._epochs[company_id] = self._epochs.get(company_id, 0) + 1

    def _head(self, company_id: int, seq: int) -> tuple[int, str]:
        """The operational store's last posting sequence of ``company_id`` and the fingerprint of its line ``seq``
        (what identifies it; a ledger line never changes once written): one pooled connection, two indexed
        look-ups, released before returning. Read the same way by readers and by the sync."""
        with self.db.engine.connect() as c:
            c.execution_options(readonly=True)
            top = c.execute(text("SELECT max(posting_seq) FROM gl_line WHERE company_id = :c"),
                            {"c": company_id}).scalar()
            row = None
            if seq:
                row = c.execute(text("SELECT voucher_id, line_no, account_id, debit, credit, posted_at FROM gl_line "
                                     "WHERE company_id = :c AND posting_seq = :s"), {"c": company_id, "s": seq}).first()
        return int(top or 0), (repr(tuple(row)) if row is not None else "")

    def op_rows(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        """Rows of a query over the operational store; ``sql`` writes ``{op}`` before each table name and uses
        ``?`` parameters. Server databases are read through the attached scanner, SQLite through SQLAlchemy's
        own connection (read-only transaction)."""
        if not self.attached:
            with self.db.engine.connect() as c:
                c.execution_options(readonly=True)
                return [tuple(r) for r in c.exec_driver_sql(sql.format(op=""), tuple(params)).fetchall()]
        cur = self._con.cursor()
        try:
            return cur.execute(sql.format(op=OP + "."), list(params)).fetchall()
        finally:
            cur.close()

    # -- sync ---------------------------------------------------------------------------------------------
    def sync(self, company_id: int) -> AsOf:
        """Bring the native ledger copy of ``company_id`` up to the operational store's last committed line,
        waiting for a sync running in another thread (CLI, checks, tests; reports use :meth:`reading`). The
        caller must not hold a pooled connection of the operational store (the sync takes one at a time)."""
        with self._lock:
            return self._sync_locked(company_id)

    def _sync_locked(self, company_id: int) -> AsOf:
        """The sync itself (the caller holds the lock): the new lines, their vouchers, the monthly sums and the
        new watermark commit in one DuckDB transaction, so a reader's snapshot has all of them or none."""
        cur = self._con.cursor()
        try:
            row = _state(cur, company_id)
            watermark = int(row[0]) if row else 0
            top, fingerprint = self._head(company_id, watermark)
            # The operational store was restored or replaced when it has fewer lines than the copy, or another
            # line where the copy's last one was (a different file at the same place, e.g. a restore from an
            # older backup that has since grown again): start again.
            reset = top < watermark or bool(watermark and fingerprint != row[1])
            if not reset and top == watermark and row is not None:
                return AsOf(watermark, _now())
            cur.execute("BEGIN TRANSACTION")
            try:
                if reset:
                    self._reset(cur, company_id)
                    watermark = 0
                low = watermark
                if top > watermark:
                    watermark = self._append(cur, company_id, watermark, top)
                now = _now()
                written = None
                if reset or row is None or watermark != low:  # written only when it moved (a commit costs a flush)
                    written = (watermark, self._head(company_id, watermark)[1], now)
                    cur.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?)",
                                [company_id, written[0], written[2], written[1]])
                cur.execute("COMMIT")
                if written is not None:
                    self._synced[company_id] = written
            except BaseException:
                self._synced.pop(company_id, None)
                cur.execute("ROLLBACK")
                if reset:
                    self._month_rows.pop(company_id, None)
                raise
            return AsOf(watermark, now)
        finally:
            cur.close()

    def _load_batch(self, cur, company_id: int, low: int, high: int, src: str) -> None:
        """gl_line rows low < posting_seq <= high into the temp table gl_batch."""
        where = "company_id = ? AND posting_seq > ? AND posting_seq <= ?"
        if self.attached:
            cur.execute(f"CREATE OR REPLACE TEMP TABLE gl_batch AS SELECT {src} FROM {OP}.gl_line WHERE {where}",
                        [company_id, low, high])
            return
        cur.execute(f"CREATE OR REPLACE TEMP TABLE gl_batch AS SELECT {src} FROM gl WHERE FALSE")
        if high - low >= BULK_LINES:
            self._bulk_load(cur, company_id, low, high, src)
            return
        cols = ", ".join(GL_COLUMNS)
        with self.db.engine.connect() as c:
            c.execution_options(readonly=True)
            c.exec_driver_sql("SELECT 1")  # opens the read transaction the raw cursor below reads in
            raw = c.connection.driver_connection.cursor()  # plain tuples: no Row objects for millions of lines
            try:
                raw.execute(f"SELECT {cols} FROM gl_line WHERE {where}", (company_id, low, high))
                while rows := raw.fetchmany(200_000):
                    arrow = _arrow_batch(rows)  # noqa: F841  (read by name below)
                    cur.execute(f"INSERT INTO gl_batch SELECT {src} FROM arrow")
            finally:
                raw.close()

    def _bulk_load(self, cur, company_id: int, low: int, high: int, src: str) -> None:
        """A large SQLite batch (first load, catching up): a child process reads it with the sqlite scanner into
        a Parquet file, which is loaded here. In its own process the scanner's SQLite library is just another
        reader of the file, so SQLite's locking stays sound (see the SQLite note in __init__)."""
        import subprocess
        import sys
        import tempfile

        folder = Path(self.path).parent if self.path != ":memory:" else Path(tempfile.gettempdir())
        fd, name = tempfile.mkstemp(suffix=".parquet", dir=folder)
        os.close(fd)
        out = Path(name)
        try:
            subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, extension_path("sqlite"),
                            attach_string(self.db.engine.url.render_as_string(hide_password=False), "sqlite"),
                            str(out), str(int(company_id)), str(int(low)), str(int(high)), ", ".join(GL_COLUMNS)],
                           check=True, capture_output=True, timeout=3600)
            cur.execute(f"INSERT INTO gl_batch SELECT {src} FROM read_parquet(?)", [str(out)])
        finally:
            out.unlink(missing_ok=True)

    def _load_vouchers(self, cur, company_id: int, end: int) -> None:
        """Type and number of the vouchers of the new lines (fixed once posted)."""
        ids = [int(r[0]) for r in cur.execute(
            "SELECT DISTINCT voucher_id FROM gl_batch WHERE posting_seq <= ? AND voucher_id NOT IN "
            "(SELECT voucher_id FROM gl_voucher WHERE company_id = ?)", [end, company_id]).fetchall()]
        for i in range(0, len(ids), 20000):
            chunk = ids[i:i + 20000]
            rows = self.op_rows("SELECT company_id, id, voucher_type, number, period, voucher_date FROM {op}voucher "
                                f"WHERE company_id = ? AND id IN ({', '.join(str(x) for x in chunk)})", [company_id])
            if rows:
                cols = list(zip(*rows, strict=True))
                vouchers = pa.Table.from_arrays(  # noqa: F841  (read by name below)
                    [pa.array(cols[0], pa.int64()), pa.array(cols[1], pa.int64()), pa.array(cols[2], pa.string()),
                     pa.array(cols[3], pa.int64()), pa.array(cols[4], pa.string()),
                     pa.array([str(v) for v in cols[5]], pa.string())],
                    names=["company_id", "voucher_id", "voucher_type", "number", "period", "voucher_date"])
                cur.execute("INSERT INTO gl_voucher SELECT company_id, voucher_id, voucher_type, number, period, "
                            "CAST(voucher_date AS DATE) FROM vouchers")

    def _add_months(self, cur, company_id: int, end: int) -> None:
        """Monthly sums per account, customer and supplier (``cf``: the line's voucher posts to 本年利润, i.e. is
        a carry-forward) for reports over whole-company periods; a voucher's lines always arrive in one batch."""
        rows = self.op_rows("SELECT accounting_standard FROM {op}company WHERE id = ?", [company_id])
        profit = PROFIT_ACCOUNTS.get((rows[0][0] if rows else None) or "small_business", "3103")
        cur.execute(
            "INSERT INTO gl_month SELECT company_id, period, account_id, customer_id, supplier_id, "
            "coalesce(voucher_id IN (SELECT voucher_id FROM gl_batch WHERE posting_seq <= ? AND "
            "starts_with(account_code, ?)), FALSE), sum(debit), sum(credit) FROM gl_batch WHERE posting_seq <= ? "
            "GROUP BY ALL", [end, profit, end])
        # Many small syncs leave many partial rows: fold them when the table has doubled since the last fold.
        n = cur.execute("SELECT count(*) FROM gl_month WHERE company_id = ?", [company_id]).fetchone()[0]
        if n > 2 * self._month_rows.get(company_id, 0) + 10_000:
            cur.execute("CREATE OR REPLACE TEMP TABLE gl_month_fold AS SELECT company_id, period, account_id, "
                        "customer_id, supplier_id, cf, sum(debit)::BIGINT AS debit, sum(credit)::BIGINT AS credit "
                        "FROM gl_month WHERE company_id = ? GROUP BY ALL", [company_id])
            cur.execute("DELETE FROM gl_month WHERE company_id = ?", [company_id])
            cur.execute("INSERT INTO gl_month SELECT * FROM gl_month_fold")
            cur.execute("DROP TABLE gl_month_fold")
            n = cur.execute("SELECT count(*) FROM gl_month WHERE company_id = ?", [company_id]).fetchone()[0]
        self._month_rows[company_id] = n

    def _reset(self, cur, company_id: int) -> None:
        self._synced.pop(company_id, None)
        cur.execute("DELETE FROM gl WHERE company_id = ?", [company_id])
        cur.execute("DELETE FROM gl_voucher WHERE company_id = ?", [company_id])
        cur.execute("DELETE FROM sync_state WHERE company_id = ?", [company_id])
        cur.execute("DELETE FROM gl_month WHERE company_id = ?", [company_id])

    def _append(self, cur, company_id: int, low: int, high: int) -> int:
        """Lines low < posting_seq <= high into the copy, inside the caller's DuckDB transaction."""
        cols = ", ".join(GL_COLUMNS)
        src = ", ".join(_source_expr(c) for c in GL_COLUMNS)
        self._load_batch(cur, company_id, low, high, src)
        # Keep the contiguous prefix low+1 .. end: a hole (never expected) is refetched by the next sync,
        # and a repeated number (never expected either) takes nothing.
        n, distinct = cur.execute("SELECT count(*), count(DISTINCT posting_seq) FROM gl_batch").fetchone()
        end = low
        if n and n == distinct:
            end = cur.execute(
                "SELECT coalesce(max(posting_seq), ?) FROM (SELECT posting_seq, "
                "row_number() OVER (ORDER BY posting_seq) AS rn FROM gl_batch) WHERE posting_seq = ? + rn",
                [low, low]).fetchone()[0]
        end = int(end)
        if end > low:
            cur.execute(f"INSERT INTO gl ({cols}) SELECT {cols} FROM gl_batch WHERE posting_seq <= ?", [end])
            self._load_vouchers(cur, company_id, end)
            self._add_months(cur, company_id, end)
        cur.execute("DROP TABLE gl_batch")
        return end


class Snapshot:
    """The engine as one report sees it (yielded by :meth:`AnalyticsEngine.reading`): every :meth:`cursor` reads
    the same DuckDB transaction, so all of the report's queries agree with each other and with :attr:`as_of`;
    everything else (operational-store reads, the backend) is the engine's."""

    def __init__(self, engine: AnalyticsEngine, cur: duckdb.DuckDBPyConnection, as_of: AsOf) -> None:
        self._engine, self._cur, self.as_of = engine, cur, as_of

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return _Borrowed(self._cur)  # type: ignore[return-value]

    def __getattr__(self, name: str):
        return getattr(self._engine, name)


class _Borrowed:
    """A report's snapshot cursor lent to one reports.* function: ``close()`` leaves it to :meth:`reading`."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur

    def execute(self, *args, **kwargs):
        return self._cur.execute(*args, **kwargs)

    def close(self) -> None:
        pass

    def __getattr__(self, name: str):
        return getattr(self._cur, name)


def _state(cur, company_id: int) -> tuple[int, str, dt.datetime] | None:
    """(watermark, fingerprint, synced_at) of the copy of ``company_id`` as ``cur`` sees it; None before its
    first sync."""
    row = cur.execute("SELECT watermark, fingerprint, synced_at FROM sync_state WHERE company_id = ?",
                      [company_id]).fetchone()
    return (int(row[0]), row[1], row[2]) if row else None


def _as_of(company_id: int, state: tuple[int, str, dt.datetime] | None, top: int, checked: dt.datetime) -> AsOf:
    """The as-of of a read of the copy in ``state``: checked just now when it holds everything up to ``top``,
    else as of its last sync."""
    if state is None:  # the first sync failed in another thread: nothing to read yet
        raise RuntimeError(f"analytics copy of company {company_id} was never synced")
    return AsOf(state[0], checked if state[0] >= top else state[2])


def end_reading(cur) -> None:
    """Close a report's DuckDB cursor, ending its read transaction (none is open when BEGIN failed)."""
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass
    cur.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


BULK_LINES = 200_000  # SQLite batches at least this large are read by a child process (see _bulk_load)
_EXPORT_SCRIPT = """
import sys, duckdb
ext, db, out, company, low, high, cols = sys.argv[1:]
c = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
c.execute("LOAD '" + ext.replace("'", "''") + "'")
c.execute("ATTACH '" + db.replace("'", "''") + "' AS op (TYPE sqlite, READ_ONLY)")
c.execute("COPY (SELECT " + cols + " FROM op.gl_line WHERE company_id = " + str(int(company)) +
          " AND posting_seq > " + str(int(low)) + " AND posting_seq <= " + str(int(high)) +
          ") TO '" + out.replace("'", "''") + "' (FORMAT parquet)")
"""


def _arrow_batch(rows: list) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(values, type=pa.string() if name in _TEXT else pa.int64())
              for name, values in zip(GL_COLUMNS, columns, strict=True)]
    return pa.Table.from_arrays(arrays, names=list(GL_COLUMNS))


_TEXT = {"posting_date", "period", "account_code", "summary", "posted_at"}


def _source_expr(col: str) -> str:
    if col == "posting_date":
        return "CAST(posting_date AS DATE) AS posting_date"
    if col in ("debit", "credit"):
        return f"CAST({col} AS BIGINT) AS {col}"
    if col == "posted_at":
        return "CAST(posted_at AS TIMESTAMP) AS posted_at"
    return col


HEAD_TTL = 1.0  # seconds a process keeps the operational store's head (see AnalyticsEngine._head_now)

_ENGINES: dict[int, AnalyticsEngine] = {}
_ENGINES_LOCK = threading.Lock()


def _posting_committed(session) -> None:
    """After a commit that wrote ledger lines (erp_core.ledger.posting marks the session): every engine of this
    process reads those companies' heads again at their next look-up, so the poster sees the posting at once."""
    companies = session.info.pop(POSTED_KEY, None) if session.info else None
    if not companies:
        return
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
    for eng in engines:
        for company_id in companies:
            eng.posted(company_id)


event.listen(OrmSession, "after_commit", _posting_committed)


def engine_for(db: Database) -> AnalyticsEngine:
    """The process's analytics engine over ``db`` (created on first use). The DuckDB file lives in the data
    folder, named after the operational database, so a restart resumes from its watermark."""
    with _ENGINES_LOCK:
        eng = _ENGINES.get(id(db))
        if eng is None or eng.db is not db:
            eng = AnalyticsEngine(db, analytics_path(db))
            _ENGINES[id(db)] = eng
        return eng


def analytics_path(db: Database) -> Path:
    url = db.engine.url.render_as_string(hide_password=True)
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    folder = Path(db.settings.data_dir) / "analytics"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:  # created by an older release (0755): the copies inside are the books
        folder.chmod(0o700)
    return folder / f"ledger-{digest}.duckdb"


def forget(db: Database, *, delete: bool = False) -> None:
    """Close the engine of ``db`` (tests, shutdown); ``delete`` also removes its DuckDB file."""
    with _ENGINES_LOCK:
        eng = _ENGINES.pop(id(db), None)
    if eng is not None:
        eng.close()
        if delete and eng.path != ":memory:":
            for suffix in ("", ".wal"):
                Path(eng.path + suffix).unlink(missing_ok=True)


def forget_all(*, delete: bool = False) -> None:
    """Close every engine of this process (tests)."""
    with _ENGINES_LOCK:
        dbs = [eng.db for eng in _ENGINES.values()]
    for db in dbs:
        forget(db, delete=delete)
