"""Bank reconciliation (银行对账): imported statement lines of a bank ledger account and their matches to gl_line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import Money


class BankStatement(Base):  # 银行对账单 (one imported file)
    __tablename__ = "bank_statement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[dt.datetime] = utc_column()


class BankStatementLine(Base):  # 对账单行: amount > 0 money in (bank credit to us), < 0 money out
    __tablename__ = "bank_statement_line"
    __table_args__ = (Index("ix_bank_statement_line_company_id_account_id", "company_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    row_no: Mapped[int] = mapped_column(Integer)
    line_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(80), default="")
    amount: Mapped[Decimal] = mapped_column(Money())
    balance: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)


class BankMatch(Base):  # 勾对: one statement line <-> one ledger line
    __tablename__ = "bank_match"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    statement_line_id: Mapped[int] = mapped_column(ForeignKey("bank_statement_line.id"), unique=True)
    gl_line_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                            ForeignKey("gl_line.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    matched_by: Mapped[str] = mapped_column(String(64), default="")
    matched_at: Mapped[dt.datetime] = utc_column()
