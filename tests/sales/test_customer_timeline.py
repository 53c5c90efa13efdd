"""Issue #15 item 3: a customer's timeline (CRM) shows its follow-ups together with its quotations, orders,
invoices and receipts — each kind only to an actor who may read that kind."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from erp_core.crm.followups import queries as fq
from erp_core.crm.followups import services as fs
from erp_core.kernel.actor import Actor, Scope
from tests.sales.support import order
from tests.sales.test_worked_examples import st  # noqa: F401  (fixture)


def _actor(books, grants):
    return Actor(user_id=books.admin.user_id, username="timeline", company_id=books.company_id,
                 grants=MappingProxyType({p: Scope.ALL for p in grants}))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_timeline_shows_the_customers_orders_to_who_may_read_them(db, st):  # noqa: F811
    oid, _ = order(db, st, [("P1", "4")])
    fs.add_followup(db, st.admin, subject_type="customer", subject_id=st.customer, kind="call", content="询价")
    other, _ = order(db, st, [("P2", "1")], customer_id=st.customer2)

    full = fq.customer_timeline(db, st.admin, customer_id=st.customer)
    kinds = sorted(i["kind"] for i in full)
    assert kinds == ["followup", "sales_order"]
    assert [i["ref_id"] for i in full if i["kind"] == "sales_order"] == [oid]  # not the other customer's order
    assert other not in [i["ref_id"] for i in full if i["kind"] == "sales_order"]

    crm_only = _actor(st, {"crm.followup.view"})
    assert [i["kind"] for i in fq.customer_timeline(db, crm_only, customer_id=st.customer)] == ["followup"]
