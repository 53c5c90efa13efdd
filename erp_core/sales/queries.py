"""Read side of sales: lists with filters (customer, status / progress, date, number) under the actor's row scope
(the document's department, its creator or its salesperson), one document with its lines, links and step
history, the order's fulfilment view (ordered / reserved / delivered / returned / invoiced per line), open order
lines to deliver, posted delivery lines to return, available stock, a customer's terms and exposure, price
lists, form choices and the setting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from erp_core.db.like import contains
from erp_core.documents.models import DocumentStep
from erp_core.documents.queries import links_of
from erp_core.documents.registry import DocumentType
from erp_core.kernel.errors import NotFound
from erp_core.sales import (
    invariants,  # noqa: F401  (registers the sales check of `erp check`)
    rules,
)
from erp_core.sales.documents import SALES_DELIVERY, SALES_ORDER, SALES_QUOTATION, SALES_RETURN
from erp_core.sales.models import ZERO, SalesDelivery, SalesDeliveryLine, SalesPrice, SalesPriceList
from erp_core.sales.services import touches
from erp_core.security.scope import scope_condition
from erp_core.usecase import Context, query


@dataclass
class Choices:
    customers: dict[int, str] = field(default_factory=dict)
    products: dict[int, str] = field(default_factory=dict)
    warehouses: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    price_lists: dict[int, str] = field(default_factory=dict)


def _company(ctx: Context) -> int:
    return ctx.actor.company_id


def _scoped_docs(ctx: Context, h: Any):
    stmt = select(h)
    if not ctx.actor.is_system:
        stmt = stmt.where(h.company_id == ctx.actor.company_id)
    scope = ctx.actor.scope(ctx.permission)
    conds = [scope_condition(ctx.actor, scope, department_col=h.department_id, owner_col=h.created_by)]
    if hasattr(h, "salesperson_id"):
        conds.append(scope_condition(ctx.actor, scope, department_col=h.department_id, owner_col=h.salesperson_id))
    if any(c is None for c in conds):
        return stmt
    return stmt.where(or_(*conds))


@query("sales.choice.view", zh="查看销售单据选项", en="View sales form choices")
def sales_choices(ctx: Context) -> Choices:
    """Active customers (inside the actor's row scope of customers: department or own as salesperson), products,
    warehouses, departments and active price lists, as labels by id."""
    from erp_core.masterdata.models import Department
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from erp_core.masterdata.models_warehouse import Warehouse

    s, cid = ctx.session, _company(ctx)
    c = Choices()
    stmt = select(Customer.id, Customer.code, Customer.name).where(Customer.company_id == cid,
                                                                   Customer.active.is_(True))
    cond = scope_condition(ctx.actor, ctx.actor.scope(ctx.permission), department_col=Customer.department_id,
                           owner_col=Customer.owner_id)
    if cond is not None:
        stmt = stmt.where(cond)
    for i, code, name in s.execute(stmt.order_by(Customer.code)):
        c.customers[i] = f"{code} {name}"
    for model, target, extra in ((Warehouse, c.warehouses, Warehouse.active.is_(True)),
                                 (Department, c.departments, None),
                                 (Product, c.products, Product.active.is_(True)),
                                 (SalesPriceList, c.price_lists, SalesPriceList.active.is_(True))):
        stmt = select(model.id, model.code, model.name).where(model.company_id == cid).order_by(model.code)
        if extra is not None:
            stmt = stmt.where(extra)
        for i, code, name in s.execute(stmt):
            target[i] = f"{code} {name}"
    return c


def _names(ctx: Context, model: Any, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: f"{code} {name}" for i, code, name in ctx.session.execute(
        select(model.id, model.code, model.name).where(model.id.in_(sorted(ids))))}


def _list(ctx: Context, t: DocumentType, *, customer_id: int | None, status: str | None, progress: str | None,
          date_from: dt.date | None, date_to: dt.date | None, number: str, limit: int) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_partners import Customer

    h = t.header
    stmt = _scoped_docs(ctx, h)
    if customer_id is not None:
        stmt = stmt.where(h.partner_id == customer_id)
    if status:
        stmt = stmt.where(h.status == status)
    if progress:
        stmt = stmt.where(h.progress == progress)
    if date_from is not None:
        stmt = stmt.where(h.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(h.doc_date <= date_to)
    if number and number.strip():
        stmt = stmt.where(contains(h.number, number.strip().upper()))
    docs = ctx.session.execute(stmt.order_by(h.doc_date.desc(), h.id.desc()).limit(limit)).scalars().all()
    customers = _names(ctx, Customer, {d.partner_id for d in docs})
    out = []
    for d in docs:
        row = {"id": d.id, "number": d.number, "doc_date": d.doc_date, "customer": customers.get(d.partner_id, ""),
               "partner_id": d.partner_id, "status": d.status, "progress": d.progress, "total": d.total,
               "red": d.reverses_id is not None, "version": d.version, "remarks": d.remarks}
        for extra in ("tax_total", "delivery_date", "valid_until", "carrier", "shipping_method", "tracking_no",
                      "reason", "cost_total"):
            if hasattr(d, extra):
                row[extra] = getattr(d, extra)
        out.append(row)
    return out


@query("sales.quotation.view", zh="查看报价单", en="View quotations")
def list_quotations(ctx: Context, *, customer_id: int | None = None, status: str | None = None,
                    date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                    limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, SALES_QUOTATION, customer_id=customer_id, status=status, progress=None, date_from=date_from,
                 date_to=date_to, number=number, limit=limit)


@query("sales.order.view", zh="查看销售订单", en="View sales orders")
def list_orders(ctx: Context, *, customer_id: int | None = None, status: str | None = None,
                progress: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                number: str = "", limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, SALES_ORDER, customer_id=customer_id, status=status, progress=progress, date_from=date_from,
                 date_to=date_to, number=number, limit=limit)


@query("sales.delivery.view", zh="查看销售出库单", en="View sales deliveries")
def list_deliveries(ctx: Context, *, customer_id: int | None = None, status: str | None = None,
                    date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                    limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, SALES_DELIVERY, customer_id=customer_id, status=status, progress=None, date_from=date_from,
                 date_to=date_to, number=number, limit=limit)


@query("sales.return.view", zh="查看销售退货单", en="View sales returns")
def list_returns(ctx: Context, *, customer_id: int | None = None, status: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None, number: str = "",
                 limit: int = 500) -> list[dict[str, Any]]:
    return _list(ctx, SALES_RETURN, customer_id=customer_id, status=status, progress=None, date_from=date_from,
                 date_to=date_to, number=number, limit=limit)


def _detail(ctx: Context, t: DocumentType, doc_id: int) -> dict[str, Any]:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from erp_core.masterdata.models_warehouse import Warehouse

    d = ctx.session.get(t.header, doc_id)
    if d is None or d.company_id != _company(ctx) or not touches(ctx, d):
        raise NotFound(entity=t.code, id=doc_id)
    products = _names(ctx, Product, {ln.product_id for ln in d.lines})
    whs = _names(ctx, Warehouse, {ln.warehouse_id for ln in d.lines} | {d.warehouse_id})
    out = {c.key: getattr(d, c.key) for c in t.header.__table__.columns}
    out.update({"type": t.code, "customer": _names(ctx, Customer, {d.partner_id}).get(d.partner_id, ""),
                "warehouse": whs.get(d.warehouse_id, "")})
    lines = []
    for ln in d.lines:
        row = {c.key: getattr(ln, c.key) for c in type(ln).__table__.columns}
        row.update({"product": products.get(ln.product_id, ""), "warehouse": whs.get(ln.warehouse_id, ""),
                    "quantity": ln.ordered_qty})
        lines.append(row)
    out["lines"] = lines
    out["links"] = links_of(ctx.session, d.company_id, t.code, d.id)
    out["actions"] = [a for a in t.workflow.allowed(d.status) if d.posted_at is None or a == "reverse"]
    if d.reverses_id is not None or d.reversed_by_id is not None:
        out["actions"] = [a for a in out["actions"] if a != "reverse"]
    out["steps"] = [{"action": s.action, "from_status": s.from_status, "to_status": s.to_status,
                     "username": s.username, "comment": s.comment, "at": s.at}
                    for s in ctx.session.execute(select(DocumentStep).where(
                        DocumentStep.company_id == d.company_id, DocumentStep.doc_type == t.code,
                        DocumentStep.doc_id == d.id).order_by(DocumentStep.id)).scalars()]
    return out


@query("sales.quotation.view", zh="查看报价单", en="View quotations")
def get_quotation(ctx: Context, *, quotation_id: int) -> dict[str, Any]:
    return _detail(ctx, SALES_QUOTATION, quotation_id)


@query("sales.order.view", zh="查看销售订单", en="View sales orders")
def get_order(ctx: Context, *, order_id: int) -> dict[str, Any]:
    """The order with its lines; each line also has ``open_reserved`` (what it holds now), ``to_deliver`` and
    ``delivered_net`` (delivered - returned): the fulfilment view."""
    out = _detail(ctx, SALES_ORDER, order_id)
    for ln in out["lines"]:
        net = ln["received_qty"] - ln["returned_qty"]
        left = ln["reserved_qty"] - net
        ln["delivered_net"] = net
        ln["open_reserved"] = left if left > 0 and out["status"] in rules.OPEN_ORDER else ZERO
        ln["to_deliver"] = max(ln["ordered_qty"] - net, ZERO)
    return out


@query("sales.delivery.view", zh="查看销售出库单", en="View sales deliveries")
def get_delivery(ctx: Context, *, delivery_id: int) -> dict[str, Any]:
    out = _detail(ctx, SALES_DELIVERY, delivery_id)
    from erp_core.sales.models import SalesOrderLine

    for ln in out["lines"]:
        ol = ctx.session.get(SalesOrderLine, ln["order_line_id"]) if ln["order_line_id"] else None
        ln["order"] = ol.header.number if ol is not None else ""
        ln["order_line_no"] = ol.line_no if ol is not None else None
    return out


@query("sales.return.view", zh="查看销售退货单", en="View sales returns")
def get_return(ctx: Context, *, return_id: int) -> dict[str, Any]:
    return _detail(ctx, SALES_RETURN, return_id)


@query("sales.delivery.view", zh="查看销售出库单", en="View sales deliveries")
def deliverable_lines(ctx: Context, *, customer_id: int | None = None) -> list[dict[str, Any]]:
    """Lines of confirmed orders with something left to deliver (生成发货单 prefill), inside the row scope."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer

    pairs = [(o, ln) for o, ln in rules.open_order_lines(ctx.session, _company(ctx), customer_id)
             if touches(ctx, o)]
    products = _names(ctx, Product, {ln.product_id for _, ln in pairs})
    customers = _names(ctx, Customer, {o.partner_id for o, _ in pairs})
    return [{"order_line_id": ln.id, "order_id": o.id, "order": o.number, "line_no": ln.line_no,
             "customer_id": o.partner_id, "customer": customers.get(o.partner_id, ""),
             "product_id": ln.product_id, "product": products.get(ln.product_id, ""),
             "warehouse_id": rules.order_line_warehouse(o, ln), "ordered": ln.ordered_qty,
             "delivered": ln.received_qty - ln.returned_qty,
             "to_deliver": ln.ordered_qty - (ln.received_qty - ln.returned_qty),
             "delivery_date": ln.delivery_date or o.delivery_date} for o, ln in pairs]


@query("sales.return.view", zh="查看销售退货单", en="View sales returns")
def returnable_lines(ctx: Context, *, customer_id: int | None = None) -> list[dict[str, Any]]:
    """Lines of posted deliveries with something not yet returned (销售退货 prefill)."""
    from erp_core.masterdata.models_items import Product

    stmt = (select(SalesDelivery, SalesDeliveryLine).join(SalesDeliveryLine,
                                                          SalesDeliveryLine.header_id == SalesDelivery.id)
            .where(SalesDelivery.company_id == _company(ctx), SalesDelivery.status == "posted",
                   SalesDelivery.reverses_id.is_(None),
                   SalesDeliveryLine.ordered_qty > SalesDeliveryLine.returned_qty)
            .order_by(SalesDelivery.doc_date.desc(), SalesDelivery.id.desc(), SalesDeliveryLine.line_no).limit(500))
    if customer_id is not None:
        stmt = stmt.where(SalesDelivery.partner_id == customer_id)
    pairs = [(d, ln) for d, ln in ctx.session.execute(stmt).all() if touches(ctx, d)]
    products = _names(ctx, Product, {ln.product_id for _, ln in pairs})
    return [{"delivery_line_id": ln.id, "delivery": d.number, "doc_date": d.doc_date, "line_no": ln.line_no,
             "customer_id": d.partner_id, "product": products.get(ln.product_id, ""),
             "shipped": ln.ordered_qty, "returned": ln.returned_qty, "returnable": ln.ordered_qty - ln.returned_qty,
             "cost_price": ln.cost_price} for d, ln in pairs]


@query("sales.order.view", zh="查看销售订单", en="View sales orders")
def available_stock(ctx: Context, *, warehouse_id: int, product_ids: list[int],
                    exclude_order_id: int | None = None) -> dict[int, dict[str, Decimal]]:
    """On hand, reserved (open reservations of confirmed orders) and available per product in one warehouse —
    shown while an order is entered."""
    out = {}
    for pid in product_ids:
        a = rules.availability(ctx.session, _company(ctx), warehouse_id, pid, exclude_order_id=exclude_order_id)
        out[pid] = {"on_hand": a.on_hand, "reserved": a.reserved, "available": a.available}
    return out


@query("sales.order.view", zh="查看销售订单", en="View sales orders")
def quote_price(ctx: Context, *, customer_id: int | None, product_id: int, quantity: Decimal,
                on_date: dt.date) -> dict[str, Any] | None:
    """The price list's price for the order form (None when no list prices the product)."""
    p = rules.price_for(ctx.session, _company(ctx), customer_id, product_id, Decimal(quantity), on_date)
    if p is None:
        return None
    return {"price": p.price, "prices_include_vat": p.prices_include_vat, "floor_price": p.floor_price,
            "price_list_id": p.price_list_id, "min_qty": p.min_qty}


@query("sales.terms.view", zh="查看客户销售条款", en="View customer sales terms")
def customer_terms(ctx: Context, *, customer_id: int) -> dict[str, Any]:
    """The customer's credit limit, 账期, salesperson (customer record), default warehouse, price list and
    salesperson employee (sales terms), and its open exposure: unpaid receivables + delivered not invoiced +
    confirmed not delivered, against the limit."""
    from erp_core.masterdata.models_partners import Customer
    from erp_core.security.scope import may_touch

    c = ctx.session.get(Customer, customer_id)
    if c is None or c.company_id != _company(ctx) or not may_touch(
            ctx, company_id=c.company_id, department_id=c.department_id, owner_id=c.owner_id):
        raise NotFound(entity="customer", id=customer_id)
    term = rules.terms(ctx.session, c.id)
    exp = rules.exposure(ctx.session, c.company_id, c.id)
    return {"customer_id": c.id, "customer": f"{c.code} {c.name}", "credit_limit": c.credit_limit,
            "payment_terms_days": c.payment_terms_days, "salesperson_id": c.owner_id,
            "default_warehouse_id": term.default_warehouse_id if term else None,
            "price_list_id": term.price_list_id if term else None,
            "salesperson_employee_id": term.salesperson_employee_id if term else None,
            "version": term.version if term else None,
            "receivables": exp.receivables, "delivered_not_invoiced": exp.delivered_not_invoiced,
            "confirmed_not_delivered": exp.confirmed_not_delivered, "exposure": exp.total,
            "credit_left": (c.credit_limit - exp.total) if c.credit_limit is not None else None}


@query("sales.price_list.view", zh="查看价目表", en="View price lists")
def list_price_lists(ctx: Context) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_partners import Customer

    rows = ctx.session.execute(select(SalesPriceList).where(SalesPriceList.company_id == _company(ctx))
                               .order_by(SalesPriceList.code)).scalars().all()
    customers = _names(ctx, Customer, {r.customer_id for r in rows})
    return [{"id": r.id, "code": r.code, "name": r.name, "customer_id": r.customer_id,
             "customer": customers.get(r.customer_id, ""), "valid_from": r.valid_from, "valid_to": r.valid_to,
             "prices_include_vat": r.prices_include_vat, "active": r.active, "version": r.version} for r in rows]


@query("sales.price_list.view", zh="查看价目表", en="View price lists")
def get_price_list(ctx: Context, *, price_list_id: int) -> dict[str, Any]:
    from erp_core.masterdata.models_items import Product

    r = ctx.session.get(SalesPriceList, price_list_id)
    if r is None or r.company_id != _company(ctx):
        raise NotFound(entity="sales_price_list", id=price_list_id)
    prices = ctx.session.execute(select(SalesPrice).where(SalesPrice.price_list_id == r.id)
                                 .order_by(SalesPrice.product_id, SalesPrice.min_qty)).scalars().all()
    products = _names(ctx, Product, {p.product_id for p in prices})
    return {"id": r.id, "code": r.code, "name": r.name, "customer_id": r.customer_id, "valid_from": r.valid_from,
            "valid_to": r.valid_to, "prices_include_vat": r.prices_include_vat, "active": r.active,
            "version": r.version,
            "prices": [{"product_id": p.product_id, "product": products.get(p.product_id, ""),
                        "min_qty": p.min_qty, "price": p.price, "floor_price": p.floor_price} for p in prices]}


@query("sales.setting.view", zh="查看销售设置", en="View sales settings")
def sales_setting(ctx: Context) -> dict[str, Any]:
    row = rules.setting(ctx.session, _company(ctx))
    return {"max_discount_pct": row.max_discount_pct, "credit_control": row.credit_control,
            "allow_over_reserve": row.allow_over_reserve}
