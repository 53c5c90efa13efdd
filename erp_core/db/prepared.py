"""Prepared statements for the few hot paths that run once per posted document (posting, the audit chain).

SQLAlchemy's per-execution bookkeeping (cache key, execution context, result object, events) costs ~50 µs a
statement on these machines, several times what SQLite needs to run it; posting a voucher runs a dozen of
them. ``Prepared`` compiles a Core statement once per dialect and runs it on the DBAPI cursor of the session's
connection, inside the same transaction:

    _LOCK = Prepared(select(t.c.id, t.c.status).where(t.c.id == bindparam("vid")).with_for_update())
    row = _LOCK.one_or_none(session, vid=7)      # a tuple, values converted by the columns' types
    n = _MARK.rowcount(session, vid=7)           # DML: the number of rows it touched

Bind values go through the bind processors of the statement's own types (Money -> integer fen, dates -> text
on SQLite), selected columns through their result processors, so values read and written here are exactly what
the ORM reads and writes. Database errors are wrapped as SQLAlchemy's DBAPIError, as a normal execute would,
so lock and integrity errors are recognised the same way (erp_core.db.uow.is_lock_error).
An expanding IN (``col.in_(bindparam("ids", expanding=True))``) is expanded here, one statement text per
list length (kept), each element through the bind's processor; an empty list is refused (ValueError).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional bind order, None for named paramstyles
    defaults: dict[str, Any]  # every bind with the value compiled into the statement (literals)
    binds: dict[str, Callable[[Any], Any]]  # bind name -> processor
    results: tuple[Callable[[Any], Any] | None, ...]  # per selected column
    convert: bool  # any result processor at all
    expanding: tuple[str, ...] = ()  # binds of an expanding IN (the text is expanded per list length)
    paramstyle: str = "qmark"


def connection_of(session: Session):
    """The session's connection, remembered for the rest of its transaction (Session.connection() walks the
    transaction state machine each call, which costs as much as running a prepared statement)."""
    tx = session.get_transaction()
    cached = session.info.get("_prepared_conn")
    if tx is not None and cached is not None and cached[0] is tx and not cached[1].closed:
        return cached[1]
    conn = session.connection()
    session.info["_prepared_conn"] = (session.get_transaction(), conn)
    return conn


def tx_cache(session: Session) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction (master data and checks that a posting
    asks for more than once: the second ask reads the answer of the first). A new transaction starts empty."""
    tx = session.get_transaction()
    if tx is None:
        return {}
    cached = session.info.get("_tx_cache")
    if cached is None or cached[0] is not tx:
        cached = session.info["_tx_cache"] = (tx, {})
    return cached[1]


def executemany(session: Session, sql: str, rows: list[tuple]) -> None:
    """Run one driver-level statement (the caller's SQL, in the driver's paramstyle) for many rows, inside the
    session's transaction, with errors wrapped as DBAPIError (the ledger's bulk inserts)."""
    conn = connection_of(session)
    dialect = conn.dialect
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, rows[:1], exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


class Prepared:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}
        self._by_size: dict[tuple[int, tuple[int, ...]], tuple[str, tuple[str, ...] | None]] = {}

    def _compiled(self, dialect) -> _Compiled:
        key = f"{dialect.name}:{dialect.driver}"
        found = self._by_dialect.get(key)
        if found is not None:
            return found
        c = self.statement.compile(dialect=dialect)
        binds = {name: proc for name, bp in c.binds.items()
                 if (proc := bp.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        defaults = {name: bp.effective_value for name, bp in c.binds.items() if not bp.required}
        columns = getattr(self.statement, "selected_columns", None) or ()
        results = tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns)
        expanding = tuple(name for name, bp in c.binds.items() if bp.expanding)
        found = _Compiled(c.string, tuple(c.positiontup) if c.positional else None, defaults,
                          binds, results, any(p is not None for p in results), expanding, dialect.paramstyle)
        self._by_dialect[key] = found
        return found

    def _expanded(self, c: _Compiled, values: dict[str, Any]) -> tuple[str, Any]:
        """The statement text and driver arguments with each expanding IN's list spelled out."""
        sizes = tuple(len(values[n]) for n in c.expanding)
        if not all(sizes):
            raise ValueError("Prepared: an expanding IN needs at least one value")
        key = (id(c), sizes)
        found = self._by_size.get(key)
        if found is None:
            sql, names = c.sql, list(c.names) if c.names is not None else None
            for name, n in zip(c.expanding, sizes, strict=True):
                parts = [f"{name}_{i}" for i in range(n)]
                ph = (", ".join(f"%({p})s" for p in parts) if c.names is None else
                      ", ".join(["?" if c.paramstyle == "qmark" else "%s"] * n))
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", ph)
                if names is not None:
                    at = names.index(name)
                    names[at:at + 1] = parts
            found = self._by_size[key] = (sql, tuple(names) if names is not None else None)
        sql, names = found
        for name in c.expanding:
            for i, v in enumerate(values.pop(name)):
                values[f"{name}_{i}"] = v
        return sql, (tuple([values[n] for n in names]) if names is not None else values)

    def _run(self, session: Session, params: dict[str, Any]) -> tuple[Any, _Compiled]:
        conn = connection_of(session)
        dialect = conn.dialect
        c = self._compiled(dialect)
        values = {**c.defaults, **params}
        for name, proc in c.binds.items():
            values[name] = [proc(v) for v in values[name]] if name in c.expanding else proc(values[name])
        if c.expanding:
            sql, args = self._expanded(c, values)
        else:
            sql, args = c.sql, tuple([values[n] for n in c.names]) if c.names is not None else values
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, args)
        except dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise DBAPIError.instance(sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        return cursor, c

    def all(self, session: Session, **params: Any) -> list[tuple]:
        cursor, c = self._run(session, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not c.convert:
            return [tuple(r) for r in rows]
        # a list comprehension, not a generator: no generator frame resumed per column
        return [tuple([v if p is None or v is None else p(v) for p, v in zip(c.results, r, strict=True)])
                for r in rows]

    def raw(self, session: Session, **params: Any) -> tuple[list[tuple], tuple[Callable[[Any], Any] | None, ...]]:
        """The rows as the driver returns them, with the selected columns' result processors (None: as is), for
        a caller that converts only some of them (a header repeated on each of its joined lines)."""
        cursor, c = self._run(session, params)
        try:
            return cursor.fetchall(), c.results
        finally:
            cursor.close()

    def one_or_none(self, session: Session, **params: Any) -> tuple | None:
        rows = self.all(session, **params)
        if len(rows) > 1:
            raise ValueError("more than one row")
        return rows[0] if rows else None

    def scalar(self, session: Session, **params: Any) -> Any:
        """The first column of the first row (SELECT, or DML with RETURNING), or None."""
        rows = self.all(session, **params)
        return rows[0][0] if rows else None

    def rowcount(self, session: Session, **params: Any) -> int:
        cursor, _ = self._run(session, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()
