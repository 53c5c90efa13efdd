"""Use cases of performance appraisal (绩效考核): templates, cycles, self review (the employee, on their own
appraisal only), manager review, calibration (final score and grade), and feeding the grades into a payroll
item (绩效工资) of a month as that month's payroll inputs."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.hr.appraisal.models import (
    CYCLE_KINDS,
    RATER_RELATIONS,
    Appraisal,
    AppraisalCycle,
    AppraisalRater,
    AppraisalTemplate,
)
from erp_core.hr.appraisal.rules import (
    DEFAULT_GRADES,
    clean_scores,
    grade_of,
    quota_places,
    quota_problems,
    score_360,
    weighted_score,
)
from erp_core.hr.employees.models import EmployeeProfile
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.masterdata.models_employees import Employee
from erp_core.usecase import Context, use_case

F_KPIS = "field.hr2.kpis"
F_SCORES = "field.hr2.scores"


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _weights(kpis_json: str) -> list[Decimal]:
    return [Decimal(k["weight"]) for k in json.loads(kpis_json or "[]")]


@use_case("hr.appraisal.setup", zh="设置考核模板与周期", en="Set up appraisals")
def save_appraisal_template(ctx: Context, *, code: str, name: str, kpis: list[dict[str, Any]]) -> int:
    """A template of KPIs (name, weight; the weights add up to 1, e.g. 0.6 + 0.4), added or changed by code."""
    problems: list[ValidationError] = []
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 40:
        problems.append(ValidationError("error.required", field="field.hr2.template_code"))
    if not name or len(name) > 100:
        problems.append(ValidationError("error.required", field="field.hr2.template_name"))
    clean = []
    try:
        for k in kpis or []:
            w = to_decimal(k["weight"])
            kname = str(k["name"]).strip()
            if not kname or not (0 < w <= 1) or w != w.quantize(Decimal("0.0001")):
                raise ValueError
            clean.append({"name": kname[:100], "weight": str(w + 0)})
    except (KeyError, TypeError, ValueError, ArithmeticError):
        clean = []
    if not clean or sum((Decimal(k["weight"]) for k in clean), Decimal(0)) != 1:
        problems.append(ValidationError("error.hr2.kpi_weights", field=F_KPIS))
    raise_if(problems)
    row = ctx.session.execute(select(AppraisalTemplate).where(
        AppraisalTemplate.company_id == _company(ctx), AppraisalTemplate.code == code)).scalar_one_or_none()
    if row is None:
        row = AppraisalTemplate(company_id=_company(ctx), code=code, name=name, kpis_json="[]", active=True)
        ctx.session.add(row)
    ctx.diff(row, name=name, kpis_json=json.dumps(clean, ensure_ascii=False))
    ctx.session.flush()
    ctx.audit("hr_appraisal_template", row.id, code=code, kpis=len(clean))
    return row.id


def _grades(grades: Any) -> list[list[str]]:
    rows = [(g, to_decimal(v)) for g, v in (grades or DEFAULT_GRADES)]
    if not rows or any(not g or len(str(g)) > 4 or not (0 <= v <= 100) for g, v in rows) or min(
            v for _g, v in rows) != 0 or len({g for g, _v in rows}) != len(rows):
        raise ValueError
    return [[str(g), str(v)] for g, v in sorted(rows, key=lambda r: -r[1])]


@use_case("hr.appraisal.setup", zh="设置考核模板与周期", en="Set up appraisals")
def open_appraisal_cycle(ctx: Context, *, template_id: int, name: str, kind: str, period_start: dt.date,
                         period_end: dt.date, grades: list[tuple[str, Any]] | None = None,
                         pay_item_code: str | None = None, pay_amounts: dict[str, Any] | None = None,
                         quotas: dict[str, Any] | None = None) -> int:
    """Open a cycle of ``template_id`` over a period: one appraisal (状态 员工自评) per active employee hired by
    the period's end. ``grades``: (grade, lowest score) bands, default A 90 / B 80 / C 70 / D 60 / E 0;
    ``pay_item_code`` + ``pay_amounts`` (grade -> amount): what each grade pays as that payroll item;
    ``quotas`` (强制分布, grade -> largest share, e.g. {"A": "0.2"}): checked at calibration."""
    from erp_core.hr.payroll.models import PayrollItem

    tpl = ctx.session.get(AppraisalTemplate, template_id)
    if tpl is None or tpl.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal_template", id=template_id)
    problems: list[ValidationError] = []
    if not (name or "").strip():
        problems.append(ValidationError("error.required", field="field.hr2.cycle_name"))
    if kind not in CYCLE_KINDS:
        problems.append(ValidationError("error.hr.choice", field="field.hr2.cycle_kind", value=str(kind)))
    if not (isinstance(period_start, dt.date) and isinstance(period_end, dt.date) and period_start <= period_end):
        problems.append(ValidationError("error.hr2.cycle_dates", field="field.hr2.period_end"))
    try:
        bands = _grades(grades)
    except (TypeError, ValueError, ArithmeticError):
        bands = []
        problems.append(ValidationError("error.hr2.grades", field="field.hr2.grades"))
    amounts: dict[str, str] = {}
    if pay_item_code:
        kind_of = ctx.session.execute(select(PayrollItem.kind).where(
            PayrollItem.company_id == _company(ctx), PayrollItem.code == pay_item_code)).scalar()
        if kind_of != "earning":
            problems.append(ValidationError("error.hr.unknown_item", field="field.hr.item_code", code=pay_item_code))
        for g, v in (pay_amounts or {}).items():
            try:
                d = to_decimal(v)
                if d < 0 or d != d.quantize(FEN) or g not in {b[0] for b in bands}:
                    raise ValueError
                amounts[g] = str(d + 0)
            except (TypeError, ValueError, ArithmeticError):
                problems.append(ValidationError("error.hr.amount", field="field.hr2.pay_amounts"))
                break
    clean_quotas = _quotas(quotas, {b[0] for b in bands}, problems)
    raise_if(problems)
    cycle = AppraisalCycle(company_id=_company(ctx), template_id=tpl.id, name=name.strip()[:100], kind=kind,
                           period_start=period_start, period_end=period_end, status="open",
                           kpis_json=tpl.kpis_json, grades_json=json.dumps(bands),
                           pay_item_code=pay_item_code or None, pay_amounts_json=json.dumps(amounts),
                           quotas_json=json.dumps(clean_quotas) if clean_quotas else None, created_by=ctx.actor.user_id, created_at=naive_utcnow())
    ctx.session.add(cycle)
    ctx.session.flush()
    emps = ctx.session.execute(select(Employee.id).where(
        Employee.company_id == _company(ctx), Employee.active.is_(True),
        (Employee.hire_date.is_(None)) | (Employee.hire_date <= period_end)).order_by(Employee.code)).scalars().all()
    ctx.session.add_all(Appraisal(company_id=_company(ctx), cycle_id=cycle.id, employee_id=e, status="self_review",
                                  self_scores_json="[]", manager_scores_json="[]", comment="") for e in emps)
    ctx.session.flush()
    ctx.audit("hr_appraisal_cycle", cycle.id, name=cycle.name, employees=len(emps))
    return cycle.id


def _appraisal(ctx: Context, appraisal_id: int, state: str, *,
               scoped: bool = False) -> tuple[Appraisal, AppraisalCycle]:
    """The appraisal at ``state`` in an open cycle; ``scoped``: the actor's row scope must reach the employee's
    department (a department-scoped reviewer reviews their own department only)."""
    from erp_core.security.scope import may_touch

    a = ctx.session.get(Appraisal, appraisal_id, with_for_update=True)
    if a is None or a.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal", id=appraisal_id)
    if scoped:
        dep = ctx.session.execute(select(Employee.department_id).where(Employee.id == a.employee_id)).scalar()
        if not may_touch(ctx, company_id=a.company_id, department_id=dep):
            raise PermissionDenied(permission=ctx.permission)
    cycle = ctx.session.get(AppraisalCycle, a.cycle_id)
    if a.status != state or cycle.status != "open":
        raise Conflict("error.hr2.appraisal_state", state=a.status)
    return a, cycle


def _scores(cycle: AppraisalCycle, raw: Any) -> tuple[list[Decimal], Decimal]:
    weights = _weights(cycle.kpis_json)
    scores = clean_scores(raw, len(weights))
    if scores is None:
        raise ValidationError("error.hr2.scores", field=F_SCORES, count=len(weights))
    return scores, weighted_score(weights, scores)


@use_case("hr.appraisal.self", zh="员工自评", en="Self review")
def submit_self_review(ctx: Context, *, appraisal_id: int, scores: list[Any], comment: str = "") -> Decimal:
    """The employee scores themselves, one score (0-100) per KPI, on their OWN appraisal (the employee file
    whose user account is the actor); it moves on to the manager. Returns the weighted self score."""
    a, cycle = _appraisal(ctx, appraisal_id, "self_review")
    owner = ctx.session.execute(select(EmployeeProfile.user_id).where(
        EmployeeProfile.employee_id == a.employee_id)).scalar()
    if owner is None or owner != ctx.actor.user_id:
        raise PermissionDenied(permission="hr.appraisal.self")
    scores, total = _scores(cycle, scores)
    ctx.diff(a, self_scores_json=json.dumps([str(s) for s in scores]), self_score=total,
             comment=(comment or "").strip()[:2000], status="manager_review")
    ctx.session.flush()
    ctx.audit("hr_appraisal", a.id, status=a.status, score=str(total))
    return total


@use_case("hr.appraisal.review", zh="上级评分", en="Manager review")
def submit_manager_review(ctx: Context, *, appraisal_id: int, scores: list[Any], skip_self: bool = False) -> Decimal:
    """The manager's score per KPI (after the self review; ``skip_self`` lets the manager score an appraisal
    whose employee has no user account). Moves it to calibration; returns the weighted score."""
    a, cycle = _appraisal(ctx, appraisal_id, "self_review" if skip_self else "manager_review", scoped=True)
    scores, total = _scores(cycle, scores)
    ctx.diff(a, manager_scores_json=json.dumps([str(s) for s in scores]), manager_score=total,
             reviewed_by=ctx.actor.user_id, status="calibration")
    ctx.session.flush()
    ctx.audit("hr_appraisal", a.id, status=a.status, score=str(total))
    return total


@use_case("hr.appraisal.calibrate", zh="绩效校准", en="Calibrate appraisal")
def calibrate_appraisal(ctx: Context, *, appraisal_id: int, final_score: Any = None, comment: str = "") -> str:
    """校准: the final score (the 360° score when the appraisal has raters — all must have scored — else the
    manager's, unless given) and its grade from the cycle's bands; the appraisal is done. Refused when the grade
    is over its 强制分布 quota (the calibrator gives a lower final score instead). Returns the grade."""
    a, cycle = _appraisal(ctx, appraisal_id, "calibration", scoped=True)
    raters = ctx.session.execute(select(AppraisalRater).where(AppraisalRater.appraisal_id == a.id)).scalars().all()
    pending = [r for r in raters if r.score is None]
    if pending:
        raise Conflict("error.hr3.raters_pending", count=len(pending))
    combined = score_360(a.manager_score, [(r.weight, r.score) for r in raters]) if raters else None
    default = combined if combined is not None else a.manager_score
    score = default if final_score in (None, "") else (clean_scores([final_score], 1) or [None])[0]
    if score is None:
        raise ValidationError("error.hr2.scores", field="field.hr2.final_score", count=1)
    grade = grade_of(score, [(g, Decimal(v)) for g, v in json.loads(cycle.grades_json)])
    _check_quota(ctx, cycle, grade, exclude=a.id)
    ctx.diff(a, final_score=score, grade=grade, calibrated_by=ctx.actor.user_id, status="done", score_360=combined,
             comment=(comment or a.comment or "").strip()[:2000])
    ctx.session.flush()
    ctx.audit("hr_appraisal", a.id, status="done", score=str(score), grade=grade)
    return grade


@use_case("hr.appraisal.apply", zh="绩效结果计入工资", en="Apply appraisal to pay")
def apply_appraisal_to_payroll(ctx: Context, *, cycle_id: int, period: str) -> int:
    """Write each done appraisal's grade amount as the cycle's payroll item (e.g. 绩效工资) of ``period`` (the
    month's payroll inputs; refused once that month's run is locked), and close the cycle. Every appraisal
    must be done. Returns how many inputs were written."""
    from erp_core.hr.payroll.services import _period, put_inputs

    cycle = ctx.session.get(AppraisalCycle, cycle_id, with_for_update=True)
    if cycle is None or cycle.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal_cycle", id=cycle_id)
    period = _period(period)
    if cycle.status != "open" or not cycle.pay_item_code:
        raise Conflict("error.hr2.cycle_not_applicable", name=cycle.name)
    rows = ctx.session.execute(select(Appraisal).where(Appraisal.cycle_id == cycle.id)).scalars().all()
    pending = [r for r in rows if r.status != "done"]
    if pending:
        raise Conflict("error.hr2.cycle_pending", count=len(pending))
    over = quota_problems(_cycle_quotas(cycle), [r.grade for r in rows], len(rows))
    if over:  # quotas changed after calibration
        grade, places, n = over[0]
        raise Conflict("error.hr3.grade_quota", grade=grade, share=_pct(_cycle_quotas(cycle)[grade]),
                       total=len(rows), places=places, count=n)
    amounts = json.loads(cycle.pay_amounts_json or "{}")
    inputs = [{"employee_id": r.employee_id, "period": period, "item_code": cycle.pay_item_code,
               "amount": Decimal(amounts[r.grade])} for r in rows if r.grade in amounts]
    n = put_inputs(ctx, inputs)
    ctx.diff(cycle, status="closed", applied_period=period)
    ctx.session.flush()
    ctx.audit("hr_appraisal_cycle", cycle.id, applied_period=period, inputs=n)
    return n


# ---- 360° raters and forced distribution (强制分布) -------------------------------------------------------------

def _pct(share: Decimal) -> str:
    return f"{share * 100:.4g}%"


def _cycle_quotas(cycle: AppraisalCycle) -> dict[str, Decimal]:
    return {g: Decimal(v) for g, v in json.loads(cycle.quotas_json or "{}").items()}


def _quotas(raw: Any, grades: set[str], problems: list[ValidationError]) -> dict[str, str]:
    """grade -> share (0 <= share <= 1, at most 4 decimals) of the cycle's own grades, else a problem."""
    out: dict[str, str] = {}
    try:
        for g, v in (raw or {}).items():
            d = to_decimal(v)
            if g not in grades or not (0 <= d <= 1) or d != d.quantize(Decimal("0.0001")):
                raise ValueError
            out[str(g)] = str(d + 0)
    except (AttributeError, TypeError, ValueError, ArithmeticError):
        problems.append(ValidationError("error.hr3.quotas", field="field.hr3.quotas"))
        return {}
    return out


def _check_quota(ctx: Context, cycle: AppraisalCycle, grade: str, *, exclude: int) -> None:
    """Refuse ``grade`` for one more appraisal of ``cycle`` when its quota is full (names the grade, the share,
    the cycle's headcount and the places taken)."""
    share = _cycle_quotas(cycle).get(grade)
    if share is None:
        return
    rows = ctx.session.execute(select(Appraisal.id, Appraisal.grade).where(Appraisal.cycle_id == cycle.id)).all()
    holders = sum(1 for i, g in rows if g == grade and i != exclude)
    places = quota_places(share, len(rows))
    if holders + 1 > places:
        raise Conflict("error.hr3.grade_quota", grade=grade, share=_pct(share), total=len(rows), places=places,
                       count=holders)


@use_case("hr.appraisal.setup", zh="设置考核模板与周期", en="Set up appraisals")
def set_grade_quotas(ctx: Context, *, cycle_id: int, quotas: dict[str, Any]) -> None:
    """强制分布 of an open cycle: grade -> the largest share of the cycle's appraisals it may hold (e.g. A 20 %,
    B 30 %); {} removes them. Checked at each calibration and again when the cycle is applied to pay."""
    cycle = ctx.session.get(AppraisalCycle, cycle_id, with_for_update=True)
    if cycle is None or cycle.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal_cycle", id=cycle_id)
    if cycle.status != "open":
        raise Conflict("error.hr2.cycle_not_applicable", name=cycle.name)
    problems: list[ValidationError] = []
    clean = _quotas(quotas, {g for g, _v in json.loads(cycle.grades_json)}, problems)
    raise_if(problems)
    ctx.diff(cycle, quotas_json=json.dumps(clean) if clean else None)
    ctx.session.flush()
    ctx.audit("hr_appraisal_cycle", cycle.id, quotas=clean)


@use_case("hr.appraisal.setup", zh="设置考核模板与周期", en="Set up appraisals")
def set_appraisal_raters(ctx: Context, *, appraisal_id: int, raters: list[dict[str, Any]]) -> int:
    """360°: the colleagues who score this appraisal besides the manager (employee_id, relation: peer /
    subordinate / superior / customer / other, weight). The weights add up to less than 1; the manager's score
    keeps the rest. Replaces the list before calibration (scores of raters kept in it stay). Returns how many."""
    a = ctx.session.get(Appraisal, appraisal_id, with_for_update=True)
    if a is None or a.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal", id=appraisal_id)
    cycle = ctx.session.get(AppraisalCycle, a.cycle_id)
    if a.status in ("calibration", "done") or cycle.status != "open":
        raise Conflict("error.hr2.appraisal_state", state=a.status)
    problems: list[ValidationError] = []
    clean: dict[int, tuple[str, Decimal]] = {}
    for n, r in enumerate(raters or [], start=1):
        try:
            emp = int(r["employee_id"])
            w = to_decimal(r["weight"])
            if not (0 < w < 1) or w != w.quantize(Decimal("0.0001")):
                raise ValueError
        except (KeyError, TypeError, ValueError, ArithmeticError):
            problems.append(ValidationError("error.hr3.rater_weight", field="field.hr3.rater_weight", line=n))
            continue
        found = ctx.session.get(Employee, emp)
        if found is None or found.company_id != _company(ctx) or emp == a.employee_id or emp in clean:
            problems.append(ValidationError("error.hr3.rater", field="field.hr3.rater", line=n))
            continue
        if r.get("relation") not in RATER_RELATIONS:
            problems.append(ValidationError("error.hr.choice", field="field.hr3.relation", value=str(r.get("relation"))))
            continue
        clean[emp] = (r["relation"], w + 0)
    if not problems and sum((w for _r, w in clean.values()), Decimal(0)) >= 1:
        problems.append(ValidationError("error.hr3.rater_weights", field="field.hr3.rater_weight"))
    raise_if(problems)
    have = {r.rater_employee_id: r for r in ctx.session.execute(select(AppraisalRater).where(
        AppraisalRater.appraisal_id == a.id)).scalars()}
    for emp, row in have.items():
        if emp not in clean:
            ctx.session.delete(row)
    for emp, (relation, weight) in clean.items():
        row = have.get(emp)
        if row is None:
            ctx.session.add(AppraisalRater(company_id=a.company_id, appraisal_id=a.id, rater_employee_id=emp,
                                           relation=relation, weight=weight, scores_json="[]"))
        else:
            row.relation, row.weight = relation, weight
    ctx.session.flush()
    ctx.audit("hr_appraisal", a.id, raters={str(e): str(w) for e, (_r, w) in clean.items()})
    return len(clean)


@use_case("hr.appraisal.self", zh="员工自评", en="Self review")
def submit_rater_review(ctx: Context, *, appraisal_id: int, scores: list[Any]) -> Decimal:
    """360°: an invited rater scores a colleague's appraisal, one score per KPI, until it is calibrated. The
    same grant as the self review (every employee may be asked); the check is that the actor's employee file
    is an invited rater of this appraisal. Returns the rater's weighted score."""
    a = ctx.session.get(Appraisal, appraisal_id)
    if a is None or a.company_id != _company(ctx):
        raise NotFound(entity="hr_appraisal", id=appraisal_id)
    me = ctx.session.execute(select(EmployeeProfile.employee_id).where(
        EmployeeProfile.company_id == a.company_id, EmployeeProfile.user_id == ctx.actor.user_id)).scalars().all()
    row = ctx.session.execute(select(AppraisalRater).where(
        AppraisalRater.appraisal_id == a.id, AppraisalRater.rater_employee_id.in_(me or [-1]))
        .with_for_update()).scalar_one_or_none() if ctx.actor.user_id is not None else None
    if row is None:
        raise PermissionDenied(permission="hr.appraisal.self")
    cycle = ctx.session.get(AppraisalCycle, a.cycle_id)
    if a.status == "done" or cycle.status != "open":
        raise Conflict("error.hr2.appraisal_state", state=a.status)
    clean, total = _scores(cycle, scores)
    row.scores_json, row.score, row.submitted_at = json.dumps([str(s) for s in clean]), total, naive_utcnow()
    ctx.session.flush()
    ctx.audit("hr_appraisal_rater", row.id, appraisal_id=a.id, score=str(total))
    return total
