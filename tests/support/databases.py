"""Throwaway databases for tests on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import atexit
import fcntl
import itertools
import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erp_core.config import normalize_url

PG_ENV, MARIADB_ENV = "ERP_TEST_POSTGRES_URL", "ERP_TEST_MARIADB_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else []) + (
    ["mariadb"] if os.environ.get(MARIADB_ENV) else [])


def _server_url(backend: str) -> str:
    raw = os.environ[PG_ENV if backend == "postgresql" else MARIADB_ENV]
    return normalize_url(raw, Path.cwd())


# --- built once per test session, shared by the xdist workers ----------------------------------------------------
# The process that controls the run (the xdist controller, or pytest itself without -n) makes a folder and names it
# in the environment, which the workers inherit. Whatever one process builds there under a file lock (the migrated
# template of each backend, the demo year), the others find and clone. The controller drops the shared server
# databases and removes the folder when the run ends.

SESSION_ENV = "ERP_TEST_SESSION_DIR"
_built: dict[str, Any] = {}  # this process's copy of what it already read from the session folder


def start_session(config) -> None:
    """pytest_configure of the controlling process: the session folder the workers will share."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller's folder is in the environment
        return
    folder = tempfile.mkdtemp(prefix="erp-test-session-")
    config.stash[_SESSION_KEY] = (folder, os.environ.get(SESSION_ENV))
    os.environ[SESSION_ENV] = folder


def end_session(config) -> None:
    """pytest_unconfigure of the controlling process (every worker is done): drop what the session shared."""
    if hasattr(config, "workerinput") or _SESSION_KEY not in config.stash:
        return
    folder, before = config.stash[_SESSION_KEY]
    _remove_session(folder)
    if before is None:
        os.environ.pop(SESSION_ENV, None)
    else:
        os.environ[SESSION_ENV] = before


_SESSION_KEY = pytest.StashKey[tuple]()


def session_dir() -> Path:
    """The session folder (made here, and removed at exit, when this process runs outside such a session)."""
    folder = os.environ.get(SESSION_ENV)
    if not folder or not Path(folder).is_dir():
        folder = tempfile.mkdtemp(prefix="erp-test-session-")
        os.environ[SESSION_ENV] = folder
        atexit.register(_remove_session, folder)
    return Path(folder)


def _remove_session(folder: str) -> None:
    registry = Path(folder) / "databases"
    if registry.exists():
        for line in registry.read_text(encoding="utf-8").splitlines():
            backend, name = line.split("\t")
            try:
                _drop_server_database(backend, name)
            except Exception as exc:  # noqa: BLE001 - the run is over; say what was left behind
                print(f"tests: could not drop the shared test database {backend} {name}: {exc}")
    shutil.rmtree(folder, ignore_errors=True)


def _drop_server_database(backend: str, name: str) -> None:
    url = make_url(_server_url(backend))
    engine = create_engine(url.set(database="postgres" if backend == "postgresql" else ""),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            if backend == "postgresql":
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                c.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


def _register_database(backend: str, name: str) -> None:
    with open(session_dir() / "databases", "a", encoding="utf-8") as f:
        f.write(f"{backend}\t{name}\n")


def shared(key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per test session, whichever process asks first; every process gets its (picklable)
    answer. While one process builds, the others asking for the same key wait for it."""
    if key in _built:
        return _built[key]
    folder = session_dir()
    done = folder / f"{key}.pickle"
    with open(folder / f"{key}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if done.exists():
                value = pickle.loads(done.read_bytes())
            else:
                value = build()
                tmp = folder / f"{key}.pickle.part"
                tmp.write_bytes(pickle.dumps(value))
                tmp.replace(done)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _built[key] = value
    return value


def migrated_sqlite_template() -> Path:
    """The session's migrated SQLite database (one file, checkpointed): copy it, never open it."""
    def build() -> str:
        path = session_dir() / "migrated-sqlite.db"
        _migrate(f"sqlite:///{path}")
        _checkpoint(f"sqlite:///{path}")
        return str(path)

    return Path(shared("migrated-sqlite", build))


def _migrate(url: str) -> None:
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Snapshot:
    """A database built once per session and backend (see DatabaseProvider.snapshot), and what its builder
    returned. ``source`` is the template database's name (the file's path on SQLite)."""

    backend: str
    source: str
    value: Any = None
    rows: tuple[str, ...] = ()  # MariaDB: the tables that have rows
    counters: dict = field(default_factory=dict)  # MariaDB: table -> AUTO_INCREMENT


class DatabaseProvider:
    """Makes fresh databases for one backend and one xdist worker."""

    def __init__(self, backend: str, tmp: Path, worker_id: str) -> None:
        self.backend, self.tmp = backend, tmp
        self.prefix = f"erpt_{worker_id}_{uuid.uuid4().hex[:6]}"
        self._n = itertools.count()
        self._template: str | None = None
        self._admin = None
        self._pool: list[str] = []  # reset databases, as good as new (PostgreSQL, MariaDB)
        self._recycler: _Recycler | None = None
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._resetting: list[Future] = []
        self.stats: dict[str, int] = {}  # "reused" or why not: how many times
        self._snapshot_rows: dict[str, tuple] = {}  # PostgreSQL: snapshot -> its rows (COPY binary), sequences
        self._alive = 0  # databases made by fresh() and not dropped
        if backend != "sqlite":
            url = make_url(_server_url(backend))
            admin_db = "postgres" if backend == "postgresql" else ""
            self._base = url
            self._admin = create_engine(url.set(database=admin_db), isolation_level="AUTOCOMMIT",
                                        pool_pre_ping=True)
            try:
                with self._admin.connect() as c:
                    c.execute(text("SELECT 1"))
            except Exception as exc:  # a configured database must be reachable: fail, never skip
                pytest.fail(f"{backend} is configured ({PG_ENV if backend == 'postgresql' else MARIADB_ENV}) "
                            f"but unreachable: {exc}", pytrace=False)

    def _url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp / name}.db"
        return self._base.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> str:
        if self.backend == "sqlite":
            if template:  # a file of the session folder (a template) or of this worker's
                source = Path(template) if template.endswith(".db") else self.tmp / f"{template}.db"
                shutil.copyfile(source, self.tmp / f"{name}.db")
            return self._url(name)
        with self._admin.connect() as c:
            if self.backend == "postgresql":
                c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            else:
                c.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
                if template:
                    _copy_mariadb_schema(c, template, name)
        return self._url(name)

    def empty(self) -> str:
        return self._create(f"{self.prefix}_{next(self._n)}")

    def fresh(self) -> str:
        """A new, migrated database: a reset one when ready, else a new clone of the migrated template (while at
        most one other database of this worker is still being reset, the next test does not wait for it)."""
        with self._lock:
            if self._pool:
                return self._pool.pop()
            pending = [f for f in self._resetting if not f.done()]
        if pending and self._alive >= 2:  # two databases are enough: wait for the reset one
            wait(pending, return_when=FIRST_COMPLETED)
            with self._lock:
                if self._pool:
                    return self._pool.pop()
        return self._new()

    def template(self) -> str:
        """The session's migrated template of this backend (its file's path on SQLite), migrated by whichever
        worker asked first: Alembic runs once per backend and test run, not once per worker."""
        if self._template is None:
            if self.backend == "sqlite":
                self._template = str(migrated_sqlite_template())
            else:
                def build() -> str:
                    name = f"erpt_s{uuid.uuid4().hex[:8]}_template"
                    _register_database(self.backend, name)
                    _migrate(self._create(name))
                    return name

                self._template = shared(f"migrated-{self.backend}", build)
        return self._template

    def _new(self) -> str:
        name = f"{self.prefix}_{next(self._n)}"
        url = self._create(name, self.template())
        self._alive += 1
        if self._recycler is None and self.backend != "sqlite":
            self._recycler = (_PostgresRecycler if self.backend == "postgresql" else _MariaDBRecycler)(
                self, name, url)
        return url

    def snapshot(self, key: str, fill: Callable[[str], Any]) -> Snapshot:
        """A database built once per test session and backend, whichever worker asks first: a clone of the
        migrated template that ``fill(url)`` filled; its answer (picklable) is the snapshot's ``value``.
        ``fresh_from`` gives each test a copy of its own."""
        def build() -> Snapshot:
            if self.backend == "sqlite":
                path = session_dir() / f"{key}-sqlite.db"
                shutil.copyfile(self.template(), path)
                url = f"sqlite:///{path}"
                value = fill(url)
                _checkpoint(url)
                return Snapshot(self.backend, str(path), value)
            name = f"erpt_s{uuid.uuid4().hex[:8]}_{key.replace('-', '_')}"
            _register_database(self.backend, name)
            value = fill(self._create(name, self.template()))
            for _ in range(100):  # the filler's server processes may take a moment to go away
                if not self._connected(name):
                    break
                time.sleep(0.1)
            if self.backend == "postgresql":
                return Snapshot(self.backend, name, value)
            with self._admin.connect() as c:
                rows, counters = _mariadb_contents(c, name)
            return Snapshot(self.backend, name, value, rows, counters)

        return shared(f"{key}-{self.backend}", build)

    def fresh_from(self, snap: Snapshot) -> str:
        """Like fresh(), a database of this test's own (release() it the same way), holding a copy of ``snap``:
        SQLite copies the file; PostgreSQL and MariaDB copy the rows into a fresh (reset or new) migrated
        database, with the sequences / AUTO_INCREMENT counters.

        (PostgreSQL used to create each copy with ``snap`` as its TEMPLATE and drop it afterwards: 0.2-5 s for
        the CREATE in the test's set-up and as much again for the DROP on the busy CI machine, for each of ~500
        tests; the binary COPY of the company's rows into a reset database takes ~50 ms.)"""
        if self.backend == "sqlite":
            return self._create(f"{self.prefix}_{next(self._n)}", snap.source)
        url = self.fresh()
        if self.backend == "postgresql":
            _copy_postgres_rows(url, self._postgres_rows(snap), self._recycler.seeded)
            return url
        with self._admin.connect() as c:
            _copy_mariadb_rows(c, snap, make_url(url).database, self._recycler.guarded)
        return url

    def _postgres_rows(self, snap: Snapshot) -> tuple:
        """The snapshot's rows as COPY (FORMAT binary) data per table that has any, and its sequences; read once
        per worker (the company snapshot: 16 tables, ~40 kB)."""
        if snap.source not in self._snapshot_rows:
            engine = create_engine(self._url(snap.source), poolclass=_null_pool())
            try:
                with engine.connect() as c:
                    tables = [r[0] for r in c.execute(text(
                        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                        f" c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.oid IN {_PG_USER_NS} ORDER BY 1"))]
                    sequences = {r[0]: r[1] for r in c.execute(text(
                        "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"))}
                    data = []
                    with c.connection.dbapi_connection.cursor() as cur:
                        for t in tables:
                            with cur.copy(f"COPY {t} TO STDOUT (FORMAT binary)") as copy:
                                blob = b"".join(bytes(chunk) for chunk in copy)
                            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {t})")
                            if cur.fetchone()[0]:
                                data.append((t, blob))
            finally:
                engine.dispose()
            self._snapshot_rows[snap.source] = (tuple(data), sequences)
        return self._snapshot_rows[snap.source]

    def _connected(self, name: str) -> bool:
        with self._admin.connect() as a:
            if self.backend == "postgresql":
                sql = ("SELECT count(*) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
                       " AND backend_type = 'client backend'")
            else:
                sql = "SELECT count(*) FROM information_schema.processlist WHERE db = :n"
            return bool(a.execute(text(sql), {"n": name}).scalar())

    def release(self, url: str) -> None:
        """A test is done with ``url`` (from fresh()). SQLite: the file is deleted. PostgreSQL and MariaDB: in a
        background thread (so the next test need not wait), the database is reset to as good as new and goes
        back to the pool when only rows changed, else it is dropped (see _Recycler)."""
        if self._recycler is None:
            self.drop(url)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"reset-{self.backend}")
        self._resetting = [f for f in self._resetting if not f.done()]
        self._resetting.append(self._executor.submit(self._reset, url))

    def _reset(self, url: str) -> None:
        reused = self._recycler.reset(url)
        if reused:
            with self._lock:
                self._pool.append(url)
        else:
            self.drop(url)
            with self._lock:
                self._alive -= 1
        self.stats[self._recycler.why] = self.stats.get(self._recycler.why, 0) + 1

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
            return
        with self._admin.connect() as c:
            if self.backend == "postgresql":
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                c.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        _report(self)
        for url in self._pool:
            self.drop(url)
        self._pool.clear()  # (the templates are the session's: dropped when the run ends)
        if self._admin is not None:
            self._admin.dispose()


def _report(provider: DatabaseProvider) -> None:
    """ERP_TEST_DB_STATS=path: append how many databases were reset for reuse and how many dropped."""
    path = os.environ.get("ERP_TEST_DB_STATS")
    if path and provider._recycler is not None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{provider.prefix} {provider.backend} {provider.stats}\n")


def _checkpoint(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _copy_postgres_rows(url: str, contents: tuple, seeded: list[str]) -> None:
    """Make ``url`` (migrated, holding only the rows the migrations seed, the ``seeded`` tables) a copy of a
    snapshot's ``contents`` (DatabaseProvider._postgres_rows): its rows, by COPY with no trigger firing (the
    append-only ones, the foreign-key checks: session_replication_role = replica, as the reset), and its
    sequences, in one transaction."""
    data, sequences = contents
    engine = create_engine(url, poolclass=_null_pool())
    try:
        with engine.connect() as c:
            raw = c.connection.dbapi_connection
            with raw.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
                for t in seeded:
                    cur.execute(f"DELETE FROM {t}")
                for t, blob in data:
                    with cur.copy(f"COPY {t} FROM STDIN (FORMAT binary)") as copy:
                        copy.write(blob)
                cur.execute("SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences")
                for seq, last in cur.fetchall():
                    want = sequences.get(seq)
                    if last == want:
                        continue
                    if want is None:
                        cur.execute(f"ALTER SEQUENCE {seq} RESTART")
                    else:
                        cur.execute("SELECT setval(CAST(%s AS regclass), %s, true)", (seq, want))
            raw.commit()
    finally:
        engine.dispose()


def _copy_mariadb_schema(conn, source: str, target: str) -> None:
    """MariaDB has no template databases: copy the migrated template's tables (with their foreign keys), rows
    (alembic_version, seeded rows) and triggers into ``target``. ~4x faster than running the migrations, and
    test_migrations.py checks that the copy matches the migrations exactly."""
    tables = [r[0] for r in conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s AND table_type = 'BASE TABLE'"),
        {"s": source})]
    triggers = [r[0] for r in conn.execute(text(
        "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = :s ORDER BY action_order"),
        {"s": source})]
    ddl_tables = [conn.execute(text(f"SHOW CREATE TABLE `{source}`.`{t}`")).one()[1] for t in tables]
    ddl_triggers = [conn.execute(text(f"SHOW CREATE TRIGGER `{source}`.`{t}`")).one()[2] for t in triggers]
    raw = conn.connection.dbapi_connection  # raw DB-API: the DDL is sent verbatim (no bind-parameter parsing)
    with raw.cursor() as cur:
        cur.execute(f"USE `{target}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for ddl in ddl_tables:
                cur.execute(ddl)
            for t in tables:
                cur.execute(f"INSERT INTO `{target}`.`{t}` SELECT * FROM `{source}`.`{t}`")
            for ddl in ddl_triggers:
                cur.execute(ddl)
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
            cur.execute("USE mysql")


def _mariadb_contents(conn, name: str) -> tuple[tuple[str, ...], dict]:
    """The tables of ``name`` that have rows, and every table's AUTO_INCREMENT counter."""
    tables = [r[0] for r in conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s AND table_type = 'BASE TABLE'"
        " ORDER BY table_name"), {"s": name})]
    rows: set[str] = set()
    for chunk in _chunks(tables, 60):
        rows |= {r[0] for r in conn.execute(text(" UNION ALL ".join(
            f"SELECT '{t}' FROM DUAL WHERE EXISTS (SELECT 1 FROM `{name}`.`{t}`)" for t in chunk)))}
    counters = {r[0]: r[1] for r in conn.execute(text(
        "SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = :s"), {"s": name})}
    return tuple(t for t in tables if t in rows), counters


def _copy_mariadb_rows(conn, snap: Snapshot, target: str, guarded: set[str]) -> None:
    """Make ``target`` (migrated, holding only the rows the migrations seed) a copy of ``snap``: its rows
    (emptied first where the target has some: TRUNCATE for the ``guarded`` tables, whose DELETE trigger would
    refuse, DELETE for the others: a TRUNCATE makes a new InnoDB file, ~50 ms or far more under load) and its
    AUTO_INCREMENT counters."""
    have, _ = _mariadb_contents(conn, target)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for t in have:
                cur.execute(f"{'TRUNCATE TABLE' if t in guarded else 'DELETE FROM'} `{target}`.`{t}`")
            for t in snap.rows:
                if t not in have and t not in guarded:
                    # rows a trigger wrote while an earlier table was copied (crm_lead -> crm_lead_gram): MariaDB
                    # cannot switch triggers off for a session, so the derived table is emptied again first
                    cur.execute(f"DELETE FROM `{target}`.`{t}`")
                cur.execute(f"INSERT INTO `{target}`.`{t}` SELECT * FROM `{snap.source}`.`{t}`")
            raw.commit()
            _, counters = _mariadb_contents(conn, target)
            for t, want in snap.counters.items():
                if counters.get(t) != want and want is not None:
                    cur.execute(f"ALTER TABLE `{target}`.`{t}` AUTO_INCREMENT = {int(want)}")
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")


class _Recycler:
    """Makes a used test database as good as a new clone of the template, in a fraction of the time it takes
    to create one (CREATE DATABASE ... TEMPLATE + DROP on PostgreSQL, ~120 CREATE TABLEs + DROP on MariaDB).

    A state is taken from the first clone right after it was made: a fingerprint of its schema (tables,
    columns, indexes, constraints, triggers, routines, with catalog ids on PostgreSQL), the rows of the tables
    the migrations seed, and every table's identity/auto-increment counter. After a test, ``reset`` gives the
    database back only when
    - no other connection is still open on it (a test's engine, a child process, a prepared transaction),
    - its schema fingerprint is unchanged once the tables the test created for itself are dropped (a test that
      altered or dropped anything of the migrated schema, or migrated down and up, gets a new database instead),
    - and, after emptying every table that has rows or a moved counter (with the append-only triggers out of the
      way) and restoring the seeded rows and the counters, the same checks read back exactly the state of a new
      clone.
    Anything else (or any error) answers False and the caller drops the database: slower, never wrong.
    """

    def __init__(self, provider: DatabaseProvider, name: str, url: str) -> None:
        self.provider = provider
        self.tables: list[str] = []
        self.seeded: list[str] = []
        engine = create_engine(url, poolclass=_null_pool(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                self.tables = self._tables(c, name)
                self.seeded = [t for t, has_rows in zip(self.tables, self._has_rows(c, name), strict=True) if has_rows]
                self.fingerprint = self._fingerprint(c, name)
                self.state = self._state(c, name)
                self.triggers = self._triggers(c, name)
        finally:
            engine.dispose()

    def reset(self, url: str) -> bool:
        self.why = self._reset(url)
        return self.why == "reused"

    def _reset(self, url: str) -> str:
        """"reused", or why not."""
        name = make_url(url).database
        try:
            for _ in range(20):  # a closed connection's server process may take a moment to go away
                if not self._busy(name):
                    break
                time.sleep(0.1)
            else:
                return "still in use"
            engine = create_engine(url, poolclass=_null_pool())
            try:
                with engine.connect() as c:
                    if self._fingerprint(c, name) != self.fingerprint:
                        # tables of a test's own (a test document type) go, triggers it dropped (an
                        # append-only guard, to tamper with a ledger) come back as they were; any other change,
                        # and the database goes
                        extra = [t for t in self._tables(c, name) if t not in self.tables]
                        present = self._triggers(c, name)
                        missing = [ddl for key, ddl in self.triggers.items() if key not in present]
                        if not extra and not missing:
                            return "schema changed"
                        c.rollback()
                        if extra:
                            self._drop_tables(c, name, extra)
                        for ddl in missing:
                            c.exec_driver_sql(ddl)
                        c.commit()
                        if self._fingerprint(c, name) != self.fingerprint:
                            return "schema changed"
                        if missing:  # counted apart in ERP_TEST_DB_STATS: "reused" follows as usual
                            stats = self.provider.stats
                            stats["triggers put back"] = stats.get("triggers put back", 0) + 1
                    if self._state(c, name) != self.state:
                        c.rollback()
                        self._empty(c, name)
                        c.commit()
                        if self._state(c, name) != self.state:
                            return "reset incomplete"
                    return "reused"
            finally:
                engine.dispose()
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, a dropped database is the safe answer
            return f"error {type(exc).__name__}: {str(exc)[:200]}"

    def _state(self, c, name: str) -> dict:
        """Everything but the schema: which tables have rows, the seeded rows, the counters."""
        return {"rows": self._has_rows(c, name), "seeded": self._seeded(c, name),
                "counters": self._counters(c, name)}

    def _has_rows(self, c, name: str) -> list[bool]:
        found = set()
        for chunk in _chunks(self.tables, 60):
            found |= {r[0] for r in c.execute(text(" UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {self._q(name, t)})" if self._pg else
                f"SELECT '{t}' FROM DUAL WHERE EXISTS (SELECT 1 FROM {self._q(name, t)})" for t in chunk)))}
        return [t in found for t in self.tables]

    _pg = False

    def _busy(self, name: str) -> bool:
        raise NotImplementedError

    def _triggers(self, c, name: str) -> dict:
        """(table, trigger) -> the statement that creates it (user triggers, not the foreign-key ones)."""
        raise NotImplementedError

    def _tables(self, c, name: str) -> list[str]:
        raise NotImplementedError

    def _fingerprint(self, c, name: str) -> str:
        raise NotImplementedError

    def _seeded(self, c, name: str) -> dict:
        raise NotImplementedError

    def _counters(self, c, name: str) -> dict:
        raise NotImplementedError

    def _empty(self, c, name: str) -> None:
        raise NotImplementedError

    def _drop_tables(self, c, name: str, tables: list[str]) -> None:
        raise NotImplementedError

    def _q(self, name: str, table: str) -> str:
        raise NotImplementedError


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _digest(rows) -> str:
    import hashlib

    h = hashlib.sha256()
    for row in sorted(repr(tuple(r)) for r in rows):
        h.update(row.encode())
        h.update(b"\n")
    return h.hexdigest()


_PG_USER_NS = "(SELECT oid FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%')"
_PG_FINGERPRINT = f"""
SELECT 'ns', oid::text, nspname FROM pg_namespace WHERE oid IN {_PG_USER_NS}
UNION ALL SELECT 'class', c.oid::text, concat_ws(':', c.relname, c.relkind, c.relnamespace, c.relpersistence,
       pg_get_viewdef(CASE WHEN c.relkind IN ('v', 'm') THEN c.oid END))
  FROM pg_class c WHERE c.relnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'column', a.attrelid::text, concat_ws(':', a.attnum, a.attname, a.atttypid, a.atttypmod,
       a.attnotnull, a.attisdropped, a.attidentity, a.attgenerated, a.attcollation, a.atthasdef)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace IN {_PG_USER_NS} AND a.attnum > 0
UNION ALL SELECT 'default', d.adrelid::text, d.adnum || ':' || pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'constraint', o.oid::text, concat_ws(':', o.conname, o.conrelid, pg_get_constraintdef(o.oid))
  FROM pg_constraint o WHERE o.connamespace IN {_PG_USER_NS}
UNION ALL SELECT 'index', i.indexrelid::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'trigger', t.tgrelid::text, concat_ws(':', t.tgname, t.tgenabled, t.tgfoid, t.tgtype,
       t.tgisinternal, t.tgconstraint, pg_get_triggerdef(t.oid))
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'routine', p.oid::text, concat_ws(':', p.proname, md5(p.prosrc), p.proconfig::text)
  FROM pg_proc p WHERE p.pronamespace IN {_PG_USER_NS}
UNION ALL SELECT 'type', t.oid::text, t.typname FROM pg_type t WHERE t.typnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'enum', e.enumtypid::text, e.enumlabel FROM pg_enum e
  JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typnamespace IN {_PG_USER_NS}
UNION ALL SELECT 'policy', p.oid::text, p.polname FROM pg_policy p
UNION ALL SELECT 'extension', e.oid::text, e.extname || ':' || e.extversion FROM pg_extension e
UNION ALL SELECT 'event trigger', e.oid::text, e.evtname FROM pg_event_trigger e
UNION ALL SELECT 'setting', s.setrole::text, s.setconfig::text FROM pg_db_role_setting s
  WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL SELECT 'rls', c.oid::text, c.relrowsecurity::text FROM pg_class c
  WHERE c.relnamespace IN {_PG_USER_NS} AND c.relrowsecurity
"""


class _PostgresRecycler(_Recycler):
    _pg = True

    def _busy(self, name: str) -> bool:
        with self.provider._admin.connect() as a:
            return bool(a.execute(text(
                "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend')"  # not autovacuum
                " + (SELECT count(*) FROM pg_prepared_xacts WHERE database = :n)"), {"n": name}).scalar())

    def _tables(self, c, name: str) -> list[str]:
        return [r[0] for r in c.execute(text(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid ="
            f" c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.oid IN {_PG_USER_NS} ORDER BY 1"))]

    def _q(self, name: str, table: str) -> str:
        return table  # already quoted by format('%I.%I')

    def _triggers(self, c, name: str) -> dict:
        return {(r[0], r[1]): r[2] for r in c.execute(text(
            "SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            f" JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN {_PG_USER_NS} AND NOT t.tgisinternal"))}

    def _fingerprint(self, c, name: str) -> str:
        return _digest(c.execute(text(_PG_FINGERPRINT)))

    def _seeded(self, c, name: str) -> dict:
        return {t: c.execute(text(f"SELECT coalesce(json_agg(x ORDER BY x::text)::text, '[]') FROM {t} x"))
                .scalar() for t in self.seeded}

    def _counters(self, c, name: str) -> dict:
        return {r[0]: (r[1], r[2]) for r in c.execute(text(
            "SELECT format('%I.%I', schemaname, sequencename), last_value, start_value FROM pg_sequences"))}

    def _empty(self, c, name: str) -> None:
        rows = dict(zip(self.tables, self._has_rows(c, name), strict=True))
        dirty = [t for t in self.tables if rows[t] and t not in self.seeded]
        seeded = self._seeded(c, name)
        if dirty or seeded != self.state["seeded"]:
            # session_replication_role = replica: no triggers fire (neither the append-only ones nor the
            # foreign-key checks), so a plain DELETE empties any table in any order; much faster than TRUNCATE,
            # which makes new files for every table (and every table referencing it) and syncs them.
            c.execute(text("SET LOCAL session_replication_role = replica"))
            for t in dirty + self.seeded:
                c.execute(text(f"DELETE FROM {t}"))
            for t in self.seeded:
                c.execute(text(f"INSERT INTO {t} SELECT * FROM json_populate_recordset(NULL::{t}, "
                               "CAST(:rows AS json))"), {"rows": self.state["seeded"][t]})
        for seq, (last, _start) in self._counters(c, name).items():
            want = self.state["counters"].get(seq, (None, None))[0]
            if last == want:
                continue
            if want is None:
                c.execute(text(f"ALTER SEQUENCE {seq} RESTART"))
            else:
                c.execute(text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": seq, "v": want})

    def _drop_tables(self, c, name: str, tables: list[str]) -> None:
        c.execute(text(f"DROP TABLE {', '.join(tables)} CASCADE"))


_MARIADB_FINGERPRINT = """
SELECT 'table', table_name, CONCAT_WS(':', table_type, engine, table_collation, create_options)
  FROM information_schema.tables WHERE table_schema = :s
UNION ALL SELECT 'column', table_name, CONCAT_WS(':', ordinal_position, column_name, column_type, is_nullable,
       column_default, collation_name, extra, generation_expression)
  FROM information_schema.columns WHERE table_schema = :s
UNION ALL SELECT 'index', table_name, CONCAT_WS(':', index_name, seq_in_index, column_name, non_unique, sub_part)
  FROM information_schema.statistics WHERE table_schema = :s
UNION ALL SELECT 'constraint', table_name, CONCAT_WS(':', constraint_name, constraint_type)
  FROM information_schema.table_constraints WHERE constraint_schema = :s
UNION ALL SELECT 'key', table_name, CONCAT_WS(':', constraint_name, column_name, ordinal_position,
       referenced_table_name, referenced_column_name)
  FROM information_schema.key_column_usage WHERE constraint_schema = :s
UNION ALL SELECT 'fk', table_name, CONCAT_WS(':', constraint_name, update_rule, delete_rule)
  FROM information_schema.referential_constraints WHERE constraint_schema = :s
UNION ALL SELECT 'check', table_name, CONCAT_WS(':', constraint_name, check_clause)
  FROM information_schema.check_constraints WHERE constraint_schema = :s
UNION ALL SELECT 'trigger', event_object_table, CONCAT_WS(':', trigger_name, event_manipulation, action_order,
       action_timing, action_statement, sql_mode)
  FROM information_schema.triggers WHERE trigger_schema = :s
UNION ALL SELECT 'routine', routine_name, CONCAT_WS(':', routine_type, MD5(routine_definition))
  FROM information_schema.routines WHERE routine_schema = :s
UNION ALL SELECT 'view', table_name, MD5(REPLACE(view_definition, :s, ''))
  FROM information_schema.views WHERE table_schema = :s
UNION ALL SELECT 'event', event_name, '' FROM information_schema.events WHERE event_schema = :s
"""


class _MariaDBRecycler(_Recycler):
    def __init__(self, provider: DatabaseProvider, name: str, url: str) -> None:
        with provider._admin.connect() as a:
            self.guarded = {r[0] for r in a.execute(text(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_schema = :s"
                " AND event_manipulation = 'DELETE'"), {"s": name})}
        super().__init__(provider, name, url)

    def _busy(self, name: str) -> bool:
        with self.provider._admin.connect() as a:
            return bool(a.execute(text("SELECT count(*) FROM information_schema.processlist WHERE db = :n"),
                                  {"n": name}).scalar())

    def _tables(self, c, name: str) -> list[str]:
        return [r[0] for r in c.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :s AND table_type ="
            " 'BASE TABLE' ORDER BY table_name"), {"s": name})]

    def _q(self, name: str, table: str) -> str:
        return f"`{name}`.`{table}`"

    def _triggers(self, c, name: str) -> dict:
        names = c.execute(text("SELECT event_object_table, trigger_name FROM information_schema.triggers"
                               " WHERE trigger_schema = :s ORDER BY action_order"), {"s": name}).all()
        # SHOW CREATE TRIGGER: the statement _copy_mariadb_schema makes every copy's triggers with
        return {(t, n): c.execute(text(f"SHOW CREATE TRIGGER `{name}`.`{n}`")).one()[2] for t, n in names}

    def _fingerprint(self, c, name: str) -> str:
        return _digest(c.execute(text(_MARIADB_FINGERPRINT), {"s": name}))

    def _seeded(self, c, name: str) -> dict:
        if not self.seeded:
            return {}
        # the rows themselves (CHECKSUM TABLE would hide a change that keeps the checksum)
        return {t: _digest(c.execute(text(f"SELECT * FROM {self._q(name, t)}"))) for t in self.seeded}

    def _counters(self, c, name: str) -> dict:
        return {r[0]: r[1] for r in c.execute(text(
            "SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = :s"),
            {"s": name})}

    def _empty(self, c, name: str) -> None:
        rows = dict(zip(self.tables, self._has_rows(c, name), strict=True))
        counters = self._counters(c, name)
        dirty = [t for t in self.tables
                 if (rows[t] and t not in self.seeded) or counters.get(t) != self.state["counters"].get(t)]
        if not dirty and self._seeded(c, name) == self.state["seeded"]:
            return
        template = self.provider._template
        guarded = self.guarded
        c.execute(text("SET SESSION FOREIGN_KEY_CHECKS = 0"))
        try:
            # a table with a DELETE trigger (the append-only ones) is emptied by TRUNCATE, which fires no
            # triggers but makes a new file (~50 ms); the others by DELETE in one transaction (~1 ms)
            for t in dict.fromkeys(dirty + self.seeded):
                if t in guarded:
                    c.execute(text(f"TRUNCATE TABLE {self._q(name, t)}"))
            c.commit()
            for t in dict.fromkeys(dirty + self.seeded):
                if t not in guarded:
                    c.execute(text(f"DELETE FROM {self._q(name, t)}"))
            for t in self.seeded:
                c.execute(text(f"INSERT INTO {self._q(name, t)} SELECT * FROM {self._q(template, t)}"))
            c.commit()
            counters = self._counters(c, name)
            for t in self.tables:
                if counters.get(t) != self.state["counters"].get(t):
                    c.execute(text(f"ALTER TABLE {self._q(name, t)} AUTO_INCREMENT = "
                                   f"{int(self.state['counters'].get(t) or 1)}"))
        finally:
            c.execute(text("SET SESSION FOREIGN_KEY_CHECKS = 1"))

    def _drop_tables(self, c, name: str, tables: list[str]) -> None:
        c.execute(text("SET SESSION FOREIGN_KEY_CHECKS = 0"))
        try:
            c.execute(text(f"DROP TABLE {', '.join(self._q(name, t) for t in tables)}"))
        finally:
            c.execute(text("SET SESSION FOREIGN_KEY_CHECKS = 1"))
