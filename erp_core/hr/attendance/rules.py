"""The monthly attendance summary, pure: working days from the calendar (weekdays, minus public holidays, plus
调休 working days), punches per day (first in, last out), approved leave, one shift.

Per working day: leave (approved, counts its kind), else absent (no punch), else missing punch (one punch: listed
for 补卡), else late (first punch after start + grace) and/or early leave (last punch before end); overtime hours:
after the shift end on a working day (weekday), any worked span on a rest day (rest_day) or a holiday (holiday)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HOUR = Decimal(3600)


def is_workday(day: dt.date, exceptions: dict[dt.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == "holiday":
        return False
    if kind == "workday":
        return True
    return day.weekday() < 5


def workdays(first: dt.date, last: dt.date, exceptions: dict[dt.date, str]) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        if is_workday(d, exceptions):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


@dataclass
class Summary:
    employee_id: int
    scheduled: int = 0  # working days in the month (while employed)
    worked: int = 0
    late: int = 0
    early: int = 0
    absent: int = 0
    missing: list[dt.date] = field(default_factory=list)  # days with one punch (补卡)
    leave: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))  # kind -> days
    overtime: dict[str, Decimal] = field(default_factory=lambda: {"weekday": ZERO, "rest_day": ZERO,
                                                                  "holiday": ZERO})


def _hours(seconds: float) -> Decimal:
    return (Decimal(int(seconds)) / HOUR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def summarize(employee_id: int, days: list[dt.date], all_days: list[dt.date], punches: list[dt.datetime],
              leave_days: dict[dt.date, str], exceptions: dict[dt.date, str], start: dt.time, end: dt.time,
              grace_minutes: int) -> Summary:
    """``days``: the month's working days while employed; ``all_days``: every calendar day while employed."""
    s = Summary(employee_id)
    by_day: dict[dt.date, list[dt.datetime]] = defaultdict(list)
    for p in sorted(set(punches)):
        by_day[p.date()].append(p)
    late_after = (dt.datetime.combine(dt.date.min, start) + dt.timedelta(minutes=grace_minutes)).time()
    for day in days:
        s.scheduled += 1
        ps = by_day.get(day, [])
        if day in leave_days:
            s.leave[leave_days[day]] += 1
            continue
        if not ps:
            s.absent += 1
            continue
        if len(ps) == 1:
            s.missing.append(day)
            continue
        s.worked += 1
        if ps[0].time() > late_after:
            s.late += 1
        if ps[-1].time() < end:
            s.early += 1
        after = (ps[-1] - dt.datetime.combine(day, end)).total_seconds()
        if after > 0:
            s.overtime["weekday"] += _hours(after)
    for day in all_days:
        if day in days:
            continue
        ps = by_day.get(day, [])
        if len(ps) >= 2:
            kind = "holiday" if exceptions.get(day) == "holiday" else "rest_day"
            s.overtime[kind] += _hours((ps[-1] - ps[0]).total_seconds())
    return s
