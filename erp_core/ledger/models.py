"""General-ledger tables: accounting periods, postings (idempotency records) and gl_line (APPEND-ONLY).

gl_line is written only by erp_core.ledger.posting; database triggers (migration 0005) refuse UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import Money, UtcDateTime

PERIOD_STATES = ("open", "closed")


class AccountingPeriod(Base):  # 会计期间
    __tablename__ = "accounting_period"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Posting(Base):  # 过账记录: one per posted voucher, keyed for idempotency
    __tablename__ = "posting"
    __table_args__ = (UniqueConstraint("company_id", "posting_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    posting_key: Mapped[str] = mapped_column(String(120))
    content_hash: Mapped[str] = mapped_column(String(64))
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"), index=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)
    posted_at: Mapped[dt.datetime] = utc_column()


class GlLine(Base):  # 总账分录 (append-only)
    __tablename__ = "gl_line"
    __table_args__ = (UniqueConstraint("company_id", "posting_seq"),
                      # covering: a trial balance (and a backup's figures) sums the index alone (migration 0037)
                      Index("ix_gl_line_account_balance", "company_id", "account_id", "period", "account_code",
                            "debit", "credit"),
                      Index("ix_gl_line_company_id_period", "company_id", "period"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    posting_seq: Mapped[int] = mapped_column(BigInteger)  # gap-free per company; analytics syncs by it
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    posting_date: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    account_code: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(200), default="")
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    project_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    supplier_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    employee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    product_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[dt.datetime] = utc_column()
