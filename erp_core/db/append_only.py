"""Append-only guards: database triggers that refuse UPDATE and DELETE of posted rows, on every backend.

Migrations call ``create_guard(op, table, when_old=...)``; ``when_old`` is an SQL condition over OLD (e.g.
"OLD.posted = 1"), or None to protect every row. The refusal message starts with ``append-only`` so the
core can recognise it (``is_append_only_violation``).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

MESSAGE = "append-only"


def _name(table: str, event: str) -> str:
    return f"trg_{table}_no_{event}"[:60]


def guard_ddl(dialect: str, table: str, when_old: str | None = None) -> list[str]:
    """The statements that create the guard for ``table`` on ``dialect``."""
    msg = f"{MESSAGE}: {table}"
    out: list[str] = []
    if dialect == "sqlite":
        for event in ("update", "delete"):
            when = f" WHEN {when_old}" if when_old else ""
            out.append(f"CREATE TRIGGER {_name(table, event)} BEFORE {event.upper()} ON {table} FOR EACH ROW{when} "
                       f"BEGIN SELECT RAISE(ABORT, '{msg}'); END")
    elif dialect == "postgresql":
        out.append(
            "CREATE OR REPLACE FUNCTION erp_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            # No '%' format here: the DDL then also runs through drivers that read '%' as a placeholder
            # (psycopg with exec_driver_sql).
            f"BEGIN RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_TABLE_NAME, ERRCODE = 'check_violation'; "
            "END $$")
        when = f" WHEN ({when_old})" if when_old else ""
        for event in ("update", "delete"):
            out.append(f"CREATE TRIGGER {_name(table, event)} BEFORE {event.upper()} ON {table} FOR EACH ROW{when} "
                       "EXECUTE FUNCTION erp_refuse_change()")
    elif dialect in ("mysql", "mariadb"):
        for event in ("update", "delete"):
            cond = when_old or "1=1"
            out.append(f"CREATE TRIGGER {_name(table, event)} BEFORE {event.upper()} ON {table} FOR EACH ROW "
                       f"BEGIN IF {cond} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{msg}'; END IF; END")
    else:
        raise NotImplementedError(dialect)
    return out


def drop_ddl(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_name(table, e)} ON {table}" for e in ("update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {_name(table, e)}" for e in ("update", "delete")]


def create_guard(op, table: str, when_old: str | None = None) -> None:
    """Alembic helper: protect ``table`` (rows matching ``when_old``) from UPDATE and DELETE."""
    for stmt in guard_ddl(op.get_bind().dialect.name, table, when_old):
        op.execute(stmt)


def drop_guard(op, table: str) -> None:
    for stmt in drop_ddl(op.get_bind().dialect.name, table):
        op.execute(stmt)


def is_append_only_violation(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and MESSAGE in str(exc.orig)
