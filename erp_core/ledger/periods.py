"""Accounting periods (会计期间). A period is 'YYYY-MM'. A period without a row is open; closing writes a row
with status 'closed' (the period-close work owns closing and reopening)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from erp_core.db.prepared import Prepared
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


_T = AccountingPeriod.__table__
# Compiled once and run on the driver: posting asks both for every voucher (erp_core/db/prepared.py).
_STATUS = select(_T.c.status).where(_T.c.company_id == bindparam("cid"), _T.c.period == bindparam("period"))
_STATUS_LOCKED = Prepared(_STATUS.with_for_update())
_STATUS_PLAIN = Prepared(_STATUS)
_FIRST_CLOSED_AFTER = Prepared(select(func.min(_T.c.period)).where(
    _T.c.company_id == bindparam("cid"), _T.c.period > bindparam("period"), _T.c.status == "closed"))


def first_closed_after(session: Session, company_id: int, period: str) -> str | None:
    """The earliest closed period later than ``period`` (posting into ``period`` is refused when there is one)."""
    return _FIRST_CLOSED_AFTER.scalar(session, cid=company_id, period=period)


def is_open(session: Session, company_id: int, period: str, *, lock: bool = False) -> bool:
    """True when ``period`` accepts postings. With ``lock`` the period row (if any) is locked FOR UPDATE, so a
    concurrent close waits for this posting's transaction (SQLite serializes writers anyway)."""
    status = (_STATUS_LOCKED if lock else _STATUS_PLAIN).scalar(session, cid=company_id, period=period)
    return status != "closed"
