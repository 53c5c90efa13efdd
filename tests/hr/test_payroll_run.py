"""The payroll run end to end on every backend: computed figures to the fen (by hand below), the voucher
balances and its totals equal the payroll report's, a locked run cannot change, posting and red reversal, the
cumulative method across months, and leaving ends system access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from erp_core.finance.models import Account, Voucher, VoucherLine
from erp_core.hr.employees import queries as eq
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from tests.hr.support import build


@pytest.fixture
def env(db, company):
    return build(db, company)


# 长沙 2025 rows (db/seed/payroll/insurance.toml): base 3,800-19,000; 养老 16/8, 医疗 8/2, 失业 0.7/0.3, 工伤 0.4/0,
# 公积金 8/8 rounded to the yuan.
# E001 base 10,000: employee 800 + 200 + 30 = 1,030 社保, 800 公积金; employer 1,600 + 800 + 70 + 40 = 2,510, 800.
#   taxable Jan = 10,000 - 5,000 - 1,830 - 1,000 (住房贷款) = 2,170 -> 3 % = 65.10; net 10,000 - 1,830 - 65.10
# E002 base 30,000 capped at 19,000: employee 1,520 + 380 + 57 = 1,957 社保, 1,520 公积金;
#   employer 3,040 + 1,520 + 133 + 76 = 4,769, 1,520.
#   taxable Jan = 30,000 - 5,000 - 3,477 = 21,523 -> 645.69; Feb cumulative 43,046 -> 4,304.60 - 2,520 - 645.69
def _slips(db, env, run_id):
    return {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"]}


def test_january_figures_to_the_fen(db, env):
    run_id = pay.create_payroll_run(db, env.admin, period="2026-01")
    s = _slips(db, env, run_id)
    e1, e2 = s["E001"], s["E002"]
    assert (e1["employee_si"], e1["employee_hf"], e1["employer_si"], e1["employer_hf"]) == (
        D("1030.00"), D("800.00"), D("2510.00"), D("800.00"))
    assert (e1["cumulative_taxable"], e1["iit_withheld"], e1["net_pay"]) == (D("2170.00"), D("65.10"), D("8104.90"))
    assert e2["insurance_base"] == D(19000)
    assert (e2["employee_si"], e2["employee_hf"], e2["employer_si"], e2["employer_hf"]) == (
        D("1957.00"), D("1520.00"), D("4769.00"), D("1520.00"))
    assert (e2["cumulative_taxable"], e2["iit_withheld"]) == (D("21523.00"), D("645.69"))
    assert e2["net_pay"] == D(30000) - D(1957) - D(1520) - D("645.69")


def test_the_voucher_balances_and_matches_the_report_and_a_locked_run_cannot_change(db, env):
    run_id = pay.create_payroll_run(db, env.admin, period="2026-01")
    detail = pq.run_detail(db, env.admin, run_id=run_id)
    pay.approve_payroll_run(db, env.admin, run_id=run_id)
    with pytest.raises(Conflict):
        pay.recompute_payroll_run(db, env.admin, run_id=run_id, version=detail["version"] + 1)
    with pytest.raises(Conflict):
        pay.set_payroll_input(db, env.admin, employee_id=env.employees["E001"], period="2026-01",
                              item_code="overtime_pay", amount=D(100))
    voucher_id = pay.post_payroll_run(db, env.admin, run_id=run_id)
    report = pq.payroll_report(db, env.admin, period="2026-01")
    with db.uow(readonly=True) as uow:
        lines = uow.session.execute(select(VoucherLine.debit, VoucherLine.credit, Account.code)
                                    .join(Account, Account.id == VoucherLine.account_id)
                                    .where(VoucherLine.voucher_id == voucher_id)).all()
        assert uow.session.get(Voucher, voucher_id).status == "posted"
    assert sum(d for d, _, _ in lines) == sum(c for _, c, _ in lines)
    by = {}
    for d, c, code in lines:
        by[code] = by.get(code, D(0)) + c - d
    gross = sum(r["gross_pay"] for r in report)
    net = sum(r["net_pay"] for r in report)
    iit = sum(r["iit_withheld"] for r in report)
    ee = sum(r["employee_social_insurance"] + r["employee_housing_fund"] for r in report)
    er_si = sum(r["employer_social_insurance"] for r in report)
    er_hf = sum(r["employer_housing_fund"] for r in report)
    assert by["221101"] == net  # 应付职工薪酬—工资 keeps the net pay to be paid
    assert by["222106"] == iit and by["2241"] == ee and by["221103"] == er_si and by["221104"] == er_hf
    assert -by["5602"] == D(10000) + D(2510) + D(800)  # 管理费用: E001 (admin)
    assert -by["5601"] == D(30000) + D(4769) + D(1520)  # 销售费用: E002 (sales)
    assert gross == D(40000)
    with db.uow(readonly=True) as uow:
        from erp_core.hr.payroll.invariants import payroll_problems

        assert payroll_problems(uow.session) == []
    # 发放: the net pay leaves the bank, 221101 is cleared; at most once
    pay_voucher = pay.pay_payroll_run(db, env.admin, run_id=run_id, pay_date=dt.date(2026, 2, 10))
    with db.uow(readonly=True) as uow:
        paid = uow.session.execute(select(VoucherLine.debit, VoucherLine.credit, Account.code)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(VoucherLine.voucher_id == pay_voucher)).all()
    assert sorted((c, d, cr) for d, cr, c in paid) == [("1002", D(0), net), ("221101", net, D(0))]
    with pytest.raises(Conflict):
        pay.pay_payroll_run(db, env.admin, run_id=run_id, pay_date=dt.date(2026, 2, 11))


def test_cumulative_method_across_months_and_reversal(db, env):
    jan = pay.create_payroll_run(db, env.admin, period="2026-01")
    pay.approve_payroll_run(db, env.admin, run_id=jan)
    pay.post_payroll_run(db, env.admin, run_id=jan)
    feb = pay.create_payroll_run(db, env.admin, period="2026-02")
    e2 = _slips(db, env, feb)["E002"]
    assert e2["cumulative_taxable"] == D("43046.00") and e2["iit_withheld"] == D("1138.91")
    assert e2["cumulative_withheld"] == D("1784.60")
    with pytest.raises(Conflict):  # one live run per period
        pay.create_payroll_run(db, env.admin, period="2026-02")
    # reversing January takes it out of the year-to-date: February recomputes as a first month
    red = pay.reverse_payroll_run(db, env.admin, run_id=jan)
    runs = {r["run_id"]: r for r in pq.list_runs(db, env.admin)}
    assert runs[jan]["status"] == "reversed" and runs[red]["reverses_id"] == jan and runs[red]["total"] == D(-40000)
    with db.uow(readonly=True) as uow:
        red_v = uow.session.get(Voucher, runs[red]["voucher_id"])
        assert red_v.reverses_id == runs[jan]["voucher_id"]
    pay.recompute_payroll_run(db, env.admin, run_id=feb, version=runs[feb]["version"])
    # February alone counts now, with the basic deduction of the 2 months employed: 30,000 - 10,000 - 3,477
    feb2 = _slips(db, env, feb)["E002"]
    assert feb2["cumulative_taxable"] == D("16523.00") and feb2["iit_withheld"] == D("495.69")


def test_separate_bonus_and_inputs(db, env):
    pay.set_payroll_input(db, env.admin, employee_id=env.employees["E001"], period="2026-01",
                          item_code="annual_bonus", amount=D(36001))
    run_id = pay.create_payroll_run(db, env.admin, period="2026-01")
    e1 = _slips(db, env, run_id)["E001"]
    assert e1["bonus_separate"] and e1["iit_bonus"] == D("3390.10") and e1["iit_wages"] == D("65.10")
    assert e1["gross_pay"] == D(46001) and e1["net_pay"] == D(46001) - D(1830) - D("3455.20")
    with pytest.raises((ValidationError, ValidationErrors)):
        pay.set_payroll_input(db, env.admin, employee_id=env.employees["E001"], period="2026-13",
                              item_code="annual_bonus", amount=D(1))


def test_leaving_disables_the_user_in_the_same_transaction(db, env):
    from erp_core.security.models import User
    from erp_core.security.user_services import create_user

    uid = create_user(db, env.admin, username="zhangsan", display_name="张三", password="Zs-Very-Long-Pass-1!")
    hr.save_profile(db, env.admin, employee_id=env.employees["E001"], values={"user_id": uid})
    hr.record_status_change(db, env.admin, employee_id=env.employees["E001"], kind="leave",
                            effective_date=dt.date(2026, 1, 20))
    with db.uow(readonly=True) as uow:
        assert uow.session.get(User, uid).status == "disabled"
    # paid for January (left on the 20th), not for February
    assert set(_slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-01"))) == {"E001", "E002"}
    assert set(_slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-02"))) == {"E002"}


def test_pay_is_private_and_company_wide_only(db, env):
    from erp_core.kernel.errors import PermissionDenied
    from tests.support.factories import actor

    pay.create_payroll_run(db, env.admin, period="2026-01")
    dept_reader = actor(env.company_id, {"hr.payroll.read": "department"},
                        department_ids=frozenset({env.departments["ADM"]}))
    with pytest.raises(PermissionDenied):  # never the whole company's pay through a department grant
        pq.payroll_report(db, dept_reader, period="2026-01")
    viewer = actor(env.company_id, {"hr.profile.read": "all"})
    rows = {r["code"]: r for r in eq.list_profiles(db, viewer)}
    assert rows["E001"]["id_number"] == "110***********002X" and rows["E001"]["bank_account"] == "622*********5678"
    revealer = actor(env.company_id, {"hr.profile.read": "all", "hr.sensitive.reveal": "all"})
    rows = {r["code"]: r for r in eq.list_profiles(db, revealer)}
    assert rows["E001"]["id_number"] == "11010519491231002X"
