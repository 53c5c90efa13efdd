"""The requisition page and the reorder button in Streamlit AppTest (SQLite): a requisition typed into the form,
approved, then 生成采购订单 with a supplier chosen on the page (one draft order appears, the requisition shows
已下单); the stock reports page turns a reorder suggestion into a draft purchase order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.purchasing import queries as pq
from erp_core.purchasing.requisitions import queries as rq
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


@pytest.fixture
def shop(ui_db, ui_company):  # noqa: F811
    from erp_core.masterdata import items_services, partners_services, warehouse_services

    admin = admin_actor(ui_db, ui_company)
    sup = partners_services.create_supplier(ui_db, admin, values={"code": "S001", "name": "江南茶厂"})
    wh = warehouse_services.create_warehouse(ui_db, admin, code="WH01", name="长沙总仓")
    p1 = items_services.create_product(ui_db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                             "reorder_point": "50", "reorder_quantity": "20"})
    return {"admin": admin, "supplier": sup, "warehouse": wh, "p1": p1, "db": ui_db}


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_requisition_new_approve_and_make_orders(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/purchasing/requisitions.py").run()
    assert not at.exception, at.exception
    at = choose_section(at, "pur_rq_section", "new")
    at.selectbox(key="pur_rq_new_p0").select_index(1)
    at.text_input(key="pur_rq_new_q0").input("12")
    at.text_input(key="pur_rq_new_pr0").input("30")
    at.text_input(key="pur_rq_new_reason").input("门店补货")
    at = at.button(key="pur_rq_new_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    [row] = rq.list_requisitions(shop["db"], shop["admin"])
    assert (row["status"], row["reason"], row["total"]) == ("draft", "门店补货", Decimal("360.00"))
    at = _button(at, f"pur_rq_act_approve_{row['id']}").click().run()
    assert not at.exception, at.exception
    # no supplier yet for P1001: choose one on the page, then make the orders
    at.selectbox(key=next(s.key for s in at.selectbox if (s.key or "").startswith(f"pur_rq_sup_{row['id']}_"))
                 ).select_index(1)
    at = _button(at, f"pur_rq_make_{row['id']}").click().run()
    assert not at.exception, at.exception
    assert "已生成 1 张采购订单草稿" in texts(at)
    [po] = pq.list_orders(shop["db"], shop["admin"])
    assert (po["partner_id"], po["status"]) == (shop["supplier"], "draft")
    assert rq.get_requisition(shop["db"], shop["admin"], requisition_id=row["id"])["progress"] == "completed"


def test_reorder_suggestion_becomes_a_purchase_order(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_reports.py").run()
    at = choose_section(at, "sr_section", "reorder")
    assert not at.exception, at.exception
    at.selectbox(key=f"sr_po_s_{shop['p1']}").select_index(1)
    at = _button(at, "sr_po_make").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "已生成 1 张采购订单草稿" in texts(at)
    [po] = pq.list_orders(shop["db"], shop["admin"])
    doc = pq.get_order(shop["db"], shop["admin"], order_id=po["id"])
    assert [(ln["product_id"], ln["quantity"]) for ln in doc["lines"]] == [(shop["p1"], Decimal("50"))]
    assert doc["doc_date"] == dt.date.today()


@pytest.mark.parametrize("kind,label", [("payments", "付款单"), ("purchase-requisitions", "请购单")])
def test_import_page_offers_payments_and_requisitions_with_post_switch_and_template(admin_app, kind, label):  # noqa: F811
    at = admin_app.switch_page("pages/masterdata/import.py").run()
    box = at.selectbox[0]
    assert label in box.options
    at = box.select(kind).run()
    assert not at.exception, at.exception
    assert any(c.key == f"{kind}_post" for c in at.checkbox)  # "导入后确认/过账"
    assert len(at.get("download_button")) == 2
