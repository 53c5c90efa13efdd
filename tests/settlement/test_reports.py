"""Payables aging as of a past date (by open items, invoice or due date buckets, later settlements ignored), the
supplier statement whose closing balance equals the ledger's payable + prepayment balance for the supplier, and
the `erp check` invariants (clean after a realistic sequence; an over-settlement and a ledger difference are
caught)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.kernel.errors import PermissionDenied
from erp_core.settlement import queries as q
from erp_core.settlement import services as pay
from erp_core.settlement.invariants import settlement_problems, settlement_vs_ledger_problems
from tests.settlement.support import build, gl_balance, invoices, post_invoice, red_invoice  # noqa: F401
from tests.support.factories import actor

D = Decimal


@pytest.fixture
def books(db, invoices, company):  # noqa: F811
    return build(db, company=company)


def _inv(iid, amount):
    return {"item_type": "t_invoice", "item_id": iid, "amount": amount}


def _story(db, books):
    """Supplier A: invoices in Oct, Nov, Dec 2025 and Jan 2026, a partial payment in Dec, a prepayment in Jan,
    a payment on 2026-02-10 (after the aging date), a red invoice; supplier B: one invoice."""
    a = books.suppliers["A"]
    i1 = post_invoice(books, "1000.00", day=dt.date(2025, 10, 1))
    i2 = post_invoice(books, "2000.00", day=dt.date(2025, 11, 20))
    i3 = post_invoice(books, "3000.00", day=dt.date(2025, 12, 20))
    i4 = post_invoice(books, "500.00", day=dt.date(2026, 1, 15))
    post_invoice(books, "800.00", day=dt.date(2025, 12, 1), supplier="B")
    p = pay.create_payment(db, books.admin, partner_id=a, doc_date=dt.date(2025, 12, 5), lines=[_inv(i1, "400")])
    pay.post_payment(db, books.admin, payment_id=p)
    p = pay.create_payment(db, books.admin, partner_id=a, doc_date=dt.date(2026, 1, 20), lines=[{"amount": "300"}])
    pay.post_payment(db, books.admin, payment_id=p)
    p = pay.create_payment(db, books.admin, partner_id=a, doc_date=dt.date(2026, 2, 10),
                           lines=[_inv(i1, "600"), _inv(i2, "2000")])
    pay.post_payment(db, books.admin, payment_id=p)
    red_invoice(books, i4, dt.date(2026, 1, 25))
    pay.apply_prepayment(db, books.admin, partner_id=a, doc_date=dt.date(2026, 2, 12), lines=[_inv(i3, "300")])
    return i1, i2, i3, i4


def test_aging_as_of_a_past_date_by_invoice_date_and_by_due_date(db, books):
    _story(db, books)
    aging = q.payables_aging(db, books.admin, as_of=dt.date(2026, 1, 31))
    a, b = aging.rows
    # as of Jan 31: i1 600 open (122 days), i2 2000 (72 days), i3 3000 (42 days), i4 500 and its red -500 (<=30)
    assert (a["supplier_code"], a["0-30"], a["31-60"], a["61-90"], a[">90"], a["open"]) == (
        "S001", D(0), D("3000.00"), D("2000.00"), D("600.00"), D("5600.00"))
    assert (a["prepaid"], a["net"]) == (D("300.00"), D("5300.00"))
    assert (b["supplier_code"], b["61-90"], b["open"]) == ("S002", D("800.00"), D("800.00"))
    assert aging.totals["open"] == D("6400.00")
    # today (after the Feb payment and the application) far less is open
    later = q.payables_aging(db, books.admin, as_of=dt.date(2026, 2, 28))
    assert later.rows[0]["open"] == D("2700.00") and later.rows[0]["prepaid"] == 0
    # due-date basis: supplier A has 60 days' terms -> i3 (due 2026-02-18) is not yet due on Jan 31
    from erp_core.masterdata.models_partners import Supplier
    with db.uow() as uow:
        uow.session.get(Supplier, books.suppliers["A"]).payment_terms_days = 60
        uow.commit()
    due = q.payables_aging(db, books.admin, as_of=dt.date(2026, 1, 31), basis="due_date").rows[0]
    # i1 due 2025-11-30 (62 days), i2 due 2026-01-19 (12 days), i4 and its red copy not due (net 0)
    assert (due["not_due"], due["0-30"], due["61-90"], due[">90"]) == (D("3000.00"), D("2000.00"), D("600.00"), D(0))


def test_statement_closing_balance_equals_the_ledger_for_the_supplier(db, books):
    _story(db, books)
    a = books.suppliers["A"]
    st = q.supplier_statement(db, books.admin, partner_id=a, date_from=dt.date(2026, 1, 1),
                              date_to=dt.date(2026, 1, 31))
    # opening: 1000 + 2000 + 3000 - 400 = 5600; January: +500 invoice, -500 red, -300 prepayment
    assert st.opening == D("5600.00")
    assert [(r["number"], r["increase"], r["decrease"], r["balance"]) for r in st.rows] == [
        ("TI202601-0001", D("500.00"), None, D("6100.00")), ("FK202601-0001", None, D("300.00"), D("5800.00")),
        ("TI202601-0002", D("-500.00"), None, D("5300.00"))]
    assert st.closing == D("5300.00")
    ledger = -(gl_balance(db, books.company_id, "2202", a, up_to=dt.date(2026, 1, 31))
               + gl_balance(db, books.company_id, "1123", a, up_to=dt.date(2026, 1, 31)))
    assert st.closing == ledger == st.gl_closing
    from erp_core.settlement.print_view import statement_html
    page = statement_html(st, "zh_CN")
    assert "供应商对账单" in page and "5,300.00" in page and "TI202601-0002" in page and "<script" not in page
    feb = q.supplier_statement(db, books.admin, partner_id=a, date_from=dt.date(2026, 2, 1),
                               date_to=dt.date(2026, 2, 28))
    assert feb.opening == st.closing
    assert [r["applied"] for r in feb.rows] == [None, D("300.00")]
    assert feb.closing == feb.gl_closing == D("2700.00")


def test_reports_refuse_a_department_scoped_grant(db, books):
    clerk = actor(books.company_id, {"finance.payables.view": "department"})
    with pytest.raises(PermissionDenied):
        q.payables_aging(db, clerk, as_of=dt.date(2026, 1, 31))


def test_checks_are_clean_after_the_story_and_catch_a_ledger_difference(db, books):
    _story(db, books)
    with db.uow(readonly=True) as uow:
        assert settlement_problems(uow.session) == []
        assert settlement_vs_ledger_problems(uow.session) == []
    # a payment's voucher alone (as if its settlement were lost) would show: simulate with a manual voucher
    # posted under a payment-like key
    from erp_core.ledger.posting import create_and_post_system_voucher
    from erp_core.usecase import Context
    with db.uow() as uow:
        ctx = Context(uow.session, books.admin, "t", db, company_id=books.company_id)
        create_and_post_system_voucher(ctx, voucher_date=dt.date(2026, 2, 15), posting_key="doc:payment:99999",
                                       lines=[{"account_code": "220201", "debit": D("10"), "credit": D(0),
                                               "supplier_id": books.suppliers["B"], "summary": "x"},
                                              {"account_code": "1002", "debit": D(0), "credit": D("10"),
                                               "summary": "x"}])
        uow.commit()
    with db.uow(readonly=True) as uow:
        problems = settlement_vs_ledger_problems(uow.session)
    assert [(p.message_id, p.params["supplier"], p.params["open"], p.params["ledger"]) for p in problems] == [
        ("check.problem.settlement.vs_ledger", books.suppliers["B"], "800.00", "790.00")]
