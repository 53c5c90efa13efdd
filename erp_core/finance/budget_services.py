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


# Budget import: one row per account x department x project x month. Headers in either language.
IMPORT_COLUMNS = {"account": ("科目代码", "Account code"), "department": ("部门代码", "Department code"),
                  "project": ("项目代码", "Project code"), "period": ("月份", "Month"),
                  "amount": ("预算金额", "Budget amount"), "control": ("控制方式", "Control"),
                  "note": ("备注", "Note")}
CONTROL_WORDS = {"none": "none", "不控制": "none", "warn": "warn", "提醒": "warn", "超支提醒": "warn",
                 "block": "block", "禁止": "block", "超支禁止": "block", "": "warn"}


def budget_template_headers(locale: str) -> list[str]:
    return [zh if locale != "en" else en for zh, en in IMPORT_COLUMNS.values()]


@use_case("finance.budget.import", zh="导入预算", en="Import budgets")
def import_budgets(ctx: Context, *, filename: str, content: bytes) -> dict[str, int]:
    """Import budget lines from CSV/XLSX (see IMPORT_COLUMNS); a line whose key exists gets the new amount,
    control and note. All rows or none: every problem is reported as ValidationErrors with its row."""
    from erp_core.io.importer import read_table
    from erp_core.masterdata.models import Department, Project

    s, cid = ctx.session, ctx.actor.company_id
    table = read_table(content, filename)
    heads = [h.strip() for h in table.headers]
    index = {}
    for key, names in IMPORT_COLUMNS.items():
        hit = next((heads.index(n) for n in names if n in heads), None)
        if hit is not None:
            index[key] = hit
    problems = [ValidationError("error.finance_budget.column_missing", field=F + key, column=IMPORT_COLUMNS[key][0])
                for key in ("account", "period", "amount") if key not in index]
    if problems:
        raise ValidationErrors(problems)
    deps = dict(s.execute(select(Department.code, Department.id).where(Department.company_id == cid)).all())
    projs = dict(s.execute(select(Project.code, Project.id).where(Project.company_id == cid)).all())
    accounts = dict(s.execute(select(Account.code, Account.id).where(Account.company_id == cid)).all())
    wanted = []
    for i, raw in enumerate(table.rows):
        row_no = i + 2

        def cell(key: str, raw=raw) -> str:
            v = raw[index[key]] if key in index and index[key] < len(raw) else None
            return "" if v is None else str(v).strip()

        if not any(cell(k) for k in index):
            continue
        code, dep, proj, period = cell("account"), cell("department"), cell("project"), cell("period")
        if code not in accounts:
            problems.append(ValidationError("error.finance_budget.row_account", field=F + "account", row=row_no,
                                            code=code))
        if dep and dep not in deps:
            problems.append(ValidationError("error.finance_budget.row_unknown", field=F + "department", row=row_no,
                                            code=dep))
        if proj and proj not in projs:
            problems.append(ValidationError("error.finance_budget.row_unknown", field=F + "project", row=row_no,
                                            code=proj))
        try:
            parse_period(period)
        except ValidationErrors:
            problems.append(ValidationError("error.finance_budget.row_period", field=F + "period", row=row_no))
        row_problems: list[ValidationError] = []
        amount = _amount(cell("amount").replace(",", ""), row_problems)
        if row_problems:
            problems.append(ValidationError("error.finance_budget.row_amount", field=F + "amount", row=row_no))
        control = CONTROL_WORDS.get(cell("control").lower())
        if control is None:
            problems.append(ValidationError("error.finance_budget.row_control", field=F + "control", row=row_no))
        note = cell("note")[:200]
        wanted.append({"account_id": accounts.get(code), "department_id": deps.get(dep) if dep else None,
                       "project_id": projs.get(proj) if proj else None, "period": period, "amount": amount,
                       "control": control, "note": note, "row": row_no})
    seen: set[tuple] = set()
    for w in wanted:
        key = (w["account_id"], w["department_id"], w["project_id"], w["period"])
        if key in seen:
            problems.append(ValidationError("error.finance_budget.row_duplicate", field=F + "account", row=w["row"]))
        seen.add(key)
    if not wanted and not problems:
        problems.append(ValidationError("error.finance_budget.empty", field=F + "file"))
    if problems:
        raise ValidationErrors(problems)
    created = updated = 0
    for w in wanted:
        w.pop("row")
        stmt = select(Budget).where(Budget.company_id == cid, Budget.account_id == w["account_id"],
                                    Budget.period == w["period"])
        for col in ("department_id", "project_id"):
            c = getattr(Budget, col)
            stmt = stmt.where(c.is_(None) if w[col] is None else c == w[col])
        b = s.execute(stmt).scalar_one_or_none()
        if b is None:
            s.add(Budget(company_id=cid, **w))
            created += 1
        else:
            b.amount, b.control, b.note = w["amount"], w["control"], w["note"]
            updated += 1
    s.flush()
    ctx.audit("budget", None, filename=(filename or "")[:200], created=created, updated=updated)
    return {"created": created, "updated": updated}
