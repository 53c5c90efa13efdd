"""Worked examples with their expected vouchers (issue #13): delivery then invoice; invoice before delivery
(预收); return with a red invoice; a receipt settling three invoices with a cash discount; an advance receipt
applied later; 应收冲应付; a bad-debt write-off needing its own permission; over-settlement refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.billing import invoice_services as inv
from erp_core.billing import receipt_services as rc
from erp_core.billing.models import Receipt, SalesInvoice
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from erp_core.settlement.open_items import open_items
from tests.billing.support import DAY, build, deliver, gl_balance, line_qty, order, voucher

D = Decimal
BAD = (ValidationError, ValidationErrors)


@pytest.fixture
def st(db, company):
    return build(db, company=company)


def _open(db, st, kind="receivable", customer="C001", as_of=None):
    with db.uow(readonly=True) as uow:
        return {i.number: i.open for i in open_items(uow.session, st.company_id, kind=kind,
                                                     partner_id=st.customers[customer], as_of=as_of)}


def _invoice(db, st, lines, *, day=DAY, post=True, **kw):
    iid = inv.create_invoice(db, st.admin, doc_date=day, lines=lines, **kw)
    vid = inv.post_invoice(db, st.admin, invoice_id=iid) if post else None
    return iid, vid


def _doc(db, cls, doc_id):
    with db.uow(readonly=True) as uow:
        d = uow.session.get(cls, doc_id)
        uow.session.expunge(d)
        return d


def test_delivery_then_invoice_posts_receivable_revenue_and_output_vat(db, st):
    ol = order(db, st, [("P1", "10", "50.00"), ("P2", "5", "20.00")])
    _, dl = deliver(db, st, [(ol[0], "10"), (ol[1], "5")])
    iid, vid = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"},
                                 {"source_type": "sales_delivery", "source_line_id": dl[1], "quantity": "5"}],
                        invoice_no="04400001")
    c = st.customers["C001"]
    # 500 + 65 VAT, 100 + 13 VAT: one receivable line, revenue 600, output VAT 78
    assert voucher(db, vid) == [("1122", "678.00", "0.00", c), ("5001", "0.00", "600.00", None),
                                ("22210102", "0.00", "78.00", None)]
    doc = _doc(db, SalesInvoice, iid)
    assert (doc.total, doc.net_total, doc.tax_total) == (D("678.00"), D("600.00"), D("78.00"))
    assert doc.due_date == DAY + dt.timedelta(days=30)  # C001's 账期
    assert line_qty(db, "sales_delivery", dl[0]) == D(10) and line_qty(db, "sales_order", ol[0]) == D(10)
    assert _open(db, st) == {doc.number: D("678.00")}
    # nothing more to invoice on that delivery line
    with pytest.raises(BAD):
        inv.create_invoice(db, st.admin, doc_date=DAY, lines=[{"source_type": "sales_delivery",
                                                               "source_line_id": dl[0], "quantity": "1"}])


def test_invoice_before_delivery_defers_revenue_on_advance_account(db, st):
    ol = order(db, st, [("P1", "4", "100.00")])
    _, vid = _invoice(db, st, [{"source_type": "sales_order", "source_line_id": ol[0], "quantity": "4"}])
    c = st.customers["C001"]
    # goods not delivered yet: the net amount waits on 2203 预收账款 (revenue when delivered), VAT due now
    assert voucher(db, vid) == [("1122", "452.00", "0.00", c), ("2203", "0.00", "400.00", c),
                                ("22210102", "0.00", "52.00", None)]
    assert line_qty(db, "sales_order", ol[0]) == D(4)


def test_service_invoiced_from_the_order_is_revenue_at_once(db, st):
    iid, vid = _invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": "300",
                                  "tax_rate": "0.06"}], customer_id=st.customers["C002"], vat_kind="ordinary")
    assert voucher(db, vid) == [("1122", "318.00", "0.00", st.customers["C002"]), ("5001", "0.00", "300.00", None),
                                ("22210102", "0.00", "18.00", None)]


def test_return_with_red_invoice_gives_counts_back_and_offsets_the_original(db, st):
    ol = order(db, st, [("P1", "10", "50.00")])
    _, dl = deliver(db, st, [(ol[0], "10")])
    iid, _ = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"}])
    original = _doc(db, SalesInvoice, iid)
    rid = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="质量退货",
                                 lines=[{"line_id": _line_ids(db, iid)[0], "quantity": "2"}])
    vid = inv.post_invoice(db, st.admin, invoice_id=rid)
    c = st.customers["C001"]
    assert voucher(db, vid) == [("1122", "0.00", "113.00", c), ("5001", "100.00", "0.00", None),
                                ("22210102", "13.00", "0.00", None)]
    red = _doc(db, SalesInvoice, rid)
    assert red.red and red.total == D("-113.00") and red.red_reason == "质量退货" and red.original_id == iid
    assert line_qty(db, "sales_delivery", dl[0]) == D(8) and line_qty(db, "sales_order", ol[0]) == D(8)
    # set against the original: 565 - 113 open, the red invoice closed
    assert _open(db, st) == {original.number: D("452.00")}
    assert gl_balance(db, st.company_id, "1122", customer_id=c) == D("452.00")
    # no more than what was invoiced can be given back
    with pytest.raises(BAD):
        inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=DAY, reason="再退",
                               lines=[{"line_id": _line_ids(db, iid)[0], "quantity": "9"}])


def _only(permission, st):
    from types import MappingProxyType

    from erp_core.kernel.actor import Actor, Scope

    return Actor(user_id=st.admin.user_id, username="only", company_id=st.company_id,
                 grants=MappingProxyType({permission: Scope.ALL}))


def _line_ids(db, iid):
    with db.uow(readonly=True) as uow:
        return [ln.id for ln in uow.session.get(SalesInvoice, iid).lines]


def test_receipt_settles_three_invoices_with_a_cash_discount(db, st):
    ids = [_invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": p, "tax_rate": "0"}],
                    customer_id=st.customers["C001"])[0] for p in ("1000", "500", "300")]
    rid = rc.create_receipt(db, st.admin, partner_id=st.customers["C001"], doc_date=dt.date(2026, 3, 20), lines=[
        {"item_id": ids[0], "amount": "980", "discount": "20"},
        {"item_id": ids[1], "amount": "500"},
        {"item_id": ids[2], "amount": "100"}])
    vid = rc.post_receipt(db, st.admin, receipt_id=rid)
    c = st.customers["C001"]
    assert voucher(db, vid) == [("1002", "1580.00", "0.00", None), ("1122", "0.00", "1000.00", c),
                                ("5603", "20.00", "0.00", None), ("1122", "0.00", "500.00", c),
                                ("1122", "0.00", "100.00", c)]
    numbers = [_doc(db, SalesInvoice, i).number for i in ids]
    assert _open(db, st) == {numbers[2]: D("200.00")}
    assert gl_balance(db, st.company_id, "1122", customer_id=c) == D("200.00")
    # over-settlement refused (open 200)
    with pytest.raises(BAD):
        rc.create_receipt(db, st.admin, partner_id=c, doc_date=dt.date(2026, 3, 21),
                          lines=[{"item_id": ids[2], "amount": "201"}])
    # reversing the receipt opens the three again
    rc.reverse_receipt(db, st.admin, receipt_id=rid)
    assert sum(_open(db, st).values()) == D("1800.00")


def test_advance_receipt_applied_to_a_later_invoice(db, st):
    c = st.customers["C001"]
    rid = rc.create_receipt(db, st.admin, partner_id=c, doc_date=dt.date(2026, 3, 1), lines=[{"amount": "500"}])
    vid = rc.post_receipt(db, st.admin, receipt_id=rid)
    assert voucher(db, vid) == [("1002", "500.00", "0.00", None), ("2203", "0.00", "500.00", c)]
    receipt = _doc(db, Receipt, rid)
    assert _open(db, st, kind="advance") == {receipt.number: D("500.00")}
    iid, _ = _invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": "339",
                                "tax_rate": "0"}], customer_id=c)
    aid = rc.apply_advance(db, st.admin, partner_id=c, doc_date=dt.date(2026, 3, 5),
                           lines=[{"item_id": iid, "amount": "339"}])
    assert _open(db, st) == {}
    assert _open(db, st, kind="advance") == {receipt.number: D("161.00")}
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("-161.00")
    assert gl_balance(db, st.company_id, "1122", customer_id=c) == 0
    # the receipt cannot be reversed while its advance is applied
    with pytest.raises(Conflict):
        rc.reverse_receipt(db, st.admin, receipt_id=rid)
    rc.reverse_advance_application(db, st.admin, application_id=aid)
    assert _open(db, st, kind="advance") == {receipt.number: D("500.00")}


def test_receivable_offset_against_payable_of_the_same_partner(db, st):
    from erp_core.documents import services as k
    from tests.billing.support import run
    from tests.settlement.support import T_INVOICE, register_invoice_type, unregister_invoice_type  # noqa: F401

    register_invoice_type(db)
    try:
        def payable(ctx):
            doc = k.create_document(ctx, T_INVOICE, doc_date=DAY, partner_id=st.supplier_same,
                                    lines=[{"ordered_qty": D(1), "unit_price": D("800")}])
            k.post_document(ctx, T_INVOICE, doc)
            return doc.id
        pid = run(db, st.admin, payable)
        c = st.customers["C001"]
        iid, _ = _invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": "1000",
                                    "tax_rate": "0"}], customer_id=c)
        only = _only("finance.receivable.offset", st)  # the use case runs with its own permission alone
        oid = rc.offset_receivable_payable(db, only, customer_id=c, supplier_id=st.supplier_same,
                                           doc_date=dt.date(2026, 3, 10),
                                           lines=[{"item_id": iid, "payable_type": "t_invoice", "payable_id": pid,
                                                   "amount": "800"}])
        from erp_core.billing.models import ArApOffset
        assert voucher(db, _doc(db, ArApOffset, oid).voucher_id) == [("220201", "800.00", "0.00", st.supplier_same),
                                                                     ("1122", "0.00", "800.00", c)]
        assert list(_open(db, st).values()) == [D("200.00")]
        rc.reverse_receivable_offset(db, _only("finance.receivable.offset_reverse", st), offset_id=oid)
        assert list(_open(db, st).values()) == [D("1000.00")]
        oid = rc.offset_receivable_payable(db, st.admin, customer_id=c, supplier_id=st.supplier_same,
                                           doc_date=dt.date(2026, 3, 10),
                                           lines=[{"item_id": iid, "payable_type": "t_invoice", "payable_id": pid,
                                                   "amount": "800"}])
        # a customer that is not the supplier is refused
        with pytest.raises(BAD):
            rc.offset_receivable_payable(db, st.admin, customer_id=st.customers["C002"],
                                         supplier_id=st.supplier_same, doc_date=DAY,
                                         lines=[{"item_id": iid, "payable_type": "t_invoice", "payable_id": pid,
                                                 "amount": "1"}])
    finally:
        unregister_invoice_type()


def test_bad_debt_write_off_needs_its_own_permission(db, st):
    from types import MappingProxyType

    from erp_core.kernel.actor import Actor, Scope

    c = st.customers["C001"]
    iid, _ = _invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": "100",
                                "tax_rate": "0"}], customer_id=c)
    clerk = Actor(user_id=st.admin.user_id, username="clerk", company_id=st.company_id,
                  grants=MappingProxyType({"finance.receipt.create": Scope.ALL}))
    with pytest.raises(PermissionDenied):
        rc.create_receipt(db, clerk, partner_id=c, doc_date=DAY, lines=[{"item_id": iid, "writeoff": "100"}])
    rid = rc.create_receipt(db, st.admin, partner_id=c, doc_date=DAY, lines=[{"item_id": iid, "writeoff": "100"}])
    vid = rc.post_receipt(db, st.admin, receipt_id=rid)
    assert voucher(db, vid) == [("1122", "0.00", "100.00", c), ("5711", "100.00", "0.00", None)]
    assert _open(db, st) == {}


def test_aging_as_of_a_past_date_report_and_checks(db, st):
    from erp_core.billing import queries as q
    from erp_core.billing.invariants import receivables_vs_ledger_problems, revenue_vs_invoices_problems

    c = st.customers["C001"]
    ol = order(db, st, [("P1", "4", "100.00")])
    _invoice(db, st, [{"source_type": "sales_order", "source_line_id": ol[0], "quantity": "4"}],
             day=dt.date(2026, 1, 5))  # 452, due 2026-02-04
    iid, _ = _invoice(db, st, [{"product_id": st.products["S1"], "quantity": "1", "unit_price": "1000",
                                "tax_rate": "0"}], customer_id=c, day=dt.date(2026, 3, 1))
    rid = rc.create_receipt(db, st.admin, partner_id=c, doc_date=dt.date(2026, 4, 1),
                            lines=[{"item_id": iid, "amount": "1000"}, {"amount": "50"}])
    rc.post_receipt(db, st.admin, receipt_id=rid)
    march = q.receivables_aging(db, st.admin, as_of=dt.date(2026, 3, 31))
    assert [(r["customer_code"], r["0-30"], r["61-90"], r["open"], r["advance"]) for r in march.rows] == [
        ("C001", D("1000.00"), D("452.00"), D("1452.00"), D(0))]
    fast = q.receivables_aging(db, st.admin, as_of=dt.date(2026, 3, 31), items=False)  # sums made in SQL
    assert fast.rows == march.rows and fast.totals == march.totals and fast.items == []
    due = q.receivables_aging(db, st.admin, as_of=dt.date(2026, 3, 31), basis="due_date")
    assert q.receivables_aging(db, st.admin, as_of=dt.date(2026, 3, 31), basis="due_date", items=False).rows \
        == due.rows
    april = q.receivables_aging(db, st.admin, as_of=dt.date(2026, 4, 30))
    assert [(r["open"], r["advance"], r["net"]) for r in april.rows] == [(D("452.00"), D("50.00"), D("402.00"))]
    report = q.receivables_report(db, st.admin, as_of=dt.date(2026, 3, 31))
    assert [(r["invoice_date"], r["outstanding"], r["days_overdue"]) for r in report] == [
        (dt.date(2026, 1, 5), D("452.00"), 55), (dt.date(2026, 3, 1), D("1000.00"), 0)]
    assert [r["outstanding"] for r in q.receivables_report(db, st.admin, as_of=dt.date(2026, 3, 31),
                                                           overdue_only=True)] == [D("452.00")]
    stmt = q.customer_statement(db, st.admin, partner_id=c, date_from=dt.date(2026, 3, 1),
                                date_to=dt.date(2026, 4, 30))
    assert (stmt.opening, stmt.increase, stmt.decrease, stmt.closing) == (D("452.00"), D("1000.00"),
                                                                          D("1050.00"), D("402.00"))
    with db.uow(readonly=True) as uow:
        assert receivables_vs_ledger_problems(uow.session, st.company_id) == []
        assert revenue_vs_invoices_problems(uow.session, st.company_id) == []


def test_goods_invoiced_before_delivery_are_recognised_when_delivered(db, st):
    c = st.customers["C001"]
    ol = order(db, st, [("P1", "4", "100.00")])
    _invoice(db, st, [{"source_type": "sales_order", "source_line_id": ol[0], "quantity": "4"}])
    _, dl = deliver(db, st, [(ol[0], "3")], day=dt.date(2026, 3, 12))
    # the delivery cannot be invoiced a second time
    with pytest.raises(BAD):
        inv.create_invoice(db, st.admin, doc_date=dt.date(2026, 3, 12),
                           lines=[{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "3"}])
    from erp_core.billing.models import RevenueRecognition

    with db.uow(readonly=True) as uow:
        from erp_core.documents.registry import document_type
        delivery_id = uow.session.get(document_type("sales_delivery").line, dl[0]).header_id
    rid = inv.recognize_revenue(db, _only("sales.invoice.recognize", st), delivery_id=delivery_id)
    assert voucher(db, _doc(db, RevenueRecognition, rid).voucher_id) == [("2203", "300.00", "0.00", c),
                                                                         ("5001", "0.00", "300.00", None)]
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("-100.00")  # one unit still to deliver
    assert line_qty(db, "sales_delivery", dl[0]) == D(3)
    assert inv.recognize_revenue(db, st.admin, delivery_id=delivery_id) is None  # nothing left
    from erp_core.billing.invariants import receivables_vs_ledger_problems, revenue_vs_invoices_problems

    with db.uow(readonly=True) as uow:
        assert receivables_vs_ledger_problems(uow.session, st.company_id) == []
        assert revenue_vs_invoices_problems(uow.session, st.company_id) == []


def test_sales_return_after_invoicing_then_red_invoice_for_it(db, st):
    from erp_core.sales import services as ss

    ol = order(db, st, [("P1", "10", "50.00")])
    d_id, dl = deliver(db, st, [(ol[0], "10")])
    iid, _ = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"}])
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 8), reason="破损",
                           lines=[{"delivery_line_id": dl[0], "quantity": "3"}])
    ss.post_return(db, st.admin, return_id=ret)
    rid = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                                 lines=[{"line_id": _line_ids(db, iid)[0], "quantity": "3"}], return_id=ret)
    inv.post_invoice(db, st.admin, invoice_id=rid)
    # delivered 10, returned 3, invoiced 10 - 3: nothing left to invoice, 7 x 56.50 owed
    assert line_qty(db, "sales_delivery", dl[0]) == D(7)
    assert line_qty(db, "sales_delivery", dl[0], "returned_qty") == D(3)
    assert list(_open(db, st).values()) == [D("395.50")]
    with pytest.raises(BAD):
        inv.create_invoice(db, st.admin, doc_date=DAY, lines=[{"source_type": "sales_delivery",
                                                               "source_line_id": dl[0], "quantity": "1"}])
