"""Deterministic generator of a large company ledger in a SQLite operational store.

    .venv/bin/python bench/generate.py --vouchers 1000000            # 1 M vouchers, 10 M ledger lines
    .venv/bin/python bench/generate.py --vouchers 10000 --force      # small store for development

The schema comes from the real migrations and the company (with its chart of accounts) from the real setup use
case; the bulk of the data — posted vouchers and their gl_line rows — is then written with raw SQL inserts in
large transactions (the use-case path would take hours). Each voucher has --lines lines (default 10): balanced
pairs drawn from everyday templates (sales with output VAT, receipts, purchases with input VAT, payments, cost of
goods, expenses by department, salaries), dated in order over 36 months (2024-01..2026-12), posted in date order
so posting_seq grows with the date, with customer / supplier / department / project dimensions where the account
asks for them. The counters (voucher numbers per period, the gl posting sequence) are set so that posting through
the use cases can continue on the generated store. The same --seed gives the same file. Files are cached in
bench/data/ (git-ignored); --force rebuilds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench" / "data"
START = dt.date(2024, 1, 1)
DAYS = (dt.date(2026, 12, 31) - START).days + 1
CUSTOMERS, SUPPLIERS, DEPARTMENTS, PROJECTS = 2000, 500, 20, 50

# (debit account prefix, credit account prefix): the leaf account used is the first leaf under the prefix.
TEMPLATES = [
    ("1122", "5001"), ("1122", "22210102"),  # sale with output VAT
    ("1002", "1122"),  # customer pays
    ("1405", "2202"), ("22210101", "2202"),  # purchase with input VAT
    ("2202", "1002"),  # supplier paid
    ("5401", "1405"),  # cost of goods sold
    ("5602", "1002"), ("5601", "1001"), ("5603", "1002"),  # expenses
    ("5602", "2211"),  # salaries accrued
    ("1001", "1002"),  # cash withdrawn
]
DIMENSION_OF = {"1122": "customer", "2202": "supplier", "5601": "department", "5602": "department"}


def store_path(vouchers: int, lines: int, seed: int) -> Path:
    return DATA / f"erp-{vouchers}v-{lines}l-s{seed}.db"


def _setup(url: str) -> tuple[int, dict[str, tuple[int, str]]]:
    """Migrate, create the company through the setup use case, make sure the chart exists; return the company
    id and prefix -> (account id, code) of the first leaf under each template prefix."""
    from sqlalchemy import select

    from erp_core.db.engine import make_engine
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import Database
    from erp_core.finance.charts import seed_chart_of_accounts
    from erp_core.finance.models import Account
    from erp_core.kernel.actor import Actor
    from erp_core.setup.demo import demo_tax_id
    from erp_core.setup.services import SETUP_PERMISSION, run_setup

    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="基准测试商贸有限公司",
                       tax_id=demo_tax_id(), admin_username="admin", admin_password="Bench-Pass-7x!Qz")
    with db.uow() as uow:
        s = uow.session
        accounts = list(s.execute(select(Account).where(Account.company_id == result.company_id)).scalars())
        if not accounts:
            seed_chart_of_accounts(s, result.company_id, "small_business")
            uow.commit()
    with db.uow(readonly=True) as uow:
        leaves = sorted((a.code, a.id) for a in uow.session.execute(
            select(Account).where(Account.company_id == result.company_id, Account.is_leaf.is_(True))).scalars())
    engine.dispose()
    prefixes = {p for pair in TEMPLATES for p in pair}
    chosen = {}
    for p in prefixes:
        code, acc_id = next((c, i) for c, i in leaves if c.startswith(p))
        chosen[p] = (acc_id, code)
    return result.company_id, chosen


def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, bool]]:
    return [(r[1], bool(r[3]) and r[4] is None and not r[5]) for r in con.execute(f"PRAGMA table_info({table})")]


def generate(vouchers: int, lines: int, seed: int, path: Path, *, chunk: int = 50_000) -> dict:
    if lines % 2:
        raise SystemExit("--lines must be even (balanced pairs)")
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    company_id, chosen = _setup(f"sqlite:///{path}")
    t_setup = time.perf_counter() - t0

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    indexes = [(n, sql) for n, sql in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('gl_line', 'voucher') "
        "AND sql IS NOT NULL")]
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')

    rng = np.random.default_rng(seed)
    pairs = lines // 2
    template_debit = [chosen[d] for d, _ in TEMPLATES]
    template_credit = [chosen[c] for _, c in TEMPLATES]
    dim_debit = [DIMENSION_OF.get(d) for d, _ in TEMPLATES]
    dim_credit = [DIMENSION_OF.get(c) for _, c in TEMPLATES]
    # vouchers in date order: day offsets sorted
    day_offsets = np.sort(rng.integers(0, DAYS, size=vouchers))
    days = [START + dt.timedelta(days=int(i)) for i in range(DAYS)]
    day_text = [d.isoformat() for d in days]
    period_text = [d.strftime("%Y-%m") for d in days]
    numbers: dict[str, int] = {}
    vcols = _columns(con, "voucher")
    vnames = [c for c, _ in vcols]
    now = dt.datetime(2027, 1, 1).isoformat(sep=" ")
    gl_sql = ("INSERT INTO gl_line (company_id, posting_seq, voucher_id, line_no, posting_date, period, account_id, "
              "account_code, summary, debit, credit, department_id, project_id, customer_id, supplier_id, "
              "employee_id, product_id, posted_at) VALUES (" + ", ".join("?" * 18) + ")")
    v_sql = f"INSERT INTO voucher ({', '.join(vnames)}) VALUES ({', '.join('?' * len(vnames))})"
    first_vid = (con.execute("SELECT coalesce(max(id), 0) FROM voucher").fetchone()[0] or 0) + 1
    seq = 0
    summaries = ["销售商品", "销项税额", "收到货款", "采购商品", "进项税额", "支付货款", "结转成本", "管理费用",
                 "销售费用", "银行手续费", "计提工资", "提取现金"]
    t1 = time.perf_counter()
    for start in range(0, vouchers, chunk):
        n = min(chunk, vouchers - start)
        tmpl = rng.integers(0, len(TEMPLATES), size=(n, pairs))
        amount = rng.integers(100, 5_000_000, size=(n, pairs))
        customer = rng.integers(1, CUSTOMERS + 1, size=(n, pairs))
        supplier = rng.integers(1, SUPPLIERS + 1, size=(n, pairs))
        department = rng.integers(1, DEPARTMENTS + 1, size=(n, pairs))
        project = rng.integers(0, PROJECTS + 1, size=(n, pairs))
        gl_rows, v_rows = [], []
        tmpl_l, amount_l = tmpl.tolist(), amount.tolist()
        cust_l, supp_l, dep_l, proj_l = customer.tolist(), supplier.tolist(), department.tolist(), project.tolist()
        for i in range(n):
            vid = first_vid + start + i
            off = int(day_offsets[start + i])
            period = period_text[off]
            numbers[period] = numbers.get(period, 0) + 1
            total = 0
            line_no = 0
            for k in range(pairs):
                t = tmpl_l[i][k]
                a = amount_l[i][k]
                total += a
                proj = proj_l[i][k] or None
                for side, (acc_id, code), dim in ((0, template_debit[t], dim_debit[t]),
                                                  (1, template_credit[t], dim_credit[t])):
                    line_no += 1
                    seq += 1
                    gl_rows.append((company_id, seq, vid, line_no, day_text[off], period, acc_id, code,
                                    summaries[t], a if side == 0 else 0, a if side == 1 else 0,
                                    dep_l[i][k] if dim == "department" else None, proj,
                                    cust_l[i][k] if dim == "customer" else None,
                                    supp_l[i][k] if dim == "supplier" else None, None, None, now))
            values = {"id": vid, "company_id": company_id, "voucher_type": "记", "period": period,
                      "number": numbers[period], "voucher_date": day_text[off], "attachments": 0,
                      "status": "posted", "total": total, "source": "import", "created_by_name": "bench",
                      "created_at": now, "posted_at": now, "posted_by_name": "bench", "reviewed_by_name": "bench",
                      "reviewed_at": now, "version": 1}
            v_rows.append(tuple(values.get(c, 0 if required else None) for c, required in vcols))
        con.execute("BEGIN")
        con.executemany(v_sql, v_rows)
        con.executemany(gl_sql, gl_rows)
        con.execute("COMMIT")
        done = start + n
        if done % 200_000 == 0 or done == vouchers:
            rate = seq / (time.perf_counter() - t1)
            print(f"  {done:,} vouchers, {seq:,} lines ({rate:,.0f} lines/s)", flush=True)
    t_rows = time.perf_counter() - t1
    con.execute("BEGIN")
    con.executemany("INSERT OR REPLACE INTO doc_sequence (company_id, doc_type, period, last_value) VALUES (?, ?, ?, ?)",
                    [(company_id, "voucher:记", p, c) for p, c in numbers.items()] +
                    [(company_id, "gl_posting_seq", "", seq)])
    con.execute("COMMIT")
    t2 = time.perf_counter()
    for _, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    t_index = time.perf_counter() - t2
    return {"company_id": company_id, "vouchers": vouchers, "lines": seq, "setup_s": t_setup, "rows_s": t_rows,
            "index_s": t_index, "bytes": path.stat().st_size}


def ensure(vouchers: int, lines: int = 10, seed: int = 42, *, force: bool = False) -> Path:
    """The cached store for these parameters (generated when missing)."""
    path = store_path(vouchers, lines, seed)
    if force or not path.exists():
        info = generate(vouchers, lines, seed, path)
        print(f"generated {path.name}: {info['lines']:,} lines in {info['rows_s']:.1f} s "
              f"(+{info['index_s']:.1f} s indexes, {info['bytes'] / 2**30:.2f} GiB)")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vouchers", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=10, help="lines per voucher (even)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="rebuild even when the cached file exists")
    args = ap.parse_args()
    print(ensure(args.vouchers, args.lines, args.seed, force=args.force))


if __name__ == "__main__":
    main()
