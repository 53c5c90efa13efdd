"""Budget lists and the budget-versus-actual report (预算执行情况), filtered by the actor's row scope
(department scope: budgets of the actor's departments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.db.like import starts_with
from erp_core.finance.budget_check import actual_of
from erp_core.finance.close_services import parse_period
from erp_core.finance.models import Account
from erp_core.finance.models_budget import Budget
from erp_core.security.scope import scoped
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class BudgetRow:
    id: int
    version: int
    period: str
    account_code: str
    account_name: str
    department_id: int | None
    department: str
    project_id: int | None
    project: str
    amount: Decimal
    control: str
    note: str
    actual: Decimal
    variance: Decimal  # amount - actual (negative: over budget)
    used_pct: Decimal | None  # actual / amount * 100, None for a zero budget

    @property
    def over(self) -> bool:
        return self.actual > self.amount


def _names(session, model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: f"{c} {n}" for i, c, n in session.execute(select(model.id, model.code, model.name)
                                                         .where(model.id.in_(sorted(ids)))).all()}


def _movements(session, company_id: int, period_from: str, period_to: str) -> list[tuple]:
    """(period, account_code, department_id, project_id, debit - credit) of the range in one grouped query
    (close vouchers left out, as in budget_check.actual_of)."""
    from sqlalchemy import func

    from erp_core.finance.budget_check import CLOSE_SOURCE
    from erp_core.finance.models import Voucher
    from erp_core.ledger.models import GlLine

    # the account's current code (a line keeps the code it was posted with; see budget_check.subtree_ids)
    rows = session.execute(
        select(GlLine.period, Account.code, GlLine.department_id, GlLine.project_id,
               func.sum(GlLine.debit), func.sum(GlLine.credit))
        .join(Voucher, Voucher.id == GlLine.voucher_id)
        .join(Account, Account.id == GlLine.account_id)
        .where(GlLine.company_id == company_id, GlLine.period >= period_from, GlLine.period <= period_to,
               Voucher.source != CLOSE_SOURCE)
        .group_by(GlLine.period, Account.code, GlLine.department_id, GlLine.project_id)).all()
    return [(p, c, d, pr, Decimal(dr or 0) - Decimal(cr or 0)) for p, c, d, pr, dr, cr in rows]


def _actual(b: Budget, acc: Account, movements: list[tuple]) -> Decimal:
    net = sum((m for p, c, d, pr, m in movements
               if p == b.period and c.startswith(acc.code)
               and (b.department_id is None or d == b.department_id)
               and (b.project_id is None or pr == b.project_id)), Decimal(0))
    return net if acc.direction == "debit" else -net


@query("finance.budget.view", zh="查看预算", en="View budgets")
def budget_vs_actual(ctx: Context, *, period_from: str, period_to: str, account_code: str = "",
                     department_id: int | None = None, over_only: bool = False) -> list[BudgetRow]:
    """Every budget line from ``period_from`` to ``period_to`` with its actual and variance."""
    from erp_core.masterdata.models import Department, Project

    parse_period(period_from)
    parse_period(period_to)
    s = ctx.session
    stmt = (select(Budget, Account).join(Account, Account.id == Budget.account_id)
            .where(Budget.period >= period_from, Budget.period <= period_to)
            .order_by(Budget.period, Account.code, Budget.department_id, Budget.project_id))
    stmt = scoped(stmt, ctx, company_col=Budget.company_id, department_col=Budget.department_id)
    if account_code.strip():
        stmt = stmt.where(starts_with(Account.code, account_code.strip()))
    if department_id is not None:
        stmt = stmt.where(Budget.department_id == department_id)
    rows = s.execute(stmt).all()
    deps = _names(s, Department, {b.department_id for b, _ in rows if b.department_id})
    projs = _names(s, Project, {b.project_id for b, _ in rows if b.project_id})
    locale = ctx.actor.locale if hasattr(ctx.actor, "locale") else "zh_CN"
    movements = _movements(s, ctx.actor.company_id, period_from, period_to) if rows else []
    out = []
    for b, acc in rows:
        actual = _actual(b, acc, movements)
        pct = (actual / b.amount * 100).quantize(Decimal("0.1")) if b.amount else None
        r = BudgetRow(b.id, b.version, b.period, acc.code, acc.name_en if locale == "en" and acc.name_en else acc.name,
                      b.department_id, deps.get(b.department_id, ""), b.project_id, projs.get(b.project_id, ""),
                      b.amount, b.control, b.note, actual, b.amount - actual, pct)
        if not over_only or r.over:
            out.append(r)
    return out


@dataclass(frozen=True)
class BudgetChoices:
    accounts: dict[str, str]  # code -> "code name" (every account: a budget on a parent covers its children)
    departments: dict[int, str]
    projects: dict[int, str]


@query("finance.budget.view", zh="查看预算", en="View budgets")
def budget_choices(ctx: Context) -> BudgetChoices:
    """What the budget form offers: the company's accounts, and the departments and projects the actor's row
    scope reaches (a department-scoped planner sees their departments, not every one of the company)."""
    from erp_core.masterdata.models import Department, Project

    s, cid = ctx.session, ctx.actor.company_id
    accounts = {a.code: a.label(ctx.actor.locale) for a in s.execute(
        select(Account).where(Account.company_id == cid, Account.status == "active").order_by(Account.code)
    ).scalars()}
    deps = {i: f"{c} {n}" for i, c, n in s.execute(scoped(
        select(Department.id, Department.code, Department.name).order_by(Department.code), ctx,
        company_col=Department.company_id, department_col=Department.id))}
    projs = {i: f"{c} {n}" for i, c, n in s.execute(scoped(
        select(Project.id, Project.code, Project.name).order_by(Project.code), ctx,
        company_col=Project.company_id, department_col=Project.department_id, project_col=Project.id))}
    return BudgetChoices(accounts, deps, projs)


@dataclass(frozen=True)
class BudgetWarning:
    account_code: str
    period: str
    department: str
    project: str
    amount: Decimal
    actual: Decimal
    control: str


@query("finance.budget.view", zh="查看预算", en="View budgets")
def voucher_budget_warnings(ctx: Context, *, voucher_id: int) -> list[BudgetWarning]:
    """The budgets a voucher's lines fall under that are over their amount (for a page to show after posting,
    e.g. a 'warn' budget the posting went past)."""
    from erp_core.finance.budget_check import _covers
    from erp_core.finance.models import Voucher, VoucherLine
    from erp_core.masterdata.models import Department, Project

    s, cid = ctx.session, ctx.actor.company_id
    v = s.get(Voucher, int(voucher_id))
    if v is None or v.company_id != cid:
        return []
    lines = [{"account_id": ln.account_id, "department_id": ln.department_id, "project_id": ln.project_id}
             for ln in s.execute(select(VoucherLine).where(VoucherLine.voucher_id == v.id)).scalars()]
    codes = dict(s.execute(select(Account.id, Account.code).where(
        Account.id.in_(sorted({ln["account_id"] for ln in lines}) or [0]))).all())
    stmt = scoped(select(Budget, Account).join(Account, Account.id == Budget.account_id)
                  .where(Budget.period == v.period, Budget.control != "none"), ctx,
                  company_col=Budget.company_id, department_col=Budget.department_id)
    out = []
    for b, acc in s.execute(stmt).all():
        if not any(_covers(b, acc.code, ln, codes.get(ln["account_id"], "")) for ln in lines):
            continue
        actual = actual_of(s, b, acc)
        if actual > b.amount:
            dep = _names(s, Department, {b.department_id}) if b.department_id else {}
            proj = _names(s, Project, {b.project_id}) if b.project_id else {}
            out.append(BudgetWarning(acc.code, b.period, dep.get(b.department_id, ""), proj.get(b.project_id, ""),
                                     b.amount, actual, b.control))
    return out


@query("finance.budget.view", zh="查看预算", en="View budgets")
def budget_preview(ctx: Context, *, voucher_date: dt.date, lines: Sequence[Mapping[str, Any]]
                   ) -> list[BudgetWarning]:
    """While a voucher is entered, before it is saved or posted: the budgets posting these lines would take over
    their amount (control 'block': posting will be refused; 'warn': it will post with a warning), by the same
    rule the posting applies (budget_check.overruns). Reads only. Lines are as the entry page holds them
    (account_id or account_code, debit, credit, department_id, project_id); a line that is not complete yet
    (no known account, an amount that is not a number) is left out: saving reports it."""
    from erp_core.finance.budget_check import overruns
    from erp_core.masterdata.models import Department, Project

    s, cid = ctx.session, ctx.actor.company_id
    if not isinstance(voucher_date, dt.date):
        return []
    period = f"{voucher_date.year:04d}-{voucher_date.month:02d}"
    codes = {c: i for i, c in s.execute(select(Account.id, Account.code).where(Account.company_id == cid))}
    known = set(codes.values())
    clean = []
    for ln in lines:
        acc_id = ln.get("account_id")
        if acc_id not in known:
            acc_id = codes.get(str(ln.get("account_code") or "").strip())
        try:
            debit = Decimal(str(ln.get("debit") or "0").replace(",", "").strip() or "0")
            credit = Decimal(str(ln.get("credit") or "0").replace(",", "").strip() or "0")
        except ArithmeticError:
            continue
        if acc_id is None or not debit.is_finite() or not credit.is_finite():
            continue
        clean.append({"account_id": acc_id, "debit": debit, "credit": credit,
                      "department_id": ln.get("department_id"), "project_id": ln.get("project_id")})
    budgets = s.execute(scoped(select(Budget).where(Budget.period == period, Budget.control != "none"), ctx,
                               company_col=Budget.company_id, department_col=Budget.department_id)).scalars().all()
    out = []
    for b, acc, after in overruns(s, cid, budgets, clean):
        dep = _names(s, Department, {b.department_id}) if b.department_id else {}
        proj = _names(s, Project, {b.project_id}) if b.project_id else {}
        out.append(BudgetWarning(acc.code, b.period, dep.get(b.department_id, ""), proj.get(b.project_id, ""),
                                 b.amount, after, b.control))
    return out
