"""Worked examples with the exact vouchers and stock moves: order with list prices and quantity breaks ->
delivery (Dr 5401 / Cr 1405 at the moving-average cost), partial delivery and backorder with the reservation
following, delivery of two orders together, return at the original cost (Dr 1405 / Cr 5401) with the order's
progress going back, red delivery, and the `erp check` invariants staying clean."""

from __future__ import annotations

import pytest

from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.sales import rules
from erp_core.sales import services as ss
from erp_core.sales.invariants import sales_problems
from tests.sales.support import (
    DAY,
    D,
    deliver,
    delivery_lines,
    env,
    moves,
    order,
    order_lines,
    order_state,
    stock_value,
    voucher,
)


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def _avail(db, st, product="P1", wh="WH01"):
    with db.uow(readonly=True) as uow:
        a = rules.availability(uow.session, st.company_id, st.warehouses[wh], st.products[product])
        return a.on_hand, a.reserved, a.available


def _ids(exc) -> set[str]:
    return {e.message_id for e in (exc.errors if isinstance(exc, ValidationErrors) else [exc])}


def _clean(db, st):
    with db.uow(readonly=True) as uow:
        return sales_problems(uow.session, st.company_id)


def test_order_prices_from_the_list_with_quantity_breaks_and_tax(db, st):
    oid, res = order(db, st, [("P1", "4"), ("P1", "10"), ("P2", "2")])
    from erp_core.sales.queries import get_order

    o = get_order(db, st.admin, order_id=oid)
    got = [(f"{ln['unit_price'].normalize():f}", f"{ln['net_price'].normalize():f}", f"{ln['net_amount']:.2f}",
            f"{ln['tax_amount']:.2f}", f"{ln['gross_amount']:.2f}") for ln in o["lines"]]
    assert got == [("113", "100", "400.00", "52.00", "452.00"), ("107.35", "95", "950.00", "123.50", "1073.50"),
                   ("45.2", "40", "80.00", "10.40", "90.40")]
    assert o["total"] == D("1615.90") and o["tax_total"] == D("185.90")
    assert res["status"] == "confirmed" and res["short"] == {}
    assert _avail(db, st) == (D("100"), D("14"), D("86"))


def test_delivery_posts_cost_of_sales_at_the_moving_average(db, st):
    oid, _ = order(db, st, [("P1", "10"), ("P2", "5")])
    l1, l2 = order_lines(db, oid)
    did, vid = deliver(db, st, [(l1, "10"), (l2, "5")], carrier="顺丰", shipping_method="express",
                       tracking_no="SF123")
    assert moves(db, "sales_delivery", did) == [("issue", "-10", "60", "-600.00"), ("issue", "-5", "20", "-100.00")]
    assert voucher(db, vid) == [("5401", "700.00", "0.00", None), ("1405", "0.00", "700.00", None)]
    assert order_state(db, oid) == ("confirmed", "received", [("10", "0", "10"), ("5", "0", "5")])
    assert _avail(db, st) == (D("90"), D("0"), D("90"))
    assert stock_value(db, st.company_id) == D("5400.00") + D("900.00")
    assert _clean(db, st) == []


def test_partial_delivery_and_backorder(db, st):
    """6 of 10 shipped: the order is partly delivered, 4 stay reserved and on backorder; the second delivery
    completes it; a third is refused (nothing left)."""
    oid, _ = order(db, st, [("P1", "10")])
    (l1,) = order_lines(db, oid)
    did, vid = deliver(db, st, [(l1, "6")])
    assert voucher(db, vid) == [("5401", "360.00", "0.00", None), ("1405", "0.00", "360.00", None)]
    assert order_state(db, oid) == ("confirmed", "partly_received", [("6", "0", "10")])
    assert _avail(db, st) == (D("94"), D("4"), D("90"))
    from erp_core.sales.queries import deliverable_lines

    assert [(r["order_line_id"], r["to_deliver"]) for r in deliverable_lines(db, st.admin)] == [(l1, D("4"))]
    deliver(db, st, [(l1, "4")])
    assert order_state(db, oid)[1] == "received"
    with pytest.raises((ValidationError, ValidationErrors)) as e:
        deliver(db, st, [(l1, "1")])
    assert _ids(e.value) == {"error.sales.over_delivery"}
    assert _clean(db, st) == []


def test_one_delivery_ships_two_orders_of_one_customer_but_not_two_customers(db, st):
    o1, _ = order(db, st, [("P1", "2")])
    o2, _ = order(db, st, [("P2", "3")])
    o3, _ = order(db, st, [("P2", "1")], customer_id=st.customer2)
    did, vid = deliver(db, st, [(order_lines(db, o1)[0], "2"), (order_lines(db, o2)[0], "3")])
    assert voucher(db, vid) == [("5401", "180.00", "0.00", None), ("1405", "0.00", "180.00", None)]
    with pytest.raises((ValidationError, ValidationErrors)) as e:
        deliver(db, st, [(order_lines(db, o1)[0], "0.5"), (order_lines(db, o3)[0], "1")], post=False)
    assert "error.sales.one_customer" in _ids(e.value)


def test_return_comes_back_at_the_delivery_cost_and_the_order_follows(db, st):
    oid, _ = order(db, st, [("P1", "10")])
    (l1,) = order_lines(db, oid)
    did, _ = deliver(db, st, [(l1, "10")])
    # a later receipt at another cost moves the average: the return still comes back at 60
    from erp_core.stockops import services as so

    rid = so.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                  lines=[{"product_id": st.products["P1"], "quantity": D("10"),
                                          "unit_cost": D("80")}])
    so.post_other_receipt(db, st.admin, doc_id=rid)
    (dl,) = delivery_lines(db, did)
    ret = ss.create_return(db, st.admin, doc_date=DAY, reason="包装破损", lines=[{"delivery_line_id": dl,
                                                                               "quantity": D("3")}])
    vid = ss.post_return(db, st.admin, return_id=ret)
    assert moves(db, "sales_return", ret) == [("receipt", "3", "60", "180.00")]
    assert voucher(db, vid) == [("1405", "180.00", "0.00", None), ("5401", "0.00", "180.00", None)]
    assert order_state(db, oid) == ("confirmed", "partly_received", [("10", "3", "10")])
    from erp_core.sales.models import SalesDelivery

    with db.uow(readonly=True) as uow:
        assert [ln.returned_qty for ln in uow.session.get(SalesDelivery, did).lines] == [D("3")]
    with pytest.raises((ValidationError, ValidationErrors)):  # 8 > 7 returnable
        ss.create_return(db, st.admin, doc_date=DAY, reason="x", lines=[{"delivery_line_id": dl,
                                                                         "quantity": D("8")}])
    assert _clean(db, st) == []


def test_red_delivery_gives_the_order_its_quantity_back(db, st):
    oid, _ = order(db, st, [("P1", "5")])
    (l1,) = order_lines(db, oid)
    did, _ = deliver(db, st, [(l1, "5")])
    red = ss.reverse_delivery(db, st.admin, delivery_id=did)
    assert moves(db, "sales_delivery", red) == [("receipt", "5", "60", "300.00")]
    assert order_state(db, oid) == ("confirmed", "open", [("0", "0", "5")])
    assert _avail(db, st) == (D("100"), D("5"), D("95"))
    assert _clean(db, st) == []


def test_cancel_and_close_release_the_reservation(db, st):
    o1, _ = order(db, st, [("P1", "30")])
    o2, _ = order(db, st, [("P1", "20")])
    assert _avail(db, st)[1] == D("50")
    ss.cancel_order(db, st.admin, order_id=o1)
    assert _avail(db, st)[1] == D("20")
    deliver(db, st, [(order_lines(db, o2)[0], "5")])
    ss.close_order(db, st.admin, order_id=o2)
    assert _avail(db, st) == (D("95"), D("0"), D("95"))
    with pytest.raises(Conflict):  # something was delivered: not cancellable
        ss.cancel_order(db, st.admin, order_id=o2)


def test_a_service_line_is_ordered_and_confirmed_but_never_delivered(db, st):
    oid, res = order(db, st, [("P1", "2"), ("S1", "1", "50")])  # S1: 运输服务 (service), typed price, no list
    assert res["reserved"] == {1: D("2")}  # nothing reserved for the service
    from erp_core.sales.queries import deliverable_lines

    assert [r["line_no"] for r in deliverable_lines(db, st.admin)] == [1]
    with pytest.raises((ValidationError, ValidationErrors)) as e:
        deliver(db, st, [(order_lines(db, oid)[1], "1")], post=False)
    assert _ids(e.value) == {"error.sales.not_stock_product"}


def test_quotation_from_an_opportunity_becomes_an_order_linked_to_it(db, st):
    import datetime as dt

    from sqlalchemy import select

    from erp_core.crm.models import CrmOpportunityLink
    from erp_core.crm.opportunities.services import create_opportunity

    opp = create_opportunity(db, st.admin, customer_id=st.customer, name="春季茶叶采购", amount="5000",
                             close_date=dt.date(2026, 4, 30))
    qid = ss.create_quotation(db, st.admin, customer_id=st.customer, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                              lines=[{"product_id": st.products["P1"], "quantity": D(10), "discount_pct": D(5)}],
                              valid_until=DAY, opportunity_id=opp)
    oid = ss.order_from_quotation(db, st.admin, quotation_id=qid, doc_date=DAY)
    from erp_core.sales.queries import get_order, get_quotation

    assert get_quotation(db, st.admin, quotation_id=qid)["status"] == "accepted"
    o = get_order(db, st.admin, order_id=oid)
    # 107.35 (break at 10) less 5 % = 101.9825 incl. VAT, kept from the quotation
    assert (o["lines"][0]["unit_price"], o["lines"][0]["discount_pct"], o["total"]) == \
        (D("101.9825"), D("5"), D("1019.83"))
    assert [(r["doc_type"], r["doc_id"]) for r in o["links"]["upstream"]] == [("sales_quotation", qid)]
    with db.uow(readonly=True) as uow:
        links = uow.session.execute(select(CrmOpportunityLink.doc_type, CrmOpportunityLink.doc_id).where(
            CrmOpportunityLink.opportunity_id == opp).order_by(CrmOpportunityLink.id)).all()
    assert links == [("sales_quotation", qid), ("sales_order", oid)]
    with pytest.raises(Conflict):  # expired after valid_until
        q2 = ss.create_quotation(db, st.admin, customer_id=st.customer, doc_date=DAY,
                                 warehouse_id=st.warehouses["WH01"], valid_until=DAY,
                                 lines=[{"product_id": st.products["P1"], "quantity": D(1)}])
        ss.order_from_quotation(db, st.admin, quotation_id=q2, doc_date=DAY + dt.timedelta(days=1))


def test_a_red_delivery_is_not_reversed_again(db, st):
    oid, _ = order(db, st, [("P1", "2")])
    did, _ = deliver(db, st, [(order_lines(db, oid)[0], "2")])
    red = ss.reverse_delivery(db, st.admin, delivery_id=did)
    with pytest.raises(Conflict) as e:
        ss.reverse_delivery(db, st.admin, delivery_id=red)
    assert e.value.message_id == "error.documents.reverse_red"
    with pytest.raises(Conflict):
        ss.reverse_delivery(db, st.admin, delivery_id=did)  # the original at most once
