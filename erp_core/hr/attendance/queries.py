"""Reads of attendance and leave: the monthly summary per employee (days worked, late, early, absent, missing
punches, leave by kind, overtime by kind), punches, leave requests with their approval state, balances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.approvals.services import approval_state
from erp_core.hr.attendance.models import LeaveKind, LeaveRequest, Punch
from erp_core.hr.attendance.rules import Summary, summarize, workdays
from erp_core.hr.employees.models import StatusChange
from erp_core.hr.employees.rules import intervals, month_bounds
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, query


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def approved_leave_days(ctx: Context, first: dt.date, last: dt.date,
                        exceptions: dict[dt.date, str]) -> dict[int, dict[dt.date, str]]:
    """employee -> working day -> leave kind, for requests the approvals engine cleared (none or approved)."""
    out: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for r in ctx.session.execute(select(LeaveRequest).where(
            LeaveRequest.company_id == _company(ctx), LeaveRequest.status == "submitted",
            LeaveRequest.start_date <= last, LeaveRequest.end_date >= first)).scalars():
        if approval_state(ctx.session, r.company_id, "leave_request", r.id) not in ("none", "approved"):
            continue
        for day in workdays(max(first, r.start_date), min(last, r.end_date), exceptions):
            out[r.employee_id][day] = r.kind_code
    return out


def correction_counts(ctx: Context, punch_id: int) -> bool:
    """A 补卡 counts when the approvals engine cleared it (no rule asked, or approved)."""
    return approval_state(ctx.session, _company(ctx), "punch_correction", punch_id) in ("none", "approved")


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def punch_corrections(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """The 补卡 of ``period`` with their approval state (none = counted without approval)."""
    from erp_core.hr.payroll.compute import parse_period

    first, last = month_bounds(*parse_period(period))
    rows = ctx.session.execute(
        select(Punch.id, Punch.punched_at, Employee.code, Employee.name).join(Employee, Employee.id == Punch.employee_id)
        .where(Punch.company_id == _company(ctx), Punch.source == "correction",
               Punch.punched_at >= dt.datetime.combine(first, dt.time.min),
               Punch.punched_at <= dt.datetime.combine(last, dt.time.max)).order_by(Punch.punched_at)).all()
    return [{"punch_id": pid, "employee_code": code, "employee_name": name, "punched_at": at,
             "approval": approval_state(ctx.session, _company(ctx), "punch_correction", pid)}
            for pid, at, code, name in rows]


def month_summaries(ctx: Context, year: int, month: int) -> list[Summary]:
    from erp_core.hr.attendance.services import calendar_exceptions, shift_of

    first, last = month_bounds(year, month)
    exceptions = calendar_exceptions(ctx, first, last)
    start, end, grace = shift_of(ctx)
    leave = approved_leave_days(ctx, first, last, exceptions)
    punches: dict[int, list[dt.datetime]] = defaultdict(list)
    for pid, e, at, source in ctx.session.execute(select(Punch.id, Punch.employee_id, Punch.punched_at, Punch.source)
                                                  .where(Punch.company_id == _company(ctx),
                                                         Punch.punched_at >= dt.datetime.combine(first, dt.time.min),
                                                         Punch.punched_at <= dt.datetime.combine(last, dt.time.max))
                                                  ).all():
        if source == "correction" and not correction_counts(ctx, pid):
            continue  # 补卡 waiting for its approval, or rejected
        punches[e].append(at)
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    for c in ctx.session.execute(select(StatusChange).where(StatusChange.company_id == _company(ctx))).scalars():
        changes[c.employee_id].append(c)
    out = []
    all_days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    for emp in ctx.session.execute(select(Employee).where(Employee.company_id == _company(ctx))
                                   .order_by(Employee.code)).scalars():
        spans = intervals(emp.hire_date, changes[emp.id])
        mine = [d for d in all_days if any(s <= d and (e is None or d <= e) for s, e in spans)]
        if not mine or (not emp.active and not any(c.kind == "leave" for c in changes[emp.id])):
            continue
        days = [d for d in workdays(first, last, exceptions) if d in set(mine)]
        out.append(summarize(emp.id, days, mine, punches.get(emp.id, []), leave.get(emp.id, {}), exceptions,
                             start, end, grace))
    return out


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def attendance_summary(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """One row per employee for ``period`` (YYYY-MM): scheduled, worked, late, early, absent, missing punches
    (the days, for 补卡), leave days by kind, overtime hours by kind."""
    from erp_core.hr.payroll.compute import parse_period

    year, month = parse_period(period)
    names = dict(ctx.session.execute(select(Employee.id, Employee.code).where(
        Employee.company_id == _company(ctx))).all())
    full = {i: n for i, n in ctx.session.execute(select(Employee.id, Employee.name).where(
        Employee.company_id == _company(ctx))).all()}
    return [{"employee_id": s.employee_id, "employee_code": names[s.employee_id], "employee_name": full[s.employee_id],
             "scheduled": s.scheduled, "worked": s.worked, "late": s.late, "early": s.early, "absent": s.absent,
             "missing": [d.isoformat() for d in s.missing], "missing_count": len(s.missing),
             "leave_days": sum(s.leave.values(), Decimal(0)), "leave": dict(s.leave),
             "overtime_weekday": s.overtime["weekday"], "overtime_rest_day": s.overtime["rest_day"],
             "overtime_holiday": s.overtime["holiday"]} for s in month_summaries(ctx, year, month)]


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def punches(ctx: Context, *, date_from: dt.date, date_to: dt.date, employee_id: int | None = None
            ) -> list[dict[str, Any]]:
    stmt = (select(Punch, Employee.code, Employee.name).join(Employee, Employee.id == Punch.employee_id)
            .where(Punch.company_id == _company(ctx), Punch.punched_at >= dt.datetime.combine(date_from, dt.time.min),
                   Punch.punched_at <= dt.datetime.combine(date_to, dt.time.max))
            .order_by(Punch.punched_at, Employee.code))
    if employee_id is not None:
        stmt = stmt.where(Punch.employee_id == employee_id)
    return [{"employee_code": c, "employee_name": n, "punched_at": p.punched_at, "source": p.source}
            for p, c, n in ctx.session.execute(stmt)]


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def leave_requests(ctx: Context, *, year: int | None = None) -> list[dict[str, Any]]:
    stmt = (select(LeaveRequest, Employee.code, Employee.name).join(Employee, Employee.id == LeaveRequest.employee_id)
            .where(LeaveRequest.company_id == _company(ctx)).order_by(LeaveRequest.start_date.desc()))
    if year is not None:
        stmt = stmt.where(LeaveRequest.start_date >= dt.date(year, 1, 1), LeaveRequest.start_date <= dt.date(year, 12, 31))
    out = []
    for r, code, name in ctx.session.execute(stmt):
        state = "cancelled" if r.status == "cancelled" else \
            approval_state(ctx.session, r.company_id, "leave_request", r.id)
        out.append({"request_id": r.id, "employee_code": code, "employee_name": name, "kind": r.kind_code,
                    "start_date": r.start_date, "end_date": r.end_date, "days": r.days, "reason": r.reason,
                    "approval": "approved" if state == "none" else state})
    return out


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def leave_balances(ctx: Context, *, year: int, employee_id: int | None = None) -> list[dict[str, Any]]:
    """Per employee and kind with an entitlement: entitled, used (cleared requests of ``year``), left."""
    kinds = [k for k in ctx.session.execute(select(LeaveKind).where(LeaveKind.company_id == _company(ctx))).scalars()
             if k.annual_days > 0]
    used: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for r in leave_requests.__wrapped__(ctx, year=year):
        if r["approval"] == "approved":
            used[(r["employee_code"], r["kind"])] += r["days"]
    emps = ctx.session.execute(select(Employee.id, Employee.code, Employee.name).where(
        Employee.company_id == _company(ctx), Employee.active.is_(True)).order_by(Employee.code)).all()
    return [{"employee_id": i, "employee_code": c, "employee_name": n, "kind": k.code, "entitled": k.annual_days,
             "used": used[(c, k.code)], "left": k.annual_days - used[(c, k.code)]}
            for i, c, n in emps if employee_id is None or i == employee_id for k in kinds]


@query("hr.attendance.read", zh="查看考勤", en="View attendance")
def calendar_days(ctx: Context, *, year: int) -> list[dict[str, Any]]:
    """The company work calendar's exception days of ``year`` (shared with the CRM SLA clock)."""
    from erp_core.workcalendar.store import days

    return [{"day": d.day, "kind": "workday" if d.workday else "holiday", "name": d.name}
            for d in days(ctx.session, _company(ctx), dt.date(year, 1, 1), dt.date(year, 12, 31))]


def _own_employee_ids(ctx: Context) -> set[int]:
    """The employee files whose user account is the actor (the employee themselves)."""
    from erp_core.hr.employees.models import EmployeeProfile

    if ctx.actor.user_id is None:
        return set()
    return set(ctx.session.execute(select(EmployeeProfile.employee_id).where(
        EmployeeProfile.company_id == _company(ctx), EmployeeProfile.user_id == ctx.actor.user_id)).scalars())


@query("hr.payslip.own", zh="查看本人工资条", en="View own payslips")
def my_attendance(ctx: Context, *, period: str) -> list[dict[str, Any]]:
    """The actor's own attendance summary of ``period`` (the employee's own view, with their payslips)."""
    from erp_core.hr.payroll.services import _period

    period = _period(period)  # a bad month is a message naming the field
    mine = _own_employee_ids(ctx)
    return [r for r in attendance_summary.__wrapped__(ctx, period=period) if r["employee_id"] in mine] if mine else []


@query("hr.payslip.own", zh="查看本人工资条", en="View own payslips")
def my_leave_balances(ctx: Context, *, year: int) -> list[dict[str, Any]]:
    """The actor's own leave balances of ``year``."""
    mine = _own_employee_ids(ctx)
    return [r for e in sorted(mine) for r in leave_balances.__wrapped__(ctx, year=year, employee_id=e)]
