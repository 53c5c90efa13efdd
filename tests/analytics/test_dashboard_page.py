"""The finance dashboard page under many reruns (issue #17): it keeps this browser session's figures while
nothing new is posted, shows a new posting on the very next rerun, and what it keeps is never another user's."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.analytics import engine as analytics_engine
from tests.analytics.books import Books
from tests.analytics.test_worked_example import keep_january
from tests.support.factories import ADMIN_PASSWORD, admin_actor
from tests.ui import harness

PAGE = "pages/reports/dashboard.py"


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("ERP_COOKIE_KEY", harness.TEST_COOKIE_KEY)
    url = harness.fresh_sqlite_url(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    db = harness.use_database(url)
    company = harness.setup_company(db)
    books = Books(db, company.company_id, admin_actor(db, company))
    keep_january(books)
    password = harness.ready_user(db, "admin", ADMIN_PASSWORD)
    yield db, books, password
    analytics_engine.forget_all(delete=True)
    db.dispose()
    harness.reset_ui_caches()


def _metrics(at):
    return [m.value for m in at.metric]


def _caption(at):
    return next(c.value for c in at.caption if "过账序号" in c.value)


def test_dashboard_keeps_its_figures_until_something_is_posted(site):
    db, books, password = site
    at = harness.logged_in_app(db, "admin", password).switch_page(PAGE).run()
    assert not at.exception and not at.error
    first = _metrics(at)
    assert len(first) == 3 and "150,000.00" in first[0] and "108,200.00" in first[1]
    seq = _posting_seq(at)
    at.run()
    assert _metrics(at) == first and not at.exception
    assert _posting_seq(at) == seq
    books.post(dt.date(2026, 1, 28), ("1002", "5000", 0, "收入"), ("5001", 0, "5000", "收入"))
    at.run()
    assert not at.exception and not at.error
    again = _metrics(at)
    assert "155,000.00" in again[0] and again[1] == first[1]
    assert _posting_seq(at) > seq
    # another year: figures of that year, not the kept ones
    at.selectbox(key="dash_year").set_value(2025).run()
    assert "0.00" in _metrics(at)[0] and not at.exception


def test_what_a_session_keeps_is_never_shown_to_another_user(site):
    """The admin (whole company) and a department-scoped user, both on the dashboard, rerunning in turn: each
    keeps seeing their own figures."""
    from erp_core.security.role_services import create_role, set_role_grants
    from erp_core.security.user_services import create_user

    db, books, password = site
    admin = harness.logged_in_app(db, "admin", password).switch_page(PAGE).run()
    assert "108,200.00" in _metrics(admin)[1]
    boss = admin_actor(db, _company(db))
    role_id = create_role(db, boss, code="dept_reports", name_zh="部门报表", name_en="Department reports")
    set_role_grants(db, boss, role_id=role_id, grants={"finance.report.view": "department"})
    create_user(db, boss, username="dept.viewer", display_name="部门查看", password="Dept-viewer-2026!",
                role_ids=[role_id], must_change_password=False, department_id=1)
    pw = harness.ready_user(db, "dept.viewer", "Dept-viewer-2026!")
    viewer = harness.logged_in_app(db, "dept.viewer", pw).switch_page(PAGE).run()
    assert not viewer.exception and not viewer.error
    assert "20,000.00" in _metrics(viewer)[1]  # department 1's 5602 line only
    for _ in range(2):
        admin.run()
        assert "108,200.00" in _metrics(admin)[1]
        viewer.run()
        assert "20,000.00" in _metrics(viewer)[1]


def _posting_seq(at) -> int:
    """The posting sequence the caption says the figures are as of (compared as a number: a substring test
    matched the sync time's seconds)."""
    return int(_caption(at).split("过账序号")[1].split("，")[0].strip())


def _company(db):
    from sqlalchemy import select

    from erp_core.security.models import User
    from erp_core.setup.services import SetupResult

    with db.uow(readonly=True) as uow:
        company_id, user_id = uow.session.execute(select(User.company_id, User.id)
                                                  .where(User.username == "admin")).one()
    return SetupResult(company_id=company_id, admin_user_id=user_id, demo_passwords={})


def _ie_table(at):
    return at.dataframe[0].value


def test_the_kept_tables_and_download_rows_follow_the_figures_and_the_language(site):
    """The dashboard keeps its formatted tables and download rows with its figures (issue #17): a rerun shows the
    same, a posting shows in the next rerun's table and downloads, a language switch re-titles and re-formats."""
    from decimal import Decimal

    db, books, password = site
    at = harness.logged_in_app(db, "admin", password).switch_page(PAGE).run()
    at.toggle(key="dash_figures").set_value(True).run()
    table = _ie_table(at)
    assert list(table.columns) == ["期间", "收入", "费用", "利润"]
    january = table[table["期间"] == "2026-01"].iloc[0]
    assert january["收入"] == "150,000.00" and january["费用"] == "108,200.00"
    at.run()
    assert _ie_table(at).equals(table)
    books.post(dt.date(2026, 1, 28), ("1002", "5000", 0, "收入"), ("5001", 0, "5000", "收入"))
    at.run()
    again = _ie_table(at)
    assert again[again["期间"] == "2026-01"].iloc[0]["收入"] == "155,000.00"
    rows = at.session_state["dash_memo"]["ie_rows"]  # what the CSV/XLSX buttons build their files from
    assert ["2026-01", Decimal("155000.00"), Decimal("108200.00"), Decimal("46800.00")] in rows
    at.selectbox(key="erp_lang_user").set_value("en").run()
    assert not at.exception
    english = _ie_table(at)
    assert list(english.columns) == ["Period", "Income", "Expense", "Profit"]
    assert english[english.iloc[:, 0] == "2026-01"].iloc[0, 1] == "155,000.00"


def test_figures_are_drawn_only_when_asked_for(site):
    """The tables and downloads behind the charts cost half the page's elements on every rerun: drawn on demand."""
    db, _books, password = site
    at = harness.logged_in_app(db, "admin", password).switch_page(PAGE).run()
    assert not at.dataframe and len(at.metric) == 3
    at.toggle(key="dash_figures").set_value(True).run()
    assert not at.exception and len(at.dataframe) == 2
    assert "150,000.00" in " ".join(str(v) for v in at.dataframe[0].value.to_numpy().ravel())
