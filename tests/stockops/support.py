"""Builders for the inventory-operations tests: the stock-ledger company (tests/inventory/support.build: WH01 with
location A1, WH02 with B1, products P1 P2 P3), opening stock, and readers of vouchers and moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.finance.models import Account, VoucherLine
from erp_core.inventory.models import StockMove
from tests.inventory.support import build, post

DAY = dt.date(2026, 3, 10)
D = Decimal


def company(db, openings=(("WH01", "P1", "100", "2.5"), ("WH01", "P2", "10", "0.335")), setup=None):
    """The stock company with opening stock (warehouse, product, quantity, unit cost) dated 2026-03-01. ``setup``:
    the company fixture (the test's database then holds a copy of the run's company snapshot), else made here."""
    st = build(db, setup)
    if openings:
        post(db, st.admin, moves=[{"warehouse_id": st.warehouses[w], "product_id": st.products[p],
                                   "quantity": D(q), "unit_cost": D(c), "move_type": "opening"}
                                  for w, p, q, c in openings],
             posting_key="opening", move_date=dt.date(2026, 3, 1))
    return st


def voucher(db, voucher_id) -> list[tuple[str, Decimal, Decimal]]:
    """(account code, debit, credit) of a voucher's lines, in line order."""
    with db.uow(readonly=True) as uow:
        return [(code, D(dr), D(cr)) for code, dr, cr in uow.session.execute(
            select(Account.code, VoucherLine.debit, VoucherLine.credit).join(Account, Account.id == VoucherLine.account_id)
            .where(VoucherLine.voucher_id == voucher_id).order_by(VoucherLine.line_no))]


def voucher_dims(db, voucher_id) -> list[tuple[str, int | None, int | None]]:
    with db.uow(readonly=True) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(Account.code, VoucherLine.department_id, VoucherLine.project_id)
            .join(Account, Account.id == VoucherLine.account_id)
            .where(VoucherLine.voucher_id == voucher_id).order_by(VoucherLine.line_no))]


def moves(db, posting_id) -> list[tuple]:
    """(move type, warehouse id, location id, product id, quantity, unit cost, amount) of a stock posting."""
    with db.uow(readonly=True) as uow:
        return [tuple(r) for r in uow.session.execute(
            select(StockMove.move_type, StockMove.warehouse_id, StockMove.location_id, StockMove.product_id,
                   StockMove.quantity, StockMove.unit_cost, StockMove.amount)
            .where(StockMove.posting_id == posting_id).order_by(StockMove.move_seq))]
