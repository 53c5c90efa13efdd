"""In headless Chromium (issue #13): a refused sales order save shows its message, in Chinese, right above the save
button — where the user is looking — and saves nothing. The new-order form is long; a refusal written after the
button fell below the fold, so the save looked like a button that did nothing (ui/feedback.SaveButton). AppTest
has no viewport and no layout: only a browser can show where the message lands.

The salesperson 王销售 picks his customer and a product and leaves the quantity empty; the service's refusal
(rendered in zh_CN from the same call made directly before the server starts) must be the alert in the slot
``sales_so_new_feedback``, its box ending above the save button's top with no other element between them, and
both inside the 1400 x 1000 viewport."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.server import running_app, streamlit_only
from tests.e2e.test_browser_smoke import WAIT, _choose, zh
from tests.e2e.test_language_and_addresses_browser import _new_page, _sign_in, browser  # noqa: F401
from tests.e2e.test_purchase_flow_browser import _db, _keyed, _open, _row, _settled

pytestmark = pytest.mark.e2e
PASSWORD = "Wang-xiaoshou-2026!"


@pytest.fixture
def order_server(tmp_path):
    from sqlalchemy import select

    from erp_core.i18n import render_error
    from erp_core.kernel.errors import DomainError
    from erp_core.masterdata import items_services, org_services, partners_services, warehouse_services
    from erp_core.sales import services as ss
    from erp_core.security.models import Role, User
    from erp_core.security.sessions import build_actor
    from erp_core.security.user_services import create_user
    from tests.support.factories import admin_actor
    from tests.ui import harness

    url_db = harness.fresh_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    company = harness.setup_company(db)
    admin = admin_actor(db, company)
    dept = org_services.create_department(db, admin, code="SALES-N", name="销售一部")
    with db.uow(readonly=True) as uow:
        role = uow.session.execute(select(Role.id).where(Role.company_id == company.company_id,
                                                         Role.code == "sales")).scalar_one()
    uid = create_user(db, admin, username="wang.xiaoshou", display_name="王销售", password=PASSWORD,
                      role_ids=[role], department_id=dept, must_change_password=False)
    password = harness.ready_user(db, "wang.xiaoshou", PASSWORD)
    cus = partners_services.create_customer(db, admin, values={"code": "C001", "name": "岳麓茶行",
                                                               "department": "SALES-N", "owner": "wang.xiaoshou"})
    wh = warehouse_services.create_warehouse(db, admin, code="WH01", name="长沙总仓")
    prod = items_services.create_product(db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                            "tax_rate": "VAT13"})
    # what the page passes for that form (ui/sales_kit.dec("") is ""), called directly: the refusal expected
    with db.uow(readonly=True) as uow:
        wang = build_actor(uow.session, uow.session.get(User, uid), session_id=None, client_ip="127.0.0.1")
    with pytest.raises(DomainError) as refused:
        ss.create_order(db, wang, customer_id=cus, doc_date=dt.date.today(), warehouse_id=wh,
                        prices_include_vat=True, delivery_date=None, consignee="", consignee_phone="",
                        ship_address="", remarks="", lines=[{"product_id": prod, "quantity": "", "discount_pct": 0}])
    expected = render_error(refused.value, "zh_CN")
    db.dispose()
    harness.reset_ui_caches()
    with running_app(tmp_path, url_db, "e2e-cookie-key-" + "r" * 40, command=streamlit_only) as url:
        yield url, password, url_db, expected


def test_refused_order_save_shows_the_message_right_above_the_button(order_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    url, password, url_db, expected = order_server
    assert any("\u4e00" <= ch <= "\u9fff" for ch in expected), expected  # a Chinese sentence
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "wang.xiaoshou", password)
    main = page.get_by_test_id("stMain")
    _open(page, "nav.sales.orders")
    main.get_by_text(zh("sales.section.new"), exact=True).click()
    _choose(page, _keyed(page, "sales_so_new_cus"), "C001 岳麓茶行")
    _choose(page, _keyed(page, "sales_so_new_p0"), "P1001 安化黑茶")
    # the product's rerun adds the available-stock table above the button: the layout settles first, as it has
    # for a person who then scrolls to the button and presses it
    expect(main.get_by_text(zh("sales.availability_hint"))).to_be_visible()
    _settled(page)
    save = _keyed(page, "sales_so_new_save").get_by_role("button", name=zh("sales.save"))
    save.scroll_into_view_if_needed()
    save.click()
    _settled(page)

    alert = _keyed(page, "sales_so_new_feedback").get_by_test_id("stAlertContentError")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(expected.splitlines()[0])
    assert alert.inner_text().strip().startswith(expected.splitlines()[0])
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(1)  # the one refusal, in that slot
    expect(alert).to_be_in_viewport()
    expect(save).to_be_in_viewport()

    a, b = alert.bounding_box(), save.bounding_box()
    assert a is not None and b is not None
    assert a["y"] + a["height"] <= b["y"], (a, b)  # above the button
    assert b["y"] - (a["y"] + a["height"]) < 48, (a, b)  # right above: one element gap, nothing else
    assert a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"], (a, b)  # in the same column
    # no other element of the page lies between the refusal and the button
    between = page.evaluate(
        """([top, bottom]) => [...document.querySelectorAll('[data-testid="stMain"] [data-testid]')]
             .filter(e => { const r = e.getBoundingClientRect();
                            return r.height > 0 && r.top >= top && r.bottom <= bottom; })
             .map(e => e.getAttribute('data-testid'))""",
        [a["y"] + a["height"] - 0.5, b["y"] + 0.5])
    assert between == [], between
    assert _row(_db(url_db), "SELECT count(*) FROM sales_order")[0] == 0  # nothing saved
    context.close()
