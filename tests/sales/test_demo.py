"""The demo company's sales as documents (erp_core/setup/demo_sales.py): orders (some from quotations) confirmed
and shipped in full by deliveries whose cost-of-sales vouchers carry the customer's department, a few returns
with their orders closed; `erp check` (sales, stock, ledger) stays clean and no reservation is left behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.checks import run_checks
from erp_core.kernel.clock import set_clock
from erp_core.sales.models import SalesDelivery, SalesOrder, SalesQuotation, SalesReturn
from tests.support.demo import DEMO_NOW


@pytest.fixture
def demo(db, demo_year):
    """db holds the demo year (built on 2027-01-20: tests/support/demo.py); today is that day."""
    set_clock(lambda: DEMO_NOW)
    try:
        yield demo_year.company
    finally:
        set_clock(None)


def test_demo_sales_are_orders_and_deliveries_with_clean_checks(db, demo):
    checks = dict(run_checks(db))
    assert checks["sales"] == [] and checks["stock"] == [] and checks["stock_vs_ledger"] == []
    with db.uow(readonly=True) as uow:
        s = uow.session
        cid = demo.company_id
        orders = dict(s.execute(select(SalesOrder.status, func.count()).where(SalesOrder.company_id == cid)
                                .group_by(SalesOrder.status)).all())
        deliveries = s.execute(select(SalesDelivery).where(SalesDelivery.company_id == cid)).scalars().all()
        returns = s.execute(select(func.count()).select_from(SalesReturn).where(
            SalesReturn.company_id == cid)).scalar_one()
        quotes = s.execute(select(SalesQuotation.status).where(SalesQuotation.company_id == cid)).scalars().all()
        assert orders.get("confirmed", 0) > 50 and orders.get("closed", 0) == returns >= 1
        assert {d.status for d in deliveries} == {"posted"} and all(d.cost_total > 0 for d in deliveries)
        assert set(quotes) == {"accepted"} and len(quotes) >= 10
        # shipped in full: nothing reserved or left to deliver except what came back on closed orders
        open_orders = s.execute(select(SalesOrder).where(SalesOrder.company_id == cid,
                                                         SalesOrder.status == "confirmed")).scalars().all()
        assert {o.progress for o in open_orders} <= {"received", "completed"}  # billing invoices the deliveries
        assert all(ln.reserved_qty == ln.received_qty for o in open_orders for ln in o.lines)
        assert sum((d.cost_total for d in deliveries), Decimal(0)) > Decimal("1000000")
    # issue #13: goods sent back after their invoice (twice a year) are credited by a red invoice that names the
    # return, whose lines then count as credited (invoiced); every return of invoiced goods is credited
    from erp_core.billing.models import SalesInvoice
    from erp_core.documents.models import DocumentLink

    assert checks["receivables_vs_ledger"] == [] and checks["revenue_vs_invoices"] == []
    with db.uow(readonly=True) as uow:
        s = uow.session
        reds = s.execute(select(SalesInvoice).where(SalesInvoice.company_id == cid, SalesInvoice.red.is_(True),
                                                    SalesInvoice.posted_at.is_not(None))).scalars().all()
        assert len(reds) >= 2 and {r.red_reason for r in reds} == {"退货"}
        for red in reds:
            ret_id = s.execute(select(DocumentLink.from_id).where(
                DocumentLink.from_type == "sales_return", DocumentLink.to_type == "sales_invoice",
                DocumentLink.to_id == red.id, DocumentLink.from_line.is_(None))).scalar_one()
            ret = s.get(SalesReturn, ret_id)
            assert sum(ln.invoiced_qty for ln in ret.lines) == sum(ln.ordered_qty for ln in red.lines) > 0
        late = s.execute(select(SalesReturn).where(SalesReturn.company_id == cid,
                                                   SalesReturn.reason.like("%开票后退回%"))).scalars().all()
        assert len(late) == 2 and all(ln.invoiced_qty == ln.ordered_qty for r in late for ln in r.lines)
