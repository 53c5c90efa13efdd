"""Gaps closed by the issue #14 audit, on every backend: salary items computed by a formula over other items,
the employee file as of any date (before and after a 调岗, after 离职, a rehire), a leaver and rehire in one year
through the payroll run (months employed of both spells), leaving ends access in the same audited transaction
(and a refused leave writes nothing), 补卡 through the approvals engine."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from erp_core.hr.attendance import queries as aq
from erp_core.hr.attendance import services as att
from erp_core.hr.employees import queries as eq
from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import formula
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from tests.hr.support import build


@pytest.fixture
def env(db, company):
    return build(db, company=company)


def _slips(db, env, run_id):
    return {s["employee_code"]: s for s in pq.run_detail(db, env.admin, run_id=run_id)["payslips"]}


def _errors(exc) -> list[str]:
    e = exc.value
    return [x.message_id for x in e.errors] if isinstance(e, ValidationErrors) else [e.message_id]


# --- salary items from a formula over other items -------------------------------------------------------------

def test_formula_arithmetic_is_exact_and_refuses_anything_else():
    v = {"base_salary": D("8888.88"), "absence_deduction": D("-100")}
    assert formula.evaluate("base_salary * 0.1", v) == D("888.89")  # 888.888 half up
    assert formula.evaluate("max(0, 300 + absence_deduction)", v) == D("200.00")
    assert formula.evaluate("unknown_item + 1", v) == D("1.00")  # an item the employee lacks is 0
    for bad in ('__import__("os")', "base_salary ** 2", "a.b", "x if y else z", "'text'", "round(1)", ""):
        with pytest.raises(formula.FormulaError):
            formula.parse(bad)
    with pytest.raises(formula.FormulaError):
        formula.evaluate("1 / (base_salary - base_salary)", v)
    assert formula.order({"b": "a * 2", "a": "base_salary + 1"}) == ["a", "b"]
    with pytest.raises(formula.FormulaError):
        formula.order({"a": "b", "b": "a"})


def test_formula_item_in_the_payroll_run_and_an_input_overrides_it(db, env):
    # 绩效工资 = 20 % of the base; 岗位津贴 = 300 + 绩效工资 / 10 (a formula reading a formula)
    pay.save_payroll_item(db, env.admin, code="performance_pay", name_zh="绩效工资", name_en="Performance pay",
                          kind="earning", formula="base_salary * 0.2")
    pay.save_payroll_item(db, env.admin, code="position_allowance", name_zh="岗位津贴", name_en="Allowance",
                          kind="earning", formula="300 + performance_pay / 10")
    setup = {i["code"]: i for i in pq.payroll_setup(db, env.admin)["items"]}
    assert setup["performance_pay"]["formula"] == "base_salary * 0.2"
    pay.set_payroll_input(db, env.admin, employee_id=env.employees["E002"], period="2026-01",
                          item_code="performance_pay", amount=D(1000))  # entered for the month: wins
    s = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-01"))
    e1, e2 = s["E001"], s["E002"]
    assert e1["items"]["performance_pay"] == D(2000) and e1["items"]["position_allowance"] == D(500)
    assert e1["gross_pay"] == D(12500)  # 10,000 + 2,000 + 500
    # E001 (base 10,000, 社保 1,030 + 公积金 800, 住房贷款 1,000): taxable 12,500 - 5,000 - 1,830 - 1,000 = 4,670
    assert e1["cumulative_taxable"] == D(4670) and e1["iit_withheld"] == D("140.10")
    assert e2["items"]["performance_pay"] == D(1000) and e2["items"]["position_allowance"] == D(400)
    assert e2["gross_pay"] == D(31400)


def test_formula_refusals_name_the_field_and_write_nothing(db, env):
    def save(code, text):
        return pay.save_payroll_item(db, env.admin, code=code, name_zh=code, name_en=code, kind="earning",
                                     formula=text)

    with pytest.raises((ValidationError, ValidationErrors)) as err:
        save("bonus_x", "base_salary ** 2")
    assert _errors(err) == ["error.hr4.formula_syntax"] and err.value.field == "field.hr4.formula"
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        save("bonus_x", "no_such_item * 2")
    assert _errors(err) == ["error.hr4.formula_unknown_item"]
    save("bonus_x", "base_salary * 0.1")
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        save("bonus_y", "bonus_x + bonus_y")
    assert _errors(err) == ["error.hr4.formula_cycle"]
    save("bonus_y", "bonus_x + 1")
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        save("bonus_x", "bonus_y * 2")  # now a circle through bonus_y
    assert _errors(err) == ["error.hr4.formula_cycle"]
    items = {i["code"]: i for i in pq.payroll_setup(db, env.admin)["items"]}
    assert items["bonus_x"]["formula"] == "base_salary * 0.1" and items["bonus_y"]["formula"] == "bonus_x + 1"
    # a division by zero for one employee refuses the run, naming the employee; no run is written
    save("ratio", "1000 / (base_salary - 10000)")
    with pytest.raises(Conflict) as err:
        pay.create_payroll_run(db, env.admin, period="2026-01")
    assert err.value.message_id == "error.hr4.formula_failed" and err.value.params["employee"] == "E001"
    assert pq.list_runs(db, env.admin) == []
    save("ratio", "")  # back to a plain item
    assert pay.create_payroll_run(db, env.admin, period="2026-01")


# --- the employee as of any date ------------------------------------------------------------------------------

def test_employee_file_as_of_any_date(db, env):
    e1 = env.employees["E001"]
    adm, sal = env.departments["ADM"], env.departments["SAL"]
    hr.record_status_change(db, env.admin, employee_id=e1, kind="regularize", effective_date=dt.date(2020, 6, 1))
    hr.record_status_change(db, env.admin, employee_id=e1, kind="transfer", effective_date=dt.date(2026, 6, 1),
                            department_id=sal, position="销售经理")
    hr.record_status_change(db, env.admin, employee_id=e1, kind="leave", effective_date=dt.date(2026, 9, 30))

    def on(day):
        return eq.employee_file(db, env.admin, employee_id=e1, as_of=day)

    before = on(dt.date(2026, 3, 1))  # before the transfer: where the transfer moved them FROM
    assert (before["employed"], before["status_as_of"], before["department_id_as_of"], before["department_as_of"]) \
        == (True, "regular", adm, "管理部")
    probation = on(dt.date(2020, 4, 1))
    assert (probation["employed"], probation["status_as_of"]) == (True, "probation")
    after = on(dt.date(2026, 7, 1))
    assert (after["department_id_as_of"], after["position_as_of"], after["department_as_of"]) == (sal, "销售经理", "销售部")
    left = on(dt.date(2026, 10, 1))
    assert (left["employed"], left["status_as_of"]) == (False, "left")
    assert on(dt.date(2019, 1, 1))["status_as_of"] == "not_hired"
    assert on(dt.date(2026, 9, 30))["employed"] is True  # the last day counts
    assert [h["kind"] for h in left["history"]] == ["regularize", "transfer", "leave"]


# --- a leaver rehired in the same year, through the payroll ---------------------------------------------------

def test_leaver_and_rehire_in_one_year_through_the_payroll(db, env):
    e2 = env.employees["E002"]
    hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2026, 2, 28))
    for m in (1, 2):
        run = pay.create_payroll_run(db, env.admin, period=f"2026-{m:02d}")
        pay.approve_payroll_run(db, env.admin, run_id=run)
    mar = pay.create_payroll_run(db, env.admin, period="2026-03")
    assert "E002" not in _slips(db, env, mar)  # not employed in March
    pay.approve_payroll_run(db, env.admin, run_id=mar)
    hr.record_status_change(db, env.admin, employee_id=e2, kind="hire", effective_date=dt.date(2026, 4, 1))
    apr = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-04"))["E002"]
    # months employed here this year: Jan, Feb, Apr = 3 (March not); the year to date is Jan + Feb
    # taxable = 3 x (30,000 - 3,477) - 3 x 5,000 = 64,569 -> 64,569 x 10 % - 2,520 = 3,936.90
    # withheld Jan 645.69 + Feb 1,138.91 = 1,784.60 -> April 2,152.30
    assert apr["months_employed"] == 3 and apr["basic_deduction"] == D(15000)
    assert apr["cumulative_taxable"] == D(64569) and apr["iit_withheld"] == D("2152.30")


# --- leaving ends system access: same transaction, audited ----------------------------------------------------

def test_leaving_disables_the_user_audited_and_a_refusal_writes_nothing(db, env):
    from erp_core.security.models import AuditLog, User, UserSession
    from erp_core.security.user_services import create_user
    from tests.support.factories import actor

    uid = create_user(db, env.admin, username="lisi", display_name="李四", password="Ls-Very-Long-Pass-1!")
    e2 = env.employees["E002"]
    hr.save_profile(db, env.admin, employee_id=e2, values={"user_id": uid})
    # an HR clerk who may record status changes but not disable users, and the leaver is an administrator:
    # refused, and nothing is written (employee still active, no status row)
    from erp_core.security.models import Role, UserRole

    with db.uow() as uow:
        admin_role = uow.session.execute(select(Role.id).where(Role.company_id == env.company_id,
                                                               Role.code == "admin")).scalar_one()
        uow.session.add(UserRole(user_id=uid, role_id=admin_role))
        uow.commit()
    clerk = actor(env.company_id, {"hr.status.record": "all", "hr.profile.read": "all"}, user_id=None)
    with pytest.raises(Conflict) as err:
        hr.record_status_change(db, clerk, employee_id=e2, kind="leave", effective_date=dt.date(2026, 1, 20))
    assert err.value.message_id == "error.hr.leaver_is_admin"
    f = eq.employee_file(db, env.admin, employee_id=e2)
    assert f["active"] is True and f["history"] == []
    with db.uow(readonly=True) as uow:
        assert uow.session.get(User, uid).status == "active"
    # by the administrator: the employee leaves and the account is disabled, sessions ended, one audit record
    row_id = hr.record_status_change(db, env.admin, employee_id=e2, kind="leave", effective_date=dt.date(2026, 1, 20))
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert s.get(User, uid).status == "disabled"
        live = s.execute(select(UserSession).where(UserSession.user_id == uid,
                                                   UserSession.revoked_at.is_(None))).scalars().all()
        assert live == []
        outcome, details = s.execute(select(AuditLog.outcome, AuditLog.details).where(
            AuditLog.entity == "hr_status_change", AuditLog.entity_id == str(row_id))).one()
    assert outcome == "ok" and json.loads(details)["changes"]["user_disabled"] == uid


def test_a_partial_profile_save_keeps_the_id_number_and_bank_account(db, env):
    # found by the audit: saving only the user link (or the page's form with the masked fields left blank)
    # erased the ID number and the salary account
    hr.save_profile(db, env.admin, employee_id=env.employees["E001"], values={"education": "本科"})
    f = eq.employee_file(db, env.admin, employee_id=env.employees["E001"])
    assert (f["id_number"], f["bank_account"], f["education"]) == ("11010519491231002X", "6225880112345678", "本科")
    assert f["birth_date"] == dt.date(1949, 12, 31) and f["gender"] == "female"
    hr.save_profile(db, env.admin, employee_id=env.employees["E001"], values={"bank_account": ""})  # cleared on purpose
    assert eq.employee_file(db, env.admin, employee_id=env.employees["E001"])["bank_account"] is None


# --- 补卡 through the approvals engine ------------------------------------------------------------------------

def test_punch_correction_counts_once_approved_and_never_when_rejected(db, env):
    from erp_core.approvals import services as approvals
    from erp_core.approvals.queries import my_inbox
    from erp_core.security.user_services import create_user
    from tests.support.factories import actor

    e1 = env.employees["E001"]
    att.import_punches(db, env.admin, fmt="zkteco", content="E001\t2026-03-03 08:58:00\t0\t1\t0\t0\n"
                                                             "E001\t2026-03-04 08:59:00\t0\t1\t0\t0\n")

    def e1_row():
        return next(r for r in aq.attendance_summary(db, env.admin, period="2026-03") if r["employee_code"] == "E001")

    assert e1_row()["missing"] == ["2026-03-03", "2026-03-04"]
    boss_id = create_user(db, env.admin, username="boss", display_name="主管", password="B0ss-Password-77!")
    approvals.create_rule(db, env.admin, doc_type="punch_correction", condition="always", approver_user_id=boss_id,
                          level=1)
    att.correct_punch(db, env.admin, employee_id=e1, punched_at=dt.datetime(2026, 3, 3, 18, 0), reason="忘记打卡")
    att.correct_punch(db, env.admin, employee_id=e1, punched_at=dt.datetime(2026, 3, 4, 18, 0), reason="忘记打卡")
    assert e1_row()["missing"] == ["2026-03-03", "2026-03-04"]  # waiting: not counted
    assert [c["approval"] for c in aq.punch_corrections(db, env.admin, period="2026-03")] == ["pending", "pending"]
    boss = actor(env.company_id, {"approvals.request.decide": "all", "approvals.inbox.view": "all"},
                 user_id=boss_id, username="boss")
    reqs = sorted(my_inbox(db, boss), key=lambda r: r["doc_id"])
    assert approvals.approve(db, boss, request_id=reqs[0]["id"]) == "approved"
    assert approvals.reject(db, boss, request_id=reqs[1]["id"], comment="无证明") == "rejected"
    row = e1_row()
    assert row["missing"] == ["2026-03-04"] and row["worked"] == 1
    assert [c["approval"] for c in aq.punch_corrections(db, env.admin, period="2026-03")] == ["approved", "rejected"]


# --- IIT through the payroll run: relief, the bonus choice and the law's end date, the 60,000 rule ------------

def test_tax_relief_lowers_the_cumulative_tax_and_is_declared(db, env):
    e1 = env.employees["E001"]
    for m in (1, 2):
        pay.set_payroll_input(db, env.admin, employee_id=e1, period=f"2026-{m:02d}", item_code="tax_relief",
                              amount=D(30))
    jan = pay.create_payroll_run(db, env.admin, period="2026-01")
    pay.approve_payroll_run(db, env.admin, run_id=jan)
    assert _slips(db, env, jan)["E001"]["iit_withheld"] == D("35.10")  # 2,170 x 3 % = 65.10 - 30
    feb = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-02"))["E001"]
    # 4,340 x 3 % = 130.20 - YTD relief 60 - YTD withheld 35.10
    assert feb["cumulative_taxable"] == D(4340) and feb["iit_withheld"] == D("35.10")
    assert feb["gross_pay"] == D(10000)  # relief is not pay
    decl = {r["工号"]: r for r in pq.iit_declaration_rows(db, env.admin, run_id=jan)}
    assert decl["E001"]["减免税额"] == D(30) and decl["E002"]["减免税额"] == 0


def test_annual_bonus_merged_by_choice_and_after_the_laws_end_date(db, env):
    e1 = env.employees["E001"]
    hr.save_profile(db, env.admin, employee_id=e1, values={"bonus_method": "merged"})
    pay.set_payroll_input(db, env.admin, employee_id=e1, period="2026-01", item_code="annual_bonus", amount=D(36000))
    s = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-01"))["E001"]
    # merged: 2,170 + 36,000 = 38,170 x 10 % - 2,520 = 1,297.00 (separately it would be 65.10 + 1,080)
    assert not s["bonus_separate"] and s["cumulative_taxable"] == D(38170) and s["iit_withheld"] == D("1297.00")
    # the employee's choice is "separate", but 2023年第30号 ends 2027-12-31 (iit.toml): in 2028 the bonus merges
    hr.save_profile(db, env.admin, employee_id=e1, values={"bonus_method": "separate"})
    pay.set_payroll_input(db, env.admin, employee_id=e1, period="2028-01", item_code="annual_bonus", amount=D(36000))
    s28 = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2028-01"))["E001"]
    assert not s28["bonus_separate"] and s28["iit_bonus"] == 0 and s28["cumulative_taxable"] == D(38170)


def test_the_60000_rule_from_last_years_twelve_locked_months(db, env):
    from erp_core.masterdata import employees_services as emps

    e3 = emps.create_employee(db, env.admin, values={"code": "E003", "name": "王五", "department": "ADM",
                                                     "hire_date": dt.date(2020, 3, 1)})
    hr.save_profile(db, env.admin, employee_id=e3, values={"expense_kind": "admin"})  # no 社保 city
    pay.set_salary(db, env.admin, employee_id=e3, item_code="base_salary", effective_from=dt.date(2020, 3, 1),
                   amount=D(4800))
    for m in range(1, 13):  # 2025: E003 paid 12 x 4,800 = 57,600 <= 60,000; E001 and E002 far more
        run = pay.create_payroll_run(db, env.admin, period=f"2025-{m:02d}")
        pay.approve_payroll_run(db, env.admin, run_id=run)
    pay.set_payroll_input(db, env.admin, employee_id=e3, period="2026-01", item_code="base_salary", amount=D(20000))
    s = _slips(db, env, pay.create_payroll_run(db, env.admin, period="2026-01"))
    # E003: 60,000 deducted from January: 20,000 - 60,000 < 0 -> no tax; E001 keeps 5,000 a month
    assert s["E003"]["basic_deduction"] == D(60000) and s["E003"]["iit_withheld"] == 0
    assert s["E001"]["basic_deduction"] == D(5000) and s["E001"]["iit_withheld"] == D("65.10")


# --- employee file validation: ID checksum, bank account, contract dates, the 30-day contract alert ------------

def test_id_number_checksum_and_contract_alert_rules():
    from erp_core.hr.employees.rules import contract_alert, id_number_ok, mask

    assert id_number_ok("11010519491231002X") and id_number_ok("11010519491231002x")
    assert not id_number_ok("110105194912310021")  # wrong check character (GB 11643: X)
    assert not id_number_ok("11010519491331002X")  # month 13
    assert not id_number_ok("1101051949123100")  # too short
    assert mask("11010519491231002X") == "110***********002X"
    today = dt.date(2026, 6, 1)
    assert contract_alert(dt.date(2026, 7, 1), today) and not contract_alert(dt.date(2026, 7, 2), today)
    assert not contract_alert(dt.date(2026, 5, 31), today)  # already ended


def test_bad_employee_file_input_names_each_field_and_writes_nothing(db, env):
    e1 = env.employees["E001"]
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        hr.save_profile(db, env.admin, employee_id=e1, values={
            "id_number": "110105194912310021", "bank_account": "12-34", "education": "博士",
            "contract_start": dt.date(2026, 1, 1), "contract_end": dt.date(2025, 1, 1)})
    fields = {x.field for x in (err.value.errors if isinstance(err.value, ValidationErrors) else [err.value])}
    assert fields == {"field.hr.id_number", "field.hr.bank_account", "field.hr.contract_end"}
    f = eq.employee_file(db, env.admin, employee_id=e1)
    assert (f["id_number"], f["education"], f["contract_end"]) == ("11010519491231002X", None, None)
    hr.save_profile(db, env.admin, employee_id=e1, values={"contract_end": dt.date(2026, 6, 20), "attachments": 3})
    alerts = eq.list_profiles(db, env.admin, today=dt.date(2026, 6, 1), contract_alerts_only=True)
    assert [r["code"] for r in alerts] == ["E001"] and alerts[0]["attachments"] == 3
