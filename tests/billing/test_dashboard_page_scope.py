"""The sales dashboard page for narrower grants (AppTest, SQLite; issue #13): a 销售主管 (sales_lead: sales.*
department) of 销售一部 sees the sales and orders to ship of his department's customers, 销售员 wang.xiaoshou
(sales.* own) those of the customer he is the salesperson of, each told the figures are within the grant; the
administrator sees the company's. The page used to refuse any grant narrower than the company."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update

from erp_core.analytics import engine as analytics_engine
from erp_core.billing import invoice_services as inv
from erp_core.documents.registry import document_type
from erp_core.masterdata import partners_services
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_partners import Customer
from erp_core.sales import services as ss
from erp_core.security.models import Role, User
from erp_core.security.user_services import create_user
from tests.billing.test_analysis_page_scope import _sell
from tests.billing.test_pages_red_and_recognition import TODAY, _deliver, shop  # noqa: F401
from tests.ui import harness
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401

D = Decimal
SCOPED = "仅含您授权范围内的销售"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _page(at):
    at = at.switch_page("pages/sales/dashboard.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_department_and_own_grants_see_their_own_dashboard(admin_app, login_as, shop, ui_db):  # noqa: F811
    admin = shop["admin"]
    with ui_db.uow(readonly=True) as uow:
        s = uow.session
        wang = s.execute(select(User.id).where(User.username == "wang.xiaoshou")).scalar_one()
        dept = s.execute(select(Department.id).where(Department.company_id == admin.company_id,
                                                     Department.code == "SALES-N")).scalar_one()
        lead_role = s.execute(select(Role.id).where(Role.company_id == admin.company_id,
                                                    Role.code == "sales_lead")).scalar_one()
    mine = partners_services.create_customer(ui_db, admin, values={"code": "RC002", "name": "王的客户"})
    team = partners_services.create_customer(ui_db, admin, values={"code": "RC003", "name": "一部客户"})
    with ui_db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == mine).values(owner_id=wang, department_id=dept))
        uow.session.execute(update(Customer).where(Customer.id == team).values(department_id=dept))
        uow.commit()
    with ui_db.uow(readonly=True) as uow:
        t = document_type("sales_order")
        product = uow.session.execute(select(t.line.product_id).where(t.line.id == shop["order_lines"][0])
                                      ).scalar_one()
    # RC001 (nobody's): 6 of the shop's order invoiced (600.00), 4 left to ship (400.00)
    _, dl = _deliver(ui_db, admin, shop["order_lines"][0], "6")
    iid = inv.create_invoice(ui_db, admin, doc_date=TODAY, lines=[
        {"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "6"}])
    inv.post_invoice(ui_db, admin, invoice_id=iid)
    _sell(ui_db, admin, mine, shop["warehouse"], product, "5")  # wang's customer: 500.00
    _sell(ui_db, admin, team, shop["warehouse"], product, "3")  # the department's other customer: 300.00
    oid = ss.create_order(ui_db, admin, customer_id=mine, doc_date=TODAY, warehouse_id=shop["warehouse"],
                          prices_include_vat=False, lines=[{"product_id": product, "quantity": D("2"),
                                                            "unit_price": D("100")}])
    ss.confirm_order(ui_db, admin, order_id=oid)  # wang's customer: 2 x 100.00 to ship
    lead = create_user(ui_db, admin, username="zhao.zhuguan", display_name="赵主管", password="Lead-Pass-2026!x",
                       department_id=dept, role_ids=[lead_role])
    assert lead
    password = harness.ready_user(ui_db, "zhao.zhuguan", "Lead-Pass-2026!x")
    try:
        at = _page(admin_app)
        assert _metrics(at) == {"销售额（不含税）": "¥1,400.00", "毛利": _metrics(at)["毛利"], "待发货订单行": "2",
                                "待发货金额": "¥600.00"}
        assert SCOPED not in "".join(c.value for c in at.caption)

        at = _page(harness.logged_in_app(ui_db, "zhao.zhuguan", password))
        m = _metrics(at)
        assert (m["销售额（不含税）"], m["待发货订单行"], m["待发货金额"]) == ("¥800.00", "1", "¥200.00")
        assert SCOPED in "".join(c.value for c in at.caption)
        memo = at.session_state["sales_dash_memo"]
        assert sorted(memo["top_customers"]["key"]) == ["RC002 王的客户", "RC003 一部客户"]
        kept = memo
        at = at.run()  # nothing new posted: the same figures, not read again
        assert at.session_state["sales_dash_memo"]["key"] == kept["key"]

        at = _page(login_as("wang.xiaoshou"))
        m = _metrics(at)
        assert (m["销售额（不含税）"], m["待发货订单行"], m["待发货金额"]) == ("¥500.00", "1", "¥200.00")
        assert SCOPED in "".join(c.value for c in at.caption)
        assert list(at.session_state["sales_dash_memo"]["top_customers"]["key"]) == ["RC002 王的客户"]
        assert len(at.get("plotly_chart")) == 3
    finally:
        analytics_engine.forget(ui_db, delete=True)
