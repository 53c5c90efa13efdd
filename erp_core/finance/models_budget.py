"""Budgets (预算): an amount per account x department (x project) x month, with a control mode."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned
from erp_core.db.types import Money

BUDGET_CONTROLS = ("none", "warn", "block")


class Budget(Versioned, Base):  # 预算
    __tablename__ = "budget"
    __table_args__ = (Index("ix_budget_company_id_period", "company_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)  # covers its sub-accounts too
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: every department
    project_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: every project
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    control: Mapped[str] = mapped_column(String(10), default="warn")  # none | warn | block
    note: Mapped[str] = mapped_column(String(200), default="")


# The posting-time control (budget_check.check_voucher) is built into posting: erp_core/ledger/hooks.py.
