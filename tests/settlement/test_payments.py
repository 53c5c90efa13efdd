"""Payments and settlement on every backend: partial payment, one payment over several invoices, a prepayment
applied later (预付冲应付), a red payment giving its settlements back, over-settlement refused, 红蓝对冲, the
approvals gate, and the vouchers the payments post (supplier dimension, bank account)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.approvals.services import approve, create_rule
from erp_core.finance.models import VoucherLine
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.settlement import services as pay
from erp_core.settlement.models import Payment, Settlement
from erp_core.settlement.open_items import open_items
from tests.settlement.support import DAY, build, gl_balance, invoices, post_invoice, red_invoice  # noqa: F401

D = Decimal


@pytest.fixture
def books(db, invoices, company):  # noqa: F811
    return build(db, company=company)


def _open(books, kind="payable", supplier="A", as_of=None):
    with books.db.uow(readonly=True) as uow:
        return {i.number: i.open for i in open_items(uow.session, books.company_id, kind=kind,
                                                     partner_id=books.suppliers[supplier], as_of=as_of)}


def _pay(books, lines, *, day=DAY, supplier="A", post=True, account_code=None):
    pid = pay.create_payment(books.db, books.admin, partner_id=books.suppliers[supplier], doc_date=day,
                             lines=lines, account_code=account_code)
    if post:
        pay.post_payment(books.db, books.admin, payment_id=pid)
    return pid


def _inv(iid):
    return {"item_type": "t_invoice", "item_id": iid}


def _voucher(books, payment_id):
    with books.db.uow(readonly=True) as uow:
        vid = uow.session.get(Payment, payment_id).voucher_id
        return [(ln.account_code if hasattr(ln, "account_code") else ln.account_id, ln.debit, ln.credit,
                 ln.supplier_id) for ln in uow.session.execute(
            select(VoucherLine).where(VoucherLine.voucher_id == vid).order_by(VoucherLine.line_no)).scalars()]


def test_partial_payment_then_the_rest_over_two_invoices(db, books):
    a = post_invoice(books, "1130.00")
    b = post_invoice(books, "565.00")
    assert _open(books) == {"TI202601-0001": D("1130.00"), "TI202601-0002": D("565.00")}
    _pay(books, [{**_inv(a), "amount": "500"}])
    assert _open(books) == {"TI202601-0001": D("630.00"), "TI202601-0002": D("565.00")}
    _pay(books, [{**_inv(a), "amount": "630.00"}, {**_inv(b), "amount": "565"}], day=dt.date(2026, 2, 3))
    assert _open(books) == {}
    # as of a past date: the February payment is ignored
    assert _open(books, as_of=dt.date(2026, 1, 31)) == {"TI202601-0001": D("630.00"), "TI202601-0002": D("565.00")}
    # the ledger agrees: payable for the supplier is zero, the bank paid 1695
    assert gl_balance(db, books.company_id, "2202", books.suppliers["A"]) == 0


def test_payment_voucher_debits_payable_and_prepayment_per_supplier_and_credits_the_bank(db, books):
    a = post_invoice(books, "300.00")
    pid = _pay(books, [{**_inv(a), "amount": "300"}, {"amount": "200"}])
    with db.uow(readonly=True) as uow:
        from erp_core.ledger.models import GlLine
        vid = uow.session.get(Payment, pid).voucher_id
        lines = [(g.account_code, g.debit, g.credit, g.supplier_id) for g in uow.session.execute(
            select(GlLine).where(GlLine.voucher_id == vid).order_by(GlLine.line_no)).scalars()]
    s = books.suppliers["A"]
    assert lines == [("220201", D("300.00"), D(0), s), ("1123", D("200.00"), D(0), s), ("1002", D(0), D("500.00"), None)]
    assert _open(books, kind="prepayment") == {"FK202601-0001": D("200.00")}


def test_over_settlement_is_refused_and_nothing_is_written(db, books):
    a = post_invoice(books, "100.00")
    with pytest.raises(ValidationErrors) as e:  # line-level message when the form is saved
        _pay(books, [{**_inv(a), "amount": "100.01"}, {"amount": "0"}])
    assert {x.message_id for x in e.value.errors} == {"error.settlement.over_line", "error.settlement.amount_positive"}
    p1 = _pay(books, [{**_inv(a), "amount": "80"}], post=False)
    p2 = _pay(books, [{**_inv(a), "amount": "30"}], post=False)  # both fit when saved ...
    pay.post_payment(db, books.admin, payment_id=p1)
    with pytest.raises(Conflict) as c:  # ... only one fits when posted
        pay.post_payment(db, books.admin, payment_id=p2)
    assert c.value.message_id == "error.settlement.over"
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Payment, p2).posted_at is None
        assert len(uow.session.execute(select(Settlement)).scalars().all()) == 1
    assert _open(books) == {"TI202601-0001": D("20.00")}


def test_an_invoice_of_another_supplier_or_a_cash_account_outside_1001_1002_is_refused(db, books):
    b = post_invoice(books, "100.00", supplier="B")
    with pytest.raises(ValidationError) as e:
        _pay(books, [{**_inv(b), "amount": "10"}])
    assert e.value.message_id == "error.settlement.no_item"
    with pytest.raises(ValidationError) as e:
        _pay(books, [{"amount": "10"}], account_code="2202")
    assert e.value.field == "field.settlement.account"
    pid = _pay(books, [{"amount": "10"}], account_code="1001")
    assert _voucher(books, pid)[-1][2] == D("10.00")


def test_prepayment_applied_later_then_the_application_reversed(db, books):
    pid = _pay(books, [{"amount": "1000"}])
    a = post_invoice(books, "600.00", day=dt.date(2026, 1, 20))
    b = post_invoice(books, "700.00", day=dt.date(2026, 1, 21))
    app = pay.apply_prepayment(db, books.admin, partner_id=books.suppliers["A"], doc_date=dt.date(2026, 1, 25),
                               lines=[{**_inv(a), "amount": "600"}, {**_inv(b), "amount": "400"}])
    assert _open(books) == {"TI202601-0002": D("300.00")}
    assert _open(books, kind="prepayment") == {}
    s = books.suppliers["A"]
    assert gl_balance(db, books.company_id, "1123", s) == 0
    assert gl_balance(db, books.company_id, "2202", s) == D("-300.00")
    with pytest.raises(ValidationError) as e:  # nothing left to apply
        pay.apply_prepayment(db, books.admin, partner_id=s, doc_date=dt.date(2026, 1, 26),
                             lines=[{**_inv(b), "amount": "1"}])
    assert e.value.message_id == "error.settlement.prepayment_short"
    # a payment whose prepayment was applied cannot be reversed until the application is
    with pytest.raises(Conflict) as c:
        pay.reverse_payment(db, books.admin, payment_id=pid)
    assert c.value.message_id == "error.settlement.prepayment_applied"
    pay.reverse_prepayment_application(db, books.admin, application_id=app)
    assert _open(books) == {"TI202601-0001": D("600.00"), "TI202601-0002": D("700.00")}
    assert _open(books, kind="prepayment") == {"FK202601-0001": D("1000.00")}
    red = pay.reverse_payment(db, books.admin, payment_id=pid)
    assert _open(books, kind="prepayment") == {}
    assert gl_balance(db, books.company_id, "1123", s) == 0
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Payment, red).total == D("-1000.00")


def test_red_payment_gives_its_settlements_back(db, books):
    a = post_invoice(books, "400.00")
    pid = _pay(books, [{**_inv(a), "amount": "400"}, {"amount": "50"}])
    assert _open(books) == {}
    red = pay.reverse_payment(db, books.admin, payment_id=pid, doc_date=dt.date(2026, 2, 1))
    assert _open(books) == {"TI202601-0001": D("400.00")}
    assert _open(books, as_of=dt.date(2026, 1, 31)) == {}  # still paid as of January
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Settlement).order_by(Settlement.id)).scalars().all()
        assert [(r.item_number, r.amount, r.reverses_id is not None) for r in rows] == [
            ("TI202601-0001", D("400.00"), False), ("TI202601-0001", D("-400.00"), True),
            ("FK202601-0001", D("50.00"), False), ("FK202602-0001", D("-50.00"), False)]
        assert uow.session.get(Payment, pid).status == "reversed"
        assert uow.session.get(Payment, red).reverses_id == pid
    s = books.suppliers["A"]
    assert gl_balance(db, books.company_id, "2202", s) == D("-400.00")
    assert gl_balance(db, books.company_id, "1123", s) == 0
    from erp_core.settlement.queries import payment_detail
    detail = payment_detail(db, books.admin, payment_id=red)
    assert [(ln["item_number"], ln["amount"]) for ln in detail["lines"]] == [
        ("TI202601-0001", D("-400.00")), ("", D("-50.00"))]
    with pytest.raises(Conflict):
        pay.reverse_payment(db, books.admin, payment_id=pid)


def test_red_invoice_offsets_the_blue_one(db, books):
    a = post_invoice(books, "200.00")
    red = red_invoice(books, a)
    assert _open(books) == {"TI202601-0001": D("200.00"), "TI202601-0002": D("-200.00")}
    pay.offset_items(db, books.admin, credit_type="t_invoice", credit_id=red, item_type="t_invoice", item_id=a,
                     amount="200", on=DAY)
    assert _open(books) == {}
    with pytest.raises(Conflict):
        pay.offset_items(db, books.admin, credit_type="t_invoice", credit_id=red, item_type="t_invoice",
                         item_id=a, amount="1", on=DAY)


def test_payments_above_an_amount_need_approval(db, books):
    """A rule "payments above 10,000 need 张总" works through the approvals engine: the payment cannot be posted
    until it was submitted and approved by the named user; 10,000.00 itself needs nothing."""
    from erp_core.security.user_services import create_user
    from tests.support.factories import actor
    boss_id = create_user(db, books.admin, username="zhang.boss", display_name="张总", password="B0ss-Pass-1234!")
    create_rule(db, books.admin, doc_type="payment", condition="amount_above", threshold="10000",
                approver_user_id=boss_id, level=1)
    _pay(books, [{"amount": "10000"}])  # not above: posted without approval
    big = _pay(books, [{"amount": "10000.01"}], post=False)
    with pytest.raises(Conflict) as c:
        pay.post_payment(db, books.admin, payment_id=big)
    assert c.value.message_id == "error.approvals.required"
    (req,) = pay.submit_payment(db, books.admin, payment_id=big)
    with pytest.raises(Conflict) as c:
        pay.post_payment(db, books.admin, payment_id=big)
    assert c.value.message_id == "error.approvals.pending"
    boss = actor(books.company_id, {"approvals.request.decide": "all"}, user_id=boss_id, username="zhang.boss")
    approve(db, boss, request_id=req, comment="同意")
    pay.post_payment(db, books.admin, payment_id=big)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Payment, big).status == "posted"


def test_each_settlement_use_case_runs_with_only_its_own_permission(db, books):
    """The access examples of the use cases that need an open invoice (tests/access/examples_settlement.py)."""
    from tests.support.factories import actor
    s, day = books.suppliers["A"], DAY
    a = post_invoice(books, "100.00")
    _pay(books, [{"amount": "100"}])

    def only(permission):
        return actor(books.company_id, {permission: "all"})
    app = pay.apply_prepayment(db, only("finance.prepayment.apply"), partner_id=s, doc_date=day,
                               lines=[{**_inv(a), "amount": "60"}])
    pay.reverse_prepayment_application(db, only("finance.prepayment.reverse"), application_id=app)
    red = red_invoice(books, a)
    pay.offset_items(db, only("finance.settlement.offset"), credit_type="t_invoice", credit_id=red,
                     item_type="t_invoice", item_id=a, amount="100", on=day)
    assert _open(books) == {}
