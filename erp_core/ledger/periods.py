"""Accounting periods (会计期间). A period is 'YYYY-MM'. A period without a row is open; closing writes a row
with status 'closed' (the period-close work owns closing and reopening)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.ledger.models import AccountingPeriod


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def closed_periods(session: Session, company_id: int, periods: set[str] | None = None) -> set[str]:
    """The closed periods of a company (among ``periods`` when given)."""
    stmt = select(AccountingPeriod.period).where(AccountingPeriod.company_id == company_id,
                                                 AccountingPeriod.status == "closed")
    if periods is not None:
        if not periods:
            return set()
        stmt = stmt.where(AccountingPeriod.period.in_(sorted(periods)))
    return set(session.execute(stmt).scalars())


def is_open(session: Session, company_id: int, period: str, *, lock: bool = False) -> bool:
    """True when ``period`` accepts postings. With ``lock`` the period row (if any) is locked FOR UPDATE, so a
    concurrent close waits for this posting's transaction (SQLite serializes writers anyway)."""
    stmt = select(AccountingPeriod.status).where(AccountingPeriod.company_id == company_id,
                                                  AccountingPeriod.period == period)
    if lock:
        stmt = stmt.with_for_update()
    status = session.execute(stmt).scalar_one_or_none()
    return status != "closed"
