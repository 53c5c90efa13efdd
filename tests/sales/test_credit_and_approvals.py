"""Credit control, price overrides and the approval facts of the sales order, plus the reservation rules:
under the limit confirms; over it is blocked with the figures ("block") or needs the approval of the
credit_exceeded rule ("approval", a default rule made on submit) and then confirms; a typed price needs
sales.order.override_price; a price under the floor and a discount over the company limit need approval;
reservations never exceed what is available unless the company allows it."""

from __future__ import annotations

import pytest

from erp_core.approvals import queries as aq
from erp_core.approvals import services as ap
from erp_core.kernel.errors import Conflict, ValidationError
from erp_core.masterdata import partners_services as mp
from erp_core.sales import rules
from erp_core.sales import services as ss
from erp_core.sales.models import SalesOrder
from tests.sales.support import DAY, D, deliver, env, order, order_lines
from tests.security.helpers import new_user
from tests.support.factories import actor

SELL = {p: "all" for p in ("sales.order.create", "sales.order.edit", "sales.order.submit", "sales.order.confirm",
                           "sales.order.reopen")}


@pytest.fixture
def st(db, company):
    st = env(db, company=company)
    st.db = db
    uid = new_user(db, st.admin, "seller", roles=("viewer",))
    st.seller = actor(st.company_id, SELL, user_id=uid, username="seller")
    return st


def _limit(st, amount):
    from erp_core.masterdata.models_partners import Customer

    with st.db.uow(readonly=True) as uow:
        c = uow.session.get(Customer, st.customer)
        values, version = {"code": c.code, "name": c.name, "credit_limit": amount}, c.version
    mp.edit_customer(st.db, st.admin, customer_id=st.customer, version=version, values=values)


def _refused(fn, message_id):
    with pytest.raises(Conflict) as exc:
        fn()
    assert exc.value.message_id == message_id
    return exc.value


def _status(st, oid):
    with st.db.uow(readonly=True) as uow:
        return uow.session.get(SalesOrder, oid).status


def test_under_the_limit_confirms(st):
    _limit(st, "1000")
    oid, res = order(st.db, st, [("P1", "8")], actor=st.seller)  # 904.00 incl. VAT
    assert res["status"] == "confirmed"


def test_over_the_limit_is_blocked_with_the_figures(st):
    _limit(st, "1000")
    o1, _ = order(st.db, st, [("P1", "5")])  # 565.00 confirmed, not delivered
    o2, _ = order(st.db, st, [("P1", "4")], confirm=False)  # 452.00 -> 1,017.00 > 1,000
    err = _refused(lambda: ss.confirm_order(st.db, st.seller, order_id=o2), "error.sales.credit_blocked")
    assert err.params["exposure"] == "565.00" and err.params["over"] == "17.00"
    # delivered-not-invoiced still counts: delivering o1 does not free the credit
    deliver(st.db, st, [(order_lines(st.db, o1)[0], "5")])
    with st.db.uow(readonly=True) as uow:
        exp = rules.exposure(uow.session, st.company_id, st.customer)
    assert (exp.receivables, exp.delivered_not_invoiced, exp.confirmed_not_delivered) == (D(0), D("565.00"), D(0))
    _refused(lambda: ss.confirm_order(st.db, st.seller, order_id=o2), "error.sales.credit_blocked")


def test_over_the_limit_with_an_approved_override(st):
    _limit(st, "500")
    ss.set_sales_setting(st.db, st.admin, credit_control="approval")
    oid, _ = order(st.db, st, [("P1", "5")], confirm=False, actor=st.seller)  # 565.00 > 500
    _refused(lambda: ss.confirm_order(st.db, st.seller, order_id=oid), "error.sales.needs_approval")
    assert ss.submit_order(st.db, st.seller, order_id=oid) == 1  # the default credit rule was created
    rules_ = aq.list_rules(st.db, st.admin, doc_type="sales_order", include_inactive=False)
    assert [r["condition"] for r in rules_] == ["credit_exceeded"]
    _refused(lambda: ss.confirm_order(st.db, st.seller, order_id=oid), "error.approvals.pending")
    (req,) = [r["id"] for r in aq.document_approvals(st.db, st.admin, doc_type="sales_order", doc_id=oid)["requests"]
              if r["status"] == "pending"]
    assert ap.approve(st.db, st.admin, request_id=req, comment="老客户，同意") == "approved"
    assert ss.confirm_order(st.db, st.seller, order_id=oid)["status"] == "confirmed"


def test_typed_price_needs_the_override_permission(st):
    with pytest.raises(ValidationError) as exc:
        order(st.db, st, [("P1", "1", "100")], confirm=False, actor=st.seller)
    assert exc.value.message_id == "error.sales.override_price"
    boss = actor(st.company_id, {**SELL, ss.OVERRIDE_PRICE: "all"}, user_id=st.seller.user_id, username="seller")
    oid, res = order(st.db, st, [("P1", "1", "100")], actor=boss)  # 100 incl. VAT, above the floor 90.40
    assert res["status"] == "confirmed"
    with st.db.uow(readonly=True) as uow:
        ln = uow.session.get(SalesOrder, oid).lines[0]
        assert (ln.list_price, ln.discount_pct) == (D("113"), D("11.5044"))


def test_price_below_the_floor_needs_approval(st):
    boss = actor(st.company_id, {**SELL, ss.OVERRIDE_PRICE: "all"}, user_id=st.seller.user_id, username="seller")
    oid, _ = order(st.db, st, [("P1", "1", "90")], confirm=False, actor=boss)
    _refused(lambda: ss.confirm_order(st.db, boss, order_id=oid), "error.sales.needs_approval")
    assert ss.submit_order(st.db, boss, order_id=oid) == 1
    (req,) = [r["id"] for r in aq.document_approvals(st.db, st.admin, doc_type="sales_order", doc_id=oid)["requests"]]
    ap.approve(st.db, st.admin, request_id=req, comment="清库存")
    assert ss.confirm_order(st.db, boss, order_id=oid)["status"] == "confirmed"


def test_discount_over_the_company_limit_needs_approval(st):
    ss.set_sales_setting(st.db, st.admin, max_discount_pct="10")
    ok = ss.create_order(st.db, st.seller, customer_id=st.customer, doc_date=DAY,
                         warehouse_id=st.warehouses["WH01"],
                         lines=[{"product_id": st.products["P1"], "quantity": D(1), "discount_pct": D(10)}])
    assert ss.confirm_order(st.db, st.seller, order_id=ok)["status"] == "confirmed"
    big = ss.create_order(st.db, st.seller, customer_id=st.customer, doc_date=DAY,
                          warehouse_id=st.warehouses["WH01"],
                          lines=[{"product_id": st.products["P1"], "quantity": D(1), "discount_pct": D(15)}])
    _refused(lambda: ss.confirm_order(st.db, st.seller, order_id=big), "error.sales.needs_approval")
    assert ss.submit_order(st.db, st.seller, order_id=big) == 1


def test_reservation_is_capped_by_availability_unless_allowed(st):
    o1, r1 = order(st.db, st, [("P1", "70")])
    assert r1["reserved"] == {1: D("70")} and r1["short"] == {}
    o2, r2 = order(st.db, st, [("P1", "50")])
    assert r2["reserved"] == {1: D("30")} and r2["short"] == {1: D("20")}  # 20 on backorder
    with st.db.uow(readonly=True) as uow:
        a = rules.availability(uow.session, st.company_id, st.warehouses["WH01"], st.products["P1"])
    assert (a.on_hand, a.reserved, a.available) == (D("100"), D("100"), D("0"))
    ss.set_sales_setting(st.db, st.admin, allow_over_reserve=True)
    o3, r3 = order(st.db, st, [("P1", "5")])
    assert r3["reserved"] == {1: D("5")}
    with st.db.uow(readonly=True) as uow:
        assert rules.availability(uow.session, st.company_id, st.warehouses["WH01"],
                                  st.products["P1"]).available == D("-5")


def test_a_delivery_does_not_take_goods_reserved_for_another_order(st):
    o1, _ = order(st.db, st, [("P1", "90")])  # reserves 90 of 100
    o2, r2 = order(st.db, st, [("P1", "30")])  # reserves the 10 left, 20 on backorder
    assert r2["short"] == {1: D("20")}
    did = ss.create_delivery(st.db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(st.db, o2)[0],
                                                                     "quantity": D("15")}])
    _refused(lambda: ss.post_delivery(st.db, st.admin, delivery_id=did), "error.sales.reserved_for_others")
    deliver(st.db, st, [(order_lines(st.db, o2)[0], "10")])  # its own reservation ships
    deliver(st.db, st, [(order_lines(st.db, o1)[0], "90")])
