"""Purchase-receipt posting throughput on SQLite (issue #12 item 10): a 10-line receipt posted through the use case
(``purchasing.services.post_receipt``: permission, live check, document lock and version, 10 stock moves with
their gap-free sequence, the negative-stock and backdating checks, the 暂估 voucher through the ledger's posting
path, the order lines' received quantities and the orders' progress, links, audit record), one receipt per
transaction, against raw inserts of the same rows in the same run.

    .venv/bin/python bench/bench_receipts.py [--receipts 300] [--no-write]

Set-up (not timed): a company, a supplier, a warehouse, 10 products (VAT13), --receipts confirmed orders of 10
lines and one draft receipt against each. Then every receipt is posted through the use case (timed one by one;
the rows each posting inserted are noted between calls, untimed). Baseline: a pristine copy of the store taken
before the postings, where raw sqlite3 writes, one transaction per receipt, exactly the rows the use case
inserted for that receipt (same tables, same values: stock posting, stock moves, voucher, voucher lines, ledger
lines, posting record, document links, audit record, ...) plus the updates of the receipt header, its order's
header and lines (to their final values) and the sequence counters. Appends a section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_reports import RESULTS, machine  # noqa: E402

DAY = dt.date(2026, 3, 2)
LINES = 10


def build(path: Path, n: int):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from erp_core.purchasing import services as ps
    from tests.support.factories import admin_actor, make_company

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=path.parent))
    company = make_company(db)
    admin = admin_actor(db, company)
    sup = partners_services.create_supplier(db, admin, values={"code": "S001", "name": "江南茶厂"})
    wh = warehouse_services.create_warehouse(db, admin, code="WH01", name="长沙总仓")
    prods = [items_services.create_product(db, admin, values={"code": f"P{i:03d}", "name": f"商品{i}",
                                                              "tax_rate": "VAT13"}) for i in range(LINES)]
    receipts = []
    for k in range(n):
        oid = ps.create_order(db, admin, supplier_id=sup, doc_date=DAY, warehouse_id=wh,
                              lines=[{"product_id": p, "quantity": Decimal(10 + k % 7),
                                      "unit_price": Decimal(f"{100 + i}.{k % 100:02d}")}
                                     for i, p in enumerate(prods)])
        ps.confirm_order(db, admin, order_id=oid)
        from erp_core.purchasing import queries as pq

        lines = pq.lines_to_receive(db, admin, order_id=oid)
        receipts.append((oid, ps.create_receipt(db, admin, doc_date=DAY, lines=[
            {"order_line_id": ln["order_line_id"], "quantity": ln["quantity"]} for ln in lines])))
    return db, admin, receipts


def _tables(con) -> list[str]:
    # Virtual tables (the leads' FTS5 index) and their WITHOUT ROWID shadow tables have no rowid mark to take;
    # a receipt never writes them.
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                      "'sqlite_%' AND name != 'alembic_version' AND sql NOT LIKE 'CREATE VIRTUAL%' "
                                      "AND sql NOT LIKE '%WITHOUT ROWID%' ORDER BY name")]


def _marks(con, tables) -> dict[str, int]:
    return {t: con.execute(f'SELECT coalesce(max(rowid), 0) FROM "{t}"').fetchone()[0] for t in tables}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--receipts", type=int, default=300)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from erp_core.purchasing import services as ps

    tmp = Path(tempfile.mkdtemp(prefix="bench_receipts_"))
    path = tmp / "receipts.db"
    t0 = time.perf_counter()
    db, admin, receipts = build(path, args.receipts)
    built = time.perf_counter() - t0
    db.engine.dispose()
    pristine = tmp / "pristine.db"
    src = sqlite3.connect(path)
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src.backup(sqlite3.connect(pristine))
    tables = _tables(src)

    # 1. through the use case, one receipt per transaction
    inserted: list[dict[str, tuple[int, int]]] = []
    samples = []
    marks = _marks(src, tables)
    for _, rid in receipts:
        t = time.perf_counter()
        ps.post_receipt(db, admin, receipt_id=rid)
        samples.append(time.perf_counter() - t)
        after = _marks(src, tables)
        inserted.append({t_: (marks[t_], after[t_]) for t_ in tables if after[t_] > marks[t_]})
        marks = after
    use_case_s = sum(samples)

    # the rows to write raw: per receipt, every inserted row (all columns), then the updated rows' final values
    def rows_of(table, lo, hi):
        cur = src.execute(f'SELECT * FROM "{table}" WHERE rowid > ? AND rowid <= ? ORDER BY rowid', (lo, hi))
        return [d[0] for d in cur.description], cur.fetchall()

    plan = []
    for (oid, rid), ins in zip(receipts, inserted, strict=True):
        writes = []
        for table, (lo, hi) in ins.items():
            cols, rows = rows_of(table, lo, hi)
            writes.append((f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})',
                           rows))
        for table, cond, arg in (("purchase_receipt", "id = ?", rid), ("purchase_order", "id = ?", oid),
                                 ("purchase_order_line", "header_id = ?", oid)):
            cur = src.execute(f"SELECT * FROM {table} WHERE {cond}", (arg,))
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
            writes.append((f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols[1:])} WHERE id = ?",
                           [(*r[1:], r[0]) for r in rows]))
        plan.append(writes)
    inserted_rows = sum(len(r) for w in plan for _, r in w[:-3])
    src.close()

    # 2. raw sqlite3 on the pristine copy, one transaction per receipt (same pragmas as the application)
    con = sqlite3.connect(pristine, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    t = time.perf_counter()
    for writes in plan:
        con.execute("BEGIN IMMEDIATE")
        con.execute("PRAGMA defer_foreign_keys = ON")  # rows go table by table; checked at commit
        con.execute("UPDATE doc_sequence SET last_value = last_value + 10 WHERE company_id = 1 AND "
                    "doc_type = 'stock_move_seq'")
        con.execute("UPDATE doc_sequence SET last_value = last_value + 11 WHERE company_id = 1 AND "
                    "doc_type = 'gl_posting_seq'")
        for sql, rows in writes:
            con.executemany(sql, rows)
        con.execute("COMMIT")
    raw_s = time.perf_counter() - t
    con.close()

    n = len(receipts)
    per_doc = inserted_rows / n
    docs_s = n / use_case_s
    samples.sort()
    report = f"""
## Purchase-receipt posting (bench/bench_receipts.py), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC

{machine()}; SQLite (file, WAL). {n:,} receipts of {LINES} lines, each posted by ``post_receipt`` in its own
transaction (store set up in {built:.0f} s through the use cases, not timed). Each posting inserted
{per_doc:.0f} rows on average (stock posting, {LINES} stock moves, the 暂估 voucher and its lines, ledger lines,
posting record, links, audit) and updated the receipt, its order and order lines. Baseline: raw sqlite3 writing
exactly those rows (and the updates, to their final values) on a pristine copy, one transaction per receipt.

| measurement | time | documents/s | baseline (same rows, raw) | ratio | target |
|---|---:|---:|---:|---:|---|
| {LINES}-line receipt posted through the use case, one per transaction | {use_case_s:.2f} s | {docs_s:,.0f} | {raw_s:.3f} s ({n / raw_s:,.0f} docs/s) | {use_case_s / raw_s:.1f}x | >= 300 docs/s |

Per receipt: median {samples[len(samples) // 2] * 1000:.1f} ms, p95 {samples[int(len(samples) * 0.95)] * 1000:.1f} ms.
"""
    print(report)
    if not args.no_write:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    main()
