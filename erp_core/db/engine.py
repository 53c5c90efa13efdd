"""Engine factory: one URL in, an engine tuned for its backend out.

SQLite: WAL, foreign keys on, busy timeout, configurable synchronous, and write transactions that start with
BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of failing with "database is locked" when
a reader upgrades to a writer. PostgreSQL (psycopg 3) and MariaDB (PyMySQL): READ COMMITTED, pre-ping.

Every file-backed engine has a bounded connection pool sized by the settings ([database] pool_size,
pool_max_overflow, pool_timeout_s). A caller that cannot get a connection within the timeout gets
:class:`Busy` (``error.busy``, "busy, try again"), which the UI and CLI render like any DomainError, instead of
SQLAlchemy's TimeoutError.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool

from erp_core.config import Settings, backend_of
from erp_core.kernel.errors import Busy

# SQLite's automatic checkpoint runs after a commit once the log holds this many pages (SQLite's default: 1,000,
# 4 MiB). A checkpoint that empties the log lets the next writer reset it, and then the next incremental backup
# cannot take the changed pages from the log and compares the whole file instead (operations/waltrack.py).
# Backups checkpoint the log themselves; this is the ceiling between two backups (256 MiB of 4 KiB pages).
WAL_AUTOCHECKPOINT_PAGES = 65536

__all__ = ["Busy", "BusyQueuePool", "engine_from_settings", "make_engine", "private_file"]


class BusyQueuePool(QueuePool):
    """A QueuePool whose exhaustion is a DomainError (the request is refused whole; nothing was written)."""

    def _do_get(self):
        try:
            return super()._do_get()
        except sa_exc.TimeoutError as exc:
            raise Busy() from exc


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", busy_timeout_ms: int = 10000,
                echo: bool = False, pool_size: int = 5, max_overflow: int = 10,
                pool_timeout: float = 10.0) -> Engine:
    backend = backend_of(url)
    pool = {"poolclass": BusyQueuePool, "pool_size": pool_size, "max_overflow": max_overflow,
            "pool_timeout": pool_timeout}
    if backend == "sqlite":
        return _sqlite_engine(url, sqlite_synchronous, busy_timeout_ms, echo, pool)
    kwargs: dict = {"pool_pre_ping": True, "isolation_level": "READ COMMITTED", "echo": echo, **pool}
    if backend == "mariadb":
        kwargs["pool_recycle"] = 3600
    return create_engine(url, **kwargs)


def engine_from_settings(settings: Settings) -> Engine:
    if settings.backend == "sqlite":
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            private_file(path)
    return make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous,
                       busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=settings.pool_size,
                       max_overflow=settings.pool_max_overflow, pool_timeout=settings.pool_timeout_s)


def private_file(path: str | os.PathLike) -> None:
    """Create the SQLite database file (if missing) readable and writable by its owner only (0600) before SQLite
    opens it; SQLite gives its -wal and -shm files the database file's mode. An existing world-readable file
    (created by an older release) is narrowed to 0600."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    if p.stat().st_mode & 0o077:
        p.chmod(0o600)


def _sqlite_engine(url: str, synchronous: str, busy_timeout_ms: int, echo: bool, pool: dict) -> Engine:
    in_memory = url.rstrip("/").endswith(":memory:") or url in ("sqlite://", "sqlite+pysqlite://")
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                          "timeout": busy_timeout_ms / 1000},
                           **({} if in_memory else pool))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from the driver so BEGIN is ours (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
