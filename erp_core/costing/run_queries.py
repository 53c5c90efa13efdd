"""Costing runs (成本计算记录) and the state of a period (costing.run.view)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from erp_core.costing import invariants  # noqa: F401  (registers the costing check of `erp check`)
from erp_core.costing.models import CostCorrection, CostingRun
from erp_core.costing.run_services import CostingState, costing_state
from erp_core.security.scope import require_company_wide
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class RunRow:
    id: int
    period: str
    inputs_hash: str
    corrections: int
    amount: Decimal
    voucher_id: int | None
    run_by: str
    run_at: str
    current: bool  # the latest run of its period and not stale


@query("costing.run.view", zh="查看成本计算", en="View costing runs")
def list_costing_runs(ctx: Context, *, period: str | None = None) -> list[RunRow]:
    """The company's runs, newest first (optionally of one period)."""
    require_company_wide(ctx)
    cid = ctx.actor.company_id
    stmt = select(CostingRun).where(CostingRun.company_id == cid)
    if period:
        stmt = stmt.where(CostingRun.period == period)
    runs = ctx.session.execute(stmt.order_by(CostingRun.id.desc()).limit(500)).scalars().all()
    states: dict[str, CostingState] = {}
    out = []
    for r in runs:
        if r.period not in states:
            states[r.period] = costing_state(ctx.session, cid, r.period)
        st = states[r.period]
        out.append(RunRow(r.id, r.period, r.inputs_hash, r.corrections, r.amount, r.voucher_id, r.run_by_name,
                          r.run_at.strftime("%Y-%m-%d %H:%M:%S"), st.run_id == r.id and not st.stale))
    return out


@query("costing.run.view", zh="查看成本计算", en="View costing runs")
def period_costing_state(ctx: Context, *, period: str) -> CostingState:
    """Does ``period`` need a costing run, and is its latest run current?"""
    require_company_wide(ctx)
    return costing_state(ctx.session, ctx.actor.company_id, period)


@query("costing.run.view", zh="查看成本计算", en="View costing runs")
def run_corrections(ctx: Context, *, run_id: int) -> list[dict]:
    """The corrections a run wrote: target move, product, warehouse, amount, counter account."""
    from erp_core.inventory.models import StockMove
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    require_company_wide(ctx)
    cid = ctx.actor.company_id
    rows = ctx.session.execute(
        select(CostCorrection.target_move_id, StockMove.move_seq, StockMove.move_date, StockMove.move_type,
               Product.code, Product.name, Warehouse.code.label("wh"), CostCorrection.amount,
               CostCorrection.account_code)
        .join(StockMove, StockMove.id == CostCorrection.target_move_id)
        .join(Product, Product.id == StockMove.product_id).join(Warehouse, Warehouse.id == StockMove.warehouse_id)
        .where(CostCorrection.company_id == cid, CostCorrection.run_id == run_id)
        .order_by(StockMove.move_seq)).all()
    return [{"move_seq": r.move_seq, "date": r.move_date, "move_type": r.move_type,
             "product": f"{r.code} {r.name}", "warehouse": r.wh, "amount": r.amount, "account": r.account_code}
            for r in rows]


@query("costing.run.view", zh="查看成本计算", en="View costing runs", session=False)
def stock_on_hand_as_of(ctx: Context, *, on, warehouse_id: int | None = None) -> list[tuple[int, int, Decimal,
                                                                                            Decimal]]:
    """Quantity and value on hand of every product and warehouse as of ``on`` (from the stock ledger, with the
    costing corrections): what a costing review or the month-end stock report reads. Read from the analytics
    copy of the stock ledger (DuckDB, erp_core/analytics/stock.py; loader.stock_as_of is the same figure from
    the operational store, which the tests compare it with)."""
    from erp_core.analytics import stock as stock_copy
    from erp_core.analytics.engine import engine_for

    require_company_wide(ctx)
    cid = ctx.actor.company_id
    with stock_copy.reading(engine_for(ctx.db), cid) as snap:
        rows = stock_copy.on_hand(snap, cid, on, warehouse_id=warehouse_id)
    return sorted((p, w, q, a) for w, _, p, q, a in rows if q or a)
