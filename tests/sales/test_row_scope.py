"""Row scope of sales: a salesperson (own) sees and changes only the orders they created or are the salesperson
of, and is offered only their own customers; a team lead (department) sees the department's orders; another
salesperson sees nothing of them (not found, never someone else's figures)."""

from __future__ import annotations

import pytest

from erp_core.kernel.errors import NotFound
from erp_core.masterdata import org_services
from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from tests.sales.support import DAY, D, env
from tests.security.helpers import new_user
from tests.support.factories import actor

SELL = ("sales.order.create", "sales.order.view", "sales.order.confirm", "sales.order.cancel", "sales.choice.view")


@pytest.fixture
def st(db, company):
    from erp_core.masterdata import partners_services as mp
    from erp_core.masterdata.models_partners import Customer

    st = env(db, company=company)
    st.db = db
    st.north = org_services.create_department(db, st.admin, code="SN", name="华北销售部")
    st.south = org_services.create_department(db, st.admin, code="SS", name="华南销售部")
    a, b, lead = (new_user(db, st.admin, n, roles=("viewer",)) for n in ("xiao.a", "xiao.b", "zhu.guan"))
    st.a = actor(st.company_id, dict.fromkeys(SELL, "own"), user_id=a, username="xiao.a")
    st.b = actor(st.company_id, dict.fromkeys(SELL, "own"), user_id=b, username="xiao.b")
    st.lead = actor(st.company_id, dict.fromkeys(SELL, "department"), user_id=lead, username="zhu.guan",
                    department_ids=frozenset({st.north}))
    # C001 belongs to the north department with salesperson a; C002 to the south with salesperson b
    for cid, dep, owner in ((st.customer, st.north, a), (st.customer2, st.south, b)):
        with db.uow(readonly=True) as uow:
            c = uow.session.get(Customer, cid)
            values, version = {"code": c.code, "name": c.name, "department": "SN" if dep == st.north else "SS",
                               "owner": "xiao.a" if owner == a else "xiao.b"}, c.version
        mp.edit_customer(db, st.admin, customer_id=cid, version=version, values=values)
    return st


def _order(st, who, customer):
    return ss.create_order(st.db, who, customer_id=customer, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                           lines=[{"product_id": st.products["P1"], "quantity": D(1)}])


def test_salespeople_and_the_team_lead_see_their_scope(st):
    mine = _order(st, st.a, st.customer)
    by_admin = _order(st, st.admin, st.customer)  # made by the office for a's customer: a is its salesperson
    other = _order(st, st.b, st.customer2)
    assert {r["id"] for r in sq.list_orders(st.db, st.a)} == {mine, by_admin}
    assert {r["id"] for r in sq.list_orders(st.db, st.b)} == {other}
    assert {r["id"] for r in sq.list_orders(st.db, st.lead)} == {mine, by_admin}
    assert set(sq.sales_choices(st.db, st.a).customers) == {st.customer}
    with pytest.raises(NotFound):
        sq.get_order(st.db, st.b, order_id=mine)
    with pytest.raises(NotFound):
        ss.confirm_order(st.db, st.b, order_id=mine)
    assert ss.confirm_order(st.db, st.a, order_id=by_admin)["status"] == "confirmed"
    assert ss.confirm_order(st.db, st.lead, order_id=mine)["status"] == "confirmed"
    with pytest.raises(NotFound):
        ss.cancel_order(st.db, st.lead, order_id=other)
