"""The demo company's year of activity: master records, twelve months of vouchers through the real use cases,
every finished month closed; the books balance (trial balance and balance sheet) at the end of every closed
month; demo passwords are generated afresh on every run."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erp_core.analytics import queries as reports
from erp_core.finance.models import Voucher
from erp_core.kernel.clock import set_clock
from erp_core.ledger.models import AccountingPeriod, GlLine
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_employees import Employee
from erp_core.masterdata.models_items import Product
from erp_core.masterdata.models_partners import Customer, Supplier
from erp_core.masterdata.models_warehouse import Warehouse
from erp_core.masterdata.validators import is_valid_uscc
from erp_core.security.auth import login
from erp_core.setup.demo import USERS, generate_password
from erp_core.setup.demo_year import build_demo_year, months_ending
from tests.support.demo import DEMO_NOW
from tests.support.factories import admin_actor, make_company


@pytest.fixture
def fixed_clock():
    """Today is 2027-01-20 (Asia/Shanghai): the demo year runs 2026-02 .. 2027-01 and crosses a year end."""
    set_clock(lambda: DEMO_NOW)
    yield dt.date(2027, 1, 20)
    set_clock(None)


@pytest.fixture
def demo(db, demo_year, fixed_clock):
    """db holds the demo company's year, built on that day (a copy of the run's: tests/support/demo.py)."""
    return demo_year.company, demo_year.summary


def _gl_by_period(db, company_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(GlLine.period, func.sum(GlLine.debit), func.sum(GlLine.credit))
                                   .where(GlLine.company_id == company_id).group_by(GlLine.period)).all()
    return {p: (Decimal(d), Decimal(c)) for p, d, c in rows}


def _balances_upto(db, company_id: int, period: str) -> dict[str, Decimal]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(GlLine.account_code, func.sum(GlLine.debit), func.sum(GlLine.credit))
                                   .where(GlLine.company_id == company_id, GlLine.period <= period)
                                   .group_by(GlLine.account_code)).all()
    return {code: Decimal(d) - Decimal(c) for code, d, c in rows}


def test_twelve_months_end_with_the_current_one():
    months = months_ending(dt.date(2027, 1, 20))
    assert months[0] == (2026, 2) and months[-1] == (2027, 1) and len(months) == 12
    assert months_ending(dt.date(2026, 12, 31))[0] == (2026, 1)


def test_demo_year_books_balance_for_every_closed_month(db, demo):
    result, summary = demo
    cid = result.company_id
    assert summary.periods[0] == "2026-02" and summary.periods[-1] == "2027-01"
    assert summary.closed == summary.periods[:-1]
    with db.uow(readonly=True) as uow:
        s = uow.session
        status = dict(s.execute(select(AccountingPeriod.period, AccountingPeriod.status)
                                .where(AccountingPeriod.company_id == cid)).all())
        vouchers = s.execute(select(Voucher.period, Voucher.status, Voucher.source, Voucher.created_by,
                                    Voucher.reviewed_by, Voucher.number, Voucher.voucher_date)
                             .where(Voucher.company_id == cid).order_by(Voucher.period, Voucher.number)).all()
    assert all(status[p] == "closed" for p in summary.closed) and status.get("2027-01", "open") == "open"
    # every month carries business: hand-entered vouchers (rent, expenses, taxes) and the documents' own vouchers
    # (purchases, deliveries, invoices, receipts, payroll: source "system"); close vouchers for every closed month
    for period in summary.periods:
        assert sum(1 for v in vouchers if v.period == period and v.source == "manual") >= 3, period
        assert sum(1 for v in vouchers if v.period == period and v.source == "system") >= 10, period
    for period in summary.closed:
        assert any(v.period == period and v.source == "close" for v in vouchers), period
        # hand-entered numbers follow the dates; documents' vouchers are numbered as they are posted (the demo
        # invoices and collects a month's deliveries after the month's other business, as a real office would)
        dates = [v.voucher_date for v in vouchers if v.period == period and v.source == "manual"]
        assert dates == sorted(dates), period
    # no one reviews their own voucher; the open month holds drafts and reviewed vouchers
    assert all(v.created_by != v.reviewed_by for v in vouchers if v.source == "manual" and v.reviewed_by)
    current = [v.status for v in vouchers if v.period == "2027-01"]
    assert current.count("draft") >= 2 and current.count("reviewed") >= 2 and current.count("posted") >= 5
    assert all(v.status == "posted" for v in vouchers if v.period in summary.closed)

    per_period = _gl_by_period(db, cid)
    for period in summary.periods:
        debit, credit = per_period[period]
        assert debit == credit and debit > 0, period
    admin = admin_actor(db, result)
    for period in summary.closed:
        bal = _balances_upto(db, cid, period)
        assert sum(bal.values()) == 0
        # carried forward: no balance left on income and expense accounts at a closed month's end
        assert all(v == 0 for code, v in bal.items() if code[0] == "5"), period
        assert bal["1002"] > 0 and bal["1405"] > 0 and bal["3001"] == Decimal("-3000000.00")
        # VAT: each month's excess of output over input was transferred; no input-VAT credit lingers
        assert sum(v for code, v in bal.items() if code.startswith("222101")) == 0, period
        assert bal.get("222102", Decimal(0)) < 0  # this month's 未交增值税, paid on the 15th of the next
        tb = reports.trial_balance(db, admin, period_from=period, period_to=period)
        total = tb[tb["is_total"]].iloc[0]
        assert total["closing_debit"] == total["closing_credit"] > 0, period
        assert total["period_debit"] == total["period_credit"] == per_period[period][0], period
        bs = reports.balance_sheet(db, admin, period=period)
        items = dict(zip(bs["item"], bs["closing_amount"], strict=True))
        assets = items["资产总计"]
        assert assets > 0 and assets == items["负债和所有者权益（或股东权益）总计"], period
    # the year end (2026-12) moved the year's profit to 利润分配—未分配利润
    bal = _balances_upto(db, cid, "2026-12")
    assert bal.get("3103", Decimal(0)) == 0 and bal["310415"] != 0
    # the open month's balance sheet balances too (its profit still in the income accounts)
    bs = reports.balance_sheet(db, admin, period="2027-01")
    items = dict(zip(bs["item"], bs["closing_amount"], strict=True))
    assert items["资产总计"] == items["负债和所有者权益（或股东权益）总计"]
    # slow payers leave receivables older than a month; everything else was collected the month after
    aging = reports.aging(db, admin, kind="receivable", as_of_date=dt.date(2026, 12, 31))
    assert aging["balance"].sum() > 0 and (aging["31-60"].sum() + aging["61-90"].sum()) > 0
    assert aging[">180"].sum() == 0
    _check_master_records(db, cid)  # (one build per backend serves these checks)
    _check_plausible_year(db, result, summary)
    _check_two_accountants_keep_the_books(db, result)


def _check_plausible_year(db, result, summary) -> None:
    """Issue #11 item 26: a normal trading company's year. Before, every month lost money (2026: -738,466)."""
    admin = admin_actor(db, result)
    revenue, net = {}, {}
    for period in summary.periods:
        inc = reports.income_statement(db, admin, period=period)
        by_line = dict(zip(inc["line_no"], inc["period_amount"], strict=True))
        revenue[period], net[period] = by_line[1], by_line[32]  # 营业收入, 净利润
    year = [p for p in summary.closed if p.startswith("2026")]  # 2026-02 .. 2026-12, all closed
    margin = sum(net[p] for p in year) / sum(revenue[p] for p in year)
    assert Decimal("0.05") <= margin <= Decimal("0.12"), margin
    assert sum(1 for p in year if net[p] > 0) >= len(year) - 1  # at most one weak month (the Spring Festival's)
    # seasonal: the holiday month is the quietest, the year-end 年货 run-up the busiest; months differ
    assert revenue["2026-02"] == min(revenue[p] for p in year)
    assert revenue["2026-12"] == max(revenue[p] for p in year)
    assert sum(revenue[p] for p in ("2026-10", "2026-11", "2026-12")) > sum(
        revenue[p] for p in ("2026-06", "2026-07", "2026-08")) * Decimal("1.15")
    assert len(set(revenue.values())) == len(revenue)
    # consistent: stock bought is stock sold plus a little, so 1405 stays a few weeks' to a few months' cost
    cogs = sum(_balances_in(db, result.company_id, p, "5401") for p in year)
    stock = _balances_upto(db, result.company_id, "2026-12")["1405"]
    assert cogs / 11 / 2 < stock < cogs / 11 * 3, (stock, cogs)
    # the open month's result is not inflated by costs not yet carried: its margin is a normal month's or less
    assert net[summary.periods[-1]] < revenue[summary.periods[-1]] * Decimal("0.35")


def _balances_in(db, company_id: int, period: str, code: str) -> Decimal:
    """Debits minus credits on ``code`` in ``period`` from the business vouchers (not the closing entries): the
    manual ones and those of documents (the cost of sales comes from stock documents)."""
    with db.uow(readonly=True) as uow:
        d, c = uow.session.execute(select(func.sum(GlLine.debit), func.sum(GlLine.credit))
                                   .join(Voucher, Voucher.id == GlLine.voucher_id)
                                   .where(GlLine.company_id == company_id, GlLine.period == period,
                                          GlLine.account_code == code,
                                          Voucher.source.in_(("manual", "system")))).one()
    return Decimal(d or 0) - Decimal(c or 0)


def _check_two_accountants_keep_the_books(db, result) -> None:
    """Issue #11 item 30: the demo's vouchers are prepared by one demo accountant and reviewed and posted by
    another; the administrator created in the setup wizard never reviews nor posts (before: hundreds)."""
    from erp_core.security.models import User

    with db.uow(readonly=True) as uow:
        s = uow.session
        names = dict(s.execute(select(User.id, User.username).where(User.company_id == result.company_id)).all())
        rows = s.execute(select(Voucher.source, Voucher.status, Voucher.created_by, Voucher.reviewed_by,
                                Voucher.posted_by).where(Voucher.company_id == result.company_id)).all()
    assert names[result.admin_user_id] == "admin"
    manual = [r for r in rows if r.source == "manual"]
    assert len(manual) > 50  # (purchases, sales, receipts, payments and payroll post their own vouchers now)
    assert {names[r.created_by] for r in manual} == {"li.kuaiji"}
    assert {names[r.reviewed_by] for r in manual if r.reviewed_by} == {"zhou.zhuguan"}
    assert {names[r.posted_by] for r in manual if r.posted_by} == {"zhou.zhuguan"}
    people = {r.created_by for r in rows} | {r.reviewed_by for r in rows} | {r.posted_by for r in rows}
    assert result.admin_user_id not in people
    from erp_core.security.models import AuditLog

    with db.uow(readonly=True) as uow:
        who = set(uow.session.execute(select(AuditLog.action, AuditLog.username).distinct().where(
            AuditLog.company_id == result.company_id, AuditLog.outcome == "ok",
            AuditLog.action.in_(["masterdata.employee.create", "masterdata.supplier.create",
                                 "masterdata.warehouse.create", "finance.voucher.review"]))).all())
    assert who == {("masterdata.employee.create", "liu.renshi"), ("masterdata.supplier.create", "zhao.caigou"),
                   ("masterdata.warehouse.create", "chen.cangguan"), ("finance.voucher.review", "zhou.zhuguan")}


def test_demo_hr_officer_keeps_the_staff_records(db):
    """Issue #11 item 30: the demo's HR officer (刘人事, role hr) held no permission at all. Now: the employees
    (view, create, edit, deactivate, import, export) and the departments they belong to (view, create, edit)."""
    from erp_core.masterdata.employees_queries import get_employee, list_employees
    from erp_core.masterdata.employees_services import create_employee, edit_employee
    from erp_core.masterdata.org_queries import list_departments
    from erp_core.masterdata.org_services import create_department
    from erp_core.security.models import User
    from erp_core.security.roles_seed import DEFAULT_ROLES
    from erp_core.security.sessions import build_actor

    result = make_company(db, load_demo=True)
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == "liu.renshi")).scalar_one()
        hr = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
    assert {"masterdata.employee.view", "masterdata.employee.create", "masterdata.employee.edit",
            "masterdata.department.view", "masterdata.department.edit"} <= set(hr.grants)
    assert not any(p.startswith(("finance.", "admin.")) for p in hr.grants)
    hr_dep = next(d for d in list_departments(db, hr).rows if d["code"] == "HR")
    eid = create_employee(db, hr, values={"code": "E900", "name": "新员工", "department": "HR",
                                          "position": "招聘专员", "hire_date": dt.date(2026, 3, 2)})
    row = get_employee(db, hr, employee_id=eid)
    edit_employee(db, hr, employee_id=eid, version=row["version"], values={**row, "position": "招聘主管"})
    assert get_employee(db, hr, employee_id=eid)["position"] == "招聘主管"
    assert list_employees(db, hr).total >= 1
    create_department(db, hr, code="HR-REC", name="招聘组", parent_id=hr_dep["id"])
    # the class of the defect: every role a new company starts with grants something (or is the administrator)
    admin = admin_actor(db, result)
    from erp_core.security.role_services import list_roles

    for role in list_roles(db, admin):
        assert DEFAULT_ROLES[role.code][2] or role.grant_count > 0, role.code


def _check_master_records(db, cid: int) -> None:
    with db.uow(readonly=True) as uow:
        s = uow.session
        customers = s.execute(select(Customer).where(Customer.company_id == cid)).scalars().all()
        suppliers = s.execute(select(Supplier).where(Supplier.company_id == cid)).scalars().all()
        products = s.execute(select(Product).where(Product.company_id == cid)).scalars().all()
        warehouses = s.execute(select(Warehouse.code).where(Warehouse.company_id == cid)).scalars().all()
        emp_deps = set(s.execute(select(Employee.department_id).where(Employee.company_id == cid)).scalars())
        deps = set(s.execute(select(Department.id).where(Department.company_id == cid)).scalars())
        assert len(customers) >= 15 and len(suppliers) >= 10 and len(products) >= 20 and len(warehouses) >= 2
        for partner in (*customers, *suppliers):
            assert is_valid_uscc(partner.tax_id) and partner.tax_id.startswith("9143"), partner.name
            assert "湖南省" in partner.address and partner.phone
        assert len({p.tax_id for p in (*customers, *suppliers)}) == len(customers) + len(suppliers)
        assert all(p.tax_rate_code == "VAT13" and p.unit_code and p.specification for p in products)
    assert emp_deps == deps  # employees in every department
    # receivables and payables are kept per customer / supplier
    with db.uow(readonly=True) as uow:
        missing = uow.session.execute(select(func.count()).select_from(GlLine).where(
            GlLine.company_id == cid, GlLine.account_code.in_(["1122", "2202", "220201", "220202"]),
            GlLine.customer_id.is_(None), GlLine.supplier_id.is_(None))).scalar_one()
        on_projects = set(uow.session.execute(select(GlLine.account_code).where(
            GlLine.company_id == cid, GlLine.project_id.is_not(None))).scalars())
    assert missing == 0
    assert {"5001", "5601"} <= on_projects  # 年货 sales and the shop rent are booked on the demo projects


def test_demo_year_is_deterministic(db, db_url, backend, _providers, tmp_path_factory, worker_id, fixed_clock):
    """The same day gives the same books (amounts from a seeded generator): a year built here, in this test's
    database, against the run's demo year, which was built the same way in another database (by whichever
    worker asked first: tests/support/demo.py)."""
    if backend != "sqlite":
        pytest.skip("one backend is enough to show determinism")
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from tests.conftest import _demo_snapshot, _provider

    provider = _provider(_providers, backend, tmp_path_factory, worker_id)
    built = _demo_snapshot(provider)
    other_url = provider.fresh_from(built)
    engine = make_engine(other_url)
    other = Database(engine, Settings(database_url=other_url, data_dir=Path(os.environ.get("TMPDIR", "/tmp"))))
    try:
        books, passwords = [], []
        for database in (db, other):
            if database is db:
                result = make_company(database, load_demo=True)
                build_demo_year(database, company_id=result.company_id, admin_user_id=result.admin_user_id)
            else:
                result = built.value.company
            passwords.append(result.demo_passwords)
            with database.uow(readonly=True) as uow:
                books.append(uow.session.execute(
                    select(Voucher.period, Voucher.voucher_type, Voucher.number, Voucher.voucher_date,
                           Voucher.status, Voucher.total).order_by(Voucher.period, Voucher.number)).all())
        assert books[0] == books[1] and len(books[0]) > 200
        # ...while the demo users' passwords are generated afresh on every run
        assert set(passwords[0]) == set(passwords[1]) == {u[0] for u in USERS}
        assert all(passwords[0][u] != passwords[1][u] for u in passwords[0])
    finally:
        engine.dispose()
        provider.drop(other_url)


def test_demo_passwords_are_generated_never_fixed(db):
    result = make_company(db, load_demo=True)
    first = result.demo_passwords
    assert set(first) == {u[0] for u in USERS}
    assert len(set(first.values())) == len(first)
    again = {u: generate_password() for u in first}  # what a second run would hand out
    assert all(first[u] != again[u] for u in first)
    for username, pw in first.items():
        assert len(pw) >= 12
        assert login(db, username, pw, client_ip="127.0.0.1").must_change_password


def test_demo_on_the_first_day_of_a_month_in_shanghai(db, backend):
    """Just after midnight in Changsha (still the day before in UTC): the current month is the new one, holding only
    today's unfinished work; the month just ended is closed."""
    if backend != "sqlite":
        pytest.skip("the dates do not depend on the backend")
    set_clock(lambda: dt.datetime(2026, 2, 28, 16, 30, tzinfo=dt.UTC))  # 2026-03-01 00:30 Asia/Shanghai
    try:
        result = make_company(db, load_demo=True)
        summary = build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
    finally:
        set_clock(None)
    assert summary.periods[0] == "2025-04" and summary.periods[-1] == "2026-03"
    assert summary.closed[-1] == "2026-02" and len(summary.closed) == 11
    with db.uow(readonly=True) as uow:
        current = uow.session.execute(select(Voucher.status, Voucher.voucher_date).where(
            Voucher.company_id == result.company_id, Voucher.period == "2026-03",
            Voucher.source == "manual")).all()  # the inventory documents' vouchers are "system" (demo_stockops)
    assert sorted(s for s, _ in current) == ["draft", "draft", "reviewed", "reviewed"]
    assert {d for _, d in current} == {dt.date(2026, 3, 1)}
    bal = _balances_upto(db, result.company_id, "2026-02")
    assert sum(bal.values()) == 0 and all(v == 0 for code, v in bal.items() if code[0] == "5")


def test_demo_year_under_the_enterprise_standard(db, backend, fixed_clock):
    """A wizard company on 企业会计准则 gets the same year, on that chart's codes (6001, 6401, 6601, ...)."""
    if backend != "sqlite":
        pytest.skip("the chart, not the backend, is what differs")
    from erp_core.kernel.actor import Actor
    from erp_core.setup.demo import DEMO_COMPANY
    from erp_core.setup.services import SETUP_PERMISSION, run_setup
    from tests.support.factories import ADMIN_PASSWORD

    result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), **DEMO_COMPANY,
                       admin_username="admin", admin_password=ADMIN_PASSWORD, accounting_standard="enterprise",
                       load_demo=True)
    summary = build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
    assert len(summary.closed) == 11
    bal = _balances_upto(db, result.company_id, summary.closed[-1])
    assert sum(bal.values()) == 0 and bal["4001"] == Decimal("-3000000.00")
    assert all(v == 0 for code, v in bal.items() if code[0] == "6") and bal["410415"] != 0
    bs = reports.balance_sheet(db, admin_actor(db, result), period=summary.closed[-1])
    items = dict(zip(bs["item"], bs["closing_amount"], strict=True))
    assert items["资产总计"] > 0 and items["资产总计"] == items["负债和所有者权益（或股东权益）总计"]


def test_setup_wizard_can_build_the_demo_year(tmp_path, monkeypatch):
    """Page: the wizard's "load demo data" + "also a year of business" leaves a company with its closed months,
    and the demo passwords are still shown once on the login page."""
    from erp_core.setup.demo import DEMO_COMPANY
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    monkeypatch.setenv("ERP_COOKIE_KEY", harness.TEST_COOKIE_KEY)
    url = harness.fresh_sqlite_url(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    db = harness.use_database(url)
    try:
        at = harness.new_app(timeout=300).run()
        at.text_input(key="wz_company_name").input(DEMO_COMPANY["company_name"])
        at.text_input(key="wz_tax_id").input(DEMO_COMPANY["tax_id"])
        at.text_input(key="wz_username").input("boss")
        at.text_input(key="wz_password").input(ADMIN_PASSWORD)
        at.text_input(key="wz_confirm").input(ADMIN_PASSWORD)
        at.checkbox(key="wz_demo").check()
        at.checkbox(key="wz_demo_year").check()
        at = at.button(key="wz_submit").click().run()
        assert not at.exception and not at.error
        assert at.title[0].value == "登录"
        assert "li.kuaiji" in at.table[0].value.to_string()
        with db.uow(readonly=True) as uow:
            closed = uow.session.execute(select(func.count()).select_from(AccountingPeriod).where(
                AccountingPeriod.status == "closed")).scalar_one()
            drafts = uow.session.execute(select(func.count()).select_from(Voucher).where(
                Voucher.status == "draft")).scalar_one()
        assert closed == 11 and drafts == 2
    finally:
        db.dispose()
        harness.reset_ui_caches()
