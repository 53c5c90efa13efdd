"""Benchmark (issue #15 item 9): the lead list with filters and the pool view at 1 M leads (< 0.5 s each), and a
recycling run over 1 M leads (< 10 s), through the real queries / use cases (permission, row scope).

    .venv/bin/python bench/bench_crm.py [--leads 1000000] [--url sqlite:///...] [--no-append]

Data: 4 pools, 50 salespeople (members of every pool); 70 % of the leads owned (spread over the salespeople),
30 % in the pools; the recycle rule (no follow-up for 30 days) makes ~10 % of the owned leads due. Appends the
figures to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from erp_core.config import Settings  # noqa: E402
from erp_core.crm.leads import queries as lq  # noqa: E402
from erp_core.crm.models import CrmLead, CrmPoolMember  # noqa: E402
from erp_core.crm.pools import services as ps  # noqa: E402
from erp_core.db.engine import make_engine  # noqa: E402
from erp_core.db.migrate import upgrade  # noqa: E402
from erp_core.db.uow import Database  # noqa: E402
from erp_core.kernel import clock  # noqa: E402
from erp_core.kernel.actor import Actor, Scope  # noqa: E402
from erp_core.security.catalog import load_all  # noqa: E402
from tests.support.factories import admin_actor, make_company  # noqa: E402

NOW = dt.datetime(2026, 6, 1, 2, 0)
SALES = list(range(100_001, 100_051))


def populate(db: Database, company_id: int, admin: Actor, n: int) -> list[int]:
    pools = [ps.save_pool(db, admin, values={"code": f"P{i}", "name": f"公海{i}", "daily_claim_cap": 50,
                                             "recycle_no_followup_days": 30, "warn_days_before": 3})
             for i in range(4)]
    with db.uow() as uow:
        uow.session.execute(insert(CrmPoolMember), [{"company_id": company_id, "pool_id": p, "user_id": u}
                                                   for p in pools for u in SALES])
        batch = []
        for i in range(n):
            owned = i % 10 < 7
            touched = NOW - dt.timedelta(days=31 if i % 10 == 0 else (i % 29))
            batch.append({"company_id": company_id, "source": ("website", "phone", "exhibition", "referral")[i % 4],
                          "company_name": f"线索公司{i}", "name_key": f"线索{i}", "phone": f"139{i:08d}",
                          "phone_key": f"139{i:08d}", "region": ("长沙", "株洲", "湘潭")[i % 3],
                          "status": ("new", "contacted", "qualified")[i % 3], "pool_id": pools[i % 4],
                          "owner_id": SALES[i % 50] if owned else None, "claimed_at": touched if owned else None,
                          "last_followup_at": touched if owned else None,
                          "last_progress_at": touched if owned else None, "created_at": touched, "version": 1})
            if len(batch) == 20_000:
                uow.session.execute(insert(CrmLead), batch)
                batch = []
        if batch:
            uow.session.execute(insert(CrmLead), batch)
        uow.commit()
    return pools


def timed(fn, *args, repeat: int = 3, **kwargs):
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--url", default=None)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-crm-"))
    url = args.url or f"sqlite:///{tmp / 'crm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=tmp))
    company = make_company(db)
    admin = admin_actor(db, company)
    t0 = time.perf_counter()
    pools = populate(db, company.company_id, admin, args.leads)
    load_s = time.perf_counter() - t0
    clock.set_clock(lambda: NOW.replace(tzinfo=dt.UTC))
    perms = {p: Scope.OWN for p in load_all() if p.startswith("crm.")}
    sales = Actor(user_id=SALES[3], username="s7", company_id=company.company_id, grants=MappingProxyType(perms))
    manager = Actor(user_id=SALES[0], username="m", company_id=company.company_id,
                    grants=MappingProxyType({p: Scope.ALL for p in perms}))
    rows = []
    for label, actor, kw in (
            ("my leads, open, page 1 (salesperson)", sales, {"owner": "mine", "status": "open"}),
            ("my leads, source + region filter", sales, {"owner": "mine", "source": "website", "region": "长沙"}),
            ("pool view: unclaimed in one pool (salesperson)", sales, {"owner": "pool", "pool_id": pools[1]}),
            ("all leads, search by phone (manager)", manager, {"search": "13900012345"}),
            ("all leads, status filter (manager)", manager, {"status": "qualified"})):
        took, page = timed(lq.list_leads, db, actor, page=1, page_size=50, **kw)
        rows.append((label, took, page.total))
    t0 = time.perf_counter()
    result = ps.run_recycle(db, admin)
    recycle_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = ps.run_recycle(db, admin)
    again_s = time.perf_counter() - t0
    report = [f"\n## CRM: lead list, pool view and recycling at {args.leads:,} leads ({dt.date.today()}, "
              f"{platform.node()}, {os.cpu_count()} CPU, {db.settings.backend})\n",
              f"Loaded in {load_s:.1f} s (Core inserts). Best of 3, through the queries (permission, row scope):\n",
              "| query | seconds | rows matched |", "|---|---:|---:|"]
    report += [f"| {label} | {took:.3f} | {total:,} |" for label, took, total in rows]
    report += ["", f"Recycling run: {result['recycled']:,} leads returned, {result['warned']:,} warned in "
               f"{recycle_s:.2f} s; the second run (nothing due) {again_s:.2f} s "
               f"({again['recycled']} returned). Targets: list < 0.5 s, recycling < 10 s.", ""]
    text = "\n".join(report)
    print(text)
    if not args.no_append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
