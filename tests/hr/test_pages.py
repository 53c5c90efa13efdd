"""The HR pages in Streamlit AppTest (SQLite): compute a payroll run from the page, lock and post it with
confirmations, downloads offered; the HR officer sees the employee files; the read-only user gets no payroll
page; an employee sees only their own payslips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.hr.employees import services as hr
from erp_core.hr.payroll import services as pay
from erp_core.masterdata import employees_services as emps
from erp_core.security.models import User
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

PERIOD = dt.date.today().strftime("%Y-%m")


@pytest.fixture
def staff(ui_db, ui_company):  # noqa: F811
    """Two employees with pay; E002 is the HR officer liu.renshi's own file."""
    from sqlalchemy import select

    admin = admin_actor(ui_db, ui_company)
    pay.load_payroll_defaults(ui_db, admin)
    with ui_db.uow(readonly=True) as uow:
        hr_user = uow.session.execute(select(User.id).where(User.username == "liu.renshi")).scalar_one()
    ids = {}
    for code, name, base, user in (("E001", "张三", "12000", None), ("E002", "刘人事", "8000", hr_user)):
        eid = emps.create_employee(ui_db, admin, values={"code": code, "name": name, "hire_date": dt.date(2020, 1, 1)})
        hr.save_profile(ui_db, admin, employee_id=eid, values={
            "insurance_city": "长沙", "id_number": "11010519491231002X", "bank_account": "6225880112345678",
            **({"user_id": user} if user else {})})
        pay.set_salary(ui_db, admin, employee_id=eid, item_code="base_salary", effective_from=dt.date(2020, 1, 1),
                       amount=Decimal(base))
        ids[code] = eid
    return admin, ids


def test_payroll_run_page_computes_locks_and_posts(admin_app, staff):  # noqa: F811
    at = admin_app.switch_page("pages/hr/payroll_runs.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "工资表"
    at = choose_section(at, "pr_section", "new")
    at = next(b for b in at.button if b.label == "计算工资").click().run()
    assert not at.exception, at.exception
    assert "工资已计算" in texts(at)
    at = choose_section(at, "pr_section", "list")
    df = at.dataframe[1].value
    assert list(df["工号"]) == ["E001", "E002"] and list(df["应发工资"]) == ["12,000.00", "8,000.00"]
    assert len(at.get("download_button")) == 8
    next(c for c in at.checkbox if c.key == "pr_approve_ok").check().run()
    at = next(b for b in at.button if b.key == "pr_approve").click().run()
    assert not at.exception, at.exception
    assert "已审核" in at.dataframe[0].value["状态"].iloc[0]
    next(c for c in at.checkbox if c.key == "pr_post_ok").check().run()
    at = next(b for b in at.button if b.key == "pr_post").click().run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["状态"].iloc[0] == "已过账"


def test_employee_files_page_and_own_payslips(login_as, staff, ui_db):  # noqa: F811
    admin, ids = staff
    run_id = pay.create_payroll_run(ui_db, admin, period=PERIOD)
    pay.approve_payroll_run(ui_db, admin, run_id=run_id)
    at = login_as("liu.renshi")
    at = at.switch_page("pages/hr/employees.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert list(df["工号"]) == ["E001", "E002"]
    at = at.switch_page("pages/hr/my_payslips.py").run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "刘人事" in shown and "张三" not in shown
    assert list(at.dataframe[0].value["期间"]) == [PERIOD]


def test_the_viewer_sees_no_pay(login_as, staff):  # noqa: F811
    at = login_as("sun.chakan")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/hr/payroll_runs.py")  # not registered for the read-only user (salaries are private)


def test_attendance_page_summary_and_calendar(admin_app, staff, ui_db):  # noqa: F811
    from erp_core.hr.attendance import services as att

    admin, ids = staff
    today = dt.date.today()
    att.correct_punch(ui_db, admin, employee_id=ids["E001"], punched_at=dt.datetime.combine(today, dt.time(8, 55)),
                      reason="test")
    at = admin_app.switch_page("pages/hr/attendance.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "考勤与请假"
    df = at.dataframe[0].value
    assert list(df["工号"]) == ["E001", "E002"]
    assert len(at.get("download_button")) == 2
    at = choose_section(at, "at_section", "calendar")
    at = next(b for b in at.button if b.key == "at_holidays").click().run()
    assert not at.exception, at.exception
    at = choose_section(at, "at_section", "leave")
    assert not at.exception, at.exception


def test_hr_dashboard_page(admin_app, staff, ui_db):  # noqa: F811
    admin, _ids = staff
    run_id = pay.create_payroll_run(ui_db, admin, period=PERIOD)
    pay.approve_payroll_run(ui_db, admin, run_id=run_id)
    at = admin_app.switch_page("pages/hr/dashboard.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "人事看板"
    assert not at.dataframe  # the table and its downloads only when asked for (issue #17)
    at.toggle(key="hd_figures").set_value(True).run()
    assert list(at.dataframe[0].value["应发工资"]) == ["20,000.00"]
