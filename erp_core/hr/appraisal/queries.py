"""Reads of appraisals: cycles and their appraisals (HR, ``hr.appraisal.read``), and an employee's own
appraisals (``hr.appraisal.own``: the employee file whose user account is the actor)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.appraisal.models import Appraisal, AppraisalCycle, AppraisalRater, AppraisalTemplate
from erp_core.hr.appraisal.rules import quota_places, score_360
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
            "applied_period": c.applied_period,
            "quotas": {g: Decimal(v) for g, v in json.loads(c.quotas_json or "{}").items()}}


def _raters(ctx: Context, appraisal_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not appraisal_ids:
        return out
    for r, code, name in ctx.session.execute(
            select(AppraisalRater, Employee.code, Employee.name).join(Employee, Employee.id ==
                                                                      AppraisalRater.rater_employee_id)
            .where(AppraisalRater.appraisal_id.in_(appraisal_ids)).order_by(Employee.code)):
        out.setdefault(r.appraisal_id, []).append({
            "rater_employee_id": r.rater_employee_id, "rater_code": code, "rater_name": name,
            "relation": r.relation, "weight": r.weight, "score": r.score, "submitted_at": r.submitted_at})
    return out


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
             "grade": a.grade, "score_360": a.score_360, "comment": a.comment}
            for a, code, name, cname in ctx.session.execute(stmt)]


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
    rows = _rows(ctx, where)
    raters = _raters(ctx, [r["appraisal_id"] for r in rows])
    for r in rows:
        r["raters"] = raters.get(r["appraisal_id"], [])
        # the score calibration starts from: the 360° score once the manager and every rater have scored
        ready = r["manager_score"] is not None and all(x["score"] is not None for x in r["raters"])
        r["suggested_score"] = r["score_360"] or (
            score_360(r["manager_score"], [(x["weight"], x["score"]) for x in r["raters"]])
            if ready and r["raters"] else r["manager_score"])
    head = _cycle_row(c)
    total = len(ctx.session.execute(select(Appraisal.id).where(Appraisal.cycle_id == c.id)).all())
    graded = [g for (g,) in ctx.session.execute(select(Appraisal.grade).where(Appraisal.cycle_id == c.id)).all()]
    distribution = [{"grade": g, "count": sum(1 for x in graded if x == g),
                     "share": head["quotas"].get(g), "places": quota_places(head["quotas"][g], total)
                     if g in head["quotas"] else None} for g, _v in head["grades"]]
    return {**head, "appraisals": rows, "total": total, "distribution": distribution}


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


@query("hr.appraisal.own", zh="查看本人绩效", en="View own appraisals")
def appraisals_to_rate(ctx: Context) -> list[dict[str, Any]]:
    """360°: the colleagues' appraisals the actor was asked to score (open cycles, not yet calibrated), with the
    cycle's KPIs and the actor's scores so far."""
    if ctx.actor.user_id is None:
        return []
    emp_ids = list(ctx.session.execute(select(EmployeeProfile.employee_id).where(
        EmployeeProfile.company_id == _company(ctx), EmployeeProfile.user_id == ctx.actor.user_id)).scalars())
    if not emp_ids:
        return []
    stmt = (select(AppraisalRater, Appraisal, AppraisalCycle, Employee.code, Employee.name)
            .join(Appraisal, Appraisal.id == AppraisalRater.appraisal_id)
            .join(AppraisalCycle, AppraisalCycle.id == Appraisal.cycle_id)
            .join(Employee, Employee.id == Appraisal.employee_id)
            .where(AppraisalRater.rater_employee_id.in_(emp_ids), AppraisalCycle.status == "open",
                   Appraisal.status != "done").order_by(AppraisalCycle.id.desc(), Employee.code))
    return [{"appraisal_id": a.id, "cycle": c.name, "employee_code": code, "employee_name": name,
             "relation": r.relation, "kpis": json.loads(c.kpis_json),
             "scores": [Decimal(x) for x in json.loads(r.scores_json or "[]")], "score": r.score}
            for r, a, c, code, name in ctx.session.execute(stmt)]
