"""The billing pages in Streamlit AppTest (SQLite): an invoice posted from its detail after the confirmation and
shown in the list; a receipt saved from the form against it (part received, part cash discount) and posted; the
fapiao register; the receivables aging, overdue list and customer statement; the sales analysis and the sales
dashboard (figures kept per session while nothing new is posted)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.billing import invoice_services as inv
from erp_core.billing.models import Receipt
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts

TODAY = dt.date.today()


@pytest.fixture
def setup(ui_db, ui_company):  # noqa: F811
    from erp_core.masterdata.items_services import create_product
    from erp_core.masterdata.partners_services import create_customer

    admin = admin_actor(ui_db, ui_company)
    cust = create_customer(ui_db, admin, values={"code": "BC001", "name": "开票测试客户", "payment_terms_days": 10,
                                                 "address": "湖南省长沙市岳麓区"})
    svc = create_product(ui_db, admin, values={"code": "BSVC", "name": "安装服务", "kind": "service"})
    old = inv.create_invoice(ui_db, admin, doc_date=TODAY - dt.timedelta(days=40), customer_id=cust,
                             lines=[{"product_id": svc, "quantity": "1", "unit_price": "500", "tax_rate": "0"}])
    inv.post_invoice(ui_db, admin, invoice_id=old)
    draft = inv.create_invoice(ui_db, admin, doc_date=TODAY, customer_id=cust, invoice_no="04409999",
                               lines=[{"product_id": svc, "quantity": "2", "unit_price": "100", "tax_rate": "0.06"}])
    return {"admin": admin, "customer": cust, "old": old, "draft": draft}


def test_invoice_posted_from_detail_then_receipt_from_the_form(admin_app, setup, ui_db):  # noqa: F811
    at = admin_app.switch_page("pages/sales/invoices.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "销售发票"
    at = choose_section(at, "si_section", "detail")
    at.selectbox(key="si_pick").set_value(setup["draft"]).run()
    assert at.button(key="si_post").disabled  # confirmation first
    at = at.checkbox(key="si_post_ok").check().run()
    at = at.button(key="si_post").click().run()
    assert not at.exception, at.exception
    assert "已过账" in texts(at)
    at = choose_section(at, "si_section", "list")
    table = at.dataframe[0].value
    assert sorted(table["状态"]) == ["已过账", "已过账"]
    at = choose_section(at, "si_section", "fapiao")
    assert "04409999" in list(at.dataframe[0].value["发票号码"])

    at = admin_app.switch_page("pages/sales/receipts.py").run()
    assert not at.exception, at.exception
    at = choose_section(at, "rc_section", "new")
    at.selectbox(key="rc_new_cust").set_value(setup["customer"]).run()
    assert not at.exception, at.exception
    at.session_state["rc_new_items"] = {"edited_rows": {0: {"本次收款": "490", "现金折扣": "10"}},
                                        "added_rows": [], "deleted_rows": []}
    at = at.button(key="rc_new_save").click().run()
    assert not at.exception, at.exception
    with ui_db.uow(readonly=True) as uow:
        r = uow.session.query(Receipt).one()
        assert (r.total, [(ln.amount, ln.discount) for ln in r.lines]) == (Decimal("490.00"),
                                                                           [(Decimal("490.00"), Decimal("10.00"))])
    at = choose_section(at, "rc_section", "detail")
    at = at.checkbox(key="rc_post_ok").check().run()
    at = at.button(key="rc_post").click().run()
    assert not at.exception, at.exception
    assert "已过账" in texts(at)


def test_receivables_reports_analysis_and_dashboard(admin_app, setup):  # noqa: F811
    at = admin_app.switch_page("pages/sales/receivables_aging.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    row = df[df["客户编码"] == "BC001"].iloc[0]
    assert "500.00" in [str(v) for v in row.values]
    at = admin_app.switch_page("pages/sales/overdue.py").run()
    assert not at.exception, at.exception
    od = at.dataframe[0].value
    assert "BC001" in list(od["客户编码"])
    at = admin_app.switch_page("pages/sales/statement.py").run()
    assert not at.exception, at.exception
    at = admin_app.switch_page("pages/sales/analysis.py").run()
    assert not at.exception, at.exception
    an = at.dataframe[0].value
    assert "BC001 开票测试客户" in list(an["客户"])
    at = admin_app.switch_page("pages/sales/dashboard.py").run()
    assert not at.exception, at.exception
    assert at.session_state["sales_dash_memo"]["watermark"] > 0
    kept = at.session_state["sales_dash_memo"]
    at = at.run()  # nothing new posted: the same figures are shown, not read again
    assert at.session_state["sales_dash_memo"] is kept or at.session_state["sales_dash_memo"]["key"] == kept["key"]
    assert len(at.get("plotly_chart")) == 3
