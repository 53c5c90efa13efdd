"""Builders for the close / budget / bank-reconciliation tests (vouchers go through the real use cases)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.models import GlLine
from erp_core.ledger.posting import post_voucher
from tests.finance.support import FINANCE_GRANTS, line
from tests.support.factories import actor

CLOSE_GRANTS = FINANCE_GRANTS + ("finance.period.close", "finance.budget.view", "finance.budget.edit", "finance.budget.delete",
                                 "finance.bankrec.view", "finance.bankrec.import", "finance.bankrec.match")

NOV = dt.date(2026, 11, 10)


def closer(company_id: int, *extra: str):
    return actor(company_id, {p: "all" for p in CLOSE_GRANTS + extra})


def post(db, company_id: int, lines: list[dict], day: dt.date = NOV) -> int:
    a, b = closer(company_id), closer(company_id)
    vid = create_voucher(db, a, voucher_date=day, lines=lines)
    review_voucher(db, b, voucher_id=vid)
    post_voucher(db, b, voucher_id=vid)
    return vid


def worked_example(db, company_id: int, day: dt.date = NOV) -> None:
    """Sale 10,000 + output VAT 1,300; expense 2,000 + input VAT 260; cost of sales 6,000."""
    post(db, company_id, [line("1002", debit="11300"), line("5001", credit="10000"),
                          line("22210102", credit="1300")], day)
    post(db, company_id, [line("5602", debit="2000"), line("22210101", debit="260"),
                          line("1002", credit="2260")], day)
    post(db, company_id, [line("5401", debit="6000"), line("1405", credit="6000")], day)


def balances(db, company_id: int, upto: str | None = None) -> dict[str, Decimal]:
    """account code -> debit - credit over the whole ledger (up to a period)."""
    with db.uow(readonly=True) as uow:
        stmt = (select(GlLine.account_code, func.sum(GlLine.debit), func.sum(GlLine.credit))
                .where(GlLine.company_id == company_id).group_by(GlLine.account_code))
        if upto:
            stmt = stmt.where(GlLine.period <= upto)
        return {c: Decimal(d or 0) - Decimal(k or 0) for c, d, k in uow.session.execute(stmt)}


def reopen_at_once(db, company_id: int) -> None:
    """This company reopens closed periods without a second person's approval (the switch of erp_core/changes,
    on by default): for tests about closing and reopening themselves. The approval is tested in
    tests/health/test_major_changes.py."""
    from erp_core.changes.services import set_change_setting

    set_change_setting(db, actor(company_id, {"approvals.rule.manage": "all"}), kind="period_reopen", enabled=False)
