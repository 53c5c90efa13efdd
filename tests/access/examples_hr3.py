"""Access examples for issue #14, third part (erp_core/hr): repaying pay a 补扣 took back, 360° raters and
forced distribution of appraisal grades."""

import datetime as dt

from erp_core.hr.appraisal import queries as aq
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from tests.access.examples import example
from tests.access.examples_hr import APR, PAY, _appraisal_of, _cycle, _employee


def _bank_leaf(env) -> str:
    from sqlalchemy import select

    from erp_core.finance.models import Account

    with env.db.uow(readonly=True) as uow:  # a bank leaf (other examples may have opened sub-accounts of 1002)
        codes = set(uow.session.execute(select(Account.code).where(Account.company_id == env.company_id,
                                                                   Account.code.like("1002%"))).scalars())
    return sorted(c for c in codes if not any(o != c and o.startswith(c) for o in codes))[0]


@example(PAY + "services.record_payroll_repayment")
def _(env):
    _employee(env)  # not a 2026 month: examples_hr.py hands those out one by one
    n = env.cache.get("hr3_period", 0) + 1
    env.cache["hr3_period"] = n
    period = f"2027-{13 - n:02d}"  # from December down: examples_hr.py takes 2027-01..03 for inputs
    run_id = env.call(pay.create_payroll_run, period=period)
    env.call(pay.approve_payroll_run, run_id=run_id)
    env.call(pay.post_payroll_run, run_id=run_id)
    sup = env.call(pay.create_supplementary_run, period=period, lines=[
        {"employee_id": _employee(env), "item_code": "absence_deduction", "amount": "-300"}])
    env.call(pay.approve_payroll_run, run_id=sup)
    env.call(pay.post_payroll_run, run_id=sup)
    doc_date = env.call(pq.run_detail, run_id=sup)["doc_date"]
    return {"employee_id": _employee(env), "amount": "100", "pay_date": doc_date + dt.timedelta(days=5),
            "bank_account_code": _bank_leaf(env)}


def _other_employee(env) -> int:
    from erp_core.masterdata import employees_services as emps

    if "hr3_rater" not in env.cache:
        code = env.unique("R")
        env.cache["hr3_rater"] = env.call(emps.create_employee, values={"code": code, "name": code,
                                                                         "hire_date": dt.date(2025, 1, 1)})
    return env.cache["hr3_rater"]


@example(APR + "services.set_appraisal_raters")
def _(env):
    return {"appraisal_id": _appraisal_of(env, _cycle(env)),
            "raters": [{"employee_id": _other_employee(env), "relation": "peer", "weight": "0.3"}]}


@example(APR + "services.set_grade_quotas")
def _(env):
    return {"cycle_id": _cycle(env), "quotas": {"A": "0.2"}}


@example(APR + "services.submit_rater_review")
def _(env):
    from types import MappingProxyType

    from erp_core.hr.appraisal import services as ap
    from erp_core.kernel.actor import Actor, Scope
    from erp_core.security import user_services

    cycle = _cycle(env)
    rater = _other_employee(env)
    appraisal = next(r["appraisal_id"] for r in env.call(aq.cycle_appraisals, cycle_id=cycle)["appraisals"]
                     if r["employee_id"] != rater)
    env.call(ap.set_appraisal_raters, appraisal_id=appraisal,
             raters=[{"employee_id": rater, "relation": "peer", "weight": "0.3"}])
    if "hr3_rater_user" not in env.cache:
        username = env.unique("rater.")
        uid = env.call(user_services.create_user, username=username, display_name="评价人",
                       password="Rater-Review-1!")
        env.call(hr.save_profile, employee_id=rater, values={"user_id": uid})
        env.cache["hr3_rater_user"] = (uid, username)
    uid, username = env.cache["hr3_rater_user"]
    actor = Actor(user_id=uid, username=username, company_id=env.company_id,
                  grants=MappingProxyType({"hr.appraisal.self": Scope.ALL}))
    return {"__actor__": actor, "appraisal_id": appraisal, "scores": [90, 80]}


@example(APR + "queries.appraisals_to_rate")
def _(env):
    return {}


@example(PAY + "queries.owed_back_rows")
def _(env):
    return {}
