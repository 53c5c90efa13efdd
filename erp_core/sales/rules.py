"""The sales rules every use case, check and page asks (no permission here: callers are use cases or queries).

- price_for          the price of a product for a customer, quantity and date (price lists)
- on_hand / reserved / available   per warehouse and product: available = on hand - open reservations
- exposure           a customer's open exposure: unpaid receivables + delivered not invoiced + confirmed not
                     delivered (each incl. VAT)
- order_checks       the facts of an order the approval rules and the confirm step look at
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select

from erp_core.inventory.models import StockMove
from erp_core.sales.models import (
    ZERO,
    SalesCustomerTerm,
    SalesDelivery,
    SalesDeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesPrice,
    SalesPriceList,
    SalesSetting,
)

CENT = Decimal("0.01")
UNIT = Decimal("0.000001")
OPEN_ORDER = ("confirmed",)


def _company(ctx: Any) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def setting(session: Any, company_id: int) -> SalesSetting:
    """The company's sales settings (an unsaved row with the defaults when none is stored)."""
    row = session.get(SalesSetting, company_id)
    return row if row is not None else SalesSetting(company_id=company_id, max_discount_pct=ZERO,
                                                    credit_control="block", allow_over_reserve=False)


def allow_over_reserve(session: Any, company_id: int) -> bool:
    """The setting's allow_over_reserve (kept across transactions: erp_core/db/master_cache.py)."""
    from erp_core.db.master_cache import kept

    return kept(session, "sales.allow_over_reserve", company_id,
                lambda: bool(setting(session, company_id).allow_over_reserve))


def terms(session: Any, customer_id: int | None) -> SalesCustomerTerm | None:
    return session.get(SalesCustomerTerm, customer_id) if customer_id else None


# --- prices -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Price:
    price: Decimal  # as the list states it (incl. VAT when prices_include_vat)
    prices_include_vat: bool
    floor_price: Decimal | None
    price_list_id: int
    min_qty: Decimal


def price_for(session: Any, company_id: int, customer_id: int | None, product_id: int, qty: Decimal,
              on_date: dt.date) -> Price | None:
    """The price of ``product_id`` for ``customer_id`` ordering ``qty`` on ``on_date``: among the active lists
    valid on the date, the customer's own lists first (the customer's term's list, then any list naming the
    customer), then the standard lists (no customer); in the first list that prices the product, the line with
    the largest minimum quantity <= qty (quantity breaks). None when no list prices it."""
    qty = Decimal(qty)
    lists = session.execute(select(SalesPriceList).where(
        SalesPriceList.company_id == company_id, SalesPriceList.active.is_(True),
        or_(SalesPriceList.valid_from.is_(None), SalesPriceList.valid_from <= on_date),
        or_(SalesPriceList.valid_to.is_(None), SalesPriceList.valid_to >= on_date),
        or_(SalesPriceList.customer_id.is_(None), SalesPriceList.customer_id == customer_id))).scalars().all()
    term = terms(session, customer_id)
    preferred = term.price_list_id if term is not None else None

    def rank(pl: SalesPriceList) -> tuple:
        own = 0 if pl.id == preferred else (1 if pl.customer_id is not None else 2)
        # a later start wins among lists of one rank (a new price list supersedes the old one)
        return (own, -(pl.valid_from or dt.date.min).toordinal(), -pl.id)

    for pl in sorted(lists, key=rank):
        row = session.execute(select(SalesPrice).where(
            SalesPrice.price_list_id == pl.id, SalesPrice.product_id == product_id, SalesPrice.min_qty <= qty)
            .order_by(SalesPrice.min_qty.desc()).limit(1)).scalar_one_or_none()
        if row is not None:
            return Price(row.price, pl.prices_include_vat, row.floor_price, pl.id, row.min_qty)
    return None


def to_net(price: Decimal, rate: Decimal, includes_vat: bool) -> Decimal:
    """A unit price excl. VAT (6 decimals) from a price incl. or excl. VAT at ``rate`` (0.13 = 13%)."""
    price = Decimal(price)
    return (price / (1 + rate)).quantize(UNIT, rounding=ROUND_HALF_UP) if includes_vat else price.quantize(UNIT)


# --- stock: on hand, reserved, available ----------------------------------------------------------------------

def on_hand(session: Any, company_id: int, warehouse_id: int, product_id: int) -> Decimal:
    q = session.execute(select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
        StockMove.company_id == company_id, StockMove.warehouse_id == warehouse_id,
        StockMove.product_id == product_id)).scalar_one()
    return Decimal(q)


def open_reservation(line: SalesOrderLine) -> Decimal:
    """What a line of a confirmed order still holds: reserved - (delivered - returned), not below 0."""
    left = (line.reserved_qty or ZERO) - ((line.received_qty or ZERO) - (line.returned_qty or ZERO))
    return left if left > 0 else ZERO


def reserved(session: Any, company_id: int, warehouse_id: int, product_id: int, *,
             exclude_order_id: int | None = None) -> Decimal:
    """The open reservations of every confirmed order's lines in ``warehouse_id`` for ``product_id``."""
    wh = func.coalesce(SalesOrderLine.warehouse_id, SalesOrder.warehouse_id)
    stmt = (select(SalesOrderLine.reserved_qty, SalesOrderLine.received_qty, SalesOrderLine.returned_qty)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.header_id)
            .where(SalesOrder.company_id == company_id, SalesOrder.status.in_(OPEN_ORDER),
                   SalesOrderLine.product_id == product_id, wh == warehouse_id, SalesOrderLine.reserved_qty > 0))
    if exclude_order_id is not None:
        stmt = stmt.where(SalesOrder.id != exclude_order_id)
    total = ZERO
    for r, d, ret in session.execute(stmt).all():
        left = (r or ZERO) - ((d or ZERO) - (ret or ZERO))
        if left > 0:
            total += left
    return total


@dataclass(frozen=True)
class Availability:
    warehouse_id: int
    product_id: int
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def availability(session: Any, company_id: int, warehouse_id: int, product_id: int, *,
                 exclude_order_id: int | None = None) -> Availability:
    return Availability(warehouse_id, product_id, on_hand(session, company_id, warehouse_id, product_id),
                        reserved(session, company_id, warehouse_id, product_id, exclude_order_id=exclude_order_id))


# --- credit: exposure -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exposure:
    receivables: Decimal  # unpaid receivable open items (sales invoices once billing posts them)
    delivered_not_invoiced: Decimal
    confirmed_not_delivered: Decimal

    @property
    def total(self) -> Decimal:
        return self.receivables + self.delivered_not_invoiced + self.confirmed_not_delivered


def _gross_share(gross: Decimal, ordered: Decimal, qty: Decimal) -> Decimal:
    if ordered <= 0 or qty <= 0:
        return ZERO
    return (Decimal(gross) * qty / ordered).quantize(CENT, rounding=ROUND_HALF_UP)


def exposure(session: Any, company_id: int, customer_id: int, *, exclude_order_id: int | None = None) -> Exposure:
    from erp_core.settlement.open_items import open_items

    recv = sum((i.open for i in open_items(session, company_id, kind="receivable", partner_id=customer_id)), ZERO)
    dni = ZERO
    for ordered, inv, ret, gross in session.execute(
            select(SalesDeliveryLine.ordered_qty, SalesDeliveryLine.invoiced_qty, SalesDeliveryLine.returned_qty,
                   SalesDeliveryLine.gross_amount)
            .join(SalesDelivery, SalesDelivery.id == SalesDeliveryLine.header_id)
            .where(SalesDelivery.company_id == company_id, SalesDelivery.partner_id == customer_id,
                   SalesDelivery.status == "posted", SalesDelivery.reverses_id.is_(None))).all():
        dni += _gross_share(gross, ordered, ordered - (ret or ZERO) - (inv or ZERO))
    cnd = ZERO
    stmt = (select(SalesOrderLine.ordered_qty, SalesOrderLine.received_qty, SalesOrderLine.returned_qty,
                   SalesOrderLine.invoiced_qty, SalesOrderLine.gross_amount)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.header_id)
            .where(SalesOrder.company_id == company_id, SalesOrder.partner_id == customer_id,
                   SalesOrder.status.in_(OPEN_ORDER)))
    if exclude_order_id is not None:
        stmt = stmt.where(SalesOrder.id != exclude_order_id)
    for ordered, delivered, ret, inv, gross in session.execute(stmt).all():
        # not yet delivered and not invoiced ahead of delivery (an invoice from the order is a receivable already)
        left = ordered - max((delivered or ZERO) - (ret or ZERO), inv or ZERO)
        cnd += _gross_share(gross, ordered, left)
    return Exposure(Decimal(recv), dni, cnd)


# --- the order's checks -------------------------------------------------------------------------------------

def order_checks(ctx: Any, doc: SalesOrder) -> dict[str, Any]:
    """credit_exceeded (exposure without this order + its total > the customer's limit, only when the company's
    credit control is "approval"), credit_over (the same test whatever the control), discount_over_limit,
    below_floor, max_discount_pct."""
    from erp_core.masterdata.models_partners import Customer

    s = ctx.session
    cfg = setting(s, doc.company_id)
    customer = s.get(Customer, doc.partner_id) if doc.partner_id else None
    over = False
    if customer is not None and customer.credit_limit is not None and cfg.credit_control != "off":
        exp = exposure(s, doc.company_id, customer.id, exclude_order_id=doc.id)
        over = exp.total + (doc.total or ZERO) > customer.credit_limit
    discounts = [ln.discount_pct or ZERO for ln in doc.lines]
    max_disc = max(discounts) if discounts else ZERO
    below = any(_below_floor(doc, ln) for ln in doc.lines)
    return {"credit_over": over, "credit_exceeded": over and cfg.credit_control == "approval",
            "max_discount_pct": max_disc,
            "discount_over_limit": bool(cfg.max_discount_pct) and max_disc > cfg.max_discount_pct,
            "below_floor": below}


def _below_floor(doc: Any, ln: Any) -> bool:
    """The floor price is stated like the list price (incl. VAT when the order's prices are): compare the line's
    entered price with it."""
    return ln.floor_price is not None and Decimal(ln.unit_price) < Decimal(ln.floor_price)


def order_line_warehouse(doc: Any, ln: Any) -> int | None:
    return ln.warehouse_id or doc.warehouse_id


def open_order_lines(session: Any, company_id: int, customer_id: int | None = None) -> list[tuple[Any, Any]]:
    """(order, line) of confirmed orders with something left to deliver, oldest first (stock products only: a
    service line is invoiced from the order)."""
    from erp_core.masterdata.models_items import Product

    stmt = (select(SalesOrder, SalesOrderLine).join(SalesOrderLine, SalesOrderLine.header_id == SalesOrder.id)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrder.company_id == company_id, SalesOrder.status.in_(OPEN_ORDER), Product.kind == "product",
                   SalesOrderLine.ordered_qty > SalesOrderLine.received_qty - SalesOrderLine.returned_qty)
            .order_by(SalesOrder.doc_date, SalesOrder.id, SalesOrderLine.line_no))
    if customer_id is not None:
        stmt = stmt.where(SalesOrder.partner_id == customer_id)
    return [(o, ln) for o, ln in session.execute(stmt).all()]
