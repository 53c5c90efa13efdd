"""Reads of appraisals: cycles and their appraisals (HR, ``hr.appraisal.read``), and an employee's own
appraisals (``hr.appraisal.own``: the employee file whose user account is the actor)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.appraisal.models import Appraisal, AppraisalCycle, AppraisalTemplate
from erp_core.hr.employees.models import EmployeeProfile
from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import NotFound
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, query


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


@query("hr.appraisal.read", zh="查看绩效考核", en="View appraisals")
def appraisal_setup(ctx: Context) -> dict[str, Any]:
    """Templates (with KPIs) and cycles of the company, newest cycle first."""
    templates = [{"id": t.id, "code": t.code, "name": t.name, "kpis": json.loads(t.kpis_json)}
                 for t in ctx.session.execute(select(AppraisalTemplate).where(
                     AppraisalTemplate.company_id == _company(ctx)).order_by(AppraisalTemplate.code)).scalars()]
    cycles = [_cycle_row(c) for c in ctx.session.execute(select(AppraisalCycle).where(
        AppraisalCycle.company_id == _company(ctx)).order_by(AppraisalCycle.id.desc())).scalars()]
    return {"templates": templates, "cycles": cycles}


def _cycle_row(c: AppraisalCycle) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "kind": c.kind, "period_start": c.period_start, "period_end": c.period_end,
            "status": c.status, "kpis": json.loads(c.kpis_json), "grades": json.loads(c.grades_json),
            "pay_item_code": c.pay_item_code, "pay_amounts": json.loads(c.pay_amounts_json or "{}"),
            "applied_period": c.applied_period}


def _rows(ctx: Context, where: list[Any]) -> list[dict[str, Any]]:
    stmt = (select(Appraisal, Employee.code, Employee.name, AppraisalCycle.name)
            .join(Employee, Employee.id == Appraisal.employee_id)
            .join(AppraisalCycle, AppraisalCycle.id == Appraisal.cycle_id)
            .where(Appraisal.company_id == _company(ctx), *where).order_by(Appraisal.cycle_id.desc(), Employee.code))
    return [{"appraisal_id": a.id, "cycle_id": a.cycle_id, "cycle": cname, "employee_id": a.employee_id,
             "employee_code": code, "employee_name": name, "status": a.status,
             "self_scores": [Decimal(s) for s in json.loads(a.self_scores_json or "[]")],
             "manager_scores": [Decimal(s) for s in json.loads(a.manager_scores_json or "[]")],
             "self_score": a.self_score, "manager_score": a.manager_score, "final_score": a.final_score,
             "grade": a.grade, "comment": a.comment} for a, code, name, cname in ctx.session.execute(stmt)]


@query("hr.appraisal.read", zh="查看绩效考核", en="View appraisals")
def cycle_appraisals(ctx: Context, *, cycle_id: int) -> dict[str, Any]:
    """The cycle and its appraisals (one per employee; a department-scoped grant sees its departments' only)."""
    c = ctx.session.get(AppraisalCycle, cycle_id)
    if c is None or c.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal_cycle", id=cycle_id)
    where = [Appraisal.cycle_id == c.id]
    scope = ctx.actor.scope(ctx.permission)
    if not ctx.actor.is_system and scope is not Scope.ALL:  # a department-scoped reviewer: their departments only
        deps = ctx.actor.department_ids if scope is Scope.DEPARTMENT else frozenset()
        where.append(Employee.department_id.in_(deps or {-1}))
    return {**_cycle_row(c), "appraisals": _rows(ctx, where)}


@query("hr.appraisal.own", zh="查看本人绩效", en="View own appraisals")
def my_appraisals(ctx: Context) -> list[dict[str, Any]]:
    """The actor's own appraisals, with each cycle's KPIs (for the self review form)."""
    if ctx.actor.user_id is None:
        return []
    emp_ids = list(ctx.session.execute(select(EmployeeProfile.employee_id).where(
        EmployeeProfile.company_id == _company(ctx), EmployeeProfile.user_id == ctx.actor.user_id)).scalars())
    if not emp_ids:
        return []
    kpis = {c.id: json.loads(c.kpis_json) for c in ctx.session.execute(select(AppraisalCycle).where(
        AppraisalCycle.company_id == _company(ctx))).scalars()}
    return [{**r, "kpis": kpis.get(r["cycle_id"], [])} for r in _rows(ctx, [Appraisal.employee_id.in_(emp_ids)])]
