"""Benchmark (issue #15, CRM 5): what the gram table's triggers (migration 0043_crm5) cost a bulk load of leads.

    .venv/bin/python bench/bench_crm_grams.py [--leads 100000] [--rounds 2] [--url URL] [--no-append]

One database (a new SQLite file unless --url names an empty database), one company; each round loads ``--leads``
leads as bench_crm.populate makes them, by Core inserts (batches of 20,000, one transaction — a bulk import)
twice: once with the three gram triggers dropped (the state before 0043: the FTS5 / pg_trgm indexes still kept),
once with them, alternating which goes first, so the machine's drift falls on both. Reports the best wall time
and the best CPU time of this process (on SQLite the engine runs in it) per variant, their ratio, and the rows
the gram table gained per lead. Appends to bench/RESULTS.md. The database is left with the leads of the
"without" loads lacking their grams: throw it away (a --url database too), never search it."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_crm import NOW, SALES  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from erp_core.config import Settings  # noqa: E402
from erp_core.crm.models import CrmLead  # noqa: E402
from erp_core.db.engine import make_engine  # noqa: E402
from erp_core.db.migrate import upgrade  # noqa: E402
from erp_core.db.uow import Database  # noqa: E402
from tests.support.factories import make_company  # noqa: E402


def _migration():
    spec = importlib.util.spec_from_file_location("m0043", ROOT / "db/migrations/versions/0043_crm5.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _set_triggers(engine, on: bool) -> None:
    m, dialect = _migration(), engine.dialect.name
    with engine.begin() as conn:
        if dialect == "postgresql":  # the function stays; the triggers are switched
            for name in m.TRIGGERS:
                conn.execute(text(f"ALTER TABLE crm_lead {'ENABLE' if on else 'DISABLE'} TRIGGER {name}"))
            return
        for name in m.TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        if on:
            for ddl in m._sqlite() if dialect == "sqlite" else m._mariadb():
                conn.execute(text(ddl))


def load_leads(db: Database, company_id: int, n: int, start: int) -> None:
    """bench_crm.populate's leads (names 线索公司<i>, owned by the salespeople), without its pools (made once)."""
    with db.uow() as uow:
        batch = []
        for i in range(start, start + n):
            batch.append({"company_id": company_id, "source": ("website", "phone", "exhibition", "referral")[i % 4],
                          "company_name": f"线索公司{i}", "name_key": f"线索{i}", "phone": f"139{i:08d}",
                          "phone_key": f"139{i:08d}", "region": ("长沙", "株洲", "湘潭")[i % 3],
                          "status": ("new", "contacted", "qualified")[i % 3], "owner_id": SALES[i % 50],
                          "claimed_at": NOW, "last_followup_at": NOW, "last_progress_at": NOW, "created_at": NOW,
                          "version": 1})
            if len(batch) == 20_000:
                uow.session.execute(insert(CrmLead), batch)
                batch = []
        if batch:
            uow.session.execute(insert(CrmLead), batch)
        uow.commit()


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--url", default=None)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-crm-grams-"))
    url = args.url or f"sqlite:///{tmp / 'crm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=tmp))
    company = make_company(db)
    load_start = os.getloadavg()[0]
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    per_lead, start = None, 0
    for r in range(args.rounds):
        for on in ((False, True) if r % 2 == 0 else (True, False)):
            _set_triggers(engine, on)
            grams0 = _count(engine, "crm_lead_gram")
            t0, c0 = time.perf_counter(), time.process_time()
            load_leads(db, company.company_id, args.leads, start)
            start += args.leads
            results[on].append((time.perf_counter() - t0, time.process_time() - c0))
            if on:
                per_lead = (_count(engine, "crm_lead_gram") - grams0) / args.leads
    _set_triggers(engine, True)
    load = os.getloadavg()[0]
    off_w, off_c = min(w for w, _ in results[False]), min(c for _, c in results[False])
    on_w, on_c = min(w for w, _ in results[True]), min(c for _, c in results[True])
    report = [f"\n## CRM 5: the gram table's cost on a bulk load of {args.leads:,} leads ({dt.date.today()}, "
              f"{platform.node()}, {os.cpu_count()} CPU, {db.settings.backend}, load average {load_start:.1f} at "
              f"the start, {load:.1f} at the end)\n",
              f"bench_crm.populate's leads by Core inserts (batches of 20,000, one transaction), {args.rounds} rounds, "
              "alternating; best of the rounds. Without = the three gram triggers dropped (the state before 0043).\n",
              "| variant | wall s | CPU s (this process) |", "|---|---:|---:|",
              f"| without the gram triggers | {off_w:.2f} | {off_c:.2f} |",
              f"| with the gram triggers | {on_w:.2f} | {on_c:.2f} |",
              f"| ratio with / without | {on_w / off_w:.2f} | {on_c / off_c:.2f} |", "",
              f"Gram rows written per lead: {per_lead:.1f} (company names 线索公司<n>, no contact name).", ""]
    out = "\n".join(report)
    print(out)
    if not args.no_append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(out)


if __name__ == "__main__":
    main()
