"""One clock for the whole core, so tests can move time (idle timeouts, expiries) without sleeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # noqa: E731


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return _now()


def naive_utcnow() -> dt.datetime:
    """UTC as a naive datetime, the form stored in DateTime columns on every backend."""
    return _now().astimezone(dt.UTC).replace(tzinfo=None)


def local_today(tz: str) -> dt.date:
    """Today's date in the time zone ``tz`` (the company's, config.toml app.time_zone): what "today" means to a
    person in China is the UTC+8 date, not the server's UTC one."""
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo(tz)).date()


def set_clock(fn: Callable[[], dt.datetime] | None) -> None:
    """Replace the clock (tests only); ``None`` restores the real one."""
    global _now
    _now = fn or (lambda: dt.datetime.now(dt.UTC))
