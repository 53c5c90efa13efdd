"""The purchasing pages in Streamlit AppTest (SQLite): orders (list with filters and downloads, a new order typed
into the form, confirm, the print view), receipts (生成入库单 from an order with the quantity left prefilled, post
after "I am sure"), invoices (生成发票 from the receipt, the three-way match), returns, settings; the purchaser
sees the purchasing group."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


@pytest.fixture
def shop(ui_db, ui_company):  # noqa: F811
    """A supplier, a warehouse, two products (VAT13) and a confirmed order of 10 x 100 (excl. VAT)."""
    from erp_core.masterdata import items_services, partners_services, warehouse_services

    admin = admin_actor(ui_db, ui_company)
    sup = partners_services.create_supplier(ui_db, admin, values={"code": "S001", "name": "江南茶厂"})
    wh = warehouse_services.create_warehouse(ui_db, admin, code="WH01", name="长沙总仓")
    p1 = items_services.create_product(ui_db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                             "tax_rate": "VAT13"})
    items_services.create_product(ui_db, admin, values={"code": "P1002", "name": "古丈毛尖", "tax_rate": "VAT13"})
    oid = ps.create_order(ui_db, admin, supplier_id=sup, doc_date=dt.date.today(), warehouse_id=wh,
                          lines=[{"product_id": p1, "quantity": Decimal("10"), "unit_price": Decimal("100")}])
    ps.confirm_order(ui_db, admin, order_id=oid)
    return {"admin": admin, "supplier": sup, "warehouse": wh, "order": oid}


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_orders_list_new_confirm_and_print(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/purchasing/orders.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "采购订单"
    df = at.dataframe[0].value
    assert list(df["价税合计"]) == ["1,130.00"] and list(df["执行进度"]) == ["未执行"]
    assert len(at.get("download_button")) == 2
    assert "已确认" in texts(at)
    # a new order typed into the form
    at = choose_section(at, "pur_po_section", "new")
    at.selectbox(key="pur_po_new_sup").select_index(0)
    at.selectbox(key="pur_po_new_p0").select_index(2)  # "", P1001, P1002
    at.text_input(key="pur_po_new_q0").input("3")
    at.text_input(key="pur_po_new_pr0").input("50")
    at = at.button(key="pur_po_new_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    drafts = [r for r in pq.list_orders(at_db(), shop["admin"]) if r["status"] == "draft"]
    assert [(r["total"], r["tax_total"]) for r in drafts] == [(Decimal("169.50"), Decimal("19.50"))]
    # the new draft is open: confirm it
    assert "草稿" in texts(at)
    at = _button(at, f"pur_po_act_confirm_{drafts[0]['id']}").click().run()
    assert "确认完成" in texts(at)
    assert pq.get_order(at_db(), shop["admin"], order_id=drafts[0]["id"])["status"] == "confirmed"
    # filters: status draft shows nothing now
    at.selectbox(key="pur_po_status").select("draft")
    at = at.run()
    assert "没有符合条件的单据" in texts(at)
    at.selectbox(key="pur_po_status").select(None)
    at = choose_section(at.run(), "pur_po_section", "print")
    assert not at.exception, at.exception
    assert any("采购订单" in h.proto.body and "价税合计（大写）" in h.proto.body for h in at.get("html"))


def at_db():
    from ui.context import database

    return database()


def test_receipt_from_order_then_invoice_and_match(admin_app, shop):  # noqa: F811
    at = admin_app
    at.session_state["pur_rc_from_order"] = (shop["supplier"], shop["order"])
    at = at.switch_page("pages/purchasing/receipts.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="pur_rc_from_q0").value == "10"
    at.text_input(key="pur_rc_from_q0").input("6")
    at.selectbox(key="pur_rc_from_d0").select("short")
    at.text_input(key="pur_rc_from_r0").input("供应商缺货")
    at = at.button(key="pur_rc_from_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    (receipt,) = pq.list_receipts(at_db(), shop["admin"])
    assert list(at.dataframe[1].value["差异原因"]) == ["供应商缺货"]
    post = _button(at, f"pur_rc_act_post_{receipt['id']}")
    assert post.disabled
    at.checkbox(key=f"pur_rc_act_post_ok_{receipt['id']}").check()
    at = _button(at.run(), f"pur_rc_act_post_{receipt['id']}").click().run()
    assert "过账完成" in texts(at)
    assert pq.get_order(at_db(), shop["admin"], order_id=shop["order"])["progress"] == "partly_received"
    # 生成发票 from the receipt
    at.session_state["pur_iv_from_receipt"] = (shop["supplier"], receipt["id"])
    at = at.switch_page("pages/purchasing/invoices.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="pur_iv_from_q0").value == "6"
    at.text_input(key="pur_iv_from_no").input("04400001")
    at.text_input(key="pur_iv_from_p0").input("101")
    at = at.button(key="pur_iv_from_save").click().run()
    assert not at.exception, at.exception
    match = at.dataframe[2].value
    assert list(match["单价差异"]) == ["1"] and list(match["金额差异"]) == ["6.00"]
    (invoice,) = pq.list_invoices(at_db(), shop["admin"])
    assert invoice["total"] == Decimal("684.78")  # 606 + 78.78


def test_returns_and_settings_pages(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/purchasing/returns.py").run()
    assert not at.exception, at.exception
    assert "没有符合条件的单据" in texts(at)
    at = choose_section(at, "pur_rt_section", "new")
    assert not at.exception, at.exception
    at = admin_app.switch_page("pages/purchasing/settings.py").run()
    assert not at.exception, at.exception
    at.text_input(key="pur_set_pct").input("5")
    at.radio(key="pur_set_method").set_value("difference")
    at = at.button(key="pur_set_save").click().run()
    assert "已保存" in texts(at)
    assert pq.purchase_setting(at_db(), shop["admin"])["invoice_method"] == "difference"
    at.text_input(key="pur_set_pct").input("101")
    at = at.button(key="pur_set_save").click().run()
    assert "超收容差 %必须在 0 到 100 之间" in texts(at)


def test_the_purchaser_sees_the_purchasing_pages(login_as):  # noqa: F811
    at = login_as("zhao.caigou")
    at = at.switch_page("pages/purchasing/orders.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "采购订单"


def _received_and_invoiced(shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    (left,) = pq.lines_to_receive(ui_db, admin, order_id=shop["order"])
    rid = ps.create_receipt(ui_db, admin, doc_date=dt.date.today(),
                            lines=[{"order_line_id": left["order_line_id"], "quantity": Decimal("10")}])
    ps.post_receipt(ui_db, admin, receipt_id=rid)
    (rl,) = pq.lines_to_invoice(ui_db, admin, receipt_id=rid)
    iid = ps.create_invoice(ui_db, admin, doc_date=dt.date.today(), invoice_no="9",
                            lines=[{"receipt_line_id": rl["receipt_line_id"], "quantity": Decimal("10"),
                                    "unit_price": Decimal("105")}])
    ps.post_invoice(ui_db, admin, invoice_id=iid)
    return rid


def test_return_of_invoiced_goods_then_the_red_invoice(admin_app, shop, ui_db):  # noqa: F811
    rid = _received_and_invoiced(shop, ui_db)
    at = admin_app
    at.session_state["pur_rt_from_receipt"] = (shop["supplier"], rid)
    at = at.switch_page("pages/purchasing/returns.py").run()
    assert not at.exception, at.exception
    at.text_input(key="pur_rt_from_q0").input("2")
    at.text_input(key="pur_rt_from_n0").input("包装破损")
    at = at.button(key="pur_rt_from_save").click().run()
    assert "已保存" in texts(at)
    (ret,) = pq.list_returns(ui_db, shop["admin"])
    at.checkbox(key=f"pur_rt_act_post_ok_{ret['id']}").check()
    at = _button(at.run(), f"pur_rt_act_post_{ret['id']}").click().run()
    assert "过账完成" in texts(at) and "需要供应商开具红字发票" in texts(at)
    at = _button(at, f"pur_rt_red_{ret['id']}").click().run()
    assert not at.exception, at.exception
    red = [r for r in pq.list_invoices(ui_db, shop["admin"]) if r["red"]]
    assert [(r["status"], r["total"]) for r in red] == [("draft", Decimal("-237.30"))]  # owed: -(2 x 105 + 13 %)
    assert pq.red_invoice_lines(ui_db, shop["admin"], return_id=ret["id"]) == []  # made once


def test_edit_a_draft_receipt(admin_app, shop, ui_db):  # noqa: F811
    (left,) = pq.lines_to_receive(ui_db, shop["admin"], order_id=shop["order"])
    rid = ps.create_receipt(ui_db, shop["admin"], doc_date=dt.date.today(),
                            lines=[{"order_line_id": left["order_line_id"], "quantity": Decimal("10")}])
    at = admin_app.switch_page("pages/purchasing/receipts.py").run()
    version = pq.get_receipt(ui_db, shop["admin"], receipt_id=rid)["version"]
    key = f"pur_rc_edit_{rid}_{version}"
    at.text_input(key=f"{key}_q0").input("8")
    at.selectbox(key=f"{key}_d0").select("short")
    at.text_input(key=f"{key}_r0").input("少到两箱")
    at = at.button(key=f"{key}_save").click().run()
    assert not at.exception, at.exception
    (line,) = pq.get_receipt(ui_db, shop["admin"], receipt_id=rid)["lines"]
    assert (line["quantity"], line["discrepancy"], line["discrepancy_reason"]) == (Decimal(8), "short", "少到两箱")


def test_analysis_page_sections(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/purchasing/analysis.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["剩余数量"]) == ["10"]
    for code in ("to_invoice", "by_supplier", "by_product", "by_month", "prices"):
        at = choose_section(at, "pur_an_section", code)
        assert not at.exception, (code, at.exception)
    at.selectbox(key="pur_an_prod").select_index(0)
    at = at.run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["单价"]) == ["100"]
