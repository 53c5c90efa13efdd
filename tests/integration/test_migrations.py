"""Migrations are the only way the schema changes (DESIGN.md rule 10), so they must match the models exactly
and must run forwards and backwards on every backend.

This is every module author's safety net: a column, index, constraint or table declared in a models.py but
missing from (or different in) the migrations fails here with a readable list of the differences.
"""

from __future__ import annotations

import pprint

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, Column, Engine, Index, MetaData, String, Table, inspect

from erp_core.crm.leads.search import SEARCH_OBJECTS
from erp_core.db.engine import make_engine
from erp_core.db.migrate import current_revision, downgrade, head_revision, upgrade
from erp_core.db.models import metadata
from erp_core.db.types import ScaledDecimal


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare what the database can tell apart. Our exact types are TypeDecorators (ScaledDecimal stores
    BIGINT, UtcDateTime a DATETIME variant): compare their storage type, not the Python wrapper."""
    if isinstance(metadata_type, ScaledDecimal):
        # Money/Quantity must be stored as a 64-bit integer: anything else (INTEGER, NUMERIC, REAL) is drift.
        if not isinstance(inspected_type, BigInteger):
            return True
        return False
    return None  # alembic's own comparison for everything else


def _include_name(name, type_, parent_names) -> bool:
    """Leave out what a migration makes on purpose outside the models: the lead search's FTS5 table (and its
    shadow tables) on SQLite and its pg_trgm indexes on PostgreSQL (erp_core/crm/leads/search.py)."""
    return name not in SEARCH_OBJECTS


def _diffs(engine: Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": _compare_type,
                                                     "compare_server_default": False,
                                                     "include_name": _include_name})
        return compare_metadata(ctx, metadata)


def _describe(diff) -> str:
    """One readable line per difference ("+" = declared in a model but missing in the migrations)."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return "; ".join(_describe(d) for d in diff)
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        sign = "+" if kind == "add_table" else "-"
        return f"{sign} table {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        sign = "+" if kind == "add_column" else "-"
        return f"{sign} column {diff[2]}.{diff[3].name} {diff[3].type!r}"
    if kind in ("add_index", "remove_index"):
        sign = "+" if kind == "add_index" else "-"
        ix = diff[1]
        return f"{sign} index {ix.name} on {ix.table.name}({', '.join(c.name for c in ix.columns)})"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        sign = "+" if kind.startswith("add") else "-"
        c = diff[1]
        return f"{sign} {kind.split('_', 1)[1]} {c.name} on {c.table.name}"
    if kind.startswith("modify_"):
        _, _, table, column, _, existing, new = diff
        return f"~ {kind[7:]} of {table}.{column}: migrations {existing!r}, models {new!r}"
    return pprint.pformat(diff, width=140)


def _format(diffs: list) -> str:
    return "\n".join("  " + _describe(d) for d in diffs)


@pytest.fixture
def engine(empty_db_url):
    eng = make_engine(empty_db_url)
    yield eng
    eng.dispose()


def test_models_and_migrations_do_not_drift(engine, backend):
    upgrade(engine)
    _assert_the_comparison_catches_drift(engine)
    diffs = _diffs(engine)
    if diffs:
        pytest.fail(
            f"models (erp_core/*/models*.py) and migrations (db/migrations/versions) differ on {backend}; "
            f"fix the migration so it creates exactly what the models declare:\n{_format(diffs)}",
            pytrace=False)


def _assert_the_comparison_catches_drift(engine) -> None:
    """The comparison itself is meaningful: a table, column or index the migrations forgot is reported (and our
    exact types produce no false positives, or the drift test would fail on every backend)."""
    extra = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(extra)
    audit = extra.tables["audit_log"]
    audit.append_column(Column("not_in_migrations", String(10)))
    Index("ix_audit_log_not_in_migrations", audit.c.not_in_migrations)
    Table("table_not_in_migrations", extra, Column("id", BigInteger, primary_key=True))
    already = {_describe(d) for d in _diffs(engine)}
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": _compare_type, "include_name": _include_name})
        found = {_describe(d) for d in compare_metadata(ctx, extra)} - already
    assert found == {"+ table table_not_in_migrations",
                     "+ column audit_log.not_in_migrations String(length=10)",
                     "+ index ix_audit_log_not_in_migrations on audit_log(not_in_migrations)"}, found


def test_migrations_run_down_and_up_again(engine, backend):
    """Upgrade from empty to head, downgrade to base in one go, upgrade, then downgrade one revision at a time
    (each downgrade undoes exactly its own upgrade) and upgrade once more: always the same schema."""
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables_at_head = set(inspect(engine).get_table_names())
    assert "audit_log" in tables_at_head
    at_head = _format(_diffs(engine))  # drift against the models is the test above's business

    downgrade(engine, "base")
    assert current_revision(engine) is None
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert not left, f"downgrade to base left tables behind on {backend}: {sorted(left)}"
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == tables_at_head
    assert _format(_diffs(engine)) == at_head

    steps = 0
    while current_revision(engine) is not None:
        before = current_revision(engine)
        downgrade(engine, "-1")
        assert current_revision(engine) != before
        steps += 1
        assert steps < 100
    assert not set(inspect(engine).get_table_names()) - {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _format(_diffs(engine)) == at_head


def test_money_column_stored_as_non_bigint_is_drift():
    """A Money() column created as INTEGER/NUMERIC in a migration would silently lose range or exactness."""
    from sqlalchemy import Integer, Numeric

    assert _compare_type(None, None, None, Integer(), ScaledDecimal(2)) is True
    assert _compare_type(None, None, None, Numeric(18, 2), ScaledDecimal(2)) is True
    assert _compare_type(None, None, None, BigInteger(), ScaledDecimal(2)) is False


def test_upgrade_keeps_existing_data(db, backend):
    """An installation with data (the demo company) goes back to the first revision and forward to head again:
    every later migration must cope with rows already present (new NOT NULL columns need a server default,
    new constraints must hold for old rows) and the audit chain must survive (DESIGN.md rule 10)."""
    from sqlalchemy import func, select

    from erp_core.checks import run_checks
    from erp_core.masterdata.models import Company
    from erp_core.security.models import AuditLog, User
    from tests.support.factories import make_company

    make_company(db, load_demo=True)

    def counts() -> tuple[int, int, int]:
        with db.uow(readonly=True) as uow:
            return tuple(uow.session.execute(select(func.count()).select_from(m)).scalar_one()
                         for m in (Company, User, AuditLog))

    before = counts()
    first = _first_revision()
    downgrade(db.engine, first)
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    assert counts() == before
    problems = {name: [p.render("en") for p in found] for name, found in run_checks(db) if found}
    assert not problems, f"integrity checks fail after upgrading a database with data on {backend}: {problems}"


def _first_revision() -> str:
    from alembic.script import ScriptDirectory

    from erp_core.db.migrate import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_base()


def _triggers(engine) -> set[str]:
    from sqlalchemy import text

    name = engine.dialect.name
    sql = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
           "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
           }.get(name, "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()")
    routines = {"postgresql": "SELECT 'routine ' || proname FROM pg_proc p JOIN pg_namespace n "
                              "ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
                "sqlite": None}.get(name, "SELECT CONCAT('routine ', routine_name) FROM information_schema.routines "
                                        "WHERE routine_schema = DATABASE()")
    with engine.connect() as conn:
        found = {r[0] for r in conn.execute(text(sql))}
        if routines:  # functions/procedures a migration made (the test copy must have them too)
            found |= {r[0] for r in conn.execute(text(routines))}
        return found


def test_test_databases_are_exact_copies_of_a_migrated_one(db, engine, backend):
    """The ``db`` fixture clones a migrated template (file copy, CREATE DATABASE ... TEMPLATE, or a schema copy on
    MariaDB): the clone must be what the migrations make — same schema, same triggers, same revision."""
    upgrade(engine)
    assert current_revision(db.engine) == head_revision()
    assert _format(_diffs(db.engine)) == _format(_diffs(engine))
    triggers = _triggers(engine)
    assert any("audit_log" in t for t in triggers)
    assert _triggers(db.engine) == triggers


def test_one_linear_history_with_real_downgrades():
    """Several engineers add revisions at once: the history must stay one line (two heads would make
    `upgrade head` fail), each file named after its revision, and every downgrade must undo something."""
    import ast
    from pathlib import Path

    from alembic.script import ScriptDirectory

    from erp_core.db.migrate import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: set down_revision to the previous revision"
    revisions = list(script.walk_revisions())
    assert len(script.get_bases()) == 1
    for rev in revisions:
        path = Path(rev.path)
        assert path.name.startswith(rev.revision), f"{path.name} should start with its revision id {rev.revision}"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        down = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"), None)
        assert down is not None, f"{path.name} has no downgrade()"
        body = [n for n in down.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        assert body and not all(isinstance(n, ast.Pass) for n in body), f"{path.name}: downgrade() does nothing"
