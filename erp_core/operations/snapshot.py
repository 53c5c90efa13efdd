"""Consistent snapshots of the operational database and loading them back, one way per backend:

- SQLite: the database file read under a read transaction after a checkpoint, or else a copy by the online
  backup API (sqlite_pages);
- PostgreSQL: ``pg_dump`` (plain SQL, one row per COPY line) inside an exported snapshot, so the figures
  recorded beside the dump see exactly the dump's state; loaded with ``psql --single-transaction``;
- MariaDB: ``mariadb-dump --single-transaction`` (InnoDB consistent read); loaded with ``mariadb``.

The dump tools must be installed where the backup runs (Debian: postgresql-client, mariadb-client);
:func:`require_tool` fails with a clear message naming the missing program."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from erp_core.config import backend_of
from erp_core.kernel.errors import DomainError

PG_TOOLS = ("pg_dump", "psql")
CHECKPOINT_WAIT_MS = 5000  # how long a SQLite backup waits for readers before it copies instead (sqlite_pages)
MARIADB_TOOLS = ("mariadb-dump", "mariadb")


def require_tool(name: str) -> str:
    path = shutil.which(name) or (shutil.which("mysqldump") if name == "mariadb-dump" else None) or (
        shutil.which("mysql") if name == "mariadb" else None)
    if not path:
        raise DomainError("error.ops.tool_missing", tool=name)
    return path


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq understands it (no driver suffix)."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def _maria_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = [f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 3306}", f"--user={url.username or 'root'}",
            "--default-character-set=utf8mb4"]
    env = dict(os.environ)
    if url.password:
        env["MYSQL_PWD"] = str(url.password)
    return args, env


def _pg_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


_LIVE_FDS: dict[str, tuple[tuple[int, int], int]] = {}  # path -> ((device, inode), descriptor)
_LIVE_LOCK = threading.Lock()


def live_fd(path: Path) -> int:
    """A read-only descriptor of the live database file that this process does not close. POSIX drops ALL of
    a process's fcntl locks on a file when ANY descriptor of it is closed: a backup that opened and closed the
    file to read it took away the shared lock the app's own SQLite connections hold on it, and another process
    (the sqlite3 program) closing its connection then believed itself the last one, checkpointed and DELETED
    the log under the app's open connections ("file is not a database"). One descriptor per path, read with
    pread by any thread; when the path names another file (a restore replaced it) the old descriptor is
    closed — the replaced file has no connections left (restore.replace_live disposes them first)."""
    key_path = str(Path(path).resolve())
    st = os.stat(key_path)
    key = (st.st_dev, st.st_ino)
    with _LIVE_LOCK:
        held = _LIVE_FDS.get(key_path)
        if held is not None and held[0] == key:
            return held[1]
        fd = os.open(key_path, os.O_RDONLY)
        got = os.fstat(fd)
        _LIVE_FDS[key_path] = ((got.st_dev, got.st_ino), fd)
        if held is not None:
            os.close(held[1])
        return fd


@dataclass
class Pages:
    """What :func:`sqlite_pages` yields: the file to read, how many bytes of it, a connection that sees exactly
    that image (for the figures), how it was taken, and — when the log proves it — the pages changed since
    the backup whose WAL mark was given (None: compare the whole file)."""

    path: Path
    size: int
    con: sqlite3.Connection
    how: str
    changed: set[int] | None = None
    page_size: int = 4096
    pin: Callable[[], dict | None] = lambda: None  # the WAL mark for the next backup (call before leaving)


def _noop_write(path: Path) -> bool:
    """Commit a transaction that changes nothing a reader sees (``user_version`` set to itself): it writes a
    frame, so it begins a new log generation when the log was wholly checkpointed (waltrack.mark_after)."""
    w = sqlite3.connect(str(path), timeout=CHECKPOINT_WAIT_MS / 1000, isolation_level=None)
    try:
        w.execute("PRAGMA wal_autocheckpoint = 0")
        w.execute("BEGIN IMMEDIATE")
        version = int(w.execute("PRAGMA user_version").fetchone()[0])
        w.execute(f"PRAGMA user_version = {version}")
        w.execute("COMMIT")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        w.close()


@contextmanager
def sqlite_pages(url: str, work: Path, recorded: dict | None = None) -> Iterator[Pages]:
    """A consistent image of the live SQLite database to read page by page (:class:`Pages`).

    Direct (``how`` = "direct"), in WAL mode: the backup takes the write lock (writers wait), reads the log
    (waltrack: which pages changed since the backup that left ``recorded``), checkpoints every frame into the
    file (PASSIVE: readers are not waited for), then pins the file with a read transaction — a reader on the
    wholly checkpointed file holds SQLite's read-lock 0, which no checkpoint passes — and lets writers go on.
    The file is that read transaction's snapshot while it is open; no copy is made. A rollback-journal
    database: the shared lock keeps writers out of the file. Otherwise (the write lock not had within
    CHECKPOINT_WAIT_MS, or a reader on an older snapshot kept frames out of the file): the online backup API
    copies the database into ``work`` (``how`` = "copy"), which is read, and nothing is tracked."""
    from erp_core.operations import waltrack

    path = sqlite_path(url)
    src = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        src.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        wal = src.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        pinned = None
        if not wal:
            src.execute("BEGIN")
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            pinned = src
        else:
            pinned = _pin_checkpointed(path, src)
        if pinned is not None:
            reader, log, end = (pinned, None, 0) if not wal else pinned
            try:
                page_size = reader.execute("PRAGMA page_size").fetchone()[0]
                size = page_size * reader.execute("PRAGMA page_count").fetchone()[0]
                changed = (waltrack.changed_pages(path, log, recorded)
                           if wal and log is not None and len(log.pages) >= end else None)
                pin = ((lambda: waltrack.mark_after(path, log, end, lambda: _noop_write(path)))
                       if wal and (log is None or len(log.pages) >= end) else (lambda: None))
                yield Pages(path, size, reader, "direct", changed, page_size, pin)
            finally:
                reader.execute("ROLLBACK")
                if reader is not src:
                    reader.close()
            return
        dest = work / "db.sqlite"
        out = sqlite3.connect(str(dest))
        try:
            src.backup(out, pages=4096)
        finally:
            out.close()
        copy = sqlite3.connect(f"file:{dest}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        try:
            copy.execute("BEGIN")
            yield Pages(dest, dest.stat().st_size, copy, "copy")
            copy.execute("ROLLBACK")
        finally:
            copy.close()
            dest.unlink(missing_ok=True)
    finally:
        src.close()


def _pin_checkpointed(path: Path, src: sqlite3.Connection):
    """Under the write lock: read the log, checkpoint it wholly into the file, and open the read transaction
    that pins the file; returns (reader, log, frames the checkpoint saw) or None (busy: copy instead)."""
    from erp_core.operations import waltrack

    try:
        src.execute("BEGIN IMMEDIATE")  # writers wait from here: the log's end stays where it is read
    except sqlite3.OperationalError:
        return None
    try:
        log = waltrack.read_log(path)
        ck = sqlite3.connect(str(path), isolation_level=None)
        try:
            _busy, frames, done = ck.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            ck.close()
        if frames != done:
            return None  # a reader on an older snapshot keeps frames out of the file
        reader = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        return reader, log, max(frames, 0)
    finally:
        src.execute("ROLLBACK")


@contextmanager
def dump_stream(url: str) -> Iterator[tuple[subprocess.Popen, object]]:
    """Start the dump of a PostgreSQL or MariaDB database; yields (process, connection-or-None). For PostgreSQL
    the connection holds the exported snapshot the dump reads, so figures taken on it match the dump."""
    backend = backend_of(url)
    if backend == "postgresql":
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                               if url.startswith("postgresql://") else url)
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        try:
            conn.begin()
            snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            proc = subprocess.Popen(
                [require_tool("pg_dump"), "--format=plain", "--no-owner", "--no-privileges", "--encoding=UTF8",
                 f"--snapshot={snap}", "--dbname", libpq_url(url)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env(url))
            yield proc, conn
        finally:
            conn.close()
            engine.dispose()
    elif backend == "mariadb":
        u = make_url(url)
        args, env = _maria_args(u)
        proc = subprocess.Popen(
            [require_tool("mariadb-dump"), *args, "--single-transaction", "--routines", "--triggers",
             "--hex-blob", "--skip-comments", "--skip-dump-date", "--net-buffer-length=131072", u.database or ""],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        yield proc, None
    else:
        raise ValueError(f"no dump for backend {backend}")


def finish(proc: subprocess.Popen, tool: str) -> None:
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.wait() != 0:
        raise DomainError("error.ops.tool_failed", tool=tool, detail=err.strip()[-500:])


def _admin_engine(url: str):
    backend = backend_of(url)
    admin_url = make_url(url).set(database="postgres" if backend == "postgresql" else "")
    if backend == "postgresql" and admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def database_exists(url: str) -> bool:
    name = make_url(url).database
    engine = _admin_engine(url)
    try:
        with engine.connect() as c:
            if backend_of(url) == "postgresql":
                return c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None
            return c.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"),
                             {"n": name}).first() is not None
    finally:
        engine.dispose()


def ensure_database(url: str) -> None:
    """Create the (server) database ``url`` names when it does not exist yet; it must then be empty."""
    backend = backend_of(url)
    u = make_url(url)
    if backend == "sqlite":
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        return
    name = u.database or ""
    admin_url = u.set(database="postgres" if backend == "postgresql" else "")
    if backend == "postgresql" and admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            if backend == "postgresql":
                exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if not exists:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                c.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` "
                               "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    """Drop a scratch database (or delete a scratch SQLite file)."""
    backend = backend_of(url)
    u = make_url(url)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)
        return
    admin_url = u.set(database="postgres" if backend == "postgresql" else "")
    if backend == "postgresql" and admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            if backend == "postgresql":
                c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            else:
                c.execute(text(f"DROP DATABASE IF EXISTS `{u.database}`"))
    finally:
        engine.dispose()


def is_empty(url: str) -> bool:
    from sqlalchemy import inspect

    from erp_core.db.engine import make_engine

    if backend_of(url) == "sqlite" and not sqlite_path(url).exists():
        return True
    if backend_of(url) != "sqlite" and not database_exists(url):
        return True
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return not inspect(c).get_table_names()
    finally:
        engine.dispose()


def loader(url: str) -> subprocess.Popen:
    """A process reading SQL on stdin into the (existing, empty) database ``url``: one transaction on
    PostgreSQL, so a broken stream leaves nothing behind."""
    backend = backend_of(url)
    if backend == "postgresql":
        return subprocess.Popen(
            [require_tool("psql"), "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "--dbname", libpq_url(url)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_pg_env(url))
    u = make_url(url)
    args, env = _maria_args(u)
    return subprocess.Popen([require_tool("mariadb"), *args, "--binary-mode", u.database or ""],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
