"""A native DuckDB copy of what the sales analysis (销售分析) and the sales dashboard read, kept in step
incrementally, and the figures computed from it (issue #13).

What is copied (all companies in one copy; every read filters its company):

- ``sa_line``: one row per line of a POSTED sales invoice (red invoices and red copies included), with the
  invoice's date, customer, department, project and creator, the line's product, remarks, signed quantity
  (BIGINT millionths) and signed net amount (BIGINT fen), and, for a line invoiced from a delivery (a red copy
  made by reversing an invoice: its original's line of the same number), the delivery and its date. A posted
  invoice and its lines are frozen (documents.models), and so is a posted delivery's date: a row never changes.
- ``sa_move``: the stock moves of sales deliveries (delivery, product, quantity, amount; stock_move is
  append-only).
- ``sa_corr``: the costing runs' corrections of stock moves (cost_correction, append-only).

What is read live at each report (it changes): customers (name, salesperson, address -> region, department),
products (name, costing method), user names and the periods with a costing run.

How it stays in step: the frame of analytics/copies.py, as the open-items copy: the audit chain's stamp says
"anything new?"; per source table an id watermark; ids at or below it that were missing (not committed yet on
PostgreSQL / MariaDB) are looked for again for HOLE_SECONDS, and invoices not posted yet are looked at again at
every sync until they post or can no longer post; a replaced store (the row at a watermark is another one)
rebuilds the copy. One sync at a time, tried and never waited for except before the first; a report reads one
DuckDB transaction and states its as-of; no pooled connection is held while DuckDB works.

Costs are exact: a line's cost is the delivery's issue amount of the product (moves + corrections) x the
quantity invoiced / the quantity issued, rounded half up to the fen in integer arithmetic (HUGEINT) -- the same
figure as billing.analysis_queries' operational reference path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pyarrow as pa

from erp_core.analytics.copies import IncrementalCopy, Keep, fetch, ids_sql, row_key
from erp_core.analytics.engine import AnalyticsEngine, AsOf, Snapshot
from erp_core.kernel.money import MONEY_SCALE, QUANTITY_SCALE

SCHEMA_VERSION = "1"
INVOICE, MOVE, CORR = "sales_invoice", "stock_move", "cost_correction"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sa_line (
    company_id INTEGER NOT NULL, invoice_id BIGINT NOT NULL, line_no INTEGER NOT NULL, doc_date DATE NOT NULL,
    partner_id INTEGER, department_id INTEGER, project_id INTEGER, created_by INTEGER, product_id INTEGER,
    remarks VARCHAR, qty BIGINT NOT NULL, revenue BIGINT NOT NULL, delivery_id BIGINT, ship_date DATE);
CREATE TABLE IF NOT EXISTS sa_move (
    company_id INTEGER NOT NULL, move_id BIGINT NOT NULL, delivery_id BIGINT NOT NULL, product_id INTEGER NOT NULL,
    qty BIGINT NOT NULL, amount BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sa_corr (
    company_id INTEGER NOT NULL, id BIGINT NOT NULL, target_move_id BIGINT NOT NULL, amount BIGINT NOT NULL);
"""

# the columns each source table is read with (the first is its id)
_SQL = {
    INVOICE: ("SELECT id, company_id, doc_date, partner_id, department_id, project_id, created_by, red, reverses_id, "
              "CASE WHEN posted_at IS NULL THEN 0 ELSE 1 END AS posted, status FROM sales_invoice WHERE {where}"),
    MOVE: ("SELECT id, company_id, source_id, product_id, quantity, amount FROM stock_move "
           "WHERE source_type = 'sales_delivery' AND {where}"),
    CORR: "SELECT id, company_id, target_move_id, amount FROM cost_correction WHERE {where}",
}


_FINGERPRINT = {INVOICE: "id, company_id, number, doc_date", MOVE: "id, company_id, posting_id, product_id, quantity",
                CORR: "id, company_id, target_move_id, amount"}


class _SalesCopy(IncrementalCopy):
    name, prefix, schema, version = "sales", "sa", _SCHEMA, SCHEMA_VERSION
    data_tables = ("sa_line", "sa_move", "sa_corr")

    def sources(self) -> tuple[str, ...]:
        return (INVOICE, MOVE, CORR)

    def select_sql(self, table: str, where: str) -> str:
        return _SQL[table].format(where=where)

    def filtered(self, table: str) -> bool:
        return table == MOVE  # only the sales deliveries' moves are read

    def fingerprint(self, conn, table: str, row_id: int) -> str:
        """Any row of the table, not only the copied kind."""
        if not row_id:
            return ""
        rows = fetch(conn, f"SELECT {_FINGERPRINT[table]} FROM {table} WHERE id = :i", {"i": row_id})
        return row_key(rows[0]) if rows else ""

    def store(self, eng: AnalyticsEngine, cur, conn, table: str, rows: list[tuple],
              pending: dict[int, tuple[dt.datetime, bool]], now: dt.datetime) -> list[Keep]:
        if table == INVOICE:
            from erp_core.analytics.open_items import _posts_later, _Source

            src = _Source(INVOICE, INVOICE, "receivable", True, False)
            _add_invoices(cur, conn, [r for r in rows if r[9]])
            return [(int(r[0]), pending.get(int(r[0]), (now, False))[0], False) for r in rows
                    if not r[9] and _posts_later(src, r[10])]
        if table == MOVE:
            _insert(cur, "sa_move", rows, ("company_id", "move_id", "delivery_id", "product_id", "qty", "amount"),
                    order=(1, 0, 2, 3, 4, 5))
        else:
            _insert(cur, "sa_corr", rows, ("company_id", "id", "target_move_id", "amount"), order=(1, 0, 2, 3))
        return []


COPY = _SalesCopy()


def sync(eng: AnalyticsEngine) -> AsOf:
    """Bring the sales copy up to the store (waits for a running sync)."""
    return COPY.sync(eng)


def reading(eng: AnalyticsEngine) -> AbstractContextManager[Snapshot]:
    """One report's read of the sales copy (analytics/copies.py: synced first when the audit stamp moved and no
    other sync runs); ``as_of.watermark`` is the audit sequence number the copy is as of."""
    return COPY.reading(eng)


def _insert(cur, table: str, rows: list[tuple], names: Sequence[str], order: Sequence[int]) -> None:
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    batch = pa.table({n: pa.array([None if v is None else int(v) for v in cols[i]], pa.int64())  # noqa: F841
                      for n, i in zip(names, order, strict=True)})
    cur.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM batch")


def _date(v: Any) -> str | None:
    return None if v is None else str(v)[:10]


def _add_invoices(cur, conn, headers: list[tuple]) -> None:
    """The lines of posted invoices, with the delivery (and its date) each was invoiced from."""
    if not headers:
        return
    ids = [int(h[0]) for h in headers]
    lines: list[tuple] = []
    for i in range(0, len(ids), 2000):
        lines += fetch(conn, "SELECT header_id, line_no, product_id, remarks, ordered_qty, amount, source_type, "
                              f"source_line_id FROM sales_invoice_line WHERE header_id IN ({ids_sql(ids[i:i + 2000])})",
                        {})
    # a red copy made by reverse_document carries no source: its original's line of the same number does
    originals = sorted({int(h[8]) for h in headers if h[8] is not None})
    orig_src: dict[tuple[int, int], tuple[str | None, int | None]] = {}
    for i in range(0, len(originals), 2000):
        for hid, no, st, sl in fetch(conn, "SELECT header_id, line_no, source_type, source_line_id FROM "
                                      f"sales_invoice_line WHERE header_id IN ({ids_sql(originals[i:i + 2000])})",
                                      {}):
            orig_src[(int(hid), int(no))] = (st, sl)
    head = {int(h[0]): h for h in headers}

    def source(ln: tuple) -> tuple[str | None, int | None]:
        h = head[int(ln[0])]
        if h[8] is not None:
            return orig_src.get((int(h[8]), int(ln[1])), (ln[6], ln[7]))
        return ln[6], ln[7]

    dl_ids = sorted({int(s[1]) for s in map(source, lines) if s[0] == "sales_delivery" and s[1] is not None})
    dlines: dict[int, tuple[int, Any]] = {}
    for i in range(0, len(dl_ids), 2000):
        for lid, hid, d in fetch(conn, "SELECT l.id, l.header_id, h.doc_date FROM sales_delivery_line l JOIN "
                                  "sales_delivery h ON h.id = l.header_id WHERE "
                                  f"l.id IN ({ids_sql(dl_ids[i:i + 2000])})", {}):
            dlines[int(lid)] = (int(hid), d)
    out = []
    for ln in lines:
        h = head[int(ln[0])]
        sign = -1 if h[7] else 1
        st, sl = source(ln)
        dl = dlines.get(int(sl)) if st == "sales_delivery" and sl is not None else None
        out.append((h[1], h[0], ln[1], _date(h[2]), h[3], h[4], h[5], h[6], ln[2], ln[3] or "",
                    int(ln[4]) * sign, int(ln[5]) * sign, dl[0] if dl else None, _date(dl[1]) if dl else None))
    if not out:
        return
    c = list(zip(*out, strict=True))
    ints = lambda v: pa.array([None if x is None else int(x) for x in v], pa.int64())  # noqa: E731
    batch = pa.table({"company_id": ints(c[0]), "invoice_id": ints(c[1]), "line_no": ints(c[2]),  # noqa: F841
                      "doc_date": pa.array(c[3], pa.string()), "partner_id": ints(c[4]),
                      "department_id": ints(c[5]), "project_id": ints(c[6]), "created_by": ints(c[7]),
                      "product_id": ints(c[8]), "remarks": pa.array(c[9], pa.string()), "qty": ints(c[10]),
                      "revenue": ints(c[11]), "delivery_id": ints(c[12]), "ship_date": pa.array(c[13], pa.string())})
    cur.execute("INSERT INTO sa_line SELECT company_id, invoice_id, line_no, CAST(doc_date AS DATE), partner_id, "
                "department_id, project_id, created_by, product_id, remarks, qty, revenue, delivery_id, "
                "CAST(ship_date AS DATE) FROM batch")


# -- reading ---------------------------------------------------------------------------------------------------

def lines_sql(scope_sql: str = "") -> str:
    """Each visible invoice line of $company dated $date_from..$date_to with its dimensions, quantity (BIGINT
    millionths), revenue and cost (BIGINT fen) and estimated flag. Needs the registered Arrow tables
    ``sa_customers`` (pid, customer, salesperson, region, p_department, p_owner), ``sa_products`` (product_id,
    label, monthly) and ``sa_runs`` (period)."""
    where = ["d.company_id = $company", "d.doc_date >= $date_from", "d.doc_date <= $date_to"]
    if scope_sql:
        where.append(scope_sql)
    return (
        "WITH corr AS (SELECT target_move_id, sum(amount) AS a FROM sa_corr WHERE company_id = $company GROUP BY 1), "
        "cost AS (SELECT m.delivery_id, m.product_id, -sum(m.qty)::HUGEINT AS q, "
        "-sum(m.amount + coalesce(corr.a, 0))::HUGEINT AS a FROM sa_move m "
        "LEFT JOIN corr ON corr.target_move_id = m.move_id WHERE m.company_id = $company GROUP BY ALL), "
        "l AS (SELECT d.*, p.customer, p.salesperson, p.region, pr.label AS plabel, coalesce(pr.monthly, FALSE) "
        "AS monthly, c.q AS cq, c.a::HUGEINT * d.qty::HUGEINT AS n FROM sa_line d "
        "LEFT JOIN sa_customers p ON p.pid = d.partner_id "
        "LEFT JOIN sa_products pr ON pr.product_id = d.product_id "
        "LEFT JOIN cost c ON c.delivery_id = d.delivery_id AND c.product_id = d.product_id "
        f"WHERE {' AND '.join(where)}) "
        "SELECT strftime(doc_date, '%Y-%m') AS month, coalesce(customer, '') AS customer, "
        "coalesce(plabel, remarks, '') AS product, coalesce(salesperson, '') AS salesperson, "
        "coalesce(region, '') AS region, qty, revenue, "
        "CASE WHEN delivery_id IS NULL OR cq IS NULL OR cq = 0 THEN 0::HUGEINT "
        "ELSE sign(n) * sign(cq) * ((abs(n) * 2 + abs(cq)) // (2 * abs(cq))) END AS cost, "
        "(delivery_id IS NOT NULL AND monthly AND strftime(ship_date, '%Y-%m') NOT IN (SELECT period FROM sa_runs)) "
        "AS estimated FROM l")


def run(snap: Snapshot, sql: str, params: dict, positional: Sequence[Any], tables: dict[str, pa.Table]):
    """DuckDB takes either named or positional parameters: the scope's ? become $pN."""
    for n, v in enumerate(positional):
        sql = sql.replace("?", f"$p{n}", 1)
        params[f"p{n}"] = v
    cur = snap.cursor()
    for name, t in tables.items():
        cur.register(name, t)
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        for name in tables:
            cur.unregister(name)


def qty(v: int) -> Decimal:
    return Decimal(int(v)).scaleb(-QUANTITY_SCALE)


def money(v: int) -> Decimal:
    return Decimal(int(v)).scaleb(-MONEY_SCALE)
