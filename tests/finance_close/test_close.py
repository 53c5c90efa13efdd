"""Period close on a worked example: VAT transfer, surcharges and carry-forward amounts are exact, income and
expense accounts are zero afterwards, A = L + E, closing twice duplicates nothing, a closed period refuses
postings, reopening needs its own permission and a reason."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.finance.close_queries import close_checklist
from erp_core.finance.close_services import close_period, generate_close_vouchers, reopen_period
from erp_core.finance.models import Account, Voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from erp_core.ledger.posting import post_voucher
from erp_core.security.models import AuditLog
from tests.finance.support import line
from tests.finance_close.support import NOV, balances, closer, post, reopen_at_once, worked_example
from tests.support.factories import admin_actor

D = Decimal


def _category_totals(db, company_id, bal):
    with db.uow(readonly=True) as uow:
        cats = dict(uow.session.execute(select(Account.code, Account.category)
                                        .where(Account.company_id == company_id)).all())
    out = {}
    for code, b in bal.items():
        out[cats[code]] = out.get(cats[code], D(0)) + b
    return out


def test_close_worked_example_exact_amounts(db, company):
    cid = company.company_id
    worked_example(db, cid)
    who = closer(cid)
    result = close_period(db, who, period="2026-11")
    assert result.closed and len(result.voucher_ids) == 3
    bal = balances(db, cid)
    assert bal["22210104"] == D("1040.00")  # 转出未交增值税 1300 - 260
    assert bal["222102"] == D("-1040.00")  # 未交增值税 credit 1040
    assert bal["222103"] == D("-72.80") and bal["222104"] == D("-31.20") and bal["222105"] == D("-20.80")
    # every 损益 account is zero; 本年利润 holds 10000 - 2000 - 6000 - 124.80 = 1875.20 (credit)
    for code in ("5001", "5401", "5602", "5403"):
        assert bal[code] == 0, code
    assert bal["3103"] == D("-1875.20")
    cats = _category_totals(db, cid, bal)
    assert cats.get("profit_loss", 0) == 0
    # assets = liabilities + equity (credit balances are negative here)
    assert cats["asset"] == -(cats["liability"] + cats["equity"])
    assert sum(bal.values()) == 0
    checklist = close_checklist(db, who, period="2026-11")
    assert checklist.status == "closed" and all(i.ok for i in checklist.items)
    assert len(checklist.generated) == 3


def test_generating_twice_duplicates_nothing(db, company):
    cid = company.company_id
    worked_example(db, cid)
    who = closer(cid)
    first = generate_close_vouchers(db, who, period="2026-11")
    assert len(first) == 3
    assert generate_close_vouchers(db, who, period="2026-11") == ()
    result = close_period(db, who, period="2026-11")
    assert result.voucher_ids == ()
    with db.uow(readonly=True) as uow:
        n = uow.session.execute(select(func.count()).select_from(Voucher).where(Voucher.source == "close")).scalar()
    assert n == 3
    with pytest.raises(Conflict):
        close_period(db, who, period="2026-11")


def test_closed_period_refuses_posting_and_reopen_needs_permission_and_reason(db, company):
    cid = company.company_id
    worked_example(db, cid)
    who = closer(cid)
    a = closer(cid)
    vid = create_voucher(db, a, voucher_date=NOV, lines=[line("1002", debit="50"), line("5001", credit="50")])
    review_voucher(db, who, voucher_id=vid)
    with pytest.raises(ValidationErrors) as err:  # an unposted voucher blocks the close
        close_period(db, who, period="2026-11")
    assert {e.message_id for e in err.value.errors} == {"error.finance_close.unposted"}
    post_voucher(db, who, voucher_id=vid)
    close_period(db, who, period="2026-11")
    v2 = create_voucher(db, a, voucher_date=dt.date(2026, 12, 1), lines=[line("1002", debit="1"),
                                                                          line("5001", credit="1")])
    assert v2
    with pytest.raises((ValidationError, ValidationErrors)):
        create_voucher(db, a, voucher_date=NOV, lines=[line("1002", debit="1"), line("5001", credit="1")])
    with pytest.raises(PermissionDenied):
        reopen_period(db, who, period="2026-11", reason="调整")
    reopener = closer(cid, "finance.period.reopen")
    reopen_at_once(db, cid)  # this test is about reopening itself; the second person's approval: tests/health
    with pytest.raises(ValidationErrors):
        reopen_period(db, reopener, period="2026-11", reason="  ")
    reopen_period(db, reopener, period="2026-11", reason="补记一笔收入")
    with db.uow(readonly=True) as uow:
        details = uow.session.execute(select(AuditLog.details).where(AuditLog.action == "finance.period.reopen",
                                                                     AuditLog.outcome == "ok")).scalars().one()
    assert "补记一笔收入" in json.loads(details)["changes"]["reason"]
    # a late sale after reopening: closing again carries forward only the new income
    post(db, cid, [line("1002", debit="113"), line("5001", credit="100"), line("22210102", credit="13")])
    again = close_period(db, who, period="2026-11")
    assert len(again.voucher_ids) == 3
    bal = balances(db, cid, upto="2026-11")
    assert bal["5001"] == 0 and bal["22210104"] == D("1053.00")
    assert bal["222103"] == D("-73.71")  # 7 % of 1053.00
    assert bal["3103"] == D("-1875.20") - D("50") - D("100") + (D("73.71") + D("31.59") + D("21.06")
                                                                 - D("72.80") - D("31.20") - D("20.80"))


def test_year_end_moves_profit_to_undistributed(db, company):
    cid = company.company_id
    dec = dt.date(2026, 12, 15)
    post(db, cid, [line("1002", debit="500"), line("5001", credit="500")], dec)
    close_period(db, closer(cid), period="2026-12")
    bal = balances(db, cid)
    assert bal.get("3103", 0) == 0 and bal["310415"] == D("-500.00")


def test_periods_close_and_reopen_in_order(db, company):
    cid = company.company_id
    who, reopener = closer(cid), closer(cid, "finance.period.reopen")
    reopen_at_once(db, cid)  # the order of closing and reopening; the approval of a reopening: tests/health
    close_period(db, who, period="2026-12")
    with pytest.raises(Conflict) as err:  # nothing may be posted before a closed period
        post(db, cid, [line("1002", debit="10"), line("5001", credit="10")], NOV)
    assert err.value.message_id == "error.finance_close.post_before_closed"
    with pytest.raises(Conflict) as err:
        close_period(db, who, period="2026-11")
    assert err.value.message_id == "error.finance_close.later_closed"
    reopen_period(db, reopener, period="2026-12", reason="先结 11 月")
    with db.uow(readonly=True) as uow:  # the voucher refused above is still reviewed: post it now
        vid = uow.session.execute(select(Voucher.id).where(Voucher.status == "reviewed")).scalar_one()
    post_voucher(db, who, voucher_id=vid)
    close_period(db, who, period="2026-11")
    close_period(db, who, period="2026-12")
    with pytest.raises(Conflict):
        reopen_period(db, reopener, period="2026-11", reason="x")
    assert balances(db, cid)["310415"] == D("-10.00")  # December is the year end


def test_surcharge_rates_come_from_the_tax_table(db, company):
    from erp_core.settings.models import TaxRate
    from erp_core.settings.tax_services import edit_tax_rate

    cid = company.company_id
    admin = admin_actor(db, company)
    with db.uow(readonly=True) as uow:
        umt7 = uow.session.execute(select(TaxRate).where(TaxRate.company_id == cid, TaxRate.code == "UMT7")
                                   ).scalar_one()
        values = {k: getattr(umt7, k) for k in ("code", "name_zh", "name_en", "kind", "rate", "valid_from")}
        rid, version = umt7.id, umt7.version
    edit_tax_rate(db, admin, tax_rate_id=rid, version=version, **values, valid_to=dt.date(2026, 6, 30))  # a county
    worked_example(db, cid)
    close_period(db, closer(cid), period="2026-11")
    bal = balances(db, cid)
    assert bal["222103"] == D("-52.00")  # 5 % of 1040
    assert bal["222104"] == D("-31.20") and bal["222105"] == D("-20.80")


def test_enterprise_chart_uses_its_own_codes(db):
    from erp_core.kernel.actor import Actor
    from erp_core.setup.demo import demo_tax_id
    from erp_core.setup.services import SETUP_PERMISSION, run_setup
    from tests.support.factories import ADMIN_PASSWORD

    setup = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="企业准则公司",
                      tax_id=demo_tax_id(), admin_username="admin", admin_password=ADMIN_PASSWORD,
                      admin_display_name="管理员", locale="zh_CN", load_demo=False, accounting_standard="enterprise")
    cid = setup.company_id
    post(db, cid, [line("1002", debit="1130"), line("6001", credit="1000"), line("22210102", credit="130")],
         dt.date(2026, 12, 5))
    post(db, cid, [line("6602", debit="300"), line("1002", credit="300")], dt.date(2026, 12, 6))
    close_period(db, closer(cid), period="2026-12")
    bal = balances(db, cid)
    # 130 VAT -> surcharges 9.10 + 3.90 + 2.60 = 15.60 on 6403; profit 1000 - 300 - 15.60 = 684.40 to 410415
    assert bal["6403"] == 0 and bal["6001"] == 0 and bal["6602"] == 0
    assert bal["222103"] == D("-9.10") and bal["4103"] == 0 and bal["410415"] == D("-684.40")
