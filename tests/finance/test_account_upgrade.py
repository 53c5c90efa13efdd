"""科目升级 (issue #11 item 31): a used account gets its first sub-account; its history moves to the child without
touching the append-only ledger; reports, budgets and bank accounts follow."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from erp_core.analytics import queries
from erp_core.finance.account_services import create_account, upgrade_account
from erp_core.finance.budget_check import BudgetExceeded
from erp_core.finance.models import Account
from erp_core.finance.models_budget import Budget
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.kernel.errors import Conflict, ValidationError
from erp_core.ledger.invariants import ledger_problems
from erp_core.ledger.models import GlLine
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata.models import CompanyBankAccount
from erp_core.security.models import AuditLog
from tests.finance.support import DAY, account_id, accountant, fields, line
from tests.support.factories import actor


def _post(db, cid, *lines):
    a, b = accountant(cid), accountant(cid)
    vid = create_voucher(db, a, voucher_date=DAY, lines=list(lines))
    review_voucher(db, b, voucher_id=vid)
    post_voucher(db, b, voucher_id=vid)
    return vid


def _tb(db, cid):
    df = queries.trial_balance(db, actor(cid, {"finance.report.view": "all"}), period_from="2026-11",
                               period_to="2026-11")
    return {r.account_code: (r.period_debit, r.period_credit) for r in df.itertuples()}


def test_upgrade_moves_the_history_to_the_first_child_and_reports_agree(db, company):
    cid = company.company_id
    _post(db, cid, line("1002", debit="1000"), line("5001", credit="1000"))
    with db.uow() as uow:
        uow.session.add(CompanyBankAccount(company_id=cid, bank_name="工商银行", account_number="6222000011112222",
                                           account_name="测试商贸", account_code="1002"))
        uow.commit()
    before = _tb(db, cid)
    assert before["1002"] == (D("1000.00"), D("0.00"))
    with db.uow(readonly=True) as uow:
        gl_before = uow.session.execute(select(GlLine.id, GlLine.account_id, GlLine.account_code, GlLine.debit)
                                        .order_by(GlLine.id)).all()
    old_id = account_id(db, cid, "1002")
    clerk = accountant(cid)
    with pytest.raises(ValidationError) as err:  # plain creation is still refused, and names why
        create_account(db, clerk, code="100201", name="工行")
    assert err.value.message_id == "error.finance.account.parent_used"
    with pytest.raises(ValidationError) as err:  # the child must extend the account's code by one level
        upgrade_account(db, actor(cid, {"finance.account.upgrade": "all"}), account_id=old_id,
                        child_code="1001", child_name="x")
    assert fields(err.value) == {("field.finance.account.code", None)}

    parent_id = upgrade_account(db, actor(cid, {"finance.account.upgrade": "all"}), account_id=old_id,
                                child_code="100201", child_name="工商银行")
    with db.uow(readonly=True) as uow:
        s = uow.session
        child, parent = s.get(Account, old_id), s.get(Account, parent_id)
        assert (child.code, child.name, child.parent_id, child.is_leaf, child.level) == ("100201", "工商银行",
                                                                                         parent_id, True, 2)
        assert (parent.code, parent.name, parent.is_leaf, parent.level) == ("1002", "银行存款", False, 1)
        # the ledger was not touched (append-only): same rows, same stored code, same account id
        assert s.execute(select(GlLine.id, GlLine.account_id, GlLine.account_code, GlLine.debit)
                         .order_by(GlLine.id)).all() == gl_before
        assert s.execute(select(CompanyBankAccount.account_code)).scalar_one() == "100201"
        assert s.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "finance.account.upgrade", AuditLog.outcome == "ok")).scalar_one() == 1
        assert ledger_problems(s, cid) == []
    after = _tb(db, cid)
    assert after["1002"] == after["100201"] == before["1002"]
    assert after[""] == before[""]  # the total row
    # the chart goes on: a sibling can be added, the parent takes no postings, the child does
    create_account(db, clerk, code="100202", name="建设银行")
    with pytest.raises(ValidationError):
        create_voucher(db, clerk, voucher_date=DAY, lines=[line("1002", debit="1"), line("5001", credit="1")])
    _post(db, cid, line("100202", debit="5"), line("5001", credit="5"))
    assert _tb(db, cid)["1002"] == (D("1005.00"), D("0.00"))


def test_budgets_count_the_history_through_the_account_rows(db, company):
    from erp_core.finance.budget_services import save_budget

    cid = company.company_id
    _post(db, cid, line("5601", debit="300"), line("1002", credit="300"))
    budgeter = actor(cid, {"finance.budget.edit": "all"})
    save_budget(db, budgeter, account_code="5601", period="2026-11", amount="500", control="block")
    upgrade_account(db, actor(cid, {"finance.account.upgrade": "all"}), account_id=account_id(db, cid, "5601"),
                    child_code="560101", child_name="广告费")
    with db.uow(readonly=True) as uow:  # the budget set on the code moved to the parent that keeps it
        assert uow.session.execute(select(Account.code).join(Budget, Budget.account_id == Account.id)
                                   ).scalar_one() == "5601"
    # a budget on the child, set afterwards, counts the 300 posted before the upgrade (stored code "5601")
    save_budget(db, budgeter, account_code="560101", period="2026-11", amount="400", control="block")
    with pytest.raises(BudgetExceeded) as err:
        _post(db, cid, line("560101", debit="150"), line("1002", credit="150"))
    assert err.value.params["account"] == "560101"


def test_only_a_used_leaf_is_upgraded(db, company):
    cid = company.company_id
    who = actor(cid, {"finance.account.upgrade": "all"})
    with pytest.raises(Conflict) as err:
        upgrade_account(db, who, account_id=account_id(db, cid, "1002"), child_code="100201", child_name="x")
    assert err.value.message_id == "error.finance.account.upgrade_unused"
