"""Engine factory: one URL in, an engine tuned for its backend out.

SQLite: WAL, foreign keys on, busy timeout, configurable synchronous, and write transactions that start with
BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of failing with "database is locked" when
a reader upgrades to a writer. PostgreSQL (psycopg 3) and MariaDB (PyMySQL): READ COMMITTED, pre-ping.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event

from erp_core.config import Settings, backend_of


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", busy_timeout_ms: int = 10000,
                echo: bool = False) -> Engine:
    backend = backend_of(url)
    if backend == "sqlite":
        return _sqlite_engine(url, sqlite_synchronous, busy_timeout_ms, echo)
    kwargs: dict = {"pool_pre_ping": True, "isolation_level": "READ COMMITTED", "echo": echo,
                    "pool_size": 5, "max_overflow": 10}
    if backend == "mariadb":
        kwargs["pool_recycle"] = 3600
    return create_engine(url, **kwargs)


def engine_from_settings(settings: Settings) -> Engine:
    if settings.backend == "sqlite":
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous,
                       busy_timeout_ms=settings.sqlite_busy_timeout_ms)


def _sqlite_engine(url: str, synchronous: str, busy_timeout_ms: int, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                          "timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from the driver so BEGIN is ours (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
