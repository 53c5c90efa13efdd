"""Documents read and written with Core for a posting (docs/documents.md "Posting cost").

A posting reads a document with its lines and the upstream order lines, checks them and writes a handful of
columns. Through the ORM that cost ~5,000 Python calls per 10-line document (identity map, unit of work, the
flush guard); here the same rows are plain ``Row`` objects and the writes are explicit statements, with the
guard's rules checked explicitly:

- the document being posted is read with its lines in one statement, locked (FOR UPDATE OF its header where the
  database can say so) — ``load_for_posting``;
- what a posting function sets on it or its lines (a delivery's issue cost) is remembered on the ``Row`` and
  written by ``write_posted``, before the document is marked posted, in the same UPDATE as its posted state;
- the posted state is one UPDATE ... WHERE id = :id AND version = :version AND posted_at IS NULL: a lost update
  (someone else saved or posted it since it was read) changes no row and is refused (ConcurrencyError), and the
  version steps once, as the ORM's version counter would;
- the upstream orders it names are locked (FOR UPDATE), in id order, after the document itself, and only then
  read with their lines — ``upstream_rows``: a posting's checks against them (the over-receipt tolerance, the
  over-delivery limit) read the quantities of every posting against the same order that committed before it,
  so two postings meeting at one order line cannot both pass a limit that only one of them fits. The read is a
  statement of its own after the lock, not a FOR UPDATE OF the header on the read itself: PostgreSQL returns
  the joined lines of a row it waited for as of the statement's start (the first posting's quantities
  missing); a statement begun after the wait sees them under READ COMMITTED (PostgreSQL and MariaDB, as
  db/engine.py opens them). On SQLite writers are serialized (BEGIN IMMEDIATE), so nothing is locked there.
  Invoices, returns and red copies, which count with the ORM through ``link(counts_as=...)``, take the same locks
  in the same order (``lock_headers``, from services.lock_upstream_lines) before reading those lines;
- an upstream line's tracked quantity grows with a relative UPDATE (quantity = quantity + :q, so two postings
  against one order line add up), and its header's progress is derived from its lines as the guard derives it,
  written with the header's version in the WHERE clause — ``count_upstream``.

An ORM document (every other post use case loads one) goes through the same ``write_posted``: its pending
changes are flushed first (the guard sees it unposted, as before), then the same UPDATE, and the session's copy
is told the new committed values, so it is not written twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update

from erp_core.db.prepared import Prepared, connection_of, executemany
from erp_core.documents.models import DocumentStep, derive_progress
from erp_core.kernel.errors import ConcurrencyError

ZERO = Decimal(0)


class Row:
    """One document row (header or line) read with Core: its columns as attributes, named as the ORM names them.
    Assignments to column attributes are remembered in ``_set`` until the kernel writes them."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.__dict__["_set"] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        self._set[name] = value
        self.__dict__[name] = value

    def _committed(self, values: dict[str, Any]) -> None:
        """Values now stored (written by the kernel): no longer pending."""
        self.__dict__.update(values)
        for k in values:
            self._set.pop(k, None)


def _columns(cls: type) -> list[tuple[str, Any]]:
    return [(a.key, a.columns[0]) for a in inspect(cls).column_attrs if len(a.columns) == 1]


_LOADERS: dict[tuple[Any, ...], tuple[Prepared, list[str], list[str]]] = {}


def _select(t: Any) -> tuple[Any, list[str], list[str]]:
    """SELECT every header column, then every line column, of headers joined to their lines."""
    h, ln = _columns(t.header), _columns(t.line)
    ht, lt = t.header.__table__, t.line.__table__
    stmt = (select(*(c for _, c in h), *(c for _, c in ln)).select_from(ht.outerjoin(lt, lt.c.header_id == ht.c.id))
            .order_by(ht.c.id, lt.c.line_no))
    return stmt, [k for k, _ in h], [k for k, _ in ln]


def _loader(t: Any, lock: bool) -> tuple[Prepared, list[str], list[str]]:
    found = _LOADERS.get((t.header, lock))
    if found is None:
        stmt, hkeys, lkeys = _select(t)
        stmt = stmt.where(t.header.__table__.c.id == bindparam("doc_id"))
        if lock:
            stmt = stmt.with_for_update(of=t.header.__table__)
        found = _LOADERS[(t.header, lock)] = (Prepared(stmt), hkeys, lkeys)
    return found


def _upstream_loader(t: Any, down: Any, column: str) -> tuple[Prepared, list[str], list[str]]:
    """The headers of type ``t`` named by the ``column`` of the lines of document :doc_id of type ``down``."""
    found = _LOADERS.get((t.header, down.line, column))
    if found is None:
        stmt, hkeys, lkeys = _select(t)
        ut, dt_ = t.line.__table__, down.line.__table__
        named = select(ut.c.header_id).where(ut.c.id.in_(
            select(dt_.c[column]).where(dt_.c.header_id == bindparam("doc_id")).scalar_subquery()))
        found = _LOADERS[(t.header, down.line, column)] = (
            Prepared(stmt.where(t.header.__table__.c.id.in_(named.scalar_subquery()))), hkeys, lkeys)
    return found


def _convert(values: tuple, procs: tuple) -> list:
    return [v if p is None or v is None else p(v) for p, v in zip(procs, values, strict=True)]


def _rows(records: list[tuple], procs: tuple, hkeys: list[str], lkeys: list[str]) -> dict[int, Row]:
    """Headers by id, each with ``lines`` (Row each, with ``header``), from header-joined-to-lines records; a
    header's columns are converted once, not once per line it was repeated on."""
    n, hi, li = len(hkeys), hkeys.index("id"), len(hkeys) + lkeys.index("id")
    hprocs, lprocs = procs[:n], procs[n:]
    headers: dict[int, Row] = {}
    for rec in records:
        head = headers.get(rec[hi])
        if head is None:
            head = headers[rec[hi]] = Row(dict(zip(hkeys, _convert(rec[:n], hprocs), strict=True)))
            head.__dict__["lines"] = []
        if rec[li] is not None:  # a header without lines (outer join)
            line = Row(dict(zip(lkeys, _convert(rec[n:], lprocs), strict=True)))
            line.__dict__["header"] = head
            head.lines.append(line)
    return headers


def load_for_posting(session: Any, t: Any, doc_id: int, *, lock: bool = True) -> Row | None:
    """The document ``doc_id`` of type ``t`` with its lines (by line_no), as Rows, in one statement."""
    stmt, hkeys, lkeys = _loader(t, lock)
    doc = _rows(*stmt.raw(session, doc_id=doc_id), hkeys, lkeys).get(doc_id)
    if doc is not None:
        doc.__dict__["__entity__"] = t.header.__name__  # what a stale-version refusal names
    return doc


_UPSTREAM_LOCKS: dict[tuple[Any, ...], Prepared] = {}
_HEADER_LOCKS: dict[Any, Prepared] = {}


def _upstream_ids(t: Any, down: Any, column: str) -> Prepared:
    """The ids of the headers of type ``t`` that document :doc_id's lines name. A statement of its own, not a
    subquery of the lock: MariaDB may walk an IN (subquery) from the subquery's side and lock the headers in
    that order; a list of ids is walked by the primary key, ascending, like PostgreSQL's sort."""
    found = _UPSTREAM_LOCKS.get((t.header, down.line, column))
    if found is None:
        ut, dt_ = t.line.__table__, down.line.__table__
        found = _UPSTREAM_LOCKS[(t.header, down.line, column)] = Prepared(
            select(ut.c.header_id).distinct().where(ut.c.id.in_(
                select(dt_.c[column]).where(dt_.c.header_id == bindparam("doc_id")).scalar_subquery())))
    return found


def lock_headers(session: Any, t: Any, ids: Iterable[int]) -> None:
    """Lock the headers ``ids`` of type ``t`` (SELECT ... FOR UPDATE, ascending id). Nothing on SQLite (its
    writers are serialized by BEGIN IMMEDIATE)."""
    ids = sorted(set(ids))
    if not ids or connection_of(session).dialect.name == "sqlite":
        return
    lock = _HEADER_LOCKS.get(t.header)
    if lock is None:
        ht = t.header.__table__
        lock = _HEADER_LOCKS[t.header] = Prepared(
            select(ht.c.id).where(ht.c.id.in_(bindparam("ids", expanding=True))).order_by(ht.c.id).with_for_update())
    lock.all(session, ids=ids)


def lock_upstream(session: Any, t: Any, down: Any, doc_id: int, column: str) -> None:
    """Lock the headers of type ``t`` that document ``doc_id``'s lines (type ``down``) name in ``column``, in id
    order (the document itself was locked first, by ``load_for_posting``): a second posting against one of them
    waits here until the first commits. Nothing on SQLite (its writers are serialized by BEGIN IMMEDIATE)."""
    if connection_of(session).dialect.name == "sqlite":
        return
    lock_headers(session, t, (r[0] for r in _upstream_ids(t, down, column).all(session, doc_id=doc_id)))


def upstream_rows(session: Any, t: Any, down: Any, doc_id: int, column: str) -> dict[int, Row]:
    """The lines of type ``t`` that the lines of document ``doc_id`` (type ``down``) name in ``column``, by id,
    as Rows, each with its header and the header with all its lines (their progress is derived from every
    line), in one statement — after ``lock_upstream``, so what is read is what the postings against them
    committed before this one (see the module docstring)."""
    lock_upstream(session, t, down, doc_id, column)
    stmt, hkeys, lkeys = _upstream_loader(t, down, column)
    return {line.id: line for head in _rows(*stmt.raw(session, doc_id=doc_id), hkeys, lkeys).values()
            for line in head.lines}


# --- writes -------------------------------------------------------------------------------------------------

_UPDATES: dict[tuple[Any, tuple[str, ...], bool], Prepared] = {}


def _update(table: Any, keys: tuple[str, ...], *, unposted: bool) -> Prepared:
    """UPDATE table SET <keys> WHERE id = :w_id AND version = :w_version [AND posted_at IS NULL]."""
    found = _UPDATES.get((table, keys, unposted))
    if found is None:
        cond = [table.c.id == bindparam("w_id"), table.c.version == bindparam("w_version")]
        if unposted:
            cond.append(table.c.posted_at.is_(None))
        found = _UPDATES[(table, keys, unposted)] = Prepared(
            update(table).where(*cond).values({k: bindparam(f"v_{k}", type_=table.c[k].type) for k in keys}))
    return found


def _refused(session: Any, table: Any, row_id: int, expected: int, entity: str) -> ConcurrencyError:
    actual = connection_of(session).execute(select(table.c.version).where(table.c.id == row_id)).scalar()
    return ConcurrencyError(entity=entity, expected=expected, actual=actual)  # actual None: the row is gone


_MANY: dict[tuple[Any, Any, str], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}


def _many(table: Any, keys: tuple[str, ...], dialect: Any, relative: bool = False
          ) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """UPDATE table SET <keys> (or key = key + :v_key, ``relative``) WHERE id = :w_id, compiled once per
    dialect for a driver executemany: (sql, positional bind order or None, bind processors)."""
    found = _MANY.get((table, keys, f"{dialect.name}:{dialect.driver}:{relative}"))
    if found is None:
        c = update(table).where(table.c.id == bindparam("w_id")).values(
            {k: (table.c[k] + bindparam(f"v_{k}", type_=table.c[k].type)) if relative else
             bindparam(f"v_{k}", type_=table.c[k].type) for k in keys}).compile(dialect=dialect)
        procs = {f"v_{k}": p for k in keys
                 if (p := table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        found = _MANY[(table, keys, f"{dialect.name}:{dialect.driver}:{relative}")] = (
            c.string, tuple(c.positiontup) if c.positional else None, procs)
    return found


def _run_many(session: Any, table: Any, keys: tuple[str, ...], rows: list[tuple[int, dict[str, Any]]], *,
              relative: bool = False) -> None:
    """``rows``: (id, {key: value}) each; one driver executemany."""
    sql, order, procs = _many(table, keys, connection_of(session).dialect, relative)
    data = []
    for row_id, values in rows:
        vals = {f"v_{k}": v for k, v in values.items()}
        for n, p in procs.items():
            vals[n] = p(vals[n])
        vals["w_id"] = row_id
        data.append(tuple([vals[n] for n in order]) if order is not None else vals)
    executemany(session, sql, data)


def _write_lines(session: Any, table: Any, lines: Iterable[Row]) -> None:
    """What was set on the lines (a posting function's costs), one executemany per set of columns."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for ln in lines:
        if ln._set:
            groups.setdefault(tuple(sorted(ln._set)), []).append(ln)
    for keys, rows in groups.items():
        _run_many(session, table, keys, [(ln.id, ln._set) for ln in rows])
        for ln in rows:
            ln._committed(dict(ln._set))


def _orm_pending(doc: Any) -> dict[str, Any]:
    """The ORM header's changed columns (a posting function's totals), taken out of the session's pending
    changes: they go into the posted-state UPDATE, so the document steps its version once, as before."""
    from sqlalchemy.orm.attributes import set_committed_value

    state = inspect(doc)
    columns = state.mapper.columns
    out = {k: getattr(doc, k) for k in list(state.committed_state)
           if k in columns and k != "version" and state.attrs[k].history.has_changes()}
    for k, v in out.items():
        set_committed_value(doc, k, v)
    return out


def write_posted(ctx: Any, t: Any, doc: Any, values: dict[str, Any], *, entity: str) -> None:
    """Write ``doc``'s posted state (``values``: status, posted_by, posted_at, voucher and stock posting ids)
    and the version step, refusing a stale or already posted row; see the module docstring."""
    from sqlalchemy.orm.attributes import set_committed_value

    s = ctx.session
    orm = not isinstance(doc, Row)
    if orm:
        pending = _orm_pending(doc)
        if s.new or s.dirty or s.deleted:
            s.flush()  # the other pending changes (its lines), while it is not posted (the guard checks them)
    else:
        _write_lines(s, t.line.__table__, doc.lines)
        pending = dict(doc._set)
    version = doc.version
    vals = {**pending, **values, "version": version + 1}
    keys = tuple(sorted(vals))
    table = t.header.__table__
    n = _update(table, keys, unposted=True).rowcount(s, w_id=doc.id, w_version=version,
                                                     **{f"v_{k}": vals[k] for k in keys})
    if n != 1:
        raise _refused(s, table, doc.id, version, entity)
    if orm:
        for k, v in vals.items():
            set_committed_value(doc, k, v)
    else:
        doc._committed(vals)


_STEP = DocumentStep.__table__
_INSERT_STEP = Prepared(insert(_STEP).values({c: bindparam(c, type_=_STEP.c[c].type) for c in (
    "company_id", "doc_type", "doc_id", "action", "from_status", "to_status", "user_id", "username", "comment",
    "at")}))


def insert_step(session: Any, **values: Any) -> None:
    """The document's step row (who did which transition when)."""
    _INSERT_STEP.rowcount(session, **values)


def count_upstream(ctx: Any, t: Any, items: Sequence[tuple[Any, Decimal]], attr: str, *, entity: str) -> None:
    """Each upstream line's ``attr`` grows by its quantity (relative UPDATE, one executemany); each header whose
    derived progress changes is written with its version in the WHERE clause (a stale order is refused)."""
    from sqlalchemy.orm.attributes import set_committed_value

    if not items:
        return
    s = ctx.session
    lt, ht = t.line.__table__, t.header.__table__
    data, headers = [], {}
    for line, qty in items:
        new = (getattr(line, attr) or ZERO) + qty
        if isinstance(line, Row):
            line._committed({attr: new})
        else:
            set_committed_value(line, attr, new)
        data.append((line.id, {attr: qty}))
        headers[id(line.header)] = line.header
    _run_many(s, lt, (attr,), data, relative=True)
    for head in headers.values():
        progress = derive_progress(head.lines, t.tracks)
        if progress == head.progress:
            continue
        vals = {"progress": progress, "version": head.version + 1}
        if _update(ht, ("progress", "version"), unposted=False).rowcount(
                s, w_id=head.id, w_version=head.version, v_progress=progress, v_version=head.version + 1) != 1:
            raise _refused(s, ht, head.id, head.version, entity)
        if isinstance(head, Row):
            head._committed(vals)
        else:
            for k, v in vals.items():
                set_committed_value(head, k, v)
