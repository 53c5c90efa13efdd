"""In headless Chromium: a purchase from order to payment (issue #12 "one Playwright test: order → approval →
receipt → invoice → payment"). The order (20 x 100.00 excl. VAT = 2,260.00 incl. VAT) is above the company's
approval threshold (1,000.00): the buyer (赵采购, role 采购员 as seeded: purchasing.* in her department) submits it, the approver (张总, another user, in his own browser)
approves it on 我的待办, the buyer confirms it, makes the receipt from it (生成采购入库单) and posts it, makes the
invoice from the receipt (three-way match at the order price) and posts it; the accountant (李会计, role 会计, in
her own browser) pays it with a 付款单 whose amount she types into the grid of the supplier's open invoices (an
st.data_editor: tests/e2e/grid.py). The data is checked after each step (states, vouchers, the payable settled)
and the pages' Chinese texts along the way.

The master data, the approval rule and the draft order are made through the use cases before the server starts
(typing an order into the form is covered by tests/purchasing/test_pages.py); everything after is clicked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.e2e.grid import type_into_grid
from tests.e2e.server import running_streamlit
from tests.e2e.test_browser_smoke import WAIT, _choose, zh
from tests.e2e.test_language_and_addresses_browser import _new_page, _sign_in, browser  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop_server(tmp_path):
    from sqlalchemy import select

    from erp_core.approvals import services as ap
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from erp_core.purchasing import services as ps
    from erp_core.security.models import User
    from erp_core.security.role_services import create_role, set_role_grants
    from erp_core.security.user_services import create_user
    from tests.support.factories import ADMIN_PASSWORD, admin_actor
    from tests.ui import harness

    url_db = harness.fresh_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    company = harness.setup_company(db)
    admin = admin_actor(db, company)
    # the approver: another user whose role may decide approvals (and nothing of purchasing)
    role = create_role(db, admin, code="approver", name_zh="审批人", name_en="Approver")
    set_role_grants(db, admin, role_id=role, grants={"approvals.inbox.view": "all",
                                                     "approvals.request.decide": "all"})
    create_user(db, admin, username="zhang.zong", display_name="张总", password="Zhang-zong-2026!",
                role_ids=[role], must_change_password=False)
    # the accountant who pays (role 会计 as seeded: finance.* includes the 付款单)
    with db.uow(readonly=True) as uow:
        from erp_core.security.models import Role

        accountant_role = uow.session.execute(select(Role.id).where(Role.company_id == company.company_id,
                                                                    Role.code == "accountant")).scalar_one()
        buyer_role = uow.session.execute(select(Role.id).where(Role.company_id == company.company_id,
                                                               Role.code == "purchaser")).scalar_one()
    accountant = create_user(db, admin, username="li.kuaiji", display_name="李会计", password="Li-kuaiji-2026!",
                             role_ids=[accountant_role], must_change_password=False)
    # the buyer (role 采购员 as seeded: purchasing.* and masterdata.supplier.* scoped to her department)
    from erp_core.masterdata import org_services

    dept = org_services.create_department(db, admin, code="PUR-1", name="采购部")
    buyer = create_user(db, admin, username="zhao.caigou", display_name="赵采购", password="Zhao-caigou-2026!",
                        role_ids=[buyer_role], department_id=dept, must_change_password=False)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD),
                 "zhang.zong": harness.ready_user(db, "zhang.zong", "Zhang-zong-2026!"),
                 "li.kuaiji": harness.ready_user(db, "li.kuaiji", "Li-kuaiji-2026!"),
                 "zhao.caigou": harness.ready_user(db, "zhao.caigou", "Zhao-caigou-2026!")}
    with db.uow(readonly=True) as uow:
        boss = uow.session.execute(select(User.id).where(User.username == "zhang.zong")).scalar_one()
    sup = partners_services.create_supplier(db, admin, values={"code": "S001", "name": "江南茶厂",
                                                               "department": "PUR-1"})
    wh = warehouse_services.create_warehouse(db, admin, code="WH01", name="长沙总仓")
    prod = items_services.create_product(db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                            "tax_rate": "VAT13"})
    ap.create_rule(db, admin, doc_type="purchase_order", condition="amount_above", threshold="1000",
                   approver_user_id=boss, level=1)
    oid = ps.create_order(db, admin, supplier_id=sup, doc_date=dt.date.today(), warehouse_id=wh, department_id=dept,
                          lines=[{"product_id": prod, "quantity": Decimal("20"), "unit_price": Decimal("100")}])
    db.dispose()
    harness.reset_ui_caches()
    # the database is migrated and filled above: Streamlit alone (see running_streamlit)
    with running_streamlit(tmp_path, url_db, "e2e-cookie-key-" + "z" * 40) as url:
        yield url, passwords, url_db, {"order": oid, "supplier": sup, "accountant": accountant, "buyer": buyer}


def _open(page, title_key: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=zh(title_key), exact=True).click()
    expect(page.get_by_role("heading", name=zh(title_key), exact=True)).to_be_visible()


def _keyed(page, key: str):
    """The element a widget with this key renders (Streamlit marks its container with the class st-key-<key>)."""
    return page.locator(f".st-key-{key}")


def _settled(page) -> None:
    from playwright.sync_api import expect

    page.wait_for_timeout(200)
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)


def _db(url_db):
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database

    return Database(make_engine(url_db), Settings(database_url=url_db))


def _row(db, sql: str, **params):
    from sqlalchemy import text

    with db.engine.connect() as c:
        return c.execute(text(sql), params).first()


def test_order_approval_receipt_invoice_payment(shop_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    url, passwords, url_db, ids = shop_server
    oid = ids["order"]
    db = _db(url_db)
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "zhao.caigou", passwords["zhao.caigou"])

    # 1. the buyer submits the order: above 1,000.00 it waits for approval
    _open(page, "nav.purchasing.orders")
    main = page.get_by_test_id("stMain")
    _keyed(page, f"pur_po_act_submit_{oid}").get_by_role("button", name=zh("purchasing.action.submit")).click()
    expect(main.get_by_text("提交审批完成")).to_be_visible()
    assert _row(db, "SELECT status FROM purchase_order WHERE id = :i", i=oid)[0] == "submitted"
    # confirming before the approval is refused, in Chinese
    confirm = _keyed(page, f"pur_po_act_confirm_{oid}")
    if confirm.count():
        confirm.get_by_role("button").click()
        _settled(page)
        assert _row(db, "SELECT status FROM purchase_order WHERE id = :i", i=oid)[0] == "submitted"

    # 2. the approver (another user, his own browser session) approves on 我的待办
    context2, page2 = _new_page(browser, url)
    page2.goto(url)
    _sign_in(page2, context2, "zhang.zong", passwords["zhang.zong"])
    _open(page2, "nav.approvals.inbox")
    _keyed(page2, "ap_comment").locator("textarea").fill("同意采购，注意到货时间")
    page2.get_by_role("button", name=zh("approvals.approve"), exact=True).click()
    expect(page2.get_by_text(zh("approvals.approved"), exact=True)).to_be_visible()
    assert _row(db, "SELECT status, comment FROM approval_request WHERE doc_type = 'purchase_order' AND doc_id = :i",
                i=oid) == ("approved", "同意采购，注意到货时间")
    context2.close()

    # 3. the buyer confirms it, makes the receipt from it and posts the receipt
    page.reload()
    _open(page, "nav.purchasing.orders")
    _keyed(page, f"pur_po_act_confirm_{oid}").get_by_role("button", name=zh("purchasing.action.confirm")).click()
    expect(main.get_by_text("确认完成")).to_be_visible()
    assert _row(db, "SELECT status FROM purchase_order WHERE id = :i", i=oid)[0] == "confirmed"
    _keyed(page, "pur_po_make_receipt").get_by_role("button").click()
    expect(page.get_by_role("heading", name=zh("nav.purchasing.receipts"), exact=True)).to_be_visible()
    expect(_keyed(page, "pur_rc_from_q0").locator("input")).to_have_value("20")
    _keyed(page, "pur_rc_from_save").get_by_role("button").click()
    expect(main.get_by_text(zh("purchasing.saved"), exact=True)).to_be_visible()
    rid = _row(db, "SELECT id FROM purchase_receipt ORDER BY id DESC")[0]
    _keyed(page, f"pur_rc_act_post_ok_{rid}").locator("label").click()
    _keyed(page, f"pur_rc_act_post_{rid}").get_by_role("button").click()
    expect(main.get_by_text("过账完成")).to_be_visible()
    receipt = _row(db, "SELECT status, voucher_id, created_by, posted_by FROM purchase_receipt WHERE id = :i", i=rid)
    assert receipt[0] == "posted" and receipt[1] is not None and receipt[2:] == (ids["buyer"], ids["buyer"])
    assert _row(db, "SELECT progress FROM purchase_order WHERE id = :i", i=oid)[0] == "received"
    assert _row(db, "SELECT sum(quantity), sum(amount) FROM stock_move WHERE source_type = 'purchase_receipt' "
                    "AND source_id = :i", i=rid) == (20_000_000, 200_000)  # 20 at 100.00 (暂估)

    # 4. the invoice from the receipt (three-way match at the order price), posted
    _keyed(page, "pur_rc_make_inv").get_by_role("button").click()
    expect(page.get_by_role("heading", name=zh("nav.purchasing.invoices"), exact=True)).to_be_visible()
    _keyed(page, "pur_iv_from_no").locator("input").fill("04400001")
    _keyed(page, "pur_iv_from_save").get_by_role("button").click()
    expect(main.get_by_text(zh("purchasing.saved"), exact=True)).to_be_visible()
    iid = _row(db, "SELECT id FROM purchase_invoice ORDER BY id DESC")[0]
    _keyed(page, f"pur_iv_act_post_ok_{iid}").locator("label").click()
    _keyed(page, f"pur_iv_act_post_{iid}").get_by_role("button").click()
    expect(main.get_by_text("过账完成")).to_be_visible()
    invoice = _row(db, "SELECT status, voucher_id, total, created_by FROM purchase_invoice WHERE id = :i", i=iid)
    assert invoice[0] == "posted" and invoice[1] is not None and invoice[2] == 226_000  # 2,260.00
    assert invoice[3] == ids["buyer"]

    # 5. the accountant (李会计, role 会计: finance.* — another user, her own browser) pays the whole invoice: the
    # supplier's open invoices are listed in an st.data_editor grid, the amount is typed into its cell
    # (tests/e2e/grid.py), the 付款单 saved, then posted: the payable is settled
    context3, page3 = _new_page(browser, url)
    page3.goto(url)
    _sign_in(page3, context3, "li.kuaiji", passwords["li.kuaiji"])
    main3 = page3.get_by_test_id("stMain")
    _open(page3, "nav.payables.payments")
    main3.get_by_text(zh("pay.tab.new"), exact=True).click()
    _choose(page3, _keyed(page3, "pay_new_sup"), "S001 江南茶厂")
    expect(_keyed(page3, "pay_new_items").locator("canvas").first).to_be_visible()
    type_into_grid(page3, "pay_new_items", 0, zh("pay.col.pay"), "2260")
    _keyed(page3, "pay_new_save").get_by_role("button").click()
    expect(main3.get_by_text(zh("pay.saved"), exact=True)).to_be_visible()
    pid, ptotal, pby = _row(db, "SELECT id, total, created_by FROM payment ORDER BY id DESC")
    assert (ptotal, pby) == (226_000, ids["accountant"])  # the typed amount reached the server
    assert _row(db, "SELECT item_type, item_id, amount FROM payment_line WHERE header_id = :i", i=pid) == (
        "purchase_invoice", iid, 226_000)
    main3.get_by_text(zh("pay.tab.detail"), exact=True).click()
    expect(main3.get_by_text(zh("pay.status.draft")).first).to_be_visible()
    _keyed(page3, "pay_post_ok").locator("label").click()
    _keyed(page3, "pay_post").get_by_role("button").click()
    expect(main3.get_by_text("已过账").first).to_be_visible()
    payment = _row(db, "SELECT status, voucher_id FROM payment WHERE id = :i", i=pid)
    assert payment[0] == "posted" and payment[1] is not None
    settled = _row(db, "SELECT sum(amount) FROM settlement WHERE item_type = 'purchase_invoice' AND item_id = :i",
                   i=iid)[0]
    assert settled == 226_000  # the whole 2,260.00 payable settled by the payment
    expect(page3.get_by_text("This app has encountered an error")).to_have_count(0)
    context3.close()
    db.dispose()
