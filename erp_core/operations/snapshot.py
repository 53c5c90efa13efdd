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
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def sqlite_pages(url: str, work: Path) -> Iterator[tuple[Path, int, sqlite3.Connection, str]]:
    """A consistent image of the live SQLite database to read page by page, and a connection that sees exactly
    that image (for the figures): yields (file, bytes to read, connection, how).

    Direct (``how`` = "direct"): the database file itself, read while a read transaction pins it. In WAL mode a
    TRUNCATE checkpoint first moves every committed page into the file and empties the log; the read
    transaction then starts, and if the log is still empty the file alone is that transaction's snapshot, and
    stays so while it is open (a reader that ignores the log holds SQLite's read-lock 0, which no checkpoint
    passes; a rollback-journal database: the shared lock keeps writers out of the file). No copy is made.
    Otherwise (a writer committed between the two, the checkpoint was busy): the online backup API copies the
    database into ``work`` (``how`` = "copy") and that copy is read."""
    path = sqlite_path(url)
    src = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        src.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        wal = src.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        direct = not wal or src.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        if direct:
            src.execute("BEGIN")
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot starts here
            log = Path(f"{path}-wal")
            direct = not wal or not log.exists() or log.stat().st_size == 0
            if direct:
                size = src.execute("PRAGMA page_size").fetchone()[0] * src.execute("PRAGMA page_count").fetchone()[0]
                try:
                    yield path, size, src, "direct"
                finally:
                    src.execute("ROLLBACK")
                return
            src.execute("ROLLBACK")
        dest = work / "db.sqlite"
        out = sqlite3.connect(str(dest))
        try:
            src.backup(out, pages=4096)
        finally:
            out.close()
        copy = sqlite3.connect(f"file:{dest}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        try:
            copy.execute("BEGIN")
            yield dest, dest.stat().st_size, copy, "copy"
            copy.execute("ROLLBACK")
        finally:
            copy.close()
            dest.unlink(missing_ok=True)
    finally:
        src.close()


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
