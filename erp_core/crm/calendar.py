"""Working calendar (工作日历) for the SLA clock: the company work calendar (erp_core/workcalendar, shared with HR
attendance) read into the pure clock.

    cal = WorkingCalendar(exceptions={date: is_workday}, tz="Asia/Shanghai")   # pure, no database
    cal.is_workday(day) -> bool
    cal.add_working_hours(start_utc, hours) -> datetime (UTC, naive)
    cal.working_hours_between(start_utc, end_utc) -> Decimal hours
    load_calendar(session, company_id, tz=) -> WorkingCalendar   (reads work_calendar_day)

A day is a workday when Monday..Friday, unless an exception says otherwise (法定节假日 = False on a weekday,
调休上班 = True on a Saturday or Sunday).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from erp_core.workcalendar.rules import WORK_END, WORK_START, WorkingCalendar

__all__ = ["WORK_END", "WORK_START", "WorkingCalendar", "load_calendar"]


def load_calendar(session: Session, company_id: int, *, tz: str = "Asia/Shanghai") -> WorkingCalendar:
    """The company's calendar (holidays and working weekend days) from the one company work calendar."""
    from erp_core.workcalendar.store import exceptions

    return WorkingCalendar(exceptions=exceptions(session, company_id), tz=tz)
