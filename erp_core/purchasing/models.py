"""Tables of the purchasing documents (headers and lines from the kernel's mixins, plus their own columns) and
the company's purchasing settings.

- purchase_order / _line        采购订单: prices incl. or excl. VAT (header flag), tax rate per line from the
                                product's tax_rate_code on the order date; net (excl. VAT) price and amounts kept
- purchase_receipt / _line      采购入库单: each line names the order line it receives (lines of several orders
                                of one supplier); discrepancy (short / over / damaged) and its reason per line
- purchase_invoice / _line      采购发票: the supplier's invoice number, VAT special (专票) or ordinary (普票),
                                each line matched to a receipt line; ``red`` marks a red invoice (红字发票)
- purchase_return / _line       采购退货: goods sent back against receipt lines, valued at the receipt cost
- purchase_setting              over-receipt tolerance % and the invoice method (单到回冲 / 单到补差)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned
from erp_core.db.types import Money, Quantity, ScaledDecimal
from erp_core.documents.models import DocumentHeader, DocumentLine

ZERO = Decimal(0)
RATE_SCALE = 6
DISCREPANCIES = ("", "short", "over", "damaged")  # 短收 / 超收 / 破损
VAT_KINDS = ("special", "ordinary")  # 增值税专用发票 (input VAT deductible) / 普通发票 (VAT into cost)
INVOICE_METHODS = ("reverse", "difference")  # 单到回冲 / 单到补差


class PurchaseOrder(DocumentHeader, Base):  # 采购订单
    __tablename__ = "purchase_order"
    __document_line__ = "PurchaseOrderLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)

    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False)  # 含税价
    delivery_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # 交货日期
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class PurchaseOrderLine(DocumentLine, Base):
    __tablename__ = "purchase_order_line"
    __document_header__ = "PurchaseOrder"
    __header_table__ = "purchase_order"

    tax_rate_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    net_price: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # unit price excl. VAT (6 decimals)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class PurchaseReceipt(DocumentHeader, Base):  # 采购入库单
    __tablename__ = "purchase_receipt"
    __document_line__ = "PurchaseReceiptLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)


class PurchaseReceiptLine(DocumentLine, Base):
    __tablename__ = "purchase_receipt_line"
    __document_header__ = "PurchaseReceipt"
    __header_table__ = "purchase_receipt"

    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"), nullable=True,
                                                      index=True)
    discrepancy: Mapped[str] = mapped_column(String(10), default="")
    discrepancy_reason: Mapped[str] = mapped_column(String(200), default="")


class PurchaseInvoice(DocumentHeader, Base):  # 采购发票
    __tablename__ = "purchase_invoice"
    __document_line__ = "PurchaseInvoiceLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)

    invoice_no: Mapped[str] = mapped_column(String(40), default="")  # the supplier's invoice number
    vat_kind: Mapped[str] = mapped_column(String(10), default="special")
    red: Mapped[bool] = mapped_column(Boolean, default=False)  # 红字发票: posts the negation
    net_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class PurchaseInvoiceLine(DocumentLine, Base):
    __tablename__ = "purchase_invoice_line"
    __document_header__ = "PurchaseInvoice"
    __header_table__ = "purchase_invoice"

    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_receipt_line.id"), nullable=True,
                                                        index=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class PurchaseReturn(DocumentHeader, Base):  # 采购退货
    __tablename__ = "purchase_return"
    __document_line__ = "PurchaseReturnLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)


class PurchaseReturnLine(DocumentLine, Base):
    __tablename__ = "purchase_return_line"
    __document_header__ = "PurchaseReturn"
    __header_table__ = "purchase_return"

    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_receipt_line.id"), nullable=True,
                                                        index=True)


class PurchaseSetting(Versioned, Base):  # 采购设置 (one row per company; defaults when absent)
    __tablename__ = "purchase_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    over_receipt_pct: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)  # 超收容差 %
    invoice_method: Mapped[str] = mapped_column(String(12), default="reverse")
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
