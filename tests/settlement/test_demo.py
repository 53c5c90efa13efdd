"""The demo payments builder over three months of test invoices: invoices falling due are paid (one in five in
part), a supplier is prepaid each month and the prepayment applied the next; afterwards `erp check`'s settlement
invariants are clean and every supplier's open items equal its ledger balance."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.settlement.invariants import settlement_problems, settlement_vs_ledger_problems
from erp_core.settlement.queries import payables_aging
from erp_core.setup.demo_payments import build_demo_payments
from tests.settlement.support import build, invoices, post_invoice  # noqa: F401


@pytest.fixture
def books(db, invoices, company):  # noqa: F811
    return build(db, company=company)


def test_three_months_of_demo_payments_keep_the_books_consistent(db, books):
    total = {"payments": 0, "applications": 0}
    for m in (1, 2, 3):
        for d, amount, sup in ((3, "1130.00", "A"), (12, "2260.00", "B"), (20, "565.00", "A")):
            post_invoice(books, amount, day=dt.date(2026, m, d), supplier=sup)
        done = build_demo_payments(db, books.admin, year=2026, month=m)
        assert done.prepayments == 1
        total["payments"] += done.payments
        total["applications"] += done.applications
    assert total["payments"] >= 2 and total["applications"] >= 2, total
    # invoices of Jan and Feb fell due (30 days): paid; one application of a prepayment happened
    aging = payables_aging(db, books.admin, as_of=dt.date(2026, 3, 31))
    assert aging.totals["open"] > 0 and aging.totals["prepaid"] > 0
    with db.uow(readonly=True) as uow:
        assert settlement_problems(uow.session) == []
        assert settlement_vs_ledger_problems(uow.session) == []
