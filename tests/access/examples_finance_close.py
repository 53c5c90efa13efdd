"""Access examples for period close, budgets and bank reconciliation (engineer F3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.finance import (
    account_services,
    bankrec_queries,
    bankrec_services,
    budget_services,
    close_services,
)
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.posting import post_voucher
from tests.access.examples import example
from tests.finance.support import accountant

F = "erp_core.finance."
CSV = "日期,摘要,金额\n2026-11-04,收款,77.00\n2026-11-05,付款,-12.00\n".encode()
MAPPING = {"date": "日期", "description": "摘要", "amount": "金额"}


def _bank(env) -> str:
    """A bank sub-account of our own (another example gives 1002 sub-accounts, so 1002 may not be a leaf)."""
    if "f3_bank" not in env.cache:
        env.call(account_services.create_account, code="100288", name="对账测试银行")
        env.cache["f3_bank"] = "100288"
    return env.cache["f3_bank"]


def _bank_pair(env) -> tuple[int, int]:
    """An imported statement line and a posted ledger line of 1002 with the same amount (77.00)."""
    a, b = accountant(env.company_id), accountant(env.company_id)
    vid = create_voucher(env.db, a, voucher_date=dt.date(2026, 11, 4),
                         lines=[{"account_code": _bank(env), "debit": Decimal("77"), "summary": "收款"},
                                {"account_code": "5001", "credit": Decimal("77")}])
    review_voucher(env.db, b, voucher_id=vid)
    post_voucher(env.db, b, voucher_id=vid)
    env.call(bankrec_services.import_bank_statement, account_code=_bank(env), filename="s.csv", content=CSV,
             mapping=MAPPING)
    rec = env.call(bankrec_queries.reconciliation, account_code=_bank(env), as_of=dt.date(2026, 11, 30))
    st = next(i.id for i in rec.bank_unmatched if i.amount == Decimal("77"))
    gl = next(i.id for i in rec.book_unmatched if i.amount == Decimal("77"))
    return st, gl


# Closing a period refuses postings into earlier ones, and the examples share one company: the periods closed
# here lie before anything the other examples post (2000), and only 2000-01 stays closed.
@example(F + "close_services.generate_close_vouchers")
def _(env):
    return {"period": "2000-02"}


@example(F + "close_services.close_period")
def _(env):
    return {"period": "2000-01"}


@example(F + "close_services.reopen_period")
def _(env):
    from erp_core.changes.services import set_change_setting

    # later examples rely on the period opening at once: this company reopens without a second approval
    # (the approval itself: tests/health/test_major_changes.py)
    env.call(set_change_setting, kind="period_reopen", enabled=False)
    env.call(close_services.close_period, period="2000-03")
    return {"period": "2000-03", "reason": "补记凭证"}


@example(F + "close_queries.close_checklist")
def _(env):
    return {"period": "2026-11"}


@example(F + "close_queries.first_open_period")
def _(env):
    return {}


@example(F + "budget_services.save_budget")
def _(env):
    return {"account_code": "5602", "period": "2025-0" + env.unique("")[-1:].replace("0", "1"), "amount": "100"}


@example(F + "budget_services.delete_budget")
def _(env):
    return {"budget_id": env.call(budget_services.save_budget, account_code="5601", period="2024-01", amount="5")}


@example(F + "budget_queries.voucher_budget_warnings")
def _(env):
    return {"voucher_id": 1}


@example(F + "budget_queries.budget_choices")
def _(env):
    return {}


@example(F + "print_queries.voucher_signatures")
def _(env):
    a = accountant(env.company_id)
    vid = create_voucher(env.db, a, voucher_date=dt.date(2026, 11, 4),
                         lines=[{"account_code": "5602", "debit": Decimal("3")}, {"account_code": "1001",
                                                                               "credit": Decimal("3")}])
    return {"voucher_id": vid}


@example(F + "budget_queries.budget_preview")
def _(env):
    return {"voucher_date": dt.date(2026, 11, 4), "lines": [{"account_code": "5602", "debit": "1"},
                                                             {"account_code": "1002", "credit": "1"}]}


@example(F + "budget_services.import_budgets")
def _(env):
    return {"filename": "b.csv", "content": "科目代码,月份,预算金额\n5603,2023-01,9\n".encode()}


@example(F + "budget_queries.budget_vs_actual")
def _(env):
    return {"period_from": "2026-01", "period_to": "2026-12"}


@example(F + "bankrec_services.import_bank_statement")
def _(env):
    return {"account_code": _bank(env), "filename": "s.csv", "content": CSV, "mapping": MAPPING}


@example(F + "bankrec_services.auto_match")
def _(env):
    return {"account_code": _bank(env)}


@example(F + "bankrec_services.confirm_matches")
def _(env):
    return {"pairs": [_bank_pair(env)]}


@example(F + "bankrec_services.undo_match")
def _(env):
    ids = env.call(bankrec_services.confirm_matches, pairs=[_bank_pair(env)])
    return {"match_id": ids[0]}


@example(F + "bankrec_queries.bank_accounts")
def _(env):
    return {}


@example(F + "bankrec_queries.match_suggestions", F + "bankrec_queries.list_matches")
def _(env):
    return {"account_code": _bank(env)}


@example(F + "bankrec_queries.reconciliation")
def _(env):
    return {"account_code": _bank(env), "as_of": dt.date(2026, 11, 30)}
