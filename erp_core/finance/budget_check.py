"""Budget control at posting time (called by the ledger's pre-post hook, see erp_core/ledger/hooks.py).

A budget covers its account and every sub-account (code prefix), the department and project it names (None: all),
in its month. Actual = the movement on the account's normal side (debit - credit for a debit account, credit -
debit for a credit account) of posted lines, leaving out the generated period-close vouchers (carry-forward would
otherwise zero every expense). A voucher that raises the actual of a budget above its amount is refused when the
budget's control is 'block' (BudgetExceeded), and posted with a warning when it is 'warn'.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from erp_core.db.like import starts_with
from erp_core.db.master_cache import kept
from erp_core.db.prepared import Prepared
from erp_core.finance.models import Account, Voucher
from erp_core.finance.models_budget import Budget
from erp_core.kernel.errors import DomainError
from erp_core.ledger.models import GlLine

CLOSE_SOURCE = "close"


class BudgetExceeded(DomainError):
    default_id = "error.finance_budget.exceeded"


def subtree_ids(company_id: int, code: str):
    """The ids of the account ``code`` and its sub-accounts, as a subquery. Ledger lines are matched through
    their account row, never their stored account_code: after a 科目升级 (account_services.upgrade_account) an
    account's older lines still carry the code it had when they were posted."""
    return select(Account.id).where(Account.company_id == company_id, starts_with(Account.code, code))


def budget_filter(budget: Budget, code: str):
    """The gl_line condition a budget covers (its period, its account subtree, its department / project)."""
    conds = [GlLine.company_id == budget.company_id, GlLine.period == budget.period,
             GlLine.account_id.in_(subtree_ids(budget.company_id, code))]
    if budget.department_id is not None:
        conds.append(GlLine.department_id == budget.department_id)
    if budget.project_id is not None:
        conds.append(GlLine.project_id == budget.project_id)
    return and_(*conds)


def actual_of(session, budget: Budget, account: Account) -> Decimal:
    stmt = (select(func.sum(GlLine.debit), func.sum(GlLine.credit))
            .join(Voucher, Voucher.id == GlLine.voucher_id)
            .where(budget_filter(budget, account.code), Voucher.source != CLOSE_SOURCE))
    d, c = session.execute(stmt).one()
    net = Decimal(d or 0) - Decimal(c or 0)
    return net if account.direction == "debit" else -net


def _covers(budget: Budget, code: str, ln: dict[str, Any], line_code: str) -> bool:
    return (line_code.startswith(code)
            and (budget.department_id is None or ln.get("department_id") == budget.department_id)
            and (budget.project_id is None or ln.get("project_id") == budget.project_id))


_B = Budget.__table__
_ANY_CONTROLLED = Prepared(select(_B.c.id).where(_B.c.company_id == bindparam("cid"),
                                                 _B.c.period == bindparam("period"), _B.c.control != "none").limit(1))
_CONTROLLED = select(Budget).where(Budget.company_id == bindparam("cid"), Budget.period == bindparam("period"),
                                   Budget.control != "none")


def _exceeded(session, budget: Budget, params: dict[str, Any]) -> BudgetExceeded:
    """The refusal, naming the budget's department and project when it has them (the user must see which
    budget line blocks: the same account can have one per department)."""
    from erp_core.masterdata.models import Department, Project

    scope = []
    for key, model, value in (("department", Department, budget.department_id),
                              ("project", Project, budget.project_id)):
        if value is not None:
            code, name = session.execute(select(model.code, model.name).where(model.id == value)).one()
            params[key] = f"{code} {name}"
            scope.append(key)
    message = "error.finance_budget.exceeded" + "".join(f"_{k}" for k in scope)
    return BudgetExceeded(message, **params)


def overruns(session, company_id: int, budgets: Sequence[Budget], lines: Sequence[dict[str, Any]]
             ) -> list[tuple[Budget, Account, Decimal]]:
    """(budget, its account, actual after posting) of every budget in ``budgets`` that posting ``lines``
    (account_id, debit, credit, department_id, project_id) would raise above its amount. Reads only; the posting
    check below and the entry page's preview (budget_queries.budget_preview) both ask it."""
    if not budgets or not lines:
        return []
    accounts = {a.id: a for a in session.execute(select(Account).where(
        Account.company_id == company_id,
        Account.id.in_(sorted({b.account_id for b in budgets} | {ln["account_id"] for ln in lines})))).scalars()}
    out = []
    for b in budgets:
        acc = accounts[b.account_id]
        delta = Decimal(0)
        for ln in lines:
            line_acc = accounts.get(ln["account_id"])
            if line_acc is not None and _covers(b, acc.code, ln, line_acc.code):
                delta += Decimal(ln["debit"]) - Decimal(ln["credit"])
        if acc.direction != "debit":
            delta = -delta
        if delta <= 0:
            continue
        after = actual_of(session, b, acc) + delta
        if after > b.amount:
            out.append((b, acc, after))
    return out


def check_voucher(ctx, voucher, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    if voucher.source == CLOSE_SOURCE or not lines:
        return []
    s = ctx.session
    params = {"cid": voucher.company_id, "period": voucher.period}
    # Most postings meet no budget: one cached Core probe before loading any (this runs for every voucher).
    # kept across transactions while the master-data stamp is unchanged (erp_core/db/master_cache.py)
    if not kept(s, "budget.controlled", voucher.company_id,
                lambda: _ANY_CONTROLLED.scalar(s, **params) is not None, voucher.period):
        return []
    budgets = s.execute(_CONTROLLED, params).scalars().all()
    warnings: list[dict[str, Any]] = []
    for b, acc, after in overruns(s, voucher.company_id, budgets, lines):
        params = {"account": acc.code, "period": b.period, "budget": f"{b.amount:,.2f}",
                  "actual": f"{after:,.2f}", "over": f"{after - b.amount:,.2f}"}
        if b.control == "block":
            raise _exceeded(s, b, params)
        warnings.append({"kind": "budget", "budget_id": b.id, **params})
    return warnings
