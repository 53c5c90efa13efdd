"""Deterministic cost of posting a 10-line stock document through its use case (issues #12 and #13): SQL
statements per document (sqlite3's trace callback: every statement the driver runs, each executemany row counted)
and Python function calls per document (cProfile), over --docs documents after one warm-up posting. Neither figure
depends on the machine's load, so they compare runs made at different times; CPU time per document is printed too
(it does depend on the machine, less than wall time).

    .venv/bin/python bench/count_posting.py [--docs 40] [--profile receipt|delivery] [--top 40]

Receipts: bench_receipts.build (confirmed 10-line purchase orders with a draft receipt each), post_receipt.
Deliveries: bench_sales_delivery.build (confirmed 10-line sales orders with a draft delivery each, stock received
first), post_delivery. Prints a table row per document kind; --profile prints cProfile's top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

STATEMENTS: list[str] = []


def _trace(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _rec):  # noqa: ANN001
        dbapi_conn.set_trace_callback(STATEMENTS.append)

    engine.dispose()


def receipts(n: int):
    from bench.bench_receipts import build
    from erp_core.purchasing import services as ps

    path = Path(tempfile.mkdtemp(prefix="count_receipts_")) / "r.db"
    db, admin, pairs = build(path, n + 1)
    return db, [lambda rid=rid: ps.post_receipt(db, admin, receipt_id=rid) for _, rid in pairs]


def deliveries(n: int):
    from bench.bench_sales_delivery import DAY, build
    from erp_core.sales import services as ss
    from erp_core.sales.models import SalesOrder
    from erp_core.stockops import services as so

    path = Path(tempfile.mkdtemp(prefix="count_deliveries_")) / "d.db"
    db, admin, _cid, wid, cust, pids = build(path, 10)
    rid = so.create_other_receipt(db, admin, doc_date=DAY - dt.timedelta(days=1), warehouse_id=wid,
                                  lines=[{"product_id": p, "quantity": Decimal(10 * n + 100),
                                          "unit_cost": Decimal("10")} for p in pids])
    so.post_other_receipt(db, admin, doc_id=rid)
    out = []
    for _ in range(n + 1):
        oid = ss.create_order(db, admin, customer_id=cust, doc_date=DAY, warehouse_id=wid, prices_include_vat=False,
                              lines=[{"product_id": p, "quantity": Decimal(10), "unit_price": Decimal("20")}
                                     for p in pids])
        ss.confirm_order(db, admin, order_id=oid)
        with db.uow(readonly=True) as uow:
            ids = [ln.id for ln in uow.session.get(SalesOrder, oid).lines]
        did = ss.create_delivery(db, admin, doc_date=DAY, lines=[{"order_line_id": i, "quantity": Decimal(10)}
                                                                 for i in ids])
        out.append(lambda did=did: ss.post_delivery(db, admin, delivery_id=did))
    return db, out


def measure(kind: str, n: int, profile: bool, top: int) -> tuple[float, float, float, float]:
    db, posts = (receipts if kind == "receipt" else deliveries)(n)
    _trace(db.engine)
    posts[0]()  # warm-up: compiled statements, kept master data, imports
    STATEMENTS.clear()
    t, c = time.perf_counter(), time.process_time()
    for p in posts[1:]:
        p()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    statements = len(STATEMENTS) / n
    prof = cProfile.Profile()
    # calls: a second store would be needed for fresh documents; count them on the same documents' twins
    db2, posts2 = (receipts if kind == "receipt" else deliveries)(n)
    posts2[0]()
    prof.enable()
    for p in posts2[1:]:
        p()
    prof.disable()
    st = pstats.Stats(prof)
    calls = st.total_calls / n  # type: ignore[attr-defined]
    if profile:
        st.sort_stats("cumulative").print_stats(top)
        st.sort_stats("tottime").print_stats(top)
    return statements, calls, cpu / n, wall / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--kind", choices=["receipt", "delivery", "both"], default="both")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--show-sql", action="store_true", help="print the statements of the last document")
    args = ap.parse_args()
    kinds = ["receipt", "delivery"] if args.kind == "both" else [args.kind]
    rows = []
    for kind in kinds:
        s, c, cpu, wall = measure(kind, args.docs, args.profile, args.top)
        rows.append(f"| 10-line {kind} | {s:.0f} | {c:,.0f} | {cpu * 1000:.1f} ms | {wall * 1000:.1f} ms |")
        if args.show_sql:
            per = len(STATEMENTS) // args.docs
            print("\n".join(STATEMENTS[-per:]))
    print(f"\n{args.docs} documents after one warm-up, SQLite\n")
    print("| per document | SQL statements | Python calls | CPU | wall |\n|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
