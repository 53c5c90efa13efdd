"""Tables of settlement (核销) and of the two documents this package declares.

- ``settlement``  one row per amount set against one open item (append-only; a reversal is a negated row that
                  names the row it reverses). The open amount of an item is its amount minus the sum of its rows.
- ``payment`` / ``payment_line``  付款单: each line pays one open item (``item_type`` / ``item_id``) or, with no
                  item, is a prepayment (预付). The header names the bank or cash account paid from.
- ``prepay_apply`` / ``prepay_apply_line``  预付冲应付: each line applies part of a prepayment (an open item of
                  kind "prepayment", i.e. a payment's prepaid part) to an open invoice of the same supplier.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import Money
from erp_core.documents.models import DocumentHeader, DocumentLine

# Kinds of open item: what a supplier is owed (payable), what was paid ahead to a supplier (prepayment); the
# sales side adds receivable and advance (预收) with the same rows.
KINDS = ("payable", "prepayment", "receivable", "advance")


class Settlement(Base):  # 核销记录 (append-only: database triggers refuse UPDATE and DELETE)
    __tablename__ = "settlement"
    __table_args__ = (Index("ix_settlement_item", "company_id", "item_type", "item_id"),
                      Index("ix_settlement_source", "company_id", "source_type", "source_id"),
                      Index("ix_settlement_partner", "company_id", "kind", "partner_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    kind: Mapped[str] = mapped_column(String(12))  # the open item's kind (KINDS)
    partner_id: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(40))  # the open item: a document type code and id
    item_id: Mapped[int] = mapped_column(Integer)
    item_number: Mapped[str] = mapped_column(String(40))
    source_type: Mapped[str] = mapped_column(String(40))  # what settled it: a payment, an application, a red copy
    source_id: Mapped[int] = mapped_column(Integer)
    source_number: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money())  # same sign as the item's amount; reduces what is open
    settle_date: Mapped[dt.date] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the row this one gives back
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class Payment(DocumentHeader, Base):  # 付款单
    __tablename__ = "payment"
    __document_line__ = "PaymentLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    account_code: Mapped[str] = mapped_column(String(40), default="")  # 付款账户: a 1001/1002 account


class PaymentLine(DocumentLine, Base):
    __tablename__ = "payment_line"
    __document_header__ = "Payment"
    __header_table__ = "payment"

    item_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: prepayment (预付)
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PrepaymentApplication(DocumentHeader, Base):  # 预付冲应付
    __tablename__ = "prepay_apply"
    __document_line__ = "PrepaymentApplicationLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)


class PrepaymentApplicationLine(DocumentLine, Base):
    __tablename__ = "prepay_apply_line"
    __document_header__ = "PrepaymentApplication"
    __header_table__ = "prepay_apply"

    item_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the invoice the prepayment pays
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prepayment_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the payment prepaid from
    prepayment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
