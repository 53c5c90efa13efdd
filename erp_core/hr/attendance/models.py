"""Attendance and leave tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Quantity

DAY_KINDS = ("holiday", "workday")  # 法定节假日 (no work) / 调休上班 (a weekend day worked): work_calendar_day
LEAVE_STATES = ("draft", "submitted", "approved", "rejected", "cancelled")


class Shift(Versioned, Base):  # 班次 (one default shift per company: code "default")
    __tablename__ = "hr_shift"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(20))
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=0)


class DevicePin(Base):  # 考勤机工号映射: a device's PIN -> employee (without a row the PIN is the employee code)
    __tablename__ = "hr_device_pin"
    __table_args__ = (UniqueConstraint("company_id", "pin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    pin: Mapped[str] = mapped_column(String(40))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))


class Punch(Base):  # 打卡记录 (local wall-clock time of the device; append-only by convention)
    __tablename__ = "hr_punch"
    __table_args__ = (UniqueConstraint("company_id", "employee_id", "punched_at"),
                      Index("ix_hr_punch_day", "company_id", "punched_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    punched_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))  # zkteco | zktime | dingtalk | correction
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class LeaveKind(Versioned, Base):  # 假期类型
    __tablename__ = "hr_leave_kind"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(40))
    pay_ratio: Mapped[Decimal] = mapped_column(Quantity())  # 1 paid, 0 unpaid (事假), 0.8 ...
    annual_days: Mapped[Decimal] = mapped_column(Quantity())  # entitlement per year (0: no balance kept)


class LeaveRequest(Versioned, Base):  # 请假单 (approved through the approvals engine: subject "leave_request")
    __tablename__ = "hr_leave_request"
    __table_args__ = (Index("ix_hr_leave_request_emp", "company_id", "employee_id", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    kind_code: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[Decimal] = mapped_column(Quantity())  # working days in the range (calendar applied)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
