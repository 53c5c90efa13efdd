"""补扣 that takes back more than a supplementary run pays (issue #14): the employee's total is negative. Worked by
hand on the HR test company (tests/hr/support.py; E001: base 10,000, 社保 1,030 + 公积金 800 withheld, 住房贷款 1,000).

January regular run: taxable 10,000 - 5,000 - 1,830 - 1,000 = 2,170 -> 3 % = 65.10 withheld; net 8,104.90 (paid).
A 补扣 of 500 (缺勤扣款 found late) in January: cumulative 9,500 - 5,000 - 1,830 - 1,000 = 1,670 -> 50.10, less 65.10
withheld -> 0 (no refund mid-year); net -500: owed back by E001 (其他应收款).
February: cumulative 19,500 - 10,000 - 3,660 - 2,000 = 3,840 -> 115.20 - 65.10 = 50.10 (15.00 less than without the
补扣: 500 x 3 %); net 10,000 - 1,830 - 50.10 = 8,119.90, of which 500 is taken back: 7,619.90 paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from erp_core.documents.registry import registered
from erp_core.finance.models import Account, VoucherLine
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.hr.payroll.compute import owed_back
from erp_core.hr.payroll.invariants import payroll_problems
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from tests.hr.support import build


@pytest.fixture
def env(db, company):
    return build(db, company)


def _lines(db, voucher_id):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Account.code, VoucherLine.debit, VoucherLine.credit, VoucherLine.employee_id)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(VoucherLine.voucher_id == voucher_id)).all()
    return sorted((c, d, cr, e) for c, d, cr, e in rows)


def _balance(db, env, code):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(VoucherLine.debit, VoucherLine.credit)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(Account.company_id == env.company_id, Account.code == code)).all()
    return sum((d - c for d, c in rows), D(0))


def _slip(db, env, run_id, code):
    return {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"]}[code]


def _locked_january(db, env):
    jan = pay.create_payroll_run(db, env.admin, period="2026-01")
    pay.approve_payroll_run(db, env.admin, run_id=jan)
    pay.post_payroll_run(db, env.admin, run_id=jan)
    pay.pay_payroll_run(db, env.admin, run_id=jan, pay_date=dt.date(2026, 2, 10))
    return jan


def _owed(db, env):
    with db.uow(readonly=True) as uow:
        return owed_back(uow.session, env.company_id)


def test_a_deduction_larger_than_the_supplement_pays_is_owed_back_and_taken_from_the_next_payroll(db, env):
    e1 = env.employees["E001"]
    _locked_january(db, env)
    sup = pay.create_supplementary_run(db, env.admin, period="2026-01",
                                       lines=[{"employee_id": e1, "item_code": "absence_deduction", "amount": -500}])
    s = _slip(db, env, sup, "E001")
    assert (s["gross_pay"], s["taxable_income"], s["iit_withheld"], s["net_pay"]) == (D(-500), D(-500), 0, D(-500))
    assert (s["cumulative_taxable"], s["cumulative_withheld"]) == (D(1670), D("65.10"))
    assert pq.run_detail(db, env.admin, run_id=sup)["total"] == D(-500)
    pay.approve_payroll_run(db, env.admin, run_id=sup)
    voucher = pay.post_payroll_run(db, env.admin, run_id=sup)
    # the expense and the accrual change side; the negative net moves to 其他应收款—张三
    assert _lines(db, voucher) == [("1221", D(500), 0, e1), ("221101", 0, D(500), None),
                                   ("221101", D(500), 0, None), ("5602", 0, D(500), None)]
    assert _balance(db, env, "221101") == 0  # January's net pay was paid: nothing owed TO the employee
    assert _balance(db, env, "1221") == D(500)
    assert _owed(db, env) == {e1: D(500)}
    red = pay.reverse_payroll_run(db, env.admin, run_id=sup)  # 红字: nothing owed any more
    assert _owed(db, env) == {} and _balance(db, env, "1221") == 0
    with pytest.raises(Conflict):  # the reversed 补扣's red copy names it
        pay.reverse_payroll_run(db, env.admin, run_id=red)
    sup = pay.create_supplementary_run(db, env.admin, period="2026-01",
                                       lines=[{"employee_id": e1, "item_code": "absence_deduction", "amount": -500}])
    pay.approve_payroll_run(db, env.admin, run_id=sup)
    pay.post_payroll_run(db, env.admin, run_id=sup)
    assert _owed(db, env) == {e1: D(500)}
    with pytest.raises(Conflict):  # nothing to pay out of a 补扣
        pay.pay_payroll_run(db, env.admin, run_id=sup, pay_date=dt.date(2026, 2, 20))
    assert pq.bank_transfer_rows(db, env.admin, run_id=sup) == []
    # February: the tax counts the lower January income; the net pay gives the 500 back
    feb = pay.create_payroll_run(db, env.admin, period="2026-02")
    f = _slip(db, env, feb, "E001")
    assert (f["cumulative_income"], f["cumulative_taxable"], f["iit_withheld"]) == (D(19500), D(3840), D("50.10"))
    assert (f["recovery"], f["net_pay"]) == (D(500), D("7619.90"))
    assert _slip(db, env, feb, "E002")["recovery"] == 0
    pay.approve_payroll_run(db, env.admin, run_id=feb)
    fv = pay.post_payroll_run(db, env.admin, run_id=feb)
    assert ("1221", 0, D(500), e1) in _lines(db, fv)
    assert _balance(db, env, "1221") == 0 and _owed(db, env) == {}
    pay.pay_payroll_run(db, env.admin, run_id=feb, pay_date=dt.date(2026, 3, 10))
    assert _balance(db, env, "221101") == 0
    # the declaration of January has one row for E001 with both runs: income 9,500
    decl = {r["工号"]: r for r in pq.iit_declaration_rows(db, env.admin, run_id=sup)}
    assert decl["E001"]["本期收入"] == D(9500)
    with db.uow(readonly=True) as uow:
        assert payroll_problems(uow.session) == []


def test_repayment_and_a_recovery_capped_at_the_months_net_pay(db, env):
    """补扣 20,000 in January: the cumulative income drops to -10,000 (taxable 0, no tax). The employee repays
    3,000 to the bank; February's tax is 0 (cumulative income 0) and its net 10,000 - 1,830 = 8,170 is all taken
    back (net 0). A further repayment of 10,000 leaves 7,000 owed: the February draft's take-back is stale and its
    approval refused until recomputed (take back 7,000, pay 1,170)."""
    e1 = env.employees["E001"]
    _locked_january(db, env)
    sup = pay.create_supplementary_run(db, env.admin, period="2026-01",
                                       lines=[{"employee_id": e1, "item_code": "absence_deduction", "amount": -20000}])
    with pytest.raises(ValidationError):  # owed only once posted
        pay.record_payroll_repayment(db, env.admin, employee_id=e1, amount=100, pay_date=dt.date(2026, 2, 20))
    pay.approve_payroll_run(db, env.admin, run_id=sup)
    pay.post_payroll_run(db, env.admin, run_id=sup)
    with pytest.raises((ValidationError, ValidationErrors)):  # more than owed
        pay.record_payroll_repayment(db, env.admin, employee_id=e1, amount="20000.01", pay_date=dt.date(2026, 2, 20))
    v = pay.record_payroll_repayment(db, env.admin, employee_id=e1, amount=3000, pay_date=dt.date(2026, 2, 20))
    assert _lines(db, v) == [("1002", D(3000), 0, None), ("1221", 0, D(3000), e1)]
    assert _owed(db, env) == {e1: D(17000)}
    feb = pay.create_payroll_run(db, env.admin, period="2026-02")
    f = _slip(db, env, feb, "E001")
    assert (f["cumulative_taxable"], f["iit_withheld"], f["recovery"], f["net_pay"]) == (0, 0, D(8170), 0)
    pay.record_payroll_repayment(db, env.admin, employee_id=e1, amount=10000, pay_date=dt.date(2026, 2, 25))
    with pytest.raises(Conflict) as e:
        pay.approve_payroll_run(db, env.admin, run_id=feb)
    assert e.value.message_id == "error.hr3.recovery_stale"
    pay.recompute_payroll_run(db, env.admin, run_id=feb, version=pq.run_detail(db, env.admin, run_id=feb)["version"])
    f = _slip(db, env, feb, "E001")
    assert (f["recovery"], f["net_pay"]) == (D(7000), D(1170))
    pay.approve_payroll_run(db, env.admin, run_id=feb)
    pay.post_payroll_run(db, env.admin, run_id=feb)
    assert _owed(db, env) == {} and _balance(db, env, "1221") == 0
    with pytest.raises(Conflict):  # taken back and repaid: the 补扣 can no longer be reversed
        pay.reverse_payroll_run(db, env.admin, run_id=sup)
    with db.uow(readonly=True) as uow:
        assert payroll_problems(uow.session) == []


def test_a_regular_run_still_refuses_a_negative_gross(db, env):
    pay.set_payroll_input(db, env.admin, employee_id=env.employees["E001"], period="2026-01",
                          item_code="absence_deduction", amount="-10000.01")
    with pytest.raises((ValidationError, ValidationErrors)):
        pay.create_payroll_run(db, env.admin, period="2026-01")


def test_only_the_payroll_run_may_carry_negative_line_prices():
    """The kernel refuses a negative unit price on every goods document (tests/documents/test_kernel.py): only a
    type whose lines are amounts owed either way opts out."""
    assert [t.code for t in registered() if t.signed_prices] == ["payroll_run"]
