"""Employees (职员): identity and department; HR details come with the HR module."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column


class Employee(Versioned, Base):  # 职员
    __tablename__ = "employee"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True, index=True)
    position: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 职位
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hire_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # 入职日期
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
