"""A native DuckDB copy of the open items (应收 / 应付 / 预收 / 预付 documents and their 核销 rows), kept in step
incrementally, and the receivables / payables aging and the overdue list computed from it (issues #13 and #17).

What is copied (all companies in one copy; every read filters its company):

- ``oi_doc``: one row per POSTED document of a registered open-item type (settlement.open_items.open_item_types)
  whose amount is not zero, with its kind, number, date, own due date (NULL when its type has none: the partner's
  payment terms are applied at read time, as they are today), partner, amount (BIGINT fen: header.total, or the
  type's ``extra["open_amount"]``), department, project, creator and remarks. A posted document is frozen
  (documents.models: only status/progress/version may still change), so a row once copied never changes.
- ``oi_settle``: every settlement row (append-only in the store: triggers refuse UPDATE and DELETE).

How it stays in step (``sync``): analytics/copies.py (the frame shared with the sales copy): the audit chain's
stamp says "anything new?"; per source table an id watermark; ids missing below it (not committed yet on
PostgreSQL / MariaDB) are looked for again for HOLE_SECONDS; documents not posted yet are looked at again at every
sync until they post or can no longer post (a cancelled draft leaves the pending list); a replaced store (the row
at a watermark is another one) rebuilds the copy; one sync at a time, never waited for except before the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session, selectinload

from erp_core.analytics.copies import IncrementalCopy, Keep, row_key
from erp_core.analytics.engine import AnalyticsEngine, AsOf, Snapshot
from erp_core.kernel.actor import Scope
from erp_core.kernel.money import MONEY_SCALE

SCHEMA_VERSION = "2"
ZERO = Decimal(0)
SETTLEMENT = "settlement"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oi_doc (
    company_id INTEGER NOT NULL, item_type VARCHAR NOT NULL, item_id BIGINT NOT NULL, kind VARCHAR NOT NULL,
    number VARCHAR NOT NULL, doc_date DATE NOT NULL, due_date DATE, partner_id INTEGER, amount BIGINT NOT NULL,
    department_id INTEGER, project_id INTEGER, created_by INTEGER, remarks VARCHAR);
CREATE TABLE IF NOT EXISTS oi_settle (
    id BIGINT NOT NULL, company_id INTEGER NOT NULL, item_type VARCHAR NOT NULL, item_id BIGINT NOT NULL,
    amount BIGINT NOT NULL, settle_date DATE NOT NULL);
"""


# -- the sources -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Source:
    table: str
    item_type: str | None  # None: the settlement table
    kind: str | None
    has_due: bool
    amount_fn: bool  # the type computes its amount from its lines (extra["open_amount"])


def _sources() -> list[_Source]:
    from erp_core.settlement.open_items import open_item_types

    out = [_Source(t.header.__tablename__, t.code, t.extra["open_item"], hasattr(t.header, "due_date"),
                   t.extra.get("open_amount") is not None) for t in open_item_types()]
    return [*sorted(out, key=lambda s: s.table), _Source(SETTLEMENT, None, None, False, False)]


def _doc_sql(src: _Source, where: str) -> str:
    due = "due_date" if src.has_due else "NULL"
    return (f"SELECT id, company_id, number, doc_date, {due} AS due_date, partner_id, total, department_id, "
            f"project_id, created_by, remarks, CASE WHEN posted_at IS NULL THEN 0 ELSE 1 END AS posted, status "
            f"FROM {src.table} WHERE {where}")


_SETTLE_SQL = "SELECT id, company_id, item_type, item_id, amount, settle_date FROM settlement WHERE {where}"


def _posts_later(src: _Source, status: str) -> bool:
    """Can a document in ``status`` still be posted (a path of actions leads to its type's post action)?"""
    from erp_core.documents.registry import document_type

    t = document_type(src.item_type or "")
    wf = t.workflow
    seen, todo = {status}, [status]
    while todo:
        state = todo.pop()
        for action in wf.allowed(state):
            if action == t.post_action:
                return True
            nxt = wf.target(state, action)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


# -- the copy ----------------------------------------------------------------------------------------------

class _OpenItemsCopy(IncrementalCopy):
    name, prefix, schema, data_tables, version = "open_items", "oi", _SCHEMA, ("oi_doc", "oi_settle"), SCHEMA_VERSION

    def _by_table(self) -> dict[str, _Source]:
        return {s.table: s for s in _sources()}

    def sources(self) -> list[str]:
        return [s.table for s in _sources()]

    def select_sql(self, table: str, where: str) -> str:
        src = self._by_table()[table]
        return _SETTLE_SQL.format(where=where) if src.item_type is None else _doc_sql(src, where)

    def fingerprint(self, conn, table: str, row_id: int) -> str:
        if not row_id:
            return ""
        rows = self.fetch_ids(conn, table, [row_id])
        return row_key(rows[0][:5]) if rows else ""

    def store(self, eng: AnalyticsEngine, cur, conn, table: str, rows: list[tuple],
              pending: dict[int, tuple[dt.datetime, bool]], now: dt.datetime) -> list[Keep]:
        src = self._by_table()[table]
        if src.item_type is None:
            _add_settlements(cur, rows)
            return []
        _add_documents(eng, cur, conn, src, [r for r in rows if r[11]])
        return [(int(r[0]), pending.get(int(r[0]), (now, False))[0], False) for r in rows
                if not r[11] and _posts_later(src, r[12])]


COPY = _OpenItemsCopy()


def sync(eng: AnalyticsEngine) -> AsOf:
    """Bring the open-items copy up to the store (waits for a running sync)."""
    return COPY.sync(eng)


def reading(eng: AnalyticsEngine) -> AbstractContextManager[Snapshot]:
    """One report's read of the open-items copy (analytics/copies.py: synced first when the audit stamp moved and
    no other sync runs); ``as_of.watermark`` is the audit sequence number the copy is as of."""
    return COPY.reading(eng)


def _dates(values: Sequence[Any]) -> pa.Array:
    return pa.array([None if v is None else str(v)[:10] for v in values], pa.string())


def _add_settlements(cur, rows: list[tuple]) -> None:
    if not rows:
        return
    c = list(zip(*rows, strict=True))
    batch = pa.table({"id": pa.array(c[0], pa.int64()), "company_id": pa.array(c[1], pa.int64()),  # noqa: F841
                      "item_type": pa.array(c[2], pa.string()), "item_id": pa.array(c[3], pa.int64()),
                      "amount": pa.array([int(v) for v in c[4]], pa.int64()), "settle_date": _dates(c[5])})
    cur.execute("INSERT INTO oi_settle SELECT id, company_id, item_type, item_id, amount, "
                "CAST(settle_date AS DATE) FROM batch")


def _add_documents(eng: AnalyticsEngine, cur, conn, src: _Source, rows: list[tuple]) -> None:
    if not rows:
        return
    amounts = [int(r[6]) for r in rows]
    if src.amount_fn:  # the amount is computed from the lines by the type's own rule
        from erp_core.documents.registry import document_type
        from erp_core.settlement.open_items import item_amount

        t = document_type(src.item_type or "")
        by_id: dict[int, int] = {}
        with Session(bind=conn) as s:
            ids = [int(r[0]) for r in rows]
            for i in range(0, len(ids), 2000):
                for doc in s.query(t.header).options(selectinload(t.header.lines)).filter(
                        t.header.id.in_(ids[i:i + 2000])):
                    value = item_amount(s, t, doc)
                    by_id[doc.id] = int(value.scaleb(MONEY_SCALE))
        amounts = [by_id.get(int(r[0]), 0) for r in rows]
    keep = [i for i, a in enumerate(amounts) if a != 0]  # a zero item is never open nor settled
    if not keep:
        return
    rows = [rows[i] for i in keep]
    amounts = [amounts[i] for i in keep]
    c = list(zip(*rows, strict=True))
    ints = lambda v: pa.array([None if x is None else int(x) for x in v], pa.int64())  # noqa: E731
    batch = pa.table({"company_id": ints(c[1]), "item_type": pa.array([src.item_type] * len(rows), pa.string()),  # noqa: F841
                      "item_id": ints(c[0]), "kind": pa.array([src.kind] * len(rows), pa.string()),
                      "number": pa.array(c[2], pa.string()), "doc_date": _dates(c[3]), "due_date": _dates(c[4]),
                      "partner_id": ints(c[5]), "amount": pa.array(amounts, pa.int64()),
                      "department_id": ints(c[7]), "project_id": ints(c[8]), "created_by": ints(c[9]),
                      "remarks": pa.array([r or "" for r in c[10]], pa.string())})
    cur.execute("INSERT INTO oi_doc SELECT company_id, item_type, item_id, kind, number, CAST(doc_date AS DATE), "
                "CAST(due_date AS DATE), partner_id, amount, department_id, project_id, created_by, remarks "
                "FROM batch")


# -- figures ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Partners:
    """The partners' facts read from the store at the time of the report (they may change: payment terms,
    department, salesperson): id -> (payment terms days, department, owner)."""

    rows: dict[int, tuple[int | None, int | None, int | None]]

    def table(self) -> pa.Table:
        ids = list(self.rows)
        return pa.table({"pid": pa.array(ids, pa.int64()),
                         "terms": pa.array([self.rows[i][0] for i in ids], pa.int64()),
                         "p_department": pa.array([self.rows[i][1] for i in ids], pa.int64()),
                         "p_owner": pa.array([self.rows[i][2] for i in ids], pa.int64())})


def partners(session, company_id: int, kind: str) -> Partners:
    from sqlalchemy import select

    from erp_core.masterdata.models_partners import Customer, Supplier

    model = Customer if kind in ("receivable", "advance") else Supplier
    return Partners({int(i): (t, d, o) for i, t, d, o in session.execute(
        select(model.id, model.payment_terms_days, model.department_id, model.owner_id)
        .where(model.company_id == company_id))})


@dataclass(frozen=True)
class RowScope:
    """An actor's row scope on open items: an item is seen when its document (department, project, creator) or
    its partner (department, salesperson / buyer) is within the grant."""

    sql: str = ""
    params: tuple = ()

    @classmethod
    def of(cls, actor, permission: str) -> RowScope:
        scope = actor.scope(permission)
        if actor.is_system or scope is Scope.ALL:
            return cls()
        parts: list[str] = []
        params: list[Any] = []
        if scope is Scope.DEPARTMENT and actor.department_ids:
            ids = ", ".join(str(int(i)) for i in sorted(actor.department_ids))
            parts.append(f"d.department_id IN ({ids}) OR p.p_department IN ({ids})")
        elif scope is Scope.PROJECT and actor.project_ids:
            ids = ", ".join(str(int(i)) for i in sorted(actor.project_ids))
            parts.append(f"d.project_id IN ({ids})")
        if actor.user_id is not None:
            parts.append("d.created_by = ? OR p.p_owner = ?")
            params += [int(actor.user_id), int(actor.user_id)]
        if not parts:
            return cls("FALSE")
        return cls("(" + " OR ".join(parts) + ")", tuple(params))


def _open_sql(kinds: Sequence[str], scope: RowScope, partner_id: int | None, due_basis: bool) -> tuple[str, list]:
    """The open items of ``kinds`` at the end of $as_of: (item_type, item_id, number, doc_date, due, partner,
    amount, settled, remarks), amounts in fen."""
    where = ["d.company_id = $company", f"d.kind IN ({', '.join(repr(k) for k in kinds)})", "d.doc_date <= $as_of"]
    if partner_id is not None:
        where.append(f"d.partner_id = {int(partner_id)}")
    if scope.sql:
        where.append(scope.sql)
    del due_basis
    types = ", ".join(repr(src.item_type) for src in _sources() if src.kind in kinds) or "NULL"
    sql = (
        "WITH s AS (SELECT item_type, item_id, sum(amount)::BIGINT AS settled FROM oi_settle "
        f"WHERE company_id = $company AND item_type IN ({types}) AND settle_date <= $as_of GROUP BY ALL) "
        "SELECT d.item_type, d.item_id, d.number, d.doc_date, "
        "coalesce(d.due_date, d.doc_date + CAST(coalesce(p.terms, 0) AS INTEGER)) AS due, d.partner_id, d.amount, "
        "coalesce(s.settled, 0)::BIGINT AS settled, d.remarks "
        "FROM oi_doc d LEFT JOIN s ON s.item_type = d.item_type AND s.item_id = d.item_id "
        "LEFT JOIN oi_partners p ON p.pid = d.partner_id "
        f"WHERE {' AND '.join(where)} AND d.amount <> coalesce(s.settled, 0)")
    return sql, list(scope.params)


def _run(snap, sql: str, named: dict, positional: list, part: Partners):
    """DuckDB takes either named or positional parameters: the scope's ? become $pN."""
    for n, v in enumerate(positional):
        sql = sql.replace("?", f"$p{n}", 1)
        named[f"p{n}"] = v
    cur = snap.cursor()
    cur.register("oi_partners", part.table())
    try:
        return cur.execute(sql, named).fetchall()
    finally:
        cur.unregister("oi_partners")


def _money(v: int) -> Decimal:
    return Decimal(int(v)).scaleb(-MONEY_SCALE)


@dataclass(frozen=True)
class Item:
    item_type: str
    item_id: int
    number: str
    doc_date: dt.date
    due_date: dt.date
    partner_id: int | None
    amount: Decimal
    settled: Decimal
    remarks: str

    @property
    def open(self) -> Decimal:
        return self.amount - self.settled


def open_items(snap, company_id: int, *, kinds: Sequence[str], as_of: dt.date, part: Partners,
               scope: RowScope = RowScope(), partner_id: int | None = None) -> list[Item]:
    """Every item of ``kinds`` open at the end of ``as_of``, oldest first (date, number)."""
    sql, pos = _open_sql(kinds, scope, partner_id, False)
    rows = _run(snap, sql + " ORDER BY d.doc_date, d.number", {"company": company_id, "as_of": as_of}, pos, part)
    return [Item(t, int(i), n, d, due, p, _money(a), _money(s), r or "") for t, i, n, d, due, p, a, s, r in rows]


def bucket_sums(snap, company_id: int, *, kind: str, as_of: dt.date, basis: str, part: Partners,
                scope: RowScope = RowScope(), partner_id: int | None = None) -> list[tuple[int, str, Decimal]]:
    """(partner, bucket, open amount) of ``kind`` at the end of ``as_of``, summed in DuckDB; buckets as
    settlement.queries.bucket_of: not_due (days < 0), 0-30, 31-60, 61-90, >90."""
    sql, pos = _open_sql((kind,), scope, partner_id, basis == "due_date")
    start = "due" if basis == "due_date" else "doc_date"
    outer = (f"SELECT coalesce(partner_id, 0) AS partner, CASE WHEN days < 0 THEN 'not_due' WHEN days <= 30 THEN "
             f"'0-30' WHEN days <= 60 THEN '31-60' WHEN days <= 90 THEN '61-90' ELSE '>90' END AS bucket, "
             f"sum(amount - settled)::BIGINT FROM (SELECT *, date_diff('day', {start}, $as_of) AS days FROM ({sql})) "
             f"GROUP BY ALL")
    rows = _run(snap, outer, {"company": company_id, "as_of": as_of}, pos, part)
    return [(int(p), b, _money(v)) for p, b, v in rows]


def kind_sums(snap, company_id: int, *, kind: str, as_of: dt.date, part: Partners, scope: RowScope = RowScope(),
              partner_id: int | None = None) -> dict[int, Decimal]:
    """Open amount of ``kind`` per partner at the end of ``as_of`` (the advances / prepayments column)."""
    sql, pos = _open_sql((kind,), scope, partner_id, False)
    rows = _run(snap, f"SELECT coalesce(partner_id, 0), sum(amount - settled)::BIGINT FROM ({sql}) GROUP BY ALL",
                {"company": company_id, "as_of": as_of}, pos, part)
    return {int(p): _money(v) for p, v in rows}
