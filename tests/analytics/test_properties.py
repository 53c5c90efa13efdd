"""Property: whatever balanced vouchers are posted, the trial balance balances, equals the operational store's
totals, and the monthly-sum path (gl_month) gives exactly what the line-level path gives, report by report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from erp_core.analytics import queries, reports
from erp_core.ledger.models import GlLine
from tests.analytics.test_worked_example import keep_january
from tests.support.factories import actor

# (debit account, credit account, dimensions of the debit line, dimensions of the credit line)
PAIRS = [("1122", "5001", {"customer": 1}, {}), ("1122", "5001", {"customer": 2}, {}),
         ("1002", "1122", {}, {"customer": 1}), ("1405", "220201", {}, {"supplier": 3}),
         ("220201", "1002", {"supplier": 3}, {}), ("5602", "1001", {"department": 1}, {}),
         ("5401", "1405", {}, {}), ("5001", "3103", {}, {}), ("1001", "1002", {}, {})]

voucher = st.tuples(st.integers(1, 6), st.integers(1, 28),
                    st.lists(st.tuples(st.sampled_from(range(len(PAIRS))), st.integers(1, 10**9)), min_size=1,
                             max_size=4))


def _both(fn, monkeypatch, **kwargs):
    monkeypatch.setattr(reports, "MONTHLY", True)
    fast = fn(**kwargs)
    monkeypatch.setattr(reports, "MONTHLY", False)
    slow = fn(**kwargs)
    monkeypatch.setattr(reports, "MONTHLY", True)
    return fast, slow


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(voucher, min_size=1, max_size=3))
def test_reports_agree_and_balance(db, company, books, monkeypatch, batch):
    if not getattr(books, "_january", False):
        keep_january(books)  # includes a carry-forward voucher (posts to 本年利润)
        books._january = True
    for month, day, lines in batch:
        rows = []
        for index, fen in lines:
            d, c, dd, cd = PAIRS[index]
            amount = D(fen).scaleb(-2)
            rows += [(d, amount, 0, dd), (c, 0, amount, cd)]
        books.post(dt.date(2026, month, day), *rows)
    admin = actor(company.company_id, {"finance.report.view": "all"})

    def run(fn, **kw):
        return lambda: fn(db, admin, **kw)

    for fn, kw in ((queries.trial_balance, dict(period_from="2026-02", period_to="2026-05")),
                   (queries.balance_sheet, dict(period="2026-04")),
                   (queries.income_statement, dict(period="2026-03")),
                   (queries.dashboard, dict(year=2026))):
        fast, slow = _both(run(fn, **kw), monkeypatch)
        if isinstance(fast, dict):
            for key in fast:
                pd.testing.assert_frame_equal(fast[key], slow[key])
        else:
            pd.testing.assert_frame_equal(fast, slow)

    tb = queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-12")
    total = tb[tb["is_total"]].iloc[0]
    assert total["closing_debit"] == total["closing_credit"]
    assert total["period_debit"] == total["period_credit"]
    with db.uow(readonly=True) as uow:
        debit = uow.session.execute(select(func.sum(GlLine.debit)).where(
            GlLine.company_id == company.company_id)).scalar_one()
    assert total["period_debit"] == D(debit)
