"""Interface text in the reader's language, and locale formatting bound to the current run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.i18n import format as fmt
from erp_core.i18n import t
from ui.context import actor, date_format, locale


def tr(key: str, /, **params: object) -> str:
    """The catalog text of ``key`` in the current user's language."""
    return t(key, locale(), **params)


def money(value: Decimal | int | str, currency: str = "CNY") -> str:
    return fmt.format_money(value, locale(), currency)


def date(value: dt.date) -> str:
    """A date as the company writes dates (settings: date format), in the reader's language otherwise."""
    return fmt.format_date(value, locale(), date_format())


def datetime(value: dt.datetime) -> str:
    current = actor()
    return fmt.format_datetime(value, locale(), current.time_zone if current else "Asia/Shanghai", date_format())
