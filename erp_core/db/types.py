"""Exact column types that behave identically on SQLite, PostgreSQL and MariaDB.

Decimals are stored as scaled 64-bit integers (money in fen, quantities in millionths): SQLite's NUMERIC is
REAL and loses digits, and integer sums are exact and fast everywhere (DuckDB included). A value with more
decimals than the column holds is refused, never silently rounded: rounding is the caller's explicit act.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator

from erp_core.kernel.money import MONEY_SCALE, QUANTITY_SCALE, has_scale, to_decimal

_INT64_MAX = 2**63 - 1


class ScaledDecimal(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        d = to_decimal(value)
        if not has_scale(d, self.scale):
            raise ValueError(f"{d} has more than {self.scale} decimals")
        n = int(d.scaleb(self.scale))
        if abs(n) > _INT64_MAX:
            raise ValueError(f"{d} is out of range")
        return n

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)

    def process_literal_param(self, value, dialect):
        return str(self.process_bind_param(value, dialect))

    def result_processor(self, dialect, coltype):
        """process_result_value itself when the integer column needs no conversion of its own (every backend
        here): TypeDecorator's wrapper costs a second Python call per value read, and a posting reads hundreds."""
        if self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        scale = -self.scale

        def process(value):
            return None if value is None else Decimal(int(value)).scaleb(scale)
        return process

    @property
    def python_type(self):
        return Decimal


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in column declarations
    """Money in yuan with 2 decimals, stored as integer fen."""
    return ScaledDecimal(MONEY_SCALE)


def Quantity() -> ScaledDecimal:  # noqa: N802
    """Quantities and unit prices, 6 decimals, stored as integer millionths."""
    return ScaledDecimal(QUANTITY_SCALE)


class _UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC. A timezone-aware value is converted to UTC first: left alone, SQLite and MariaDB
    would drop its offset (storing local time as if it were UTC) while PostgreSQL would convert it through
    the server's time zone setting, so the same instant would be stored three different ways."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    @property
    def python_type(self):
        return dt.datetime


def UtcDateTime() -> _UtcDateTime:  # noqa: N802
    """A naive-UTC timestamp with microseconds on every backend (MariaDB's DATETIME drops them by default,
    which would break anything hashed from a stored timestamp)."""
    return _UtcDateTime()
