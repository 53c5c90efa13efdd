"""Sales delivery speed on SQLite, each against a baseline measured in the same run.

    .venv/bin/python bench/bench_sales_delivery.py [--docs 300] [--moves 2000000] [--products 1000] [--no-write]
    .venv/bin/python bench/bench_sales_delivery.py --lookup-only /tmp/bench_sales_XXXX/sales.db   # measure 2. again

1. Posting a 10-line delivery through the use case (``post_delivery``: load with lock, check the order lines,
   issue cost per line (moving average), 10 stock moves + the cost-of-sales voucher, 10 links counting the order
   lines as delivered), one document per transaction, --docs documents (drafts created beforehand, not timed).
   Baseline: the same rows written by raw sqlite3 (one stock posting, 10 moves, one voucher with 2 lines, one
   transaction per document). Target >= 300 documents/s.
2. The available-stock look-up of order entry (``sales.rules.availability``: on hand = SUM over the warehouse and
   product's stock moves, minus the open reservations of confirmed orders) with --moves stock moves spread over
   --products products in one warehouse (written with raw executemany), then 200 confirmed order lines reserving.
   Baseline: the bare SUM of the moves by raw sqlite3. Target < 50 ms at 10 M moves. Writing 10 M moves takes
   ~20 min on the shared 2-core machine: the database is kept (its path printed) and ``--lookup-only`` measures
   the look-up again on it.
Appends a section to bench/RESULTS.md (not with --lookup-only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
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


def _median(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def build(path: Path, products: int):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from tests.support.factories import admin_actor, make_company

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=path.parent))
    company = make_company(db)
    admin = admin_actor(db, company)
    wid = warehouse_services.create_warehouse(db, admin, code="WH01", name="总仓")
    cust = partners_services.create_customer(db, admin, values={"code": "C001", "name": "华东商贸"})
    pids = [items_services.create_product(db, admin, values={"code": f"B{i:05d}", "name": f"商品{i}"})
            for i in range(products)]
    return db, admin, company.company_id, wid, cust, pids


def seed_moves(path: Path, cid: int, wid: int, pids: list[int], moves: int) -> None:
    """Receipts of 10 at 5.00-15.00 spread over the products (raw executemany, one stock posting per 1,000)."""
    raw = sqlite3.connect(path)
    # The moves land on every product's stretch of the (company, warehouse, product, ...) indexes in turn: with
    # SQLite's default 2 MB page cache nearly every row spilled a dirty index page to the WAL (10 M moves did not
    # finish in an hour on the shared machine). A cache holding the indexes writes each page once, at the commit.
    raw.execute("PRAGMA cache_size = -1048576")  # 1 GiB
    start = raw.execute("SELECT coalesce(max(move_seq), 0) FROM stock_move WHERE company_id = ?", (cid,)).fetchone()[0]
    rnd = random.Random(7)
    now = dt.datetime(2026, 3, 1).isoformat(" ")
    chunk = 1000
    n_post = (moves + chunk - 1) // chunk
    raw.executemany("INSERT INTO stock_posting (company_id, posting_key, content_hash, move_date, first_seq, "
                    "move_count, posted_at) VALUES (?,?,?,?,?,?,?)",
                    [(cid, f"bench:{k}", "0" * 64, "2026-02-01", start + k * chunk + 1, min(chunk, moves - k * chunk),
                      now) for k in range(n_post)])
    first = raw.execute("SELECT min(id) FROM stock_posting WHERE posting_key LIKE 'bench:%'").fetchone()[0]

    def rows():
        for i in range(moves):
            cost = rnd.randint(500, 1500)
            yield (cid, start + i + 1, first + i // chunk, f"bench:{i // chunk}", "2026-02-01", "2026-02", wid,
                   pids[i % len(pids)], 10 * 10**6, cost * 10**4, cost * 10, "receipt", "bench", now)

    raw.executemany(
        "INSERT INTO stock_move (company_id, move_seq, posting_id, posting_key, move_date, period, warehouse_id, "
        "product_id, quantity, unit_cost, amount, move_type, source_type, posted_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    raw.execute("INSERT OR REPLACE INTO doc_sequence (company_id, doc_type, period, last_value) VALUES (?,?,?,?)",
                (cid, "stock_move_seq", "", start + moves))
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()


def raw_deliveries(path: Path, cid: int, wid: int, pids: list[int], n: int) -> float:
    """The baseline: per document one transaction with 1 stock posting, 10 moves, a voucher and 2 lines."""
    raw = sqlite3.connect(path, isolation_level=None)
    acc = dict(raw.execute("SELECT code, id FROM account WHERE company_id = ? AND code IN ('1405', '5401')",
                           (cid,)).fetchall())
    cols = [r[1] for r in raw.execute("PRAGMA table_info(voucher)")]
    lcols = [r[1] for r in raw.execute("PRAGMA table_info(voucher_line)")]
    seq = raw.execute("SELECT coalesce(max(move_seq), 0) FROM stock_move WHERE company_id = ?", (cid,)).fetchone()[0]
    now = dt.datetime(2026, 3, 2).isoformat(" ")
    t = time.perf_counter()
    for d in range(n):
        raw.execute("BEGIN")
        cur = raw.execute("INSERT INTO stock_posting (company_id, posting_key, content_hash, move_date, first_seq, "
                          "move_count, posted_at) VALUES (?,?,?,?,?,?,?)",
                          (cid, f"rawdel:{d}", "0" * 64, DAY.isoformat(), seq + 1, 10, now))
        post_id = cur.lastrowid
        raw.executemany(
            "INSERT INTO stock_move (company_id, move_seq, posting_id, posting_key, move_date, period, warehouse_id, "
            "product_id, quantity, unit_cost, amount, move_type, source_type, posted_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(cid, seq + k + 1, post_id, f"rawdel:{d}", DAY.isoformat(), "2026-03", wid, pids[k], -10**6,
              10 * 10**6, -1000, "issue", "sales_delivery", now) for k in range(10)])
        seq += 10
        values = {"company_id": cid, "number": 900000 + d, "voucher_date": DAY.isoformat(), "period": "2026-03",
                  "status": "draft", "attachments": 0, "version": 1, "created_at": now, "voucher_type": "记",
                  "source": "bench", "total": 10000, "created_by_name": "bench"}
        vals = {c: values.get(c) for c in cols if c != "id" and c in values}
        cur = raw.execute(f"INSERT INTO voucher ({', '.join(vals)}) VALUES ({', '.join('?' * len(vals))})",
                          list(vals.values()))
        vid = cur.lastrowid
        for no, (code, dr, cr) in enumerate((("5401", 10000, 0), ("1405", 0, 10000)), start=1):
            lv = {"voucher_id": vid, "line_no": no, "account_id": acc[code], "debit": dr, "credit": cr,
                  "summary": "销售出库", "company_id": cid}
            lv = {c: lv[c] for c in lcols if c in lv}
            raw.execute(f"INSERT INTO voucher_line ({', '.join(lv)}) VALUES ({', '.join('?' * len(lv))})",
                        list(lv.values()))
        raw.execute("COMMIT")
    elapsed = time.perf_counter() - t
    raw.close()
    return elapsed


def measure_lookup(db, path: Path, cid: int, wid: int, ten: list[int], repeat: int):
    """Median time of ``rules.availability`` (through a read-only unit of work, as order entry calls it) and of
    the bare SUM by raw sqlite3, alternating products; returns (lookup s, bare s, moves, first availability)."""
    from erp_core.sales import rules

    raw = sqlite3.connect(path)
    total_moves = raw.execute("SELECT count(*) FROM stock_move").fetchone()[0]
    rnd = random.Random(3)

    def lookup():
        with db.uow(readonly=True) as uow:
            rules.availability(uow.session, cid, wid, rnd.choice(ten))

    def bare():
        raw.execute("SELECT sum(quantity) FROM stock_move WHERE company_id = ? AND warehouse_id = ? "
                    "AND product_id = ?", (cid, wid, rnd.choice(ten))).fetchone()

    lookup()
    bare()
    avail = _median(lookup, repeat)
    base = _median(bare, repeat)
    # what does not depend on the machine's load: SQL statements and CPU time per look-up
    from sqlalchemy import event

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    cpu = time.process_time()
    for _ in range(repeat):
        lookup()
    cpu = (time.process_time() - cpu) / repeat
    event.remove(db.engine, "before_cursor_execute", count)
    print(f"per look-up: {len(statements) / repeat:.1f} SQL statements, {cpu * 1000:.2f} ms CPU (this process)")
    with db.uow(readonly=True) as uow:
        a = rules.availability(uow.session, cid, wid, ten[0])
    plan = " ".join(r[-1] for r in raw.execute(
        "EXPLAIN QUERY PLAN SELECT sum(quantity) FROM stock_move WHERE company_id = ? AND warehouse_id = ? "
        "AND product_id = ?", (cid, wid, ten[0])))
    raw.close()
    print(f"query plan of the SUM: {plan}")
    return avail, base, total_moves, a


def lookup_only(path: Path, repeat: int) -> None:
    """Measure the look-up again on a database a full run kept (its printed path): no set-up, no seeding."""
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database

    url = f"sqlite:///{path}"
    db = Database(make_engine(url), Settings(database_url=url, data_dir=path.parent))
    raw = sqlite3.connect(path)
    cid, wid = raw.execute("SELECT company_id, id FROM warehouse WHERE code = 'WH01'").fetchone()
    ten = [r[0] for r in raw.execute("SELECT id FROM product WHERE company_id = ? AND code LIKE 'B%' ORDER BY code "
                                     "LIMIT 10", (cid,))]
    raw.close()
    avail, base, total_moves, a = measure_lookup(db, path, cid, wid, ten, repeat)
    print(f"available stock at {total_moves:,} moves: {avail * 1000:.2f} ms; bare SUM {base * 1000:.2f} ms; "
          f"ratio {avail / base:.1f}x; load average {os.getloadavg()[0]:.1f} (on hand {a.on_hand.normalize():f}, "
          f"reserved {a.reserved.normalize():f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--moves", type=int, default=2_000_000)
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--lookup-only", type=Path, metavar="DB",
                    help="only measure the available-stock look-up again on a database a full run kept")
    args = ap.parse_args()
    if args.lookup_only:
        lookup_only(args.lookup_only, args.repeat)
        return

    from erp_core.sales import services as ss
    from erp_core.stockops import services as so

    tmp = Path(tempfile.mkdtemp(prefix="bench_sales_"))
    path = tmp / "sales.db"
    t0 = time.perf_counter()
    db, admin, cid, wid, cust, pids = build(path, args.products)
    ten = pids[:10]
    rid = so.create_other_receipt(db, admin, doc_date=DAY - dt.timedelta(days=1), warehouse_id=wid,
                                  lines=[{"product_id": p, "quantity": Decimal(10 * args.docs + 100),
                                          "unit_cost": Decimal("10")} for p in ten])
    so.post_other_receipt(db, admin, doc_id=rid)
    drafts = []
    for _ in range(args.docs):
        oid = ss.create_order(db, admin, customer_id=cust, doc_date=DAY, warehouse_id=wid, prices_include_vat=False,
                              lines=[{"product_id": p, "quantity": Decimal(10), "unit_price": Decimal("20")}
                                     for p in ten])
        ss.confirm_order(db, admin, order_id=oid)
        with db.uow(readonly=True) as uow:
            from erp_core.sales.models import SalesOrder

            lines = [ln.id for ln in uow.session.get(SalesOrder, oid).lines]
        drafts.append(ss.create_delivery(db, admin, doc_date=DAY, lines=[{"order_line_id": i, "quantity": Decimal(10)}
                                                                         for i in lines]))
    setup = time.perf_counter() - t0

    t = time.perf_counter()
    for did in drafts:
        ss.post_delivery(db, admin, delivery_id=did)
    use_case = time.perf_counter() - t
    baseline = raw_deliveries(path, cid, wid, ten, args.docs)
    uc_rate, raw_rate = args.docs / use_case, args.docs / baseline

    # 2. available stock at scale: the moves first, then 20 confirmed orders reserving 1 of each of the 10
    # products (200 open order lines); the engine's connections are reopened so SQLite reads the new statistics
    t = time.perf_counter()
    seed_moves(path, cid, wid, pids, args.moves)
    seeded = time.perf_counter() - t
    db.engine.dispose()
    for _ in range(20):
        oid = ss.create_order(db, admin, customer_id=cust, doc_date=DAY, warehouse_id=wid, prices_include_vat=False,
                              lines=[{"product_id": p, "quantity": Decimal(1), "unit_price": Decimal("20")}
                                     for p in ten])
        ss.confirm_order(db, admin, order_id=oid)
    avail, base, total_moves, a = measure_lookup(db, path, cid, wid, ten, args.repeat)
    per_product = total_moves // len(pids)
    scale = ("Measured at the issue's 10 M." if total_moves >= 10_000_000 else
             f"Measured at {total_moves:,} moves, not 10 M: at 10 M over the same {args.products} products "
             f"(~10,000 moves per product) expect roughly {10_000_000 / max(total_moves, 1):.0f}x the per-product scan.")
    section = f"""
## Sales delivery posting and available stock (bench/bench_sales_delivery.py), {dt.date.today().isoformat()}

{machine()}; SQLite. Set-up (company, {args.products} products, {args.docs} confirmed 10-line orders and their draft
deliveries) {setup:.0f} s; {args.moves:,} extra stock moves written raw in {seeded:.0f} s.

| measurement | use case | baseline (same run) | ratio | target |
|---|---:|---:|---:|---|
| post a 10-line delivery (10 issue moves at the moving average + cost-of-sales voucher + 10 order-line links), one per transaction, {args.docs} documents | {uc_rate:.0f} docs/s ({use_case * 1000 / args.docs:.1f} ms each) | {raw_rate:.0f} docs/s (raw sqlite3: posting + 10 moves + voucher + 2 lines) | {raw_rate / uc_rate:.1f}x | >= 300 docs/s |
| available stock of one product (on hand - the open reservations of 20 confirmed order lines of that product) at {total_moves:,} moves (~{per_product:,} per product) | {avail * 1000:.2f} ms | {base * 1000:.2f} ms (bare SUM by raw sqlite3) | {avail / base:.1f}x | < 50 ms at 10 M |

Checked: on hand {a.on_hand.normalize():f}, reserved {a.reserved.normalize():f} for the first product after the run.
Load average at the end {os.getloadavg()[0]:.1f}. The look-up sums the covering index ix_stock_move_balance
(company, warehouse, product, move_date, quantity, amount), so its time grows with the moves of ONE product, not
with the table. {scale}
"""
    print(section)
    print(f"database kept for re-measuring: {path}")
    if not args.no_write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(section)


if __name__ == "__main__":
    main()
