"""Company and organisation tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column

ACCOUNTING_STANDARDS = ("small_business", "enterprise")  # 小企业会计准则 / 企业会计准则
DATE_FORMATS = ("YYYY-MM-DD", "YYYY/MM/DD", "YYYY年MM月DD日", "DD/MM/YYYY", "MM/DD/YYYY")
NUMBER_FORMATS = ("1,234.56", "1234.56", "1 234,56", "1.234,56")


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
    # Company settings (revision 0003). ``name`` is the legal name (法定名称).
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    date_format: Mapped[str] = mapped_column(String(20), default=DATE_FORMATS[0],
                                             server_default=DATE_FORMATS[0])
    number_format: Mapped[str] = mapped_column(String(20), default=NUMBER_FORMATS[0],
                                               server_default=NUMBER_FORMATS[0])


class CompanyBankAccount(Versioned, Base):  # 公司银行账户
    __tablename__ = "company_bank_account"
    __table_args__ = (UniqueConstraint("company_id", "account_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(200))  # 开户行
    account_number: Mapped[str] = mapped_column(String(40))  # 账号
    account_name: Mapped[str] = mapped_column(String(200))  # 户名
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # The ledger account (e.g. 100201) this bank account posts to; linked later by finance.
    account_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


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
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # revision 0003
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
