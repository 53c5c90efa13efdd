"""Appraisal, third part (issue #14): 360° reviews (raters with weights besides the manager) and forced
distribution (强制分布: grade quotas per cycle, checked at calibration with a message naming the quota)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from erp_core.hr.appraisal import queries as aq
from erp_core.hr.appraisal import services as ap
from erp_core.hr.appraisal.rules import quota_places, quota_problems, score_360
from erp_core.hr.employees import services as hr
from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from erp_core.masterdata import employees_services as emps
from erp_core.security import user_services
from tests.hr.support import build

BAD = (ValidationError, ValidationErrors)


def test_360_score_and_quota_places_by_hand():
    # manager 90 keeps 1 - 0.3 - 0.2 = 0.5: 45 + 76 x 0.3 (22.8) + 80 x 0.2 (16) = 83.80
    assert score_360(D(90), [(D("0.3"), D(76)), (D("0.2"), D(80))]) == D("83.80")
    assert score_360(D("77.77"), []) == D("77.77")
    assert [quota_places(D("0.2"), n) for n in (1, 2, 3, 7, 10, 12)] == [0, 0, 1, 1, 2, 2]
    assert quota_problems({"A": D("0.2"), "B": D("0.5")}, ["A", "A", "A", "B", None], 10) == [("A", 2, 3)]


@pytest.fixture
def env(db, company):
    e = build(db, company)
    for i in range(3, 11):  # ten employees in all
        code = f"E{i:03d}"
        e.employees[code] = emps.create_employee(db, e.admin, values={
            "code": code, "name": f"员工{i}", "department": "ADM", "hire_date": dt.date(2020, 3, 1)})
    return e


def _actor(db, env, code):
    username = f"rater.{code.lower()}"
    uid = user_services.create_user(db, env.admin, username=username, display_name=code, password="Rater-Pass-1!")
    hr.save_profile(db, env.admin, employee_id=env.employees[code], values={"user_id": uid})
    return Actor(user_id=uid, username=username, company_id=env.company_id,
                 grants=MappingProxyType({"hr.appraisal.self": Scope.ALL, "hr.appraisal.own": Scope.ALL}))


def _cycle(db, env, **kw):
    tpl = ap.save_appraisal_template(db, env.admin, code="GEN", name="通用",
                                     kpis=[{"name": "业绩", "weight": "0.6"}, {"name": "协作", "weight": "0.4"}])
    cycle = ap.open_appraisal_cycle(db, env.admin, template_id=tpl, name="2026Q1", kind="quarterly",
                                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), **kw)
    rows = {r["employee_code"]: r["appraisal_id"]
            for r in aq.cycle_appraisals(db, env.admin, cycle_id=cycle)["appraisals"]}
    return cycle, rows


def test_360_raters_score_and_the_weighted_result_is_the_calibrated_score(db, env):
    cycle, rows = _cycle(db, env)
    a1 = rows["E001"]
    e2, e3 = env.employees["E002"], env.employees["E003"]
    with pytest.raises(BAD):  # the raters' weights must leave the manager a share
        ap.set_appraisal_raters(db, env.admin, appraisal_id=a1, raters=[
            {"employee_id": e2, "relation": "peer", "weight": "0.6"},
            {"employee_id": e3, "relation": "subordinate", "weight": "0.4"}])
    with pytest.raises(BAD):  # nobody rates themselves
        ap.set_appraisal_raters(db, env.admin, appraisal_id=a1, raters=[
            {"employee_id": env.employees["E001"], "relation": "peer", "weight": "0.3"}])
    assert ap.set_appraisal_raters(db, env.admin, appraisal_id=a1, raters=[
        {"employee_id": e2, "relation": "peer", "weight": "0.3"},
        {"employee_id": e3, "relation": "subordinate", "weight": "0.2"}]) == 2
    peer, sub, me = _actor(db, env, "E002"), _actor(db, env, "E003"), _actor(db, env, "E001")
    assert [t["employee_code"] for t in aq.appraisals_to_rate(db, peer)] == ["E001"]
    assert ap.submit_rater_review(db, peer, appraisal_id=a1, scores=[80, 70]) == D("76.00")
    with pytest.raises(PermissionDenied):  # not an invited rater of this appraisal
        ap.submit_rater_review(db, me, appraisal_id=a1, scores=[100, 100])
    with pytest.raises(PermissionDenied):
        ap.submit_rater_review(db, peer, appraisal_id=rows["E004"], scores=[100, 100])
    ap.submit_manager_review(db, env.admin, appraisal_id=a1, scores=[90, 90], skip_self=True)
    with pytest.raises(Conflict) as e:  # the subordinate has not scored yet
        ap.calibrate_appraisal(db, env.admin, appraisal_id=a1)
    assert e.value.message_id == "error.hr3.raters_pending" and e.value.params["count"] == 1
    assert ap.submit_rater_review(db, sub, appraisal_id=a1, scores=[100, 50]) == D("80.00")
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=a1) == "B"
    row = {r["employee_code"]: r for r in aq.cycle_appraisals(db, env.admin, cycle_id=cycle)["appraisals"]}["E001"]
    assert (row["manager_score"], row["score_360"], row["final_score"], row["grade"]) == (
        D(90), D("83.80"), D("83.80"), "B")
    assert {(r["rater_code"], r["relation"], r["weight"], r["score"]) for r in row["raters"]} == {
        ("E002", "peer", D("0.3"), D("76.00")), ("E003", "subordinate", D("0.2"), D("80.00"))}
    assert aq.appraisals_to_rate(db, peer) == []
    with pytest.raises(Conflict):  # calibrated: the raters are fixed
        ap.submit_rater_review(db, peer, appraisal_id=a1, scores=[10, 10])


def test_forced_distribution_refuses_a_grade_over_its_quota_at_calibration(db, env):
    with pytest.raises(BAD):  # a grade the cycle does not have
        _cycle(db, env, quotas={"S": "0.1"})
    cycle, rows = _cycle(db, env, quotas={"A": "0.2", "B": "0.3"}, pay_item_code="performance_pay",
                         pay_amounts={"A": "1000"})
    codes = sorted(rows)
    for code in codes:
        ap.submit_manager_review(db, env.admin, appraisal_id=rows[code], scores=[95, 95], skip_self=True)
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=rows[codes[0]]) == "A"
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=rows[codes[1]]) == "A"
    with pytest.raises(Conflict) as e:  # 20 % of 10 = 2 places, both taken
        ap.calibrate_appraisal(db, env.admin, appraisal_id=rows[codes[2]])
    assert e.value.message_id == "error.hr3.grade_quota"
    assert {k: e.value.params[k] for k in ("grade", "places", "count", "total")} == {
        "grade": "A", "places": 2, "count": 2, "total": 10}
    assert ap.calibrate_appraisal(db, env.admin, appraisal_id=rows[codes[2]], final_score="85") == "B"
    dist = {d["grade"]: d for d in aq.cycle_appraisals(db, env.admin, cycle_id=cycle)["distribution"]}
    assert (dist["A"]["count"], dist["A"]["places"], dist["B"]["count"], dist["B"]["places"]) == (2, 2, 1, 3)
    assert dist["C"]["places"] is None
    # the quota tightened after calibration: the cycle cannot feed pay until the grades fit again
    for code in codes[3:]:
        ap.calibrate_appraisal(db, env.admin, appraisal_id=rows[code], final_score="75")
    ap.set_grade_quotas(db, env.admin, cycle_id=cycle, quotas={"A": "0.1"})
    with pytest.raises(Conflict) as e:
        ap.apply_appraisal_to_payroll(db, env.admin, cycle_id=cycle, period="2026-04")
    assert e.value.message_id == "error.hr3.grade_quota" and e.value.params["grade"] == "A"
    with pytest.raises(BAD):
        ap.set_grade_quotas(db, env.admin, cycle_id=cycle, quotas={"A": "1.5"})
