"""Use cases of employee files (员工档案): HR details and dated status changes (入职 转正 调岗 调薪 离职).

Leaving (离职) ends the person's system access: their user account is disabled and its sessions revoked, and the
audit record says so — in the same transaction when the leaving date has come (today or earlier, the company's
local date), else on that date, by the scheduled job ``hr.leavers`` (erp_core/hr/jobs.py: apply_due_leavings),
so a notice recorded in advance does not lock the person out while they still work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.employees.models import (
    BONUS_METHODS,
    CONTRACT_TYPES,
    EXPENSE_KINDS,
    GENDERS,
    STATUS_KINDS,
    EmployeeProfile,
    StatusChange,
)
from erp_core.hr.employees.rules import birth_date_of, gender_of, id_number_ok
from erp_core.kernel.clock import local_today, naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, use_case

PROFILE_FIELDS = ("id_number", "gender", "birth_date", "education", "bank_name", "bank_account", "contract_type",
                  "contract_start", "contract_end", "probation_end", "user_id", "insurance_city", "insurance_base",
                  "housing_fund_base", "small_earner", "bonus_method", "expense_kind", "attachments")


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def load_employee(ctx: Context, employee_id: int) -> Employee:
    emp = ctx.session.get(Employee, employee_id)
    if emp is None or emp.company_id != _company(ctx):
        raise NotFound(entity="employee", id=employee_id)
    return emp


def profile_of(ctx: Context, employee_id: int, *, create: bool = False) -> EmployeeProfile | None:
    prof = ctx.session.get(EmployeeProfile, employee_id)
    if prof is None and create:
        prof = EmployeeProfile(employee_id=employee_id, company_id=_company(ctx), small_earner=False,
                               bonus_method="separate", expense_kind="admin", attachments=0)
        ctx.session.add(prof)
    return prof


def _money(value: Any, field: str, problems: list[ValidationError]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        problems.append(ValidationError("error.hr.amount", field=field))
        return None
    if d < 0 or d != d.quantize(FEN):
        problems.append(ValidationError("error.hr.amount", field=field))
        return None
    return d


def clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Validate the HR details a form or an import gives; every problem names its field."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields {sorted(unknown)}")
    out = dict(values)
    problems: list[ValidationError] = []
    idn = (values.get("id_number") or "").strip().upper() or None
    if idn is not None and not id_number_ok(idn):
        problems.append(ValidationError("error.hr.id_number", field="field.hr.id_number"))
    if "id_number" in values:  # a field not given keeps what the file has (never erased by a partial save)
        out["id_number"] = idn
    if idn and id_number_ok(idn):
        out.setdefault("birth_date", birth_date_of(idn))
        out["birth_date"] = out["birth_date"] or birth_date_of(idn)
        out["gender"] = out.get("gender") or gender_of(idn)
    for name, allowed in (("gender", GENDERS), ("contract_type", CONTRACT_TYPES), ("bonus_method", BONUS_METHODS),
                          ("expense_kind", EXPENSE_KINDS)):
        if out.get(name) not in (None, "") and out[name] not in allowed:
            problems.append(ValidationError("error.hr.choice", field=f"field.hr.{name}", value=str(out[name])))
    acct = (values.get("bank_account") or "").replace(" ", "") or None
    if acct is not None and not (acct.isdigit() and 8 <= len(acct) <= 30):
        problems.append(ValidationError("error.hr.bank_account", field="field.hr.bank_account"))
    if "bank_account" in values:
        out["bank_account"] = acct
    for name in ("insurance_base", "housing_fund_base"):
        if name in values:
            out[name] = _money(values[name], f"field.hr.{name}", problems)
    start, end = out.get("contract_start"), out.get("contract_end")
    if start and end and end < start:
        problems.append(ValidationError("error.hr.contract_dates", field="field.hr.contract_end"))
    raise_if(problems)
    return out


@use_case("hr.profile.edit", zh="修改员工档案", en="Edit employee file")
def save_profile(ctx: Context, *, employee_id: int, values: dict[str, Any], version: int | None = None) -> int:
    """Create or change an employee's HR details; returns the profile's version."""
    load_employee(ctx, employee_id)
    clean = clean_profile(values)
    prof = profile_of(ctx, employee_id, create=True)
    if version is not None and prof.version is not None:
        ctx.check_version(prof, version)
    for key in ("bonus_method", "expense_kind"):
        if clean.get(key) in (None, ""):
            clean.pop(key, None)
    ctx.diff(prof, **clean)
    ctx.session.flush()
    ctx.audit("hr_employee_profile", employee_id)
    return prof.version


@use_case("hr.status.record", zh="登记人事异动", en="Record status change")
def record_status_change(ctx: Context, *, employee_id: int, kind: str, effective_date: dt.date,
                         department_id: int | None = None, position: str | None = None, remarks: str = "") -> int:
    """One dated change of an employee's status: hire (入职), regularize (转正), transfer (调岗: department and/or
    position), salary_change (调薪, the amounts go to the salary structure), leave (离职: the employee is made
    inactive and their user account disabled — in this transaction when the date has come, else on that date by
    the ``hr.leavers`` job)."""
    emp = load_employee(ctx, employee_id)
    problems = []
    if kind not in STATUS_KINDS:
        problems.append(ValidationError("error.hr.choice", field="field.hr.status_kind", value=str(kind)))
    if not isinstance(effective_date, dt.date):
        problems.append(ValidationError("error.required", field="field.hr.effective_date"))
    if kind == "transfer" and department_id is None and not position:
        problems.append(ValidationError("error.hr.transfer_nothing", field="field.hr.department"))
    raise_if(problems)
    if department_id is not None:
        from erp_core.masterdata.models import Department

        dep = ctx.session.get(Department, department_id)
        if dep is None or dep.company_id != emp.company_id:
            raise ValidationError("error.hr.unknown_department", field="field.hr.department")
    row = StatusChange(company_id=emp.company_id, employee_id=emp.id, kind=kind, effective_date=effective_date,
                       department_id=department_id, position=position, remarks=(remarks or "")[:500],
                       created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    changes: dict[str, Any] = {"kind": kind, "effective_date": effective_date.isoformat()}
    if kind == "hire":
        emp.active = True
        if emp.hire_date is None or emp.hire_date > effective_date:
            emp.hire_date = effective_date
    if kind == "transfer":  # where they came from is kept too: the file as of a date before the transfer
        row.from_department_id, row.from_position = emp.department_id, emp.position
        if department_id is not None:
            changes["department_id"] = [emp.department_id, department_id]
            emp.department_id = department_id
        if position:
            changes["position"] = [emp.position, position]
            emp.position = position
    if kind == "leave":
        if effective_date <= _today(ctx):
            emp.active = False
            changes["user_disabled"] = _end_access(ctx, employee_id)
        else:
            changes["access_ends_on"] = effective_date.isoformat()
    ctx.session.flush()
    ctx.audit("hr_status_change", row.id, employee_id=employee_id, **changes)
    return row.id


def _today(ctx: Context) -> dt.date:
    return local_today(ctx.db.settings.time_zone if ctx.db is not None else "Asia/Shanghai")


def due_leavers(session, company_id: int, today: dt.date) -> list[tuple[int, int]]:
    """(employee id, status change id) of the active employees whose latest status change on or before ``today``
    is a leave: recorded in advance, and its date has come (a later rehire dated before today wins)."""
    rows = session.execute(select(StatusChange.employee_id, StatusChange.id, StatusChange.kind)
                           .join(Employee, Employee.id == StatusChange.employee_id)
                           .where(StatusChange.company_id == company_id, StatusChange.effective_date <= today,
                                  Employee.active.is_(True))
                           .order_by(StatusChange.employee_id, StatusChange.effective_date, StatusChange.id)).all()
    latest: dict[int, tuple[int, str]] = {}
    for employee_id, change_id, kind in rows:
        latest[employee_id] = (change_id, kind)
    return [(e, c) for e, (c, k) in latest.items() if k == "leave"]


def apply_due_leavings(db, today: dt.date | None = None) -> dict[str, int]:
    """The scheduled job: every company, one transaction per leaver, audited as the system actor (action
    ``hr.leave.apply``); idempotent (an applied leaver is inactive). A leaver who is the company's last active
    administrator is left as is and counted under "refused" (the same rule as recording the leave)."""
    from erp_core.kernel.actor import Actor
    from erp_core.masterdata.models import Company
    from erp_core.security import audit

    totals = {"applied": 0, "refused": 0}
    with db.uow(readonly=True) as uow:
        companies = list(uow.session.execute(select(Company.id)).scalars())
    day = today or local_today(db.settings.time_zone)
    for company_id in companies:
        with db.uow(readonly=True) as uow:
            due = due_leavers(uow.session, company_id, day)
        for employee_id, change_id in due:
            actor = Actor.system(company_id=company_id, reason="hr-leavers")
            try:
                with db.uow() as uow:
                    ctx = Context(uow.session, actor, "hr.status.record", db, company_id=company_id)
                    emp = load_employee(ctx, employee_id)
                    if not emp.active:  # applied by another run meanwhile
                        continue
                    emp.active = False
                    user_id = _end_access(ctx, employee_id)
                    audit.append(uow.session, actor, action="hr.leave.apply", entity="hr_status_change",
                                 entity_id=change_id, details={"employee_id": employee_id, "user_disabled": user_id},
                                 company_id=company_id)
                    uow.commit()
                totals["applied"] += 1
            except Conflict:
                totals["refused"] += 1
    return totals


def _end_access(ctx: Context, employee_id: int) -> int | None:
    """Disable the leaver's user account (if one is linked) and end its sessions; returns the user id."""
    from erp_core.security.models import User
    from erp_core.security.sessions import revoke_user_sessions
    from erp_core.security.user_services import USER_WORKFLOW, _keeps_an_admin, active_admin_ids

    prof = profile_of(ctx, employee_id)
    if prof is None or prof.user_id is None:
        return None
    user = ctx.session.get(User, prof.user_id)
    if user is None or user.company_id != _company(ctx) or user.status != "active":
        return None
    _keeps_an_admin(ctx, user, losing=True)
    if user.id in active_admin_ids(ctx.session, user.company_id) and not ctx.actor.may("admin.user.disable"):
        raise Conflict("error.hr.leaver_is_admin", username=user.username)  # never more than the actor holds
    USER_WORKFLOW.apply(user, "disable")
    revoke_user_sessions(ctx.session, user.id, "disabled")
    return user.id


def status_history(ctx: Context, employee_id: int) -> list[StatusChange]:
    return list(ctx.session.execute(select(StatusChange).where(
        StatusChange.company_id == _company(ctx), StatusChange.employee_id == employee_id)
        .order_by(StatusChange.effective_date, StatusChange.id)).scalars())
