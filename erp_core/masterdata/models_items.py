"""Product categories (a tree) and products & services (商品/服务)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Quantity

COSTING_METHODS = ("moving_average", "fifo", "monthly_average")  # 移动加权平均 / 先进先出 / 月末一次加权平均
PRODUCT_KINDS = ("product", "service")  # 商品 / 服务


class ProductCategory(Versioned, Base):  # 商品分类 (a tree)
    __tablename__ = "product_category"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Versioned, Base):  # 商品/服务
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), index=True)
    specification: Mapped[str | None] = mapped_column(String(200), nullable=True)  # 规格型号
    # Units and tax rates are E1's settings tables (0003); a tax rate code has dated successive rates, so
    # both are referenced by code, checked against the settings tables when they exist.
    unit_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"), nullable=True, index=True)
    tax_rate_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    costing_method: Mapped[str] = mapped_column(String(20), default="moving_average")
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)  # 再订货点
    reorder_quantity: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)  # 再订货量
    barcode: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(10), default="product")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # custom field values (custom_fields)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
