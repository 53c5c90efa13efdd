"""Worked examples with the exact vouchers and stock moves (SQLite, PostgreSQL, MariaDB):
order -> partial receipt (暂估 at the order price excl. VAT) -> invoice with a price variance, under 单到回冲 and
单到补差, 专票 and 普票; purchase return before and after invoicing (with the red invoice); red receipt; derived
progress of the order; over-receipt tolerance; the stock ledger and account 1405 agree to the fen throughout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_core.finance.models import Account
from erp_core.inventory.models import StockMove
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.ledger.models import GlLine
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseOrder, PurchaseReceipt
from tests.purchasing.support import DAY, D, env, moves, order, order_lines, receipt_lines, voucher


@pytest.fixture
def st(db, company):
    return env(db, company=company)


def _progress(db, oid):
    with db.uow(readonly=True) as uow:
        o = uow.session.get(PurchaseOrder, oid)
        return o.progress, [(f"{ln.received_qty.normalize():f}", f"{ln.invoiced_qty.normalize():f}",
                             f"{ln.returned_qty.normalize():f}") for ln in o.lines]


def _stock_agrees(db, company_id):
    """Value of the stock ledger == balance of account 1405 (to the fen)."""
    with db.uow(readonly=True) as uow:
        s = uow.session
        ledger = sum(s.execute(select(StockMove.amount).where(StockMove.company_id == company_id)).scalars(), D(0))
        gl = sum((d - c for d, c in s.execute(select(GlLine.debit, GlLine.credit)
                                              .join(Account, Account.id == GlLine.account_id)
                                              .where(GlLine.company_id == company_id, Account.code == "1405"))),
                 D(0))
    return ledger, gl


def _receive(db, st, oid, qtys, **kw):
    ids = order_lines(db, oid)
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": i, "quantity": D(q), **kw}
                                                             for i, q in zip(ids, qtys, strict=False) if q])
    return rid, ps.post_receipt(db, st.admin, receipt_id=rid)


def test_receipt_books_the_accrual_at_the_order_price_excluding_vat(db, st):
    oid = order(db, st, [("P1", "10", "113"), ("P2", "5", "45.2")], includes_vat=True)  # 100 / 40 excl. VAT
    rid, vid = _receive(db, st, oid, ["6", "5"])
    assert moves(db, "purchase_receipt", rid) == [("receipt", "6", "100", "600.00"), ("receipt", "5", "40", "200.00")]
    assert voucher(db, vid) == [("1405", "800.00", "0.00", None), ("220202", "0.00", "800.00", st.supplier)]
    assert _progress(db, oid) == ("partly_received", [("6", "0", "0"), ("5", "0", "0")])
    assert _stock_agrees(db, st.company_id) == (D("800.00"), D("800.00"))


def _invoice(db, st, rid, price, *, vat_kind="special", qty="6"):
    (rl, *_) = receipt_lines(db, rid)
    iid = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="04411234", vat_kind=vat_kind,
                            lines=[{"receipt_line_id": rl, "quantity": D(qty), "unit_price": D(price)}])
    return iid, ps.post_invoice(db, st.admin, invoice_id=iid)


def test_invoice_with_price_variance_reverse_method(db, st):
    """单到回冲: red the 暂估 600 (Dr 220202 暂估应付款 / Cr 1405), then blue at the invoice price 6 x 102 = 612 + VAT 79.56."""
    oid = order(db, st, [("P1", "10", "100")])
    rid, _ = _receive(db, st, oid, ["6"])
    iid, vid = _invoice(db, st, rid, "102")
    assert voucher(db, vid) == [("220202", "600.00", "0.00", st.supplier), ("1405", "0.00", "600.00", None),
                                ("1405", "612.00", "0.00", None), ("22210101", "79.56", "0.00", None),
                                ("220201", "0.00", "691.56", st.supplier)]
    assert moves(db, "purchase_invoice", iid) == [("revaluation", "0", "0", "12.00")]
    assert _stock_agrees(db, st.company_id) == (D("612.00"), D("612.00"))
    assert _progress(db, oid) == ("partly_received", [("6", "6", "0")])


def test_invoice_with_price_variance_difference_method(db, st):
    """单到补差: only the difference 12.00 goes to stock; the 暂估 is cleared, the payable booked incl. VAT."""
    ps.set_purchase_setting(db, st.admin, over_receipt_pct="0", invoice_method="difference")
    oid = order(db, st, [("P1", "6", "100")])
    rid, _ = _receive(db, st, oid, ["6"])
    assert _progress(db, oid)[0] == "received"
    iid, vid = _invoice(db, st, rid, "98")
    assert voucher(db, vid) == [("220202", "600.00", "0.00", st.supplier), ("1405", "0.00", "12.00", None),
                                ("22210101", "76.44", "0.00", None), ("220201", "0.00", "664.44", st.supplier)]
    assert moves(db, "purchase_invoice", iid) == [("revaluation", "0", "0", "-12.00")]
    assert _stock_agrees(db, st.company_id) == (D("588.00"), D("588.00"))
    assert _progress(db, oid)[0] == "completed"


def test_ordinary_invoice_puts_the_vat_into_cost(db, st):
    """普票: no input VAT; the stock is worth net + VAT = 612 + 79.56."""
    oid = order(db, st, [("P1", "6", "100")])
    rid, _ = _receive(db, st, oid, ["6"])
    iid, vid = _invoice(db, st, rid, "102", vat_kind="ordinary")
    assert voucher(db, vid) == [("220202", "600.00", "0.00", st.supplier), ("1405", "0.00", "600.00", None),
                                ("1405", "691.56", "0.00", None), ("220201", "0.00", "691.56", st.supplier)]
    assert moves(db, "purchase_invoice", iid) == [("revaluation", "0", "0", "91.56")]
    assert _stock_agrees(db, st.company_id) == (D("691.56"), D("691.56"))


def test_return_before_invoicing_and_after_with_the_red_invoice(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    rid, _ = _receive(db, st, oid, ["10"])
    (rl,) = receipt_lines(db, rid)
    # 2 back before any invoice: Dr 220202 (暂估) / Cr 1405 at the receipt cost
    tid = ps.create_return(db, st.admin, doc_date=DAY, lines=[{"receipt_line_id": rl, "quantity": D("2")}])
    vid = ps.post_return(db, st.admin, return_id=tid)
    assert voucher(db, vid) == [("220202", "200.00", "0.00", st.supplier), ("1405", "0.00", "200.00", None)]
    assert moves(db, "purchase_return", tid) == [("issue", "-2", "100", "-200.00")]
    assert _progress(db, oid) == ("partly_received", [("10", "0", "2")])
    # invoice the 8 kept at 105; then 1 more goes back: return + red invoice of 1 at 105
    _invoice(db, st, rid, "105", qty="8")
    with pytest.raises(ValidationError) as exc:
        _invoice(db, st, rid, "105", qty="1")
    assert exc.value.message_id == "error.purchasing.over_invoice"
    tid2 = ps.create_return(db, st.admin, doc_date=DAY, lines=[{"receipt_line_id": rl, "quantity": D("1")}])
    assert voucher(db, ps.post_return(db, st.admin, return_id=tid2)) == [
        ("220202", "100.00", "0.00", st.supplier), ("1405", "0.00", "100.00", None)]
    red = ps.create_invoice(db, st.admin, doc_date=DAY, invoice_no="R001", red=True,
                            lines=[{"receipt_line_id": rl, "quantity": D("1"), "unit_price": D("105")}])
    with db.uow(readonly=True) as uow:  # the open item: what is owed to the supplier, negative for a red invoice
        from erp_core.purchasing.models import PurchaseInvoice

        doc = uow.session.get(PurchaseInvoice, red)
        assert (doc.total, doc.partner_id) == (D("-118.65"), st.supplier)
    assert voucher(db, ps.post_invoice(db, st.admin, invoice_id=red)) == [
        ("220202", "0.00", "100.00", st.supplier), ("1405", "100.00", "0.00", None),
        ("1405", "0.00", "105.00", None), ("22210101", "0.00", "13.65", None),
        ("220201", "118.65", "0.00", st.supplier)]
    assert _progress(db, oid) == ("partly_received", [("10", "7", "3")])
    assert _stock_agrees(db, st.company_id) == (D("735.00"), D("735.00"))  # 7 x 105


def test_red_receipt_gives_the_quantity_back_and_is_refused_once_invoiced(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    rid, _ = _receive(db, st, oid, ["4"])
    red = ps.reverse_receipt(db, st.admin, receipt_id=rid)
    assert moves(db, "purchase_receipt", red) == [("issue", "-4", "100", "-400.00")]
    assert _progress(db, oid) == ("open", [("0", "0", "0")])
    assert _stock_agrees(db, st.company_id) == (D("0"), D("0"))
    rid2, _ = _receive(db, st, oid, ["4"])
    _invoice(db, st, rid2, "100", qty="4")
    with pytest.raises(Conflict) as exc:
        ps.reverse_receipt(db, st.admin, receipt_id=rid2)
    assert exc.value.message_id == "error.purchasing.receipt_in_use"


def test_over_receipt_tolerance(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    with pytest.raises(ValidationError) as exc:
        _receive(db, st, oid, ["10.5"])
    assert exc.value.message_id == "error.purchasing.over_receipt"
    assert exc.value.params["allowed"] == "10"
    ps.set_purchase_setting(db, st.admin, over_receipt_pct="5", invoice_method="reverse")
    _receive(db, st, oid, ["10.5"], discrepancy="over", discrepancy_reason="供应商多发")
    assert _progress(db, oid)[0] == "received"
    with pytest.raises(ValidationError):
        _receive(db, st, oid, ["0.1"])


def test_discrepancy_needs_a_reason_and_is_stored(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    (ol,) = order_lines(db, oid)
    with pytest.raises(ValidationError) as exc:
        ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": ol, "quantity": D("9"),
                                                             "discrepancy": "damaged"}])
    assert exc.value.message_id == "error.purchasing.discrepancy_reason"
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": ol, "quantity": D("9"),
                                                               "discrepancy": "damaged",
                                                               "discrepancy_reason": "一箱破损拒收"}])
    with db.uow(readonly=True) as uow:
        ln = uow.session.get(PurchaseReceipt, rid).lines[0]
        assert (ln.discrepancy, ln.discrepancy_reason) == ("damaged", "一箱破损拒收")


def test_receipt_refuses_unconfirmed_orders_and_mixed_suppliers(db, st):
    draft = order(db, st, [("P1", "1", "1")], confirm=False)
    a = order(db, st, [("P1", "1", "1")])
    b = order(db, st, [("P1", "1", "1")], supplier_id=st.supplier2)
    with pytest.raises(ValidationError) as exc:
        ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, draft)[0],
                                                             "quantity": D("1")}])
    assert exc.value.message_id == "error.purchasing.order_not_open"
    with pytest.raises(ValidationError) as exc:
        ps.create_receipt(db, st.admin, doc_date=DAY, lines=[
            {"order_line_id": order_lines(db, a)[0], "quantity": D("1")},
            {"order_line_id": order_lines(db, b)[0], "quantity": D("1")}])
    assert exc.value.message_id == "error.purchasing.one_supplier"


def test_invoice_only_against_posted_receipts(db, st):
    oid = order(db, st, [("P1", "10", "100")])
    rid = ps.create_receipt(db, st.admin, doc_date=DAY, lines=[{"order_line_id": order_lines(db, oid)[0],
                                                               "quantity": D("1")}])
    with pytest.raises((ValidationError, ValidationErrors)) as exc:
        ps.create_invoice(db, st.admin, doc_date=DAY, lines=[{"receipt_line_id": receipt_lines(db, rid)[0],
                                                             "quantity": D("1"), "unit_price": D("1")}])
    assert exc.value.message_id == "error.purchasing.receipt_not_posted"


def test_erp_check_finds_nothing_then_a_count_out_of_step(db, st):
    from sqlalchemy import update

    from erp_core.purchasing.invariants import purchasing_problems
    from erp_core.purchasing.models import PurchaseOrderLine

    oid = order(db, st, [("P1", "10", "100")])
    rid, _ = _receive(db, st, oid, ["6"])
    _invoice(db, st, rid, "102", qty="6")
    (rl,) = receipt_lines(db, rid)
    ps.post_return(db, st.admin, return_id=ps.create_return(db, st.admin, doc_date=DAY, lines=[
        {"receipt_line_id": rl, "quantity": D("1")}]))
    with db.uow(readonly=True) as uow:
        assert purchasing_problems(uow.session, st.company_id) == []
    (ol,) = order_lines(db, oid)
    with db.uow() as uow:
        uow.session.execute(update(PurchaseOrderLine).where(PurchaseOrderLine.id == ol).values(received_qty=D(7)))
        uow.commit()
    with db.uow(readonly=True) as uow:
        assert [p.message_id for p in purchasing_problems(uow.session, st.company_id)] == [
            "check.problem.purchasing.counts"]
