"""The engine factory tunes each backend (erp_core/db/engine.py): what it promises, checked on the real thing."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from erp_core.db.engine import make_engine
from erp_core.db.uow import is_lock_error
from erp_core.masterdata.models import Company, Department


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.session.add(Department(company_id=987654, code="X", name="孤儿部门"))
        uow.commit()


def test_chinese_and_emoji_text_round_trip(db, company):
    name = "长沙湘江商贸 · 销售部 😀 ①"
    with db.uow() as uow:
        dept = Department(company_id=company.company_id, code="D1", name=name)
        uow.session.add(dept)
        uow.commit()
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(Department.name)).scalar_one() == name


def test_timestamps_default_to_naive_utc_now(db):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.uow() as uow:
        c = Company(name="时间公司", tax_id="91110000000000000X")
        uow.session.add(c)
        uow.commit()
    with db.uow(readonly=True) as uow:
        created = uow.session.get(Company, c.id).created_at
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert created.tzinfo is None
    assert before - dt.timedelta(seconds=1) <= created <= after + dt.timedelta(seconds=1)


def test_server_backends_read_committed(db, backend):
    if backend == "sqlite":
        pytest.skip("SQLite has no isolation levels to choose (writers are serialised)")
    with db.engine.connect() as conn:
        level = conn.get_isolation_level()
    assert level == "READ COMMITTED"


# --- SQLite specifics --------------------------------------------------------------------------------------

@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'e.db'}"


@pytest.mark.parametrize(("mode", "value"), [("NORMAL", 1), ("FULL", 2)])
def test_sqlite_pragmas(sqlite_url, mode, value):
    engine = make_engine(sqlite_url, sqlite_synchronous=mode, busy_timeout_ms=4321)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == value
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
            # backups take the changed pages from the log between their own checkpoints (operations/waltrack)
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 65536
    finally:
        engine.dispose()


def test_sqlite_writers_queue_instead_of_failing(sqlite_url):
    """BEGIN IMMEDIATE: a second writer waits for the first (busy timeout) rather than failing with
    'database is locked' when it upgrades from reader to writer."""
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    errors: list[BaseException] = []
    holding = threading.Event()

    def first() -> None:
        with engine.begin() as conn:
            n = conn.execute(text("SELECT n FROM counter")).scalar_one()
            holding.set()
            time.sleep(0.4)
            conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    def second() -> None:
        holding.wait()
        try:
            with engine.begin() as conn:
                n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    try:
        assert not errors, errors
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 2  # no lost update
    finally:
        engine.dispose()


def test_sqlite_readers_do_not_wait_for_a_writer(sqlite_url):
    """Read-only units of work start DEFERRED: with WAL they read the last committed state at once."""
    from erp_core.config import Settings
    from erp_core.db.uow import Database

    engine = make_engine(sqlite_url)
    db = Database(engine, Settings(database_url=sqlite_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    try:
        with engine.begin() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))  # holds the write lock, uncommitted
            started = time.monotonic()
            with db.uow(readonly=True) as uow:
                assert uow.session.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
            assert time.monotonic() - started < 5  # a waiting reader would take the 10 s busy timeout
    finally:
        engine.dispose()


def test_lock_errors_are_recognised(sqlite_url):
    engine = make_engine(sqlite_url, busy_timeout_ms=100)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        with engine.begin() as holder:
            holder.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(DBAPIError) as err, engine.begin() as other:
                other.execute(text("INSERT INTO t VALUES (2)"))
        assert is_lock_error(err.value)
        assert not is_lock_error(ValueError("database is locked"))
    finally:
        engine.dispose()
