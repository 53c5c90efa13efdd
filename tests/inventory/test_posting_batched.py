"""The batched reads of the posting path (helper "posting", issues #12/#13) answer exactly what the per-line reads
answered: lowest_balances = lowest_balance per pair, issue_unit_costs = issue_unit_cost per line, and the
per-transaction answer of is_open is dropped when the same transaction closes the period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.inventory.posting import lowest_balance, lowest_balances
from erp_core.inventory.valuation import issue_unit_cost, issue_unit_costs
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.ledger.models import AccountingPeriod
from erp_core.ledger.periods import first_closed_after, is_open
from erp_core.usecase import Context
from tests.inventory.support import DAY, allow_negative, build, post


@pytest.fixture
def stock(db, company):
    st = build(db, company)
    allow_negative(db, st)  # the ledger below dips below zero on purpose
    plan = [  # (days after DAY, warehouse, product, quantity, unit cost)
        (0, "WH01", "P1", "10", "2.5"), (0, "WH01", "P2", "4", "1.2"), (0, "WH02", "P1", "7", "3"),
        (3, "WH01", "P1", "-6", "2.5"), (5, "WH01", "P1", "-3", "2.5"), (5, "WH01", "P2", "-5", "1.2"),
        (9, "WH01", "P1", "8", "2.8"), (12, "WH02", "P1", "-7", "3"), (20, "WH01", "P1", "-12", "2.6")]
    for n, (days, wh, p, qty, cost) in enumerate(plan):
        post(db, st.admin, moves=[{"warehouse_id": st.warehouses[wh], "product_id": st.products[p],
                                   "quantity": Decimal(qty), "unit_cost": Decimal(cost),
                                   "move_type": "receipt" if Decimal(qty) > 0 else "issue"}],
             posting_key=f"b:{n}", move_date=DAY + dt.timedelta(days=days))
    return st


def _ctx(uow, st):
    return Context(uow.session, st.admin, "test", None, company_id=st.admin.company_id)


@pytest.mark.parametrize("days", [-1, 0, 3, 4, 5, 11, 12, 20, 30])
def test_lowest_balances_equal_lowest_balance_of_each_pair(db, stock, days):
    day = DAY + dt.timedelta(days=days)
    pairs = [(stock.warehouses[w], stock.products[p]) for w in ("WH01", "WH02") for p in ("P1", "P2", "P3")]
    with db.uow(readonly=True) as uow:
        one_by_one = {(w, p): lowest_balance(uow.session, stock.admin.company_id, w, p, day) for w, p in pairs}
        together = lowest_balances(uow.session, stock.admin.company_id, pairs, day)
    assert together == one_by_one


@pytest.mark.parametrize("days", [0, 4, 5, 10, 25])
def test_issue_unit_costs_equal_issue_unit_cost_per_line(db, stock, days):
    day = DAY + dt.timedelta(days=days)
    lines = [(stock.products[p], stock.warehouses[w], Decimal(q))
             for p, w, q in (("P1", "WH01", "1"), ("P2", "WH01", "2"), ("P1", "WH02", "3"), ("P1", "WH01", "4"),
                             ("P3", "WH02", "1"))]
    with db.uow(readonly=True) as uow:
        ctx = _ctx(uow, stock)
        each = [issue_unit_cost(ctx, product_id=p, warehouse_id=w, on=day, quantity=q) for p, w, q in lines]
        together = issue_unit_costs(ctx, lines, on=day)
        assert issue_unit_costs(ctx, [], on=day) == []
    assert together == each


def test_a_period_closed_in_the_same_transaction_is_seen_closed_by_the_next_check(db, stock):
    with db.uow() as uow:
        s, cid = uow.session, stock.admin.company_id
        assert is_open(s, cid, "2026-01", lock=True) and first_closed_after(s, cid, "2025-12") is None
        s.add(AccountingPeriod(company_id=cid, period="2026-01", status="closed"))
        s.flush()  # the answers kept for this transaction are dropped with the period row's write
        assert not is_open(s, cid, "2026-01", lock=True)
        assert first_closed_after(s, cid, "2025-12") == "2026-01"
        row = s.get(AccountingPeriod, (cid, "2026-01"))
        row.status = "open"
        s.flush()
        assert is_open(s, cid, "2026-01") and first_closed_after(s, cid, "2025-12") is None


def test_stock_posting_into_a_period_closed_earlier_in_the_transaction_is_refused(db, stock):
    from erp_core.inventory.posting import post_stock_moves

    with db.uow() as uow:
        ctx = _ctx(uow, stock)
        move = {"warehouse_id": stock.warehouses["WH01"], "product_id": stock.products["P2"],
                "quantity": Decimal(1), "unit_cost": Decimal(1), "move_type": "receipt"}
        post_stock_moves(ctx, moves=[move], posting_key="t:1", move_date=DAY)  # asks is_open: kept
        uow.session.add(AccountingPeriod(company_id=stock.admin.company_id, period="2026-01", status="closed"))
        uow.session.flush()
        with pytest.raises((ValidationError, ValidationErrors)):
            post_stock_moves(ctx, moves=[move], posting_key="t:2", move_date=DAY)
