"""The sales analysis and the sales dashboard read the DuckDB copy (erp_core/analytics/sales.py); the same figures
from the operational store (billing.analysis_queries.analysis_of / dashboard_figures_operational) are the
reference. After each step (invoices posted, a draft posted later, a red invoice, a reversed invoice, a cost
correction by a costing run, a customer moved to another department) every dimension is identical on both paths,
for the whole company and within a department grant (which sees only its rows), and the "estimated" marker of a
month-end-average product clears with the costing run on both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from erp_core.analytics import engine as analytics_engine
from erp_core.billing import analysis_queries as q
from erp_core.billing import invoice_services as inv
from erp_core.costing.models import CostCorrection, CostingRun
from erp_core.inventory.models import StockMove
from erp_core.masterdata.models_items import Product
from erp_core.masterdata.models_partners import Customer
from erp_core.usecase import Context
from tests.billing.support import DAY, build, deliver, order
from tests.support.factories import actor

D = Decimal
VIEW = q.VIEW[0]
FROM, TO = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def _reference(db, reader, by):
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, reader, VIEW, db, company_id=reader.company_id)
        return q.analysis_of(ctx, by, FROM, TO, q.visible(reader, VIEW))


def _same(db, *readers):
    for reader in readers:
        for by in q.DIMENSIONS:
            got = q.sales_analysis(db, reader, by=by, date_from=FROM, date_to=TO)
            assert got == _reference(db, reader, by), (by, reader.grants)


@pytest.fixture
def st(db, company):
    st = build(db, company=company)
    from erp_core.masterdata.org_services import create_department

    st.depts = {code: create_department(db, st.admin, code=code, name=f"部门{code}") for code in ("D1", "D2")}
    with db.uow() as uow:
        s = uow.session
        s.execute(update(Customer).where(Customer.id == st.customers["C001"])
                  .values(department_id=st.depts["D1"], address="湖南省湘潭市岳塘区1号"))
        s.execute(update(Customer).where(Customer.id == st.customers["C002"])
                  .values(department_id=st.depts["D2"], address="上海市浦东新区2号"))
        s.execute(update(Product).where(Product.id == st.products["P2"]).values(costing_method="monthly_average"))
        uow.commit()
    yield st
    analytics_engine.forget(db, delete=True)


def _invoice(db, st, pairs, *, post=True, day=DAY):
    iid = inv.create_invoice(db, st.admin, doc_date=day, lines=[
        {"source_type": "sales_delivery", "source_line_id": dl, "quantity": qty} for dl, qty in pairs])
    if post:
        inv.post_invoice(db, st.admin, invoice_id=iid)
    return iid


def test_copy_equals_the_operational_store_step_by_step_and_within_a_department(db, st):
    wide = actor(st.company_id, {VIEW: "all"})
    d1 = actor(st.company_id, {VIEW: "department"}, department_ids=frozenset({st.depts["D1"]}))
    nobody = actor(st.company_id, {VIEW: "own"})
    o1 = order(db, st, [("P1", "10", "50.00"), ("P2", "9", "20.00")])
    o2 = order(db, st, [("P1", "7", "33.33"), ("P2", "3", "19.99")], customer="C002")
    _, dl1 = deliver(db, st, [(o1[0], "6"), (o1[1], "9")])
    _, dl2 = deliver(db, st, [(o2[0], "7"), (o2[1], "3")], day=dt.date(2026, 4, 3))
    first = _invoice(db, st, [(dl1[0], "6"), (dl1[1], "3")])
    _same(db, wide, d1, nobody)
    rows = q.sales_analysis(db, wide, by="customer")
    assert [r["revenue"] for r in rows] == [D("360.00")] and rows[0]["estimated"] is True  # P2: no costing run
    assert q.sales_analysis(db, nobody, by="customer") == []

    # a draft first copied as pending, posted later; another customer's invoice in April
    draft = _invoice(db, st, [(dl2[0], "7"), (dl2[1], "3")], post=False, day=dt.date(2026, 4, 5))
    _same(db, wide, d1)
    inv.post_invoice(db, st.admin, invoice_id=draft)
    _invoice(db, st, [(dl1[1], "6")], day=dt.date(2026, 3, 9))
    _same(db, wide, d1, nobody)
    d1_customers = {r["key"] for r in q.sales_analysis(db, d1, by="customer")}
    assert d1_customers == {"C001 湘潭机电有限公司"}
    regions = {r["key"]: r["revenue"] for r in q.sales_analysis(db, wide, by="region")}
    assert regions == {"湖南省": D("360.00") + D("120.00"), "上海市": D("233.31") + D("59.97")}

    # a red invoice for part of the first one, and the whole April invoice reversed (红冲)
    with db.uow(readonly=True) as uow:
        from erp_core.billing.models import SalesInvoiceLine
        lines = list(uow.session.execute(select(SalesInvoiceLine.id).where(SalesInvoiceLine.header_id == first)
                                         .order_by(SalesInvoiceLine.line_no)).scalars())
    red = inv.create_red_invoice(db, st.admin, original_id=first, doc_date=dt.date(2026, 3, 20), reason="折让",
                                 lines=[{"line_id": lines[0], "quantity": "2"}])
    inv.post_invoice(db, st.admin, invoice_id=red)
    inv.reverse_invoice(db, st.admin, invoice_id=draft, doc_date=dt.date(2026, 4, 30))
    _same(db, wide, d1, nobody)
    months = {r["key"]: r["revenue"] for r in q.sales_analysis(db, wide, by="month")}
    assert months == {"2026-03": D("360.00") - D("100.00") + D("120.00"), "2026-04": D("0.00")}

    # the costing run of March corrects P2's issue cost: the cost follows and "estimated" clears, on both paths
    with db.uow() as uow:
        s = uow.session
        move = s.execute(select(StockMove.id).where(StockMove.source_type == "sales_delivery",
                                                    StockMove.product_id == st.products["P2"],
                                                    StockMove.move_date == DAY)).scalar_one()
        s.execute(insert(CostingRun).values(company_id=st.company_id, period="2026-03", last_move_seq=0, move_count=0,
                                            inputs_hash="0/0", corrections=1, amount=D("-1.01")))
        s.execute(insert(CostCorrection).values(company_id=st.company_id, target_move_id=move,
                                                revaluation_move_id=move, amount=D("-1.01"), account_code="5401",
                                                origin="run", move_date=DAY, created_at=dt.datetime(2026, 4, 1)))
        uow.commit()
    _touch(db, st)  # the audit stamp moves as it does with every use case
    _same(db, wide, d1)
    products = {r["key"]: r for r in q.sales_analysis(db, wide, by="product")}
    p2 = next(r for k, r in products.items() if k.startswith("P2"))
    assert p2["estimated"] is True  # P2 shipped in April too, with no April run
    march = {r["key"]: r for r in q.sales_analysis(db, wide, by="month", date_to=dt.date(2026, 3, 31))}
    assert march["2026-03"]["estimated"] is False

    # the customer moves to D1: the department grant sees it now (customer facts are read live)
    with db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == st.customers["C002"])
                            .values(department_id=st.depts["D1"]))
        uow.commit()
    _same(db, wide, d1)
    assert len(q.sales_analysis(db, d1, by="customer")) == 2


def _touch(db, st):
    """A use case (any) so the audit chain moves, as a costing run's own use case does."""
    from erp_core.masterdata.partners_services import create_customer

    create_customer(db, st.admin, values={"code": f"CX{id(st) % 1000}", "name": "触发客户"})


def test_the_dashboard_reads_the_copy_and_equals_the_reference(db, st):
    o1 = order(db, st, [("P1", "10", "50.00"), ("P2", "9", "20.00")])
    _, dl1 = deliver(db, st, [(o1[0], "6"), (o1[1], "9")])
    _invoice(db, st, [(dl1[0], "6"), (dl1[1], "9")])
    q.DASHBOARD_KEPT.clear()
    got = q.sales_dashboard(db, actor(st.company_id, {VIEW: "all"}), year=DAY.year)
    assert got == q.dashboard_figures_operational(db, st.company_id, DAY.year)
    assert got["monthly"][DAY.month - 1]["revenue"] == D("480.00") and got["estimated"] is True
    assert got["to_ship"]["lines"] == 1  # P1: 4 left
    # 4 x 50.00 (SQL arithmetic on the two scaled columns gave their stored integers' product: 200,000,000.00)
    assert got["to_ship"]["amount"] == D("200.00")
