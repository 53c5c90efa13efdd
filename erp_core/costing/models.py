"""Costing tables: account_rule (科目设置), costing_run (成本计算 records) and cost_correction (which outbound
stock move each revaluation move corrects; only ever appended, like the stock ledger it annotates).

account_rule: the account ``role`` posts to for a product category (and its sub-categories), a warehouse, a
partner (supplier or customer), or any combination; empty criteria match everything. The most specific rule
wins (see erp_core/costing/rules.py for the precedence).

cost_correction: one row per revaluation move written by the costing run or by the recomputation after a
backdated posting: ``target_move_id`` is the outbound move (issue, transfer_out, negative adjustment) or the
transfer_in whose value it changes; the effective amount of a move is its own amount plus its corrections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money

PARTNER_KINDS = ("supplier", "customer")


class AccountRule(Versioned, Base):  # 科目设置规则
    __tablename__ = "account_rule"
    __table_args__ = (UniqueConstraint("company_id", "role", "category_id", "warehouse_id", "partner_kind",
                                       "partner_id", name="uq_account_rule_criteria"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"), nullable=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), nullable=True)
    partner_kind: Mapped[str | None] = mapped_column(String(10), nullable=True)  # supplier | customer
    partner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    account_code: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = utc_column()


class CostingRun(Base):  # 成本计算记录
    __tablename__ = "costing_run"
    __table_args__ = (Index("ix_costing_run_company_id_period", "company_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    period: Mapped[str] = mapped_column(String(7))
    last_move_seq: Mapped[int] = mapped_column(BigInteger)  # the last stock move (dated in or before) covered
    move_count: Mapped[int] = mapped_column(BigInteger)  # moves dated in or before the period, after the run
    inputs_hash: Mapped[str] = mapped_column(String(64))  # "<last seq>/<count>" of the input before the run
    corrections: Mapped[int] = mapped_column(Integer)  # revaluation moves written
    amount: Mapped[Decimal] = mapped_column(Money())  # net change of the stock value
    voucher_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stock_posting_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_by_name: Mapped[str] = mapped_column(String(64), default="")
    run_at: Mapped[dt.datetime] = utc_column()


class CostCorrection(Base):  # 成本调整明细 (append-only)
    __tablename__ = "cost_correction"
    __table_args__ = (UniqueConstraint("company_id", "revaluation_move_id"),
                      Index("ix_cost_correction_company_id_target_move_id", "company_id", "target_move_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    target_move_id: Mapped[int] = mapped_column(BigInteger)
    revaluation_move_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Money())  # change of the target's amount (signed, like stock_move)
    account_code: Mapped[str] = mapped_column(String(40))  # the counter account (expense or the other stock)
    origin: Mapped[str] = mapped_column(String(10))  # run | recompute
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    voucher_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    move_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = utc_column()
