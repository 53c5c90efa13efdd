"""Receivables aging as of a past date at scale (issue #13 item 10), against a baseline measured in the same run.

    .venv/bin/python bench/bench_receivables.py [--invoices 1000000] [--customers 2000] [--no-write]

A synthetic store on SQLite: one company, --customers customers (账期 30 days), --invoices posted sales invoices
over 2025-2026 (headers only: the aging reads the header's amount, date and due date) and as many receipts'
settlement rows (one per invoice, 85 % of them settling it in full and 15 % in part, dated 0-60 days after the
invoice), written with raw executemany. Receipt documents themselves are not written (the aging reads the
settlement rows; a receipt's header and lines add nothing to what it reads).

1. ``receivables_aging(items=False)`` through the query path (permission, row scope, the customers' facts read in
   a short unit of work, then the buckets summed in DuckDB over the analytics copy of the open items,
   analytics/open_items.py) as of 2026-03-31; and once with ``items=True`` (every open item fetched, the report's
   path). The copy's first build (the whole store) and an incremental sync after one more invoice and receipt
   row are timed separately; the operational-store path (billing.queries.aging_of, items=False) once for reference.
2. Baseline: the same figures (open amount per customer and bucket) by ONE bare DuckDB query over native DuckDB
   copies of the two tables (copy not timed).
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

AS_OF = dt.date(2026, 3, 31)
START = dt.date(2025, 1, 1)


def _median(fn, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), result


def build(path: Path, invoices: int, customers: int):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from tests.support.factories import admin_actor, make_company

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=path.parent))
    company = make_company(db)
    admin = admin_actor(db, company)
    cid = company.company_id
    now = dt.datetime(2026, 4, 1).isoformat(" ")
    raw = sqlite3.connect(path)
    raw.executemany("INSERT INTO customer (company_id, code, name, name_norm, payment_terms_days, active, version, "
                    "created_at) VALUES (?,?,?,?,?,1,1,?)",
                    [(cid, f"C{i:05d}", f"客户{i}", f"客户{i}", 30, now) for i in range(customers)])
    cust = [r[0] for r in raw.execute("SELECT id FROM customer WHERE company_id = ? ORDER BY id", (cid,))]
    rnd = random.Random(13)
    span = (AS_OF - START).days + 60
    inv_rows, set_rows = [], []
    for i in range(invoices):
        day = START + dt.timedelta(days=i * span // invoices)
        amount = rnd.randint(10_000, 2_000_000)  # fen
        partner = cust[rnd.randrange(len(cust))]
        number = f"SI{day:%Y%m}-{i:07d}"
        inv_rows.append((cid, number, day.isoformat(), day.strftime("%Y-%m"), "posted", "open", "", 0, partner,
                         amount, now, now, 1, "", "special", 0, "", (day + dt.timedelta(days=30)).isoformat(),
                         amount, 0))
        paid = amount if rnd.random() < 0.85 else amount // 2
        set_rows.append((cid, "receivable", partner, "sales_invoice", i + 1, number, "receipt", i + 1,
                         f"SK-{i:07d}", paid, (day + dt.timedelta(days=rnd.randint(0, 60))).isoformat(), now))
    raw.executemany(
        "INSERT INTO sales_invoice (company_id, number, doc_date, period, status, progress, remarks, attachments, "
        "partner_id, total, created_at, posted_at, version, invoice_no, vat_kind, red, red_reason, due_date, "
        "net_total, tax_total) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inv_rows)
    first = raw.execute("SELECT min(id) FROM sales_invoice").fetchone()[0]
    raw.executemany(
        "INSERT INTO settlement (company_id, kind, partner_id, item_type, item_id, item_number, source_type, "
        "source_id, source_number, amount, settle_date, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(r[0], r[1], r[2], r[3], r[4] + first - 1, *r[5:]) for r in set_rows])
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()
    return db, admin


BASELINE = """
WITH s AS (SELECT item_id, sum(amount) AS settled FROM settlement
           WHERE item_type = 'sales_invoice' AND settle_date <= $as_of GROUP BY item_id),
o AS (SELECT i.partner_id, i.doc_date, i.total - coalesce(s.settled, 0) AS open
      FROM sales_invoice i LEFT JOIN s ON s.item_id = i.id
      WHERE i.doc_date <= $as_of AND i.total <> coalesce(s.settled, 0))
SELECT partner_id,
       sum(CASE WHEN $as_of - doc_date <= 30 THEN open ELSE 0 END),
       sum(CASE WHEN $as_of - doc_date BETWEEN 31 AND 60 THEN open ELSE 0 END),
       sum(CASE WHEN $as_of - doc_date BETWEEN 61 AND 90 THEN open ELSE 0 END),
       sum(CASE WHEN $as_of - doc_date > 90 THEN open ELSE 0 END),
       sum(open)
FROM o GROUP BY partner_id
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    import duckdb

    from erp_core.billing.queries import receivables_aging

    tmp = Path(tempfile.mkdtemp(prefix="bench_receivables_"))
    path = tmp / "ar.db"
    t0 = time.perf_counter()
    db, admin = build(path, args.invoices, args.customers)
    built = time.perf_counter() - t0

    from erp_core.analytics import open_items as aoi
    from erp_core.analytics.engine import engine_for
    from erp_core.billing.queries import aging_of
    from erp_core.usecase import Context

    eng = engine_for(db)
    first_sync, _ = _median(lambda: aoi.sync(eng), 1)
    use_case, aging = _median(lambda: receivables_aging(db, admin, as_of=AS_OF, items=False), args.repeat)
    with_items, _ = _median(lambda: receivables_aging(db, admin, as_of=AS_OF), 1)
    # one more invoice and its receipt's settlement row, then the incremental sync
    raw = sqlite3.connect(path)
    cid = admin.company_id
    raw.execute("INSERT INTO sales_invoice (company_id, number, doc_date, period, status, progress, remarks, "
                "attachments, partner_id, total, created_at, posted_at, version, invoice_no, vat_kind, red, "
                "red_reason, due_date, net_total, tax_total) SELECT company_id, 'SI-NEW', doc_date, period, status, "
                "progress, remarks, attachments, partner_id, total, created_at, posted_at, version, invoice_no, "
                "vat_kind, red, red_reason, due_date, net_total, tax_total FROM sales_invoice WHERE id = "
                "(SELECT max(id) FROM sales_invoice)")
    raw.execute("INSERT INTO settlement (company_id, kind, partner_id, item_type, item_id, item_number, source_type, "
                "source_id, source_number, amount, settle_date, created_at) SELECT company_id, kind, partner_id, "
                "item_type, (SELECT max(id) FROM sales_invoice), 'SI-NEW', source_type, source_id, 'SK-NEW', 1, "
                "settle_date, created_at FROM settlement WHERE id = (SELECT max(id) FROM settlement)")
    raw.commit()
    raw.close()
    incremental, _ = _median(lambda: aoi.sync(eng), 1)
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, admin, "finance.receivables.view", db, company_id=cid)
        operational, _ = _median(lambda: aging_of(ctx, cid, AS_OF, items=False), 1)
    duck = duckdb.connect()
    raw = sqlite3.connect(path)
    for table, cols in (("sales_invoice", "id, partner_id, doc_date, total"),
                        ("settlement", "item_type, item_id, amount, settle_date")):
        rows = raw.execute(f"SELECT {cols} FROM {table}").fetchall()  # noqa: S608 - fixed names
        types = {"id": "INTEGER", "partner_id": "INTEGER", "doc_date": "DATE", "total": "BIGINT",
                 "item_type": "VARCHAR", "item_id": "INTEGER", "amount": "BIGINT", "settle_date": "DATE"}
        duck.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {types[c]}' for c in cols.split(', '))})")
        import pandas as pd

        frame = pd.DataFrame(rows, columns=cols.split(", "))
        for c in ("doc_date", "settle_date"):
            if c in frame:
                frame[c] = pd.to_datetime(frame[c]).dt.date
        duck.register("frame", frame)
        duck.execute(f"INSERT INTO {table} SELECT * FROM frame")
        duck.unregister("frame")
    raw.close()
    baseline, base_rows = _median(lambda: duck.execute(BASELINE, {"as_of": AS_OF}).fetchall(), args.repeat)
    open_total = sum(r[5] for r in base_rows) / 100
    assert abs(float(aging.totals["open"]) - open_total) < 0.01, (aging.totals["open"], open_total)
    ratio = use_case / baseline if baseline else float("inf")
    report = f"""
## Receivables aging from the analytics copy of the open items (bench/bench_receivables.py, issue #13 item 10) — {dt.date.today()}
{machine()}; SQLite; {args.invoices:,} posted sales invoices and {args.invoices:,} settlement rows (one receipt
each; 15 % partial), {args.customers:,} customers; as of {AS_OF} (store built in {built:.0f} s).

| measure | median of {args.repeat} | baseline (same run) | ratio |
|---|---|---|---|
| `receivables_aging(items=False)` (query path: permission, row scope, customers' facts from the store, buckets summed in DuckDB over the open-items copy) | {use_case * 1000:,.0f} ms | bare DuckDB query on native copies {baseline * 1000:,.1f} ms | {ratio:.1f}x |
| the same with every open item fetched (`items=True`: the report / CSV; one run) | {with_items * 1000:,.0f} ms | same | {with_items / baseline:.1f}x |
| the operational-store path (`aging_of`, buckets summed in SQLite; one run, reference) | {operational * 1000:,.0f} ms | same | {operational / baseline:.1f}x |
| first build of the open-items copy (whole store; one run) | {first_sync:,.1f} s | | |
| incremental sync after one more invoice and settlement row (one run) | {incremental * 1000:,.0f} ms | | |

Open total {open_total:,.2f} agrees between the query path and the baseline. Target (1 M invoices + 1 M receipts
< 0.5 s and <= 3x the bare query): {"met" if use_case < 0.5 and ratio <= 3 else "NOT met"} at this scale.
"""
    print(report)
    if not args.no_write:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    main()
