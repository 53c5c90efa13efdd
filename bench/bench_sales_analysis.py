"""Sales analysis (销售分析) from the analytics copy at scale (issue #13), against a baseline measured in the same run.

    .venv/bin/python bench/bench_sales_analysis.py [--lines 1000000] [--per-invoice 10] [--customers 2000]
                                                   [--products 500] [--repeat 3] [--no-write]

A synthetic store on SQLite, written with raw executemany (not through the use cases): one company, --customers
customers (with addresses in a few provinces), --products products (every fifth costed by month-end average),
--lines / --per-invoice posted deliveries each with --per-invoice lines and one issue stock move per line, and as
many posted sales invoices, each invoicing its delivery's lines in full over 2026; costing runs for January to
June (so July on is "estimated" for the month-end-average products) and one cost correction per 50 moves.

1. ``sales_analysis(by="customer")`` and ``by="month"`` through the query path (permission, row scope, the live
   tables read in a short unit of work, then the lines' cost and the sums in DuckDB over the sales copy,
   analytics/sales.py) for the year. The copy's first build (the whole store) and an incremental sync after one
   more invoice line are timed separately; the operational-store reference path (billing.analysis_queries
   .analysis_of) once.
2. Baseline: revenue and cost per customer by ONE bare DuckDB query over native DuckDB copies of the same rows
   (the lines with their invoice's customer, the moves, the corrections; copy not timed).
Appends a section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_reports import RESULTS, machine  # noqa: E402

YEAR = 2026
PROVINCES = ("湖南省长沙市", "上海市浦东新区", "广东省深圳市", "浙江省杭州市", "四川省成都市")


def _median(fn, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), result


def _filler(table) -> dict[str, object]:
    """A value for every NOT NULL column without a default (overridden by the caller where it matters)."""
    import sqlalchemy as sa

    out: dict[str, object] = {}
    for c in table.columns:
        if c.nullable or c.primary_key or c.server_default is not None:
            continue
        t = c.type
        if isinstance(t, sa.DateTime) or "UtcDateTime" in type(t).__name__:
            out[c.name] = "2026-12-31 00:00:00"
        elif isinstance(t, sa.Date):
            out[c.name] = "2026-01-01"
        elif isinstance(t, sa.Boolean):
            out[c.name] = 0
        elif isinstance(t, sa.String | sa.Text):
            out[c.name] = ""
        else:
            out[c.name] = 0
    return out


def _insert(raw, table, rows: list[dict]) -> None:
    base = _filler(table)
    cols = list({**base, **rows[0]})
    raw.executemany(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [tuple({**base, **r}[c] for c in cols) for r in rows])


def build(path: Path, lines: int, per: int, customers: int, products: int):
    from erp_core.billing.models import SalesInvoice, SalesInvoiceLine
    from erp_core.config import Settings
    from erp_core.costing.models import CostCorrection, CostingRun
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from erp_core.documents.registry import document_type
    from erp_core.inventory.models import StockMove
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from tests.support.factories import admin_actor, make_company

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=path.parent))
    company = make_company(db)
    admin = admin_actor(db, company)
    cid = company.company_id
    dh, dl = document_type("sales_delivery").header, document_type("sales_delivery").line
    raw = sqlite3.connect(path)
    wh = raw.execute("SELECT id FROM warehouse WHERE company_id = ? LIMIT 1", (cid,)).fetchone()
    if wh is None:
        from erp_core.masterdata.warehouse_services import create_warehouse

        raw.close()
        create_warehouse(db, admin, code="WHB", name="基准仓")
        raw = sqlite3.connect(path)
        wh = raw.execute("SELECT id FROM warehouse WHERE company_id = ? LIMIT 1", (cid,)).fetchone()
    wh = wh[0]
    _insert(raw, Customer.__table__, [{"company_id": cid, "code": f"C{i:05d}", "name": f"客户{i}",
                                       "name_norm": f"客户{i}", "active": 1, "version": 1,
                                       "address": f"{PROVINCES[i % len(PROVINCES)]}{i}号"} for i in range(customers)])
    _insert(raw, Product.__table__, [{"company_id": cid, "code": f"P{i:05d}", "name": f"商品{i}", "active": 1,
                                      "version": 1, "costing_method": "monthly_average" if i % 5 == 0
                                      else "moving_average"} for i in range(products)])
    cust = [r[0] for r in raw.execute("SELECT id FROM customer WHERE company_id = ? ORDER BY id", (cid,))]
    prod = [r[0] for r in raw.execute("SELECT id FROM product WHERE company_id = ? ORDER BY id", (cid,))]
    rnd = random.Random(17)
    docs = lines // per
    heads, invs = [], []
    for i in range(docs):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=i * 360 // docs)
        partner = cust[rnd.randrange(len(cust))]
        common = {"company_id": cid, "doc_date": day.isoformat(), "period": day.strftime("%Y-%m"),
                  "status": "posted", "progress": "open", "partner_id": partner, "version": 1,
                  "posted_at": "2026-12-31 00:00:00", "created_at": "2026-12-31 00:00:00"}
        heads.append({**common, "number": f"SD{i:08d}", "warehouse_id": wh})
        invs.append({**common, "number": f"SI{i:08d}", "vat_kind": "special"})
    _insert(raw, dh.__table__, heads)
    _insert(raw, SalesInvoice.__table__, invs)
    d0 = raw.execute("SELECT min(id) FROM sales_delivery").fetchone()[0]
    i0 = raw.execute("SELECT min(id) FROM sales_invoice").fetchone()[0]
    raw.execute("INSERT INTO stock_posting (company_id, posting_key, content_hash, move_date, first_seq, move_count, "
                "posted_at) VALUES (?, 'bench', '', '2026-01-01', 1, ?, '2026-12-31 00:00:00')", (cid, lines))
    sp = raw.execute("SELECT max(id) FROM stock_posting").fetchone()[0]
    dlines, moves, ilines = [], [], []
    for i in range(docs):
        day = heads[i]["doc_date"]
        for n in range(per):
            p = prod[rnd.randrange(len(prod))]
            qty = rnd.randint(1, 50) * 1_000_000  # millionths
            price = rnd.randint(500, 50_000)  # fen per unit
            cost = price * rnd.randint(50, 90) // 100
            dlines.append({"header_id": d0 + i, "line_no": n + 1, "product_id": p, "warehouse_id": wh,
                           "ordered_qty": qty, "unit_price": price * 10_000, "amount": price * qty // 1_000_000})
            moves.append({"company_id": cid, "move_seq": len(moves) + 1, "posting_id": sp, "posting_key": "bench",
                          "move_date": day, "period": day[:7], "warehouse_id": wh, "product_id": p,
                          "quantity": -qty, "unit_cost": cost * 10_000, "amount": -(cost * qty // 1_000_000),
                          "move_type": "issue", "source_type": "sales_delivery", "source_id": d0 + i,
                          "posted_at": "2026-12-31 00:00:00"})
    _insert(raw, dl.__table__, dlines)
    l0 = raw.execute("SELECT min(id) FROM sales_delivery_line").fetchone()[0]
    for k, d in enumerate(dlines):
        ilines.append({"header_id": i0 + (d["header_id"] - d0), "line_no": d["line_no"], "product_id": d["product_id"],
                       "ordered_qty": d["ordered_qty"], "unit_price": d["unit_price"], "amount": d["amount"],
                       "source_type": "sales_delivery", "source_line_id": l0 + k})
    _insert(raw, SalesInvoiceLine.__table__, ilines)
    _insert(raw, StockMove.__table__, moves)
    m0 = raw.execute("SELECT min(id) FROM stock_move WHERE company_id = ?", (cid,)).fetchone()[0]
    _insert(raw, CostCorrection.__table__, [{"company_id": cid, "target_move_id": m0 + k, "revaluation_move_id": k,
                                             "amount": -rnd.randint(1, 500), "account_code": "5401", "origin": "run",
                                             "move_date": moves[k]["move_date"]} for k in range(0, len(moves), 50)])
    _insert(raw, CostingRun.__table__, [{"company_id": cid, "period": f"{YEAR}-{m:02d}", "inputs_hash": ""}
                                        for m in range(1, 7)])
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()
    return db, admin


BASELINE = """
WITH corr AS (SELECT target_move_id, sum(amount) AS a FROM corr GROUP BY 1),
cost AS (SELECT m.delivery_id, m.product_id, -sum(m.qty) AS q, -sum(m.amount + coalesce(corr.a, 0)) AS a
         FROM moves m LEFT JOIN corr ON corr.target_move_id = m.id GROUP BY ALL)
SELECT l.partner_id, sum(l.amount), sum(c.a * l.qty // c.q)
FROM lines l LEFT JOIN cost c ON c.delivery_id = l.delivery_id AND c.product_id = l.product_id
WHERE l.doc_date BETWEEN $f AND $t GROUP BY 1
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--per-invoice", type=int, default=10)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--products", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference-up-to", type=int, default=200_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    import duckdb

    from erp_core.analytics import sales as asa
    from erp_core.analytics.engine import engine_for
    from erp_core.billing import analysis_queries as q
    from erp_core.usecase import Context

    tmp = Path(tempfile.mkdtemp(prefix="bench_sales_analysis_"))
    path = tmp / "sa.db"
    t0 = time.perf_counter()
    db, admin = build(path, args.lines, args.per_invoice, args.customers, args.products)
    built = time.perf_counter() - t0
    cid = admin.company_id
    f, t = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)

    eng = engine_for(db)
    first_sync, _ = _median(lambda: asa.sync(eng), 1)
    by_customer, rows = _median(lambda: q.sales_analysis(db, admin, by="customer", date_from=f, date_to=t),
                                args.repeat)
    by_month, months = _median(lambda: q.sales_analysis(db, admin, by="month", date_from=f, date_to=t), args.repeat)
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO sales_invoice_line (header_id, line_no, product_id, warehouse_id, ordered_qty, "
                "received_qty, invoiced_qty, returned_qty, unit_price, amount, remarks, source_type, source_line_id, "
                "tax_rate, tax_amount, gross_amount, advance) SELECT header_id, line_no + 1000, product_id, "
                "warehouse_id, ordered_qty, received_qty, invoiced_qty, returned_qty, unit_price, amount, remarks, "
                "source_type, source_line_id, tax_rate, tax_amount, gross_amount, advance FROM sales_invoice_line "
                "WHERE id = (SELECT max(id) FROM sales_invoice_line)")
    raw.execute("INSERT INTO sales_invoice (company_id, number, doc_date, period, status, progress, remarks, "
                "attachments, partner_id, total, created_at, posted_at, version, invoice_no, vat_kind, red, "
                "red_reason, net_total, tax_total) SELECT company_id, 'SI-NEW', doc_date, period, status, progress, "
                "remarks, attachments, partner_id, total, created_at, posted_at, version, '', vat_kind, red, "
                "red_reason, net_total, tax_total FROM sales_invoice WHERE id = (SELECT max(id) FROM sales_invoice)")
    raw.execute("UPDATE sales_invoice_line SET header_id = (SELECT max(id) FROM sales_invoice) WHERE id = "
                "(SELECT max(id) FROM sales_invoice_line)")
    raw.commit()
    raw.close()
    incremental, _ = _median(lambda: asa.sync(eng), 1)
    rows = q.sales_analysis(db, admin, by="customer", date_from=f, date_to=t)  # with the line just added
    operational, reference = None, None
    if args.lines <= args.reference_up_to:  # the ORM reference loads every line: gigabytes at a million
        with db.uow(readonly=True) as uow:
            ctx = Context(uow.session, admin, q.VIEW[0], db, company_id=cid)
            operational, reference = _median(lambda: q.analysis_of(ctx, "customer", f, t), 1)
    # the baseline's native copies (not timed)
    duck = duckdb.connect()
    raw = sqlite3.connect(path)
    import pandas as pd

    for name, sql, dates in (
            ("lines", "SELECT i.partner_id, i.doc_date, l.product_id, l.ordered_qty AS qty, l.amount, "
                      "dl.header_id AS delivery_id FROM sales_invoice_line l JOIN sales_invoice i ON i.id = l.header_id "
                      "LEFT JOIN sales_delivery_line dl ON dl.id = l.source_line_id", ("doc_date",)),
            ("moves", "SELECT id, source_id AS delivery_id, product_id, quantity AS qty, amount FROM stock_move "
                      "WHERE source_type = 'sales_delivery'", ()),
            ("corr", "SELECT target_move_id, amount FROM cost_correction", ())):
        frame = pd.read_sql_query(sql, raw)
        for c in dates:
            frame[c] = pd.to_datetime(frame[c]).dt.date
        duck.register("frame", frame)
        duck.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        duck.unregister("frame")
    raw.close()
    baseline, base_rows = _median(lambda: duck.execute(BASELINE, {"f": f, "t": t}).fetchall(), args.repeat)
    revenue = sum(int(r[1]) for r in base_rows) / 100
    got = float(sum(r["revenue"] for r in rows))
    assert abs(got - revenue) < 0.01, (got, revenue)
    assert reference is None or rows == reference, "copy and operational reference differ"
    ratio = by_customer / baseline if baseline else float("inf")
    import os

    report = f"""
## Sales analysis from the analytics copy (bench/bench_sales_analysis.py, issue #13, helper sales4) — {dt.date.today()}
{machine()}; load average at the end {os.getloadavg()[0]:.2f} (machine shared with other helpers); SQLite;
{args.lines:,} posted invoice lines ({args.lines // args.per_invoice:,} invoices of {args.per_invoice} lines, each
from its delivery's lines), {args.lines:,} issue moves, {args.lines // 50:,} cost corrections, {args.customers:,}
customers, {args.products:,} products (a fifth month-end average); store built in {built:.0f} s.

| measure | median of {args.repeat} | baseline (same run) | ratio |
|---|---|---|---|
| `sales_analysis(by="customer")` (query path: permission, row scope, live tables from the store, costs and sums in DuckDB over the sales copy) | {by_customer * 1000:,.0f} ms | bare DuckDB query on native copies {baseline * 1000:,.1f} ms | {ratio:.1f}x |
| `sales_analysis(by="month")` | {by_month * 1000:,.0f} ms | same | {by_month / baseline:.1f}x |
| the operational-store reference (`analysis_of`, Python over ORM rows; one run) | {"not run at this size" if operational is None else f"{operational * 1000:,.0f} ms"} | same | {"" if operational is None else f"{operational / baseline:.1f}x"} |
| first build of the sales copy (whole store; one run) | {first_sync:,.1f} s | | |
| incremental sync after one more invoice (one run) | {incremental * 1000:,.0f} ms | | |

Revenue {revenue:,.2f} agrees between the query path and the baseline ({len(rows):,} customers, {len(months):,}
months){"" if reference is None else "; the copy's rows equal the operational reference's"}.
"""
    print(report)
    if not args.no_write:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(report)


if __name__ == "__main__":
    main()
