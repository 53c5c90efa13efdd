"""Stock ledger invariants for `erp check` (the ledger's own, erp_core/ledger/invariants.py, for stock moves):

- move_seq runs 1..n per company without gaps (what a stock report or a later sync reads in order);
- each stock posting holds exactly the moves it recorded: move_count moves numbered first_seq .. first_seq +
  move_count - 1, all carrying its id and key;
- ``stock_vs_ledger``: per company that holds stock moves, the stock ledger's value per stock account (科目设置
  role "stock" of each warehouse and product) equals the general ledger's balance of that account.
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


def ledger_problems(db: Database) -> list[Problem]:
    from erp_core.inventory.queries import ledger_rows
    from erp_core.kernel.actor import Actor
    from erp_core.usecase import Context

    out: list[Problem] = []
    with db.uow(readonly=True) as uow:
        companies = list(uow.session.execute(select(StockMove.company_id).distinct()).scalars())
        for cid in sorted(companies):
            ctx = Context(uow.session, Actor.system(company_id=cid, reason="check"), "check", db, company_id=cid)
            for row in ledger_rows(ctx, cid, None):
                if row.difference != 0:
                    out.append(Problem("check.problem.stock.ledger_mismatch", {
                        "company": cid, "account": row.account_code, "stock": f"{row.stock_value:,.2f}",
                        "ledger": f"{row.ledger_balance:,.2f}"}))
    return out


@check("stock_vs_ledger")
def stock_vs_ledger(db: Database) -> list[Problem]:
    return ledger_problems(db)
