"""In headless Chromium (what AppTest cannot show): a page's chosen section survives the rerun after a save
(issue 11 item 18, second half, as a class). st.tabs kept its selection in the browser only, and a rerun that put
the "saved" message above the tab bar rebuilt it on its first tab; pages now use the keyed ui.sections control."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser_smoke import WAIT, _fill, zh
from tests.e2e.test_language_and_addresses_browser import (  # noqa: F401  (fixtures)
    _new_page,
    _sign_in,
    browser,
    company_server,
)

pytestmark = pytest.mark.e2e


def _type_choice(page, select, text: str) -> None:
    """Choose in a selectbox by typing, as a person with a keyboard does (the option list's pointer click was
    flaky here: the second list's option kept "not stable" while its list animated)."""
    select.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_saving_a_conversion_stays_on_the_conversions_section(company_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    url, passwords = company_server
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "admin", passwords["admin"])
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=zh("nav.settings.units"), exact=True).click()
    expect(page.get_by_role("heading", name=zh("nav.settings.units"))).to_be_visible()
    main = page.get_by_test_id("stMain")
    calculator = main.get_by_text(zh("settings.unit.calculator"), exact=True)
    expect(calculator).not_to_be_visible()  # the units section first

    main.get_by_text(zh("settings.unit.tab_conversions"), exact=True).click()
    expect(calculator).to_be_visible()
    main.get_by_text(zh("settings.unit.add_conversion"), exact=True).click()
    form = main.get_by_test_id("stForm")
    _type_choice(page, form.get_by_label(zh("field.settings.unit.from_unit")), "BOX")
    _type_choice(page, form.get_by_label(zh("field.settings.unit.to_unit")), "PCS")
    _fill(form, zh("field.settings.unit.factor"), "12")
    form.get_by_role("button", name=zh("settings.add")).click()

    expect(main.get_by_text(zh("settings.saved"), exact=True)).to_be_visible()  # the rerun after the save ran
    expect(calculator).to_be_visible()  # still on the conversions section
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)
