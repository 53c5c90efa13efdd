"""Reads and writes of the company work calendar inside the caller's unit of work (the modules' use cases own
the permission: HR's 考勤设置 and CRM's settings both edit this one calendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from erp_core.workcalendar.models import WorkCalendarDay


def exceptions(session: Any, company_id: int, first: dt.date | None = None,
               last: dt.date | None = None) -> dict[dt.date, bool]:
    """day -> workday of the company's exception days (between ``first`` and ``last`` when given)."""
    stmt = select(WorkCalendarDay.day, WorkCalendarDay.workday).where(WorkCalendarDay.company_id == company_id)
    if first is not None:
        stmt = stmt.where(WorkCalendarDay.day >= first)
    if last is not None:
        stmt = stmt.where(WorkCalendarDay.day <= last)
    return {d: bool(w) for d, w in session.execute(stmt).all()}


def days(session: Any, company_id: int, first: dt.date | None = None,
         last: dt.date | None = None) -> list[WorkCalendarDay]:
    """The exception rows, by day."""
    stmt = select(WorkCalendarDay).where(WorkCalendarDay.company_id == company_id)
    if first is not None:
        stmt = stmt.where(WorkCalendarDay.day >= first)
    if last is not None:
        stmt = stmt.where(WorkCalendarDay.day <= last)
    return list(session.execute(stmt.order_by(WorkCalendarDay.day)).scalars())


def set_day(session: Any, company_id: int, day: dt.date, workday: bool | None, name: str = "") -> dict[str, Any]:
    """Make ``day`` a holiday (False), a working day (True) or an ordinary day again (None); returns the
    changes {field: [before, after]} for the caller's audit record."""
    row = session.execute(select(WorkCalendarDay).where(WorkCalendarDay.company_id == company_id,
                                                        WorkCalendarDay.day == day)).scalar_one_or_none()
    name = (name or "").strip()[:60]
    before = None if row is None else [row.workday, row.name]
    if workday is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(WorkCalendarDay(company_id=company_id, day=day, workday=bool(workday), name=name))
    else:
        row.workday, row.name = bool(workday), name
    session.flush()
    return {"day": day.isoformat(), "before": before, "after": None if workday is None else [bool(workday), name]}
