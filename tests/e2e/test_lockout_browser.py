"""Lockout and unlock in a real browser (headless Chromium via Playwright, the real Streamlit server):
a user fails the password until the account locks and reads a clear message in their language; the administrator
unlocks the account on the locked-accounts page; the user then logs in. Screenshots go to artifacts/."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from erp_core.i18n import t
from tests.e2e.server import running_app, streamlit_only

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT = 60_000  # ms: a login takes ~5 s on a busy shared 2-core machine
LI_NAME = "李会计"  # the demo accountant (erp_core/setup/demo.py)
COOKIE_KEY = "e2e-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz"


def zh(key: str, **params) -> str:
    return t(key, "zh_CN", **params)


@pytest.fixture
def server(tmp_path):
    """The app on a fresh SQLite database with the demo company; yields (base URL, Database, passwords)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (scripts/ensure_chromium.sh)")
    pytest.importorskip("playwright.sync_api")
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    # the demo company as setup_company(load_demo=True) makes it, copied from the run's prepared database
    url, company = harness.demo_company_sqlite_url(tmp_path)
    os.environ.setdefault("ERP_COOKIE_KEY", COOKIE_KEY)
    db = harness.use_database(url)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD),
                 "li.kuaiji": harness.ready_user(db, "li.kuaiji", company.demo_passwords["li.kuaiji"])}
    try:
        # Streamlit alone: the database is migrated and filled above (no start.sh migration step or scheduler)
        with running_app(tmp_path, url, COOKIE_KEY, streamlit_only, PYTHONPATH=str(ROOT)) as base:
            yield base, db, passwords
    finally:
        db.dispose()
        harness.reset_ui_caches()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _open_login(page, base: str) -> None:
    """Load the login page and let it settle: the cookie component's first report triggers a rerun, and a
    submit racing that rerun can lose its rendered result (seen on the very first attempt after load)."""
    from playwright.sync_api import expect

    page.goto(base, wait_until="domcontentloaded")
    expect(page.get_by_role("button", name=zh("login.submit"), exact=True)).to_be_visible(timeout=WAIT)
    page.wait_for_timeout(2000)


def _submit_login(page, username: str, password: str) -> None:
    page.get_by_label(zh("login.username"), exact=True).fill(username)
    page.get_by_label(zh("login.password"), exact=True).fill(password)
    page.get_by_role("button", name=zh("login.submit"), exact=True).click()


def _status(db, username: str) -> str:
    from sqlalchemy import select

    from erp_core.security.models import User

    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(User.status).where(User.username == username)).scalar_one()


def _wait_for_failures(db, username: str, count: int, *, seconds: float) -> bool:
    """Wait until the audit log holds ``count`` failed logins of ``username``."""
    from sqlalchemy import func, select

    from erp_core.security.models import AuditLog

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.uow(readonly=True) as uow:
            n = uow.session.execute(select(func.count()).select_from(AuditLog).where(
                AuditLog.username == username, AuditLog.action == "security.session.login",
                AuditLog.outcome == "failed")).scalar_one()
        if n >= count:
            return True
        time.sleep(0.2)
    return False


def test_locked_user_is_unlocked_by_the_administrator_and_logs_in(server, browser):
    from playwright.sync_api import expect

    base, db, passwords = server
    ARTIFACTS.mkdir(exist_ok=True)
    threshold = db.settings.security.lockout_threshold

    # 1. The user gets the password wrong until the account locks. The answer is the one a wrong password gets
    #    (no oracle); the attempts hint says none are left.
    user_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = user_ctx.new_page()
    _open_login(page, base)
    for attempt in range(threshold):
        _submit_login(page, "li.kuaiji", f"Wrong-Passw0rd-{attempt}!")
        # the server records each attempt; a click that raced the page's first render is repeated once
        if not _wait_for_failures(db, "li.kuaiji", attempt + 1, seconds=10):
            _submit_login(page, "li.kuaiji", f"Wrong-Passw0rd-{attempt}!")
            assert _wait_for_failures(db, "li.kuaiji", attempt + 1, seconds=20)
        if 0 < attempt < threshold - 1:
            expect(page.get_by_text(zh("error.login.failed"), exact=False).first).to_be_visible(timeout=WAIT)
    locked_message = page.get_by_text(zh("auth_ui.login.attempts_none"))
    expect(locked_message.first).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / "lockout-1-locked-message.png"), full_page=True)
    assert _status(db, "li.kuaiji") == "locked"
    # the right password does not help while locked
    page.wait_for_timeout(300)
    _submit_login(page, "li.kuaiji", passwords["li.kuaiji"])
    page.wait_for_timeout(1500)
    expect(page.get_by_text(zh("error.login.failed")).first).to_be_visible(timeout=WAIT)
    assert _status(db, "li.kuaiji") == "locked"

    # 2. The administrator logs in and unlocks the account, confirming first.
    admin_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = admin_ctx.new_page()
    _open_login(admin, base)
    _submit_login(admin, "admin", passwords["admin"])
    expect(admin.get_by_text(zh("home.welcome", name="管理员")).first).to_be_visible(timeout=WAIT)
    admin.get_by_role("link", name=zh("nav.admin.locked")).first.click()
    expect(admin.get_by_role("heading", name=zh("admin_ui.locked.title"))).to_be_visible(timeout=WAIT)
    confirm = admin.get_by_text(zh("admin_ui.locked.confirm", username="li.kuaiji"))  # the locked account is listed and chosen
    expect(confirm).to_be_visible(timeout=WAIT)
    unlock = admin.get_by_role("button", name=zh("admin_ui.locked.unlock"), exact=True)
    expect(unlock).to_be_disabled()
    confirm.click()
    expect(unlock).to_be_enabled(timeout=WAIT)
    unlock.click()
    expect(admin.get_by_text(zh("admin_ui.locked.unlocked", username="li.kuaiji")).first).to_be_visible(timeout=WAIT)
    admin.screenshot(path=str(ARTIFACTS / "lockout-2-admin-unlocked.png"), full_page=True)
    assert _status(db, "li.kuaiji") == "active"

    # 3. The user logs in successfully.
    _open_login(page, base)
    _submit_login(page, "li.kuaiji", passwords["li.kuaiji"])
    expect(page.get_by_text(zh("home.welcome", name=LI_NAME)).first).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / "lockout-3-user-logged-in.png"), full_page=True)
    user_ctx.close()
    admin_ctx.close()
