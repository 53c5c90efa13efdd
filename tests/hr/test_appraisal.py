"""Performance appraisal (绩效考核): a template of weighted KPIs, a cycle, self review by the employee on their own
appraisal only, manager review, calibration to a grade, and the grade's 绩效工资 fed into the month's payroll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from erp_core.hr.appraisal import queries as aq
from erp_core.hr.appraisal import services as ap
from erp_core.hr.appraisal.rules import DEFAULT_GRADES, grade_of, weighted_score
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError
from erp_core.security import user_services
from tests.hr.support import build


def test_weighted_score_and_grades():
    assert weighted_score([D("0.6"), D("0.4")], [D(95), D(85)]) == D("91.00")
    assert weighted_score([D("0.3333"), D("0.6667")], [D(100), D(71)]) == D("80.67")
    bands = list(DEFAULT_GRADES)
    assert [grade_of(D(s), bands) for s in ("100", "90", "89.99", "80", "70", "60", "59.99", "0")] == [
        "A", "A", "B", "B", "C", "D", "E", "E"]


@pytest.fixture
def env(db, company):
    return build(db, company)


def _self_actor(db, env, code):
    """A user linked to employee ``code``'s file, holding only the self-review permission."""
    username = f"self.{code.lower()}"
    uid = user_services.create_user(db, env.admin, username=username, display_name=code, password="Self-Review-1!")
    hr.save_profile(db, env.admin, employee_id=env.employees[code], values={"user_id": uid})
    return Actor(user_id=uid, username=username, company_id=env.company_id,
                 grants=MappingProxyType({"hr.appraisal.self": Scope.ALL, "hr.appraisal.own": Scope.ALL}))


def test_cycle_from_self_review_to_performance_pay(db, env):
    with pytest.raises(ValidationError):  # the weights must add up to 1
        ap.save_appraisal_template(db, env.admin, code="SALES", name="销售岗位",
                                   kpis=[{"name": "销售额", "weight": "0.6"}, {"name": "回款", "weight": "0.3"}])
    tpl = ap.save_appraisal_template(db, env.admin, code="SALES", name="销售岗位",
                                     kpis=[{"name": "销售额达成", "weight": "0.6"}, {"name": "回款率", "weight": "0.4"}])
    cycle = ap.open_appraisal_cycle(db, env.admin, template_id=tpl, name="2026年3月绩效", kind="monthly",
                                    period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31),
                                    pay_item_code="performance_pay", pay_amounts={"A": "2000", "B": "1000"})
    rows = {r["employee_code"]: r for r in aq.cycle_appraisals(db, env.admin, cycle_id=cycle)["appraisals"]}
    assert set(rows) == {"E001", "E002"} and {r["status"] for r in rows.values()} == {"self_review"}
    me = _self_actor(db, env, "E001")
    other = _self_actor(db, env, "E002")
    a1, a2 = rows["E001"]["appraisal_id"], rows["E002"]["appraisal_id"]
    with pytest.raises(PermissionDenied):  # someone else's appraisal
        ap.submit_self_review(db, other, appraisal_id=a1, scores=[100, 100])
    with pytest.raises(ValidationError):  # one score per KPI, 0..100
        ap.submit_self_review(db, me, appraisal_id=a1, scores=[101, 90])
    assert ap.submit_self_review(db, me, appraisal_id=a1, scores=[90, 80], comment="超额完成") == D("86.00")
    assert [r["status"] for r in aq.my_appraisals(db, me)] == ["manager_review"]
    assert aq.my_appraisals(db, me)[0]["kpis"][0]["name"] == "销售额达成"
    with pytest.raises(Conflict):  # not twice
        ap.submit_self_review(db, me, appraisal_id=a1, scores=[90, 80])
    assert ap.submit_manager_review(db, env.admin, appraisal_id=a1, scores=[95, 85]) == D("91.00")
    ap.submit_self_review(db, other, appraisal_id=a2, scores=[70, 80])
    assert ap.submit_manager_review(db, env.admin, appraisal_id=a2, scores=[70, 80]) == D("74.00")
    with pytest.raises(Conflict):  # not every appraisal calibrated yet
        ap.apply_appraisal_to_payroll(db, env.admin, cycle_id=cycle, period="2026-03")
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=a1) == "A"
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=a2, final_score="81") == "B"  # 校准 raises it
    assert ap.apply_appraisal_to_payroll(db, env.admin, cycle_id=cycle, period="2026-03") == 2
    detail = aq.cycle_appraisals(db, env.admin, cycle_id=cycle)
    assert detail["status"] == "closed" and detail["applied_period"] == "2026-03"
    run = pay.create_payroll_run(db, env.admin, period="2026-03")
    slips = {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=run)["payslips"]}
    assert slips["E001"]["items"]["performance_pay"] == D(2000) and slips["E001"]["gross_pay"] == D(12000)
    assert slips["E002"]["items"]["performance_pay"] == D(1000) and slips["E002"]["gross_pay"] == D(31000)


def test_a_department_scoped_reviewer_reviews_their_department_only(db, env):
    tpl = ap.save_appraisal_template(db, env.admin, code="GEN", name="通用", kpis=[{"name": "质量", "weight": "1"}])
    cycle = ap.open_appraisal_cycle(db, env.admin, template_id=tpl, name="Q1", kind="quarterly",
                                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31))
    rows = {r["employee_code"]: r["appraisal_id"] for r in aq.cycle_appraisals(db, env.admin, cycle_id=cycle)[
        "appraisals"]}
    lead = Actor(user_id=None, username="sales.lead", company_id=env.company_id,
                 department_ids=frozenset({env.departments["SAL"]}),
                 grants=MappingProxyType({"hr.appraisal.review": Scope.DEPARTMENT,
                                          "hr.appraisal.read": Scope.DEPARTMENT}))
    seen = aq.cycle_appraisals(db, lead, cycle_id=cycle)["appraisals"]
    assert [r["employee_code"] for r in seen] == ["E002"]  # SAL only
    assert ap.submit_manager_review(db, lead, appraisal_id=rows["E002"], scores=[88], skip_self=True) == D(88)
    with pytest.raises(PermissionDenied):  # E001 is in ADM
        ap.submit_manager_review(db, lead, appraisal_id=rows["E001"], scores=[88], skip_self=True)
