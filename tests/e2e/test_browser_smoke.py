"""Browser smoke test: the app started as the README says (./start.sh), driven by headless Chromium.

New install -> setup wizard -> login -> first-login preferences -> home -> language switch to English; the login
cookie restores the session in a new browser context, and the same cookie replayed after logout does not.
A screenshot of the English home page goes to artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from erp_core.i18n import t
from erp_core.setup.demo import demo_tax_id
from tests.e2e.server import running_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "Br0wser-Admin-Pass!"
WAIT = 60_000  # ms: first render ~2 s, a login ~5 s on a busy 2-core machine

pytestmark = pytest.mark.e2e


def zh(key: str, **params) -> str:
    return t(key, "zh_CN", **params)


def en(key: str, **params) -> str:
    return t(key, "en", **params)


@pytest.fixture
def server(tmp_path):
    # ERP_E2E_DATABASE_URL: run against an EMPTY PostgreSQL/MariaDB database instead of a temp SQLite file
    url_db = os.environ.get("ERP_E2E_DATABASE_URL") or f"sqlite:///{tmp_path / 'erp.db'}"
    with running_app(tmp_path, url_db, "e2e-cookie-key-" + "x" * 40) as url:
        yield url


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (./test.sh does it)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _fill(page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.click()
    field.fill(value)


def _choose(page, select, option: str) -> None:
    """Pick ``option`` in a selectbox the way a person does: bring it into view first, then open it. (The user
    menu sits below a long, fully expanded page list; a click that scrolls the sidebar as it lands opens the
    list and the scroll closes it again, so the opening is retried until the list shows.)"""
    from playwright.sync_api import Error, expect

    listbox = page.get_by_role("listbox")
    for _ in range(5):
        try:
            # a rerun still under way may swap the element for its new copy (Error: "not attached to the DOM");
            # the locator finds the new one on the next try
            select.scroll_into_view_if_needed()
            select.click()
            expect(listbox).to_be_visible(timeout=2000)
            break
        except (AssertionError, Error):
            page.keyboard.press("Escape")
    page.get_by_role("option", name=option).click()


def _after_login_settled(page, context) -> None:
    """Wait until the login cookie is written and the rerun its component asks for has run. A click that lands
    in that fraction of a second is lost (Streamlit drops a form's submit trigger when the run it started is
    interrupted by the component's rerun); a person clicks again, a test must not race it."""
    from playwright.sync_api import expect

    for _ in range(200):
        if any(c["name"] == "erp_session" and c["value"] for c in context.cookies()):
            break
        time.sleep(0.05)
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)


def test_wizard_login_language_and_cookie(server, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)

    # setup wizard
    expect(page.get_by_role("heading", name=zh("wizard.title"))).to_be_visible()
    _fill(page, zh("field.company.name"), "浏览器测试有限公司")
    _fill(page, zh("field.company.tax_id"), demo_tax_id())
    _fill(page, zh("field.admin.username"), "boss")
    _fill(page, zh("field.admin.display_name"), "老板")
    _fill(page, zh("field.admin.password"), PASSWORD)
    _fill(page, zh("field.wizard.password_confirm"), PASSWORD)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-wizard-zh.png"), full_page=True)
    page.get_by_role("button", name=zh("wizard.submit")).click()

    # login
    expect(page.get_by_text(zh("wizard.done"))).to_be_visible()
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-login-zh.png"), full_page=True)
    _fill(page, zh("login.username"), "boss")
    _fill(page, zh("login.password"), PASSWORD)
    page.get_by_role("button", name=zh("login.submit")).click()

    # first-login preferences, then home
    expect(page.get_by_role("heading", name=zh("account.preferences.first_title"))).to_be_visible()
    _after_login_settled(page, context)
    page.get_by_role("button", name=zh("account.preferences.submit")).click()
    expect(page.get_by_role("heading", name=zh("home.welcome", name="老板"))).to_be_visible()
    expect(page.get_by_text("浏览器测试有限公司")).to_be_visible()
    # an administrator's sidebar lists every page, the last group included, with nothing folded away
    sidebar = page.get_by_test_id("stSidebarNav")
    expect(sidebar.get_by_role("link", name=zh("nav.admin.audit"))).to_be_attached()
    expect(page.get_by_test_id("stSidebarNavViewButton")).to_have_count(0)
    # left the forced page for the landing page (the address follows the page a moment later)
    expect(page).not_to_have_url(re.compile(r"account_preferences"))

    # language switch in the user menu
    _choose(page, page.get_by_test_id("stSidebarUserContent").get_by_label(zh("ui.language")), "English")
    expect(page.get_by_role("heading", name=en("home.welcome", name="老板"))).to_be_visible()
    expect(page.get_by_role("button", name=en("ui.logout"))).to_be_visible()
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-home-en.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # managers read it on a phone
    expect(page.get_by_role("heading", name=en("home.welcome", name="老板"))).to_be_visible()
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-home-en-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # the cookie carries a live erp session: a new browser context with it is logged in
    time.sleep(1)  # the cookie component writes document.cookie asynchronously
    cookies = [c for c in context.cookies() if c["name"] == "erp_session"]
    assert cookies, context.cookies()
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    other.add_cookies(cookies)
    second = other.new_page()
    second.set_default_timeout(WAIT)
    second.goto(server)
    expect(second.get_by_role("heading", name=en("home.welcome", name="老板"))).to_be_visible()
    second.close()
    other.close()

    # sign out: the server session ends, so the same cookie replayed later logs nobody in
    page.get_by_role("button", name=en("ui.logout")).click()
    expect(page.get_by_text(en("login.reason.logout"))).to_be_visible()
    for _ in range(60):  # the browser is told to drop the cookie (by the cookie component: slow on a busy CI machine)
        if not [c for c in context.cookies() if c["name"] == "erp_session" and c["value"]]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"login cookie still set after logout: {context.cookies()}")
    replay = browser.new_context(viewport={"width": 1280, "height": 900})
    replay.add_cookies(cookies)
    third = replay.new_page()
    third.set_default_timeout(WAIT)
    third.goto(server)
    # a new browser session starts in the default language; the cookie's session is reported as ended
    expect(third.get_by_role("button", name=zh("login.submit"))).to_be_visible()
    expect(third.get_by_text(zh("login.reason.logout"))).to_be_visible()
    expect(third.get_by_role("heading", name=en("home.welcome", name="老板"))).to_have_count(0)
    expect(third.get_by_role("heading", name=zh("home.welcome", name="老板"))).to_have_count(0)
    replay.close()
    context.close()
