"""Access examples for HR and payroll (erp_core/hr): employee files, payroll setup, pay, payroll runs."""

import datetime as dt
from decimal import Decimal

from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.masterdata import employees_services as emps
from tests.access.examples import example

EMP = "erp_core.hr.employees."
PAY = "erp_core.hr.payroll."


def _employee(env) -> int:
    """One employee with a salary (made once per company), and the payroll defaults."""
    if "hr_emp" not in env.cache:
        env.call(pay.load_payroll_defaults)
        code = env.unique("HR")
        eid = env.call(emps.create_employee, values={"code": code, "name": code, "hire_date": dt.date(2025, 1, 1)})
        env.call(hr.save_profile, employee_id=eid, values={"insurance_city": "长沙"})
        env.call(pay.set_salary, employee_id=eid, item_code="base_salary", effective_from=dt.date(2025, 1, 1),
                 amount=Decimal(8000))
        env.cache["hr_emp"] = eid
    return env.cache["hr_emp"]


def _period(env) -> str:
    n = env.cache.get("hr_period", 0) + 1
    env.cache["hr_period"] = n
    return f"2026-{n:02d}"


def _run(env, *, approve=False, post=False) -> int:
    _employee(env)
    run_id = env.call(pay.create_payroll_run, period=_period(env))
    if approve or post:
        env.call(pay.approve_payroll_run, run_id=run_id)
    if post:
        env.call(pay.post_payroll_run, run_id=run_id)
    return run_id


@example(EMP + "services.save_profile")
def _(env):
    return {"employee_id": _employee(env), "values": {"education": "本科", "id_number": "11010519491231002X"}}


@example(EMP + "services.record_status_change")
def _(env):
    return {"employee_id": _employee(env), "kind": "regularize", "effective_date": dt.date(2025, 4, 1)}


@example(EMP + "queries.list_profiles")
def _(env):
    return {}


@example(EMP + "queries.employee_file")
def _(env):
    return {"employee_id": _employee(env), "as_of": dt.date(2025, 6, 1)}


@example(PAY + "services.load_payroll_defaults")
def _(env):
    return {"cities": ["北京"]}


@example(PAY + "services.save_payroll_item")
def _(env):
    return {"code": env.unique("item_"), "name_zh": "交通补贴", "name_en": "Transport", "kind": "earning"}


@example(PAY + "services.save_insurance_rate")
def _(env):
    return {"city": "深圳", "effective_from": dt.date(2026, 1, 1), "risk": "pension", "base_min": "4000",
            "base_max": "20000", "employer_rate": "0.15", "employee_rate": "0.08"}


@example(PAY + "services.set_salary")
def _(env):
    return {"employee_id": _employee(env), "item_code": "position_allowance", "effective_from": dt.date(2025, 1, 1),
            "amount": "500"}


@example(PAY + "services.set_payroll_input")
def _(env):
    return {"employee_id": _employee(env), "period": "2027-01", "item_code": "overtime_pay", "amount": "300"}


@example(PAY + "services.create_payroll_run")
def _(env):
    _employee(env)
    return {"period": _period(env)}


@example(PAY + "services.recompute_payroll_run")
def _(env):
    run_id = _run(env)
    return {"run_id": run_id, "version": env.call(pq.run_detail, run_id=run_id)["version"]}


@example(PAY + "services.submit_payroll_run", PAY + "services.approve_payroll_run", PAY + "queries.run_detail",
         PAY + "queries.bank_transfer_rows", PAY + "queries.iit_declaration_rows")
def _(env):
    return {"run_id": _run(env)}


@example(PAY + "services.post_payroll_run")
def _(env):
    return {"run_id": _run(env, approve=True)}


@example(PAY + "services.reverse_payroll_run")
def _(env):
    return {"run_id": _run(env, post=True)}


@example(PAY + "queries.list_runs", PAY + "queries.my_payslips", PAY + "queries.payroll_setup")
def _(env):
    return {}


@example(PAY + "queries.payroll_report", PAY + "queries.insurance_report")
def _(env):
    return {"period": "2026-01"}


@example(PAY + "import_services.import_payroll_inputs")
def _(env):
    from erp_core.io.reading import Table

    _employee(env)
    with env.db.uow(readonly=True) as uow:
        from erp_core.masterdata.models_employees import Employee

        code = uow.session.get(Employee, env.cache["hr_emp"]).code
    return {"table": Table(["employee_code", "period", "item_code", "amount"], [[code, "2027-02", "overtime_pay", "88"]],
                           "inputs.csv")}


ATT = "erp_core.hr.attendance."


@example(ATT + "services.set_calendar_day")
def _(env):
    return {"day": dt.date(2026, 5, 1), "kind": "holiday", "name": "劳动节"}


@example(ATT + "services.load_holidays")
def _(env):
    return {"year": 2026}


@example(ATT + "services.set_shift")
def _(env):
    return {"start_time": dt.time(8, 30), "end_time": dt.time(17, 30), "grace_minutes": 5}


@example(ATT + "services.map_device_pin")
def _(env):
    return {"pin": env.unique("PIN"), "employee_id": _employee(env)}


def _emp_code(env) -> str:
    from erp_core.masterdata.models_employees import Employee

    with env.db.uow(readonly=True) as uow:
        return uow.session.get(Employee, _employee(env)).code


@example(ATT + "services.import_punches")
def _(env):
    return {"fmt": "zktime", "content": f"USERID,CHECKTIME,CHECKTYPE\n{_emp_code(env)},2026-03-02 08:59:00,I\n"}


@example(ATT + "services.correct_punch")
def _(env):
    n = env.cache.get("hr_punch", 0) + 1
    env.cache["hr_punch"] = n
    return {"employee_id": _employee(env), "punched_at": dt.datetime(2026, 4, n, 18, 0), "reason": "忘记打卡"}


@example(ATT + "services.save_leave_kind")
def _(env):
    return {"code": env.unique("lk"), "name_zh": "探亲假", "name_en": "Home leave", "pay_ratio": "1",
            "annual_days": "10"}


@example(ATT + "services.request_leave")
def _(env):
    n = env.cache.get("hr_leave", 0) + 1
    env.cache["hr_leave"] = n
    day = dt.date(2027, 6, 1) + dt.timedelta(days=7 * n)
    return {"employee_id": _employee(env), "kind_code": "personal", "start_date": day, "end_date": day}


@example(ATT + "services.cancel_leave")
def _(env):
    from erp_core.hr.attendance import services as att

    return {"request_id": env.call(att.request_leave, employee_id=_employee(env), kind_code="sick",
                                   start_date=dt.date(2027, 9, 1), end_date=dt.date(2027, 9, 1))}


@example(ATT + "services.apply_attendance_to_pay")
def _(env):
    _employee(env)
    return {"period": "2027-03"}


@example(ATT + "queries.attendance_summary")
def _(env):
    return {"period": "2026-03"}


@example(ATT + "queries.punches")
def _(env):
    return {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}


@example(ATT + "queries.leave_requests", ATT + "queries.leave_balances", ATT + "queries.calendar_days")
def _(env):
    return {"year": 2027}


@example("erp_core.hr.dashboard_queries.hr_dashboard")
def _(env):
    return {"year": 2026, "month": 3}


@example("erp_core.hr.dashboard_queries.dashboard_stamp")
def _(env):
    return {}


@example(PAY + "services.pay_payroll_run")
def _(env):
    from sqlalchemy import select

    from erp_core.finance.models import Account

    run_id = _run(env, post=True)
    with env.db.uow(readonly=True) as uow:  # a bank leaf (other examples may have opened sub-accounts of 1002)
        codes = set(uow.session.execute(select(Account.code).where(Account.company_id == env.company_id,
                                                                   Account.code.like("1002%"))).scalars())
    leaf = sorted(c for c in codes if not any(o != c and o.startswith(c) for o in codes))[0]
    return {"run_id": run_id, "pay_date": env.call(pq.run_detail, run_id=run_id)["doc_date"] + dt.timedelta(days=10),
            "bank_account_code": leaf}


# ---- issue #14, second part: supplementary runs, paying contributions and tax, appraisal ----------------------

@example(PAY + "services.create_supplementary_run")
def _(env):
    run_id = _run(env, approve=True)
    period = env.call(pq.run_detail, run_id=run_id)["period"]
    return {"period": period, "lines": [{"employee_id": _employee(env), "item_code": "performance_pay",
                                         "amount": "500"}]}


@example(PAY + "services.remit_payroll")
def _(env):
    from sqlalchemy import select

    from erp_core.finance.models import Account

    run_id = _run(env, post=True)
    detail = env.call(pq.run_detail, run_id=run_id)
    with env.db.uow(readonly=True) as uow:  # a bank leaf (other examples may have opened sub-accounts of 1002)
        codes = set(uow.session.execute(select(Account.code).where(Account.company_id == env.company_id,
                                                                   Account.code.like("1002%"))).scalars())
    leaf = sorted(c for c in codes if not any(o != c and o.startswith(c) for o in codes))[0]
    return {"period": detail["period"], "kind": "social", "pay_date": detail["doc_date"] + dt.timedelta(days=15),
            "bank_account_code": leaf}


@example(PAY + "queries.remittance_status")
def _(env):
    return {"period": "2026-01"}


APR = "erp_core.hr.appraisal."


def _cycle(env) -> int:
    from erp_core.hr.appraisal import services as ap

    _employee(env)
    tpl = env.call(ap.save_appraisal_template, code=env.unique("T"), name="通用",
                   kpis=[{"name": "工作质量", "weight": "0.5"}, {"name": "工作态度", "weight": "0.5"}])
    return env.call(ap.open_appraisal_cycle, template_id=tpl, name=env.unique("考核"), kind="monthly",
                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                    pay_item_code="performance_pay", pay_amounts={"A": "1000"})


def _appraisal_of(env, cycle_id: int) -> int:
    from erp_core.hr.appraisal import queries as aq

    return env.call(aq.cycle_appraisals, cycle_id=cycle_id)["appraisals"][0]["appraisal_id"]


@example(APR + "services.save_appraisal_template")
def _(env):
    return {"code": env.unique("T"), "name": "销售岗", "kpis": [{"name": "销售额", "weight": "1"}]}


@example(APR + "services.open_appraisal_cycle")
def _(env):
    from erp_core.hr.appraisal import services as ap

    tpl = env.call(ap.save_appraisal_template, code=env.unique("T"), name="通用",
                   kpis=[{"name": "工作质量", "weight": "1"}])
    return {"template_id": tpl, "name": "2026Q1", "kind": "quarterly", "period_start": dt.date(2026, 1, 1),
            "period_end": dt.date(2026, 3, 31)}


@example(APR + "services.submit_self_review")
def _(env):
    from types import MappingProxyType

    from erp_core.kernel.actor import Actor, Scope
    from erp_core.security import user_services

    cycle = _cycle(env)
    username = env.unique("apr.")
    uid = env.call(user_services.create_user, username=username, display_name="自评", password="Self-Review-1!")
    env.call(hr.save_profile, employee_id=_employee(env), values={"user_id": uid})
    actor = Actor(user_id=uid, username=username, company_id=env.company_id,
                  grants=MappingProxyType({"hr.appraisal.self": Scope.ALL}))
    return {"__actor__": actor, "appraisal_id": _appraisal_of(env, cycle), "scores": [90, 80]}


@example(APR + "services.submit_manager_review")
def _(env):
    return {"appraisal_id": _appraisal_of(env, _cycle(env)), "scores": [90, 80], "skip_self": True}


@example(APR + "services.calibrate_appraisal")
def _(env):
    from erp_core.hr.appraisal import services as ap

    a = _appraisal_of(env, _cycle(env))
    env.call(ap.submit_manager_review, appraisal_id=a, scores=[90, 80], skip_self=True)
    return {"appraisal_id": a, "final_score": "92"}


@example(APR + "services.apply_appraisal_to_payroll")
def _(env):
    from erp_core.hr.appraisal import queries as aq
    from erp_core.hr.appraisal import services as ap

    cycle = _cycle(env)
    for row in env.call(aq.cycle_appraisals, cycle_id=cycle)["appraisals"]:
        env.call(ap.submit_manager_review, appraisal_id=row["appraisal_id"], scores=[95, 95], skip_self=True)
        env.call(ap.calibrate_appraisal, appraisal_id=row["appraisal_id"])
    return {"cycle_id": cycle, "period": "2028-0" + str(1 + env.cache.setdefault("hr_apr_n", 0))}


@example(APR + "queries.appraisal_setup", APR + "queries.my_appraisals")
def _(env):
    return {}


@example(APR + "queries.cycle_appraisals")
def _(env):
    return {"cycle_id": _cycle(env)}
