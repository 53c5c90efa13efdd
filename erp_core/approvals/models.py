"""Approval rules (data) and approval requests (one per matched rule and submission round).

A rule: for a company and a document type (any subject code: "purchase_order", later "customer_credit",
"payroll_run"...), a condition (``always``, ``amount_above`` X, ``partner_new``, ``price_above_last_by_pct`` N),
an approver (a role, or one named user), and a level: level 1 decides first, level 2 only after every level-1
request of the round is approved, and so on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Quantity, UtcDateTime

CONDITIONS = ("always", "amount_above", "partner_new", "price_above_last_by_pct",
              "credit_exceeded", "discount_over_limit", "below_floor_price")  # the last three: sales orders
NEEDS_THRESHOLD = ("amount_above", "price_above_last_by_pct")
# pending: waiting for its approver; approved / rejected: decided; withdrawn: the document changed or was
# resubmitted; closed: another request of its round was rejected.
REQUEST_STATES = ("pending", "approved", "rejected", "withdrawn", "closed")
MAX_LEVEL = 9


class ApprovalRule(Versioned, Base):  # 审批规则
    __tablename__ = "approval_rule"
    __table_args__ = (Index("ix_approval_rule_company_id_doc_type", "company_id", "doc_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    approver_role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id"), nullable=True)
    approver_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class ApprovalRequest(Versioned, Base):  # 审批请求
    __tablename__ = "approval_request"
    __table_args__ = (Index("ix_approval_request_company_id_doc_type_doc_id", "company_id", "doc_type", "doc_id"),
                      Index("ix_approval_request_company_id_status", "company_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_id: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[int] = mapped_column(ForeignKey("approval_rule.id"))
    condition: Mapped[str] = mapped_column(String(30))  # copied from the rule: what it was asked for
    approver_role_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approver_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    summary: Mapped[str] = mapped_column(String(200), default="")  # what the approver sees in the inbox
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the document's creator
    submitted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_at: Mapped[dt.datetime] = utc_column()
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    comment: Mapped[str] = mapped_column(String(500), default="")
