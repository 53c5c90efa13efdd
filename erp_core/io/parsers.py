"""Cell parsers shared by imports and by the master-record use cases, so a value is judged the same way
whether it was typed in a form or read from a spreadsheet.

A parser takes the raw value (a string from a file, or a Python value from a form) and returns the clean
value, ``None`` for an empty cell, or raises ``CellError`` with a message id and parameters.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from erp_core.kernel.money import MAX_MONEY, MONEY_SCALE, QUANTITY_SCALE, has_scale, to_decimal
from erp_core.kernel.text import CONTROL_RE, SINGLE_LINE_CONTROL_RE, char_name  # noqa: F401  (char_name: re-exported)

Parser = Callable[[Any], Any]

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,30}$")
_TRUE = {"1", "true", "yes", "y", "t", "是", "对", "√", "✓", "有"}
_FALSE = {"0", "false", "no", "n", "f", "否", "不", "×", "✗", "无"}


class CellError(Exception):
    """One bad value: ``message_id`` is a catalog key; ``params`` fill its placeholders."""

    def __init__(self, message_id: str, **params: Any) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.params = params


def control_char(value: str, *, multiline: bool = False) -> str | None:
    """(Control characters are defined once in erp_core/kernel/text.py, which the use-case wrapper's backstop reads
    too; tab and line breaks only where a field takes several lines: ``text(multiline=True)``.) The first control character of ``value`` that a field does not allow, or None."""
    m = (CONTROL_RE if multiline else SINGLE_LINE_CONTROL_RE).search(value)
    return m.group() if m else None


def visible(value: object) -> str:
    """``value`` as text with every control character (tab and newline included) shown as U+XXXX, for messages
    and problem lists that echo a cell back."""
    s = "" if value is None else str(value)
    return SINGLE_LINE_CONTROL_RE.sub(lambda m: "<" + char_name(m.group()) + ">", s)


def refuse_control(value: str, *, multiline: bool = False) -> str:
    ch = control_char(value, multiline=multiline)
    if ch is not None:
        raise CellError("error.text.control_char", char=char_name(ch))
    return value


def half_width(value: str) -> str:
    """Full-width letters, digits and punctuation -> half-width (ＡＢＣ１２３（） -> ABC123())."""
    return unicodedata.normalize("NFKC", value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_len: int | None = None, *, multiline: bool = False) -> Parser:
    """Free text (names, specifications, addresses...): trimmed; control characters refused (tab and line breaks
    too unless ``multiline``), the one rule every master-data form and import applies to text."""

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        s = refuse_control(str(value).strip(), multiline=multiline)
        if max_len is not None and len(s) > max_len:
            raise CellError("error.too_long", max=max_len)
        return s

    return parse


def code(max_len: int = 40) -> Parser:
    """A record code: letters, digits and _ . - / (full-width input is folded to half-width)."""

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        s = half_width(str(value)).strip()
        if len(s) > max_len:
            raise CellError("error.too_long", max=max_len)
        if not CODE_RE.match(s):
            raise CellError("error.import.code_format")
        return s

    return parse


def decimal(scale: int, *, min_value: Decimal | None = None, max_value: Decimal | None = MAX_MONEY) -> Parser:
    """An exact decimal with at most ``scale`` decimals (floats are refused, never rounded)."""

    def parse(value: Any) -> Decimal | None:
        if is_blank(value):
            return None
        if isinstance(value, float):
            raise CellError("error.import.number")
        try:
            d = to_decimal(half_width(value).replace("，", ",") if isinstance(value, str) else value)
        except (ValueError, TypeError):
            raise CellError("error.import.number") from None
        if not has_scale(d, scale):
            raise CellError("error.import.decimals", scale=scale)
        if min_value is not None and d < min_value:
            raise CellError("error.import.min", min=min_value)
        if max_value is not None and abs(d) > max_value:
            raise CellError("error.import.max", max=max_value)
        return d + 0  # normalizes -0

    return parse


def money(*, min_value: Decimal | None = Decimal(0)) -> Parser:
    return decimal(MONEY_SCALE, min_value=min_value)


def quantity(*, min_value: Decimal | None = Decimal(0)) -> Parser:
    return decimal(QUANTITY_SCALE, min_value=min_value, max_value=Decimal(10) ** 12)


def integer(*, min_value: int | None = None, max_value: int | None = None) -> Parser:
    def parse(value: Any) -> int | None:
        if is_blank(value):
            return None
        if isinstance(value, bool) or isinstance(value, float):
            raise CellError("error.import.integer")
        try:
            d = to_decimal(half_width(value) if isinstance(value, str) else value)
        except (ValueError, TypeError):
            raise CellError("error.import.integer") from None
        if d != d.to_integral_value():
            raise CellError("error.import.integer")
        n = int(d)
        if min_value is not None and n < min_value:
            raise CellError("error.import.min", min=min_value)
        if max_value is not None and n > max_value:
            raise CellError("error.import.max", max=max_value)
        return n

    return parse


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def date() -> Parser:
    """ISO dates, also 2026/3/1, 2026.3.1, 2026年3月1日 and 20260301."""

    def parse(value: Any) -> dt.date | None:
        if is_blank(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        s = half_width(str(value)).strip()
        if " " in s or "T" in s:  # a spreadsheet datetime with a midnight time part
            s = re.split(r"[ T]", s, maxsplit=1)[0]
        m = _DATE_RE.match(s)
        if m is None and re.fullmatch(r"\d{8}", s):
            m = re.match(r"(\d{4})(\d{2})(\d{2})", s)
        if m is None:
            raise CellError("error.import.date")
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise CellError("error.import.date") from None

    return parse


def boolean() -> Parser:
    def parse(value: Any) -> bool | None:
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        s = half_width(str(value)).strip().casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise CellError("error.import.boolean")

    return parse


def choice(options: Mapping[str, str] | tuple[str, ...] | list[str]) -> Parser:
    """One of the allowed values. ``options`` maps every accepted spelling (key, zh label, en label) to the
    stored value; a tuple means each value stands for itself."""
    accepted = {k: k for k in options} if not isinstance(options, Mapping) else dict(options)
    folded = {half_width(str(k)).strip().casefold(): v for k, v in accepted.items()}
    allowed = ", ".join(sorted({str(v) for v in accepted.values()}))

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        got = folded.get(half_width(str(value)).strip().casefold())
        if got is None:
            raise CellError("error.import.choice", allowed=allowed)
        return got

    return parse


def email() -> Parser:
    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        s = half_width(str(value)).strip()
        if len(s) > 200 or not EMAIL_RE.match(s) or control_char(s):
            raise CellError("error.import.email")
        return s

    return parse


def phone() -> Parser:
    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        s = half_width(str(value)).strip()
        if not PHONE_RE.match(s):
            raise CellError("error.import.phone")
        return s

    return parse


def normalize_phone(value: str | None) -> str | None:
    """Digits only, without a leading +86 / 0086 (for duplicate detection)."""
    if not value:
        return None
    digits = re.sub(r"\D", "", half_width(value))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix):]
    return digits or None
