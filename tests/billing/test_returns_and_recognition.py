"""Issue #13 follow-ups (helper salesfix): a red invoice made for a sales return credits the return's lines; a
revenue recognition (预收 → revenue on delivery) is reversed through the posting path when its goods come back
(return) or its delivery is reversed (红冲), and by its own use case; the revenue check counts every revenue
account a 科目设置 rule sends a product category's revenue to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.billing import invoice_services as inv
from erp_core.billing.invariants import receivables_vs_ledger_problems, revenue_vs_invoices_problems
from erp_core.billing.models import RevenueRecognition, SalesInvoice
from erp_core.documents.registry import document_type
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.sales import services as ss
from erp_core.sales.invariants import sales_problems
from tests.billing.support import DAY, build, deliver, gl_balance, line_qty, order, voucher

D = Decimal
BAD = (ValidationError, ValidationErrors)


@pytest.fixture
def st(db, company):
    return build(db, company=company)


def _only(permission, st):
    from types import MappingProxyType

    from erp_core.kernel.actor import Actor, Scope

    return Actor(user_id=st.admin.user_id, username="only", company_id=st.company_id,
                 grants=MappingProxyType({permission: Scope.ALL}))


def _line_ids(db, model, doc_id):
    with db.uow(readonly=True) as uow:
        return [ln.id for ln in uow.session.get(model, doc_id).lines]


def _checks(db, st):
    with db.uow(readonly=True) as uow:
        return (sales_problems(uow.session, st.company_id) + receivables_vs_ledger_problems(uow.session, st.company_id)
                + revenue_vs_invoices_problems(uow.session, st.company_id))


def _messages(exc) -> set[str]:
    errors = getattr(exc, "errors", None) or [exc]
    return {e.message_id for e in errors}


def _invoice(db, st, lines, *, day=DAY):
    iid = inv.create_invoice(db, st.admin, doc_date=day, lines=lines)
    inv.post_invoice(db, st.admin, invoice_id=iid)
    return iid


# --- 1. a red invoice that names a return credits the return's lines ----------------------------------------

def test_red_invoice_for_a_return_counts_the_return_lines_as_invoiced(db, st):
    ol = order(db, st, [("P1", "10", "50.00"), ("P2", "4", "20.00")])
    _, dl = deliver(db, st, [(ol[0], "10"), (ol[1], "4")])
    iid = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"},
                            {"source_type": "sales_delivery", "source_line_id": dl[1], "quantity": "4"}])
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 8), reason="破损",
                           lines=[{"delivery_line_id": dl[0], "quantity": "3"}])
    ss.post_return(db, st.admin, return_id=ret)
    rt = document_type("sales_return")
    ret_line = _line_ids(db, rt.header, ret)[0]
    assert line_qty(db, "sales_return", ret_line) == D(0)  # returned, not credited yet
    inv_lines = _line_ids(db, SalesInvoice, iid)
    # P2 was not sent back: a red invoice for this return cannot credit it
    with pytest.raises(BAD) as e:
        inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                               lines=[{"line_id": inv_lines[1], "quantity": "1"}], return_id=ret)
    assert _messages(e.value) == {"error.billing.red_beyond_return"}
    # nor more than the return took back
    with pytest.raises(BAD) as e:
        inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                               lines=[{"line_id": inv_lines[0], "quantity": "4"}], return_id=ret)
    assert _messages(e.value) == {"error.billing.red_beyond_return"}
    red = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                                 lines=[{"line_id": inv_lines[0], "quantity": "3"}], return_id=ret)
    inv.post_invoice(db, st.admin, invoice_id=red)
    # the return is credited: its line counts the red invoice's quantity as invoiced
    assert line_qty(db, "sales_return", ret_line) == D(3)
    assert line_qty(db, "sales_delivery", dl[0]) == D(7)
    assert gl_balance(db, st.company_id, "1122", customer_id=st.customers["C001"]) == D("395.50") + D("90.40")
    assert _checks(db, st) == []
    # a second red invoice for the same return: nothing of it is left to credit (refused when made...)
    with pytest.raises(BAD) as e:
        inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 10), reason="退货",
                               lines=[{"line_id": inv_lines[0], "quantity": "1"}], return_id=ret)
    assert _messages(e.value) == {"error.billing.red_beyond_return"}
    # ... and a red invoice for another reason (折让) naming no return leaves the return's count alone
    allowance = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 10),
                                       reason="折让", lines=[{"line_id": inv_lines[0], "quantity": "1"}])
    inv.post_invoice(db, st.admin, invoice_id=allowance)
    assert line_qty(db, "sales_return", ret_line) == D(3)
    assert _checks(db, st) == []


def test_two_drafts_for_one_return_the_second_is_refused_when_posted(db, st):
    ol = order(db, st, [("P1", "10", "50.00")])
    _, dl = deliver(db, st, [(ol[0], "10")])
    iid = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"}])
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 8), reason="破损",
                           lines=[{"delivery_line_id": dl[0], "quantity": "2"}])
    ss.post_return(db, st.admin, return_id=ret)
    line = _line_ids(db, SalesInvoice, iid)[0]
    first, second = (inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9),
                                            reason="退货", lines=[{"line_id": line, "quantity": "2"}], return_id=ret)
                     for _ in range(2))
    inv.post_invoice(db, st.admin, invoice_id=first)
    with pytest.raises(BAD) as e:
        inv.post_invoice(db, st.admin, invoice_id=second)
    assert _messages(e.value) == {"error.billing.red_beyond_return"}
    rt = document_type("sales_return")
    assert line_qty(db, "sales_return", _line_ids(db, rt.header, ret)[0]) == D(2)
    assert _checks(db, st) == []


def test_sales_check_finds_a_return_line_whose_credit_differs_from_its_links(db, st):
    ol = order(db, st, [("P1", "5", "50.00")])
    _, dl = deliver(db, st, [(ol[0], "5")])
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 8), reason="破损",
                           lines=[{"delivery_line_id": dl[0], "quantity": "1"}])
    ss.post_return(db, st.admin, return_id=ret)
    rt = document_type("sales_return")
    with db.uow() as uow:
        uow.session.get(rt.header, ret).lines[0].invoiced_qty = D(2)  # credited without a red invoice
        uow.commit()
    with db.uow(readonly=True) as uow:
        got = {p.message_id for p in sales_problems(uow.session, st.company_id)}
    assert got == {"check.problem.sales.counts", "check.problem.sales.return_over_credited"}


# --- 2. reversing a revenue recognition ------------------------------------------------------------------------

def _advance_then_deliver(db, st, qty="3"):
    """4 x P1 at 100.00 invoiced from the order (预收 400), then ``qty`` delivered and recognised."""
    ol = order(db, st, [("P1", "4", "100.00")])
    _invoice(db, st, [{"source_type": "sales_order", "source_line_id": ol[0], "quantity": "4"}])
    d_id, dl = deliver(db, st, [(ol[0], qty)], day=dt.date(2026, 3, 12))
    rid = inv.recognize_revenue(db, st.admin, delivery_id=d_id)
    return ol, d_id, dl, rid


def _recognitions(db, st):
    with db.uow(readonly=True) as uow:
        return [(r.total, r.reverses_id is not None) for r in uow.session.execute(
            select(RevenueRecognition).where(RevenueRecognition.company_id == st.company_id)
            .order_by(RevenueRecognition.id)).scalars()]


def test_return_of_recognised_goods_takes_their_revenue_back_to_advance(db, st):
    c = st.customers["C001"]
    ol, d_id, dl, rid = _advance_then_deliver(db, st)
    assert gl_balance(db, st.company_id, "5001") == D("-300.00")
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 20), reason="质量问题",
                           lines=[{"delivery_line_id": dl[0], "quantity": "1"}])
    ss.post_return(db, st.admin, return_id=ret)
    # the recognition of 3 is reversed (红字, Dr 5001 / Cr 2203) and the 2 kept are recognised again
    assert _recognitions(db, st) == [(D("300.00"), False), (D("-300.00"), True), (D("200.00"), False)]
    with db.uow(readonly=True) as uow:
        red = uow.session.execute(select(RevenueRecognition).where(
            RevenueRecognition.reverses_id == rid)).scalar_one()
        red_voucher, red_date = red.voucher_id, red.doc_date
    assert red_date == dt.date(2026, 3, 20)
    assert voucher(db, red_voucher) == [("2203", "-300.00", "0.00", c), ("5001", "0.00", "-300.00", None)]
    assert gl_balance(db, st.company_id, "5001") == D("-200.00")  # revenue of the 2 kept
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("-200.00")  # 2 of 4 still owed as goods
    assert line_qty(db, "sales_delivery", dl[0]) == D(2)
    assert line_qty(db, "sales_delivery", dl[0], "returned_qty") == D(1)
    assert _checks(db, st) == []
    # the rest of the order delivered later is recognised from the same advance invoice
    d2, _ = deliver(db, st, [(ol[0], "2")], day=dt.date(2026, 3, 25))
    inv.recognize_revenue(db, st.admin, delivery_id=d2)
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("0.00")
    assert gl_balance(db, st.company_id, "5001") == D("-400.00")
    assert _checks(db, st) == []


def test_return_within_what_was_not_recognised_changes_no_recognition(db, st):
    ol = order(db, st, [("P1", "4", "100.00")])
    _invoice(db, st, [{"source_type": "sales_order", "source_line_id": ol[0], "quantity": "2"}])  # 2 in advance
    d_id, dl = deliver(db, st, [(ol[0], "4")], day=dt.date(2026, 3, 12))
    inv.recognize_revenue(db, st.admin, delivery_id=d_id)  # 2 recognised, 2 still to invoice
    ret = ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 20), reason="多发",
                           lines=[{"delivery_line_id": dl[0], "quantity": "2"}])
    ss.post_return(db, st.admin, return_id=ret)
    assert _recognitions(db, st) == [(D("200.00"), False)]
    assert _checks(db, st) == []


def test_reversing_a_delivery_reverses_its_recognition(db, st):
    c = st.customers["C001"]
    _, d_id, dl, _ = _advance_then_deliver(db, st)
    red_delivery = ss.reverse_delivery(db, _only("sales.delivery.reverse", st), delivery_id=d_id,
                                       doc_date=dt.date(2026, 3, 15))
    assert red_delivery
    assert _recognitions(db, st) == [(D("300.00"), False), (D("-300.00"), True)]
    assert gl_balance(db, st.company_id, "5001") == D("0.00")
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("-400.00")  # all 4 owed as goods again
    assert line_qty(db, "sales_delivery", dl[0]) == D(0)
    assert _checks(db, st) == []


def test_a_delivery_invoiced_from_itself_still_refuses_reversal(db, st):
    from erp_core.kernel.errors import Conflict

    ol = order(db, st, [("P1", "4", "100.00")])
    d_id, dl = deliver(db, st, [(ol[0], "4")])
    _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "4"}])
    with pytest.raises(Conflict) as e:
        ss.reverse_delivery(db, st.admin, delivery_id=d_id)
    assert e.value.message_id == "error.sales.delivery_in_use"


def test_reverse_recognition_use_case_then_recognise_again(db, st):
    c = st.customers["C001"]
    _, d_id, dl, rid = _advance_then_deliver(db, st)
    red = inv.reverse_recognition(db, _only("sales.invoice.recognize_reverse", st), recognition_id=rid,
                                  doc_date=dt.date(2026, 3, 13), comment="确认错了")
    assert red != rid
    assert gl_balance(db, st.company_id, "5001") == D("0.00")
    assert gl_balance(db, st.company_id, "2203", customer_id=c) == D("-400.00")
    assert line_qty(db, "sales_delivery", dl[0]) == D(0)
    assert _checks(db, st) == []
    from erp_core.kernel.errors import Conflict

    with pytest.raises(Conflict):  # a recognition is reversed once
        inv.reverse_recognition(db, st.admin, recognition_id=rid)
    again = inv.recognize_revenue(db, st.admin, delivery_id=d_id, doc_date=dt.date(2026, 3, 14))
    assert again is not None
    assert gl_balance(db, st.company_id, "5001") == D("-300.00")
    assert _checks(db, st) == []


# --- 3. the revenue check over every revenue account ----------------------------------------------------------

def test_revenue_check_counts_every_revenue_account_of_the_categories(db, st):
    from erp_core.costing import rules_services as rs
    from erp_core.masterdata.models_items import ProductCategory

    with db.uow(readonly=True) as uow:
        home = uow.session.execute(select(ProductCategory.id).where(
            ProductCategory.company_id == st.company_id, ProductCategory.code == "HOME")).scalar_one()
    # 竹篮 (P2, category HOME) is 其他业务收入 5051; 安化黑茶 (P1, TEA) stays on the default 5001
    rs.set_account_rule(db, st.admin, role="revenue", account_code="5051", category_id=home)
    ol = order(db, st, [("P1", "10", "50.00"), ("P2", "5", "20.00")])
    _, dl = deliver(db, st, [(ol[0], "10"), (ol[1], "5")])
    iid = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"},
                            {"source_type": "sales_delivery", "source_line_id": dl[1], "quantity": "5"}])
    assert gl_balance(db, st.company_id, "5001") == D("-500.00")
    assert gl_balance(db, st.company_id, "5051") == D("-100.00")
    red = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 4, 2), reason="折让",
                                 lines=[{"line_id": _line_ids(db, SalesInvoice, iid)[1], "quantity": "1"}])
    inv.post_invoice(db, st.admin, invoice_id=red)
    assert gl_balance(db, st.company_id, "5051") == D("-80.00")
    with db.uow(readonly=True) as uow:
        assert revenue_vs_invoices_problems(uow.session, st.company_id) == []
    # the rule is changed later (P2 back on 5001): what was posted to 5051 is still revenue
    from erp_core.costing import rules_queries as rq

    rule = next(r for r in rq.list_account_rules(db, st.admin) if r.role == "revenue")
    rs.clear_account_rule(db, st.admin, rule_id=rule.id, version=rule.version)
    with db.uow(readonly=True) as uow:
        assert revenue_vs_invoices_problems(uow.session, st.company_id) == []


# --- 4. what the sales invoice page offers (helper salesui): returns to credit, an invoice's recognitions -----

def test_returns_to_credit_proposes_the_open_goods_of_each_invoice_line(db, st):
    from erp_core.billing import queries as q

    ol = order(db, st, [("P1", "10", "50.00"), ("P2", "4", "20.00")])
    _, dl = deliver(db, st, [(ol[0], "10"), (ol[1], "4")])
    iid = _invoice(db, st, [{"source_type": "sales_delivery", "source_line_id": dl[0], "quantity": "10"},
                            {"source_type": "sales_delivery", "source_line_id": dl[1], "quantity": "4"}])
    il = _line_ids(db, SalesInvoice, iid)
    other = order(db, st, [("P1", "2", "50.00")], customer="C002")
    _, odl = deliver(db, st, [(other[0], "2")])
    for lines in ([{"delivery_line_id": dl[0], "quantity": "3"}, {"delivery_line_id": dl[1], "quantity": "1"}],
                  [{"delivery_line_id": odl[0], "quantity": "1"}]):
        ss.post_return(db, st.admin, return_id=ss.create_return(db, st.admin, doc_date=dt.date(2026, 3, 8),
                                                                 reason="破损", lines=lines))
    [ret] = q.returns_to_credit(db, st.admin, invoice_id=iid)  # the other customer's return is not offered
    assert (ret["returned"], ret["open"], ret["lines"]) == (D(4), D(4), {il[0]: D(3), il[1]: D(1)})
    red = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                                 lines=[{"line_id": il[0], "quantity": "3"}], return_id=ret["id"])
    inv.post_invoice(db, st.admin, invoice_id=red)
    [left] = q.returns_to_credit(db, st.admin, invoice_id=iid)
    assert (left["open"], left["lines"]) == (D(1), {il[1]: D(1)})
    red = inv.create_red_invoice(db, st.admin, original_id=iid, doc_date=dt.date(2026, 3, 9), reason="退货",
                                 lines=[{"line_id": il[1], "quantity": "1"}], return_id=ret["id"])
    inv.post_invoice(db, st.admin, invoice_id=red)
    assert q.returns_to_credit(db, st.admin, invoice_id=iid) == []  # fully credited: no longer offered


def test_invoice_recognitions_lists_the_recognition_and_its_red_copy(db, st):
    from erp_core.billing import queries as q

    _, d_id, _, rid = _advance_then_deliver(db, st)
    with db.uow(readonly=True) as uow:
        iid = uow.session.execute(select(SalesInvoice.id)).scalar_one()
        delivery_no = uow.session.get(document_type("sales_delivery").header, d_id).number
    [one] = q.invoice_recognitions(db, st.admin, invoice_id=iid)
    assert (one["id"], one["amount"], one["status"], one["reversible"]) == (rid, D("300.00"), "posted", True)
    assert one["deliveries"] == delivery_no
    inv.reverse_recognition(db, st.admin, recognition_id=rid, doc_date=dt.date(2026, 3, 13))
    rows = q.invoice_recognitions(db, st.admin, invoice_id=iid)
    assert [(r["status"], r["amount"], r["reversible"], r["reverses"]) for r in rows] == [
        ("reversed", D("300.00"), False, ""), ("posted", D("-300.00"), False, one["number"])]
