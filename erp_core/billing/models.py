"""Tables of billing (the open-item rows themselves live in erp_core/settlement: ``settlement``).

- ``sales_invoice`` / ``_line``  销售发票: VAT special (专票) or ordinary (普票), the fapiao number, a due date from
                                 the customer's payment terms; each line names its source (a delivery line, an
                                 order line, or none for a free line); ``red`` marks a red invoice (红字发票),
                                 ``advance`` on a line: invoiced before delivery (revenue deferred on 预收 2203)
- ``receipt`` / ``receipt_line`` 收款单: each line settles one open receivable (cash amount + cash discount
                                 现金折扣 + write-off 坏账) or, without an item, is received in advance (预收)
- ``advance_apply`` / ``_line``  预收冲应收: an advance receipt applied to an open invoice of the same customer
- ``arap_offset`` / ``_line``    应收冲应付: a customer's receivable set against the payable of the same partner
                                 as a supplier
- ``revenue_recognition`` / ``_line``  收入确认: goods invoiced before delivery (on 预收) delivered now: Dr 预收 /
                                 Cr revenue for the delivered quantity at the invoice's net price
- ``fapiao_record``              发票登记簿: issued fapiao numbers (entered with an invoice, or imported from the
                                 tax-control export)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import Money, ScaledDecimal
from erp_core.documents.models import DocumentHeader, DocumentLine

ZERO = Decimal(0)
RATE_SCALE = 6
VAT_KINDS = ("special", "ordinary")  # 增值税专用发票 / 普通发票


class SalesInvoice(DocumentHeader, Base):  # 销售发票
    __tablename__ = "sales_invoice"
    __document_line__ = "SalesInvoiceLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)
    invoice_no: Mapped[str] = mapped_column(String(40), default="")  # 发票号码 (fapiao number)
    vat_kind: Mapped[str] = mapped_column(String(10), default="special")
    red: Mapped[bool] = mapped_column(Boolean, default=False)  # 红字发票
    red_reason: Mapped[str] = mapped_column(String(200), default="")
    original_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the invoice a red invoice corrects
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    net_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesInvoiceLine(DocumentLine, Base):
    __tablename__ = "sales_invoice_line"
    __document_header__ = "SalesInvoice"
    __header_table__ = "sales_invoice"

    source_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # sales_delivery / sales_order
    source_line_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    advance: Mapped[bool] = mapped_column(Boolean, default=False)  # invoiced before delivery: Cr 预收, not revenue


class Receipt(DocumentHeader, Base):  # 收款单
    __tablename__ = "receipt"
    __document_line__ = "ReceiptLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)
    account_code: Mapped[str] = mapped_column(String(40), default="")  # 收款账户: a 1001/1002 account


class ReceiptLine(DocumentLine, Base):
    __tablename__ = "receipt_line"
    __document_header__ = "Receipt"
    __header_table__ = "receipt"

    item_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: received in advance (预收)
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    discount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # 现金折扣 allowed (settles, no cash)
    writeoff: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # 坏账 written off (settles, no cash)


class AdvanceApplication(DocumentHeader, Base):  # 预收冲应收
    __tablename__ = "advance_apply"
    __document_line__ = "AdvanceApplicationLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)


class AdvanceApplicationLine(DocumentLine, Base):
    __tablename__ = "advance_apply_line"
    __document_header__ = "AdvanceApplication"
    __header_table__ = "advance_apply"

    item_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the invoice
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    advance_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the receipt received from
    advance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ArApOffset(DocumentHeader, Base):  # 应收冲应付 (partner_id: the customer)
    __tablename__ = "arap_offset"
    __document_line__ = "ArApOffsetLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    supplier_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ArApOffsetLine(DocumentLine, Base):
    __tablename__ = "arap_offset_line"
    __document_header__ = "ArApOffset"
    __header_table__ = "arap_offset"

    item_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the receivable
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payable_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the payable
    payable_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RevenueRecognition(DocumentHeader, Base):  # 收入确认 (goods invoiced before delivery, now delivered)
    __tablename__ = "revenue_recognition"
    __document_line__ = "RevenueRecognitionLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)


class RevenueRecognitionLine(DocumentLine, Base):
    __tablename__ = "revenue_recognition_line"
    __document_header__ = "RevenueRecognition"
    __header_table__ = "revenue_recognition"

    invoice_line_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the advance invoice line
    delivery_line_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class FapiaoRecord(Base):  # 发票登记簿 (issued fapiao numbers)
    __tablename__ = "fapiao_record"
    __table_args__ = (UniqueConstraint("company_id", "fapiao_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    fapiao_no: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_tax_id: Mapped[str] = mapped_column(String(20), default="")
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # 金额 (excl. VAT)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # 税额
    invoice_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # the sales invoice
    origin: Mapped[str] = mapped_column(String(10), default="entered")  # entered / imported
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
