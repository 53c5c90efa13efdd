"""The sales dashboard within the grant's row scope (issue #13), on every backend: a department or own grant sees
the figures of its own rows (the sales analysis's rule: the invoice's or order's department / project / creator,
or the customer's department / salesperson), never the company's or another's, read from the analytics copy and
equal to the operational reference path; the orders to ship are narrowed by the same rule; and the figures kept
per process (DASHBOARD_KEPT) are never handed from one reach to another, whoever asked first."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from erp_core.analytics import engine as analytics_engine
from erp_core.billing import analysis_queries as q
from erp_core.billing import invoice_services as inv
from erp_core.documents.registry import document_type
from erp_core.kernel.errors import PermissionDenied
from erp_core.masterdata.models_partners import Customer
from tests.billing.support import DAY, build, deliver, order
from tests.support.factories import actor

D = Decimal
VIEW = q.VIEW[0]
YEAR = DAY.year


@pytest.fixture
def st(db, company):
    """D1 holds C001; D2 holds C002, whose salesperson is ``seller``. Invoiced in March: C001 6 x P1 at 50.00
    (300.00); C002 5 x P2 at 20.00 (100.00); C002 3 x P1 at 33.33 (99.99) on an invoice of department D1. To ship:
    C001 4 x P1 at 50.00 (200.00); C002 2 x P2 at 20.00 (40.00); and an order of C001 created by the seller,
    1 x P2 at 7.50."""
    from erp_core.masterdata.org_services import create_department
    from erp_core.security.user_services import create_user

    st = build(db, company=company)
    st.depts = {c: create_department(db, st.admin, code=c, name=f"部门{c}") for c in ("D1", "D2")}
    st.seller = create_user(db, st.admin, username="seller.one", display_name="销售甲",
                            password="Seller-Pass-2026!x")
    with db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == st.customers["C001"])
                            .values(department_id=st.depts["D1"]))
        uow.session.execute(update(Customer).where(Customer.id == st.customers["C002"])
                            .values(department_id=st.depts["D2"], owner_id=st.seller))
        uow.commit()
    o1 = order(db, st, [("P1", "10", "50.00")])
    o2 = order(db, st, [("P2", "7", "20.00"), ("P1", "3", "33.33")], customer="C002")
    o3 = order(db, st, [("P2", "1", "7.50")])
    t = document_type("sales_order")
    with db.uow() as uow:  # the seller's own order (made by him; the admin typed it in for the test)
        header = uow.session.get(t.line, o3[0]).header_id
        uow.session.execute(update(t.header).where(t.header.id == header).values(created_by=st.seller))
        uow.commit()
    _, dl1 = deliver(db, st, [(o1[0], "6")])
    _, dl2 = deliver(db, st, [(o2[0], "5"), (o2[1], "3")])
    for lines, dept in (([(dl1[0], "6")], None), ([(dl2[0], "5")], None), ([(dl2[1], "3")], st.depts["D1"])):
        iid = inv.create_invoice(db, st.admin, doc_date=DAY, department_id=dept, lines=[
            {"source_type": "sales_delivery", "source_line_id": dl, "quantity": qty} for dl, qty in lines])
        inv.post_invoice(db, st.admin, invoice_id=iid)
    q.DASHBOARD_KEPT.clear()
    yield st
    q.DASHBOARD_KEPT.clear()
    analytics_engine.forget(db, delete=True)


def _readers(st) -> dict[str, object]:
    return {"wide": actor(st.company_id, {VIEW: "all"}),
            "d1": actor(st.company_id, {VIEW: "department"}, department_ids=frozenset({st.depts["D1"]})),
            "d2": actor(st.company_id, {VIEW: "department"}, department_ids=frozenset({st.depts["D2"]})),
            "seller": actor(st.company_id, {VIEW: "own"}, user_id=st.seller),
            "nobody": actor(st.company_id, {VIEW: "own"})}


def _summary(fig: dict) -> tuple:
    return (sum(m["revenue"] for m in fig["monthly"]), sorted(r["key"] for r in fig["top_customers"]),
            fig["to_ship"]["lines"], fig["to_ship"]["amount"])


C1, C2 = "C001 湘潭机电有限公司", "C002 长沙百货公司"
EXPECTED = {
    "wide": (D("499.99"), [C1, C2], 3, D("247.50")),
    "d1": (D("399.99"), [C1, C2], 2, D("207.50")),  # C001's lines, and C002's invoice of department D1
    "d2": (D("199.99"), [C2], 1, D("40.00")),
    "seller": (D("199.99"), [C2], 2, D("47.50")),  # his customer's lines and the order he made
    "nobody": (D("0"), [], 0, D("0")),
}


def test_each_grant_sees_its_own_figures_equal_to_the_reference(db, st):
    for name, reader in _readers(st).items():
        got = q.sales_dashboard(db, reader, year=YEAR)
        assert _summary(got) == EXPECTED[name], name
        assert got == q.dashboard_figures_operational(db, st.company_id, YEAR, q.visible(reader, VIEW)), name
    with pytest.raises(PermissionDenied):
        q.sales_dashboard(db, actor(st.company_id, {}), year=YEAR)


def test_kept_figures_never_pass_from_one_reach_to_another(db, st):
    readers = _readers(st)
    before = q.DASHBOARD_KEPT.computed
    # whoever asks first, the next one with another reach gets his own figures, and asks again from what is kept
    for name in ("wide", "d1", "seller", "nobody", "d2", "d1", "wide", "nobody", "seller"):
        assert _summary(q.sales_dashboard(db, readers[name], year=YEAR)) == EXPECTED[name], name
    assert q.DASHBOARD_KEPT.computed - before == 5  # one computation per reach, the repeats read what is kept
    # the same department with another user: the same rows, but its own entry (his own documents could differ)
    other_d1 = actor(st.company_id, {VIEW: "department"}, department_ids=frozenset({st.depts["D1"]}))
    assert _summary(q.sales_dashboard(db, other_d1, year=YEAR)) == EXPECTED["d1"]
    assert q.DASHBOARD_KEPT.computed - before == 6
    # two own grants differ only by the user: never shared
    stranger = actor(st.company_id, {VIEW: "own"})
    assert _summary(q.sales_dashboard(db, stranger, year=YEAR)) == EXPECTED["nobody"]
    assert _summary(q.sales_dashboard(db, readers["seller"], year=YEAR)) == EXPECTED["seller"]


def test_reach_is_the_whole_company_or_exactly_what_the_grant_reads():
    wide = actor(1, {VIEW: "all"}, department_ids=frozenset({3}))
    assert q.reach(wide, VIEW) == ()
    dept = actor(1, {VIEW: "department"}, user_id=7, department_ids=frozenset({4, 3}))
    assert q.reach(dept, VIEW) == ((3, 4), (), 7)
    own = actor(1, {VIEW: "own"}, user_id=7, department_ids=frozenset({3}))
    assert q.reach(own, VIEW) == ((), (), 7)  # an own grant does not read the departments


def test_the_to_ship_figure_follows_a_customer_moved_to_another_department(db, st):
    d2 = _readers(st)["d2"]
    assert _summary(q.sales_dashboard(db, d2, year=YEAR))[2:] == (1, D("40.00"))
    from erp_core.masterdata.partners_services import create_customer

    with db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == st.customers["C001"])
                            .values(department_id=st.depts["D2"]))
        uow.commit()
    create_customer(db, st.admin, values={"code": "CX1", "name": "触发客户"})  # a use case moves the stamp
    got = q.sales_dashboard(db, d2, year=YEAR)
    assert _summary(got) == (D("499.99"), [C1, C2], 3, D("247.50"))
    assert got == q.dashboard_figures_operational(db, st.company_id, YEAR, q.visible(d2, VIEW))


def test_first_runs_of_every_reach_at_once_each_get_their_own(db, st):
    """Twenty first runs at the same moment, four per reach: the single-flight makes the callers of one key wait
    for its leader, never a caller of another reach (a waiter handed the leader's figures would see another's)."""
    import threading

    readers = _readers(st)
    names = [n for n in readers for _ in range(4)]
    barrier = threading.Barrier(len(names))
    got: dict[int, tuple] = {}
    errors: list[BaseException] = []

    def run(i: int, name: str) -> None:
        try:
            barrier.wait()
            got[i] = _summary(q.sales_dashboard(db, readers[name], year=YEAR))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    before = q.DASHBOARD_KEPT.computed
    threads = [threading.Thread(target=run, args=(i, n), daemon=True) for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads) and not errors, errors[:3]
    assert {i: got[i] for i in got} == {i: EXPECTED[n] for i, n in enumerate(names)}
    assert q.DASHBOARD_KEPT.computed - before == len(readers)  # one computation per reach
