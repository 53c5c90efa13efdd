"""The demo company's HR year: files for every employee, a locked payroll run per closed month and a draft for
the current one, the December bonus taxed separately, demo users see their own payslips, contract alerts, and
the books untouched by the unposted runs (erp check clean)."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.checks import run_checks
from erp_core.hr.employees import queries as eq
from erp_core.hr.payroll import queries as pq
from erp_core.kernel.clock import set_clock
from erp_core.setup.demo_year import build_demo_year
from tests.support.factories import admin_actor, make_company


@pytest.fixture
def demo(db):
    set_clock(lambda: dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC))
    try:
        result = make_company(db, load_demo=True)
        build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
        yield result
    finally:
        set_clock(None)


def test_demo_hr_year(db, demo):
    admin = admin_actor(db, demo)
    runs = pq.list_runs(db, admin)
    assert len(runs) == 12
    assert sorted(r["status"] for r in runs) == ["approved"] * 11 + ["draft"]
    dec = pq.payroll_report(db, admin, period="2026-12")
    assert len(dec) == 18 and all(r["net_pay"] > 0 for r in dec)
    detail = pq.run_detail(db, admin, run_id=next(r["run_id"] for r in runs if r["period"] == "2026-12"))
    assert sum(1 for s in detail["payslips"] if s["bonus_separate"]) == 3
    files = eq.list_profiles(db, admin, today=dt.date(2027, 1, 20), contract_alerts_only=True)
    assert len(files) == 2
    assert {name: found for name, found in run_checks(db) if found} == {}
