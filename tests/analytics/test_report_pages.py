"""The report pages in Streamlit AppTest, logged in as the administrator (SQLite)."""

from __future__ import annotations

import pytest

from erp_core.analytics import engine as analytics_engine
from tests.analytics.books import Books
from tests.analytics.test_worked_example import keep_january
from tests.support.factories import ADMIN_PASSWORD, admin_actor
from tests.ui import harness
from tests.ui.harness import texts


@pytest.fixture
def app_with_books(tmp_path, monkeypatch):
    monkeypatch.setenv("ERP_COOKIE_KEY", harness.TEST_COOKIE_KEY)
    url = harness.fresh_sqlite_url(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    db = harness.use_database(url)
    company = harness.setup_company(db)
    keep_january(Books(db, company.company_id, admin_actor(db, company)))
    password = harness.ready_user(db, "admin", ADMIN_PASSWORD)
    yield harness.logged_in_app(db, "admin", password)
    analytics_engine.forget_all(delete=True)
    db.dispose()
    harness.reset_ui_caches()


PAGES = {
    "pages/reports/dashboard.py": "财务看板",
    "pages/reports/trial_balance.py": "科目余额表",
    "pages/reports/ledger.py": "总账与明细账",
    "pages/reports/dimension_ledger.py": "辅助核算余额表",
    "pages/reports/balance_sheet.py": "资产负债表",
    "pages/reports/income_statement.py": "利润表",
    "pages/reports/aging.py": "账龄分析",
}


def _submit(at):
    return next(b for b in at.button if b.label == "查询").click().run()


def _select_period(at, key, value):
    at.selectbox(key=key).set_value(value)


def test_every_report_page_renders(app_with_books):
    at = app_with_books
    for page, title in PAGES.items():
        at = at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == title
        assert not at.error, (page, [e.value for e in at.error])


def test_trial_balance_page_shows_figures_and_as_of(app_with_books):
    at = app_with_books.switch_page("pages/reports/trial_balance.py").run()
    _select_period(at, "tb_from", "2026-01")
    _select_period(at, "tb_to", "2026-01")
    at = _submit(at)
    df = at.dataframe[0].value
    codes = list(df.iloc[:, 0])
    assert "1002" in codes
    row = df[df.iloc[:, 0] == "1002"].iloc[0]
    assert row.iloc[6] == "471,800.00"
    assert "过账序号 30" in texts(at)
    assert len(at.get("download_button")) >= 2


def test_balance_sheet_page_balances(app_with_books):
    at = app_with_books.switch_page("pages/reports/balance_sheet.py").run()
    _select_period(at, "bs_period", "2026-01")
    at = _submit(at)
    df = at.dataframe[0].value
    total = df[df.iloc[:, 0] == "30"].iloc[0]
    assert total.iloc[2] == "568,300.00"


def test_ledger_page_shows_the_general_ledger(app_with_books):
    at = app_with_books.switch_page("pages/reports/ledger.py").run()
    at.radio(key="ledger_kind").set_value("general")
    _select_period(at, "ledger_from", "2026-01")
    _select_period(at, "ledger_to", "2026-01")
    at = _submit(at)
    assert not at.exception
    df = at.dataframe[0].value
    assert "1002" in set(df.iloc[:, 0]) and "本年累计" in set(df.iloc[:, 3])
