"""Budgets: 'block' refuses a posting that exceeds the budget (nothing written), 'warn' lets it through with a
warning in the audit record, sub-accounts and departments count towards the budget, the report shows
variances and respects the department scope, close vouchers are not actuals."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.finance.budget_check import BudgetExceeded
from erp_core.finance.budget_queries import budget_vs_actual, voucher_budget_warnings
from erp_core.finance.budget_services import delete_budget, save_budget
from erp_core.finance.close_services import close_period
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.i18n import t
from erp_core.kernel.errors import Conflict, ValidationErrors
from erp_core.ledger.models import GlLine
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata.org_services import create_department
from erp_core.security.models import AuditLog
from tests.finance.support import line
from tests.finance_close.support import NOV, closer, post
from tests.support.factories import actor, admin_actor

D = Decimal


def _draft(db, cid, lines):
    a, b = closer(cid), closer(cid)
    vid = create_voucher(db, a, voucher_date=NOV, lines=lines)
    review_voucher(db, b, voucher_id=vid)
    return vid, b


def _gl_count(db):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(GlLine)).scalar()


def test_block_refuses_and_warn_lets_through(db, company):
    cid = company.company_id
    who = closer(cid)
    save_budget(db, who, account_code="5602", period="2026-11", amount="1000", control="block")
    post(db, cid, [line("5602", debit="600"), line("1002", credit="600")])
    vid, poster = _draft(db, cid, [line("5602", debit="500"), line("1002", credit="500")])
    before = _gl_count(db)
    with pytest.raises(BudgetExceeded) as err:
        post_voucher(db, poster, voucher_id=vid)
    assert err.value.params["over"] == "100.00" and err.value.message_id == "error.finance_budget.exceeded"
    assert _gl_count(db) == before
    # switch the same budget to warn: the posting goes through, with a warning in its audit entry
    row = budget_vs_actual(db, who, period_from="2026-11", period_to="2026-11")[0]
    save_budget(db, who, budget_id=row.id, version=row.version, account_code="5602", period="2026-11",
                amount="1000", control="warn")
    post_voucher(db, poster, voucher_id=vid)
    assert _gl_count(db) == before + 2
    with db.uow(readonly=True) as uow:
        details = uow.session.execute(select(AuditLog.details).where(AuditLog.action == "finance.voucher.post")
                                      .order_by(AuditLog.id.desc())).scalars().first()
    warnings = json.loads(details)["changes"]["warnings"]
    assert warnings[0]["account"] == "5602" and warnings[0]["over"] == "100.00"
    shown = voucher_budget_warnings(db, who, voucher_id=vid)  # what a page shows after posting
    assert [(w.account_code, w.amount, w.actual, w.control) for w in shown] == [
        ("5602", D("1000.00"), D("1100.00"), "warn")]
    row = budget_vs_actual(db, who, period_from="2026-11", period_to="2026-11")[0]
    assert (row.amount, row.actual, row.variance, row.used_pct, row.over) == (
        D("1000.00"), D("1100.00"), D("-100.00"), D("110.0"), True)


def test_within_budget_and_credits_pass_and_close_is_not_actual(db, company):
    cid = company.company_id
    who = closer(cid)
    save_budget(db, who, account_code="5602", period="2026-11", amount="1000", control="block")
    post(db, cid, [line("5602", debit="1000"), line("1002", credit="1000")])  # exactly the budget
    post(db, cid, [line("1002", debit="1"), line("5001", credit="1")])  # other accounts are not limited
    close_period(db, who, period="2026-11")  # the carry-forward credits 5602 but is no actual
    row = budget_vs_actual(db, who, period_from="2026-11", period_to="2026-11")[0]
    assert row.actual == D("1000.00") and row.variance == 0


def test_department_budget_and_scope(db, company):
    cid = company.company_id
    admin = admin_actor(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    admin_dep = create_department(db, admin, code="A", name="行政部")
    who = closer(cid)
    save_budget(db, who, account_code="5602", period="2026-11", amount="300", control="block",
                department_id=sales)
    save_budget(db, who, account_code="5602", period="2026-11", amount="300", control="block",
                department_id=admin_dep)
    post(db, cid, [line("5602", debit="250", department_id=admin_dep), line("1002", credit="250")])
    vid, poster = _draft(db, cid, [line("5602", debit="250", department_id=sales),
                                   line("1002", credit="250")])
    post_voucher(db, poster, voucher_id=vid)  # the sales budget has its own room
    vid, poster = _draft(db, cid, [line("5602", debit="60", department_id=sales), line("1002", credit="60")])
    with pytest.raises(BudgetExceeded) as err:
        post_voucher(db, poster, voucher_id=vid)
    # the refusal names the department whose budget blocks, in both languages
    assert err.value.message_id == "error.finance_budget.exceeded_department"
    assert err.value.params["department"] == "S 销售部"
    assert "部门 S 销售部" in t(err.value.message_id, "zh_CN", **err.value.params)
    assert "department S 销售部" in t(err.value.message_id, "en", **err.value.params)
    viewer = actor(cid, {"finance.budget.view": "department"}, department_ids=frozenset({sales}))
    rows = budget_vs_actual(db, viewer, period_from="2026-11", period_to="2026-11")
    assert [(r.department_id, r.actual) for r in rows] == [(sales, D("250.00"))]
    assert len(budget_vs_actual(db, who, period_from="2026-11", period_to="2026-11")) == 2


def test_bad_input_reports_everything_and_duplicates_conflict(db, company):
    who = closer(company.company_id)
    with pytest.raises(ValidationErrors) as err:
        save_budget(db, who, account_code="9999", period="2026-13", amount="-1", control="stop", note="x" * 201)
    assert {e.field for e in err.value.errors} == {
        "field.finance_budget.account", "field.finance_budget.period", "field.finance_budget.amount",
        "field.finance_budget.control", "field.finance_budget.note"}
    bid = save_budget(db, who, account_code="5602", period="2026-11", amount="10")
    with pytest.raises(Conflict):
        save_budget(db, who, account_code="5602", period="2026-11", amount="20")
    delete_budget(db, who, budget_id=bid)
    assert budget_vs_actual(db, who, period_from="2026-01", period_to="2026-12") == []


def test_import_budgets_all_or_nothing_then_upsert(db, company):
    from erp_core.finance.budget_services import import_budgets

    cid = company.company_id
    admin = admin_actor(db, company)
    create_department(db, admin, code="S", name="销售部")
    who = closer(cid, "finance.budget.import")
    bad = ("科目代码,部门代码,项目代码,月份,预算金额,控制方式\n5602,S,,2026-11,100,超支禁止\n9999,X,,2026-13,-1,停\n"
           "5602,S,,2026-11,5,\n").encode()
    with pytest.raises(ValidationErrors) as err:
        import_budgets(db, who, filename="b.csv", content=bad)
    assert {(e.message_id, e.params.get("row")) for e in err.value.errors} == {
        ("error.finance_budget.row_account", 3), ("error.finance_budget.row_unknown", 3),
        ("error.finance_budget.row_period", 3), ("error.finance_budget.row_amount", 3),
        ("error.finance_budget.row_control", 3), ("error.finance_budget.row_duplicate", 4)}
    assert budget_vs_actual(db, who, period_from="2026-01", period_to="2026-12") == []
    good = "科目代码,部门代码,月份,预算金额,控制方式\n5602,S,2026-11,\"1,000\",超支禁止\n5601,,2026-12,50,warn\n".encode()
    assert import_budgets(db, who, filename="b.csv", content=good) == {"created": 2, "updated": 0}
    again = b"Account code,Month,Budget amount,Control\n5601,2026-12,80,block\n"
    assert import_budgets(db, who, filename="b.csv", content=again) == {"created": 0, "updated": 1}
    rows = budget_vs_actual(db, who, period_from="2026-01", period_to="2026-12")
    assert [(r.account_code, r.period, r.amount, r.control) for r in rows] == [
        ("5602", "2026-11", D("1000.00"), "block"), ("5601", "2026-12", D("80.00"), "block")]
