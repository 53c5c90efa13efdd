"""Pending major changes (待审批变更) and the company's switches for them, plus suppliers' bank accounts (供应商银行
账户: where payments go, so a change is a classic fraud route and waits for approval)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import UtcDateTime

# kind -> on by default? (bank accounts and reopening a period: on; credit limits and role permissions: off)
CHANGE_KINDS = {"supplier_bank": True, "customer_credit": False, "role_grants": False, "period_reopen": True}
# pending: waiting for approval; applied: approved and in effect; rejected: an approver said no; failed: approved
# but could no longer be applied (the subject changed meanwhile: the reason is kept)
CHANGE_STATES = ("pending", "applied", "rejected", "failed")


class ChangeSetting(Versioned, Base):  # 重大变更审批设置: one row per company and kind once changed
    __tablename__ = "change_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class ChangeRequest(Versioned, Base):  # 待审批变更
    __tablename__ = "change_request"
    __table_args__ = (Index("ix_change_request_company_id_status", "company_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(40))  # supplier / customer / role id, or the period
    payload: Mapped[str] = mapped_column(Text)  # JSON: what will be applied
    summary: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requested_by_name: Mapped[str] = mapped_column(String(64), default="")
    requested_at: Mapped[dt.datetime] = utc_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(500), default="")


class SupplierBankAccount(Versioned, Base):  # 供应商银行账户
    __tablename__ = "supplier_bank_account"
    __table_args__ = (Index("ix_supplier_bank_account_company_id_supplier_id", "company_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    bank_name: Mapped[str] = mapped_column(String(200))  # 开户行
    account_number: Mapped[str] = mapped_column(String(40))  # 账号
    account_name: Mapped[str] = mapped_column(String(200))  # 户名
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = utc_column()
