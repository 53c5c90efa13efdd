"""Helpers for page tests (Streamlit AppTest) against a fresh, migrated SQLite database.

Typical use (the fixtures in tests/ui/conftest.py do this for you)::

    def test_my_page(admin_app):                 # logged in as the company administrator, on the home page
        at = admin_app
        at.switch_page("pages/finance/vouchers.py").run()
        assert not at.exception
        ...

    def test_as_salesperson(login_as):           # any demo user, past the forced first-login steps
        at = login_as("wang.xiaoshou")

    def test_by_hand(ui_db, ui_company):         # the same, step by step
        password = ready_user(ui_db, "wang.xiaoshou", ui_company.demo_passwords["wang.xiaoshou"])
        at = logged_in_app(ui_db, "wang.xiaoshou", password)

Rules: always run the entrypoint (app.py) first, then switch_page; the AppTest shares this process, so the
database URL is given through ERP_DATABASE_URL and ui.context's cached settings/database are cleared for each
test (``use_database``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from erp_core.db.uow import Database
from erp_core.setup.services import SetupResult

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TEST_COOKIE_KEY = "test-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz"
NEW_PASSWORD = "N3w-Secret-Pass!"  # what ready_user sets for users who must change a generated password


def fresh_sqlite_url(folder: Path) -> str:
    """A migrated SQLite database file in ``folder``: a copy of the test run's migrated template (migrated once per
    run, whichever process asked first; tests/support/databases.py)."""
    from tests.support.databases import migrated_sqlite_template

    target = folder / "erp.db"
    shutil.copyfile(migrated_sqlite_template(), target)
    return f"sqlite:///{target}"


def demo_company_sqlite_url(folder: Path) -> tuple[str, SetupResult]:
    """A SQLite database file in ``folder`` holding what ``setup_company(db, load_demo=True)`` makes in a fresh
    migrated one, and that call's result (the demo users' passwords): a copy of the run's prepared file.
    The company is made once per test run (whichever process asks first), not once per page test: making it
    (the setup use case, chart of accounts, roles, seven demo users) took 1-2 s a test on the busy 2-core CI
    machine, copying the file takes milliseconds. The company is made with the real clock, like a test's own."""
    import copy

    from tests.support.databases import _checkpoint, migrated_sqlite_template, session_dir, shared

    def build() -> tuple[str, SetupResult]:
        from erp_core.config import Settings
        from erp_core.db.engine import make_engine
        from tests.support.factories import make_company

        path = session_dir() / "ui-demo-company.db"
        shutil.copyfile(migrated_sqlite_template(), path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            result = make_company(Database(engine, Settings(database_url=url, data_dir=session_dir())),
                                  load_demo=True)
        finally:
            engine.dispose()
        _checkpoint(url)
        return str(path), result

    source, result = shared("ui-demo-company", build)
    target = folder / "erp.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}", copy.deepcopy(result)  # a test may change its result; the next gets the original


def reset_ui_caches() -> None:
    """Forget ui.context's cached settings and Database (st.cache_resource is process-wide)."""
    from ui import context

    try:
        context.database().dispose()
    except Exception:
        pass
    context.database.clear()
    context.settings.clear()
    from ui.nav import forget_shared_navigation

    forget_shared_navigation()


def use_database(url: str) -> Database:
    """Point the app (in this process) at ``url`` and return a Database for arranging test data."""
    os.environ["ERP_DATABASE_URL"] = url
    os.environ.setdefault("ERP_COOKIE_KEY", TEST_COOKIE_KEY)
    reset_ui_caches()
    from erp_core.config import load_settings
    from erp_core.db.uow import open_database

    return open_database(load_settings())


def _no_legacy_pages_directory() -> None:
    """AppTest resets PagesManager.uses_pages_directory before every run, and because a folder named pages/
    sits next to app.py, Streamlit then treats each rerun as a legacy (v1) multipage app: it runs the current
    page file WITHOUT the entrypoint (no login gate, no sidebar). A real server sets the flag to False at the
    first st.navigation call and keeps it. Tests get the server's behaviour on every run."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "_erp_no_legacy", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    PagesManager._erp_no_legacy = True


def new_app(timeout: float = 30) -> AppTest:
    """An AppTest of the entrypoint (not yet run)."""
    _no_legacy_pages_directory()
    return AppTest.from_file(str(APP), default_timeout=timeout)


def setup_company(db: Database, *, load_demo: bool = False, locale: str = "zh_CN") -> SetupResult:
    """The company and its administrator ("admin" / tests.support.factories.ADMIN_PASSWORD), made by the wizard's
    use case; with ``load_demo`` also one demo user per role (passwords in ``result.demo_passwords``)."""
    from tests.support.factories import make_company

    return make_company(db, load_demo=load_demo, locale=locale)


def ready_user(db: Database, username: str, password: str, *, locale: str | None = None,
               landing_page: str | None = None) -> str:
    """Take ``username`` through the forced first-login steps with the real use cases (a new password when
    the current one was generated, then the preferences), so a test lands on the user's pages.
    Returns the password now valid."""
    from erp_core.security.account_services import change_password, my_profile, save_preferences
    from erp_core.security.auth import login, logout
    from erp_core.security.sessions import actor_for_token

    session = login(db, username, password, client_ip="127.0.0.1")
    actor = actor_for_token(db, session.token, client_ip="127.0.0.1")
    if session.must_change_password:
        change_password(db, actor, current_password=password, new_password=NEW_PASSWORD,
                        confirm_password=NEW_PASSWORD)
        password = NEW_PASSWORD
    profile = my_profile(db, actor)
    if not profile.first_login_done or locale or landing_page:
        save_preferences(db, actor, locale=locale or profile.locale, time_zone=profile.time_zone,
                         landing_page=landing_page or profile.landing_page, expected_version=profile.version)
    logout(db, actor)
    return password


def logged_in_app(db: Database, username: str, password: str, *, timeout: float = 30) -> AppTest:
    """An AppTest whose browser session holds a live erp session of ``username`` (as after a login or a
    valid cookie), already run once (the entrypoint renders the user's landing page)."""
    from erp_core.security.auth import login
    from ui.auth import TOKEN_KEY

    session = login(db, username, password, client_ip="127.0.0.1")
    at = new_app(timeout)
    at.session_state[TOKEN_KEY] = session.token
    return at.run()


def login_with_form(at: AppTest, username: str, password: str) -> AppTest:
    """Type into the login form (the page must be showing it) and submit."""
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def texts(at: AppTest) -> str:
    """Every visible text of the last run, joined (titles, markdown, captions, alerts), for assertions."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


def choose_section(at: AppTest, key: str, code: str) -> AppTest:
    """Open a page's section (ui.sections.section, keyed ``key``) and rerun: only the chosen section runs."""
    at.segmented_control(key=key).set_value(code)
    return at.run()
