"""The posting path's writes without the ORM (erp_core/documents/rows.py, docs/documents.md "Posting cost"): the
document guard's rules, now explicit statements, still hold — a lost update of the document or of its order is
refused and writes nothing, a posted document is never posted twice nor edited, the upstream quantities add up,
a posting function's line values are written, the red copy still works, and a document type still posted from
an ORM object steps its version once and records its step. On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from erp_core.documents.models import DocumentStep
from erp_core.inventory.models import StockMove
from erp_core.kernel.errors import ConcurrencyError, Conflict
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseReceipt
from tests.purchasing.support import DAY, D, env, order, order_lines


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def _receipt(db, st, oid, qtys):
    ids = order_lines(db, oid)
    return ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": i, "quantity": D(q)}
                                                               for i, q in zip(ids, qtys, strict=False)])


def _state(db, rid, oid):
    """(receipt status, version, posted_at set?), (order progress, version, received per line), moves, steps."""
    with db.uow(readonly=True) as uow:
        s = uow.session
        r = s.get(PurchaseReceipt, rid)
        o = s.get(PurchaseOrder, oid)
        n_moves = s.execute(select(func.count()).select_from(StockMove).where(
            StockMove.source_type == "purchase_receipt", StockMove.source_id == rid)).scalar_one()
        steps = s.execute(select(DocumentStep.action).where(DocumentStep.doc_type == "purchase_receipt",
                                                            DocumentStep.doc_id == rid).order_by(DocumentStep.id)
                          ).scalars().all()
        return ((r.status, r.version, r.posted_at is not None),
                (o.progress, o.version, [f"{ln.received_qty.normalize():f}" for ln in o.lines]), n_moves, steps)


def _meddle(monkeypatch, change):
    """Run ``change(session)`` inside post_receipt, after the receipt and its order were read and before anything
    is written: what a concurrent transaction committing at that moment would leave behind."""
    real = ps._check_tolerance

    def meddling(ctx, pairs):
        change(ctx.session)
        return real(ctx, pairs)
    monkeypatch.setattr(ps, "_check_tolerance", meddling)


def test_a_receipt_saved_by_someone_else_after_it_was_read_is_refused_and_nothing_is_written(db, st, monkeypatch):
    oid = order(db, st, [("P1", "10", "100"), ("P2", "5", "40")])
    rid = _receipt(db, st, oid, ["6", "5"])
    before = _state(db, rid, oid)
    _meddle(monkeypatch, lambda s: s.execute(update(PurchaseReceipt).where(PurchaseReceipt.id == rid)
                                             .values(version=PurchaseReceipt.version + 1)))
    with pytest.raises(ConcurrencyError):
        ps.post_receipt(db, st.admin, receipt_id=rid)
    assert _state(db, rid, oid) == before  # draft, version 1, order untouched, no move, only the create step
    assert before[0] == ("draft", 1, False) and before[2] == 0


def test_a_receipt_posted_by_someone_else_after_it_was_read_is_not_posted_twice(db, st, monkeypatch):
    oid = order(db, st, [("P1", "10", "100")])
    rid = _receipt(db, st, oid, ["4"])
    before = _state(db, rid, oid)
    # the other posting left posted_at set; the version is the one this posting read (only posted_at differs)
    _meddle(monkeypatch, lambda s: s.execute(update(PurchaseReceipt).where(PurchaseReceipt.id == rid)
                                             .values(posted_at=func.current_timestamp())))
    with pytest.raises(ConcurrencyError):
        ps.post_receipt(db, st.admin, receipt_id=rid)
    assert _state(db, rid, oid) == before


def test_an_order_changed_by_someone_else_after_it_was_read_is_refused(db, st, monkeypatch):
    oid = order(db, st, [("P1", "10", "100")])
    rid = _receipt(db, st, oid, ["4"])
    before = _state(db, rid, oid)
    _meddle(monkeypatch, lambda s: s.execute(update(PurchaseOrder).where(PurchaseOrder.id == oid)
                                             .values(version=PurchaseOrder.version + 1)))
    with pytest.raises(ConcurrencyError):
        ps.post_receipt(db, st.admin, receipt_id=rid)
    assert _state(db, rid, oid) == before


def test_posting_steps_each_version_once_and_a_second_post_is_refused(db, st):
    oid = order(db, st, [("P1", "10", "100"), ("P2", "5", "40")])
    rid = _receipt(db, st, oid, ["10", "5"])
    order_version = _state(db, rid, oid)[1][1]
    ps.post_receipt(db, st.admin, receipt_id=rid)
    after = _state(db, rid, oid)
    assert after == (("posted", 2, True), ("received", order_version + 1, ["10", "5"]), 2, ["create", "post"])
    with pytest.raises(Conflict) as e:
        ps.post_receipt(db, st.admin, receipt_id=rid)
    assert e.value.message_id == "error.documents.already_posted"
    assert _state(db, rid, oid) == after  # nothing doubled: moves, received quantities, versions, steps
    with pytest.raises(Conflict) as e:  # and the posted receipt is frozen for the kernel's transitions
        ps.cancel_receipt(db, st.admin, receipt_id=rid)
    assert e.value.message_id == "error.documents.posted_frozen"
    assert _state(db, rid, oid) == after


def test_two_receipts_against_one_order_line_add_up_and_the_red_copy_gives_back(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    r1, r2 = _receipt(db, st, oid, ["3"]), _receipt(db, st, oid, ["7"])
    ps.post_receipt(db, st.admin, receipt_id=r1)
    assert _state(db, r1, oid)[1][0::2] == ("partly_received", ["3"])
    ps.post_receipt(db, st.admin, receipt_id=r2)
    assert _state(db, r2, oid)[1][0::2] == ("received", ["10"])
    red = ps.reverse_receipt(db, st.admin, receipt_id=r2)
    assert _state(db, r2, oid)[0][0] == "reversed"
    assert _state(db, r2, oid)[1][0::2] == ("partly_received", ["3"])
    with db.uow(readonly=True) as uow:
        total = uow.session.execute(select(func.sum(StockMove.quantity)).where(
            StockMove.source_type == "purchase_receipt", StockMove.source_id.in_([r2, red]))).scalar_one()
        assert total == 0
        assert uow.session.get(PurchaseOrderLine, order_lines(db, oid)[0]).received_qty == D("3")


def test_a_delivery_writes_the_issue_costs_its_posting_set_on_its_lines(db, company):
    from erp_core.sales import services as ss
    from erp_core.sales.models import SalesDelivery
    from tests.sales.support import deliver
    from tests.sales.support import env as sales_env
    from tests.sales.support import order as sales_order
    from tests.sales.support import order_lines as sales_order_lines

    st = sales_env(db, company=company)  # P1 100 at 60, P2 50 at 20 in WH01
    oid, _ = sales_order(db, st, [("P1", "4"), ("P2", "5")])
    a, b = sales_order_lines(db, oid)
    did, _ = deliver(db, st, [(a, "4"), (b, "5")], post=False)
    with db.uow(readonly=True) as uow:
        version = uow.session.get(SalesDelivery, did).version
    vid = ss.post_delivery(db, st.admin, delivery_id=did)
    with db.uow(readonly=True) as uow:
        d = uow.session.get(SalesDelivery, did)
        assert (d.status, d.version, d.voucher_id) == ("posted", version + 1, vid)
        assert [(f"{ln.cost_price.normalize():f}", f"{ln.cost_amount:.2f}") for ln in d.lines] == [
            ("60", "240.00"), ("20", "100.00")]
        assert d.cost_total == D("340.00")


def test_an_orm_document_type_posts_through_the_same_update_with_one_version_step(db, company):
    from erp_core.stockops import services as so
    from erp_core.stockops.models import OtherReceipt
    from tests.inventory.support import build

    st = build(db, company=company)
    doc_id = so.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                     lines=[{"product_id": st.products["P1"], "quantity": D("2"),
                                             "unit_cost": D("5")}])
    so.post_other_receipt(db, st.admin, doc_id=doc_id, version=1)
    with db.uow(readonly=True) as uow:
        doc = uow.session.get(OtherReceipt, doc_id)
        assert (doc.status, doc.version, doc.posted_at is not None) == ("posted", 2, True)
        steps = uow.session.execute(select(DocumentStep.action, DocumentStep.from_status, DocumentStep.to_status)
                                    .where(DocumentStep.doc_type == "other_receipt", DocumentStep.doc_id == doc_id)
                                    .order_by(DocumentStep.id)).all()
        assert [tuple(r) for r in steps] == [("create", None, "draft"), ("post", "draft", "posted")]
    with pytest.raises(Conflict):
        so.post_other_receipt(db, st.admin, doc_id=doc_id)


def test_an_orm_document_whose_posting_sets_its_total_and_line_costs_steps_its_version_once(db, company):
    from erp_core.stockops import services as so
    from erp_core.stockops.models import OtherIssue
    from tests.inventory.support import build

    st = build(db, company=company)
    wh, p1 = st.warehouses["WH01"], st.products["P1"]
    rid = so.create_other_receipt(db, st.admin, doc_date=DAY, warehouse_id=wh,
                                  lines=[{"product_id": p1, "quantity": D("4"), "unit_cost": D("5")}])
    so.post_other_receipt(db, st.admin, doc_id=rid)
    iid = so.create_other_issue(db, st.admin, doc_date=DAY, warehouse_id=wh,
                                lines=[{"product_id": p1, "quantity": D("3")}])
    with db.uow(readonly=True) as uow:
        version = uow.session.get(OtherIssue, iid).version
    so.post_other_issue(db, st.admin, doc_id=iid, version=version)
    with db.uow(readonly=True) as uow:
        doc = uow.session.get(OtherIssue, iid)
        # the posting set the total (header) and the issue cost (line): written with the posted state, one step
        assert (doc.status, doc.version, doc.total) == ("posted", version + 1, D("15.00"))
        assert [(ln.unit_price, ln.amount) for ln in doc.lines] == [(D("5"), D("15.00"))]
