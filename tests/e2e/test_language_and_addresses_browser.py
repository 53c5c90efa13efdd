"""In headless Chromium (what AppTest cannot show): a language switch keeps the filters a user chose, shown in the
new language (issue 11 item 16), also on a page opened by its address; and a page one may not open explains itself instead of Streamlit's English "Page not found" (item 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.server import running_streamlit
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


@pytest.fixture(scope="module")
def company_server(tmp_path_factory):
    """The app over a SQLite database that already holds a company with its demo users, past first login.
    One server per module (and xdist worker), not per test: starting it (Streamlit, a few seconds under load)
    is most of a browser test's setup time, and the tests that share it here change nothing another
    reads (each signs in a different user in a browser context of its own; the language switch is switched
    back). Each module that imports it gets its own server (test_crm_flow_browser, test_sections_browser)."""
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    tmp_path = tmp_path_factory.mktemp("company-server")

    # the demo company as setup_company(load_demo=True) makes it, copied from the run's prepared database
    url_db, company = harness.demo_company_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD)}
    passwords["wang.xiaoshou"] = harness.ready_user(db, "wang.xiaoshou", company.demo_passwords["wang.xiaoshou"])
    db.dispose()
    harness.reset_ui_caches()
    # the database is migrated and filled above: Streamlit alone (see running_streamlit)
    with running_streamlit(tmp_path, url_db, "e2e-cookie-key-" + "y" * 40) as url:
        yield url, passwords


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
    from playwright.sync_api import Error, expect

    expect(page.get_by_role("heading", name=zh("nav.auth.login"), exact=True)).to_be_visible()
    user_field = page.get_by_label(zh("login.username"), exact=True)
    password_field = page.get_by_label(zh("login.password"), exact=True)
    for attempt in range(5):
        # while a rerun is under way the previous run's login form can still be on the page beside the new one
        # (Streamlit removes stale elements when the run ends): wait for the one form
        expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)
        expect(user_field).to_have_count(1)
        try:
            _fill(page, zh("login.username"), username)
            _fill(page, zh("login.password"), password)
            # A rerun that starts just after the wait above (the login cookie component reporting in once it has
            # mounted) draws a new, empty form beside the one being typed into: the fields then resolve to two
            # elements, or the one form left is empty. Type again into the one form, once that run is over.
            expect(user_field).to_have_count(1, timeout=3000)
            expect(user_field).to_have_value(username, timeout=3000)
            expect(password_field).to_have_value(password, timeout=3000)
        except (AssertionError, Error):
            if attempt == 4:
                raise
            continue
        break
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
