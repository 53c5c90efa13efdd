"""Stock ledger invariants for `erp check` (the ledger's own, erp_core/ledger/invariants.py, for stock moves):

- move_seq runs 1..n per company without gaps (what a stock report or a later sync reads in order);
- each stock posting holds exactly the moves it recorded: move_count moves numbered first_seq .. first_seq +
  move_count - 1, all carrying its id and key.
"""

from __future__ import annotations

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.inventory.models import StockMove, StockPosting


def stock_problems(session, company_id: int | None = None) -> list[Problem]:
    def where(stmt, col):
        return stmt if company_id is None else stmt.where(col == company_id)

    out: list[Problem] = []
    for cid, n, lo, hi in session.execute(where(
            select(StockMove.company_id, func.count(), func.min(StockMove.move_seq), func.max(StockMove.move_seq)),
            StockMove.company_id).group_by(StockMove.company_id)):
        if lo != 1 or hi != n:
            out.append(Problem("check.problem.stock.seq_gap", {"company": cid, "count": n, "max": hi}))
    moves = {pid: (n, lo, hi, keys) for pid, n, lo, hi, keys in session.execute(where(
        select(StockMove.posting_id, func.count(), func.min(StockMove.move_seq), func.max(StockMove.move_seq),
               func.count(func.distinct(StockMove.posting_key))), StockMove.company_id)
        .group_by(StockMove.posting_id))}
    for pid, key, first, count in session.execute(where(
            select(StockPosting.id, StockPosting.posting_key, StockPosting.first_seq, StockPosting.move_count),
            StockPosting.company_id)):
        if moves.get(pid) != (count, first, first + count - 1, 1):
            out.append(Problem("check.problem.stock.posting_mismatch", {"key": key}))
    return out


@check("stock")
def stock(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return stock_problems(uow.session)
