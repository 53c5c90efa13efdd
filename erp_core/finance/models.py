"""Chart of accounts, voucher documents and the company's finance settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money, UtcDateTime

ACCOUNT_CATEGORIES = ("asset", "liability", "common", "equity", "cost", "profit_loss")
DIRECTIONS = ("debit", "credit")
AUX_DIMENSIONS = ("customer", "supplier", "department", "project", "employee", "product")

VOUCHER_TYPES_SINGLE = ("记",)
VOUCHER_TYPES_SPLIT = ("收", "付", "转")
VOUCHER_TYPES = VOUCHER_TYPES_SINGLE + VOUCHER_TYPES_SPLIT
VOUCHER_STATES = ("draft", "reviewed", "posted")


def voucher_display_no(voucher_type: str | None, number: int | None) -> str:
    """The one way a voucher number is shown (lists, ledgers, reports, print, bank reconciliation): 记-0001."""
    return f"{voucher_type or ''}-{number:04d}" if number is not None else f"{voucher_type or ''}-?"


def voucher_display_no_sql(type_column: str, number_column: str) -> str:
    """The same format as a DuckDB / SQL expression over two columns (analytics reports)."""
    return (f"coalesce(printf('%s-%04d', {type_column}, {number_column}), "
            f"coalesce({type_column}, '') || '-?')")


class FinanceSetting(Versioned, Base):  # 财务设置 (one row per company)
    __tablename__ = "finance_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    # 'single': every voucher is 记; 'split': 收 / 付 / 转 (receipts, payments, transfers)
    voucher_type_mode: Mapped[str] = mapped_column(String(10), default="single")
    code_scheme: Mapped[str] = mapped_column(String(20), default="4-2-2")  # digits per account level
    # 增值税纳税人类型: 'general' (一般纳税人, 2221 sub-accounts, VAT transfer at close) or 'small'
    # (小规模纳税人, VAT owed straight to 应交税费—应交增值税 at the levy rate)
    taxpayer_type: Mapped[str] = mapped_column(String(10), default="general", server_default="general")
    # Revision 0010. An administrator's audited switch (admin.finance.import_posting): an import may post its
    # vouchers without a second person's review (a migration of books already reviewed elsewhere). Off: imports
    # write drafts that another user reviews and posts.
    import_posting_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The date of the company's posted opening balances (期初余额): no voucher is dated before it. Set by posting.
    books_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    def voucher_types(self) -> tuple[str, ...]:
        return VOUCHER_TYPES_SPLIT if self.voucher_type_mode == "split" else VOUCHER_TYPES_SINGLE


def split_aux(aux: str | None) -> list[str]:
    """An account's auxiliary dimensions as stored ("customer,department") -> ["customer", "department"]."""
    return [a for a in (aux or "").split(",") if a]


class Account(Versioned, Base):  # 会计科目
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))  # Chinese name
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    category: Mapped[str] = mapped_column(String(20))  # ACCOUNT_CATEGORIES
    direction: Mapped[str] = mapped_column(String(6))  # normal balance side: debit | credit
    is_leaf: Mapped[bool] = mapped_column(default=True)
    aux: Mapped[str] = mapped_column(String(200), default="")  # required dimensions, comma-separated
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | frozen

    def aux_list(self) -> list[str]:
        return split_aux(self.aux)

    def label(self, locale: str = "zh_CN") -> str:
        name = self.name_en if locale == "en" and self.name_en else self.name
        return f"{self.code} {name}"


class Voucher(Versioned, Base):  # 记账凭证
    __tablename__ = "voucher"
    __table_args__ = (UniqueConstraint("company_id", "voucher_type", "period", "number"),
                      UniqueConstraint("reverses_id"),
                      Index("ix_voucher_company_id_period", "company_id", "period"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    voucher_type: Mapped[str] = mapped_column(String(2))  # 记 | 收 | 付 | 转
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    number: Mapped[int] = mapped_column(Integer)  # per type per period
    voucher_date: Mapped[dt.date] = mapped_column(Date)
    attachments: Mapped[int] = mapped_column(Integer, default=0)  # 附单据张数
    status: Mapped[str] = mapped_column(String(10), default="draft")
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # sum of debits (== sum of credits)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | import | reversal | system
    external_ref: Mapped[str | None] = mapped_column(String(80), nullable=True)  # e.g. the imported voucher_no
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = utc_column()
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    posted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    lines: Mapped[list[VoucherLine]] = relationship(back_populates="voucher", order_by="VoucherLine.line_no",
                                                    cascade="all, delete-orphan")

    @property
    def display_no(self) -> str:
        return voucher_display_no(self.voucher_type, self.number)


class VoucherLine(Base):  # 凭证分录
    __tablename__ = "voucher_line"
    __table_args__ = (UniqueConstraint("voucher_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own: the (voucher_id, line_no) unique constraint leads with it (migration 0009).
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(200), default="")  # 摘要
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    project_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    supplier_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    employee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    product_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    voucher: Mapped[Voucher] = relationship(back_populates="lines")
