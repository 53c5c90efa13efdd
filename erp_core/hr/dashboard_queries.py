"""The HR dashboard: headcount by department, hires and leavers per month, payroll cost per month (gross + employer
社保/公积金 of locked runs), attendance exceptions of a month. Company-wide figures: ``hr.dashboard.read``."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from erp_core.analytics.stamps import Changes, changes, current
from erp_core.hr.employees.models import StatusChange
from erp_core.hr.payroll.compute import LOCKED
from erp_core.hr.payroll.models import PayrollRun, Payslip
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, query


@query("hr.dashboard.read", zh="查看人事看板", en="View the HR dashboard")
def hr_dashboard(ctx: Context, *, year: int, month: int | None = None) -> dict[str, Any]:
    """Figures of ``year`` (and attendance exceptions of ``month``, default the last month with punches);
    ``stamp``: the :func:`dashboard_stamp` these figures are at least as new as (read first)."""
    from erp_core.hr.attendance.queries import month_summaries
    from erp_core.security.scope import require_company_wide

    require_company_wide(ctx)  # company totals: no department-scoped grant
    stamp = changes(ctx.session)
    company = ctx.company_id if ctx.company_id is not None else ctx.actor.company_id
    heads = ctx.session.execute(
        select(Department.name, func.count(Employee.id)).select_from(Employee)
        .outerjoin(Department, Department.id == Employee.department_id)
        .where(Employee.company_id == company, Employee.active.is_(True))
        .group_by(Department.name).order_by(Department.name)).all()
    moves: dict[str, Counter] = defaultdict(Counter)
    for kind, day in ctx.session.execute(select(StatusChange.kind, StatusChange.effective_date).where(
            StatusChange.company_id == company, StatusChange.kind.in_(("hire", "leave")),
            StatusChange.effective_date >= dt.date(year, 1, 1), StatusChange.effective_date <= dt.date(year, 12, 31))):
        moves[f"{day:%Y-%m}"][kind] += 1
    cost = ctx.session.execute(
        select(Payslip.period, func.sum(Payslip.gross_pay), func.sum(Payslip.employer_si),
               func.sum(Payslip.employer_hf), func.count(Payslip.id))
        .join(PayrollRun, PayrollRun.id == Payslip.run_id)
        .where(Payslip.company_id == company, Payslip.period >= f"{year}-01", Payslip.period <= f"{year}-12",
               PayrollRun.status.in_(LOCKED), PayrollRun.reverses_id.is_(None), PayrollRun.reversed_by_id.is_(None))
        .group_by(Payslip.period).order_by(Payslip.period)).all()
    month = month or (dt.date.today().month if year == dt.date.today().year else 12)
    exceptions = [{"employee_id": s.employee_id, "late": s.late, "early": s.early, "absent": s.absent,
                   "missing": len(s.missing)} for s in month_summaries(ctx, year, month)
                  if s.late or s.early or s.absent or s.missing]
    return {"stamp": stamp, "headcount": [{"department": d or "-", "employees": n} for d, n in heads],
            "moves": [{"period": p, "hires": c["hire"], "leavers": c["leave"]} for p, c in sorted(moves.items())],
            "cost": [{"period": p, "gross_pay": Decimal(g), "employer_contributions": Decimal(si) + Decimal(hf),
                      "total": Decimal(g) + Decimal(si) + Decimal(hf), "employees": n} for p, g, si, hf, n in cost],
            "exceptions": exceptions, "month": month}


@query("hr.dashboard.read", zh="查看人事看板", en="View the HR dashboard", session=False)
def dashboard_stamp(ctx: Context) -> Changes:
    """What the dashboard's figures would be as of now (erp_core/analytics/stamps.py): the page keeps the figures
    it read while this stays the same (kept per process for a second; this process's own changes at once)."""
    from erp_core.security.scope import require_company_wide

    require_company_wide(ctx)
    return current(ctx.db)
