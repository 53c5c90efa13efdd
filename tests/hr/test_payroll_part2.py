"""Payroll, second part, on every backend: paying 社保/公积金/个税 to the authorities (the vouchers, line by line),
supplementary runs (补发/补扣) whose tax counts the month's earlier run (worked example by hand), and the
payroll check after both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from erp_core.finance.models import Account, VoucherLine
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.hr.payroll.invariants import payroll_problems
from erp_core.kernel.errors import Conflict
from tests.hr.support import build


@pytest.fixture
def env(db, company):
    return build(db, company)


def _lines(db, voucher_id):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Account.code, VoucherLine.debit, VoucherLine.credit)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(VoucherLine.voucher_id == voucher_id)).all()
    return sorted((c, d, cr) for c, d, cr in rows)


def _balance(db, env, code):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(VoucherLine.debit, VoucherLine.credit)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(Account.company_id == env.company_id, Account.code == code)).all()
    return sum((d - c for d, c in rows), D(0))


def _slip(db, env, run_id, code):
    return {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"]}[code]


def test_paying_contributions_and_withheld_tax(db, env):
    # January (tests/hr/test_payroll_run.py works the figures out): employer 社保 2,510 + 4,769, employee
    # 1,030 + 1,957; 公积金 800 + 1,520 on each side; 个税 65.10 + 645.69
    run_id = pay.create_payroll_run(db, env.admin, period="2026-01")
    pay.approve_payroll_run(db, env.admin, run_id=run_id)
    with pytest.raises(Conflict):  # nothing posted yet: nothing owed
        pay.remit_payroll(db, env.admin, period="2026-01", kind="social", pay_date=dt.date(2026, 2, 15))
    pay.post_payroll_run(db, env.admin, run_id=run_id)
    due = {r["kind"]: r for r in pq.remittance_status(db, env.admin, period="2026-01")}
    assert (due["social"]["employer"], due["social"]["employee"]) == (D(7279), D(2987))
    assert due["iit"]["total"] == D("710.79") and due["iit"]["paid_on"] is None
    social = pay.remit_payroll(db, env.admin, period="2026-01", kind="social", pay_date=dt.date(2026, 2, 15))
    housing = pay.remit_payroll(db, env.admin, period="2026-01", kind="housing", pay_date=dt.date(2026, 2, 15))
    tax = pay.remit_payroll(db, env.admin, period="2026-01", kind="iit", pay_date=dt.date(2026, 2, 15))
    assert _lines(db, social) == [("1002", D(0), D(10266)), ("221103", D(7279), D(0)), ("2241", D(2987), D(0))]
    assert _lines(db, housing) == [("1002", D(0), D(4640)), ("221104", D(2320), D(0)), ("2241", D(2320), D(0))]
    assert _lines(db, tax) == [("1002", D(0), D("710.79")), ("222106", D("710.79"), D(0))]
    # accrued and withheld by the payroll voucher, paid by these three: the liabilities are cleared
    for code in ("221103", "221104", "2241", "222106"):
        assert _balance(db, env, code) == 0, code
    with pytest.raises(Conflict):  # once per period and kind
        pay.remit_payroll(db, env.admin, period="2026-01", kind="iit", pay_date=dt.date(2026, 2, 16))
    paid = {r["kind"]: r for r in pq.remittance_status(db, env.admin, period="2026-01")}
    assert paid["housing"]["paid_on"] == dt.date(2026, 2, 15) and paid["housing"]["voucher_id"] == housing


def test_supplementary_run_counts_the_months_earlier_run(db, env):
    """E001 (base 10,000, 社保公积金 1,830, 住房贷款 1,000) is paid 40,000 of 绩效 late for January.
    Regular January: taxable 10,000 - 5,000 - 1,830 - 1,000 = 2,170 -> 3 % = 65.10.
    Supplement: cumulative 50,000 - 5,000 - 1,830 - 1,000 = 42,170 -> 10 % - 2,520 = 1,697.00; less 65.10
    withheld = 1,631.90 (a run of its own would have taxed 40,000 - 5,000 = 35,000 at 3 % = 1,050).
    The two together withhold what one January run of 50,000 would: 1,697.00.
    February: cumulative 60,000 - 10,000 - 3,660 - 2,000 = 44,340 -> 1,914.00 - 1,697.00 = 217.00."""
    e1 = env.employees["E001"]
    jan = pay.create_payroll_run(db, env.admin, period="2026-01")
    with pytest.raises(Conflict):  # the regular run is not locked yet
        pay.create_supplementary_run(db, env.admin, period="2026-01",
                                     lines=[{"employee_id": e1, "item_code": "performance_pay", "amount": 40000}])
    pay.approve_payroll_run(db, env.admin, run_id=jan)
    pay.post_payroll_run(db, env.admin, run_id=jan)
    sup = pay.create_supplementary_run(db, env.admin, period="2026-01",
                                       lines=[{"employee_id": e1, "item_code": "performance_pay", "amount": 40000}])
    s = _slip(db, env, sup, "E001")
    assert (s["gross_pay"], s["employee_si"], s["employee_hf"], s["employer_si"]) == (D(40000), 0, 0, 0)
    assert (s["cumulative_taxable"], s["iit_withheld"], s["net_pay"]) == (D(42170), D("1631.90"), D("38368.10"))
    assert s["cumulative_withheld"] == D("1697.00")
    assert [x["employee_code"] for x in pq.run_detail(db, env.admin, run_id=sup)["payslips"]] == ["E001"]
    # a draft supplement recomputes from its own items
    version = pq.run_detail(db, env.admin, run_id=sup)["version"]
    pay.recompute_payroll_run(db, env.admin, run_id=sup, version=version)
    assert _slip(db, env, sup, "E001")["iit_withheld"] == D("1631.90")
    pay.approve_payroll_run(db, env.admin, run_id=sup)
    voucher = pay.post_payroll_run(db, env.admin, run_id=sup)
    assert ("222106", D(0), D("1631.90")) in _lines(db, voucher)
    assert ("5602", D(40000), D(0)) in _lines(db, voucher)
    with pytest.raises(Conflict):  # the regular run cannot be reversed under its supplement
        pay.reverse_payroll_run(db, env.admin, run_id=jan)
    feb = pay.create_payroll_run(db, env.admin, period="2026-02")
    f = _slip(db, env, feb, "E001")
    assert (f["cumulative_taxable"], f["iit_withheld"]) == (D(44340), D("217.00"))
    # the month's tax declaration: one row per employee, both runs added up
    decl = {r["工号"]: r for r in pq.iit_declaration_rows(db, env.admin, run_id=sup)}
    assert set(decl) == {"E001", "E002"}
    assert list(decl["E001"]) == list(pq.IIT_DECLARATION_COLUMNS)  # the client's template, column for column
    assert decl["E001"]["本期收入"] == D(50000)
    assert decl["E001"]["基本养老保险费"] == D(800) and decl["E001"]["累计住房贷款利息"] == D(1000)
    assert decl["E002"]["本期收入"] == D(30000)
    # February's file carries the year's 专项附加扣除 to date (the template's 累计 columns)
    assert {r["工号"]: r for r in pq.iit_declaration_rows(db, env.admin, run_id=feb)}["E001"]["累计住房贷款利息"] == D(2000)
    # the month's IIT payment covers both runs
    due = {r["kind"]: r for r in pq.remittance_status(db, env.admin, period="2026-01")}
    assert due["iit"]["total"] == D("65.10") + D("645.69") + D("1631.90")
    with db.uow(readonly=True) as uow:
        assert payroll_problems(uow.session) == []


def test_the_check_finds_a_locked_run_left_unposted_in_a_closed_period(db, env):
    """Payroll reaches the books only by the run's posting: a locked run whose month was closed without it is a
    problem (the period row is set closed directly here; closing a month through the use case needs a year)."""
    from erp_core.ledger.models import AccountingPeriod

    run_id = pay.create_payroll_run(db, env.admin, period="2026-01")
    pay.approve_payroll_run(db, env.admin, run_id=run_id)
    with db.uow(readonly=True) as uow:
        assert payroll_problems(uow.session) == []  # locked, month still open: not yet a problem
    with db.uow() as uow:
        row = uow.session.get(AccountingPeriod, (env.company_id, "2026-01"))
        if row is None:
            uow.session.add(AccountingPeriod(company_id=env.company_id, period="2026-01", status="closed"))
        else:
            row.status = "closed"
        uow.commit()
    with db.uow(readonly=True) as uow:
        found = payroll_problems(uow.session)
    assert [p.message_id for p in found] == ["check.problem.hr2.unposted"]
    assert found[0].params["period"] == "2026-01"
