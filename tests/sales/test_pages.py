"""The sales pages in Streamlit AppTest (SQLite): orders (list, a new order typed in with the available stock
shown while entering it, confirm, the fulfilment view, the print view), deliveries (生成发货单 from the order with
the quantity left prefilled, post after "I am sure", the delivery note), returns, quotations -> order, price
lists, customer terms with the exposure, settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


@pytest.fixture
def shop(ui_db, ui_company):  # noqa: F811
    """A customer, a warehouse with 20 of P1001 at 60, a product P1002 (both VAT13), a standard price list
    (P1001 113 incl. VAT) and a confirmed order of 10 x P1001."""
    from erp_core.masterdata import items_services, partners_services, warehouse_services
    from erp_core.stockops import services as so

    admin = admin_actor(ui_db, ui_company)
    cus = partners_services.create_customer(ui_db, admin, values={"code": "C001", "name": "华东商贸"})
    wh = warehouse_services.create_warehouse(ui_db, admin, code="WH01", name="长沙总仓")
    p1 = items_services.create_product(ui_db, admin, values={"code": "P1001", "name": "安化黑茶",
                                                             "tax_rate": "VAT13"})
    items_services.create_product(ui_db, admin, values={"code": "P1002", "name": "古丈毛尖", "tax_rate": "VAT13"})
    day = dt.date.today()
    rid = so.create_other_receipt(ui_db, admin, doc_date=day - dt.timedelta(days=1), warehouse_id=wh,
                                  lines=[{"product_id": p1, "quantity": Decimal("20"), "unit_cost": Decimal("60")}])
    so.post_other_receipt(ui_db, admin, doc_id=rid)
    ss.save_price_list(ui_db, admin, code="STD", name="标准价",
                       prices=[{"product_id": p1, "price": Decimal("113")}])
    oid = ss.create_order(ui_db, admin, customer_id=cus, doc_date=day, warehouse_id=wh,
                          lines=[{"product_id": p1, "quantity": Decimal("10")}])
    ss.confirm_order(ui_db, admin, order_id=oid)
    return {"admin": admin, "customer": cus, "warehouse": wh, "order": oid, "p1": p1}


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def at_db():
    from ui.context import database

    return database()


def test_orders_list_new_with_availability_confirm_and_print(admin_app, shop):  # noqa: F811
    at = admin_app.switch_page("pages/sales/orders.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "销售订单"
    df = at.dataframe[0].value
    assert list(df["价税合计"]) == ["1,130.00"] and list(df["执行状态"]) == ["未发货"]
    assert len(at.get("download_button")) == 2
    fulfil = at.dataframe[1].value
    assert list(fulfil["已预留"]) == ["10"] and list(fulfil["待发货"]) == ["10"]
    at = choose_section(at, "sales_so_section", "new")
    at.selectbox(key="sales_so_new_cus").select_index(0)
    at.selectbox(key="sales_so_new_p0").select_index(1)  # "", P1001, P1002
    at.text_input(key="sales_so_new_q0").input("3")
    at = at.run()
    avail = at.dataframe[0].value
    assert list(avail["现存量"]) == ["20"] and list(avail["已预留"]) == ["10"] and list(avail["可用量"]) == ["10"]
    at = at.button(key="sales_so_new_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    drafts = [r for r in sq.list_orders(at_db(), shop["admin"]) if r["status"] == "draft"]
    assert [r["total"] for r in drafts] == [Decimal("339.00")]
    at = _button(at, f"sales_so_act_confirm_{drafts[0]['id']}").click().run()
    assert "确认完成" in texts(at)
    assert sq.get_order(at_db(), shop["admin"], order_id=drafts[0]["id"])["status"] == "confirmed"
    at = choose_section(at.run(), "sales_so_section", "print")
    assert not at.exception, at.exception
    assert any("销售订单" in h.proto.body and "价税合计（大写）" in h.proto.body for h in at.get("html"))


def test_delivery_from_order_post_and_delivery_note(admin_app, shop):  # noqa: F811
    at = admin_app
    at.session_state["sales_sd_from_order"] = (shop["customer"], shop["order"])
    at = at.switch_page("pages/sales/deliveries.py").run()
    assert not at.exception, at.exception
    line = sq.get_order(at_db(), shop["admin"], order_id=shop["order"])["lines"][0]["id"]
    assert at.text_input(key=f"sales_sd_from_q{line}").value == "10"
    at.text_input(key=f"sales_sd_from_q{line}").input("6")
    at.text_input(key="sales_sd_from_carrier").input("顺丰速运")
    at.text_input(key="sales_sd_from_tracking").input("SF1001")
    at = at.button(key="sales_sd_from_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    (d,) = sq.list_deliveries(at_db(), shop["admin"])
    post = _button(at, f"sales_sd_act_post_{d['id']}")
    assert post.disabled
    at.checkbox(key=f"sales_sd_act_post_ok_{d['id']}").check()
    at = _button(at.run(), f"sales_sd_act_post_{d['id']}").click().run()
    assert "过账完成" in texts(at)
    assert sq.get_order(at_db(), shop["admin"], order_id=shop["order"])["progress"] == "partly_received"
    assert sq.get_delivery(at_db(), shop["admin"], delivery_id=d["id"])["cost_total"] == Decimal("360.00")
    at = choose_section(at, "sales_sd_section", "print")
    assert not at.exception, at.exception
    assert any("发货单" in h.proto.body and "SF1001" in h.proto.body for h in at.get("html"))


def test_other_sales_pages_render(admin_app, shop):  # noqa: F811
    for page in ("returns", "quotations", "price_lists", "customers", "settings"):
        at = admin_app.switch_page(f"pages/sales/{page}.py").run()
        assert not at.exception, (page, at.exception)
    at = admin_app.switch_page("pages/sales/customers.py").run()
    body = str(texts(at))
    assert "已确认未发货" in body and "1,130.00" in body
    # the customer's timeline (CRM) lists the order with its number
    assert [e.label for e in at.expander] == ["客户时间线"]
    frame = at.expander[0].dataframe[0].value
    assert list(frame.columns) == ["时间", "类型", "内容"] and "销售订单" in list(frame["类型"])
    at = choose_section(admin_app.switch_page("pages/sales/returns.py").run(), "sales_sr_section", "new")
    assert not at.exception, at.exception
    at = choose_section(admin_app.switch_page("pages/sales/quotations.py").run(), "sales_sq_section", "new")
    assert not at.exception, at.exception


def test_an_opportunity_becomes_a_quotation_from_the_crm_page(admin_app, shop):  # noqa: F811
    """Issue #15: 生成报价单 on the opportunities page opens the quotation form with the customer set, and the
    saved quotation is linked to the opportunity (it shows on the opportunity and the customer's timeline)."""
    from sqlalchemy import select

    from erp_core.crm.models import CrmOpportunityLink
    from erp_core.crm.opportunities import services as os_

    opp = os_.create_opportunity(at_db(), shop["admin"], customer_id=shop["customer"], name="年货团购",
                                 amount="5000", close_date=dt.date.today() + dt.timedelta(days=20))
    at = admin_app.switch_page("pages/crm/opportunities.py").run()
    at = choose_section(at, "crm_opp_view", "list")
    assert not at.exception, at.exception
    assert at.selectbox(key="crm_opp_quote_pick").value == opp
    # (AppTest cannot follow st.switch_page across files: the page is opened with the state the button sets)
    at.session_state["sales_sq_from_opportunity"] = (opp, shop["customer"], "年货团购")
    at = admin_app.switch_page("pages/sales/quotations.py").run()
    assert not at.exception, at.exception
    assert "年货团购" in at.subheader[0].value
    assert at.selectbox(key="sales_sq_opp_cus").value == shop["customer"]
    at.selectbox(key="sales_sq_opp_p0").select_index(1)
    at.text_input(key="sales_sq_opp_q0").input("5")
    at = at.button(key="sales_sq_opp_save").click().run()
    assert not at.exception, at.exception
    quotes = sq.list_quotations(at_db(), shop["admin"])
    assert len(quotes) == 1
    with at_db().uow(readonly=True) as uow:
        links = uow.session.execute(select(CrmOpportunityLink.doc_type, CrmOpportunityLink.doc_id).where(
            CrmOpportunityLink.opportunity_id == opp)).all()
    assert links == [("sales_quotation", quotes[0]["id"])]
