"""Builders for the sales tests: the purchasing test company (warehouses WH01/WH02, products P1/P2/P3, VAT13 on
P1 and P2) plus customers C001/C002, stock received through 其他入库 at known costs, and a standard price list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.inventory.models import StockMove
from erp_core.sales import services as ss
from tests.finance.support import customer
from tests.purchasing.support import env as purchasing_env
from tests.purchasing.support import moves, voucher  # noqa: F401  (re-exported for the tests)

DAY = dt.date(2026, 3, 2)
D = Decimal


def env(db, *, stock=(("P1", "WH01", "100", "60"), ("P2", "WH01", "50", "20")), company=None):
    """The company, customers C001 / C002, stock in (product, warehouse, quantity, unit cost) through a posted
    其他入库单 dated the 1st, and price list STD (incl. VAT): P1 113 (from 10: 107.35, floor 90.40), P2 45.20."""
    from erp_core.stockops import services as so

    st = purchasing_env(db, company)  # the company fixture's copy of the run's snapshot, when given
    st.customer = customer(db, st.company_id)
    st.customer2 = customer(db, st.company_id, code="C002", name="岳麓超市")
    for pcode, wh, qty, cost in stock:
        rid = so.create_other_receipt(db, st.admin, doc_date=DAY - dt.timedelta(days=1),
                                      warehouse_id=st.warehouses[wh],
                                      lines=[{"product_id": st.products[pcode], "quantity": D(qty),
                                              "unit_cost": D(cost)}])
        so.post_other_receipt(db, st.admin, doc_id=rid)
    st.price_list = ss.save_price_list(db, st.admin, code="STD", name="标准价", prices=[
        {"product_id": st.products["P1"], "min_qty": 0, "price": D("113"), "floor_price": D("90.40")},
        {"product_id": st.products["P1"], "min_qty": 10, "price": D("107.35"), "floor_price": D("90.40")},
        {"product_id": st.products["P2"], "min_qty": 0, "price": D("45.20")}])
    return st


def order(db, st, lines, *, day=DAY, customer_id=None, confirm=True, actor=None, **kw):
    """A sales order (lines: (product code, quantity) or (product code, quantity, typed price)), confirmed
    unless told otherwise; returns (order id, confirm result)."""
    who = actor or st.admin
    oid = ss.create_order(db, who, customer_id=customer_id or st.customer, doc_date=day,
                          warehouse_id=st.warehouses["WH01"],
                          lines=[{"product_id": st.products[x[0]], "quantity": D(x[1]),
                                  **({"unit_price": D(x[2])} if len(x) > 2 else {})} for x in lines], **kw)
    result = ss.confirm_order(db, who, order_id=oid) if confirm else None
    return oid, result


def order_lines(db, order_id):
    from erp_core.sales.models import SalesOrder

    with db.uow(readonly=True) as uow:
        return [ln.id for ln in uow.session.get(SalesOrder, order_id).lines]


def delivery_lines(db, delivery_id):
    from erp_core.sales.models import SalesDelivery

    with db.uow(readonly=True) as uow:
        return [ln.id for ln in uow.session.get(SalesDelivery, delivery_id).lines]


def deliver(db, st, pairs, *, day=DAY, post=True, **kw):
    """A delivery of [(order line id, quantity)], posted unless told otherwise; returns (id, voucher id)."""
    did = ss.create_delivery(db, st.admin, doc_date=day, lines=[{"order_line_id": i, "quantity": D(q)}
                                                               for i, q in pairs], **kw)
    return did, (ss.post_delivery(db, st.admin, delivery_id=did) if post else None)


def order_state(db, oid):
    from erp_core.sales.models import SalesOrder

    with db.uow(readonly=True) as uow:
        o = uow.session.get(SalesOrder, oid)
        return o.status, o.progress, [(f"{ln.received_qty.normalize():f}", f"{ln.returned_qty.normalize():f}",
                                       f"{ln.reserved_qty.normalize():f}") for ln in o.lines]


def stock_value(db, company_id):
    with db.uow(readonly=True) as uow:
        return sum(uow.session.execute(select(StockMove.amount).where(StockMove.company_id == company_id))
                   .scalars(), D(0))
