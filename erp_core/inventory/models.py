"""The stock ledger (库存台账): stock_posting (one per idempotency key) and stock_move (APPEND-ONLY).

stock_move is written only by erp_core.inventory.posting; database triggers (migration 0008) refuse UPDATE and
DELETE of both tables on every backend. A correction is a new move (an adjustment), never an edit.

quantity is signed (+ into the warehouse, - out of it); unit_cost is exact to 6 decimals and never negative;
amount = quantity x unit_cost rounded ROUND_HALF_UP to the fen (so it carries the sign of the quantity). The
value on hand is the sum of amounts, the quantity on hand the sum of quantities.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money, Quantity

# opening: 期初 (now, from the opening-stock import). Documented for the inventory module that posts through
# the same API: receipt 入库, issue 出库, transfer_in / transfer_out 调拨入 / 调拨出, adjustment 盘点调整.
# revaluation 价值调整: quantity 0, only a value (a purchase price variance, a costing run's correction of the
# issues it values, a recomputation after a backdated document); its amount is given, not quantity x cost.
MOVE_TYPES = ("opening", "receipt", "issue", "transfer_in", "transfer_out", "adjustment", "revaluation")
INBOUND = ("opening", "receipt", "transfer_in")  # quantity > 0
OUTBOUND = ("issue", "transfer_out")  # quantity < 0; adjustment either sign (never zero)
VALUE_ONLY = ("revaluation",)  # quantity 0, unit cost 0, amount given (either sign, never zero)


class StockPosting(Base):  # 库存过账记录: one per posting key (idempotency), like ledger Posting
    __tablename__ = "stock_posting"
    __table_args__ = (UniqueConstraint("company_id", "posting_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    posting_key: Mapped[str] = mapped_column(String(120))
    content_hash: Mapped[str] = mapped_column(String(64))
    move_date: Mapped[dt.date] = mapped_column(Date)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    move_count: Mapped[int] = mapped_column(Integer)
    posted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[dt.datetime] = utc_column()


class StockMove(Base):  # 库存台账 (append-only)
    __tablename__ = "stock_move"
    __table_args__ = (UniqueConstraint("company_id", "move_seq"),
                      # with move_date: the negative-stock rule reads one product's days from a date on
                      # covering (migration 0037): stock on hand sums the index alone
                      Index("ix_stock_move_balance", "company_id", "warehouse_id", "product_id", "move_date",
                            "quantity", "amount"),
                      Index("ix_stock_move_company_id_product_id", "company_id", "product_id"),
                      Index("ix_stock_move_company_id_move_date", "company_id", "move_date"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    move_seq: Mapped[int] = mapped_column(BigInteger)  # gap-free per company (doc_sequence "stock_move_seq")
    posting_id: Mapped[int] = mapped_column(ForeignKey("stock_posting.id"), index=True)
    posting_key: Mapped[str] = mapped_column(String(120))
    move_date: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse_location.id"), nullable=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(Quantity())
    amount: Mapped[Decimal] = mapped_column(Money())
    move_type: Mapped[str] = mapped_column(String(20))
    source_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    posted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_at: Mapped[dt.datetime] = utc_column()


class InventorySetting(Versioned, Base):  # 库存参数 (one row per company; no row = the defaults)
    """allow_negative_stock (是否允许负库存): False (default) -> post_stock_moves refuses any outbound move that
    would take a product's quantity in a warehouse below zero (as of the move date, or at the end of the
    ledger); True -> it is posted and the caller gets a warning for it."""

    __tablename__ = "inventory_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
