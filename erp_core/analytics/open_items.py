"""A native DuckDB copy of the open items (应收 / 应付 / 预收 / 预付 documents and their 核销 rows), kept in step
incrementally, and the receivables / payables aging and the overdue list computed from it (issues #13 and #17).

What is copied (all companies in one copy; every read filters its company):

- ``oi_doc``: one row per POSTED document of a registered open-item type (settlement.open_items.open_item_types)
  whose amount is not zero, with its kind, number, date, own due date (NULL when its type has none: the partner's
  payment terms are applied at read time, as they are today), partner, amount (BIGINT fen: header.total, or the
  type's ``extra["open_amount"]``), department, project, creator and remarks. A posted document is frozen
  (documents.models: only status/progress/version may still change), so a row once copied never changes.
- ``oi_settle``: every settlement row (append-only in the store: triggers refuse UPDATE and DELETE).

How it stays in step (``sync``):

- Per source table a watermark (the largest id read). Each sync reads the rows with ``id > watermark`` and, by
  primary key, the ``oi_pending`` ids: documents at or below the watermark that were not posted yet (drafts: a
  posting is picked up when it happens) and ids that were missing (an insert not committed yet on PostgreSQL /
  MariaDB, whose ids are not allocated in commit order, or a rolled-back one). A missing id is looked for again at
  every sync until it appears or HOLE_SECONDS have passed (a use case is one short transaction: an id still
  missing after that was rolled back or deleted). A cancelled draft leaves the pending list (it can never post).
  On SQLite ids are allocated under the database write lock, so there are no such holes; a deleted top row whose
  id SQLite reuses is caught by the watermark moving back to the store's largest id.
- "Anything new?" is the audit chain's stamp (analytics/stamps.py: it moves inside the transaction of every use
  case that changes anything, and a posting or settlement is always made by one), read before the sync, so the
  copy is at least as new as the stamp it is kept with. One primary-key look-up, kept per process for a second
  (this process's own commits are seen at once).
- A replaced store (a restore): the settlement row at the watermark is compared with the copy's; a different row,
  or a store whose largest settlement id is below the watermark, rebuilds the copy.
- Concurrency is the ledger copy's (issue #17): one sync at a time per engine (a non-blocking try of its lock,
  waited for only before the very first sync); a report that finds another sync running reads the last synced
  state and states it as of that sync; a report reads one DuckDB transaction; no pooled connection of the store is
  held while DuckDB works.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session, selectinload

from erp_core.analytics.engine import AnalyticsEngine, AsOf, Snapshot, _now
from erp_core.kernel.actor import Scope
from erp_core.kernel.money import MONEY_SCALE

HOLE_SECONDS = 900  # how long an id missing below the watermark is looked for (see module docstring)
HOLE_WINDOW = 10_000  # a sync looks for missing ids among the last this many ids it read
CHUNK = 100_000
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
CREATE TABLE IF NOT EXISTS oi_pending (tbl VARCHAR NOT NULL, id BIGINT NOT NULL, seen_at TIMESTAMP NOT NULL,
    missing BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS oi_sync (k INTEGER PRIMARY KEY, stamp BIGINT NOT NULL, synced_at TIMESTAMP NOT NULL,
    head VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS oi_state (tbl VARCHAR PRIMARY KEY, watermark BIGINT NOT NULL, fingerprint VARCHAR NOT NULL);
"""
_TABLES = ("oi_doc", "oi_settle", "oi_state", "oi_pending", "oi_sync")

_LOCKS_LOCK = threading.Lock()


def _lock(eng: AnalyticsEngine) -> threading.Lock:
    """The engine's open-items sync lock (its tables created on first use)."""
    lock = eng.__dict__.get("_open_items_lock")
    if lock is not None:
        return lock
    with _LOCKS_LOCK:
        lock = eng.__dict__.get("_open_items_lock")
        if lock is None:
            _ensure_schema(eng)
            lock = eng.__dict__["_open_items_lock"] = threading.Lock()
        return lock


def _ensure_schema(eng: AnalyticsEngine) -> None:
    cur = eng.cursor()
    try:
        cur.execute(_SCHEMA)
        row = cur.execute("SELECT value FROM meta WHERE key = 'open_items_schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            for t in _TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {t}")
            cur.execute(_SCHEMA)
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('open_items_schema', ?)", [SCHEMA_VERSION])
    finally:
        cur.close()


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


def _fetch(conn, sql: str, params: dict) -> list[tuple]:
    """Rows as plain tuples through the driver's own cursor (no Row objects for a million rows); the parameters
    are integers, written into the statement."""
    for k, v in params.items():
        sql = sql.replace(f":{k}", str(int(v)))
    raw = conn.connection.driver_connection.cursor()
    try:
        raw.execute(sql)
        out: list[tuple] = []
        while rows := raw.fetchmany(CHUNK):
            out += rows if isinstance(rows[0], tuple) else [tuple(r) for r in rows]
        return out
    finally:
        raw.close()


def _fetch_ids(conn, src: _Source, ids: Sequence[int]) -> list[tuple]:
    out: list[tuple] = []
    ids = sorted(int(i) for i in ids)
    for i in range(0, len(ids), 5000):
        chunk = ", ".join(str(x) for x in ids[i:i + 5000])
        sql = _SETTLE_SQL.format(where=f"id IN ({chunk})") if src.item_type is None \
            else _doc_sql(src, f"id IN ({chunk})")
        out += _fetch(conn, sql, {})
    return out


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


# -- sync ------------------------------------------------------------------------------------------------

_HEADS: dict[int, tuple[int, Any, float, int, str]] = {}
STAMP_TTL = 1.0  # seconds a process keeps the audit head it read (as analytics/stamps.current)


def _stamp(eng: AnalyticsEngine) -> tuple[int, str]:
    """(last sequence number, last hash) of the audit chain: the sequence moves with every use case that
    commits; the hash tells a store replaced by another whose chain reached the same number (a restore, a test
    database reused). Kept per process for STAMP_TTL seconds; a use case committed in this process is seen at
    once (stamps._epoch moves after every audited commit)."""
    from sqlalchemy import select

    from erp_core.analytics import stamps
    from erp_core.security.models import AuditChainHead

    db = eng.db
    key, epoch = id(db.engine), stamps._epoch[0]
    kept = _HEADS.get(key)
    if kept is not None and kept[0] == epoch and kept[1] is db.engine and time.monotonic() - kept[2] < STAMP_TTL:
        return kept[3], kept[4]
    at = time.monotonic()
    with db.engine.connect() as c:
        c.execution_options(readonly=True)
        row = c.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                        .where(AuditChainHead.id == 1)).first()
    seq, digest = (int(row[0] or 0), str(row[1] or "")) if row else (0, "")
    if len(_HEADS) > 64:
        _HEADS.clear()
    _HEADS[key] = (epoch, db.engine, at, seq, digest)  # under the epoch read before the look-up
    return seq, digest


def _sync_state(cur) -> tuple[int, dt.datetime, str] | None:
    row = cur.execute("SELECT stamp, synced_at, head FROM oi_sync WHERE k = 1").fetchone()
    return (int(row[0]), row[1], row[2]) if row else None


def sync(eng: AnalyticsEngine) -> AsOf:
    """Bring the open-items copy up to the store (waits for a running sync)."""
    with _lock(eng):
        return _sync_locked(eng, _stamp(eng))


def _fingerprint(conn, src: _Source, row_id: int) -> str:
    """What identifies the row ``row_id`` of a source table ("" when there is none)."""
    if not row_id:
        return ""
    rows = _fetch_ids(conn, src, [row_id])
    return repr(tuple(int(v) if isinstance(v, (int, Decimal)) else str(v) for v in rows[0][:5])) if rows else ""


def _sync_locked(eng: AnalyticsEngine, stamp: tuple[int, str]) -> AsOf:
    cur = eng.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            with eng.db.engine.connect() as conn:
                # One snapshot for all the tables (SQLite's read transaction is one): a document and the
                # settlement rows committed with it are copied together or not at all.
                conn.execution_options(readonly=True, **({} if eng.backend == "sqlite"
                                                         else {"isolation_level": "REPEATABLE READ"}))
                conn.exec_driver_sql("SELECT 1")  # opens the read transaction the driver's cursors read in
                states = {t: (int(w), fp) for t, w, fp in cur.execute(
                    "SELECT tbl, watermark, fingerprint FROM oi_state").fetchall()}
                sources = _sources()
                # A replaced store (a restore, a test database reused): the row at a watermark is another one
                # (or gone): copy everything again.
                if any(_fingerprint(conn, src, states[src.table][0]) != states[src.table][1]
                       for src in sources if src.table in states):
                    for t in ("oi_doc", "oi_settle", "oi_state", "oi_pending"):
                        cur.execute(f"DELETE FROM {t}")
                    states = {}
                now = _now()
                for src in sources:
                    high = _sync_source(eng, cur, conn, src, states.get(src.table, (0, ""))[0], now)
                    cur.execute("INSERT OR REPLACE INTO oi_state VALUES (?, ?, ?)",
                                [src.table, high, _fingerprint(conn, src, high)])
            cur.execute("INSERT OR REPLACE INTO oi_sync VALUES (1, ?, ?, ?)", [stamp[0], now, stamp[1]])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return AsOf(stamp[0], now)
    finally:
        cur.close()


def _sync_source(eng: AnalyticsEngine, cur, conn, src: _Source, watermark: int, now: dt.datetime) -> int:
    """Copy what is new in one source table; returns its new watermark."""
    top = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {src.table}")).scalar() or 0)
    if top < watermark:  # the top rows were deleted (drafts): SQLite may give their ids again
        cur.execute("DELETE FROM oi_pending WHERE tbl = ? AND id > ?", [src.table, top])
        watermark = top
    pending = {int(i): (seen, missing) for i, seen, missing in cur.execute(
        "SELECT id, seen_at, missing FROM oi_pending WHERE tbl = ?", [src.table]).fetchall()}
    new = _fetch(conn, _SETTLE_SQL.format(where="id > :w") if src.item_type is None
                 else _doc_sql(src, "id > :w"), {"w": watermark}) if top > watermark else []
    again = _fetch_ids(conn, src, list(pending)) if pending else []
    rows = new + again
    found = {int(r[0]) for r in rows}
    keep: list[tuple[int, dt.datetime, bool]] = []
    high = max([watermark, *(int(r[0]) for r in new)])
    # ids missing now: the old pending ones (until HOLE_SECONDS) and the holes in the new range
    for i, (seen, _missing) in pending.items():
        if i not in found and (now - seen).total_seconds() < HOLE_SECONDS:
            keep.append((i, seen, True))
    if new:  # an id not committed yet is near the top: older gaps of a first read are not looked for again
        new_ids = {int(r[0]) for r in new}
        keep += [(i, now, True) for i in range(max(watermark, high - HOLE_WINDOW) + 1, high) if i not in new_ids]
    if src.item_type is None:
        _add_settlements(cur, rows)
    else:
        posted = [r for r in rows if r[11]]
        waiting = [r for r in rows if not r[11] and _posts_later(src, r[12])]
        keep += [(int(r[0]), pending.get(int(r[0]), (now, False))[0], False) for r in waiting]
        _add_documents(eng, cur, conn, src, posted)
    cur.execute("DELETE FROM oi_pending WHERE tbl = ?", [src.table])
    if keep:
        frame = pa.table({"tbl": pa.array([src.table] * len(keep), pa.string()),  # noqa: F841 (read by name)
                          "id": pa.array([k[0] for k in keep], pa.int64()),
                          "seen_at": pa.array([k[1] for k in keep], pa.timestamp("us")),
                          "missing": pa.array([k[2] for k in keep], pa.bool_())})
        cur.execute("INSERT INTO oi_pending SELECT * FROM frame")
    return high


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


# -- reading ---------------------------------------------------------------------------------------------

def _as_of(state, stamp: tuple[int, str], checked: dt.datetime) -> AsOf:
    if state is None:
        raise RuntimeError("open-items copy was never synced")
    return AsOf(state[0], checked if (state[0], state[2]) == stamp else state[1])


@contextmanager
def reading(eng: AnalyticsEngine) -> Iterator[Snapshot]:
    """One report's read of the open-items copy: synced first when the audit stamp moved and no other sync runs
    (waits only before the very first sync); yields a Snapshot whose ``as_of.watermark`` is the audit sequence
    number the copy is as of."""
    lock = _lock(eng)
    cur = eng.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        state = _sync_state(cur)
        checked = _now()
        stamp = _stamp(eng)
        if state is None or (state[0], state[2]) != stamp:
            if lock.acquire(blocking=state is None):
                try:
                    _sync_locked(eng, stamp)
                finally:
                    lock.release()
                cur.execute("ROLLBACK")
                cur.execute("BEGIN TRANSACTION")
                state = _sync_state(cur)
        yield Snapshot(eng, cur, _as_of(state, stamp, checked))
    finally:
        try:
            cur.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - no transaction open
            pass
        cur.close()


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


def wait_idle(eng: AnalyticsEngine, timeout: float = 30.0) -> None:
    """Tests: wait for a running sync to finish."""
    lock = _lock(eng)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if lock.acquire(timeout=0.1):
            lock.release()
            return
