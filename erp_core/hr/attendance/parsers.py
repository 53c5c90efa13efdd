"""Time-clock exports -> (pin, local datetime) punches. Pure; every unreadable line is reported, not guessed.

- ZKTeco ATTLOG (device / ADMS): tab-separated ``PIN, YYYY-MM-DD HH:MM:SS, status, verify, workcode, ...``
  (firmware varies the separator: tabs, commas or runs of spaces are accepted);
- ZKTime / ZKAccess CSV export: header ``USERID,CHECKTIME,CHECKTYPE[,VERIFYCODE,SENSORID...]``;
- DingTalk 每日汇总 (daily summary) CSV/XLSX rows: title rows first, then a header row with 工号 (or UserId), 日期
  and 上班1打卡时间 / 下班1打卡时间 (more pairs allowed); a cell like ``09:01`` or ``未打卡`` / empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("zkteco", "zktime", "dingtalk")
_DT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")


@dataclass
class Parsed:
    punches: list[tuple[str, dt.datetime]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)  # 1-based line / row numbers that could not be read


def _when(text: str) -> dt.datetime | None:
    text = text.strip()
    for f in _DT_FORMATS:
        try:
            return dt.datetime.strptime(text, f)
        except ValueError:
            continue
    return None


def parse_zkteco(text: str) -> Parsed:
    out = Parsed()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p for p in re.split(r"\t|,", line.strip())]
        if len(parts) < 2:  # space separated: PIN DATE TIME ...
            parts = line.split()
            parts = [parts[0], " ".join(parts[1:3]), *parts[3:]] if len(parts) >= 3 else parts
        when = _when(parts[1]) if len(parts) >= 2 else None
        if not parts[0].strip() or when is None:
            out.bad_lines.append(n)
            continue
        out.punches.append((parts[0].strip(), when))
    return out


def parse_zktime(text: str) -> Parsed:
    out = Parsed()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().upper() for h in next(reader, [])]
    if "USERID" not in header or "CHECKTIME" not in header:
        out.bad_lines.append(1)
        return out
    iu, it = header.index("USERID"), header.index("CHECKTIME")
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        when = _when(row[it]) if len(row) > it else None
        if len(row) <= iu or not row[iu].strip() or when is None:
            out.bad_lines.append(n)
            continue
        out.punches.append((row[iu].strip(), when))
    return out


def parse_dingtalk(rows: list[list[Any]]) -> Parsed:
    """Rows of the daily summary (as read from CSV or XLSX, strings or datetimes)."""
    out = Parsed()
    head_at = next((i for i, r in enumerate(rows) if any(str(c or "").strip() == "日期" for c in r)), None)
    if head_at is None:
        out.bad_lines.append(1)
        return out
    header = [str(c or "").strip() for c in rows[head_at]]
    id_col = next((header.index(h) for h in ("工号", "UserId") if h in header), None)
    day_col = header.index("日期")
    time_cols = [i for i, h in enumerate(header) if re.fullmatch(r"(上班|下班)\d+打卡时间", h)]
    if id_col is None or not time_cols:
        out.bad_lines.append(head_at + 1)
        return out
    for n, row in enumerate(rows[head_at + 1:], start=head_at + 2):
        cells = [c if c is not None else "" for c in row] + [""] * len(header)
        pin, day_text = str(cells[id_col]).strip(), str(cells[day_col]).strip()
        if not pin and not day_text:
            continue
        day = cells[day_col] if isinstance(cells[day_col], dt.date) else None
        if day is None:
            m = re.match(r"(\d{2,4})[-/](\d{1,2})[-/](\d{1,2})", day_text)
            if m:
                y = int(m.group(1))
                day = dt.date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(3)))
        if not pin or day is None:
            out.bad_lines.append(n)
            continue
        if isinstance(day, dt.datetime):
            day = day.date()
        for i in time_cols:
            cell = cells[i]
            if isinstance(cell, dt.time):
                out.punches.append((pin, dt.datetime.combine(day, cell)))
                continue
            m = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", str(cell))
            if m:  # 未打卡 / 缺卡 / empty: no punch
                out.punches.append((pin, dt.datetime.combine(day, dt.time(int(m.group(1)), int(m.group(2)),
                                                                         int(m.group(3) or 0)))))
    return out
