"""销售分析 for a salesperson (AppTest, SQLite): the page reads the analytics copy within the grant's row scope, so
销售员 wang.xiaoshou (sales.* own) sees the sales of the customer he is the salesperson of and not the others',
where the whole company's view shows both (the page used to refuse any grant narrower than the company)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select, update

from erp_core.analytics import engine as analytics_engine
from erp_core.billing import analysis_queries as q
from erp_core.billing import invoice_services as inv
from erp_core.documents.registry import document_type
from erp_core.masterdata import partners_services
from erp_core.masterdata.models_partners import Customer
from erp_core.sales import services as ss
from erp_core.security.models import User
from tests.billing.test_pages_red_and_recognition import TODAY, _deliver, shop  # noqa: F401
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401

D = Decimal


def _sell(db, admin, customer, warehouse, product, qty):
    oid = ss.create_order(db, admin, customer_id=customer, doc_date=TODAY - dt.timedelta(days=2), warehouse_id=warehouse,
                          prices_include_vat=False, lines=[{"product_id": product, "quantity": D(qty),
                                                            "unit_price": D("100")}])
    ss.confirm_order(db, admin, order_id=oid)
    with db.uow(readonly=True) as uow:
        ol = uow.session.get(document_type("sales_order").header, oid).lines[0].id
    _, dl = _deliver(db, admin, ol, qty)
    iid = inv.create_invoice(db, admin, doc_date=TODAY, lines=[
        {"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": qty}])
    inv.post_invoice(db, admin, invoice_id=iid)


def test_a_salesperson_sees_only_his_customers_sales(login_as, shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    with ui_db.uow(readonly=True) as uow:
        p1 = uow.session.execute(select(document_type("sales_order").line.product_id)
                                 .where(document_type("sales_order").line.id == shop["order_lines"][0])).scalar_one()
        wang = uow.session.execute(select(User.id).where(User.username == "wang.xiaoshou")).scalar_one()
    mine = partners_services.create_customer(ui_db, admin, values={"code": "RC002", "name": "王的客户"})
    with ui_db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == mine).values(owner_id=wang))
        uow.commit()
    _deliver(ui_db, admin, shop["order_lines"][0], "6")
    with ui_db.uow(readonly=True) as uow:
        dline = uow.session.execute(select(document_type("sales_delivery").line.id)).scalars().first()
    iid = inv.create_invoice(ui_db, admin, doc_date=TODAY, lines=[
        {"source_type": "sales_delivery", "source_line_id": dline, "quantity": "6"}])
    inv.post_invoice(ui_db, admin, invoice_id=iid)
    _sell(ui_db, admin, mine, shop["warehouse"], p1, "5")
    try:
        wide = {r["key"] for r in q.sales_analysis(ui_db, admin, by="customer")}
        assert wide == {"RC001 红字测试客户", "RC002 王的客户"}

        at = login_as("wang.xiaoshou").switch_page("pages/sales/analysis.py").run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        table = at.dataframe[0].value
        assert list(table.iloc[:, 0]) == ["RC002 王的客户"]
    finally:
        analytics_engine.forget(ui_db, delete=True)
