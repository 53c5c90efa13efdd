"""Customers (客户) and suppliers (供应商): the same shape, two tables (so other modules' foreign keys say which
one they mean), each with extra contacts and addresses.

The main contact (name, phone, email, address) sits on the partner row itself so one spreadsheet row imports a
whole partner; further contacts and addresses are child rows. ``name_norm``/``phone_norm`` hold the normalized
forms duplicate detection compares (see partners_services.normalize_name)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money


class _Partner(Versioned):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(String(200), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)  # 纳税人识别号
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    phone_norm: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    credit_limit: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)  # 信用额度
    payment_terms_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 账期（天）
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("company.id"), index=True)

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("department.id"), nullable=True, index=True)

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:  # salesperson (customers) / buyer (suppliers): an app_user
        return mapped_column(ForeignKey("app_user.id"), nullable=True, index=True)

    @declared_attr
    def merged_into(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), nullable=True)


class Customer(_Partner, Base):  # 客户
    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("company_id", "code"),)


class Supplier(_Partner, Base):  # 供应商
    __tablename__ = "supplier"
    __table_args__ = (UniqueConstraint("company_id", "code"),)


class PartnerContact(Base):  # 联系人 (of a customer or of a supplier)
    __tablename__ = "partner_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True, index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PartnerAddress(Base):  # 地址 (billing / shipping)
    __tablename__ = "partner_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True, index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(10), default="shipping")  # billing / shipping
    address: Mapped[str] = mapped_column(String(300))
    receiver: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
