"""Exact money and quantities. Decimal in Python; rounding is always explicit (ROUND_HALF_UP).

Money has 2 decimals (fen, 分). Quantities and unit prices keep 6 decimals, so 4+ decimals round-trip exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_SCALE = 2
QUANTITY_SCALE = 6
FEN = Decimal("0.01")
# The largest amount any column holds: 10^15 fen = 10 trillion yuan, well inside a signed 64-bit integer.
MAX_MONEY = Decimal(10) ** 13


def to_decimal(value: object) -> Decimal:
    """Convert user or stored input to Decimal. Floats are refused: they are never exact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"refusing inexact value {value!r}; pass Decimal, int or str")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            d = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
        if not d.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return d
    raise TypeError(f"cannot convert {type(value).__name__} to Decimal")


def round_money(value: Decimal | int | str) -> Decimal:
    """Round to the fen, half up (the rule for line amounts). A value too large to hold in fen at Decimal's
    precision (e.g. "1e30" typed into a form) is bad input: ValueError, like any other unusable number."""
    d = to_decimal(value)
    try:
        return d.quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"out of range: {value!r}") from exc


def has_scale(value: Decimal, scale: int) -> bool:
    """True when ``value`` needs no more than ``scale`` decimals. Exact for any magnitude (reads the digits;
    no rounding, so no decimal context limits)."""
    _sign, digits, exp = value.as_tuple()
    if not isinstance(exp, int):  # NaN / infinity
        return False
    extra = -scale - exp  # trailing digits that would have to be zero
    if extra <= 0:
        return True
    return not any(digits[-extra:])
