"""Use cases of attendance and leave: calendar, shift, device PINs, punch import (all or nothing: unknown PINs are
listed and nothing is written; duplicate punches ignored), corrections (补卡), leave kinds and requests (the
approvals engine decides), and the month's effect on pay (absence deduction and overtime pay as payroll inputs)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from erp_core.hr.attendance import parsers
from erp_core.hr.attendance.models import (
    DAY_KINDS,
    DevicePin,
    LeaveKind,
    LeaveRequest,
    Punch,
    Shift,
)
from erp_core.hr.attendance.rules import workdays
from erp_core.hr.employees.services import load_employee
from erp_core.io.importer import ImportFailed, ImportProblem, ImportReport
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, use_case

SEED = Path(__file__).resolve().parents[3] / "db" / "seed" / "payroll" / "holidays.toml"
DEFAULT_LEAVE_KINDS = (  # code, 中文, English, pay ratio, annual days
    ("annual", "年假", "Annual leave", "1", "5"), ("sick", "病假", "Sick leave", "0.8", "0"),
    ("personal", "事假", "Personal leave", "0", "0"), ("marriage", "婚假", "Marriage leave", "1", "0"),
    ("maternity", "产假", "Maternity leave", "1", "0"), ("compensatory", "调休", "Time off in lieu", "1", "0"))
DEFAULT_SHIFT = (dt.time(9, 0), dt.time(18, 0), 5)
MONTHLY_DAYS = Decimal("21.75")  # 月计薪天数 (劳社部发〔2008〕3号)
OVERTIME_RATES = {"weekday": Decimal("1.5"), "rest_day": Decimal("2"), "holiday": Decimal("3")}  # 劳动法 第44条


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


@use_case("hr.attendance.manage", zh="考勤设置", en="Manage attendance")
def set_calendar_day(ctx: Context, *, day: dt.date, kind: str | None, name: str = "") -> None:
    """Mark ``day`` a public holiday or a 调休 working day (kind None: an ordinary day again) in the company work
    calendar (erp_core/workcalendar: the same calendar the CRM SLA clock counts working hours with)."""
    from erp_core.workcalendar.store import set_day

    if kind is not None and kind not in DAY_KINDS:
        raise ValidationError("error.hr.choice", field="field.hr.day_kind", value=str(kind))
    ctx.changes["calendar"] = set_day(ctx.session, _company(ctx), day, None if kind is None else kind == "workday",
                                      name or "")
    ctx.audit("work_calendar_day", day.isoformat(), kind=kind)


@use_case("hr.attendance.manage", zh="考勤设置", en="Manage attendance")
def load_holidays(ctx: Context, *, year: int) -> int:
    """The year's public holidays and 调休 working days from db/seed/payroll/holidays.toml into the company work
    calendar (days already set are kept); returns how many were added."""
    from erp_core.workcalendar.models import WorkCalendarDay
    from erp_core.workcalendar.store import exceptions

    data = tomllib.loads(SEED.read_text(encoding="utf-8")).get(str(year))
    if data is None:
        raise ValidationError("error.hr.no_holidays", field="field.hr.year", year=year)
    have = set(exceptions(ctx.session, _company(ctx)))
    added = 0
    for workday, key in ((False, "holidays"), (True, "workdays")):
        for text in data.get(key, []):
            day = dt.date.fromisoformat(text)
            if day not in have:
                ctx.session.add(WorkCalendarDay(company_id=_company(ctx), day=day, workday=workday, name=""))
                added += 1
    ctx.session.flush()
    ctx.audit("work_calendar_day", year, added=added)
    return added


def shift_of(ctx: Context) -> tuple[dt.time, dt.time, int]:
    row = ctx.session.execute(select(Shift).where(Shift.company_id == _company(ctx),
                                                  Shift.code == "default")).scalar_one_or_none()
    return (row.start_time, row.end_time, row.grace_minutes) if row is not None else DEFAULT_SHIFT


@use_case("hr.attendance.manage", zh="考勤设置", en="Manage attendance")
def set_shift(ctx: Context, *, start_time: dt.time, end_time: dt.time, grace_minutes: int = 0) -> None:
    if not (isinstance(start_time, dt.time) and isinstance(end_time, dt.time)) or end_time <= start_time \
            or not 0 <= int(grace_minutes) <= 120:
        raise ValidationError("error.hr.shift", field="field.hr.shift")
    row = ctx.session.execute(select(Shift).where(Shift.company_id == _company(ctx),
                                                  Shift.code == "default")).scalar_one_or_none()
    if row is None:
        row = Shift(company_id=_company(ctx), code="default", start_time=start_time, end_time=end_time,
                    grace_minutes=int(grace_minutes))
        ctx.session.add(row)
    else:
        ctx.diff(row, start_time=start_time, end_time=end_time, grace_minutes=int(grace_minutes))
    ctx.audit("hr_shift", "default")


@use_case("hr.attendance.manage", zh="考勤设置", en="Manage attendance")
def map_device_pin(ctx: Context, *, pin: str, employee_id: int) -> None:
    """The time clock's user number ``pin`` is this employee (without a mapping a PIN is the employee code)."""
    load_employee(ctx, employee_id)
    pin = (pin or "").strip()
    if not pin or len(pin) > 40:
        raise ValidationError("error.required", field="field.hr.pin")
    row = ctx.session.execute(select(DevicePin).where(DevicePin.company_id == _company(ctx),
                                                      DevicePin.pin == pin)).scalar_one_or_none()
    if row is None:
        ctx.session.add(DevicePin(company_id=_company(ctx), pin=pin, employee_id=employee_id))
    else:
        ctx.diff(row, employee_id=employee_id)
    ctx.audit("hr_device_pin", pin, employee_id=employee_id)


def _parse(fmt: str, content: str | list[list[Any]]) -> parsers.Parsed:
    if fmt == "zkteco":
        return parsers.parse_zkteco(content if isinstance(content, str) else "")
    if fmt == "zktime":
        return parsers.parse_zktime(content if isinstance(content, str) else "")
    if fmt == "dingtalk":
        if isinstance(content, str):
            import csv
            import io

            content = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
        return parsers.parse_dingtalk(content)
    raise ValidationError("error.hr.choice", field="field.hr.clock_format", value=str(fmt))


@use_case("hr.attendance.import", zh="导入考勤数据", en="Import clock data")
def import_punches(ctx: Context, *, fmt: str, content: str | list[list[Any]], dry_run: bool = False,
                   filename: str = "") -> ImportReport:
    """Punches from a time-clock export (``fmt`` one of parsers.FORMATS; ``content`` the file's text, or the
    rows of a DingTalk XLSX). Unreadable lines and unknown PINs are listed and nothing is written; a punch already
    stored (or twice in the file) is ignored. report.created = punches written, report.updated = duplicates."""
    parsed = _parse(fmt, content)
    company = _company(ctx)
    report = ImportReport(kind=f"punches-{fmt}")
    for n in parsed.bad_lines:
        report.problems.append(ImportProblem(n, filename or fmt, None, "error.hr.clock_line"))
    pins = dict(ctx.session.execute(select(DevicePin.pin, DevicePin.employee_id).where(
        DevicePin.company_id == company)).all())
    codes = dict(ctx.session.execute(select(Employee.code, Employee.id).where(Employee.company_id == company)).all())
    unknown = sorted({p for p, _ in parsed.punches if p not in pins and p not in codes})
    for pin in unknown:
        report.problems.append(ImportProblem(None, "PIN", pin, "error.hr.unknown_pin", {"pin": pin}))
    report.rows = len(parsed.punches)
    if report.problems:
        raise ImportFailed(report)
    wanted = {(pins.get(p) or codes[p], when) for p, when in parsed.punches}
    if wanted:
        lo, hi = min(w for _, w in wanted), max(w for _, w in wanted)
        have = set(ctx.session.execute(select(Punch.employee_id, Punch.punched_at).where(
            Punch.company_id == company, Punch.punched_at >= lo, Punch.punched_at <= hi)).all())
    else:
        have = set()
    new = sorted(wanted - have)
    report.updated = len(parsed.punches) - len(new)  # duplicates ignored
    if not dry_run:
        now = naive_utcnow()
        ctx.session.add_all(Punch(company_id=company, employee_id=e, punched_at=w, source=fmt,
                                  created_by=ctx.actor.user_id, created_at=now) for e, w in new)
        report.committed = True
    report.created = len(new)
    ctx.audit("hr_punch", None, fmt=fmt, written=len(new) if not dry_run else 0, duplicates=report.updated)
    return report


@use_case("hr.attendance.correct", zh="补卡", en="Correct a missing punch")
def correct_punch(ctx: Context, *, employee_id: int, punched_at: dt.datetime, reason: str) -> int:
    """补卡: add the missing punch (source 'correction', who and why in the audit record), submitted to the
    approvals engine (subject 'punch_correction'): it counts in the attendance once approved, or at once when no
    rule asks for approval; a rejected one never counts. A punch already there is refused."""
    from erp_core.approvals.services import submit_for_approval

    emp = load_employee(ctx, employee_id)
    problems = []
    if not isinstance(punched_at, dt.datetime):
        problems.append(ValidationError("error.required", field="field.hr.punched_at"))
    if not (reason or "").strip():
        problems.append(ValidationError("error.required", field="field.hr.reason"))
    raise_if(problems)
    punched_at = punched_at.replace(tzinfo=None, microsecond=0)
    exists = ctx.session.execute(select(Punch.id).where(Punch.company_id == _company(ctx),
                                                        Punch.employee_id == employee_id,
                                                        Punch.punched_at == punched_at)).first()
    if exists:
        raise Conflict("error.hr.punch_exists")
    row = Punch(company_id=_company(ctx), employee_id=employee_id, punched_at=punched_at, source="correction",
                created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    asked = submit_for_approval(ctx, "punch_correction", row.id, {"amount": Decimal(1)},
                                summary=f"{emp.code} {emp.name} 补卡 {punched_at:%Y-%m-%d %H:%M} {reason[:100]}")
    ctx.audit("hr_punch", row.id, employee_id=employee_id, punched_at=punched_at.isoformat(), reason=reason[:200],
              approvals=len(asked))
    return row.id


def ensure_leave_kinds(ctx: Context) -> None:
    have = set(ctx.session.execute(select(LeaveKind.code).where(LeaveKind.company_id == _company(ctx))).scalars())
    ctx.session.add_all(LeaveKind(company_id=_company(ctx), code=c, name_zh=zh, name_en=en, pay_ratio=Decimal(r),
                                  annual_days=Decimal(d)) for c, zh, en, r, d in DEFAULT_LEAVE_KINDS if c not in have)
    ctx.session.flush()


@use_case("hr.attendance.manage", zh="考勤设置", en="Manage attendance")
def save_leave_kind(ctx: Context, *, code: str, name_zh: str, name_en: str, pay_ratio: Any,
                    annual_days: Any) -> None:
    ensure_leave_kinds(ctx)
    problems: list[ValidationError] = []
    code = (code or "").strip()
    if not code or len(code) > 20:
        problems.append(ValidationError("error.required", field="field.hr.leave_kind"))
    try:
        ratio, days = to_decimal(pay_ratio), to_decimal(annual_days)
        if not (0 <= ratio <= 1) or days < 0 or days > 366:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(ValidationError("error.hr.rate", field="field.hr.pay_ratio"))
    raise_if(problems)
    row = ctx.session.execute(select(LeaveKind).where(LeaveKind.company_id == _company(ctx),
                                                      LeaveKind.code == code)).scalar_one_or_none()
    if row is None:
        ctx.session.add(LeaveKind(company_id=_company(ctx), code=code, name_zh=name_zh, name_en=name_en or name_zh,
                                  pay_ratio=ratio, annual_days=days))
    else:
        ctx.diff(row, name_zh=name_zh, name_en=name_en or name_zh, pay_ratio=ratio, annual_days=days)
    ctx.audit("hr_leave_kind", code)


def calendar_exceptions(ctx: Context, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """day -> "holiday" / "workday" of the company work calendar between ``first`` and ``last``."""
    from erp_core.workcalendar.store import exceptions

    return {d: "workday" if w else "holiday" for d, w in exceptions(ctx.session, _company(ctx), first, last).items()}


@use_case("hr.leave.request", zh="请假", en="Request leave")
def request_leave(ctx: Context, *, employee_id: int, kind_code: str, start_date: dt.date, end_date: dt.date,
                  reason: str = "") -> int:
    """A leave request over the working days of [start_date, end_date], submitted to the approvals engine
    (subject 'leave_request', facts: days); with no rule for it, it counts as approved at once."""
    from erp_core.approvals.services import submit_for_approval

    emp = load_employee(ctx, employee_id)
    ensure_leave_kinds(ctx)
    kinds = set(ctx.session.execute(select(LeaveKind.code).where(LeaveKind.company_id == _company(ctx))).scalars())
    problems = []
    if kind_code not in kinds:
        problems.append(ValidationError("error.hr.choice", field="field.hr.leave_kind", value=str(kind_code)))
    if not isinstance(start_date, dt.date) or not isinstance(end_date, dt.date) or end_date < start_date:
        problems.append(ValidationError("error.hr.leave_dates", field="field.hr.end_date"))
    raise_if(problems)
    days = len(workdays(start_date, end_date, calendar_exceptions(ctx, start_date, end_date)))
    if days == 0:
        raise ValidationError("error.hr.leave_no_workdays", field="field.hr.end_date")
    overlap = ctx.session.execute(select(LeaveRequest.id).where(
        LeaveRequest.company_id == _company(ctx), LeaveRequest.employee_id == emp.id,
        LeaveRequest.status.in_(("submitted", "approved")), LeaveRequest.start_date <= end_date,
        LeaveRequest.end_date >= start_date)).first()
    if overlap:
        raise Conflict("error.hr.leave_overlap")
    row = LeaveRequest(company_id=_company(ctx), employee_id=emp.id, kind_code=kind_code, start_date=start_date,
                       end_date=end_date, days=Decimal(days), status="submitted", reason=(reason or "")[:200],
                       created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    submit_for_approval(ctx, "leave_request", row.id, {"amount": Decimal(days), "days": Decimal(days)},
                        summary=f"{emp.code} {emp.name} {kind_code} {start_date}..{end_date}")
    ctx.audit("hr_leave_request", row.id, employee_id=emp.id, days=days)
    return row.id


@use_case("hr.leave.request", zh="请假", en="Request leave")
def cancel_leave(ctx: Context, *, request_id: int) -> None:
    row = ctx.session.get(LeaveRequest, request_id)
    if row is None or row.company_id != _company(ctx):
        raise NotFound(entity="leave_request", id=request_id)
    if row.status == "cancelled":
        return
    from erp_core.approvals.services import withdraw_requests

    withdraw_requests(ctx, "leave_request", row.id)
    ctx.diff(row, status="cancelled")
    ctx.audit("hr_leave_request", row.id, status="cancelled")


@use_case("hr.attendance.apply", zh="考勤结果计入工资", en="Apply attendance to pay")
def apply_attendance_to_pay(ctx: Context, *, period: str) -> int:
    """The month's attendance as payroll inputs: absence_deduction = -(absent days + unpaid share of leave days) x
    base salary / 21.75, overtime_pay = overtime hours x base / 21.75 / 8 x 1.5 / 2 / 3 (weekday / rest day /
    holiday). Refused once the period's payroll is locked. Returns how many inputs were written."""
    from erp_core.hr.attendance.queries import month_summaries
    from erp_core.hr.payroll.compute import parse_period
    from erp_core.hr.payroll.services import _period, ensure_default_items, put_inputs

    period = _period(period)
    year, month = parse_period(period)
    ensure_default_items(ctx)
    ensure_leave_kinds(ctx)
    ratios = dict(ctx.session.execute(select(LeaveKind.code, LeaveKind.pay_ratio).where(
        LeaveKind.company_id == _company(ctx))).all())
    from erp_core.hr.payroll.compute import compute_period

    bases = {r["employee_id"]: Decimal(json.loads(r["items_json"]).get("base_salary", "0"))
             for r in compute_period(ctx.session, _company(ctx), period)}
    rows = []
    for s in month_summaries(ctx, year, month):
        base = bases.get(s.employee_id, Decimal(0))
        if base <= 0:
            continue
        daily = base / MONTHLY_DAYS
        unpaid = Decimal(s.absent) + sum((d * (1 - ratios.get(k, Decimal(1))) for k, d in s.leave.items()),
                                         Decimal(0))
        deduction = -(unpaid * daily).quantize(FEN, rounding=ROUND_HALF_UP)
        overtime = sum((h * daily / 8 * OVERTIME_RATES[k] for k, h in s.overtime.items()), Decimal(0))
        rows.append({"employee_id": s.employee_id, "period": period, "item_code": "absence_deduction",
                     "amount": deduction if deduction else None})
        rows.append({"employee_id": s.employee_id, "period": period, "item_code": "overtime_pay",
                     "amount": overtime.quantize(FEN, rounding=ROUND_HALF_UP) or None})
    written = put_inputs(ctx, rows)
    ctx.audit("payroll_input", None, period=period, from_attendance=written)
    return written
