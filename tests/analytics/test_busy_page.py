"""Pool exhaustion in the browser (issue #17 item 2): the page says "系统繁忙，请稍后再试" instead of showing an
exception, and works again once a connection is free (Streamlit AppTest, SQLite, a pool of one connection)."""

from __future__ import annotations

from erp_core.analytics import engine as analytics_engine
from tests.support.factories import ADMIN_PASSWORD
from tests.ui import harness


def test_an_exhausted_pool_shows_busy_not_an_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("ERP_COOKIE_KEY", harness.TEST_COOKIE_KEY)
    url = harness.fresh_sqlite_url(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_DB_POOL_SIZE", "1")
    monkeypatch.setenv("ERP_DB_POOL_MAX_OVERFLOW", "0")
    monkeypatch.setenv("ERP_DB_POOL_TIMEOUT_S", "0.3")
    db = harness.use_database(url)
    try:
        harness.setup_company(db)
        password = harness.ready_user(db, "admin", ADMIN_PASSWORD)
        at = harness.logged_in_app(db, "admin", password).switch_page("pages/reports/dashboard.py").run()
        assert not at.exception and not at.error
        assert at.title[0].value == "财务看板"
        from ui import context

        held = context.database().engine.connect()  # the app's only connection, taken by "another user"
        try:
            held.exec_driver_sql("SELECT 1")
            from tests.security.helpers import past_the_recheck_window

            past_the_recheck_window(monkeypatch)  # the session check needs a connection again: the held one
            at.run()
            assert not at.exception, at.exception
            assert [e.value for e in at.error] == ["系统繁忙，请稍后再试"]
        finally:
            held.close()
        at.run()
        assert not at.exception and not at.error
        assert at.title[0].value == "财务看板"
    finally:
        analytics_engine.forget_all(delete=True)
        db.dispose()
        harness.reset_ui_caches()
