"""Two postings against one order line at the same instant (documents.rows.lock_upstream): each alone fits the
order's limit (the over-receipt tolerance of a purchase order line, the ordered quantity of a sales order line),
together they exceed it. The first poster's unit of work stays open after it posted; the second, in a session
of its own, is let go only once it waits for a lock (PostgreSQL, MariaDB) — on SQLite for BEGIN IMMEDIATE, where
writers queue anyway. Exactly one is posted; the other is refused with the limit's message and writes nothing:
no stock move, no voucher, the order line holds the first one's quantity. On SQLite, PostgreSQL and MariaDB.

Without the lock the second posting read the order line before the first committed, passed the check, and then
only waited at the relative UPDATE of the order line: both were posted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from erp_core.finance.models import Voucher
from erp_core.inventory.models import StockMove
from erp_core.kernel.errors import ValidationError
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseOrder, PurchaseReceipt
from erp_core.sales import services as ss
from erp_core.sales.models import SalesDelivery, SalesOrder
from erp_core.usecase import Context
from tests.purchasing import support as pur
from tests.sales import support as sal


def _someone_waits_for_a_lock(db) -> bool:
    """A session of this test's database is waiting for a row lock (the second poster)."""
    sql = {"postgresql": "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                         " AND wait_event_type = 'Lock'",
           "mariadb": "SELECT count(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p"
                      " ON p.id = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()"}
    with db.engine.connect() as conn:
        return conn.execute(text(sql[db.backend])).scalar_one() > 0


def _race(db, first: Callable[[Context], Any], second: Callable[[], Any], *, permission: str, actor: Any,
          company_id: int) -> Any:
    """Run ``first`` inside a unit of work kept open until ``second`` (another thread, its own session) waits for
    it, then commit; return what ``second`` returned or raised."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["second"] = second()
        except Exception as exc:  # noqa: BLE001 - the outcome is asserted by the caller
            outcome["second"] = exc

    with db.uow() as uow:
        first(Context(uow.session, actor, permission, db, company_id=company_id))
        uow.session.flush()
        thread = threading.Thread(target=run)
        thread.start()
        if db.backend == "sqlite":  # it queues on BEGIN IMMEDIATE, which no view shows
            thread.join(timeout=1.0)
        else:
            deadline = time.monotonic() + 30
            while not _someone_waits_for_a_lock(db) and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        assert thread.is_alive(), f"the second poster did not wait for the first: {outcome}"
        uow.commit()
    thread.join(timeout=60)
    assert not thread.is_alive()
    return outcome["second"]


def _count(db, stmt) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(stmt).scalar_one()


def _moves(source_type: str, source_id: int):
    return select(func.count()).select_from(StockMove).where(StockMove.source_type == source_type,
                                                             StockMove.source_id == source_id)


def test_two_receipts_meeting_at_one_order_line_cannot_both_pass_the_tolerance(db):
    st = pur.env(db)
    ps.set_purchase_setting(db, st.admin, over_receipt_pct="10", invoice_method="reverse")  # 10 ordered: 11 at most
    oid = pur.order(db, st, [("P1", "10", "100")])
    (olid,) = pur.order_lines(db, oid)

    def receipt(qty: str) -> int:
        return ps.create_receipt(db, st.admin, doc_date=pur.DAY, lines=[{"order_line_id": olid,
                                                                         "quantity": pur.D(qty)}])

    ps.post_receipt(db, st.admin, receipt_id=receipt("2"))  # the order is partly received before and after
    r1, r2 = receipt("5"), receipt("5")  # 2 + 5 fits, 2 + 5 + 5 = 12 does not
    vouchers = _count(db, select(func.count()).select_from(Voucher))

    err = _race(db, lambda ctx: ps.post_receipt.__wrapped__(ctx, receipt_id=r1),
                lambda: ps.post_receipt(db, st.admin, receipt_id=r2),
                permission="purchasing.receipt.post", actor=st.admin, company_id=st.company_id)

    assert isinstance(err, ValidationError) and err.message_id == "error.purchasing.over_receipt", err
    assert err.params["received"] == "7" and err.params["allowed"] == "4", err.params  # it saw the first's 5
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [(r.status, r.posted_at is not None) for r in (s.get(PurchaseReceipt, r1), s.get(PurchaseReceipt, r2))
                ] == [("posted", True), ("draft", False)]
        assert s.get(PurchaseReceipt, r2).voucher_id is None and s.get(PurchaseReceipt, r2).version == 1
        assert [f"{ln.received_qty.normalize():f}" for ln in s.get(PurchaseOrder, oid).lines] == ["7"]
    assert _count(db, _moves("purchase_receipt", r2)) == 0 and _count(db, _moves("purchase_receipt", r1)) == 1
    assert _count(db, select(func.count()).select_from(Voucher)) == vouchers + 1


def test_two_deliveries_meeting_at_one_order_line_cannot_both_pass_the_ordered_quantity(db, monkeypatch):
    st = sal.env(db)
    oid, _ = sal.order(db, st, [("P1", "10")])
    (olid,) = sal.order_lines(db, oid)
    sal.deliver(db, st, [(olid, "2")])  # the order is partly delivered before and after
    # two drafts made at the same instant: neither saw the other (the draft check counts drafts; a draft made
    # concurrently is not among them) — 2 + 5 fits, 2 + 5 + 5 = 12 of 10 does not
    monkeypatch.setattr(ss, "_drafted", lambda *a, **k: sal.D(0))
    d1, _ = sal.deliver(db, st, [(olid, "5")], post=False)
    d2, _ = sal.deliver(db, st, [(olid, "5")], post=False)
    monkeypatch.undo()
    vouchers = _count(db, select(func.count()).select_from(Voucher))
    with db.uow(readonly=True) as uow:
        drafted = uow.session.get(SalesDelivery, d2).version

    err = _race(db, lambda ctx: ss.post_delivery.__wrapped__(ctx, delivery_id=d1),
                lambda: ss.post_delivery(db, st.admin, delivery_id=d2),
                permission="sales.delivery.post", actor=st.admin, company_id=st.company_id)

    assert isinstance(err, ValidationError) and err.message_id == "error.sales.over_delivery", err
    assert err.params["room"] == "3", err.params  # it saw the first's 5
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [(d.status, d.posted_at is not None) for d in (s.get(SalesDelivery, d1), s.get(SalesDelivery, d2))
                ] == [("posted", True), ("draft", False)]
        assert s.get(SalesDelivery, d2).voucher_id is None and s.get(SalesDelivery, d2).version == drafted
        assert [f"{ln.received_qty.normalize():f}" for ln in s.get(SalesOrder, oid).lines] == ["7"]
    assert _count(db, _moves("sales_delivery", d2)) == 0 and _count(db, _moves("sales_delivery", d1)) == 1
    assert _count(db, select(func.count()).select_from(Voucher)) == vouchers + 1


@pytest.mark.parametrize("order_of_lines", [(0, 1), (1, 0)])
def test_receipts_against_two_orders_lock_them_in_id_order(db, order_of_lines):
    """A receipt naming the later order's line first and one naming the earlier order's first: the second waits
    for the first at the orders' lock (not in the middle of its writes) and posts once the first committed."""
    st = pur.env(db)
    o1, o2 = pur.order(db, st, [("P1", "10", "100")]), pur.order(db, st, [("P2", "10", "40")])
    lines = [pur.order_lines(db, o1)[0], pur.order_lines(db, o2)[0]]

    def receipt(which) -> int:
        return ps.create_receipt(db, st.admin, doc_date=pur.DAY, lines=[
            {"order_line_id": lines[i], "quantity": pur.D("3")} for i in which])

    r1, r2 = receipt(order_of_lines), receipt(order_of_lines[::-1])
    out = _race(db, lambda ctx: ps.post_receipt.__wrapped__(ctx, receipt_id=r1),
                lambda: ps.post_receipt(db, st.admin, receipt_id=r2),
                permission="purchasing.receipt.post", actor=st.admin, company_id=st.company_id)
    assert isinstance(out, int), out  # its voucher
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [f"{s.get(PurchaseOrder, o).lines[0].received_qty.normalize():f}" for o in (o1, o2)] == ["6", "6"]
