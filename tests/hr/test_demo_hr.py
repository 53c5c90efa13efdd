"""The demo company's HR year: files for every employee, a posted payroll run per closed month (its voucher is
the books' only salary accrual) and a draft for the current one, net pay and 社保/公积金/个税 paid the next month,
the December bonus taxed separately, demo users see their own payslips, contract alerts, erp check clean."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.checks import run_checks
from erp_core.hr.employees import queries as eq
from erp_core.hr.payroll import queries as pq
from erp_core.kernel.clock import set_clock
from tests.support.demo import DEMO_NOW
from tests.support.factories import admin_actor


@pytest.fixture
def demo(db, demo_year):
    """db holds the demo year (built on 2027-01-20: tests/support/demo.py); today is that day."""
    set_clock(lambda: DEMO_NOW)
    try:
        yield demo_year.company
    finally:
        set_clock(None)


def test_demo_hr_year(db, demo):
    admin = admin_actor(db, demo)
    runs = pq.list_runs(db, admin)
    assert len(runs) == 12
    assert sorted(r["status"] for r in runs) == ["draft"] + ["posted"] * 11
    assert all(r["voucher_id"] for r in runs if r["status"] == "posted")
    paid = {r["kind"]: r for r in pq.remittance_status(db, admin, period="2026-11")}
    assert all(paid[k]["paid_on"] == dt.date(2026, 12, 15) and paid[k]["total"] > 0 for k in ("social", "housing", "iit"))
    # the salary accrual of a month is the payroll run's voucher alone: 221101 credited by the run's gross pay
    from sqlalchemy import select

    from erp_core.finance.models import Account, Voucher, VoucherLine

    nov = next(r for r in runs if r["period"] == "2026-11")
    with db.uow(readonly=True) as uow:
        credited = uow.session.execute(
            select(VoucherLine.credit).join(Account, Account.id == VoucherLine.account_id)
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .where(Account.company_id == demo.company_id, Account.code == "221101", Voucher.period == "2026-11",
                   VoucherLine.credit > 0)).scalars().all()
    assert sum(credited) == nov["total"]
    dec = pq.payroll_report(db, admin, period="2026-12")
    assert len(dec) == 18 and all(r["net_pay"] > 0 for r in dec)
    detail = pq.run_detail(db, admin, run_id=next(r["run_id"] for r in runs if r["period"] == "2026-12"))
    assert sum(1 for s in detail["payslips"] if s["bonus_separate"]) == 3
    files = eq.list_profiles(db, admin, today=dt.date(2027, 1, 20), contract_alerts_only=True)
    assert len(files) == 2
    assert {name: found for name, found in run_checks(db) if found} == {}


def test_demo_has_a_year_of_attendance_and_leave(db, demo):
    from erp_core.hr.attendance import queries as aq

    admin = admin_actor(db, demo)
    for period in ("2026-03", "2026-11"):
        rows = aq.attendance_summary(db, admin, period=period)
        assert len(rows) == 18 and all(r["worked"] + r["leave_days"] == r["scheduled"] for r in rows)
        assert all(r["missing_count"] == 0 and r["absent"] == 0 for r in rows)  # the forgotten punch was corrected
        assert len(aq.punch_corrections(db, admin, period=period)) == 1
    oct_ = {r["employee_code"]: r for r in aq.attendance_summary(db, admin, period="2026-10")}
    assert oct_["E004"]["leave"] == {"compensatory": 1}
    assert sum(r["scheduled"] for r in oct_.values()) < 18 * 23  # 国庆 holidays are not working days
    leave = aq.leave_requests(db, admin, year=2026)
    assert len(leave) == 7 and {r["approval"] for r in leave} == {"approved"}  # no rule: cleared at once
    bal = next(b for b in aq.leave_balances(db, admin, year=2026) if b["employee_code"] == "E010"
               and b["kind"] == "annual")
    assert bal["used"] == 3
