"""Cost of goods going out — THE interface every posting function that issues stock uses (出库成本):

    issue_unit_cost(ctx, product_id=, warehouse_id=, on=, quantity=None) -> Decimal  # 6 decimals, >= 0
    on_hand(ctx, product_id=, warehouse_id=, on=) -> (quantity, amount)  # from the append-only stock ledger

A posting function values each outbound line with issue_unit_cost, puts that unit cost on the stock move and
builds the voucher from the same amounts (inventory.posting.move_amount), so the stock ledger and the voucher
agree to the fen. Call it inside the posting transaction, after the document is locked.

The answer follows the product's costing method (Product.costing_method, erp_core/costing/engine.py):
- moving_average (移动加权平均): value on hand / quantity on hand up to and including ``on``; with nothing on
  hand, the cost of the last inbound move, else 0;
- monthly_average (月末一次加权平均): the same moving average, a PROVISIONAL cost: the month-end costing run
  (erp_core/costing/run_services.py) revalues the period's issues at the period's weighted average;
- fifo (先进先出): the cost of taking ``quantity`` from the oldest layers (value taken / quantity); without a
  quantity, the unit cost of the oldest layer. Pass the quantity issued.
A posting dated before later moves of the same product and warehouse triggers the recomputation of the later
issues (erp_core/costing/recompute.py, called by the document kernel after the stock moves are posted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Date, bindparam, func, select

from erp_core.db.prepared import Prepared
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


def issue_unit_cost(ctx: Any, *, product_id: int, warehouse_id: int, on: dt.date,
                    quantity: Decimal | None = None) -> Decimal:
    """Unit cost at which ``product_id`` leaves ``warehouse_id`` on ``on`` under the product's costing method
    (``quantity``: how much leaves, used by FIFO; a signed quantity is taken by its size)."""
    from erp_core.costing.loader import methods_of

    method = methods_of(ctx.session, [product_id]).get(product_id, "moving_average")
    if method == "fifo":
        return _fifo_unit_cost(ctx, product_id=product_id, warehouse_id=warehouse_id, on=on, quantity=quantity)
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


# issue_unit_costs' grouped quantities and values on hand, prepared (no SQLAlchemy execution per posting)
_HELD = Prepared(
    select(StockMove.product_id, StockMove.warehouse_id, func.coalesce(func.sum(StockMove.quantity), 0),
           func.coalesce(func.sum(StockMove.amount), 0))
    .where(StockMove.company_id == bindparam("cid"), StockMove.product_id.in_(bindparam("ps", expanding=True)),
           StockMove.warehouse_id.in_(bindparam("ws", expanding=True)),
           StockMove.move_date <= bindparam("on", type_=Date()))
    .group_by(StockMove.product_id, StockMove.warehouse_id))


def issue_unit_costs(ctx: Any, lines: Sequence[tuple[int, int, Decimal | None]], *, on: dt.date) -> list[Decimal]:
    """``issue_unit_cost`` for every (product_id, warehouse_id, quantity) of a document at once, each valued
    against the ledger as it stands (before the document's own moves), in the lines' order: the costing methods
    in one query and the quantities and values on hand in one grouped query, instead of two queries per line.
    A FIFO product, and a moving-average one with nothing on hand (the last inbound cost), is asked per line."""
    from erp_core.costing.loader import methods_of

    if not lines:
        return []
    from erp_core.db.master_cache import kept

    ids = tuple(sorted({p for p, _, _ in lines}))  # the methods kept across transactions (db/master_cache.py)
    methods = kept(ctx.session, "product.methods", None, lambda: methods_of(ctx.session, ids), ids)
    averaged = {(p, w) for p, w, _ in lines if methods.get(p, "moving_average") != "fifo"}
    held: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    if averaged:
        for p, w, q, a in _HELD.all(ctx.session, cid=_company(ctx), ps=sorted({p for p, _ in averaged}),
                                    ws=sorted({w for _, w in averaged}), on=on):
            held[(p, w)] = (Decimal(q), Decimal(a))
    out = []
    for p, w, qty in lines:
        quantity, amount = held.get((p, w), (Decimal(0), Decimal(0)))
        if (p, w) in averaged and quantity > 0:
            out.append(max(amount / quantity, Decimal(0)).quantize(UNIT, rounding=ROUND_HALF_UP))
        else:
            out.append(issue_unit_cost(ctx, product_id=p, warehouse_id=w, on=on, quantity=qty))
    return out


def _fifo_unit_cost(ctx: Any, *, product_id: int, warehouse_id: int, on: dt.date,
                    quantity: Decimal | None) -> Decimal:
    from erp_core.costing.engine import fifo
    from erp_core.costing.loader import load_moves

    moves = load_moves(ctx.session, _company(ctx), [(product_id, warehouse_id)], upto=on).get(
        (product_id, warehouse_id), [])
    _, layers = fifo(moves)
    q = abs(Decimal(quantity)) if quantity else Decimal(0)
    if q == 0:
        head = next((lay for lay in layers.layers if lay[0] > 0), None)
        if head is None:
            return Decimal(layers.last_in).quantize(UNIT, rounding=ROUND_HALF_UP)
        return max(head[1] / head[0], Decimal(0)).quantize(UNIT, rounding=ROUND_HALF_UP)
    return max(layers.peek(q) / q, Decimal(0)).quantize(UNIT, rounding=ROUND_HALF_UP)
