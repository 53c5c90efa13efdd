"""Accounting periods (会计期间). A period is 'YYYY-MM'. A period without a row is open; closing writes a row
with status 'closed' (the period-close work owns closing and reopening)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session, object_session

from erp_core.db.prepared import Prepared, tx_cache
from erp_core.finance.models import FinanceSetting
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


# A posting asks both questions twice (its stock moves, then its voucher) in one transaction: the answers are
# kept for the rest of the transaction (db.prepared.tx_cache) and dropped when this session writes a period row
# (closing or reopening, below). The locked ask is kept only once it has locked.
_CACHE = "ledger.periods"


def _answers(session: Session) -> dict:
    return tx_cache(session).setdefault(_CACHE, {})


@event.listens_for(AccountingPeriod, "before_insert")
@event.listens_for(AccountingPeriod, "before_update")
@event.listens_for(AccountingPeriod, "before_delete")
def _forget(_mapper, _connection, target) -> None:
    session = object_session(target)
    if session is not None:
        tx_cache(session).pop(_CACHE, None)


def first_closed_after(session: Session, company_id: int, period: str) -> str | None:
    """The earliest closed period later than ``period`` (posting into ``period`` is refused when there is one)."""
    answers = _answers(session)
    key = ("after", company_id, period)
    if key not in answers:
        answers[key] = _FIRST_CLOSED_AFTER.scalar(session, cid=company_id, period=period)
    return answers[key]


def is_open(session: Session, company_id: int, period: str, *, lock: bool = False) -> bool:
    """True when ``period`` accepts postings. With ``lock`` the period row (if any) is locked FOR UPDATE, so a
    concurrent close waits for this posting's transaction (SQLite serializes writers anyway)."""
    answers = _answers(session)
    key = ("status", company_id, period)
    if key in answers and (not lock or answers[key][1]):
        return answers[key][0]
    status = (_STATUS_LOCKED if lock else _STATUS_PLAIN).scalar(session, cid=company_id, period=period)
    answers[key] = (status != "closed", lock)
    return status != "closed"


# The dates a voucher may carry (entry, import, posting). A voucher is never dated before the company's opening
# balances (finance_setting.books_start, set when they are posted), nor more than PAST_YEARS years back (0001-01-01
# is a typing slip, not a transaction), nor later than the end of the FUTURE_YEARS-th year after today's (a
# prepaid rent can be booked ahead; 9999-12-31 cannot).
PAST_YEARS = 30
FUTURE_YEARS = 2


@dataclass(frozen=True)
class DateWindow:
    earliest: dt.date
    latest: dt.date
    books_start: dt.date | None = None


def window_for(today: dt.date, books_start: dt.date | None = None) -> DateWindow:
    earliest = dt.date(today.year - PAST_YEARS, 1, 1)
    if books_start is not None and books_start > earliest:
        earliest = books_start
    return DateWindow(earliest, dt.date(today.year + FUTURE_YEARS, 12, 31), books_start)


_FS = FinanceSetting.__table__
_BOOKS_START = Prepared(select(_FS.c.books_start).where(_FS.c.company_id == bindparam("cid")))


def books_start(session: Session, company_id: int) -> dt.date | None:
    """The date of the company's posted opening balances, None before there are any (kept across transactions:
    erp_core/db/master_cache.py; the opening posting writes finance_setting, which changes the stamp)."""
    from erp_core.db.master_cache import kept

    return kept(session, "finance.books_start", company_id, lambda: _BOOKS_START.scalar(session, cid=company_id))


def date_window(session: Session, company_id: int, today: dt.date) -> DateWindow:
    """The window of voucher dates the company accepts today."""
    return window_for(today, books_start(session, company_id))
