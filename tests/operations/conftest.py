"""Fixtures for the operations tests: a Database whose data folder and backup folder are this test's own
(never /tmp itself: a maintenance flag there would stop every other test run on the machine)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect, text

from erp_core.config import Settings, backend_of
from erp_core.db.engine import make_engine
from erp_core.db.uow import Database
from erp_core.operations import backup as bk


@pytest.fixture(autouse=True)
def _dump_tools(backend):
    """PostgreSQL and MariaDB backups need their dump tools: a machine without them fails loudly here."""
    need = {"postgresql": ("pg_dump", "psql"), "mariadb": ("mariadb-dump", "mariadb")}.get(backend, ())
    missing = [t for t in need if not shutil.which(t)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: backups of {backend} need them "
                    "(Debian: postgresql-client / mariadb-client)", pytrace=False)


@pytest.fixture
def ops_db(db_url, tmp_path) -> Database:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_text("test-secret-key-" + "k" * 40)
    (data / "uploads").mkdir()
    (data / "uploads" / "invoice.pdf").write_bytes(b"%PDF-1.4 test upload")
    settings = Settings(database_url=db_url, data_dir=data, backup_dir=tmp_path / "backups")
    database = Database(make_engine(db_url), settings)
    yield database
    database.dispose()


@pytest.fixture
def opts(ops_db, tmp_path) -> bk.Options:
    return bk.options_for(ops_db)


@pytest.fixture
def target_url(backend, ops_db, tmp_path):
    """URL of a database that does not exist yet (dropped after the test)."""
    from erp_core.operations import restore as rs
    from erp_core.operations import snapshot

    urls: list[str] = []

    def make() -> str:
        url = rs.scratch_url(ops_db, None, bk.Options(root=tmp_path / "targets"))
        urls.append(url)
        return url

    yield make
    for url in urls:
        snapshot.drop_database(url)


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: the table-by-table comparison of two databases."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_"))
            q = conn.dialect.identifier_preparer.quote
            out = {}
            for n in names:
                rows = [tuple(str(v) for v in r) for r in conn.execute(text(f"SELECT * FROM {q(n)}"))]
                out[n] = sorted(rows)
            return out
    finally:
        engine.dispose()


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def populate(db: Database):
    """The demo company (no year of business: a test wanting that asks for the ``demo_year`` fixture)."""
    from tests.support.factories import make_company

    return make_company(db, load_demo=True)


def add_customers(db: Database, company, n: int, prefix: str) -> None:
    from erp_core.masterdata import partners_services
    from tests.support.factories import admin_actor

    admin = admin_actor(db, company)
    for i in range(n):
        partners_services.create_customer(db, admin, values={"code": f"{prefix}{i}", "name": f"客户{prefix}{i}"})


__all__ = ["add_customers", "backend_of", "populate", "table_rows", "url_of"]
