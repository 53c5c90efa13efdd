"""While a voucher is entered, the budget preview (budget_queries.budget_preview) says what posting it would do to
the budgets, by the same rule posting applies: 'block' budgets it would refuse, 'warn' budgets it would warn about;
nothing is written; unfinished lines are left out; the department scope of the grant applies."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.finance.budget_check import BudgetExceeded
from erp_core.finance.budget_queries import budget_preview
from erp_core.finance.budget_services import save_budget
from erp_core.finance.models import Voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata.org_services import create_department
from tests.finance.support import line
from tests.finance_close.support import NOV, closer, post
from tests.support.factories import actor, admin_actor

D = Decimal


def _lines(amount: str, **dims):
    return [{"account_code": "5602", "debit": amount, **dims}, {"account_code": "1002", "credit": amount}]


def test_preview_says_what_posting_will_do(db, company):
    cid = company.company_id
    who = closer(cid)
    save_budget(db, who, account_code="5602", period="2026-11", amount="1000", control="block")
    save_budget(db, who, account_code="5601", period="2026-11", amount="50", control="warn")
    post(db, cid, [line("5602", debit="600"), line("1002", credit="600")])
    assert budget_preview(db, who, voucher_date=NOV, lines=_lines("400")) == []  # exactly the budget
    got = budget_preview(db, who, voucher_date=NOV, lines=_lines("500") + [
        {"account_code": "5601", "debit": "80"}, {"account_code": "1001", "credit": "80"}])
    assert sorted((w.account_code, w.amount, w.actual, w.control) for w in got) == [
        ("5601", D("50.00"), D("80.00"), "warn"), ("5602", D("1000.00"), D("1100.00"), "block")]
    # another month, or unfinished lines (no account yet, an amount still being typed) preview nothing
    assert budget_preview(db, who, voucher_date=dt.date(2026, 12, 1), lines=_lines("5000")) == []
    assert budget_preview(db, who, voucher_date=NOV, lines=[{"account_code": "", "debit": "5000"},
                                                            {"account_code": "5602", "debit": "12a"}]) == []
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(Voucher)).scalar() == 1  # nothing written
    # what the preview said is what posting does
    vid = create_voucher(db, who, voucher_date=NOV, lines=[line("5602", debit="500"), line("1002", credit="500")])
    poster = closer(cid)
    review_voucher(db, poster, voucher_id=vid)
    with pytest.raises(BudgetExceeded) as err:
        post_voucher(db, poster, voucher_id=vid)
    assert err.value.params["actual"] == "1,100.00"


def test_preview_counts_sub_accounts_and_departments_and_follows_the_scope(db, company):
    cid = company.company_id
    admin = admin_actor(db, company)
    north = create_department(db, admin, code="N", name="北区")
    south = create_department(db, admin, code="S", name="南区")
    who = closer(cid)
    save_budget(db, who, account_code="5602", period="2026-11", amount="100", control="warn", department_id=north)
    over_north = _lines("150", department_id=north)
    assert [w.department for w in budget_preview(db, who, voucher_date=NOV, lines=over_north)] == ["N 北区"]
    assert budget_preview(db, who, voucher_date=NOV, lines=_lines("150", department_id=south)) == []
    scoped_south = actor(cid, {"finance.budget.view": "department"}, department_ids=frozenset({south}))
    assert budget_preview(db, scoped_south, voucher_date=NOV, lines=over_north) == []
    scoped_north = actor(cid, {"finance.budget.view": "department"}, department_ids=frozenset({north}))
    assert len(budget_preview(db, scoped_north, voucher_date=NOV, lines=over_north)) == 1
