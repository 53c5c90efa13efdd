"""In headless Chromium (what AppTest cannot show): a language switch keeps the filters a user chose, shown in the
new language (issue 11 item 16), also on a page opened by its address; and a page one may not open explains itself instead of Streamlit's English "Page not found" (item 17)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.test_browser_smoke import (
    ARGS,
    CHROMIUM,
    ROOT,
    WAIT,
    _after_login_settled,
    _choose,
    _fill,
    en,
    zh,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def company_server(tmp_path):
    """The app over a SQLite database that already holds a company with its demo users, past first login."""
    from tests.e2e.test_browser_smoke import _free_port
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    url_db = harness.fresh_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    company = harness.setup_company(db, load_demo=True)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD)}
    passwords["wang.xiaoshou"] = harness.ready_user(db, "wang.xiaoshou", company.demo_passwords["wang.xiaoshou"])
    db.dispose()
    harness.reset_ui_caches()
    port = _free_port()
    env = dict(os.environ, ERP_DATABASE_URL=url_db, ERP_PORT=str(port), ERP_ADDRESS="127.0.0.1",
               ERP_COOKIE_KEY="e2e-cookie-key-" + "y" * 40)
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([str(ROOT / "start.sh")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url, passwords
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (./test.sh does it)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _new_page(browser, url: str):
    """A browser tab. The very first browser session of a freshly started server runs in Streamlit's legacy
    pages/ mode (a folder named pages/ sits next to app.py) and answers any deep address with its own "Page not
    found"; that first session is opened and closed here (see the report of issue 11 item 17)."""
    from playwright.sync_api import expect

    warm = browser.new_context()
    first = warm.new_page()
    first.goto(url)
    expect(first.get_by_role("heading", name=zh("nav.auth.login"), exact=True)).to_be_visible(timeout=WAIT)
    warm.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return context, page


def _sign_in(page, context, username: str, password: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=zh("nav.auth.login"), exact=True)).to_be_visible()
    # while a rerun is under way the previous run's login form can still be on the page beside the new one
    # (Streamlit removes stale elements when the run ends): wait for the one form
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)
    expect(page.get_by_label(zh("login.username"), exact=True)).to_have_count(1)
    _fill(page, zh("login.username"), username)
    _fill(page, zh("login.password"), password)
    page.get_by_role("button", name=zh("login.submit")).click()
    _after_login_settled(page, context)


def _pick(page, label: str, option: str) -> None:
    _choose(page, page.get_by_test_id("stMain").get_by_label(label), option)


def test_bookmark_then_language_switch_keeps_the_filters(company_server, browser):
    from playwright.sync_api import expect

    url, passwords = company_server
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "admin", passwords["admin"])
    page.goto(f"{url}/reports_trial_balance")  # a bookmark, signed in
    expect(page.get_by_role("heading", name=zh("nav.reports.trial_balance"))).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)

    _pick(page, zh("reports.account_from"), "1012 其他货币资金")
    _pick(page, zh("reports.level"), "2")
    page.get_by_role("button", name=zh("reports.run")).click()
    main = page.get_by_test_id("stMain")

    def shown(label: str):
        return main.get_by_role("combobox", name=label, exact=True)

    expect(shown(zh("reports.account_from"))).to_have_value("1012 其他货币资金")

    _choose(page, page.get_by_test_id("stSidebarUserContent").get_by_label(zh("ui.language")), "English")
    expect(page.get_by_role("heading", name=en("nav.reports.trial_balance"))).to_be_visible()
    expect(shown(en("reports.account_from"))).to_have_value("1012 Other monetary funds")  # same account, English
    expect(shown(en("reports.level"))).to_have_value("2")
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)

    _choose(page, page.get_by_test_id("stSidebarUserContent").get_by_label(en("ui.language")), "简体中文")
    expect(page.get_by_role("heading", name=zh("nav.reports.trial_balance"))).to_be_visible()
    expect(shown(zh("reports.account_from"))).to_have_value("1012 其他货币资金")
    expect(shown(zh("reports.level"))).to_have_value("2")
    expect(main.get_by_text("Choose an option")).to_have_count(0)


def test_a_page_one_may_not_open_says_so_in_chinese(company_server, browser):
    from playwright.sync_api import expect

    url, passwords = company_server
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "wang.xiaoshou", passwords["wang.xiaoshou"])
    # Signed in and settled (the home page drawn, the login cookie's rerun done) before the new address: on a busy
    # machine (CI's two workers) a tab opened while that rerun was still on its way came up on Home.
    expect(page.get_by_text("欢迎回来")).to_be_visible()
    page.wait_for_timeout(1500)
    page.goto(f"{url}/admin_audit")
    expect(page.get_by_role("heading", name=zh("ui.denied.title"))).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-denied-zh.png"), full_page=True)
