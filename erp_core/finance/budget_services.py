"""Budgets (预算): create / edit / delete a budget line (account x department x project x month, control mode).
The posting-time control is in budget_check.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from erp_core.finance.close_services import parse_period
from erp_core.finance.models import Account
from erp_core.finance.models_budget import BUDGET_CONTROLS, Budget
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, ValidationErrors
from erp_core.kernel.money import MAX_MONEY, round_money, to_decimal
from erp_core.usecase import Context, use_case

F = "field.finance_budget."


def _amount(value: Any, problems: list[ValidationError]) -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError, InvalidOperation, ArithmeticError):
        problems.append(ValidationError("error.finance_budget.amount", field=F + "amount"))
        return Decimal(0)
    if amount < 0 or amount > MAX_MONEY or amount != round_money(amount):
        problems.append(ValidationError("error.finance_budget.amount", field=F + "amount"))
    return amount


def _validated(ctx: Context, *, account_code: str, period: str, amount: Any, control: str, note: str,
               department_id: int | None, project_id: int | None) -> dict[str, Any]:
    s, cid = ctx.session, ctx.actor.company_id
    problems: list[ValidationError] = []
    code = (account_code or "").strip()
    account = None
    if not code:
        problems.append(ValidationError("error.required", field=F + "account"))
    else:
        account = s.execute(select(Account).where(Account.company_id == cid, Account.code == code)
                            ).scalar_one_or_none()
        if account is None:
            problems.append(ValidationError("error.finance_budget.account_unknown", field=F + "account", code=code))
    try:
        parse_period(period)
    except ValidationErrors:
        problems.append(ValidationError("error.finance_close.period", field=F + "period"))
    value = _amount(amount, problems)
    if control not in BUDGET_CONTROLS:
        problems.append(ValidationError("error.choice", field=F + "control"))
    note = (note or "").strip()
    if len(note) > 200:
        problems.append(ValidationError("error.too_long", field=F + "note", max=200))
    if department_id is not None:
        from erp_core.masterdata.models import Department

        dep = s.get(Department, int(department_id))
        if dep is None or dep.company_id != cid:
            problems.append(ValidationError("error.finance_budget.dimension_unknown", field=F + "department"))
    if project_id is not None:
        from erp_core.masterdata.models import Project

        proj = s.get(Project, int(project_id))
        if proj is None or proj.company_id != cid:
            problems.append(ValidationError("error.finance_budget.dimension_unknown", field=F + "project"))
    if problems:
        raise ValidationErrors(problems)
    return {"account_id": account.id, "period": period, "amount": value, "control": control, "note": note,
            "department_id": department_id, "project_id": project_id}


def _duplicate(ctx: Context, values: dict[str, Any], exclude: int | None) -> bool:
    stmt = select(Budget.id).where(Budget.company_id == ctx.actor.company_id,
                                   Budget.account_id == values["account_id"], Budget.period == values["period"])
    for col in ("department_id", "project_id"):
        c = getattr(Budget, col)
        stmt = stmt.where(c.is_(None) if values[col] is None else c == values[col])
    if exclude is not None:
        stmt = stmt.where(Budget.id != exclude)
    return ctx.session.execute(stmt).first() is not None


def _load(ctx: Context, budget_id: int) -> Budget:
    b = ctx.session.get(Budget, budget_id)
    if b is None or b.company_id != ctx.actor.company_id:
        raise NotFound(entity="budget", id=budget_id)
    return b


@use_case("finance.budget.edit", zh="编辑预算", en="Edit budgets")
def save_budget(ctx: Context, *, account_code: str, period: str, amount: Any, control: str = "warn",
                department_id: int | None = None, project_id: int | None = None, note: str = "",
                budget_id: int | None = None, version: int | None = None) -> int:
    """Create a budget line (budget_id None) or change one (with the version the form loaded). Returns its id."""
    values = _validated(ctx, account_code=account_code, period=period, amount=amount, control=control, note=note,
                        department_id=department_id, project_id=project_id)
    if _duplicate(ctx, values, budget_id):
        raise Conflict("error.finance_budget.duplicate", account=account_code.strip(), period=period)
    if budget_id is None:
        b = Budget(company_id=ctx.actor.company_id, **values)
        ctx.session.add(b)
        ctx.session.flush()
        ctx.audit("budget", b.id, **{k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()})
        return b.id
    b = _load(ctx, budget_id)
    ctx.check_version(b, version)
    ctx.diff(b, **values)
    ctx.audit("budget", b.id)
    ctx.session.flush()
    return b.id


@use_case("finance.budget.delete", zh="删除预算", en="Delete budgets")
def delete_budget(ctx: Context, *, budget_id: int, version: int | None = None) -> None:
    b = _load(ctx, budget_id)
    ctx.check_version(b, version)
    ctx.audit("budget", b.id, account_id=b.account_id, period=b.period, amount=str(b.amount))
    ctx.session.delete(b)
