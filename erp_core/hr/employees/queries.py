"""Reads of employee files. ID numbers and bank accounts are masked unless the actor holds
``hr.sensitive.reveal``; salaries are never here (payroll queries, ``hr.payroll.read``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from erp_core.db.like import contains
from erp_core.hr.employees.models import EmployeeProfile, StatusChange
from erp_core.hr.employees.rules import contract_alert, employed_between, intervals, mask
from erp_core.kernel.actor import Scope
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_employees import Employee
from erp_core.security.catalog import declare
from erp_core.usecase import Context, query

REVEAL = declare("hr.sensitive.reveal", "查看完整身份证号与银行账号", "See full ID numbers and bank accounts").code
SENSITIVE = ("id_number", "bank_account")


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _scoped(ctx: Context, stmt):
    """Row scope: department (the actor's departments) or all; 'own' sees nothing here (use the self view)."""
    scope = ctx.scope
    if scope == Scope.ALL:
        return stmt
    if scope == Scope.DEPARTMENT:
        return stmt.where(Employee.department_id.in_(ctx.actor.department_ids or {-1}))
    return stmt.where(Employee.id == -1)


def _row(ctx: Context, emp: Employee, prof: EmployeeProfile | None, dep: str | None, today: dt.date) -> dict:
    reveal = ctx.actor.may(REVEAL)
    row: dict[str, Any] = {"employee_id": emp.id, "code": emp.code, "name": emp.name, "department": dep,
                           "position": emp.position, "hire_date": emp.hire_date, "active": emp.active}
    for f in ("id_number", "gender", "birth_date", "education", "bank_name", "bank_account", "contract_type",
              "contract_start", "contract_end", "probation_end", "insurance_city", "bonus_method", "expense_kind",
              "small_earner", "user_id", "attachments"):
        row[f] = getattr(prof, f) if prof is not None else None
    if not reveal:
        for f in SENSITIVE:
            row[f] = mask(row[f])
    row["contract_alert"] = contract_alert(row["contract_end"], today)
    row["profile_version"] = prof.version if prof is not None else None
    return row


@query("hr.profile.read", zh="查看员工档案", en="View employee files")
def list_profiles(ctx: Context, *, search: str | None = None, department_id: int | None = None,
                  active: bool | None = None, contract_alerts_only: bool = False,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Employees with their HR details (masked as the actor's permissions say), filtered."""
    today = today or dt.date.today()
    stmt = (select(Employee, EmployeeProfile, Department.name)
            .outerjoin(EmployeeProfile, EmployeeProfile.employee_id == Employee.id)
            .outerjoin(Department, Department.id == Employee.department_id)
            .where(Employee.company_id == _company(ctx)).order_by(Employee.code))
    if search:
        stmt = stmt.where(contains(Employee.code, search.strip()) | contains(Employee.name, search.strip()))
    if department_id is not None:
        stmt = stmt.where(Employee.department_id == department_id)
    if active is not None:
        stmt = stmt.where(Employee.active.is_(active))
    rows = [_row(ctx, e, p, d, today) for e, p, d in ctx.session.execute(_scoped(ctx, stmt))]
    return [r for r in rows if r["contract_alert"]] if contract_alerts_only else rows


@query("hr.profile.read", zh="查看员工档案", en="View employee files")
def employee_file(ctx: Context, *, employee_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
    """One employee's file with the dated status history and, ``as_of`` a date, whether employed then and the
    department/position in force (the employee as of any date)."""
    from erp_core.kernel.errors import NotFound

    stmt = (select(Employee, EmployeeProfile, Department.name)
            .outerjoin(EmployeeProfile, EmployeeProfile.employee_id == Employee.id)
            .outerjoin(Department, Department.id == Employee.department_id)
            .where(Employee.company_id == _company(ctx), Employee.id == employee_id))
    found = ctx.session.execute(_scoped(ctx, stmt)).first()
    if found is None:
        raise NotFound(entity="employee", id=employee_id)
    emp, prof, dep = found
    row = _row(ctx, emp, prof, dep, as_of or dt.date.today())
    history = list(ctx.session.execute(select(StatusChange).where(
        StatusChange.company_id == emp.company_id, StatusChange.employee_id == emp.id)
        .order_by(StatusChange.effective_date, StatusChange.id)).scalars())
    row["history"] = [{"kind": h.kind, "effective_date": h.effective_date, "department_id": h.department_id,
                       "position": h.position, "remarks": h.remarks} for h in history]
    if as_of is not None:
        row.update(as_of_state(emp, history, as_of))
        dep_id = row["department_id_as_of"]
        row["department_as_of"] = (ctx.session.get(Department, dep_id).name
                                   if dep_id is not None and ctx.session.get(Department, dep_id) is not None else None)
    return row


def as_of_state(emp: Any, history: list[Any], as_of: dt.date) -> dict[str, Any]:
    """The employee on ``as_of`` from the dated history: employed or not, the department and position then
    (the latest 入职/调岗 naming one on or before the day; before the first 调岗, where that 调岗 moved them from;
    with no history, the current ones), and the status then (not_hired / probation: 转正 comes later / regular: 转正 done /
    employed: no 转正 recorded / left)."""
    history = sorted(history, key=lambda h: (h.effective_date, h.id or 0))
    spans = intervals(emp.hire_date, history)
    employed = employed_between(spans, as_of, as_of)
    before = [h for h in history if h.effective_date <= as_of]
    later_moves = [h for h in history if h.effective_date > as_of and h.kind == "transfer"]

    def pick(attr: str, from_attr: str, current: Any) -> Any:
        done = [getattr(h, attr) for h in before if h.kind in ("hire", "transfer") and getattr(h, attr)]
        if done:
            return done[-1]
        came = [getattr(h, from_attr) for h in later_moves if getattr(h, from_attr)]
        return came[0] if came else current

    if employed:
        start = max((s for s, _ in spans if s <= as_of), default=None)
        regular = any(h.kind == "regularize" and (start is None or h.effective_date >= start) for h in before)
        later = any(h.kind == "regularize" and h.effective_date > as_of for h in history)
        status = "regular" if regular else "probation" if later else "employed"
    else:
        status = "left" if any(h.kind == "leave" for h in before) else "not_hired"
    return {"employed": employed, "status_as_of": status,
            "department_id_as_of": pick("department_id", "from_department_id", emp.department_id),
            "position_as_of": pick("position", "from_position", emp.position)}
