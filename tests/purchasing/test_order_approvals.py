"""Purchase orders through the approvals engine with the real facts of the type (SQLite, PostgreSQL, MariaDB):
amount incl. VAT below / above the threshold, two sequential levels, self-approval refused, an approver without
the role refused, a new supplier, a price rise over the last confirmed price; reopen and edit withdraw."""

from __future__ import annotations

import pytest

from erp_core.approvals import queries as aq
from erp_core.approvals import services as ap
from erp_core.kernel.errors import Conflict
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseOrder
from erp_core.security.role_services import create_role
from tests.purchasing.support import DAY, D, env
from tests.security.helpers import new_user
from tests.support.factories import actor

BUY = {p: "all" for p in ("purchasing.order.create", "purchasing.order.edit", "purchasing.order.submit",
                          "purchasing.order.confirm", "purchasing.order.reopen")}
DECIDE = {"approvals.request.decide": "all", "approvals.inbox.view": "all"}


@pytest.fixture
def e(db, company):
    st = env(db, company=company)
    st.db = db
    mgr = st.mgr_role = create_role(db, st.admin, code="pmgr", name_zh="采购经理", name_en="Purchasing manager")
    create_role(db, st.admin, code="cfo", name_zh="财务总监", name_en="CFO")
    uid = {n: new_user(db, st.admin, n, roles=r) for n, r in (("buyer", ("viewer",)), ("mgr1", ("pmgr",)),
                                                              ("cfo1", ("cfo",)), ("buyer_mgr", ("pmgr",)))}
    st.who = {n: actor(st.company_id, {**BUY, **DECIDE}, user_id=i, username=n) for n, i in uid.items()}
    # amounts incl. VAT: P1 at 100 + 13 % VAT
    ap.create_rule(db, st.admin, doc_type="purchase_order", condition="amount_above", threshold="1000",
                   approver_role_id=mgr, level=1)
    ap.create_rule(db, st.admin, doc_type="purchase_order", condition="amount_above", threshold="5000",
                   approver_user_id=uid["cfo1"], level=2)
    return st


def _order(e, qty, price="100", by="buyer", supplier=None):
    return ps.create_order(e.db, e.who[by], supplier_id=supplier or e.supplier, doc_date=DAY,
                           warehouse_id=e.warehouses["WH01"],
                           lines=[{"product_id": e.products["P1"], "quantity": D(qty), "unit_price": D(price)}])


def _refused(fn, message_id):
    with pytest.raises(Conflict) as exc:
        fn()
    assert exc.value.message_id == message_id


def _requests(e, oid):
    return [r["id"] for r in aq.document_approvals(e.db, e.admin, doc_type="purchase_order", doc_id=oid)["requests"]
            if r["status"] == "pending"]


def _status(e, oid):
    with e.db.uow(readonly=True) as uow:
        o = uow.session.get(PurchaseOrder, oid)
        return o.status, o.total


def test_below_the_threshold_confirm_needs_no_approval(e):
    oid = _order(e, "8")  # 800 + 104 VAT = 904.00
    assert _status(e, oid) == ("draft", D("904.00"))
    assert ps.confirm_order(e.db, e.who["buyer"], order_id=oid) == "confirmed"


def test_above_the_threshold_waits_for_the_manager(e):
    oid = _order(e, "9")  # 1,017.00 incl. VAT: above 1000 although 900 net
    _refused(lambda: ps.confirm_order(e.db, e.who["buyer"], order_id=oid), "error.approvals.required")
    assert ps.submit_order(e.db, e.who["buyer"], order_id=oid) == 1
    assert _status(e, oid)[0] == "submitted"
    _refused(lambda: ps.confirm_order(e.db, e.who["buyer"], order_id=oid), "error.approvals.pending")
    (req,) = _requests(e, oid)
    assert [r["id"] for r in aq.my_inbox(e.db, e.who["mgr1"])] == [req]
    assert ap.approve(e.db, e.who["mgr1"], request_id=req, comment="同意") == "approved"
    assert ps.confirm_order(e.db, e.who["buyer"], order_id=oid) == "confirmed"


def test_two_levels_self_approval_and_an_approver_without_the_role(e):
    oid = _order(e, "50", by="buyer_mgr")  # 5,650.00: both levels
    assert ps.submit_order(e.db, e.who["buyer_mgr"], order_id=oid) == 2
    first, second = _requests(e, oid)
    _refused(lambda: ap.approve(e.db, e.who["buyer_mgr"], request_id=first), "error.approvals.self_approval")
    _refused(lambda: ap.approve(e.db, e.who["buyer"], request_id=first), "error.approvals.not_approver")
    _refused(lambda: ap.approve(e.db, e.who["cfo1"], request_id=second), "error.approvals.earlier_level")
    assert ap.approve(e.db, e.who["mgr1"], request_id=first) == "pending"
    _refused(lambda: ps.confirm_order(e.db, e.who["buyer_mgr"], order_id=oid), "error.approvals.pending")
    assert ap.approve(e.db, e.who["cfo1"], request_id=second) == "approved"
    assert ps.confirm_order(e.db, e.who["buyer_mgr"], order_id=oid) == "confirmed"


def test_reopen_and_edit_withdraw_the_requests(e):
    oid = _order(e, "9")
    ps.submit_order(e.db, e.who["buyer"], order_id=oid)
    assert ps.reopen_order(e.db, e.who["buyer"], order_id=oid) == "draft"
    assert _requests(e, oid) == []
    with e.db.uow(readonly=True) as uow:
        version = uow.session.get(PurchaseOrder, oid).version
    ps.edit_order(e.db, e.who["buyer"], order_id=oid, version=version, supplier_id=e.supplier,
                  warehouse_id=e.warehouses["WH01"],
                  lines=[{"product_id": e.products["P1"], "quantity": D("5"), "unit_price": D("100")}])
    assert ps.confirm_order(e.db, e.who["buyer"], order_id=oid) == "confirmed"  # 565.00: no rule applies


def test_new_supplier_and_price_rise_facts(e):
    mgr = e.mgr_role
    ap.create_rule(e.db, e.admin, doc_type="purchase_order", condition="partner_new", approver_role_id=mgr,
                   level=1)
    ap.create_rule(e.db, e.admin, doc_type="purchase_order", condition="price_above_last_by_pct", threshold="10",
                   approver_role_id=mgr, level=1)
    first = _order(e, "1")
    assert ps.submit_order(e.db, e.who["buyer"], order_id=first) == 1  # new supplier, no price history
    ap.approve(e.db, e.who["mgr1"], request_id=_requests(e, first)[0])
    ps.confirm_order(e.db, e.who["buyer"], order_id=first)
    same = _order(e, "1", price="110")  # +10 %: not above 10
    assert ps.submit_order(e.db, e.who["buyer"], order_id=same) == 0
    dearer = _order(e, "1", price="110.01")
    assert ps.submit_order(e.db, e.who["buyer"], order_id=dearer) == 1
