"""Ledger invariants for `erp check` (beancount style: small functions returning the problems they find).

- every voucher's ledger lines balance, and so does each company's ledger as a whole (the trial balance);
- posting_seq runs 1..n per company without gaps;
- a voucher is posted exactly when it has ledger lines, a posting record, and as many ledger lines as lines;
- nothing was posted into a period that was closed at the moment of posting, nor into an earlier one (the
  closing record's closed_at against the posting record's posted_at; a period reopened, posted into and closed
  again carries the later closed_at, so that legitimate posting is not reported).
"""

from __future__ import annotations

from sqlalchemy import and_, func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database
from erp_core.finance.models import Voucher, VoucherLine, voucher_display_no
from erp_core.ledger.models import AccountingPeriod, GlLine, Posting


def ledger_problems(session, company_id: int | None = None) -> list[Problem]:
    """Every problem of the ledger (of one company, or all)."""
    def where(stmt, col):
        return stmt if company_id is None else stmt.where(col == company_id)

    out: list[Problem] = []
    unbalanced = session.execute(where(
        select(GlLine.voucher_id, func.sum(GlLine.debit), func.sum(GlLine.credit)), GlLine.company_id)
        .group_by(GlLine.voucher_id).having(func.sum(GlLine.debit) != func.sum(GlLine.credit))).all()
    out += [Problem("check.problem.ledger.voucher_unbalanced", {"voucher": vid, "debit": str(d), "credit": str(c)})
            for vid, d, c in unbalanced]
    for cid, debit, credit, n, lo, hi in session.execute(where(
            select(GlLine.company_id, func.sum(GlLine.debit), func.sum(GlLine.credit), func.count(),
                   func.min(GlLine.posting_seq), func.max(GlLine.posting_seq)), GlLine.company_id)
            .group_by(GlLine.company_id)):
        if debit != credit:
            out.append(Problem("check.problem.ledger.trial_balance", {"company": cid, "debit": str(debit),
                                                                      "credit": str(credit)}))
        if lo != 1 or hi != n:
            out.append(Problem("check.problem.ledger.seq_gap", {"company": cid, "count": n, "max": hi}))
    gl_counts = dict(session.execute(where(select(GlLine.voucher_id, func.count()), GlLine.company_id)
                                     .group_by(GlLine.voucher_id)).all())
    line_counts = dict(session.execute(where(
        select(VoucherLine.voucher_id, func.count()).join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(Voucher.status == "posted"), Voucher.company_id).group_by(VoucherLine.voucher_id)).all())
    posted_with_record = set(session.execute(where(select(Posting.voucher_id), Posting.company_id)).scalars())
    for vid, n in line_counts.items():
        if gl_counts.get(vid) != n or vid not in posted_with_record:
            out.append(Problem("check.problem.ledger.posted_mismatch", {"voucher": vid}))
    for vid in set(gl_counts) - set(line_counts):
        out.append(Problem("check.problem.ledger.unposted_lines", {"voucher": vid}))
    out += closed_period_postings(session, company_id)
    return out


def closed_period_postings(session, company_id: int | None = None) -> list[Problem]:
    """Postings made after a period at or after theirs had been closed (the pre-post rule bypassed)."""
    stmt = (select(Voucher.id, Voucher.voucher_type, Voucher.number, Voucher.period, func.min(AccountingPeriod.period))
            .select_from(Posting)
            .join(Voucher, Voucher.id == Posting.voucher_id)
            .join(AccountingPeriod, and_(AccountingPeriod.company_id == Posting.company_id,
                                         AccountingPeriod.status == "closed",
                                         AccountingPeriod.period >= Voucher.period,
                                         AccountingPeriod.closed_at < Posting.posted_at))
            .group_by(Voucher.id, Voucher.voucher_type, Voucher.number, Voucher.period).order_by(Voucher.id))
    if company_id is not None:
        stmt = stmt.where(Posting.company_id == company_id)
    return [Problem("check.problem.ledger.posted_into_closed",
                    {"voucher": voucher_display_no(vtype, number), "id": vid, "period": period, "closed": closed})
            for vid, vtype, number, period, closed in session.execute(stmt)]


@check("ledger")
def ledger(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return ledger_problems(uow.session)
