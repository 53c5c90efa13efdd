"""Locale-aware formatting via Babel: ¥1,234.50 · 2026年11月24日 / Nov 24, 2026."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from erp_core.i18n import normalize_locale
from erp_core.kernel.money import round_money

_CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥"}


def _babel(locale: str | None) -> str:
    return "zh_Hans_CN" if normalize_locale(locale) == "zh_CN" else "en_US"


def format_number(value: Decimal | int, locale: str | None = None, decimals: int | None = None) -> str:
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=_babel(locale), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=_babel(locale))


def format_money(value: Decimal | int | str, locale: str | None = None, currency: str = "CNY") -> str:
    """Money with its symbol and two decimals. The symbol is the one Chinese readers use in both languages
    (¥ rather than en_US's "CN¥"), because the amounts are the company's own books."""
    amount = round_money(value)
    sign = "-" if amount < 0 else ""
    body = format_number(abs(amount), locale, decimals=2)
    return f"{sign}{_CURRENCY_SYMBOLS.get(currency, currency + ' ')}{body}"


def format_date(value: dt.date, locale: str | None = None, pattern: str | None = None) -> str:
    """A date as the company chose to write dates (``pattern``, one of masterdata.models.DATE_FORMATS:
    YYYY-MM-DD, YYYY/MM/DD, YYYY年MM月DD日, DD/MM/YYYY, MM/DD/YYYY), or without one in the reader's language."""
    if pattern:
        return date_pattern_text(value, pattern)
    if normalize_locale(locale) == "zh_CN":
        return babel_dates.format_date(value, format="long", locale="zh_Hans_CN")  # 2026年11月24日
    return babel_dates.format_date(value, format="medium", locale="en_US")  # Nov 24, 2026


def format_datetime(value: dt.datetime, locale: str | None = None, time_zone: str = "Asia/Shanghai",
                    pattern: str | None = None) -> str:
    """A stored naive-UTC (or aware) timestamp shown in the reader's time zone (date part as format_date)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(ZoneInfo(time_zone))
    return f"{format_date(local.date(), locale, pattern)} {local:%H:%M:%S}"


_TOKENS = re.compile(r"YYYY|MM|DD")


def date_pattern_text(value: dt.date, pattern: str) -> str:
    """``value`` written with ``pattern``'s tokens YYYY, MM, DD; everything else is kept literally."""
    parts = {"YYYY": f"{value.year:04d}", "MM": f"{value.month:02d}", "DD": f"{value.day:02d}"}
    return _TOKENS.sub(lambda m: parts[m.group(0)], pattern)
