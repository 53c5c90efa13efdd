"""Benchmark: the monthly payroll run for N employees (default 1,000) through the real use cases (compute with
cumulative IIT and 五险一金, the run document with one line per employee, payslips), then lock it; and a full year
(12 runs, each month's cumulative tax reading the locked months before it).

    .venv/bin/python bench/bench_payroll.py [--employees 1000] [--months 12] [--url sqlite:///...] [--no-append]

Targets (issue #14): one month < 3 s, a full year < 30 s, for 1,000 employees on SQLite."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from erp_core.config import Settings  # noqa: E402
from erp_core.db.engine import make_engine  # noqa: E402
from erp_core.db.migrate import upgrade  # noqa: E402
from erp_core.db.uow import Database  # noqa: E402
from erp_core.hr.employees.models import EmployeeProfile, SalaryStructure  # noqa: E402
from erp_core.hr.payroll import services as pay  # noqa: E402
from erp_core.kernel.clock import naive_utcnow  # noqa: E402
from erp_core.masterdata.models_employees import Employee  # noqa: E402
from tests.support.factories import admin_actor, make_company  # noqa: E402


def seed(db: Database, company_id: int, n: int) -> None:
    """N employees with profiles (长沙) and a base salary + a housing loan deduction, by Core inserts."""
    now = naive_utcnow()
    with db.uow() as uow:
        s = uow.session
        s.execute(insert(Employee), [{"company_id": company_id, "code": f"E{i:05d}", "name": f"员工{i}",
                                      "hire_date": dt.date(2020, 1, 1), "active": True, "version": 1,
                                      "created_at": now} for i in range(n)])
        ids = [e.id for e in s.query(Employee).filter(Employee.company_id == company_id).order_by(Employee.id)]
        s.execute(insert(EmployeeProfile), [{"employee_id": e, "company_id": company_id, "insurance_city": "长沙",
                                             "insurance_base": Decimal(6000 + 37 * (i % 500)),
                                             "small_earner": False, "bonus_method": "separate",
                                             "expense_kind": "admin", "attachments": 0, "version": 1}
                                            for i, e in enumerate(ids)])
        s.execute(insert(SalaryStructure), [
            {"company_id": company_id, "employee_id": e, "item_code": code, "effective_from": dt.date(2020, 1, 1),
             "amount": amount, "created_at": now}
            for i, e in enumerate(ids)
            for code, amount in (("base_salary", Decimal(6000 + 37 * (i % 500))),
                                 ("sad_housing_loan", Decimal(1000 if i % 3 == 0 else 0)))])
        uow.commit()


def baseline() -> float:
    """A fixed reference workload measured in the same run (the machine is shared and busy): 12,000 cumulative
    IIT computations in pure Python, the best of 3. The run's times are reported as ratios to it too."""
    from erp_core.hr.payroll import iit

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for e in range(1000):
            ytd = iit.YearToDate()
            for m in range(1, 13):
                ytd = iit.withhold(ytd, iit.MonthIncome(Decimal(6000 + 37 * (e % 500))), months_employed=m,
                                   on=dt.date(2026, m, 1)).ytd
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--url", default=None)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    folder = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{os.path.join(folder, 'bench.db')}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, Settings(database_url=url, data_dir=Path(folder)))
    company = make_company(db)
    admin = admin_actor(db, company)
    pay.load_payroll_defaults(db, admin, cities=["长沙"])
    seed(db, company.company_id, args.employees)
    base = baseline()
    times = []
    t_year = time.perf_counter()
    for m in range(1, args.months + 1):
        t0 = time.perf_counter()
        run_id = pay.create_payroll_run(db, admin, period=f"2026-{m:02d}")
        pay.approve_payroll_run(db, admin, run_id=run_id)
        times.append(time.perf_counter() - t0)
    year = time.perf_counter() - t_year
    base_after = baseline()
    load = os.getloadavg()
    line = (f"| {dt.date.today()} | {platform.python_version()} | {url.split(':')[0]} | {args.employees} | "
            f"{times[0]:.2f} s | {max(times):.2f} s | {year:.1f} s ({args.months} months) |")
    print(line)
    print(f"baseline (12,000 IIT computations) before {base:.2f} s, after {base_after:.2f} s; "
          f"slowest month / baseline = {max(times) / base:.1f}x, year / baseline = {year / base:.1f}x; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if not args.no_append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write("\n## Payroll run (bench/bench_payroll.py): compute + lock, per month and a year\n\n"
                    "| date | python | db | employees | first month | slowest month | year |\n|---|---|---|---:|---:|---:|---:|\n"
                    + line + "\n")


if __name__ == "__main__":
    main()
