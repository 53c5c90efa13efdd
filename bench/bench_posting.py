"""Posting and voucher import speed on SQLite, each against raw SQL doing the same writes in the same run.

    .venv/bin/python bench/bench_posting.py [--vouchers 1000] [--big 1000000]

1. Posting through the use-case path: ``post_voucher`` on reviewed 4-line vouchers, one voucher per transaction
   (permission check, row lock, re-validation, period check, pre-post checks, gap-free sequence block, insert of
   the ledger lines, idempotency record, status change, audit record with its hash chain). Baseline: raw sqlite3, one
   transaction per voucher: advance the sequence counter, insert the same 4 gl_line rows, the posting record and
   the status change.
2. Voucher import (``erp import vouchers --post`` path: CSV parsing, every cell checked, driver-level batch
   inserts of vouchers, ledger lines and postings, the voucher lines copied from the ledger lines by one INSERT ..
   SELECT, in one transaction). Baseline: raw executemany of the same voucher, voucher-line and ledger rows.
   Both are the median of --import-repeat runs, each on a fresh copy of the store (the machine's noise is large).
3. Posting latency on a store holding 10 k ledger lines vs one holding --big vouchers x 10 lines (the generated
   store, copied so the cache stays pristine).
Appends a section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
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
from bench.generate import ensure  # noqa: E402

# Account pairs that need no partner or other dimension (posting checks that dimension records exist).
LEAVES = (("1002", "5001"), ("1405", "1002"), ("5602", "1002"), ("1001", "1002"))
IMPORT_LEAVES = LEAVES


def _open(path: Path):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database

    url = f"sqlite:///{path}"
    return Database(make_engine(url), Settings(database_url=url, data_dir=path.parent))


def _actors(db):
    from sqlalchemy import select

    from erp_core.security.models import User
    from erp_core.security.sessions import build_actor
    from tests.support.factories import actor

    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
        admin = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
    return admin, actor(admin.company_id, {"finance.voucher.review": "all"})


def _leaf_codes(db) -> dict[str, str]:
    from sqlalchemy import select

    from erp_core.finance.models import Account

    with db.uow(readonly=True) as uow:
        leaves = sorted(uow.session.execute(select(Account.code).where(Account.is_leaf.is_(True))).scalars())
    return {p: next(c for c in leaves if c.startswith(p)) for pair in LEAVES for p in pair}


def _aux(code: str) -> dict:
    return {"customer_id": 1} if code.startswith("1122") else {"supplier_id": 1} if code.startswith("2202") else {}


def reviewed_vouchers(db, n: int, rnd: random.Random) -> list[int]:
    from erp_core.finance.voucher_services import create_voucher, review_voucher

    admin, reviewer = _actors(db)
    codes = _leaf_codes(db)
    ids = []
    for i in range(n):
        lines = []
        for d, c in rnd.sample(LEAVES, 2):
            amount = f"{rnd.randint(100, 999999)}.{rnd.randint(0, 99):02d}"
            lines.append({"account_code": codes[d], "debit": amount, "credit": "0", "summary": f"bench {i}",
                          **_aux(codes[d])})
            lines.append({"account_code": codes[c], "debit": "0", "credit": amount, "summary": f"bench {i}",
                          **_aux(codes[c])})
        vid = create_voucher(db, admin, voucher_date=dt.date(2026, 12, 1 + i % 28), lines=lines)
        review_voucher(db, reviewer, voucher_id=vid)
        ids.append(vid)
    return ids


def post_all(db, ids: list[int]) -> list[float]:
    from erp_core.ledger.posting import post_voucher

    admin, _ = _actors(db)
    samples = []
    for vid in ids:
        t = time.perf_counter()
        post_voucher(db, admin, voucher_id=vid)
        samples.append(time.perf_counter() - t)
    return samples


def raw_posting(path: Path, n: int, rnd: random.Random) -> float:
    """The same writes per voucher in raw SQL, one transaction each (on a copy of the store)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    acc = dict(con.execute("SELECT code, id FROM account"))
    leaf = {p: min(c for c in acc if c.startswith(p)) for pair in LEAVES for p in pair}
    vids = [r[0] for r in con.execute("SELECT id FROM voucher ORDER BY id DESC LIMIT ?", (n,))]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    t0 = time.perf_counter()
    for i, vid in enumerate(vids):
        con.execute("BEGIN IMMEDIATE")
        last = con.execute("UPDATE doc_sequence SET last_value = last_value + 4 WHERE company_id = 1 AND "
                           "doc_type = 'gl_posting_seq' AND period = '' RETURNING last_value").fetchone()[0]
        rows = []
        for k, (d, c) in enumerate(rnd.sample(LEAVES, 2)):
            amount = rnd.randint(100, 99999999)
            for j, (code, dr, cr) in enumerate(((leaf[d], amount, 0), (leaf[c], 0, amount))):
                rows.append((1, last - 3 + 2 * k + j, vid, 2 * k + j + 1, "2026-12-01", "2026-12", acc[code], code,
                             f"raw {i}", dr, cr, None, None, None, None, None, None, now))
        con.executemany("INSERT INTO gl_line (company_id, posting_seq, voucher_id, line_no, posting_date, period, "
                        "account_id, account_code, summary, debit, credit, department_id, project_id, customer_id, "
                        "supplier_id, employee_id, product_id, posted_at) VALUES "
                        "(" + ", ".join("?" * 18) + ")", rows)
        con.execute("INSERT INTO posting (company_id, posting_key, content_hash, voucher_id, first_seq, line_count, "
                    "posted_at) VALUES (1, ?, ?, ?, ?, 4, ?)", (f"raw:{vid}:{i}", "x" * 64, vid, last - 3, now))
        con.execute("UPDATE voucher SET status = 'posted', posted_at = ?, version = version + 1 WHERE id = ?",
                    (now, vid))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def import_csv(n_vouchers: int, lines: int, codes: dict[str, str], rnd: random.Random) -> bytes:
    out = ["date,voucher_type,voucher_no,line_no,account_code,summary,debit,credit,department,project,partner"]
    for v in range(1, n_vouchers + 1):
        day = f"2026-11-{1 + v % 28:02d}"
        line_no = 0
        for _ in range(lines // 2):
            d, c = IMPORT_LEAVES[rnd.randrange(len(IMPORT_LEAVES))]
            amount = f"{rnd.randint(1, 99999)}.{rnd.randint(0, 99):02d}"
            for code, dr, cr in ((codes[d], amount, ""), (codes[c], "", amount)):
                line_no += 1
                out.append(f"{day},记,{v},{line_no},{code},导入 {v},{dr},{cr},,,")
    return ("\n".join(out) + "\n").encode("utf-8")


def import_once(small: Path, path: Path, n_vouchers: int, rnd: random.Random):
    """One import of ``n_vouchers`` x 10 lines with --post on a fresh copy of the small store, then raw
    executemany of the same rows into it. Returns (import seconds, raw seconds, import report)."""
    from erp_core.finance.import_services import import_vouchers
    from erp_core.io.importer import read_table

    shutil.copyfile(small, path)
    db = _open(path)
    admin, _ = _actors(db)
    codes = _leaf_codes(db)
    data = import_csv(n_vouchers, 10, codes, rnd)
    from erp_core.finance.import_services import set_import_posting

    set_import_posting(db, admin, allowed=True)  # the company's audited migration switch (--post needs it)
    t = time.perf_counter()
    table = read_table(data, "vouchers.csv")
    result = import_vouchers(db, admin, table, post=True)
    imp_s = time.perf_counter() - t
    db.dispose()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")  # as on every connection of the app (the checks cost ~15% of inserts)
    acc = dict(con.execute("SELECT code, id FROM account"))
    rows = [r.split(",") for r in data.decode().splitlines()[1:]]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    vcols = [r[1] for r in con.execute("PRAGMA table_info(voucher)")]
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    first_v = con.execute("SELECT max(id) FROM voucher").fetchone()[0] + 1
    seq0 = con.execute("SELECT max(posting_seq) FROM gl_line").fetchone()[0] + 1
    vals = {"company_id": 1, "voucher_type": "记", "period": "2026-11", "attachments": 0, "status": "posted",
            "total": 0, "source": "import", "created_by_name": "raw", "created_at": now, "version": 1}
    con.executemany(f"INSERT INTO voucher ({', '.join(vcols)}) VALUES ({', '.join('?' * len(vcols))})",
                    [tuple({**vals, "id": first_v + i, "number": 900000 + i, "voucher_date": "2026-11-01"}.get(c)
                           for c in vcols) for i in range(n_vouchers)])
    con.executemany("INSERT INTO voucher_line (voucher_id, line_no, summary, account_id, debit, credit) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(first_v + int(r[2]) - 1, int(r[3]), r[5], acc[r[4]], int(Decimal(r[6] or 0) * 100),
                      int(Decimal(r[7] or 0) * 100)) for r in rows])
    con.executemany("INSERT INTO gl_line (company_id, posting_seq, voucher_id, line_no, posting_date, period, "
                    "account_id, account_code, summary, debit, credit, posted_at) VALUES "
                    "(1, ?, ?, ?, ?, '2026-11', ?, ?, ?, ?, ?, ?)",
                    [(seq0 + i, first_v + int(r[2]) - 1, int(r[3]), r[0], acc[r[4]], r[4], r[5],
                      int(Decimal(r[6] or 0) * 100), int(Decimal(r[7] or 0) * 100), now) for i, r in enumerate(rows)])
    con.execute("COMMIT")
    raw_imp_s = time.perf_counter() - t
    con.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return imp_s, raw_imp_s, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vouchers", type=int, default=1000, help="vouchers posted per measurement")
    ap.add_argument("--import-vouchers", type=int, default=10000, help="vouchers (x10 lines) in the import file")
    ap.add_argument("--import-repeat", type=int, default=3, help="import runs (the median is reported)")
    ap.add_argument("--big", type=int, default=1_000_000, help="vouchers of the big store (x10 lines); 0 skips")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rnd = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="erp-bench-"))
    report = [f"\n## Posting and import on SQLite — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
              f"Machine: {machine()}.\n"]

    # 1. posting through the use case vs raw SQL, on a store of 10 k lines
    small = ensure(1000)
    work = tmp / "small.db"
    shutil.copyfile(small, work)
    db = _open(work)
    ids = reviewed_vouchers(db, args.vouchers, rnd)
    db.dispose()  # the last connection's close checkpoints the WAL into the file copied next
    shutil.copyfile(work, tmp / "raw.db")  # the same reviewed vouchers, for the raw baseline
    db = _open(work)
    t = time.perf_counter()
    samples = post_all(db, ids)
    use_case_s = time.perf_counter() - t
    db.dispose()
    raw_s = raw_posting(tmp / "raw.db", args.vouchers, rnd)
    uc_rate, raw_rate = args.vouchers / use_case_s, args.vouchers / raw_s
    p50_small = statistics.median(samples)
    p95_small = statistics.quantiles(samples, n=20)[18]
    line = (f"Posting through the use case (4-line vouchers, one per transaction): **{uc_rate:,.0f} vouchers/s** "
            f"(p50 {p50_small * 1000:.2f} ms, p95 {p95_small * 1000:.2f} ms); raw SQL doing the same writes: "
            f"{raw_rate:,.0f} vouchers/s; use case / raw = {uc_rate / raw_rate:.2f} (target >= 500 vouchers/s: "
            f"{'met' if uc_rate >= 500 else 'MISSED'}).")
    print(line, flush=True)
    report.append(line + "\n")

    # 2. voucher import with --post vs raw inserts, each the median of --import-repeat runs on fresh copies
    n_lines = args.import_vouchers * 10
    imp_runs, raw_runs = [], []
    for k in range(args.import_repeat):
        imp_s, raw_imp_s, result = import_once(small, tmp / f"imp{k}.db", args.import_vouchers, rnd)
        imp_runs.append(imp_s)
        raw_runs.append(raw_imp_s)
        print(f"  import run {k + 1}: {n_lines / imp_s:,.0f} lines/s, raw {n_lines / raw_imp_s:,.0f} lines/s",
              flush=True)
    imp_s, raw_imp_s = statistics.median(imp_runs), statistics.median(raw_runs)
    line = (f"Voucher import with posting ({args.import_vouchers:,} vouchers, {n_lines:,} lines, CSV -> checks -> "
            f"driver batches + INSERT .. SELECT of the voucher lines, one transaction; median of "
            f"{args.import_repeat} runs on fresh copies): **{n_lines / imp_s:,.0f} lines/s** ({imp_s:.1f} s, "
            f"{getattr(result, 'vouchers', '?')} vouchers; runs: "
            f"{', '.join(f'{n_lines / x:,.0f}' for x in imp_runs)}); raw executemany of the same rows: "
            f"{n_lines / raw_imp_s:,.0f} lines/s; import / raw = {raw_imp_s / imp_s:.2f} (target >= 20,000 lines/s: "
            f"{'met' if n_lines / imp_s >= 20000 else 'MISSED'}).")
    print(line, flush=True)
    report.append(line + "\n")

    # 3. posting latency at 10 k vs the big store
    if args.big:
        big = ensure(args.big)
        work = tmp / "big.db"
        shutil.copyfile(big, work)
        db = _open(work)
        n = min(args.vouchers, 300)
        ids = reviewed_vouchers(db, n, rnd)
        samples_big = post_all(db, ids)
        db.dispose()
        p50_big = statistics.median(samples_big)
        p95_big = statistics.quantiles(samples_big, n=20)[18]
        ratio = p50_big / p50_small
        line = (f"Posting latency at 10 k lines: p50 {p50_small * 1000:.2f} ms; at {args.big * 10:,} lines: p50 "
                f"{p50_big * 1000:.2f} ms, p95 {p95_big * 1000:.2f} ms ({n} vouchers); ratio {ratio:.2f} "
                f"(target <= 1.5: {'met' if ratio <= 1.5 else 'MISSED'}).")
        print(line, flush=True)
        report.append(line + "\n")
    shutil.rmtree(tmp, ignore_errors=True)
    if not args.no_write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
