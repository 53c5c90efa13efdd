"""Tables of the sales documents (headers and lines from the document kernel's mixins, plus their own columns),
the customers' commercial terms, price lists and the company's sales settings.

- sales_customer_term           per customer: default warehouse, price list, salesperson employee (the credit limit,
                                payment terms (账期) and salesperson user stay on ``customer`` — one place each)
- sales_price_list / sales_price 价目表: standard (customer_id NULL) or one customer's; validity dates; a price per
                                product and minimum quantity (quantity breaks), with an optional floor price (最低价)
- sales_quotation / _line       报价单: prices from the price list, discount, tax per line, valid until
- sales_order / _line           销售订单: as the quotation, plus the reserved quantity per line (预留) and the
                                delivery date; lines track delivered (the kernel's received_qty), invoiced, returned
- sales_delivery / _line        发货单 / 销售出库单: each line names the order line it ships (lines of several
                                orders of one customer); ship date (doc_date), carrier, method, tracking number,
                                consignee; cost of the issue per line; lines track invoiced and returned
- sales_return / _line          销售退货单 (red delivery): goods back in against delivery lines at the delivery's cost,
                                with the reason; lines track invoiced (a red invoice built from it)
- sales_setting                 discount limit %, credit control (block / approval / off), over-reservation allowed
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money, Quantity, ScaledDecimal
from erp_core.documents.models import DocumentHeader, DocumentLine

ZERO = Decimal(0)
RATE_SCALE = 6
SHIPPING_METHODS = ("express", "freight", "pickup", "delivery")  # 快递 / 物流 / 自提 / 送货
CREDIT_CONTROLS = ("block", "approval", "off")  # over the limit: refused / needs an approval / not checked


class SalesCustomerTerm(Versioned, Base):  # 客户销售条款 (one row per customer; defaults when absent)
    __tablename__ = "sales_customer_term"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    default_warehouse_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_list_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    salesperson_employee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SalesPriceList(Versioned, Base):  # 价目表
    __tablename__ = "sales_price_list"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True, index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)  # 含税价 (the usual in China)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class SalesPrice(Base):  # 价目表明细: a price from a minimum quantity on (数量折扣)
    __tablename__ = "sales_price"
    __table_args__ = (UniqueConstraint("price_list_id", "product_id", "min_qty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("sales_price_list.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    min_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    price: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    floor_price: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)  # 最低限价


class _Priced:
    """Sales line columns shared by quotation and order lines (unit_price is the price as entered: incl. VAT when
    the header says so; net_price is always excl. VAT)."""

    tax_rate_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    list_price: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)  # from the price list
    floor_price: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    discount_pct: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)  # below the list price
    net_price: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class SalesQuotation(DocumentHeader, Base):  # 报价单
    __tablename__ = "sales_quotation"
    __document_line__ = "SalesQuotationLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    salesperson_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # app_user
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesQuotationLine(_Priced, DocumentLine, Base):
    __tablename__ = "sales_quotation_line"
    __document_header__ = "SalesQuotation"
    __header_table__ = "sales_quotation"


class SalesOrder(DocumentHeader, Base):  # 销售订单
    __tablename__ = "sales_order"
    __document_line__ = "SalesOrderLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)
    quotation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    salesperson_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # app_user
    consignee: Mapped[str] = mapped_column(String(100), default="")  # 收货人
    consignee_phone: Mapped[str] = mapped_column(String(40), default="")
    ship_address: Mapped[str] = mapped_column(String(300), default="")
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesOrderLine(_Priced, DocumentLine, Base):
    __tablename__ = "sales_order_line"
    __document_header__ = "SalesOrder"
    __header_table__ = "sales_order"
    __table_args__ = (Index("ix_sales_order_line_product_warehouse", "product_id", "warehouse_id"),)

    # 预留: set at confirm (the quantity held for this line in its warehouse); the open reservation is
    # max(reserved - (delivered - returned), 0) while the order is confirmed; released (set to what was
    # delivered) on cancel / close.
    reserved_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)


class SalesDelivery(DocumentHeader, Base):  # 发货单 / 销售出库单 (doc_date is the ship date)
    __tablename__ = "sales_delivery"
    __document_line__ = "SalesDeliveryLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)
    carrier: Mapped[str] = mapped_column(String(100), default="")  # 物流公司
    shipping_method: Mapped[str] = mapped_column(String(10), default="delivery")  # SHIPPING_METHODS
    tracking_no: Mapped[str] = mapped_column(String(60), default="")
    consignee: Mapped[str] = mapped_column(String(100), default="")
    consignee_phone: Mapped[str] = mapped_column(String(40), default="")
    ship_address: Mapped[str] = mapped_column(String(300), default="")
    salesperson_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesDeliveryLine(DocumentLine, Base):
    """unit_price / amount: the order line's net price and the net (excl. VAT) amount of the quantity shipped —
    what is to be invoiced; cost_price / cost_amount: the issue cost posted (on posting)."""

    __tablename__ = "sales_delivery_line"
    __document_header__ = "SalesDelivery"
    __header_table__ = "sales_delivery"

    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_line.id"), nullable=True, index=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_price: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    cost_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesReturn(DocumentHeader, Base):  # 销售退货单 (red delivery)
    __tablename__ = "sales_return"
    __document_line__ = "SalesReturnLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    reason: Mapped[str] = mapped_column(String(200), default="")
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesReturnLine(DocumentLine, Base):
    """unit_price / amount: the delivery line's net price and amount of what comes back (for a red invoice);
    cost_price / cost_amount: the original delivery's cost (goods come back in at it)."""

    __tablename__ = "sales_return_line"
    __document_header__ = "SalesReturn"
    __header_table__ = "sales_return"

    delivery_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_delivery_line.id"), nullable=True,
                                                         index=True)
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    cost_price: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    cost_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class SalesSetting(Versioned, Base):  # 销售设置 (one row per company; defaults when absent)
    __tablename__ = "sales_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    max_discount_pct: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=ZERO)  # 0 = no limit
    credit_control: Mapped[str] = mapped_column(String(10), default="block")
    allow_over_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
