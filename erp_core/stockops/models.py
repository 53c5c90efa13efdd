"""Tables of the inventory documents. Each is a kernel document (erp_core/documents/models mixins): header + lines,
numbered per type and period, frozen once posted, reversed by a red copy.

- other_receipt 其他入库单: reason, the counter account (credit) chosen on the document (else account_for
  "other_receipt"); lines carry the unit cost the goods come in at (unit_price).
- other_issue 其他出库单 (e.g. 领用): reason, the expense account (debit) chosen on the document (else account_for
  "other_issue"), department / project dimensions (header mixin columns); lines valued at the issue cost.
- stock_transfer 调拨单: from warehouse (header warehouse_id) and location, to warehouse and location.
- stocktake 盘点单: the book quantities frozen at ``as_of`` per location and product (book_qty, never changed
  after), the counted quantity per line, the unit cost of the adjustment; posting writes the variances as
  'adjustment' moves against 1901 (account_for "stock_pending").
- stocktake_writeoff 盘点损溢处理单: clears 1901 of one posted stocktake to stock_loss / stock_gain, after approval.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base
from erp_core.db.types import Money, Quantity
from erp_core.documents.models import DocumentHeader, DocumentLine


class OtherReceipt(DocumentHeader, Base):  # 其他入库单
    __tablename__ = "other_receipt"
    __document_line__ = "OtherReceiptLine"

    reason: Mapped[str] = mapped_column(String(100), default="")
    counter_account: Mapped[str | None] = mapped_column(String(40), nullable=True)


class OtherReceiptLine(DocumentLine, Base):
    __tablename__ = "other_receipt_line"
    __document_header__ = "OtherReceipt"
    __header_table__ = "other_receipt"

    location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OtherIssue(DocumentHeader, Base):  # 其他出库单 / 领用单
    __tablename__ = "other_issue"
    __document_line__ = "OtherIssueLine"

    reason: Mapped[str] = mapped_column(String(100), default="")
    expense_account: Mapped[str | None] = mapped_column(String(40), nullable=True)


class OtherIssueLine(DocumentLine, Base):
    __tablename__ = "other_issue_line"
    __document_header__ = "OtherIssue"
    __header_table__ = "other_issue"

    location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StockTransfer(DocumentHeader, Base):  # 调拨单 (warehouse_id = from)
    __tablename__ = "stock_transfer"
    __document_line__ = "StockTransferLine"
    __table_args__ = (UniqueConstraint("company_id", "number"), UniqueConstraint("company_id", "source_ref"))

    source_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the number in an imported file
    from_location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_warehouse_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StockTransferLine(DocumentLine, Base):
    __tablename__ = "stock_transfer_line"
    __document_header__ = "StockTransfer"
    __header_table__ = "stock_transfer"


class Stocktake(DocumentHeader, Base):  # 盘点单 (warehouse_id = the warehouse counted)
    __tablename__ = "stocktake"
    __document_line__ = "StocktakeLine"
    __table_args__ = (UniqueConstraint("company_id", "number"), UniqueConstraint("company_id", "source_ref"))

    source_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the number in an imported file
    # the book quantities are those after every move up to this day (None on a red copy)
    as_of: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # only this location (None = all)
    category_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # only this category (None = all)


class StocktakeLine(DocumentLine, Base):
    """ordered_qty is unused (0); book_qty is frozen when the stocktake starts; counted_qty None = not counted."""

    __tablename__ = "stocktake_line"
    __document_header__ = "Stocktake"
    __header_table__ = "stocktake"

    location_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    book_qty: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal(0))
    book_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    counted_qty: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)


class StocktakeWriteoff(DocumentHeader, Base):  # 盘点损溢处理单
    __tablename__ = "stocktake_writeoff"
    __document_line__ = "StocktakeWriteoffLine"

    # the stocktake it clears (None on a red copy); one standing write-off per stocktake (create_writeoff, under
    # the stocktake's row lock)
    stocktake_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    gain_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # 盘盈 (Dr 1901 / Cr stock_gain)
    loss_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # 盘亏 (Dr stock_loss / Cr 1901)


class StocktakeWriteoffLine(DocumentLine, Base):
    """One line per variance of the stocktake: ordered_qty = |variance|, unit_price = its unit cost, amount =
    |adjustment amount|; direction 'gain' or 'loss'."""

    __tablename__ = "stocktake_writeoff_line"
    __document_header__ = "StocktakeWriteoff"
    __header_table__ = "stocktake_writeoff"

    direction: Mapped[str] = mapped_column(String(4), default="loss")
