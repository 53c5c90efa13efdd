"""Pure rules of employee files: the ID-number checksum (GB 11643-1999), masking, employment intervals from the
dated status history (the employee as of any date), contract alerts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^\d{17}[\dX]$")


def id_number_ok(value: str) -> bool:
    """18-digit 居民身份证号码: digits, a valid birth date, and the ISO 7064 MOD 11-2 check character."""
    v = (value or "").strip().upper()
    if not _ID.match(v):
        return False
    try:
        dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return _CHECK[sum(int(c) * w for c, w in zip(v[:17], _WEIGHTS, strict=True)) % 11] == v[17]


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def mask(value: str | None, keep_start: int = 3, keep_end: int = 4) -> str | None:
    """110101********1234: what a list shows without the permission to see the whole value."""
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def intervals(hire_date: dt.date | None, changes: Iterable[Any]) -> list[tuple[dt.date, dt.date | None]]:
    """Employment intervals [start, end] from the status history (kind hire/leave, effective_date), ordered by
    date; without any hire record the masterdata hire date (or the beginning of time) opens the first one."""
    events = sorted((c.effective_date, c.kind) for c in changes if c.kind in ("hire", "leave"))
    out: list[tuple[dt.date, dt.date | None]] = []
    start = None if any(k == "hire" for _, k in events[:1]) else (hire_date or dt.date.min)
    for day, kind in events:
        if kind == "hire" and start is None:
            start = day
        elif kind == "leave" and start is not None:
            out.append((start, day))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def employed_between(spans: list[tuple[dt.date, dt.date | None]], first: dt.date, last: dt.date) -> bool:
    return any(s <= last and (e is None or e >= first) for s, e in spans)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def months_employed(spans: list[tuple[dt.date, dt.date | None]], year: int, up_to_month: int) -> int:
    """Months of ``year`` up to ``up_to_month`` in which the person was employed here on any day (累计减除费用:
    a mid-year hire counts from the hire month; a leaver rehired later counts the months of both spells)."""
    return sum(1 for m in range(1, up_to_month + 1) if employed_between(spans, *month_bounds(year, m)))


def contract_alert(contract_end: dt.date | None, today: dt.date, days: int = 30) -> bool:
    """True when the contract ends within ``days`` from ``today`` (and has not ended yet)."""
    return contract_end is not None and today <= contract_end <= today + dt.timedelta(days=days)
