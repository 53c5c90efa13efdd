"""HR details of an employee (extends masterdata.Employee, one row per employee) and the dated status history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money

GENDERS = ("male", "female")
CONTRACT_TYPES = ("fixed", "open_ended", "project", "part_time", "internship", "labour_service")
STATUS_KINDS = ("hire", "regularize", "transfer", "salary_change", "leave")  # 入职 转正 调岗 调薪 离职
BONUS_METHODS = ("separate", "merged")  # 全年一次性奖金: 单独计税 / 并入综合所得
EXPENSE_KINDS = ("admin", "sales", "production", "overhead")  # 管理费用 销售费用 生产成本 制造费用


class EmployeeProfile(Versioned, Base):  # 员工档案 (HR details; the employee itself lives in masterdata)
    __tablename__ = "hr_employee_profile"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)  # 居民身份证号码 (checksum validated)
    gender: Mapped[str | None] = mapped_column(String(10), nullable=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    education: Mapped[str | None] = mapped_column(String(40), nullable=True)
    bank_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bank_account: Mapped[str | None] = mapped_column(String(40), nullable=True)  # 工资卡号
    contract_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    contract_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    contract_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    probation_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)  # their system account
    insurance_city: Mapped[str | None] = mapped_column(String(40), nullable=True)  # 社保缴纳地
    insurance_base: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)  # 社保缴费基数
    housing_fund_base: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)  # 公积金缴存基数
    small_earner: Mapped[bool] = mapped_column(Boolean, default=False)  # 上年在本单位收入 <= 6 万 (2020年第19号)
    bonus_method: Mapped[str] = mapped_column(String(10), default="separate")
    expense_kind: Mapped[str] = mapped_column(String(12), default="admin")  # which expense account their pay hits
    attachments: Mapped[int] = mapped_column(Integer, default=0)


class StatusChange(Base):  # 人事异动: dated history, the employee as of any date (append-only by convention)
    __tablename__ = "hr_status_change"
    __table_args__ = (Index("ix_hr_status_change_emp", "company_id", "employee_id", "effective_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    kind: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[str | None] = mapped_column(String(100), nullable=True)
    from_department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 调岗: where they came from
    from_position: Mapped[str | None] = mapped_column(String(100), nullable=True)
    remarks: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class SalaryStructure(Base):  # 薪资结构: an employee's fixed monthly items, dated (a new row = 调薪, history kept)
    __tablename__ = "hr_salary_structure"
    __table_args__ = (UniqueConstraint("company_id", "employee_id", "item_code", "effective_from",
                                       name="uq_hr_salary_structure_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
