"""In headless Chromium: a sale from quotation to receipt (issue #13 "Playwright: quotation → order → delivery →
invoice → receipt"), each step by the user whose role does it in the access matrix (erp_core/security/
roles_seed.py), each signed in in a browser of their own:

- the salesperson 王销售 (role 销售员, sales.* on their own rows; the customer is theirs, in their department) types a
  quotation (10 x 安化黑茶 at 113.00 incl. VAT = 1,130.00) into the new-quotation form, sends it, turns it into a
  sales order (生成销售订单) and confirms it (the credit check passes: limit 50,000.00; 10 of the 100 on hand are
  reserved);
- the warehouse keeper 陈仓管 (role 仓管员, sales.delivery.* / sales.return.*; no right to the orders) makes the
  delivery on the deliveries page from the customer's open order lines and posts it (stock issued at the 60.00
  cost: Dr 5401 / Cr 1405);
- the accountant 李会计 (role 会计: sales.invoice.*, finance.* for the 收款单) makes the sales invoice from the
  delivered lines and posts it (Dr 1122 / Cr 5001, 2221), then a 收款单: the amount received is typed into the
  st.data_editor grid of the customer's open invoices (tests/e2e/grid.py), saved and posted: the open item goes
  to zero.

The data is checked after each step (states and progress, the reservation released, stock moves, vouchers, who
made each document) and the pages' Chinese texts. The master data and the opening stock (a posted 其他入库单) are
made through the use cases before the server starts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.e2e.grid import type_into_grid
from tests.e2e.server import running_streamlit
from tests.e2e.test_browser_smoke import WAIT, _choose, zh
from tests.e2e.test_language_and_addresses_browser import _new_page, _sign_in, browser  # noqa: F401
from tests.e2e.test_purchase_flow_browser import _db, _keyed, _open, _row

USERS = (("wang.xiaoshou", "王销售", "sales", "Wang-xiaoshou-2026!"),
         ("chen.cangguan", "陈仓管", "warehouse", "Chen-cangguan-2026!"),
         ("li.kuaiji", "李会计", "accountant", "Li-kuaiji-2026!"))

pytestmark = pytest.mark.e2e


@pytest.fixture
def sales_server(tmp_path):
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from erp_core.stockops import services as so
    from tests.support.factories import ADMIN_PASSWORD, admin_actor
    from tests.ui import harness

    url_db = harness.fresh_sqlite_url(tmp_path)
    db = harness.use_database(url_db)
    company = harness.setup_company(db)
    admin = admin_actor(db, company)
    passwords = {"admin": harness.ready_user(db, "admin", ADMIN_PASSWORD)}
    from sqlalchemy import select

    from erp_core.masterdata import org_services
    from erp_core.security.models import Role
    from erp_core.security.user_services import create_user

    dept = org_services.create_department(db, admin, code="SALES-N", name="销售一部")
    with db.uow(readonly=True) as uow:
        roles = dict(uow.session.execute(select(Role.code, Role.id).where(Role.company_id == company.company_id)
                                         ).all())
    users = {}
    for username, name, role, password in USERS:  # one user per role of the sale, as the roles are seeded
        users[username] = create_user(db, admin, username=username, display_name=name, password=password,
                                      role_ids=[roles[role]], department_id=dept if role == "sales" else None,
                                      must_change_password=False)
        passwords[username] = harness.ready_user(db, username, password)
    # the salesperson's own customer, in their department
    cus = partners_services.create_customer(db, admin, values={"code": "C001", "name": "岳麓茶行",
                                                               "credit_limit": "50000", "department": "SALES-N",
                                                               "owner": "wang.xiaoshou"})
    wh = warehouse_services.create_warehouse(db, admin, code="WH01", name="长沙总仓")
    prod = items_services.create_product(db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                            "tax_rate": "VAT13"})
    rid = so.create_other_receipt(db, admin, doc_date=dt.date.today() - dt.timedelta(days=1), warehouse_id=wh,
                                  lines=[{"product_id": prod, "quantity": Decimal("100"),
                                          "unit_cost": Decimal("60")}])
    so.post_other_receipt(db, admin, doc_id=rid)
    db.dispose()
    harness.reset_ui_caches()
    # the database is migrated and filled above: Streamlit alone (see running_streamlit)
    with running_streamlit(tmp_path, url_db, "e2e-cookie-key-" + "s" * 40) as url:
        yield url, passwords, url_db, {"customer": cus, "product": prod, "warehouse": wh, "users": users}


def _voucher(db, voucher_id: int) -> dict[str, tuple[int, int]]:
    """{account code: (debit, credit)} of one voucher, in cents."""
    from sqlalchemy import text

    with db.engine.connect() as c:
        rows = c.execute(text("SELECT a.code, sum(vl.debit), sum(vl.credit) FROM voucher_line vl JOIN account a "
                              "ON a.id = vl.account_id WHERE vl.voucher_id = :v GROUP BY a.code"),
                         {"v": voucher_id}).all()
    return {code: (int(d), int(c)) for code, d, c in rows}


def _by_prefix(lines: dict[str, tuple[int, int]], prefix: str) -> tuple[int, int]:
    got = [v for code, v in lines.items() if code.startswith(prefix)]
    return sum(d for d, _ in got), sum(c for _, c in got)


def _signed_in(browser, url, username, passwords):  # noqa: F811
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, username, passwords[username])
    return context, page, page.get_by_test_id("stMain")


def test_quotation_order_delivery_invoice_receipt(sales_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    url, passwords, url_db, ids = sales_server
    users = ids["users"]
    db = _db(url_db)
    expect.set_options(timeout=WAIT)

    # 1. the salesperson types the quotation: customer, one line of 10 at 113.00 (incl. VAT, the form's default)
    context, page, main = _signed_in(browser, url, "wang.xiaoshou", passwords)
    _open(page, "nav.sales.quotations")
    main.get_by_text(zh("sales.section.new"), exact=True).click()
    _choose(page, _keyed(page, "sales_sq_new_cus"), "C001 岳麓茶行")
    _choose(page, _keyed(page, "sales_sq_new_p0"), "P1001 安化黑茶")
    _keyed(page, "sales_sq_new_q0").locator("input").fill("10")
    _keyed(page, "sales_sq_new_pr0").locator("input").fill("113")
    _keyed(page, "sales_sq_new_save").get_by_role("button").click()
    expect(main.get_by_text(zh("sales.saved"), exact=True)).to_be_visible()
    qid, qnumber, qstatus, qby = _row(db, "SELECT id, number, status, created_by FROM sales_quotation "
                                          "ORDER BY id DESC")
    assert qstatus == "draft" and qby == users["wang.xiaoshou"]
    assert _row(db, "SELECT total FROM sales_quotation WHERE id = :i", i=qid)[0] == 113_000  # 1,130.00
    assert _row(db, "SELECT ordered_qty, gross_amount FROM sales_quotation_line WHERE header_id = :i",
                i=qid) == (10_000_000, 113_000)

    # 2. sent to the customer, then 生成销售订单 (its price carried over)
    expect(main.get_by_role("heading", name=qnumber)).to_be_visible()
    _keyed(page, f"sales_sq_act_send_{qid}").get_by_role("button").click()
    expect(main.get_by_text(f"{qnumber}：{zh('sales.action.send')}完成")).to_be_visible()
    assert _row(db, "SELECT status FROM sales_quotation WHERE id = :i", i=qid)[0] == "sent"
    _keyed(page, "sales_sq_make_order").get_by_role("button", name=zh("sales.make_order")).click()
    expect(page.get_by_role("heading", name=zh("nav.sales.orders"), exact=True)).to_be_visible()
    oid, onumber = _row(db, "SELECT id, number FROM sales_order ORDER BY id DESC")
    expect(main.get_by_role("heading", name=onumber)).to_be_visible()
    assert _row(db, "SELECT status, total, created_by FROM sales_order WHERE id = :i", i=oid) == (
        "draft", 113_000, users["wang.xiaoshou"])
    assert _row(db, "SELECT status FROM sales_quotation WHERE id = :i", i=qid)[0] == "accepted"

    # 3. confirmed: the credit check passes (1,130.00 of 50,000.00) and the 10 are reserved
    _keyed(page, f"sales_so_act_confirm_{oid}").get_by_role("button", name=zh("sales.action.confirm")).click()
    expect(main.get_by_text(f"{onumber}：{zh('sales.action.confirm')}完成")).to_be_visible()
    assert _row(db, "SELECT status, progress FROM sales_order WHERE id = :i", i=oid) == ("confirmed", "open")
    assert _row(db, "SELECT reserved_qty, received_qty FROM sales_order_line WHERE header_id = :i",
                i=oid) == (10_000_000, 0)
    expect(main.get_by_text(zh("sales.status.confirmed")).filter(visible=True).first).to_be_visible()
    # the salesperson does not collect money: no 收款单 page in their menu (finance.receipt.* is the accountant's)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name=zh("nav.sales.orders"), exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=zh("nav.sales.receipts"), exact=True)).to_have_count(0)
    context.close()

    # 4. the warehouse keeper: a new delivery for the customer (its open order line: 10 filled in), saved and
    # posted: stock issued at cost, the reservation gone
    context, page, main = _signed_in(browser, url, "chen.cangguan", passwords)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name=zh("nav.sales.orders"), exact=True)).to_have_count(0)
    _open(page, "nav.sales.deliveries")
    main.get_by_text(zh("sales.section.new"), exact=True).click()
    _choose(page, _keyed(page, "sales_sd_new_cus"), "C001 岳麓茶行")
    oline = _row(db, "SELECT id FROM sales_order_line WHERE header_id = :i", i=oid)[0]
    expect(_keyed(page, f"sales_sd_new_q{oline}").locator("input")).to_have_value("10")
    _keyed(page, "sales_sd_new_carrier").locator("input").fill("顺丰速运")
    _keyed(page, "sales_sd_new_save").get_by_role("button").click()
    expect(main.get_by_text(zh("sales.saved"), exact=True)).to_be_visible()
    did, dnumber = _row(db, "SELECT id, number FROM sales_delivery ORDER BY id DESC")
    expect(main.get_by_role("heading", name=dnumber)).to_be_visible()
    _keyed(page, f"sales_sd_act_post_ok_{did}").locator("label").click()
    _keyed(page, f"sales_sd_act_post_{did}").get_by_role("button").click()
    expect(main.get_by_text(f"{dnumber}：{zh('sales.action.post')}完成")).to_be_visible()
    status, carrier, dvoucher, dby = _row(db, "SELECT status, carrier, voucher_id, created_by FROM sales_delivery "
                                              "WHERE id = :i", i=did)
    assert (status, carrier, dby) == ("posted", "顺丰速运", users["chen.cangguan"]) and dvoucher is not None
    assert _row(db, "SELECT sum(quantity), sum(amount) FROM stock_move WHERE source_type = 'sales_delivery' "
                    "AND source_id = :i", i=did) == (-10_000_000, -60_000)  # 10 out at 60.00
    assert _row(db, "SELECT sum(quantity) FROM stock_move WHERE product_id = :p", p=ids["product"])[0] == 90_000_000
    assert _row(db, "SELECT status, progress FROM sales_order WHERE id = :i", i=oid) == ("confirmed", "received")
    assert _row(db, "SELECT reserved_qty, received_qty FROM sales_order_line WHERE id = :i",
                i=oline) == (10_000_000, 10_000_000)  # reserved = delivered: nothing left held in stock
    lines = _voucher(db, dvoucher)
    assert _by_prefix(lines, "5401") == (60_000, 0) and _by_prefix(lines, "1405") == (0, 60_000)
    context.close()

    # 5. the accountant: the invoice from the delivered lines (the whole 10), posted: the receivable is open
    context, page, main = _signed_in(browser, url, "li.kuaiji", passwords)
    _open(page, "nav.sales.invoices")
    main.get_by_text(zh("bill.tab.new"), exact=True).click()
    expect(_keyed(page, "si_new_lines")).to_be_visible()  # the customer's (the only one's) delivered lines
    _keyed(page, "si_new_no").locator("input").fill("24430001")
    _keyed(page, "si_new_save").get_by_role("button").click()
    expect(main.get_by_text(zh("timeline.invoice_saved"), exact=True)).to_be_visible()  # the save's rerun ran
    iid, inumber = _row(db, "SELECT id, number FROM sales_invoice ORDER BY id DESC")
    main.get_by_text(zh("bill.tab.detail"), exact=True).click()
    expect(main.get_by_role("heading", name=f"{inumber} · {zh('pay.status.draft')}")).to_be_visible()
    _keyed(page, "si_post_ok").locator("label").click()
    _keyed(page, "si_post").get_by_role("button").click()
    expect(main.get_by_text(zh("bill.posted", number=inumber))).to_be_visible()
    istatus, itotal, ino, ivoucher, iby = _row(db, "SELECT status, total, invoice_no, voucher_id, created_by "
                                                   "FROM sales_invoice WHERE id = :i", i=iid)
    assert (istatus, itotal, ino, iby) == ("posted", 113_000, "24430001", users["li.kuaiji"])
    assert ivoucher is not None
    assert _row(db, "SELECT partner_id FROM sales_invoice WHERE id = :i", i=iid)[0] == ids["customer"]
    lines = _voucher(db, ivoucher)
    assert _by_prefix(lines, "1122") == (113_000, 0)
    assert _by_prefix(lines, "5001") == (0, 100_000) and _by_prefix(lines, "2221") == (0, 13_000)
    assert _row(db, "SELECT progress FROM sales_order WHERE id = :i", i=oid)[0] == "completed"

    # 6. the 收款单: the customer's open invoice in the grid, the 1,130.00 received typed into its cell, saved,
    # then posted: the receivable is settled to zero
    _open(page, "nav.sales.receipts")
    main.get_by_text(zh("bill.rtab.new"), exact=True).click()
    _choose(page, _keyed(page, "rc_new_cust"), "C001 岳麓茶行")
    expect(_keyed(page, "rc_new_items").locator("canvas").first).to_be_visible()
    type_into_grid(page, "rc_new_items", 0, zh("bill.col.received"), "1130")
    _keyed(page, "rc_new_save").get_by_role("button").click()
    expect(main.get_by_text(zh("timeline.receipt_saved"), exact=True)).to_be_visible()
    rid, rnumber, rtotal, rby = _row(db, "SELECT id, number, total, created_by FROM receipt ORDER BY id DESC")
    assert (rtotal, rby) == (113_000, users["li.kuaiji"])  # the typed amount reached the server
    assert _row(db, "SELECT item_type, item_id, amount FROM receipt_line WHERE header_id = :i", i=rid) == (
        "sales_invoice", iid, 113_000)
    main.get_by_text(zh("bill.rtab.detail"), exact=True).click()
    expect(main.get_by_role("heading", name=f"{rnumber} · {zh('pay.status.draft')}")).to_be_visible()
    _keyed(page, "rc_post_ok").locator("label").click()
    _keyed(page, "rc_post").get_by_role("button").click()
    expect(main.get_by_text(zh("bill.posted", number=rnumber))).to_be_visible()
    rstatus, rvoucher = _row(db, "SELECT status, voucher_id FROM receipt WHERE id = :i", i=rid)
    assert rstatus == "posted" and rvoucher is not None
    lines = _voucher(db, rvoucher)
    assert _by_prefix(lines, "1002") == (113_000, 0) and _by_prefix(lines, "1122") == (0, 113_000)
    assert _row(db, "SELECT sum(amount) FROM settlement WHERE item_type = 'sales_invoice' AND item_id = :i",
                i=iid)[0] == 113_000  # the receivable settled to zero
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)
    context.close()
    db.dispose()
