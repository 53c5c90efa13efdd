"""Cost of goods going out — THE interface every posting function that issues stock uses (出库成本):

    issue_unit_cost(ctx, product_id=, warehouse_id=, on=) -> Decimal     # unit cost, 6 decimals, >= 0
    on_hand(ctx, product_id=, warehouse_id=, on=) -> (quantity, amount)  # from the append-only stock ledger

A posting function values each outbound line with issue_unit_cost, puts that unit cost on the stock move and
builds the voucher from the same amounts (inventory.posting.move_amount), so the stock ledger and the voucher
agree to the fen. Call it inside the posting transaction, after the document is locked.

This first version is the moving weighted average (移动加权平均) of the product in the warehouse up to and
including ``on``: value on hand / quantity on hand; with nothing on hand, the cost of the last inbound move, else
0. The costing work of the purchasing/inventory issue (FIFO, month-end weighted average, recomputation after a
backdated document) replaces the body behind this signature.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from erp_core.inventory.models import INBOUND, StockMove

UNIT = Decimal("0.000001")


def _company(ctx: Any) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def on_hand(ctx: Any, *, product_id: int, warehouse_id: int, on: dt.date) -> tuple[Decimal, Decimal]:
    """Quantity and value of ``product_id`` in ``warehouse_id`` after every move dated ``on`` or earlier."""
    q, a = ctx.session.execute(
        select(func.coalesce(func.sum(StockMove.quantity), 0), func.coalesce(func.sum(StockMove.amount), 0))
        .where(StockMove.company_id == _company(ctx), StockMove.product_id == product_id,
               StockMove.warehouse_id == warehouse_id, StockMove.move_date <= on)).one()
    return Decimal(q), Decimal(a)


def issue_unit_cost(ctx: Any, *, product_id: int, warehouse_id: int, on: dt.date) -> Decimal:
    """Unit cost at which ``product_id`` leaves ``warehouse_id`` on ``on`` (moving weighted average)."""
    quantity, amount = on_hand(ctx, product_id=product_id, warehouse_id=warehouse_id, on=on)
    if quantity > 0:
        return max(amount / quantity, Decimal(0)).quantize(UNIT, rounding=ROUND_HALF_UP)
    last = ctx.session.execute(
        select(StockMove.unit_cost).where(
            StockMove.company_id == _company(ctx), StockMove.product_id == product_id,
            StockMove.warehouse_id == warehouse_id, StockMove.move_date <= on,
            StockMove.move_type.in_(INBOUND)).order_by(StockMove.move_date.desc(), StockMove.move_seq.desc())
        .limit(1)).scalar_one_or_none()
    return Decimal(last or 0).quantize(UNIT)
