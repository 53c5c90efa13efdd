"""Costing invariants for `erp check`: every costing correction points to a revaluation move of its company with
the same amount, and every revaluation move the costing wrote (source_type 'costing') has its correction row."""

from __future__ import annotations

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database


def costing_problems(session) -> list[Problem]:
    from erp_core.costing.models import CostCorrection
    from erp_core.inventory.models import StockMove

    out: list[Problem] = []
    bad = session.execute(select(func.count()).select_from(CostCorrection).outerjoin(
        StockMove, StockMove.id == CostCorrection.revaluation_move_id).where(
        (StockMove.id.is_(None)) | (StockMove.company_id != CostCorrection.company_id)
        | (StockMove.move_type != "revaluation") | (StockMove.amount != CostCorrection.amount))).scalar_one()
    if bad:
        out.append(Problem("check.problem.costing.correction_mismatch", {"count": bad}))
    orphans = session.execute(select(func.count()).select_from(StockMove).where(
        StockMove.source_type == "costing",
        StockMove.id.not_in(select(CostCorrection.revaluation_move_id)))).scalar_one()
    if orphans:
        out.append(Problem("check.problem.costing.orphan_revaluation", {"count": orphans}))
    return out


@check("costing")
def costing(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return costing_problems(uow.session)
