"""Invoices and returns counting against upstream lines (``link(counts_as=...)``) at the same instant as another
posting against the same lines (documents.services.lock_upstream_lines): the upstream headers are locked first,
downstream first and each type's in id order, after the document being posted, and the lines read after the
lock, as receipts and deliveries do (tests/documents/test_posting_race.py). On SQLite, PostgreSQL and MariaDB.

Without the lock, on PostgreSQL and MariaDB: a second invoice read the receipt line before the first committed,
passed the over-invoice check and wrote its stale quantity over the first's; two returns of one delivery line
counted one; an invoice that had updated one order line while a receipt locked the order headers deadlocked with
it."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select

from erp_core.documents import services as k
from erp_core.finance.models import Voucher
from erp_core.kernel.errors import ValidationError
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseReceipt
from erp_core.sales import services as ss
from erp_core.sales.models import SalesDelivery, SalesOrder, SalesReturn
from tests.documents.test_posting_race import _count, _race, _someone_waits_for_a_lock
from tests.purchasing import support as pur
from tests.sales import support as sal


def _q(value: Any) -> str:
    return f"{value.normalize():f}"


def _receipt(db, st, pairs: list[tuple[int, str]], *, post: bool = True) -> int:
    rid = ps.create_receipt(db, st.admin, doc_date=pur.DAY, lines=[{"order_line_id": ol, "quantity": pur.D(q)}
                                                                   for ol, q in pairs])
    if post:
        ps.post_receipt(db, st.admin, receipt_id=rid)
    return rid


def test_two_invoices_meeting_at_one_receipt_line_cannot_both_pass_the_room(db):
    st = pur.env(db)
    oid = pur.order(db, st, [("P1", "10", "100")])
    (olid,) = pur.order_lines(db, oid)
    rid = _receipt(db, st, [(olid, "10")])
    (rlid,) = pur.receipt_lines(db, rid)

    def invoice(no: str) -> int:
        return ps.create_invoice(db, st.admin, doc_date=pur.DAY, invoice_no=no, lines=[
            {"receipt_line_id": rlid, "quantity": pur.D("6"), "unit_price": pur.D("100")}])

    i1, i2 = invoice("A1"), invoice("A2")  # 6 fits 10, 6 + 6 does not
    vouchers = _count(db, select(func.count()).select_from(Voucher))

    err = _race(db, lambda ctx: ps.post_invoice.__wrapped__(ctx, invoice_id=i1),
                lambda: ps.post_invoice(db, st.admin, invoice_id=i2),
                permission="purchasing.invoice.post", actor=st.admin, company_id=st.company_id)

    assert isinstance(err, ValidationError) and err.message_id == "error.purchasing.over_invoice", err
    assert err.params["room"] == "4", err.params  # it saw the first's 6
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [s.get(PurchaseInvoice, i).posted_at is not None for i in (i1, i2)] == [True, False]
        assert [_q(ln.invoiced_qty) for ln in s.get(PurchaseReceipt, rid).lines] == ["6"]
        assert [_q(ln.invoiced_qty) for ln in s.get(PurchaseOrder, oid).lines] == ["6"]
    assert _count(db, select(func.count()).select_from(Voucher)) == vouchers + 1


def test_two_returns_of_one_delivery_line_both_count(db):
    st = sal.env(db)
    oid, _ = sal.order(db, st, [("P1", "10")])
    (olid,) = sal.order_lines(db, oid)
    did, _ = sal.deliver(db, st, [(olid, "10")])
    (dlid,) = sal.delivery_lines(db, did)

    def ret() -> int:
        return ss.create_return(db, st.admin, doc_date=sal.DAY, reason="破损",
                                lines=[{"delivery_line_id": dlid, "quantity": sal.D("3")}])

    r1, r2 = ret(), ret()
    out = _race(db, lambda ctx: ss.post_return.__wrapped__(ctx, return_id=r1),
                lambda: ss.post_return(db, st.admin, return_id=r2),
                permission="sales.return.post", actor=st.admin, company_id=st.company_id)

    assert not isinstance(out, Exception), out
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [s.get(SalesReturn, r).posted_at is not None for r in (r1, r2)] == [True, True]
        assert [_q(ln.returned_qty) for ln in s.get(SalesDelivery, did).lines] == ["6"]
        assert [_q(ln.returned_qty) for ln in s.get(SalesOrder, oid).lines] == ["6"]


def test_an_invoice_and_a_receipt_meeting_at_two_orders_do_not_deadlock(db, monkeypatch):
    """The invoice names the later order's line first; it is held after its first order line (and that order's
    progress) was counted, until a receipt against both orders (which locks the orders in id order) waits for
    it. Both are posted."""
    st = pur.env(db)
    ps.set_purchase_setting(db, st.admin, over_receipt_pct="50", invoice_method="reverse")
    o1, o2 = pur.order(db, st, [("P1", "10", "100")]), pur.order(db, st, [("P2", "10", "40")])
    ol1, ol2 = pur.order_lines(db, o1)[0], pur.order_lines(db, o2)[0]
    ra = _receipt(db, st, [(ol1, "10"), (ol2, "10")])  # received: invoicing moves each order's progress
    rl1, rl2 = pur.receipt_lines(db, ra)
    iid = ps.create_invoice(db, st.admin, doc_date=pur.DAY, invoice_no="D1", lines=[
        {"receipt_line_id": rl2, "quantity": pur.D("3"), "unit_price": pur.D("40")},
        {"receipt_line_id": rl1, "quantity": pur.D("3"), "unit_price": pur.D("100")}])
    rb = _receipt(db, st, [(ol1, "3"), (ol2, "3")], post=False)

    held, go, outcome = threading.Event(), threading.Event(), {}
    link = k.link

    def holding_link(ctx, from_type, *a, **kw):
        row = link(ctx, from_type, *a, **kw)
        if getattr(from_type, "code", from_type) == "purchase_order" and not held.is_set():
            held.set()
            go.wait(60)
        return row

    monkeypatch.setattr(k, "link", holding_link)

    def run(name: str, fn) -> None:
        try:
            outcome[name] = fn()
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome[name] = exc

    a = threading.Thread(target=run, args=("invoice", lambda: ps.post_invoice(db, st.admin, invoice_id=iid)))
    a.start()
    assert held.wait(30), outcome
    b = threading.Thread(target=run, args=("receipt", lambda: ps.post_receipt(db, st.admin, receipt_id=rb)))
    b.start()
    if db.backend == "sqlite":
        b.join(timeout=1.0)
    else:
        deadline = time.monotonic() + 30
        while not _someone_waits_for_a_lock(db) and b.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
    go.set()
    a.join(timeout=60)
    b.join(timeout=60)
    assert not a.is_alive() and not b.is_alive()
    assert isinstance(outcome["invoice"], int) and isinstance(outcome["receipt"], int), outcome
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert [(_q(s.get(PurchaseOrder, o).lines[0].received_qty), _q(s.get(PurchaseOrder, o).lines[0].invoiced_qty))
                for o in (o1, o2)] == [("13", "3"), ("13", "3")]
