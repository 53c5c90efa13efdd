"""Append-only guards (DESIGN.md rule 4): database triggers made by erp_core/db/append_only.py refuse UPDATE
and DELETE of posted rows on every backend, whatever code (or person with a SQL prompt) tries it."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import drop_ddl, guard_ddl, is_append_only_violation
from erp_core.security.models import AuditLog
from tests.support.factories import make_company

_meta = MetaData()
POSTING = Table(
    "ao_test_posting", _meta,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("posted", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("memo", String(40)),
)


@pytest.fixture
def engine(empty_db_url):
    """erp_core's engine over an empty database: the guard tests bring their own table."""
    from erp_core.db.engine import make_engine

    eng = make_engine(empty_db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def guarded(engine):
    """The test table, with posted rows (posted = 1) guarded the way a migration guards a ledger."""
    _meta.create_all(engine)
    with engine.begin() as conn:
        for stmt in guard_ddl(engine.dialect.name, POSTING.name, when_old="OLD.posted = 1"):
            conn.execute(text(stmt))
        conn.execute(insert(POSTING), [
            {"id": 1, "posted": 1, "amount_fen": 12345, "memo": "posted"},
            {"id": 2, "posted": 0, "amount_fen": 500, "memo": "draft"},
        ])
    yield POSTING
    with engine.begin() as conn:
        for stmt in drop_ddl(engine.dialect.name, POSTING.name):
            conn.execute(text(stmt))
    _meta.drop_all(engine)


def _refused(engine, stmt) -> DBAPIError:
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(stmt)
    assert is_append_only_violation(err.value), f"refused, but not by the guard: {err.value.orig!r}"
    return err.value


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(POSTING).order_by(POSTING.c.id))]


def test_insert_works(engine, guarded):
    with engine.begin() as conn:
        conn.execute(insert(guarded).values(id=3, posted=1, amount_fen=-12345, memo="reversal"))
    assert _rows(engine)[-1] == (3, 1, -12345, "reversal")


def test_update_of_a_posted_row_is_refused(engine, guarded):
    before = _rows(engine)
    _refused(engine, update(guarded).where(guarded.c.id == 1).values(amount_fen=1))
    _refused(engine, update(guarded).values(memo="all rows"))  # a bulk update is refused as a whole
    assert _rows(engine) == before


def test_delete_of_a_posted_row_is_refused(engine, guarded):
    before = _rows(engine)
    _refused(engine, delete(guarded).where(guarded.c.id == 1))
    _refused(engine, delete(guarded))
    assert _rows(engine) == before


def test_unposted_rows_stay_editable(engine, guarded):
    with engine.begin() as conn:
        conn.execute(update(guarded).where(guarded.c.id == 2).values(amount_fen=600))
    with engine.begin() as conn:
        conn.execute(delete(guarded).where(guarded.c.id == 2))
    assert [r[0] for r in _rows(engine)] == [1]


def test_unconditional_guard_protects_every_row(engine):
    _meta.create_all(engine)
    try:
        with engine.begin() as conn:
            for stmt in guard_ddl(engine.dialect.name, POSTING.name):
                conn.execute(text(stmt))
            conn.execute(insert(POSTING).values(id=1, posted=0, amount_fen=1))
        _refused(engine, update(POSTING).values(amount_fen=2))
        _refused(engine, delete(POSTING))
    finally:
        with engine.begin() as conn:
            for stmt in drop_ddl(engine.dialect.name, POSTING.name):
                conn.execute(text(stmt))
        _meta.drop_all(engine)


def test_guard_ddl_also_runs_as_plain_driver_sql(engine):
    """The statements carry no '%', so a driver that reads '%' as a placeholder (psycopg through
    exec_driver_sql) takes them as they are; the message still names the table."""
    _meta.create_all(engine)
    try:
        with engine.begin() as conn:
            for stmt in guard_ddl(engine.dialect.name, POSTING.name):
                assert "%" not in stmt
                conn.exec_driver_sql(stmt)
            conn.execute(insert(POSTING).values(id=1, posted=1, amount_fen=1))
        with pytest.raises(DBAPIError) as err, engine.begin() as conn:
            conn.execute(update(POSTING).values(amount_fen=2))
        assert is_append_only_violation(err.value) and POSTING.name in str(err.value.orig)
    finally:
        with engine.begin() as conn:
            for stmt in drop_ddl(engine.dialect.name, POSTING.name):
                conn.exec_driver_sql(stmt)
        _meta.drop_all(engine)


def test_dropping_the_guard_lifts_it(engine, guarded):
    with engine.begin() as conn:
        for stmt in drop_ddl(engine.dialect.name, guarded.name):
            conn.execute(text(stmt))
    with engine.begin() as conn:
        conn.execute(update(guarded).where(guarded.c.id == 1).values(amount_fen=1))
    assert _rows(engine)[0][2] == 1


def test_other_database_errors_are_not_mistaken_for_the_guard(engine, guarded):
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(insert(guarded).values(id=1, posted=0, amount_fen=1))  # duplicate primary key
    assert not is_append_only_violation(err.value)
    assert not is_append_only_violation(ValueError("append-only"))


def test_the_audit_log_is_guarded_by_its_migration(db):
    make_company(db)
    with db.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    assert count >= 1
    table = AuditLog.__table__
    _refused(db.engine, update(table).values(action="tampered"))
    _refused(db.engine, delete(table))
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditLog)).scalar_one() == count


def _guarded_by_migrations() -> set[str]:
    """Tables some migration's upgrade() guards with create_guard(op, "<table>", ...)."""
    import ast
    from pathlib import Path

    from erp_core.db.migrate import MIGRATIONS_DIR

    tables: set[str] = set()
    for path in sorted(Path(MIGRATIONS_DIR, "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in tree.body:
            if isinstance(fn, ast.FunctionDef) and fn.name == "upgrade":
                for node in ast.walk(fn):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "create_guard" \
                            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                        tables.add(node.args[1].value)
    return tables


def test_every_guarded_table_is_still_guarded_at_head(db, backend):
    """A later migration that rebuilds a table (SQLite's batch mode copies it into a new table) silently drops
    its triggers: every table a migration guarded must still carry both guards at head."""
    from erp_core.db.append_only import _name

    guarded = _guarded_by_migrations()
    assert {"audit_log", "gl_line", "posting"} <= guarded
    sql = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
           "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"}.get(
        backend, "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()")
    with db.engine.connect() as conn:
        triggers = {r[0] for r in conn.execute(text(sql))}
    missing = sorted(_name(t, e) for t in guarded for e in ("update", "delete") if _name(t, e) not in triggers)
    assert not missing, f"append-only guards lost on {backend}: {missing}"
