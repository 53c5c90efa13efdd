"""In headless Chromium: a sale from quotation to receipt (issue #13 "Playwright: quotation → order → delivery →
invoice → receipt"). The salesperson types a quotation (10 x 安化黑茶 at 113.00 incl. VAT = 1,130.00) into the
new-quotation form, sends it and turns it into a sales order (生成销售订单), confirms the order (the credit check
passes: limit 50,000.00; 10 of the 100 on hand are reserved), makes the delivery from it (生成发货单) and posts it
(stock issued at the 60.00 cost: Dr 5401 / Cr 1405), makes the sales invoice from the delivered lines and posts it
(Dr 1122 / Cr 5001, 2221), and a 收款单 settles the receivable (open item to zero). The data is checked after each
step (states and progress, the reservation released, stock moves, vouchers) and the pages' Chinese texts.

One user (admin, who holds every right) clicks every step; the role split (salesperson, warehouse, accountant) is
covered by the access matrix (tests/access) and tests/sales/test_row_scope.py. The master data and the opening
stock (a posted 其他入库单) are made through the use cases before the server starts; the receipt's draft too (its
amounts are typed into an st.data_editor grid, a canvas a browser test cannot drive reliably, as in
test_purchase_flow_browser.py); it is posted in the browser."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import urllib.request
from decimal import Decimal

import pytest

from tests.e2e.test_browser_smoke import ROOT, WAIT, _choose, _free_port, zh
from tests.e2e.test_language_and_addresses_browser import _new_page, _sign_in, browser  # noqa: F401
from tests.e2e.test_purchase_flow_browser import _db, _keyed, _open, _row, _settled

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
    cus = partners_services.create_customer(db, admin, values={"code": "C001", "name": "岳麓茶行",
                                                               "credit_limit": "50000"})
    wh = warehouse_services.create_warehouse(db, admin, code="WH01", name="长沙总仓")
    prod = items_services.create_product(db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                            "tax_rate": "VAT13"})
    rid = so.create_other_receipt(db, admin, doc_date=dt.date.today() - dt.timedelta(days=1), warehouse_id=wh,
                                  lines=[{"product_id": prod, "quantity": Decimal("100"),
                                          "unit_cost": Decimal("60")}])
    so.post_other_receipt(db, admin, doc_id=rid)
    db.dispose()
    harness.reset_ui_caches()
    port = _free_port()
    env = dict(os.environ, ERP_DATABASE_URL=url_db, ERP_PORT=str(port), ERP_ADDRESS="127.0.0.1",
               ERP_COOKIE_KEY="e2e-cookie-key-" + "s" * 40)
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
        yield url, passwords, url_db, {"customer": cus, "product": prod, "warehouse": wh}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


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


def test_quotation_order_delivery_invoice_receipt(sales_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    url, passwords, url_db, ids = sales_server
    db = _db(url_db)
    expect.set_options(timeout=WAIT)
    context, page = _new_page(browser, url)
    page.goto(url)
    _sign_in(page, context, "admin", passwords["admin"])
    main = page.get_by_test_id("stMain")

    # 1. the salesperson types the quotation: customer, one line of 10 at 113.00 (incl. VAT, the form's default)
    _open(page, "nav.sales.quotations")
    main.get_by_text(zh("sales.section.new"), exact=True).click()
    _choose(page, _keyed(page, "sales_sq_new_cus"), "C001 岳麓茶行")
    _choose(page, _keyed(page, "sales_sq_new_p0"), "P1001 安化黑茶")
    _keyed(page, "sales_sq_new_q0").locator("input").fill("10")
    _keyed(page, "sales_sq_new_pr0").locator("input").fill("113")
    _keyed(page, "sales_sq_new_save").get_by_role("button").click()
    expect(main.get_by_text(zh("sales.saved"), exact=True)).to_be_visible()
    qid, qnumber, qstatus = _row(db, "SELECT id, number, status FROM sales_quotation ORDER BY id DESC")
    assert qstatus == "draft"
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
    assert _row(db, "SELECT status, total FROM sales_order WHERE id = :i", i=oid) == ("draft", 113_000)
    assert _row(db, "SELECT status FROM sales_quotation WHERE id = :i", i=qid)[0] == "accepted"

    # 3. confirmed: the credit check passes (1,130.00 of 50,000.00) and the 10 are reserved
    _keyed(page, f"sales_so_act_confirm_{oid}").get_by_role("button", name=zh("sales.action.confirm")).click()
    expect(main.get_by_text(f"{onumber}：{zh('sales.action.confirm')}完成")).to_be_visible()
    assert _row(db, "SELECT status, progress FROM sales_order WHERE id = :i", i=oid) == ("confirmed", "open")
    assert _row(db, "SELECT reserved_qty, received_qty FROM sales_order_line WHERE header_id = :i",
                i=oid) == (10_000_000, 0)
    expect(main.get_by_text(zh("sales.status.confirmed")).first).to_be_visible()

    # 4. the warehouse: 生成发货单 (the open 10 filled in), saved and posted: stock issued at cost, reservation gone
    _keyed(page, "sales_so_make_delivery").get_by_role("button", name=zh("sales.make_delivery")).click()
    expect(page.get_by_role("heading", name=zh("nav.sales.deliveries"), exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name=zh("sales.make_delivery"))).to_be_visible()
    oline = _row(db, "SELECT id FROM sales_order_line WHERE header_id = :i", i=oid)[0]
    expect(_keyed(page, f"sales_sd_from_q{oline}").locator("input")).to_have_value("10")
    _keyed(page, "sales_sd_from_carrier").locator("input").fill("顺丰速运")
    _keyed(page, "sales_sd_from_save").get_by_role("button").click()
    expect(main.get_by_text(zh("sales.saved"), exact=True)).to_be_visible()
    did, dnumber = _row(db, "SELECT id, number FROM sales_delivery ORDER BY id DESC")
    expect(main.get_by_role("heading", name=dnumber)).to_be_visible()
    _keyed(page, f"sales_sd_act_post_ok_{did}").locator("label").click()
    _keyed(page, f"sales_sd_act_post_{did}").get_by_role("button").click()
    expect(main.get_by_text(f"{dnumber}：{zh('sales.action.post')}完成")).to_be_visible()
    status, carrier, dvoucher = _row(db, "SELECT status, carrier, voucher_id FROM sales_delivery WHERE id = :i",
                                     i=did)
    assert (status, carrier) == ("posted", "顺丰速运") and dvoucher is not None
    assert _row(db, "SELECT sum(quantity), sum(amount) FROM stock_move WHERE source_type = 'sales_delivery' "
                    "AND source_id = :i", i=did) == (-10_000_000, -60_000)  # 10 out at 60.00
    assert _row(db, "SELECT sum(quantity) FROM stock_move WHERE product_id = :p", p=ids["product"])[0] == 90_000_000
    assert _row(db, "SELECT status, progress FROM sales_order WHERE id = :i", i=oid) == ("confirmed", "received")
    assert _row(db, "SELECT reserved_qty, received_qty FROM sales_order_line WHERE id = :i",
                i=oline) == (10_000_000, 10_000_000)  # reserved = delivered: nothing left held in stock
    lines = _voucher(db, dvoucher)
    assert _by_prefix(lines, "5401") == (60_000, 0) and _by_prefix(lines, "1405") == (0, 60_000)

    # 5. the accountant: the invoice from the delivered lines (the whole 10), posted: the receivable is open
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
    istatus, itotal, ino, ivoucher = _row(db, "SELECT status, total, invoice_no, voucher_id FROM sales_invoice "
                                              "WHERE id = :i", i=iid)
    assert (istatus, itotal, ino) == ("posted", 113_000, "24430001") and ivoucher is not None
    assert _row(db, "SELECT partner_id FROM sales_invoice WHERE id = :i", i=iid)[0] == ids["customer"]
    lines = _voucher(db, ivoucher)
    assert _by_prefix(lines, "1122") == (113_000, 0)
    assert _by_prefix(lines, "5001") == (0, 100_000) and _by_prefix(lines, "2221") == (0, 13_000)
    assert _row(db, "SELECT progress FROM sales_order WHERE id = :i", i=oid)[0] == "completed"

    # 6. the 收款单 of the whole 1,130.00 into the bank (draft through the use case, see the docstring), posted here
    from sqlalchemy import select

    from erp_core.billing import queries as bq
    from erp_core.billing import receipt_services as rs
    from erp_core.security.models import User
    from erp_core.security.sessions import build_actor

    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
        admin = build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
    assert [i["open"] for i in bq.customer_open_items(db, admin, partner_id=ids["customer"])] == [Decimal("1130")]
    rid = rs.create_receipt(db, admin, partner_id=ids["customer"], doc_date=dt.date.today(), account_code="1002",
                            lines=[{"item_type": "sales_invoice", "item_id": iid, "amount": Decimal("1130")}])
    rnumber = _row(db, "SELECT number FROM receipt WHERE id = :i", i=rid)[0]
    _open(page, "nav.sales.receipts")
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
                i=iid)[0] == 113_000
    assert bq.customer_open_items(db, admin, partner_id=ids["customer"]) == []  # the receivable settled to zero
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)
    context.close()
    db.dispose()
