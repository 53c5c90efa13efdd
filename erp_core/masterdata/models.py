"""Company and organisation tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column

ACCOUNTING_STANDARDS = ("small_business", "enterprise")  # 小企业会计准则 / 企业会计准则


class Company(Versioned, Base):  # 公司
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码 / 纳税人识别号
    base_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    accounting_standard: Mapped[str] = mapped_column(String(20), default="small_business")
    default_locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    created_at: Mapped[dt.datetime] = utc_column()


class Department(Versioned, Base):  # 部门 (a tree)
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Project(Versioned, Base):  # 项目
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
