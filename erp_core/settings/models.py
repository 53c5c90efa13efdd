"""Reference data of a company: dated tax rates, currencies with dated exchange rates, units with conversions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned
from erp_core.db.types import ScaledDecimal

TAX_KINDS = ("vat", "vat_small_scale", "vat_simplified", "surcharge", "other")
RATE_SCALE = 6  # tax rates as fractions (0.13), 6 decimals
EXCHANGE_SCALE = 8  # exchange rates, units of base currency per unit of foreign currency
FACTOR_SCALE = 6  # unit conversion factors


class TaxRate(Versioned, Base):  # 税率 (dated: one code may have successive rates)
    __tablename__ = "tax_rate"
    __table_args__ = (UniqueConstraint("company_id", "code", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE))  # 0.13 for 13 %
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # inclusive; None = open-ended


class Currency(Versioned, Base):  # 币种
    __tablename__ = "currency"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))  # ISO 4217
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    decimals: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ExchangeRate(Base):  # 汇率: 1 unit of currency = rate units of the base currency, from rate_date on
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("company_id", "currency_code", "rate_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    currency_code: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(ScaledDecimal(EXCHANGE_SCALE))


class Unit(Versioned, Base):  # 计量单位
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UnitConversion(Base):  # 单位换算: 1 from_unit = factor to_unit (箱 -> 个, 12); the inverse is derived
    __tablename__ = "unit_conversion"
    __table_args__ = (UniqueConstraint("company_id", "from_unit_id", "to_unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    factor: Mapped[Decimal] = mapped_column(ScaledDecimal(FACTOR_SCALE))
