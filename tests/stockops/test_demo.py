"""The demo company's inventory work (erp_core/setup/demo_stockops.py): a transfer, a 领用 issue, a stocktake with
a gain and a loss and its write-off waiting for approval; the stock ledger agrees with 1405 and `erp check`'s
stock checks are clean."""

from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest

from erp_core.checks import run_checks
from erp_core.kernel.clock import set_clock
from erp_core.setup.demo_stockops import opening_rows
from erp_core.stockops.queries import list_stock_documents
from tests.support.demo import DEMO_NOW
from tests.support.factories import admin_actor


def test_opening_rows_are_worth_exactly_the_balance():
    costs = [("A", Decimal("96.00")), ("B", Decimal("72.00")), ("C", Decimal("210.00"))]
    for balance in (Decimal("12345.67"), Decimal("0.01"), Decimal("987654.32")):
        rows = opening_rows(balance, costs, Random(1))
        assert sum(Decimal(r[3]) for r in rows) == balance
        assert all(Decimal(r[1]) * Decimal(r[2]) == Decimal(r[3]) for r in rows)


@pytest.fixture
def demo(db, demo_year):
    """db holds the demo year (built on 2027-01-20: tests/support/demo.py); today is that day."""
    set_clock(lambda: DEMO_NOW)
    try:
        yield demo_year.company
    finally:
        set_clock(None)


def test_demo_inventory_work_keeps_the_books_consistent(db, demo):
    admin = admin_actor(db, demo)
    checks = dict(run_checks(db))
    assert checks["stock"] == [] and checks["stock_vs_ledger"] == []
    kinds = {k: [(r["status"]) for r in list_stock_documents(db, admin, doc_type=k).rows]
             for k in ("stock_transfer", "other_issue", "stocktake", "stocktake_writeoff")}
    # the sales' goods leave through sales deliveries (erp_core/setup/demo_sales.py, tests/sales/test_demo.py):
    # the only other issue is the open month's 领用
    assert kinds["stock_transfer"] == ["posted"] and kinds["stocktake"] == ["posted"]
    assert kinds["stocktake_writeoff"] == ["draft"] and kinds["other_issue"] == ["posted"]
    [w] = list_stock_documents(db, admin, doc_type="stocktake_writeoff").rows
    assert w["gain_amount"] > 0 and w["loss_amount"] > 0
