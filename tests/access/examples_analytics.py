"""Access examples for the report queries (engineer F2): each reads the company's (possibly empty) ledger."""

from __future__ import annotations

import datetime as dt

from tests.access.examples import example

A = "erp_core.analytics.queries."


@example(A + "trial_balance")
def _(env):
    return {"period_from": "2026-01", "period_to": "2026-12"}


@example(A + "balance_sheet", A + "income_statement")
def _(env):
    return {"period": "2026-11"}


@example(A + "dimension_ledger")
def _(env):
    return {"dimension": "customer", "period_from": "2026-01", "period_to": "2026-12"}


@example(A + "aging")
def _(env):
    return {"kind": "receivable", "as_of_date": dt.date(2026, 11, 30)}


@example(A + "dashboard")
def _(env):
    return {"year": 2026}


@example(A + "ledger", A + "drill_down")
def _(env):
    return {"account_code": "1001", "period_from": "2026-01", "period_to": "2026-12"}


@example(A + "accounts", A + "as_of")
def _(env):
    return {}


@example(A + "general_ledger")
def _(env):
    return {"period_from": "2026-01", "period_to": "2026-12"}


@example(A + "statement_line_accounts")
def _(env):
    return {"statement": "balance_sheet", "period": "2026-11", "line_no": 1}
