"""Read side of the ledger: accounting periods with their voucher counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from erp_core.finance.models import Voucher
from erp_core.ledger import invariants  # noqa: F401  (registers the ledger check of `erp check`)
from erp_core.ledger.models import AccountingPeriod
from erp_core.security.scope import scoped
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class PeriodRow:
    period: str
    status: str  # open | closed
    drafts: int
    reviewed: int
    posted: int
    closed_at: dt.datetime | None
    closed_by: str | None


@query("finance.period.view", zh="查看会计期间", en="View accounting periods")
def list_periods(ctx: Context) -> list[PeriodRow]:
    """Every period that has vouchers or a period row, newest first, with voucher counts by status."""
    s = ctx.session
    counts: dict[str, dict[str, int]] = {}
    stmt = scoped(select(Voucher.period, Voucher.status, func.count()), ctx, company_col=Voucher.company_id)
    for period, status, n in s.execute(stmt.group_by(Voucher.period, Voucher.status)):
        counts.setdefault(period, {})[status] = n
    rows = {p.period: p for p in s.execute(scoped(select(AccountingPeriod), ctx,
                                                  company_col=AccountingPeriod.company_id)).scalars()}
    out = []
    for period in sorted(set(counts) | set(rows), reverse=True):
        c, r = counts.get(period, {}), rows.get(period)
        out.append(PeriodRow(period, r.status if r else "open", c.get("draft", 0), c.get("reviewed", 0),
                             c.get("posted", 0), r.closed_at if r else None, r.closed_by if r else None))
    return out
