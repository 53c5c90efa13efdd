"""Throwaway databases for tests on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from pathlib import Path

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


class DatabaseProvider:
    """Makes fresh databases for one backend and one xdist worker."""

    def __init__(self, backend: str, tmp: Path, worker_id: str) -> None:
        self.backend, self.tmp = backend, tmp
        self.prefix = f"erpt_{worker_id}_{uuid.uuid4().hex[:6]}"
        self._n = itertools.count()
        self._template: str | None = None
        self._admin = None
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
            if template:
                shutil.copyfile(self.tmp / f"{template}.db", self.tmp / f"{name}.db")
            return self._url(name)
        with self._admin.connect() as c:
            if self.backend == "postgresql":
                c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            else:
                c.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
                if template:
                    _copy_mariadb_schema(c, template, name)
        return self._url(name)

    def _migrate(self, url: str) -> None:
        from erp_core.db.engine import make_engine
        from erp_core.db.migrate import upgrade

        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    def empty(self) -> str:
        return self._create(f"{self.prefix}_{next(self._n)}")

    def fresh(self) -> str:
        name = f"{self.prefix}_{next(self._n)}"
        if self._template is None:
            self._template = f"{self.prefix}_template"
            self._migrate(self._create(self._template))
            if self.backend == "sqlite":
                _checkpoint(self._url(self._template))
        return self._create(name, self._template)

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
        if self._template and self.backend != "sqlite":
            self.drop(self._url(self._template))
        if self._admin is not None:
            self._admin.dispose()


def _checkpoint(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
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
