"""Costing speed on SQLite, each against a baseline measured in the same run on the same rows.

    .venv/bin/python bench/bench_costing.py [--moves 1000000] [--products 1000] [--no-write]
        [--store built.db] [--save-store built.db] [--before-ref GIT-REF] [--run-only]

--store reuses a store built earlier (copied, never changed); --save-store keeps a copy of the one built here.
--before-ref REF measures the month-end run of the code at REF (its erp_core exported with ``git archive``, run
in a subprocess) on another copy of the same store, in the same run: the before/after ratio. --run-only stops
after the month-end run (for the 10 M store: the other measurements need the analytics copy).

A synthetic store: one company, --products products (month-end weighted average) in one warehouse and --moves
stock moves in March 2026 (alternating receipts of 10 at 5.00-15.00 and issues of 8 at the moving average,
valued as issue_unit_cost would value them), written with raw executemany (one stock posting per 1,000 moves,
the sequence counter set), no vouchers (the corrections then go to 主营业务成本).

1. The month-end costing run (``run_costing`` through the use-case path: load every move of the period with its
   corrections, the month-end average per product, one correction per product and expense account, the
   revaluation posting, the voucher, the run record). Baseline: the bare SQL aggregate of the month's inputs per
   product (SUM of quantities and amounts of inbound moves, grouped) fetched by raw sqlite3.
2. Recomputation after one backdated receipt: one product switched to the moving average, a receipt dated the 2nd
   posted (post_stock_moves + costing.recompute.after_stock_posting in one transaction: ~500 later issues
   revalued). Baseline: the same posting dated the last day (nothing later: the hook's one query).
3. Stock on hand as of a date (``stock_on_hand_as_of`` through the query path). Baseline: the same aggregate in
   DuckDB over an in-memory copy of the moves (copy not timed).
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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_reports import RESULTS, machine  # noqa: E402

MARCH = dt.date(2026, 3, 1)


def _median(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def build(path: Path, moves: int, products: int):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from erp_core.masterdata import warehouse_services
    from erp_core.masterdata.models_items import Product
    from tests.support.factories import admin_actor, make_company

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=path.parent))
    company = make_company(db)
    admin = admin_actor(db, company)
    wid = warehouse_services.create_warehouse(db, admin, code="WH01", name="总仓")
    with db.uow() as uow:
        uow.session.add_all([Product(company_id=company.company_id, code=f"B{i:05d}", name=f"商品{i}",
                                     costing_method="monthly_average", kind="product", active=True)
                             for i in range(products)])
        uow.commit()
    raw = sqlite3.connect(path)
    pids = [r[0] for r in raw.execute("SELECT id FROM product WHERE code LIKE 'B%' ORDER BY id")]
    rnd = random.Random(12)
    per = moves // products
    rows = []
    fen, unit6 = Decimal("0.01"), Decimal("0.000001")
    for pid in pids:
        q, v = Decimal(0), Decimal(0)
        for k in range(per):
            day = MARCH + dt.timedelta(days=k * 31 // per)
            if k % 2 == 0:
                qty, cost = Decimal(10), Decimal(rnd.randint(500, 1500)).scaleb(-2)
                kind = "receipt"
            else:
                qty = Decimal(-8)
                cost = max(v / q, Decimal(0)).quantize(unit6, rounding=ROUND_HALF_UP) if q > 0 else Decimal(0)
                kind = "issue"
            amount = (qty * cost).quantize(fen, rounding=ROUND_HALF_UP)
            q, v = q + qty, v + amount
            rows.append((day, pid, int(qty * 10**6), int(cost * 10**6), int(amount * 100), kind))
    rows.sort(key=lambda r: r[0])
    cid = company.company_id
    now = dt.datetime(2026, 4, 1).isoformat(" ")
    postings = []
    chunk = 1000
    for n in range(0, len(rows), chunk):
        postings.append((cid, f"bench:{n // chunk}", "0" * 64, rows[n][0].isoformat(), n + 1,
                         min(chunk, len(rows) - n), now))
    raw.executemany("INSERT INTO stock_posting (company_id, posting_key, content_hash, move_date, first_seq, "
                    "move_count, posted_at) VALUES (?,?,?,?,?,?,?)", postings)
    first_posting = raw.execute("SELECT min(id) FROM stock_posting WHERE posting_key LIKE 'bench:%'").fetchone()[0]
    raw.executemany(
        "INSERT INTO stock_move (company_id, move_seq, posting_id, posting_key, move_date, period, warehouse_id, "
        "product_id, quantity, unit_cost, amount, move_type, source_type, posted_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((cid, i + 1, first_posting + i // chunk, f"bench:{i // chunk}", r[0].isoformat(), "2026-03", wid, r[1],
          r[2], r[3], r[4], r[5], "bench", now) for i, r in enumerate(rows)))
    raw.execute("INSERT INTO doc_sequence (company_id, doc_type, period, last_value) VALUES (?,?,?,?)",
                (cid, "stock_move_seq", "", len(rows)))
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()
    return db, admin, wid, pids


_RUN_ONE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from sqlalchemy import select
from erp_core.config import Settings
from erp_core.db.engine import make_engine
from erp_core.db.uow import Database
from erp_core.costing.run_services import run_costing
from erp_core.security.models import User
from erp_core.security.sessions import build_actor
path = Path(sys.argv[2])
url = f"sqlite:///{path}"
db = Database(make_engine(url), Settings(database_url=url, data_dir=path.parent))
with db.uow(readonly=True) as uow:
    user = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
    admin = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
t, c = time.perf_counter(), time.process_time()
run_costing(db, admin, period="2026-03")
print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def digest(path: Path) -> str:
    """What a run wrote (corrections, revaluation moves, voucher lines), to compare two runs."""
    import hashlib

    raw = sqlite3.connect(path)
    h = hashlib.sha256()
    for q in ("SELECT target_move_id, amount, account_code, move_date FROM cost_correction ORDER BY target_move_id",
              "SELECT product_id, warehouse_id, amount, move_date FROM stock_move WHERE move_type='revaluation' "
              "ORDER BY product_id, warehouse_id, amount",
              "SELECT a.code, debit, credit, product_id FROM voucher_line vl JOIN account a ON a.id=vl.account_id "
              "WHERE vl.voucher_id IN (SELECT voucher_id FROM costing_run) ORDER BY a.code, product_id, debit, credit"):
        h.update(repr(raw.execute(q).fetchall()).encode())
    raw.close()
    return h.hexdigest()[:16]


def run_in_subprocess(code_dir: Path, store: Path) -> dict:
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-c", _RUN_ONE, str(code_dir), str(store)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def export_ref(ref: str, into: Path) -> Path:
    import subprocess

    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "erp_core"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def copy_store(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copy(src, dst)
    for ext in ("-wal", "-shm"):
        if Path(str(src) + ext).exists():
            shutil.copy(str(src) + ext, str(dst) + ext)
    return dst


def _load() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def reopen(path: Path):
    """A store built earlier by ``build``: the database, its administrator, warehouse and products."""
    from sqlalchemy import select

    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.security.models import User
    from erp_core.security.sessions import build_actor

    url = f"sqlite:///{path}"
    db = Database(make_engine(url), Settings(database_url=url, data_dir=path.parent))
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
        admin = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
    raw = sqlite3.connect(path)
    wid = raw.execute("SELECT id FROM warehouse WHERE code='WH01'").fetchone()[0]
    pids = [r[0] for r in raw.execute("SELECT id FROM product WHERE code LIKE 'B%' ORDER BY id")]
    raw.close()
    return db, admin, wid, pids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--moves", type=int, default=1_000_000)
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--store", type=Path)
    ap.add_argument("--save-store", type=Path)
    ap.add_argument("--before-ref")
    ap.add_argument("--run-only", action="store_true")
    args = ap.parse_args()

    import duckdb

    from erp_core.costing.recompute import after_stock_posting
    from erp_core.costing.run_queries import stock_on_hand_as_of
    from erp_core.costing.run_services import run_costing
    from erp_core.inventory.posting import post_stock_moves
    from erp_core.usecase import Context

    tmp = Path(tempfile.mkdtemp(prefix="bench_costing_"))
    path = tmp / "costing.db"
    t0 = time.perf_counter()
    if args.store:
        copy_store(args.store, path)
        db, admin, wid, pids = reopen(path)
    else:
        db, admin, wid, pids = build(path, args.moves, args.products)
        if args.save_store:
            copy_store(path, args.save_store)
    built = time.perf_counter() - t0
    raw = sqlite3.connect(path)
    n_moves = raw.execute("SELECT count(*) FROM stock_move").fetchone()[0]
    n_products = raw.execute("SELECT count(DISTINCT product_id) FROM stock_move").fetchone()[0]
    before = None
    if args.before_ref:  # the code at REF on its own copy of the same store, in a subprocess
        old_store = copy_store(path, tmp / "before.db")
        load0 = _load()
        before = run_in_subprocess(export_ref(args.before_ref, tmp / "before_code"), old_store)
        before.update(digest=digest(old_store), load=max(load0, _load()))
        old_store.unlink()

    # 1. month-end run vs the bare aggregate of its inputs
    def bare_inputs():
        raw.execute("SELECT product_id, warehouse_id, sum(quantity), sum(amount) FROM stock_move WHERE company_id=1 "
                    "AND move_date BETWEEN '2026-03-01' AND '2026-03-31' AND quantity > 0 "
                    "GROUP BY product_id, warehouse_id").fetchall()
    base_run = _median(bare_inputs, args.repeat)
    import resource

    load0 = _load()
    t, c = time.perf_counter(), time.process_time()
    run_id = run_costing(db, admin, period="2026-03")
    run_s, run_cpu = time.perf_counter() - t, time.process_time() - c
    run_load = max(load0, _load())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    corrections = raw.execute("SELECT corrections FROM costing_run WHERE id=?", (run_id,)).fetchone()[0]
    t = time.perf_counter()
    assert run_costing(db, admin, period="2026-03") == run_id
    rerun_s = time.perf_counter() - t
    after_digest = digest(path)
    head = f"""
## Costing (bench/bench_costing.py), {dt.date.today().isoformat()}

{machine()}; SQLite; {n_moves:,} stock moves in March 2026 ({n_products:,} products, one warehouse; store
{'copied from ' + args.store.name if args.store else f'built in {built:.0f} s'}). CPU = the process's CPU time (SQLite runs in it).

| measurement | wall | CPU | baseline (same run) | ratio (wall) | target |
|---|---:|---:|---:|---:|---|
"""
    run_rows = ""
    if before:
        run_rows += (f"| month-end run BEFORE ({args.before_ref}), load {before['load']:.0f} | {before['wall']:.2f} s "
                     f"| {before['cpu']:.2f} s | {base_run * 1000:.0f} ms (bare SQL aggregate of the inputs) | "
                     f"{before['wall'] / base_run:.0f}x | < 10 s |\n")
    run_rows += (f"| month-end run AFTER, load {run_load:.0f} ({corrections:,} corrections, max RSS {rss_mb:.0f} MB) | "
                 f"{run_s:.2f} s | {run_cpu:.2f} s | {base_run * 1000:.0f} ms (bare SQL aggregate of the inputs) | "
                 f"{run_s / base_run:.0f}x | < 10 s |\n")
    run_rows += f"| the same run again (same input: nothing written) | {rerun_s * 1000:.0f} ms | | | | |\n"
    if before:
        same = "identical" if before["digest"] == after_digest else f"DIFFERENT ({before['digest']} vs {after_digest})"
        run_rows += (f"\nBefore/after on copies of the same store: wall {before['wall'] / run_s:.1f}x, CPU "
                     f"{before['cpu'] / run_cpu:.1f}x faster; what the two runs wrote (corrections, revaluation "
                     f"moves, voucher lines; sha256): {same}.\n")
    if args.run_only:
        report = head + run_rows
        print(report)
        if not args.no_write:
            with open(RESULTS, "a", encoding="utf-8") as f:
                f.write(report)
        return

    # 2. one backdated receipt (moving average product) vs the same receipt not backdated
    raw.execute("UPDATE product SET costing_method='moving_average' WHERE id IN (?, ?)", (pids[0], pids[1]))
    raw.commit()

    def receipt(pid, day, key):
        with db.uow() as uow:
            ctx = Context(uow.session, admin, "bench", db, company_id=admin.company_id)
            res = post_stock_moves(ctx, moves=[{"warehouse_id": wid, "product_id": pid, "quantity": Decimal(10),
                                                "unit_cost": Decimal("20"), "move_type": "receipt"}],
                                   posting_key=key, move_date=day)
            out = after_stock_posting(ctx, res, move_date=day)
            uow.commit()
        return out
    t = time.perf_counter()
    receipt(pids[1], dt.date(2026, 3, 31), "bench:late")
    late_s = time.perf_counter() - t
    t = time.perf_counter()
    out = receipt(pids[0], dt.date(2026, 3, 2), "bench:backdated")
    back_s = time.perf_counter() - t

    # 3. stock on hand as of a date vs DuckDB over the same rows. The first read copies the stock ledger into the
    # analytics store (analytics/stock.py; timed apart), the timed ones find nothing new (one indexed look-up).
    day = dt.date(2026, 3, 15)
    t = time.perf_counter()
    stock_on_hand_as_of(db, admin, on=day)
    copy_s = time.perf_counter() - t
    asof_s = _median(lambda: stock_on_hand_as_of(db, admin, on=day), args.repeat)
    rows = stock_on_hand_as_of(db, admin, on=day)
    duck = duckdb.connect()
    df = __import__("pandas").read_sql_query(
        "SELECT product_id, warehouse_id, move_date, quantity, amount FROM stock_move WHERE company_id=1", raw)
    duck.register("moves_df", df)
    duck.execute("CREATE TABLE moves AS SELECT * FROM moves_df")
    duck_s = _median(lambda: duck.execute(
        "SELECT product_id, warehouse_id, sum(quantity), sum(amount) FROM moves WHERE move_date <= '2026-03-15' "
        "GROUP BY 1, 2 ORDER BY 1, 2").fetchall(), args.repeat)

    report = head + run_rows + f"""
| measurement | time | baseline (same run) | ratio | target |
|---|---:|---:|---:|---|
| backdated receipt + recomputation of the later issues ({out.corrections if out else 0} corrections) | {back_s * 1000:.0f} ms | {late_s * 1000:.0f} ms (same receipt, nothing later) | {back_s / late_s:.1f}x | < 2 s at 10 M |
| stock on hand as of a date ({len(rows):,} rows; permission-checked query over the analytics copy) | {asof_s * 1000:.0f} ms | {duck_s * 1000:.1f} ms (DuckDB, same aggregate) | {asof_s / duck_s:.1f}x | < 1 s, <= 3x DuckDB |
| first copy of the stock ledger into the analytics store (once; later syncs append the new moves) | {copy_s:.1f} s | | | |
"""
    print(report)
    if not args.no_write:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    main()
