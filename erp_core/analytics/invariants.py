"""`erp check` invariant: the analytics copy of the ledger equals the operational store, line for line in
count and amount per account, and its monthly sums equal its lines."""

from __future__ import annotations

from sqlalchemy import func, select

from erp_core.analytics.engine import engine_for
from erp_core.checks import Problem, check
from erp_core.db.uow import Database


@check("analytics_copy")
def analytics_copy(db: Database) -> list[Problem]:
    from erp_core.ledger.models import GlLine
    from erp_core.masterdata.models import Company

    with db.uow(readonly=True) as uow:
        companies = list(uow.session.execute(select(Company.id)).scalars())
    eng = engine_for(db)
    problems: list[Problem] = []
    for company_id in companies:
        eng.sync(company_id)
        with db.uow(readonly=True) as uow:
            ops = {code: (int(n), int(d * 100), int(c * 100)) for code, n, d, c in uow.session.execute(
                select(GlLine.account_code, func.count(), func.sum(GlLine.debit), func.sum(GlLine.credit))
                .where(GlLine.company_id == company_id).group_by(GlLine.account_code)).all()}
        cur = eng.cursor()
        try:
            copy = {code: (int(n), int(d), int(c)) for code, n, d, c in cur.execute(
                "SELECT account_code, count(*), sum(debit), sum(credit) FROM gl WHERE company_id = ? "
                "GROUP BY account_code", [company_id]).fetchall()}
            lines = cur.execute("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) FROM gl "
                                "WHERE company_id = ?", [company_id]).fetchone()
            months = cur.execute("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) FROM gl_month "
                                 "WHERE company_id = ?", [company_id]).fetchone()
        finally:
            cur.close()
        for code in sorted(set(ops) | set(copy)):
            if ops.get(code) != copy.get(code):
                problems.append(Problem("check.problem.analytics.copy", {"company": company_id, "account": code}))
        if tuple(map(int, lines)) != tuple(map(int, months)):
            problems.append(Problem("check.problem.analytics.months", {"company": company_id}))
    return problems
