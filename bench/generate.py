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
import os
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# ERP_BENCH_DATA: a folder outside the repository for the stores (10 M lines is ~1.8 GiB)
DATA = Path(os.environ.get("ERP_BENCH_DATA") or ROOT / "bench" / "data")
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
    dim_code = {None: 0, "customer": 1, "supplier": 2, "department": 3}
    deb_ids = np.array([a for a, _ in template_debit])
    cre_ids = np.array([a for a, _ in template_credit])
    deb_codes = np.array([c for _, c in template_debit], dtype=object)
    cre_codes = np.array([c for _, c in template_credit], dtype=object)
    deb_dims = np.array([dim_code[d] for d in dim_debit])
    cre_dims = np.array([dim_code[d] for d in dim_credit])
    summary_arr = np.array(summaries, dtype=object)
    day_arr = np.array(day_text, dtype=object)
    period_arr = np.array(period_text, dtype=object)
    t1 = time.perf_counter()
    for start in range(0, vouchers, chunk):
        n = min(chunk, vouchers - start)
        tmpl = rng.integers(0, len(TEMPLATES), size=(n, pairs))
        amount = rng.integers(100, 5_000_000, size=(n, pairs))
        customer = rng.integers(1, CUSTOMERS + 1, size=(n, pairs))
        supplier = rng.integers(1, SUPPLIERS + 1, size=(n, pairs))
        department = rng.integers(1, DEPARTMENTS + 1, size=(n, pairs))
        project = rng.integers(0, PROJECTS + 1, size=(n, pairs))
        # Lines column-wise with numpy (shape vouchers x pairs x 2 sides), then one executemany per chunk.
        vids = first_vid + start + np.arange(n)
        offs = day_offsets[start:start + n]
        shape = (n, pairs, 2)
        side = np.broadcast_to(np.array([0, 1]), shape)
        tmpl3 = np.broadcast_to(tmpl[:, :, None], shape)
        amount3 = np.broadcast_to(amount[:, :, None], shape)
        acc_ids = np.where(side == 0, deb_ids[tmpl3], cre_ids[tmpl3])
        codes = np.where(side == 0, deb_codes[tmpl3], cre_codes[tmpl3])
        dim = np.where(side == 0, deb_dims[tmpl3], cre_dims[tmpl3])
        none = np.full(shape, None, dtype=object)
        customer3 = np.where(dim == 1, np.broadcast_to(customer[:, :, None], shape).astype(object), none)
        supplier3 = np.where(dim == 2, np.broadcast_to(supplier[:, :, None], shape).astype(object), none)
        dept3 = np.where(dim == 3, np.broadcast_to(department[:, :, None], shape).astype(object), none)
        proj = np.broadcast_to(project[:, :, None], shape).astype(object)
        proj3 = np.where(proj == 0, none, proj)
        count = n * pairs * 2
        columns = [
            [company_id] * count, (seq + 1 + np.arange(count)).tolist(),
            np.broadcast_to(vids[:, None, None], shape).ravel().tolist(),
            np.broadcast_to(np.arange(1, 2 * pairs + 1).reshape(1, pairs, 2), shape).ravel().tolist(),
            day_arr[np.broadcast_to(offs[:, None, None], shape)].ravel().tolist(),
            period_arr[np.broadcast_to(offs[:, None, None], shape)].ravel().tolist(),
            acc_ids.ravel().tolist(), codes.ravel().tolist(), summary_arr[tmpl3].ravel().tolist(),
            np.where(side == 0, amount3, 0).ravel().tolist(), np.where(side == 1, amount3, 0).ravel().tolist(),
            dept3.ravel().tolist(), proj3.ravel().tolist(), customer3.ravel().tolist(), supplier3.ravel().tolist(),
            [None] * count, [None] * count, [now] * count]
        gl_rows = zip(*columns, strict=True)
        seq += count
        totals = amount.sum(axis=1).tolist()
        v_rows = []
        for i in range(n):
            period = period_text[int(offs[i])]
            numbers[period] = numbers.get(period, 0) + 1
            values = {"id": int(vids[i]), "company_id": company_id, "voucher_type": "记", "period": period,
                      "number": numbers[period], "voucher_date": day_text[int(offs[i])], "attachments": 0,
                      "status": "posted", "total": totals[i], "source": "import", "created_by_name": "bench",
                      "created_at": now, "posted_at": now, "posted_by_name": "bench", "reviewed_by_name": "bench",
                      "reviewed_at": now, "version": 1}
            v_rows.append(tuple(values.get(c, 0 if required else None) for c, required in vcols))
        con.execute("BEGIN")
        con.executemany(v_sql, v_rows)
        con.executemany(gl_sql, gl_rows)
        con.execute("COMMIT")
        done = start + n
        if done % 100_000 == 0 or done == vouchers:
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


def _stale(path: Path) -> bool:
    """True when the cached store was built at another migration than the current head (the schema moved on)."""
    from erp_core.db.migrate import head_revision

    con = sqlite3.connect(path)
    try:
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        revision = None
    finally:
        con.close()
    return revision is None or revision[0] != head_revision()


def ensure(vouchers: int, lines: int = 10, seed: int = 42, *, force: bool = False) -> Path:
    """The cached store for these parameters (generated when missing)."""
    path = store_path(vouchers, lines, seed)
    if force or not path.exists() or _stale(path):
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
