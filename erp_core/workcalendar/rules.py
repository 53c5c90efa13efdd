"""The working-hours clock over the company work calendar, pure (no database): used by the CRM SLA clock.

    cal = WorkingCalendar(exceptions={date: is_workday}, tz="Asia/Shanghai")
    cal.is_workday(day) -> bool
    cal.add_working_hours(start_utc, hours) -> datetime (UTC, naive)
    cal.working_hours_between(start_utc, end_utc) -> Decimal hours

Working hours are WORK_START..WORK_END local time (09:00-18:00, no lunch break: an SLA in working hours counts
nine per day). Times are stored as naive UTC, so the clock converts to the company's time zone and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

WORK_START = dt.time(9, 0)
WORK_END = dt.time(18, 0)
_MAX_DAYS = 3660  # a calendar with no workday at all must not loop forever


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)
    tz: str = "Asia/Shanghai"
    start: dt.time = WORK_START
    end: dt.time = WORK_END

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def _local(self, utc_naive: dt.datetime) -> dt.datetime:
        return utc_naive.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.tz)).replace(tzinfo=None)

    def _utc(self, local_naive: dt.datetime) -> dt.datetime:
        return local_naive.replace(tzinfo=ZoneInfo(self.tz)).astimezone(dt.UTC).replace(tzinfo=None)

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return dt.datetime.combine(day, self.start), dt.datetime.combine(day, self.end)

    def add_working_hours(self, start: dt.datetime, hours: float | int | Decimal) -> dt.datetime:
        """The moment ``hours`` working hours after ``start`` (naive UTC in, naive UTC out). Time outside
        working hours does not count: a ticket opened on Friday 17:00 with 2 working hours is due Monday 10:00."""
        remaining = dt.timedelta(hours=float(hours))
        t = self._local(start)
        for _ in range(_MAX_DAYS):
            day_start, day_end = self._window(t.date())
            if self.is_workday(t.date()) and t < day_end:
                t = max(t, day_start)
                available = day_end - t
                if remaining <= available:
                    return self._utc(t + remaining)
                remaining -= available
            t = dt.datetime.combine(t.date() + dt.timedelta(days=1), self.start)
        raise ValueError("the calendar has no working day in ten years")

    def working_hours_between(self, a: dt.datetime, b: dt.datetime) -> Decimal:
        """Working hours from ``a`` to ``b`` (naive UTC); 0 when b <= a."""
        if b <= a:
            return Decimal(0)
        la, lb = self._local(a), self._local(b)
        total = dt.timedelta()
        day = la.date()
        while day <= lb.date():
            if self.is_workday(day):
                ws, we = self._window(day)
                lo, hi = max(ws, la), min(we, lb)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return (Decimal(total.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))
