"""The demo's billing builder over a month of deliveries: most invoiced, receipts (a discount, a partial), checks
clean (open receivables = 1122 per customer; revenue and VAT = the invoices')."""

from __future__ import annotations

import datetime as dt

from erp_core.billing.invariants import receivables_vs_ledger_problems, revenue_vs_invoices_problems
from erp_core.setup.demo_billing import build_demo_billing
from tests.billing.support import build, deliver, order


def test_demo_billing_month(db, company):
    st = build(db, company=company)
    ol = order(db, st, [("P1", "60", "50.00"), ("P2", "60", "20.00")])
    for d in range(2, 12, 2):
        deliver(db, st, [(ol[0], "10"), (ol[1], "10")], day=dt.date(2026, 3, d))
    march = build_demo_billing(db, st.admin, year=2026, month=3)
    assert 1 <= march.invoices <= 5 and march.invoices == len(march.fapiao)
    april = build_demo_billing(db, st.admin, year=2026, month=4, out=march)
    assert april.applications == 1 and april.receipts >= 1 and april.discounts == 1
    with db.uow(readonly=True) as uow:
        assert receivables_vs_ledger_problems(uow.session, st.company_id) == []
        assert revenue_vs_invoices_problems(uow.session, st.company_id) == []
