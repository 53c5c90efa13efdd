"""The test databases themselves (tests/support/databases.py): on PostgreSQL and MariaDB a used database is
reset and handed to the next test instead of being dropped and created again. These tests prove a reset
database is as good as a new clone of the migrated template, and that a database whose schema a test changed
(or that something still holds open) is never reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from erp_core.config import Settings
from erp_core.db.engine import make_engine
from erp_core.db.uow import Database
from tests.conftest import _provider
from tests.support.factories import make_company

# the rows a fresh migrated database holds (MariaDB also the positions 1..200 the lead-name grams are cut with,
# migration 0043_crm5; PostgreSQL uses generate_series)
_BASE = {"alembic_version", "actor_generation", "audit_chain_head", "master_data_stamp"}
SEEDED = {"postgresql": _BASE, "mariadb": _BASE | {"crm_gram_pos"}}


def _open(url: str) -> Database:
    return Database(make_engine(url), Settings(database_url=url, data_dir=Path(os.environ.get("TMPDIR", "/tmp"))))


def _contents(url: str) -> dict[str, list]:
    """Every table's rows (sorted), read without the application."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            return {t: sorted(map(repr, c.execute(text(f"SELECT * FROM {t}")).all()))
                    for t in sorted(inspect(c).get_table_names())}
    finally:
        engine.dispose()


@pytest.fixture
def provider(backend, _providers, tmp_path_factory, worker_id):
    return _provider(_providers, backend, tmp_path_factory, worker_id)


def test_a_reset_database_is_as_good_as_new(db_url, backend, provider):
    if backend == "sqlite":  # SQLite copies a file per test (cheap) and deletes it after
        assert provider._recycler is None
        return
    new = _contents(db_url)
    assert {t: rows for t, rows in new.items() if rows}.keys() == SEEDED[backend]
    db = _open(db_url)
    first = make_company(db)  # rows in many tables, among them the append-only audit_log
    with db.engine.begin() as c:  # a seeded row changed without changing the row count
        c.execute(text("UPDATE actor_generation SET generation = generation + 7"))
    db.engine.dispose()
    assert _contents(db_url) != new

    assert provider._recycler.reset(db_url) is True
    assert _contents(db_url) == new
    db = _open(db_url)
    try:
        again = make_company(db)  # identity / auto-increment counters start over, as in a new database
        assert (again.company_id, again.admin_user_id) == (first.company_id, first.admin_user_id)
    finally:
        db.engine.dispose()


@pytest.mark.parametrize("change", ["column", "index", "trigger"])
def test_a_database_whose_schema_changed_is_not_reused(db_url, backend, provider, change):
    if backend == "sqlite":
        assert provider._recycler is None
        return
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as c:
        if change == "column":
            c.execute(text("ALTER TABLE actor_generation ADD COLUMN zz INTEGER"))
        elif change == "index":
            c.execute(text("CREATE INDEX zz_ix ON actor_generation (generation)"))
        elif backend == "postgresql":
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:  # a trigger replaced by another of the same name (a dropped one is put back: the next test)
            c.execute(text("DROP TRIGGER trg_audit_log_no_update"))
            c.execute(text("CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
                           "SET NEW.seq = NEW.seq"))
    engine.dispose()
    assert provider._recycler.reset(db_url) is False


def test_an_append_only_guard_a_test_dropped_is_put_back_and_the_database_reused(db, db_url, backend, provider):
    """Tests that tamper with a ledger drop its guard first (erp_core.db.append_only.drop_ddl); the reset creates
    the missing triggers again as the migrations made them, and the next test finds the guard working."""
    if backend == "sqlite":
        assert provider._recycler is None
        return
    from erp_core.db.append_only import drop_ddl, is_append_only_violation

    make_company(db)
    db.engine.dispose()
    new = _contents(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as c:
        for stmt in drop_ddl(engine.dialect.name, "audit_log"):
            c.exec_driver_sql(stmt)
        c.execute(text("UPDATE audit_log SET action = 'tampered'"))  # nothing refuses it now
    engine.dispose()
    assert provider._recycler.reset(db_url) is True
    assert {t: rows for t, rows in _contents(db_url).items() if rows}.keys() == SEEDED[backend]
    assert new != _contents(db_url)
    make_company(db)
    db.engine.dispose()
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as c:
            with pytest.raises(Exception) as refused:
                c.execute(text("UPDATE audit_log SET action = 'tampered'"))
        assert is_append_only_violation(refused.value)
    finally:
        engine.dispose()


def test_tables_a_test_made_for_itself_are_dropped_and_the_database_reused(db_url, backend, provider):
    """Test document types (tests/documents/doctype.py, tests/settlement/support.py) create their own tables,
    with foreign keys to the real ones; they go, the rest is reset as usual."""
    if backend == "sqlite":
        assert provider._recycler is None
        return
    new = _contents(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE zz_test_doc (id INTEGER PRIMARY KEY, company_id INTEGER, "
                       "FOREIGN KEY (company_id) REFERENCES company (id))"))
        c.execute(text("INSERT INTO zz_test_doc (id) VALUES (1)"))
    engine.dispose()
    assert provider._recycler.reset(db_url) is True
    assert _contents(db_url) == new


def test_a_database_still_in_use_is_not_reused(db_url, backend, provider):
    if backend == "sqlite":
        assert provider._recycler is None
        return
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as c:  # e.g. a child process or an engine a test forgot to dispose
        c.execute(text("SELECT 1"))
        assert provider._recycler.reset(db_url) is False
    engine.dispose()


def test_each_test_gets_its_own_empty_database(db_url, backend):
    """Two tests in a row on one worker: the second sees nothing of the first (run with the next test)."""
    assert make_url(db_url).database
    db = _open(db_url)
    try:
        with db.uow(readonly=True) as uow:
            from sqlalchemy import func, select

            from erp_core.masterdata.models import Company
            assert uow.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0
        make_company(db)
    finally:
        db.engine.dispose()


test_and_the_next_one_too = test_each_test_gets_its_own_empty_database


def _counters(url: str, backend: str) -> dict:
    """The identity / auto-increment counters (SQLite keeps them in sqlite_sequence, a table: in _contents)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            if backend == "postgresql":
                sql = "SELECT sequencename, last_value FROM pg_sequences"
            elif backend == "mariadb":
                sql = ("SELECT table_name, auto_increment FROM information_schema.tables"
                       " WHERE table_schema = DATABASE()")
            else:
                return {}
            return dict(c.execute(text(sql)).all())
    finally:
        engine.dispose()


def test_a_copy_of_a_snapshot_holds_its_rows_and_counters_new_or_reused(company, db_url, backend, provider):
    """``company`` (and ``demo_year``) give each test a copy of a database built once per run: every row and every
    counter of the snapshot, in a new database and in one another test used before (reset, then filled)."""
    from tests.conftest import _company_snapshot

    snap = _company_snapshot(provider)
    source = f"sqlite:///{snap.source}" if backend == "sqlite" else provider._url(snap.source)
    want = _contents(source), _counters(source, backend)
    assert len([t for t, rows in want[0].items() if rows]) > 10
    assert (_contents(db_url), _counters(db_url, backend)) == want
    if backend == "sqlite":
        return
    used = provider.fresh()  # a database a test wrote to and that was reset, as the pool hands them out
    db = _open(used)
    try:
        make_company(db)
    finally:
        db.engine.dispose()
    assert provider._recycler.reset(used) is True
    provider._pool.append(used)
    again = provider.fresh_from(snap)
    assert again == used
    try:
        assert (_contents(again), _counters(again, backend)) == want
    finally:
        provider.release(again)
