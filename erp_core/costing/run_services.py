"""The month-end costing run (成本计算), per company and period (permission costing.run.execute).

It recomputes the costs of the period's outbound moves from the append-only stock ledger by each product's
method (month-end weighted average at the period's average, moving average and FIFO from the moves), writes
the differences as revaluation moves dated the period's last day plus ONE voucher (erp_core/costing/recompute),
and records the run: the input it saw ("<last move_seq>/<count>" of the moves dated in or before the period),
what it wrote, who and when. Running again on the same input writes nothing and returns the same run.

A run is stale when stock moves dated in or before its period were posted after it (move_seq above the run's
last_move_seq); the period close refuses a period with stock moves whose run is missing or stale
(``costing_state``). Periods are run in order: a run starts from the value the earlier periods left.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from erp_core.costing.loader import fingerprint
from erp_core.costing.models import CostingRun
from erp_core.costing.recompute import correct
from erp_core.inventory.models import StockMove
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import ValidationError
from erp_core.masterdata.models_items import Product
from erp_core.usecase import Context, use_case

F_PERIOD = "field.costing.period"


def _bounds(period: str):
    import datetime as dt

    from erp_core.finance.close_services import parse_period, period_end

    try:
        year, month = parse_period(period)
    except Exception as exc:  # noqa: BLE001 - any malformed period is the same user error
        raise ValidationError("error.costing.period", field=F_PERIOD, period=str(period)) from exc
    return dt.date(year, month, 1), period_end(period)


def latest_run(session, company_id: int, period: str) -> CostingRun | None:
    return session.execute(select(CostingRun).where(CostingRun.company_id == company_id,
                                                    CostingRun.period == period)
                           .order_by(CostingRun.id.desc()).limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class CostingState:
    needed: bool  # the company has stock moves dated in the period
    run_id: int | None
    stale: bool  # moves dated in or before the period were posted after the run
    ok: bool


def costing_state(session, company_id: int, period: str) -> CostingState:
    """Whether ``period`` needs a costing run and has a current one (what the period close asks)."""
    start, end = _bounds(period)
    needed = session.execute(select(StockMove.id).where(
        StockMove.company_id == company_id, StockMove.move_date >= start, StockMove.move_date <= end)
        .limit(1)).scalar() is not None
    run = latest_run(session, company_id, period)
    stale = run is not None and session.execute(select(StockMove.id).where(
        StockMove.company_id == company_id, StockMove.move_date <= end,
        StockMove.move_seq > run.last_move_seq).limit(1)).scalar() is not None
    return CostingState(needed, run.id if run else None, stale, (not needed) or (run is not None and not stale))


def _lock_stock_ledger(session, company_id: int) -> None:
    """Hold the row lock every stock posting takes (the stock_move_seq counter) for the whole run: no stock move
    commits between what the run reads and what it records as covered, and two runs do not interleave."""
    from erp_core.inventory.posting import STOCK_SEQUENCE
    from erp_core.kernel.numbering import DocSequence

    session.execute(select(DocSequence.last_value).where(
        DocSequence.company_id == company_id, DocSequence.doc_type == STOCK_SEQUENCE, DocSequence.period == "")
        .with_for_update()).scalar()


@use_case("costing.run.execute", zh="成本计算", en="Run costing")
def run_costing(ctx: Context, *, period: str) -> int:
    """Cost the period's issues and write the corrections; returns the run id (the previous one when nothing
    changed since it)."""
    s, cid = ctx.session, ctx.company_id
    start, end = _bounds(period)
    _lock_stock_ledger(s, cid)
    before = fingerprint(s, cid, end)
    run = latest_run(s, cid, period)
    if run is not None and (run.last_move_seq, run.move_count) == before:
        return run.id
    # the products of the month-end average are found by costing/monthly.py in its own pass over the period;
    # listed here are the pairs of the other methods only
    others = select(Product.id).where(Product.company_id == cid, Product.costing_method != "monthly_average")
    keys = {(p, w) for p, w in s.execute(select(StockMove.product_id, StockMove.warehouse_id).where(
        StockMove.company_id == cid, StockMove.move_date >= start, StockMove.move_date <= end,
        StockMove.quantity < 0, StockMove.product_id.in_(others)).distinct())}
    run = CostingRun(company_id=cid, period=period, last_move_seq=before[0], move_count=before[1],
                     inputs_hash=f"{before[0]}/{before[1]}", corrections=0, amount=0, run_by=ctx.actor.user_id,
                     run_by_name=ctx.actor.username, run_at=naive_utcnow())
    s.add(run)
    s.flush()
    out = correct(ctx, keys, origin="run", key_prefix=f"cost:run:{run.id}", start=start, end=end, run_id=run.id,
                  on=end, summary=f"成本计算 {period}", all_monthly=True)
    after = fingerprint(s, cid, end)
    run.last_move_seq, run.move_count = after
    run.corrections, run.amount = out.corrections, out.amount
    run.voucher_id = out.voucher_ids[0] if out.voucher_ids else None
    run.stock_posting_id = out.stock_posting_ids[0] if out.stock_posting_ids else None
    s.flush()
    ctx.audit("costing_run", run.id, period=period, inputs=run.inputs_hash, corrections=out.corrections,
              amount=str(out.amount), voucher_id=run.voucher_id)
    return run.id
