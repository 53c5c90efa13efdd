"""In headless Chromium, the HR flow of issue #14: the HR officer imports the time clock's export (ZKTime CSV),
computes the month's payroll, locks and posts it; the employee then signs in and sees their own payslip (and no
one else's). Data is checked against the database, texts in Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.e2e.server import running_streamlit
from tests.e2e.test_browser_smoke import WAIT, _choose, zh
from tests.e2e.test_language_and_addresses_browser import _new_page, _sign_in, browser  # noqa: F401

pytestmark = pytest.mark.e2e
PERIOD = dt.date.today().strftime("%Y-%m")


@pytest.fixture
def hr_server(tmp_path):
    """The app over a SQLite company with the demo users; employees E001 (王销售's own file) and E002 with a
    salary, the payroll defaults loaded. Yields (url, passwords, database url)."""
    from erp_core.hr.employees import services as hr
    from erp_core.hr.payroll import services as pay
    from erp_core.masterdata import employees_services as emps
    from erp_core.security.models import User
    from tests.support.factories import ADMIN_PASSWORD, admin_actor
    from tests.ui import harness

    # the demo company as setup_company(load_demo=True) makes it, copied from the run's prepared database
    url_db, company = harness.demo_company_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD)}
    passwords["wang.xiaoshou"] = harness.ready_user(db, "wang.xiaoshou", company.demo_passwords["wang.xiaoshou"])
    admin = admin_actor(db, company)
    pay.load_payroll_defaults(db, admin)
    from sqlalchemy import select

    with db.uow(readonly=True) as uow:
        wang = uow.session.execute(select(User.id).where(User.username == "wang.xiaoshou")).scalar_one()
    for code, name, base, user in (("E001", "王销售", "12000", wang), ("E002", "赵六", "9000", None)):
        eid = emps.create_employee(db, admin, values={"code": code, "name": name, "hire_date": dt.date(2020, 1, 1)})
        hr.save_profile(db, admin, employee_id=eid, values={"insurance_city": "长沙",
                                                           **({"user_id": user} if user else {})})
        pay.set_salary(db, admin, employee_id=eid, item_code="base_salary", effective_from=dt.date(2020, 1, 1),
                       amount=Decimal(base))
    db.dispose()
    harness.reset_ui_caches()
    # the database is migrated and filled above: Streamlit alone (see running_streamlit)
    with running_streamlit(tmp_path, url_db, "e2e-cookie-key-" + "h" * 40) as url:
        yield url, passwords, url_db


def _open(page, title_key: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=zh(title_key), exact=True).click()
    expect(page.get_by_role("heading", name=zh(title_key))).to_be_visible()


def test_clock_import_payroll_lock_post_and_own_payslip(hr_server, browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    url, passwords, url_db = hr_server
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "admin", passwords["admin"])
    main = page.get_by_test_id("stMain")

    # 1. the time clock's export: two punches of E001 today
    _open(page, "nav.hr.attendance")
    main.get_by_role("radio", name=zh("hr.section.import"), exact=True).click()
    _choose(page, main.get_by_label(zh("field.hr.clock_format")), zh("hr.fmt.zktime"))
    today = dt.date.today()
    clock = tmp_path / "zktime.csv"
    clock.write_text(f"USERID,CHECKTIME,CHECKTYPE\nE001,{today} 08:57:00,I\nE001,{today} 18:05:00,O\n",
                     encoding="utf-8")
    main.locator("input[type=file]").set_input_files(str(clock))
    main.get_by_text(zh("hr.dry_run"), exact=True).click()  # write, not only check
    main.get_by_role("button", name=zh("hr.import"), exact=True).click()
    expect(main.get_by_text(zh("hr.imported", rows=2, written=2, duplicates=0))).to_be_visible()

    # 2. the month's payroll: compute, lock, post
    _open(page, "nav.hr.payroll_runs")
    main.get_by_role("radio", name=zh("hr.section.new"), exact=True).click()
    main.get_by_role("button", name=zh("hr.compute"), exact=True).click()
    expect(main.get_by_text(zh("hr.computed"), exact=True)).to_be_visible()
    main.get_by_role("radio", name=zh("hr.section.list"), exact=True).click()
    confirm = main.get_by_text("确认审核锁定", exact=False)
    expect(confirm).to_be_visible()
    confirm.click()
    approve = main.get_by_role("button", name=zh("hr.approve"), exact=True)
    expect(approve).to_be_enabled()
    approve.click()
    confirm_post = main.get_by_text("过账生成凭证", exact=False)
    expect(confirm_post).to_be_visible()
    confirm_post.click()
    post = main.get_by_role("button", name=zh("hr.post"), exact=True)
    expect(post).to_be_enabled()
    post.click()
    # posted: the block paying the month's 社保/公积金/个税 appears (the table's status cell is canvas-drawn)
    expect(main.get_by_text(zh("hr2.remit_title", period=PERIOD))).to_be_visible()

    from erp_core.db.engine import make_engine
    from erp_core.hr.payroll.models import PayrollRun, Payslip

    engine = make_engine(url_db)
    try:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        with Session(engine) as s:
            run = s.execute(select(PayrollRun).where(PayrollRun.period == PERIOD)).scalar_one()
            assert run.status == "posted" and run.voucher_id is not None
            nets = dict(s.execute(select(Payslip.employee_id, Payslip.net_pay).where(Payslip.run_id == run.id)).all())
            assert len(nets) == 2
            from erp_core.hr.employees.models import EmployeeProfile

            mine = s.execute(select(EmployeeProfile.employee_id).where(
                EmployeeProfile.user_id.is_not(None))).scalar_one()
    finally:
        engine.dispose()

    # 3. the employee sees their own payslip, and not the other one's
    context.close()
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "wang.xiaoshou", passwords["wang.xiaoshou"])
    _open(page, "nav.hr.my_payslips")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(zh("hr.payslip_title", period=PERIOD))).to_be_visible()
    expect(main.get_by_text("E001 · 王销售")).to_be_visible()
    # the visible one: a data grid also keeps a hidden accessibility copy of its cells, which may come first
    expect(main.get_by_text(f"{nets[mine]:,.2f}").filter(visible=True).first).to_be_visible()
    expect(main.get_by_text("赵六")).to_have_count(0)
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)
    context.close()
