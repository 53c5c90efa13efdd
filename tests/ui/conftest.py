"""Fixtures for page tests: a fresh migrated SQLite database per test, a company, a logged-in administrator."""

from __future__ import annotations

import pytest

from tests.support.factories import ADMIN_PASSWORD
from tests.ui import harness

_COMPANY = pytest.StashKey[object]()  # ui_db -> ui_company: the result of the setup already in the database


@pytest.fixture
def ui_db(request, tmp_path, monkeypatch):
    """The Database the app under test uses (SQLite, migrated, empty: the wizard would show). A test that asks
    for ``ui_company`` gets instead a copy of the run's database with the demo company already set up (the same
    rows setup_company(load_demo=True) writes; made once per run, not per test: harness.demo_company_sqlite_url)."""
    monkeypatch.setenv("ERP_COOKIE_KEY", harness.TEST_COOKIE_KEY)
    if "ui_company" in request.fixturenames:
        url, request.node.stash[_COMPANY] = harness.demo_company_sqlite_url(tmp_path)
    else:
        url = harness.fresh_sqlite_url(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    db = harness.use_database(url)
    yield db
    db.dispose()
    harness.reset_ui_caches()


@pytest.fixture
def ui_company(request, ui_db):
    """The company (with demo users, passwords in .demo_passwords) and its administrator "admin": what
    harness.setup_company(ui_db, load_demo=True) returns, already in ui_db (see ui_db)."""
    return request.node.stash[_COMPANY]


@pytest.fixture
def admin_password(ui_db, ui_company) -> str:
    """The administrator's password, after the first-login preferences are done."""
    return harness.ready_user(ui_db, "admin", ADMIN_PASSWORD)


@pytest.fixture
def admin_app(ui_db, admin_password):
    """An AppTest logged in as the administrator, run once (home page)."""
    return harness.logged_in_app(ui_db, "admin", admin_password)


@pytest.fixture
def login_as(ui_db, ui_company):
    """``login_as("wang.xiaoshou")`` -> an AppTest logged in as that demo user (or "admin"), past the forced
    first-login steps, run once. Demo users: zhang.zong (manager), li.kuaiji (accountant), wang.xiaoshou (sales),
    zhao.caigou (purchaser), chen.cangguan (warehouse), liu.renshi (hr), sun.chakan (viewer)."""
    ready: dict[str, str] = {}

    def login(username: str):
        if username not in ready:
            first = ADMIN_PASSWORD if username == "admin" else ui_company.demo_passwords[username]
            ready[username] = harness.ready_user(ui_db, username, first)
        return harness.logged_in_app(ui_db, username, ready[username])

    return login
