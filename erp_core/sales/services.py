"""Sales use cases (销售): one per action, each with its permission sales.<object>.<action>, running the document
kernel (docs/documents.md) inside its one unit of work. Rules (prices, availability, exposure) in sales.rules.

- terms       a customer's default warehouse, price list, salesperson employee (credit limit and 账期 stay on the
              customer record, changed through masterdata.edit_customer and its major-change approval)
- price lists create / edit with their prices (quantity breaks, floor price)
- quotations  create / edit / send / cancel / turn into an order
- orders      create / edit (draft) / submit (approvals) / reopen / confirm (credit check, approval gate,
              reservation) / close / cancel; a typed price other than the list's needs sales.order.override_price
- deliveries  create against confirmed order lines (several orders of one customer), edit, post (stock issue at
              the issue cost + Dr cogs / Cr stock; order lines count "received" = delivered), cancel, reverse
- returns     create against posted delivery lines (with the reason), post (stock back at the delivery's cost;
              delivery and order lines count "returned"), cancel
- setting     discount limit %, credit control (block / approval / off), over-reservation allowed

Row scope: orders, quotations and deliveries carry the customer's department and salesperson; a use case on an
existing document checks the actor's scope of its own permission against the document's department, creator
and salesperson (out of scope reads as not found).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as k
from erp_core.documents.registry import DocumentType
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN
from erp_core.sales import rules
from erp_core.sales.documents import SALES_DELIVERY, SALES_ORDER, SALES_QUOTATION, SALES_RETURN
from erp_core.sales.models import (
    CREDIT_CONTROLS,
    SHIPPING_METHODS,
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
from erp_core.security.catalog import declare
from erp_core.security.scope import may_touch
from erp_core.usecase import Context, use_case

OVERRIDE_PRICE = "sales.order.override_price"
declare(OVERRIDE_PRICE, "修改销售价格（不按价目表）", "Override sales prices (other than the price list)")

F_CUSTOMER = "field.sales.customer"
F_PRODUCT = "field.sales.product"
F_WAREHOUSE = "field.sales.warehouse"
F_QTY = "field.sales.quantity"
F_PRICE = "field.sales.unit_price"
F_DISCOUNT = "field.sales.discount_pct"
F_ORDER_LINE = "field.sales.order_line"
F_DELIVERY_LINE = "field.sales.delivery_line"
F_METHOD = "field.sales.shipping_method"
F_REASON = "field.sales.return_reason"
F_CODE = "field.sales.price_list_code"
F_NAME = "field.sales.price_list_name"
F_VALID = "field.sales.valid_to"
F_MIN_QTY = "field.sales.min_qty"
F_FLOOR = "field.sales.floor_price"
F_CREDIT_CONTROL = "field.sales.credit_control"
F_MAX_DISCOUNT = "field.sales.max_discount_pct"
F_DATE = "field.documents.doc_date"
UNIT = Decimal("0.000001")
PCT = Decimal("0.0001")


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def touches(ctx: Context, doc: Any) -> bool:
    """The actor's row scope of the current permission reaches the document (department, creator, salesperson)."""
    return any(may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, owner_id=owner)
               for owner in (doc.created_by, getattr(doc, "salesperson_id", None)))


def _load(ctx: Context, t: DocumentType, doc_id: int, version: int | None = None, *, lock: bool = False,
          for_posting: bool = False) -> Any:
    doc = k.load_document(ctx, t, doc_id, lock=lock, for_posting=for_posting)
    if not touches(ctx, doc):
        raise NotFound(entity=t.code, id=doc_id)
    ctx.check_version(doc, version)
    return doc


def _date(value: Any, field: str = F_DATE) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError("error.required", field=field)
    return value


def _customer(ctx: Context, customer_id: Any) -> Any:
    from erp_core.masterdata.models_partners import Customer

    row = ctx.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if row is None or row.company_id != _company(ctx):
        raise ValidationError("error.sales.customer_unknown", field=F_CUSTOMER)
    if not row.active:
        raise ValidationError("error.sales.customer_inactive", field=F_CUSTOMER, name=row.name)
    return row


def _warehouse_ok(ctx: Context, warehouse_id: Any) -> bool:
    from erp_core.masterdata.models_warehouse import Warehouse

    row = ctx.session.get(Warehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    return row is not None and row.company_id == _company(ctx) and row.active


def _tax_rate(ctx: Context, code: str | None, on: dt.date) -> Decimal:
    from erp_core.settings.tax_services import tax_rate_on

    if not code:
        return ZERO
    row = tax_rate_on(ctx.session, _company(ctx), code, on)
    return row.rate if row is not None else ZERO


def _money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, price: Decimal, rate: Decimal, *, includes_vat: bool
                 ) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(net unit price, net amount, VAT, gross amount) of one line, as purchasing's order lines: with prices
    incl. VAT the gross is quantity x price and the VAT its share; otherwise VAT = rate x net (each to the fen)."""
    if includes_vat:
        gross = _money(quantity * price)
        net = _money(gross / (1 + rate))
        return (price / (1 + rate)).quantize(UNIT, rounding=ROUND_HALF_UP), net, gross - net, gross
    net = _money(quantity * price)
    tax = _money(net * rate)
    return price, net, tax, net + tax


def _as_basis(price: Decimal | None, rate: Decimal, list_incl: bool, doc_incl: bool) -> Decimal | None:
    """A price list's price restated on the document's basis (incl. / excl. VAT)."""
    if price is None or list_incl == doc_incl:
        return price
    if list_incl:
        return (price / (1 + rate)).quantize(UNIT, rounding=ROUND_HALF_UP)
    return (price * (1 + rate)).quantize(UNIT, rounding=ROUND_HALF_UP)


# --- priced lines (quotations and orders) -----------------------------------------------------------------------

def _priced_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], *, customer_id: int, doc_date: dt.date,
                  includes_vat: bool, header_warehouse: int | None, check_override: bool = True
                  ) -> list[dict[str, Any]]:
    """Clean lines: product_id, quantity, unit_price (optional: the price list's, less discount_pct), discount_pct,
    warehouse_id (else the header's), delivery_date, remarks. A typed unit_price other than the list price needs
    sales.order.override_price (``check_override``); with no list price a price must be typed."""
    from erp_core.masterdata.models_items import Product

    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    may_override = ctx.actor.is_system or ctx.actor.scope(OVERRIDE_PRICE) is not None
    out = []
    for i, ln in enumerate(lines or [], start=1):
        pid = ln.get("product_id")
        product = ctx.session.get(Product, pid) if isinstance(pid, int) else None
        if product is None or product.company_id != _company(ctx):
            problems.append(ValidationError("error.sales.product_unknown", field=F_PRODUCT, line=i))
            product = None
        elif not product.active:
            problems.append(ValidationError("error.sales.product_inactive", field=F_PRODUCT, line=i,
                                            code=product.code))
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        disc = k.line_number(ln.get("discount_pct") or 0, F_DISCOUNT, i, problems, positive=False)
        if disc is not None and disc >= 100:
            problems.append(ValidationError("error.sales.discount_range", field=F_DISCOUNT, line=i))
            disc = None
        typed = ln.get("unit_price")
        price = None if typed in (None, "") else k.line_number(typed, F_PRICE, i, problems, positive=False)
        wh = ln.get("warehouse_id") or header_warehouse
        if product is not None and product.kind == "product":
            if wh is None:
                problems.append(ValidationError("error.sales.warehouse_required", field=F_WAREHOUSE, line=i))
            elif not _warehouse_ok(ctx, wh):
                problems.append(ValidationError("error.sales.warehouse_unknown", field=F_WAREHOUSE, line=i))
        rate = _tax_rate(ctx, product.tax_rate_code if product else None, doc_date)
        listed = floor = None
        if product is not None and qty is not None:
            found = rules.price_for(ctx.session, _company(ctx), customer_id, product.id, qty, doc_date)
            if found is not None:
                listed = _as_basis(found.price, rate, found.prices_include_vat, includes_vat)
                floor = _as_basis(found.floor_price, rate, found.prices_include_vat, includes_vat)
        if product is not None and qty is not None and disc is not None:
            if price is None:
                if listed is None:
                    problems.append(ValidationError("error.sales.no_list_price", field=F_PRICE, line=i,
                                                    code=product.code))
                else:
                    price = (listed * (100 - disc) / 100).quantize(UNIT, rounding=ROUND_HALF_UP)
            elif listed is not None and price != listed:
                if check_override and not may_override:
                    problems.append(ValidationError("error.sales.override_price", field=F_PRICE, line=i,
                                                    code=product.code, price=f"{listed.normalize():f}"))
                if price < listed:
                    disc = ((listed - price) * 100 / listed).quantize(PCT, rounding=ROUND_HALF_UP)
                else:
                    disc = ZERO
        out.append({"product_id": pid, "ordered_qty": qty, "unit_price": price, "warehouse_id": wh,
                    "remarks": str(ln.get("remarks") or "")[:200], "delivery_date": ln.get("delivery_date"),
                    "tax_rate_code": product.tax_rate_code if product is not None else None, "tax_rate": rate,
                    "list_price": listed, "floor_price": floor, "discount_pct": disc or ZERO})
    raise_if(problems)
    return out


def _fill_priced(doc: Any, clean: list[dict[str, Any]]) -> None:
    tax_total = gross_total = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        ln.tax_rate_code, ln.tax_rate, ln.delivery_date = row["tax_rate_code"], row["tax_rate"], row["delivery_date"]
        ln.list_price, ln.floor_price, ln.discount_pct = row["list_price"], row["floor_price"], row["discount_pct"]
        ln.net_price, ln.net_amount, ln.tax_amount, ln.gross_amount = line_amounts(
            ln.ordered_qty, ln.unit_price, ln.tax_rate, includes_vat=doc.prices_include_vat)
        tax_total += ln.tax_amount
        gross_total += ln.gross_amount
    doc.tax_total, doc.total = tax_total, gross_total


def _kernel_lines(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k2: r[k2] for k2 in ("product_id", "ordered_qty", "unit_price", "warehouse_id", "remarks")}
            for r in clean]


def _defaults(ctx: Context, customer: Any, warehouse_id: int | None, department_id: int | None,
              salesperson_id: int | None) -> tuple[int | None, int | None, int | None]:
    """The customer's default warehouse, department and salesperson where the document names none."""
    term = rules.terms(ctx.session, customer.id)
    wh = warehouse_id or (term.default_warehouse_id if term is not None else None)
    if warehouse_id is not None and not _warehouse_ok(ctx, warehouse_id):
        raise ValidationError("error.sales.warehouse_unknown", field=F_WAREHOUSE)
    return wh, department_id or customer.department_id, salesperson_id or customer.owner_id


def _link_opportunity(ctx: Context, opportunity_id: int | None, customer_id: int, doc_type: str, doc_id: int) -> None:
    """CRM: the opportunity (商机) this quotation or order came from, in crm_opportunity_link (same customer)."""
    if opportunity_id is None:
        return
    from erp_core.crm.models import CrmOpportunity, CrmOpportunityLink

    opp = ctx.session.get(CrmOpportunity, opportunity_id) if isinstance(opportunity_id, int) else None
    if opp is None or opp.company_id != _company(ctx) or opp.customer_id != customer_id:
        raise ValidationError("error.sales.opportunity_unknown", field="field.sales.opportunity")
    ctx.session.add(CrmOpportunityLink(company_id=opp.company_id, opportunity_id=opp.id, doc_type=doc_type,
                                       doc_id=doc_id))
    ctx.session.flush()


def _opportunities_of(ctx: Context, doc_type: str, doc_id: int) -> list[int]:
    from erp_core.crm.models import CrmOpportunityLink

    return list(ctx.session.execute(select(CrmOpportunityLink.opportunity_id).where(
        CrmOpportunityLink.company_id == _company(ctx), CrmOpportunityLink.doc_type == doc_type,
        CrmOpportunityLink.doc_id == doc_id)).scalars())


# --- customer terms, price lists, setting ---------------------------------------------------------------------

@use_case("sales.terms.edit", zh="修改客户销售条款", en="Edit customer sales terms")
def set_customer_terms(ctx: Context, *, customer_id: int, default_warehouse_id: int | None = None,
                       price_list_id: int | None = None, salesperson_employee_id: int | None = None,
                       version: int | None = None) -> None:
    """Default warehouse, the customer's price list and salesperson employee. The credit limit and payment terms
    are the customer record's (masterdata edit_customer, with the credit-limit change approval when on)."""
    from erp_core.masterdata.models_employees import Employee

    customer = _customer(ctx, customer_id)
    if not may_touch(ctx, company_id=customer.company_id, department_id=customer.department_id,
                     owner_id=customer.owner_id):
        raise NotFound(entity="customer", id=customer_id)
    problems = []
    if default_warehouse_id is not None and not _warehouse_ok(ctx, default_warehouse_id):
        problems.append(ValidationError("error.sales.warehouse_unknown", field=F_WAREHOUSE))
    if price_list_id is not None:
        pl = ctx.session.get(SalesPriceList, price_list_id)
        if pl is None or pl.company_id != _company(ctx) or pl.customer_id not in (None, customer.id):
            problems.append(ValidationError("error.sales.price_list_unknown", field="field.sales.price_list"))
    if salesperson_employee_id is not None:
        emp = ctx.session.get(Employee, salesperson_employee_id)
        if emp is None or emp.company_id != _company(ctx):
            problems.append(ValidationError("error.sales.employee_unknown", field="field.sales.salesperson"))
    raise_if(problems)
    row = ctx.session.get(SalesCustomerTerm, customer.id)
    if row is None:
        row = SalesCustomerTerm(customer_id=customer.id, company_id=customer.company_id)
        ctx.session.add(row)
    else:
        ctx.check_version(row, version)
    ctx.diff(row, default_warehouse_id=default_warehouse_id, price_list_id=price_list_id,
             salesperson_employee_id=salesperson_employee_id)
    row.updated_by = ctx.actor.user_id
    ctx.session.flush()
    ctx.audit("sales_customer_term", customer.id)


def _prices(ctx: Context, prices: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    from erp_core.masterdata.models_items import Product

    problems: list[ValidationError] = []
    out, seen = [], set()
    for i, p in enumerate(prices or [], start=1):
        pid = p.get("product_id")
        product = ctx.session.get(Product, pid) if isinstance(pid, int) else None
        if product is None or product.company_id != _company(ctx):
            problems.append(ValidationError("error.sales.product_unknown", field=F_PRODUCT, line=i))
        mq = k.line_number(p.get("min_qty") or 0, F_MIN_QTY, i, problems, positive=False)
        price = k.line_number(p.get("price"), F_PRICE, i, problems, positive=False)
        floor = p.get("floor_price")
        floor = None if floor in (None, "") else k.line_number(floor, F_FLOOR, i, problems, positive=False)
        if price is not None and floor is not None and floor > price:
            problems.append(ValidationError("error.sales.floor_above_price", field=F_FLOOR, line=i))
        if (pid, mq) in seen:
            problems.append(ValidationError("error.sales.price_duplicate", field=F_MIN_QTY, line=i))
        seen.add((pid, mq))
        out.append({"product_id": pid, "min_qty": mq, "price": price, "floor_price": floor})
    raise_if(problems)
    return out


@use_case("sales.price_list.edit", zh="维护价目表", en="Maintain price lists")
def save_price_list(ctx: Context, *, code: str, name: str, prices: Sequence[Mapping[str, Any]],
                    price_list_id: int | None = None, version: int | None = None, customer_id: int | None = None,
                    valid_from: dt.date | None = None, valid_to: dt.date | None = None,
                    prices_include_vat: bool = True, active: bool = True) -> int:
    """Create (no price_list_id) or replace a price list with all its prices: product_id, min_qty (quantity
    break, 0 = from the first unit), price, floor_price (最低限价, optional). customer_id: a customer's own list
    (else the standard list)."""
    code, name = (code or "").strip(), (name or "").strip()
    problems = []
    if not code or len(code) > 40:
        problems.append(ValidationError("error.required", field=F_CODE))
    if not name:
        problems.append(ValidationError("error.required", field=F_NAME))
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(ValidationError("error.sales.validity", field=F_VALID))
    raise_if(problems)
    if customer_id is not None:
        _customer(ctx, customer_id)
    clean = _prices(ctx, prices)
    cid = _company(ctx)
    clash = ctx.session.execute(select(SalesPriceList.id).where(
        SalesPriceList.company_id == cid, SalesPriceList.code == code)).scalar_one_or_none()
    if clash is not None and clash != price_list_id:
        raise ValidationError("error.sales.price_list_code_taken", field=F_CODE, code=code)
    if price_list_id is None:
        pl = SalesPriceList(company_id=cid, code=code, name=name, created_by=ctx.actor.user_id)
        ctx.session.add(pl)
    else:
        pl = ctx.session.get(SalesPriceList, price_list_id)
        if pl is None or pl.company_id != cid:
            raise NotFound(entity="sales_price_list", id=price_list_id)
        ctx.check_version(pl, version)
        for old in ctx.session.execute(select(SalesPrice).where(SalesPrice.price_list_id == pl.id)).scalars():
            ctx.session.delete(old)
        ctx.session.flush()
    ctx.diff(pl, code=code, name=name, customer_id=customer_id, valid_from=valid_from, valid_to=valid_to,
             prices_include_vat=bool(prices_include_vat), active=bool(active))
    ctx.session.flush()
    for p in clean:
        ctx.session.add(SalesPrice(company_id=cid, price_list_id=pl.id, **p))
    ctx.session.flush()
    ctx.audit("sales_price_list", pl.id, prices=len(clean))
    return pl.id


@use_case("sales.setting.edit", zh="修改销售设置", en="Change sales settings")
def set_sales_setting(ctx: Context, *, max_discount_pct: Any = "0", credit_control: str = "block",
                      allow_over_reserve: bool = False) -> None:
    """折扣限额 % (0 = no limit: a larger discount needs approval), credit control over the limit ("block": the
    order cannot be confirmed; "approval": it needs an approval of the credit_exceeded rule; "off") and whether
    reservations may exceed the stock on hand."""
    problems: list[ValidationError] = []
    pct = k.line_number(max_discount_pct, F_MAX_DISCOUNT, 0, problems, positive=False)
    if pct is not None and pct > 100:
        problems.append(ValidationError("error.sales.discount_range", field=F_MAX_DISCOUNT))
    if credit_control not in CREDIT_CONTROLS:
        problems.append(ValidationError("error.sales.credit_control", field=F_CREDIT_CONTROL))
    raise_if(problems)
    row = ctx.session.get(SalesSetting, _company(ctx))
    if row is None:
        row = SalesSetting(company_id=_company(ctx), max_discount_pct=ZERO, credit_control="block",
                           allow_over_reserve=False)
        ctx.session.add(row)
    ctx.diff(row, max_discount_pct=pct, credit_control=credit_control, allow_over_reserve=bool(allow_over_reserve))
    row.updated_by = ctx.actor.user_id
    ctx.session.flush()
    ctx.audit("sales_setting", _company(ctx))


# --- quotations ---------------------------------------------------------------------------------------------

@use_case("sales.quotation.create", zh="新建报价单", en="Create quotation")
def create_quotation(ctx: Context, *, customer_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                     prices_include_vat: bool = True, warehouse_id: int | None = None,
                     valid_until: dt.date | None = None, delivery_date: dt.date | None = None,
                     department_id: int | None = None, salesperson_id: int | None = None, remarks: str = "",
                     opportunity_id: int | None = None) -> int:
    """A draft quotation, priced as an order (create_order); ``opportunity_id``: the CRM opportunity it answers."""
    day = _date(doc_date)
    customer = _customer(ctx, customer_id)
    wh, dept, sp = _defaults(ctx, customer, warehouse_id, department_id, salesperson_id)
    clean = _priced_lines(ctx, lines, customer_id=customer.id, doc_date=day, includes_vat=bool(prices_include_vat),
                          header_warehouse=wh)
    doc = k.create_document(ctx, SALES_QUOTATION, doc_date=day, lines=_kernel_lines(clean), partner_id=customer.id,
                            warehouse_id=wh, department_id=dept, remarks=(remarks or "")[:2000],
                            prices_include_vat=bool(prices_include_vat), valid_until=valid_until,
                            delivery_date=delivery_date, salesperson_id=sp)
    _fill_priced(doc, clean)
    ctx.session.flush()
    _link_opportunity(ctx, opportunity_id, customer.id, SALES_QUOTATION.code, doc.id)
    return doc.id


@use_case("sales.quotation.edit", zh="修改报价单", en="Edit quotation")
def edit_quotation(ctx: Context, *, quotation_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                   prices_include_vat: bool = True, warehouse_id: int | None = None,
                   valid_until: dt.date | None = None, delivery_date: dt.date | None = None,
                   remarks: str = "") -> None:
    doc = _load(ctx, SALES_QUOTATION, quotation_id, version)
    customer = _customer(ctx, doc.partner_id)
    wh, _, _ = _defaults(ctx, customer, warehouse_id, doc.department_id, doc.salesperson_id)
    clean = _priced_lines(ctx, lines, customer_id=customer.id, doc_date=doc.doc_date,
                          includes_vat=bool(prices_include_vat), header_warehouse=wh)
    k.update_document(ctx, SALES_QUOTATION, doc, version=version, lines=_kernel_lines(clean), warehouse_id=wh,
                      remarks=(remarks or "")[:2000], prices_include_vat=bool(prices_include_vat),
                      valid_until=valid_until, delivery_date=delivery_date)
    _fill_priced(doc, clean)
    ctx.session.flush()


@use_case("sales.quotation.send", zh="发送报价单", en="Mark quotation sent")
def send_quotation(ctx: Context, *, quotation_id: int, version: int | None = None) -> str:
    doc = _load(ctx, SALES_QUOTATION, quotation_id, version, lock=True)
    return k.transition(ctx, SALES_QUOTATION, doc, "send")


@use_case("sales.quotation.cancel", zh="作废报价单", en="Cancel quotation")
def cancel_quotation(ctx: Context, *, quotation_id: int, version: int | None = None, comment: str = "") -> str:
    doc = _load(ctx, SALES_QUOTATION, quotation_id, version, lock=True)
    action = "reject" if doc.status == "sent" and comment else "cancel"
    return k.transition(ctx, SALES_QUOTATION, doc, action, comment=comment)


@use_case("sales.quotation.convert", zh="报价单生成销售订单", en="Turn quotation into an order")
def order_from_quotation(ctx: Context, *, quotation_id: int, doc_date: dt.date | None = None) -> int:
    """A draft order with the quotation's lines and prices (quoted prices are not an override); the quotation
    becomes accepted and is linked upstream of the order."""
    q = _load(ctx, SALES_QUOTATION, quotation_id, lock=True)
    if q.valid_until is not None and (doc_date or q.doc_date) > q.valid_until:
        raise Conflict("error.sales.quotation_expired", number=q.number, date=str(q.valid_until))
    day = _date(doc_date or dt.date.today())
    customer = _customer(ctx, q.partner_id)
    lines = [{"product_id": ln.product_id, "quantity": ln.ordered_qty, "unit_price": ln.unit_price,
              "warehouse_id": ln.warehouse_id, "delivery_date": ln.delivery_date, "remarks": ln.remarks}
             for ln in q.lines]
    clean = _priced_lines(ctx, lines, customer_id=customer.id, doc_date=day, includes_vat=q.prices_include_vat,
                          header_warehouse=q.warehouse_id, check_override=False)
    for row, ql in zip(clean, q.lines, strict=True):  # keep what the customer was quoted
        row["list_price"], row["floor_price"], row["discount_pct"] = ql.list_price, ql.floor_price, ql.discount_pct
    doc = k.create_document(ctx, SALES_ORDER, doc_date=day, lines=_kernel_lines(clean), partner_id=customer.id,
                            warehouse_id=q.warehouse_id, department_id=q.department_id,
                            remarks=q.remarks, prices_include_vat=q.prices_include_vat,
                            delivery_date=q.delivery_date, salesperson_id=q.salesperson_id, quotation_id=q.id)
    _fill_priced(doc, clean)
    k.transition(ctx, SALES_QUOTATION, q, "accept")
    k.link(ctx, SALES_QUOTATION, q, SALES_ORDER, doc)
    for opp in _opportunities_of(ctx, SALES_QUOTATION.code, q.id):
        _link_opportunity(ctx, opp, customer.id, SALES_ORDER.code, doc.id)
    ctx.session.flush()
    ctx.audit(SALES_ORDER.code, doc.id, number=doc.number, quotation=q.number)
    return doc.id


# --- orders -------------------------------------------------------------------------------------------------

@use_case("sales.order.create", zh="新建销售订单", en="Create sales order")
def create_order(ctx: Context, *, customer_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                 prices_include_vat: bool = True, warehouse_id: int | None = None,
                 delivery_date: dt.date | None = None, department_id: int | None = None,
                 project_id: int | None = None, salesperson_id: int | None = None, consignee: str = "",
                 consignee_phone: str = "", ship_address: str = "", remarks: str = "",
                 source_no: str | None = None, opportunity_id: int | None = None) -> int:
    """A draft sales order; lines: product_id, quantity, unit_price (optional: else the price list's less
    discount_pct), discount_pct, warehouse_id (else the header's, else the customer's default), delivery_date,
    remarks. VAT from the product's tax code on the order date. Department and salesperson default to the
    customer's."""
    day = _date(doc_date)
    customer = _customer(ctx, customer_id)
    wh, dept, sp = _defaults(ctx, customer, warehouse_id, department_id, salesperson_id)
    clean = _priced_lines(ctx, lines, customer_id=customer.id, doc_date=day, includes_vat=bool(prices_include_vat),
                          header_warehouse=wh)
    doc = k.create_document(ctx, SALES_ORDER, doc_date=day, lines=_kernel_lines(clean), partner_id=customer.id,
                            warehouse_id=wh, department_id=dept, project_id=project_id,
                            remarks=(remarks or "")[:2000], prices_include_vat=bool(prices_include_vat),
                            delivery_date=delivery_date, salesperson_id=sp, consignee=(consignee or "")[:100],
                            consignee_phone=(consignee_phone or "")[:40],
                            ship_address=(ship_address or customer.address or "")[:300], source_no=source_no)
    _fill_priced(doc, clean)
    ctx.session.flush()
    _link_opportunity(ctx, opportunity_id, customer.id, SALES_ORDER.code, doc.id)
    return doc.id


@use_case("sales.order.edit", zh="修改销售订单", en="Edit sales order")
def edit_order(ctx: Context, *, order_id: int, version: int, lines: Sequence[Mapping[str, Any]],
               prices_include_vat: bool = True, warehouse_id: int | None = None,
               delivery_date: dt.date | None = None, consignee: str = "", consignee_phone: str = "",
               ship_address: str = "", remarks: str = "") -> None:
    """Change a draft order (all its lines); any approval it had is withdrawn."""
    doc = _load(ctx, SALES_ORDER, order_id, version)
    customer = _customer(ctx, doc.partner_id)
    wh, _, _ = _defaults(ctx, customer, warehouse_id, doc.department_id, doc.salesperson_id)
    clean = _priced_lines(ctx, lines, customer_id=customer.id, doc_date=doc.doc_date,
                          includes_vat=bool(prices_include_vat), header_warehouse=wh)
    k.update_document(ctx, SALES_ORDER, doc, version=version, lines=_kernel_lines(clean), warehouse_id=wh,
                      remarks=(remarks or "")[:2000], prices_include_vat=bool(prices_include_vat),
                      delivery_date=delivery_date, consignee=(consignee or "")[:100],
                      consignee_phone=(consignee_phone or "")[:40], ship_address=(ship_address or "")[:300])
    _fill_priced(doc, clean)
    ctx.session.flush()


def _ensure_rules(ctx: Context, facts: Mapping[str, Any]) -> None:
    """The order's own approval reasons (credit over the limit under "approval" control, a discount over the
    company limit, a price below the floor) each need a rule: when the company has none for a reason that
    applies, a default one (administrator role, level 1) is created, as erp_core/changes does."""
    from erp_core.approvals.models import ApprovalRule
    from erp_core.security.models import Role

    cid = _company(ctx)
    wanted = [c for c, f in (("credit_exceeded", "credit_exceeded"), ("discount_over_limit", "discount_over_limit"),
                             ("below_floor_price", "below_floor")) if facts.get(f)]
    for condition in wanted:
        found = ctx.session.execute(select(ApprovalRule.id).where(
            ApprovalRule.company_id == cid, ApprovalRule.doc_type == SALES_ORDER.code,
            ApprovalRule.condition == condition, ApprovalRule.active.is_(True))).first()
        if found:
            continue
        admin_role = ctx.session.execute(select(Role.id).where(Role.company_id == cid, Role.is_admin.is_(True))
                                         .order_by(Role.id)).scalars().first()
        if admin_role is None:
            raise Conflict("error.changes.no_approver")
        ctx.session.add(ApprovalRule(company_id=cid, doc_type=SALES_ORDER.code, condition=condition,
                                     approver_role_id=admin_role, level=1, active=True,
                                     created_by=ctx.actor.user_id))
    ctx.session.flush()


@use_case("sales.order.submit", zh="提交销售订单审批", en="Submit sales order for approval")
def submit_order(ctx: Context, *, order_id: int, version: int | None = None) -> int:
    """Draft -> submitted, and ask the approvals engine (with the order's credit, discount and floor-price facts);
    returns how many approval requests were opened (0: the order may be confirmed at once)."""
    doc = _load(ctx, SALES_ORDER, order_id, version, lock=True)
    k.transition(ctx, SALES_ORDER, doc, "submit")
    _ensure_rules(ctx, k.approval_facts(ctx, SALES_ORDER, doc))
    return len(k.submit_document(ctx, SALES_ORDER, doc))


def _transition(ctx: Context, order_id: int, version: int | None, action: str, comment: str = "") -> str:
    doc = _load(ctx, SALES_ORDER, order_id, version, lock=True)
    return k.transition(ctx, SALES_ORDER, doc, action, comment=comment)


@use_case("sales.order.reopen", zh="撤回销售订单", en="Reopen sales order")
def reopen_order(ctx: Context, *, order_id: int, version: int | None = None) -> str:
    from erp_core.approvals.services import withdraw_requests

    state = _transition(ctx, order_id, version, "reopen")
    withdraw_requests(ctx, SALES_ORDER.code, order_id)
    return state


def _fmt(d: Decimal) -> str:
    return f"{d:,.2f}"


@use_case("sales.order.confirm", zh="确认销售订单", en="Confirm sales order")
def confirm_order(ctx: Context, *, order_id: int, version: int | None = None) -> dict[str, Any]:
    """Confirm (审核): the credit check (over the customer's limit: refused under "block" control; under
    "approval" the approval of the credit_exceeded rule is required), a discount over the limit or a price below
    the floor need their approval; then stock is reserved per line in its warehouse: up to what is available
    (on hand - open reservations), the rest stays a backorder, unless the company allows reserving beyond the
    stock. Returns {"status", "reserved": {line_no: qty}, "short": {line_no: qty}}."""
    doc = _load(ctx, SALES_ORDER, order_id, version, lock=True)
    facts = k.approval_facts(ctx, SALES_ORDER, doc)
    cfg = rules.setting(ctx.session, doc.company_id)
    if facts.get("credit_over") and cfg.credit_control == "block":
        from erp_core.masterdata.models_partners import Customer

        customer = ctx.session.get(Customer, doc.partner_id)
        exp = rules.exposure(ctx.session, doc.company_id, customer.id, exclude_order_id=doc.id)
        raise Conflict("error.sales.credit_blocked", customer=customer.name, limit=_fmt(customer.credit_limit),
                       exposure=_fmt(exp.total), amount=_fmt(doc.total),
                       over=_fmt(exp.total + doc.total - customer.credit_limit))
    from erp_core.approvals.services import approval_state, matching_rules

    if approval_state(ctx.session, doc.company_id, SALES_ORDER.code, doc.id) == "none":
        needs = [name for name, f in (("credit_exceeded", "credit_exceeded"),
                                      ("discount_over_limit", "discount_over_limit"),
                                      ("below_floor_price", "below_floor")) if facts.get(f)]
        have = {r.condition for r in matching_rules(ctx.session, doc.company_id, SALES_ORDER.code, facts)}
        missing = [n for n in needs if n not in have]
        if missing:  # no rule yet for a reason that applies: the order must be submitted (creates the rule)
            raise Conflict("error.sales.needs_approval", number=doc.number, reasons=", ".join(missing))
    status = k.transition(ctx, SALES_ORDER, doc, "confirm")
    reserved, short = reserve(ctx, doc, allow_over=cfg.allow_over_reserve)
    ctx.changes["reserved"] = {str(n): str(q) for n, q in reserved.items()}
    return {"status": status, "reserved": reserved, "short": short}


def reserve(ctx: Context, doc: SalesOrder, *, allow_over: bool) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Set each stock line's reserved_qty (in the use case's transaction, the order row locked): the open
    quantity, capped by what is available in its warehouse unless ``allow_over``."""
    from erp_core.masterdata.models_items import Product

    left: dict[tuple[int, int], Decimal] = {}
    reserved, short = {}, {}
    for ln in doc.lines:
        wh = rules.order_line_warehouse(doc, ln)
        product = ctx.session.get(Product, ln.product_id)
        if wh is None or product is None or product.kind != "product":
            continue
        key = (wh, ln.product_id)
        if key not in left:
            left[key] = rules.availability(ctx.session, doc.company_id, wh, ln.product_id,
                                           exclude_order_id=doc.id).available
        want = ln.ordered_qty - (ln.received_qty - ln.returned_qty)
        take = want if allow_over else max(min(want, left[key]), ZERO)
        left[key] -= take
        ln.reserved_qty = take + (ln.received_qty - ln.returned_qty)
        reserved[ln.line_no] = take
        if take < want:
            short[ln.line_no] = want - take
    ctx.session.flush()
    return reserved, short


@use_case("sales.order.close", zh="关闭销售订单", en="Close sales order")
def close_order(ctx: Context, *, order_id: int, version: int | None = None, comment: str = "") -> str:
    """No more deliveries against it (what was delivered stays; invoicing may continue); its open reservations
    are released (only confirmed orders hold stock)."""
    return _transition(ctx, order_id, version, "close", comment)


@use_case("sales.order.cancel", zh="作废销售订单", en="Cancel sales order")
def cancel_order(ctx: Context, *, order_id: int, version: int | None = None, comment: str = "") -> str:
    """Only while nothing was delivered or invoiced against it; its reservations are released."""
    doc = _load(ctx, SALES_ORDER, order_id, version, lock=True)
    if any(ln.received_qty != 0 or ln.invoiced_qty != 0 for ln in doc.lines) or _drafts_against(ctx, doc):
        raise Conflict("error.sales.order_has_deliveries", number=doc.number)
    return k.transition(ctx, SALES_ORDER, doc, "cancel", comment=comment)


def _drafts_against(ctx: Context, doc: SalesOrder) -> bool:
    ids = [ln.id for ln in doc.lines]
    return ctx.session.execute(select(SalesDeliveryLine.id).join(
        SalesDelivery, SalesDelivery.id == SalesDeliveryLine.header_id).where(
        SalesDeliveryLine.order_line_id.in_(ids), SalesDelivery.status == "draft").limit(1)).first() is not None


# --- deliveries ---------------------------------------------------------------------------------------------

def _delivery_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], header_warehouse: int | None, *,
                    exclude_delivery_id: int | None = None) -> tuple[list[dict[str, Any]], SalesOrder]:
    """Clean delivery lines (order_line_id, quantity, warehouse_id, remarks) and the first order (the customer,
    department and salesperson come from it; every order must be the same customer's)."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, customers, first = [], set(), None
    wanted: dict[int, Decimal] = {}
    for i, ln in enumerate(lines or [], start=1):
        olid = ln.get("order_line_id")
        ol = ctx.session.get(SalesOrderLine, olid) if isinstance(olid, int) else None
        order = ol.header if ol is not None else None
        if order is None or order.company_id != _company(ctx) or not touches(ctx, order):
            problems.append(ValidationError("error.sales.order_line_unknown", field=F_ORDER_LINE, line=i))
            continue
        if order.status not in rules.OPEN_ORDER:
            problems.append(ValidationError("error.sales.order_not_open", field=F_ORDER_LINE, line=i,
                                            number=order.number))
        first = first or order
        customers.add(order.partner_id)
        if not _is_stock(ctx, ol.product_id):
            problems.append(ValidationError("error.sales.not_stock_product", field=F_ORDER_LINE, line=i))
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        wh = ln.get("warehouse_id") or header_warehouse or rules.order_line_warehouse(order, ol)
        if not _warehouse_ok(ctx, wh):
            problems.append(ValidationError("error.sales.warehouse_unknown", field=F_WAREHOUSE, line=i))
        if qty is not None:
            wanted[ol.id] = wanted.get(ol.id, ZERO) + qty
            room = ol.ordered_qty - (ol.received_qty - ol.returned_qty) - _drafted(ctx, ol.id, exclude_delivery_id)
            if wanted[ol.id] > room:
                problems.append(ValidationError("error.sales.over_delivery", field=F_QTY, line=i,
                                                number=order.number, order_line=ol.line_no,
                                                room=f"{max(room, ZERO).normalize():f}"))
        out.append({"order_line": ol, "product_id": ol.product_id, "ordered_qty": qty, "unit_price": ol.net_price,
                    "warehouse_id": wh, "remarks": str(ln.get("remarks") or "")[:200]})
    if len(customers) > 1:
        problems.append(ValidationError("error.sales.one_customer", field=F_ORDER_LINE))
    raise_if(problems)
    return out, first


def _is_stock(ctx: Context, product_id: int | None) -> bool:
    from erp_core.masterdata.models_items import Product

    product = ctx.session.get(Product, product_id) if product_id is not None else None
    return product is not None and product.kind == "product"


def _drafted(ctx: Context, order_line_id: int, exclude_delivery_id: int | None) -> Decimal:
    """What draft deliveries (other than ``exclude_delivery_id``) already plan to ship of an order line."""
    from sqlalchemy import func

    stmt = (select(func.coalesce(func.sum(SalesDeliveryLine.ordered_qty), 0))
            .join(SalesDelivery, SalesDelivery.id == SalesDeliveryLine.header_id)
            .where(SalesDeliveryLine.order_line_id == order_line_id, SalesDelivery.status == "draft"))
    if exclude_delivery_id is not None:
        stmt = stmt.where(SalesDelivery.id != exclude_delivery_id)
    return Decimal(ctx.session.execute(stmt).scalar_one())


def _fill_delivery(doc: SalesDelivery, clean: list[dict[str, Any]]) -> None:
    """Per line the order line's tax rate; net amount (the kernel's qty x net price), VAT and gross to the fen.
    The header's total is the gross value shipped (what is to be invoiced, incl. VAT)."""
    tax_total = gross = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        ol = row["order_line"]
        ln.order_line_id, ln.tax_rate = ol.id, ol.tax_rate
        if ol.ordered_qty == ln.ordered_qty:  # the whole line: exactly the order's amounts
            ln.amount, ln.tax_amount, ln.gross_amount = ol.net_amount, ol.tax_amount, ol.gross_amount
        else:
            ln.gross_amount = _money(ol.gross_amount * ln.ordered_qty / ol.ordered_qty)
            ln.amount = _money(ol.net_amount * ln.ordered_qty / ol.ordered_qty)
            ln.tax_amount = ln.gross_amount - ln.amount
        tax_total += ln.tax_amount
        gross += ln.gross_amount
    doc.tax_total, doc.total = tax_total, gross


def _shipping(shipping_method: str) -> None:
    if shipping_method not in SHIPPING_METHODS:
        raise ValidationError("error.sales.shipping_method", field=F_METHOD)


@use_case("sales.delivery.create", zh="新建销售出库单", en="Create sales delivery")
def create_delivery(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                    warehouse_id: int | None = None, carrier: str = "", shipping_method: str = "delivery",
                    tracking_no: str = "", consignee: str | None = None, consignee_phone: str | None = None,
                    ship_address: str | None = None, remarks: str = "", source_no: str | None = None) -> int:
    """A draft delivery (发货单) against confirmed order lines of one customer (several orders may be shipped
    together; a line may ship part of its order line: the rest stays on backorder). doc_date is the ship date;
    consignee and address default to the first order's."""
    day = _date(doc_date)
    _shipping(shipping_method)
    if warehouse_id is not None and not _warehouse_ok(ctx, warehouse_id):
        raise ValidationError("error.sales.warehouse_unknown", field=F_WAREHOUSE)
    clean, order = _delivery_lines(ctx, lines, warehouse_id)
    doc = k.create_document(
        ctx, SALES_DELIVERY, doc_date=day, lines=_kernel_lines(clean), partner_id=order.partner_id,
        warehouse_id=warehouse_id, department_id=order.department_id, project_id=order.project_id,
        remarks=(remarks or "")[:2000], carrier=(carrier or "")[:100], shipping_method=shipping_method,
        tracking_no=(tracking_no or "")[:60],
        consignee=(order.consignee if consignee is None else consignee)[:100],
        consignee_phone=(order.consignee_phone if consignee_phone is None else consignee_phone)[:40],
        ship_address=(order.ship_address if ship_address is None else ship_address)[:300],
        salesperson_id=order.salesperson_id, source_no=source_no)
    _fill_delivery(doc, clean)
    ctx.session.flush()
    return doc.id


@use_case("sales.delivery.edit", zh="修改销售出库单", en="Edit sales delivery")
def edit_delivery(ctx: Context, *, delivery_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                  warehouse_id: int | None = None, carrier: str = "", shipping_method: str = "delivery",
                  tracking_no: str = "", consignee: str = "", consignee_phone: str = "", ship_address: str = "",
                  remarks: str = "") -> None:
    doc = _load(ctx, SALES_DELIVERY, delivery_id, version)
    _shipping(shipping_method)
    clean, order = _delivery_lines(ctx, lines, warehouse_id, exclude_delivery_id=doc.id)
    if order.partner_id != doc.partner_id:
        raise ValidationError("error.sales.one_customer", field=F_ORDER_LINE)
    k.update_document(ctx, SALES_DELIVERY, doc, version=version, lines=_kernel_lines(clean),
                      warehouse_id=warehouse_id, remarks=(remarks or "")[:2000], carrier=(carrier or "")[:100],
                      shipping_method=shipping_method, tracking_no=(tracking_no or "")[:60],
                      consignee=(consignee or "")[:100], consignee_phone=(consignee_phone or "")[:40],
                      ship_address=(ship_address or "")[:300])
    _fill_delivery(doc, clean)
    ctx.session.flush()


@use_case("sales.delivery.post", zh="过账销售出库单", en="Post sales delivery")
def post_delivery(ctx: Context, *, delivery_id: int, version: int | None = None) -> int | None:
    """Stock moves "issue" at the issue cost + Dr 主营业务成本 / Cr 库存商品 in this transaction; each order line
    counts the quantity as delivered (the order's progress and open reservation follow). Returns the voucher."""
    doc = _load(ctx, SALES_DELIVERY, delivery_id, version, lock=True, for_posting=True)
    if doc.posted_at is not None:  # said first: the order-line checks below would refuse it less clearly
        raise Conflict("error.documents.already_posted", number=doc.number)
    problems: list[ValidationError] = []
    wanted: dict[int, Decimal] = {}
    pairs = []
    lines = list(doc.lines)
    by_id = k.upstream_lines(ctx, SALES_ORDER, SALES_DELIVERY, doc)
    for i, ln in enumerate(lines, start=1):
        ol = by_id.get(ln.order_line_id)
        if ol is None:  # its order line is gone (read in the same statement as the others)
            raise NotFound(entity=SALES_ORDER.code, id=ln.order_line_id)
        if ol.header.status not in rules.OPEN_ORDER:
            raise Conflict("error.sales.order_not_open_post", number=ol.header.number)
        wanted[ol.id] = wanted.get(ol.id, ZERO) + ln.ordered_qty
        room = ol.ordered_qty - (ol.received_qty - ol.returned_qty)
        if wanted[ol.id] > room:
            problems.append(ValidationError("error.sales.over_delivery", field=F_QTY, line=i,
                                            number=ol.header.number, order_line=ol.line_no,
                                            room=f"{max(room, ZERO).normalize():f}"))
        pairs.append((ol, ln))
    raise_if(problems)
    _check_reserved_for_others(ctx, doc, pairs)
    k.post_document(ctx, SALES_DELIVERY, doc)
    k.link_lines(ctx, SALES_ORDER, SALES_DELIVERY, doc, [(ol.header, ol, ln, ln.ordered_qty) for ol, ln in pairs],
                 counts_as="received")
    return doc.voucher_id


def _check_reserved_for_others(ctx: Context, doc: SalesDelivery, pairs: list[tuple[Any, Any]]) -> None:
    """Goods reserved for other orders do not leave with this delivery: per warehouse and product, what ships
    beyond the delivered lines' own open reservations must fit in the free stock (on hand - every open
    reservation), unless the company allows reserving beyond the stock."""
    if rules.allow_over_reserve(ctx.session, doc.company_id):
        return
    need: dict[tuple[int, int], Decimal] = {}
    for ol, ln in pairs:
        key = (ln.warehouse_id or doc.warehouse_id, ln.product_id)
        need[key] = need.get(key, ZERO) + max(ln.ordered_qty - rules.open_reservation(ol), ZERO)
    for (wh, pid), beyond in sorted(need.items()):
        if beyond <= 0:
            continue
        a = rules.availability(ctx.session, doc.company_id, wh, pid)
        if beyond > max(a.available, ZERO):
            raise Conflict("error.sales.reserved_for_others", number=doc.number, quantity=f"{beyond.normalize():f}",
                           available=f"{max(a.available, ZERO).normalize():f}")


@use_case("sales.delivery.cancel", zh="作废销售出库单", en="Cancel sales delivery")
def cancel_delivery(ctx: Context, *, delivery_id: int, version: int | None = None) -> str:
    doc = _load(ctx, SALES_DELIVERY, delivery_id, version, lock=True)
    return k.transition(ctx, SALES_DELIVERY, doc, "cancel")


@use_case("sales.delivery.reverse", zh="红冲销售出库单", en="Reverse sales delivery")
def reverse_delivery(ctx: Context, *, delivery_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """红字出库: the whole delivery negated (stock back at the same cost, voucher negated), the order lines'
    delivered quantities given back. Refused once any of it was invoiced from the delivery or returned (use a
    return); revenue recognised on it for goods invoiced in advance (收入确认) is reversed with it, back to 预收."""
    from erp_core.billing.invoice_services import follow_delivery_change

    doc = _load(ctx, SALES_DELIVERY, delivery_id, lock=True)
    if doc.reverses_id is not None:  # a red copy is never reversed (the kernel's rule, asked first here)
        raise Conflict("error.documents.reverse_red", number=doc.number)
    if doc.status == "posted" and not any(ln.returned_qty != 0 for ln in doc.lines):
        # goods invoiced in advance and recognised on this delivery: the recognition is reversed with it
        # (their revenue goes back to 预收); an invoice made from the delivery itself still refuses it
        follow_delivery_change(ctx, doc, doc_date or doc.doc_date, whole=True)
    if any(ln.invoiced_qty != 0 or ln.returned_qty != 0 for ln in doc.lines):
        raise Conflict("error.sales.delivery_in_use", number=doc.number)
    for ln in doc.lines:
        ol = ctx.session.get(SalesOrderLine, ln.order_line_id) if ln.order_line_id is not None else None
        if ol is not None and ol.header.status not in rules.OPEN_ORDER:
            raise Conflict("error.sales.order_not_open_post", number=ol.header.number)
    return k.reverse_document(ctx, SALES_DELIVERY, doc, doc_date=doc_date, comment=comment).id


# --- returns ------------------------------------------------------------------------------------------------

def _posted_delivery_line(ctx: Context, dlid: Any, i: int, problems: list[ValidationError]
                          ) -> SalesDeliveryLine | None:
    dl = ctx.session.get(SalesDeliveryLine, dlid) if isinstance(dlid, int) else None
    if dl is None or dl.header.company_id != _company(ctx) or not touches(ctx, dl.header):
        problems.append(ValidationError("error.sales.delivery_line_unknown", field=F_DELIVERY_LINE, line=i))
        return None
    d = dl.header
    if d.status != "posted" or d.reverses_id is not None:
        problems.append(ValidationError("error.sales.delivery_not_posted", field=F_DELIVERY_LINE, line=i,
                                        number=d.number))
        return None
    return dl


def _return_lines(ctx: Context, lines: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], SalesDelivery]:
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, customers, first = [], set(), None
    wanted: dict[int, Decimal] = {}
    for i, ln in enumerate(lines or [], start=1):
        dl = _posted_delivery_line(ctx, ln.get("delivery_line_id"), i, problems)
        qty = k.line_number(ln.get("quantity"), F_QTY, i, problems)
        if dl is None:
            continue
        first = first or dl.header
        customers.add(dl.header.partner_id)
        if qty is not None:
            wanted[dl.id] = wanted.get(dl.id, ZERO) + qty
            room = dl.ordered_qty - dl.returned_qty
            if wanted[dl.id] > room:
                problems.append(ValidationError("error.sales.over_return", field=F_QTY, line=i,
                                                number=dl.header.number, room=f"{room.normalize():f}"))
        out.append({"delivery_line": dl, "product_id": dl.product_id, "ordered_qty": qty,
                    "unit_price": dl.unit_price, "warehouse_id": dl.warehouse_id or dl.header.warehouse_id,
                    "remarks": str(ln.get("remarks") or "")[:200]})
    if len(customers) > 1:
        problems.append(ValidationError("error.sales.one_customer", field=F_DELIVERY_LINE))
    raise_if(problems)
    return out, first


@use_case("sales.return.create", zh="新建销售退货单", en="Create sales return")
def create_return(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]], reason: str,
                  remarks: str = "") -> int:
    """A draft return (red delivery) against posted delivery lines of one customer (up to what was shipped and
    not yet returned), with its reason; goods come back at the delivery's cost. Goods already invoiced need a
    red invoice as well (billing)."""
    day = _date(doc_date)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("error.required", field=F_REASON)
    clean, delivery = _return_lines(ctx, lines)
    doc = k.create_document(ctx, SALES_RETURN, doc_date=day, lines=_kernel_lines(clean),
                            partner_id=delivery.partner_id, department_id=delivery.department_id,
                            remarks=(remarks or "")[:2000], reason=reason[:200])
    tax_total = gross = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        dl = row["delivery_line"]
        ln.delivery_line_id, ln.tax_rate = dl.id, dl.tax_rate
        ln.gross_amount = dl.gross_amount if ln.ordered_qty == dl.ordered_qty else \
            _money(dl.gross_amount * ln.ordered_qty / dl.ordered_qty)
        ln.amount = dl.amount if ln.ordered_qty == dl.ordered_qty else \
            _money(dl.amount * ln.ordered_qty / dl.ordered_qty)
        ln.tax_amount = ln.gross_amount - ln.amount
        tax_total += ln.tax_amount
        gross += ln.gross_amount
    doc.tax_total, doc.total = tax_total, gross
    ctx.session.flush()
    return doc.id


@use_case("sales.return.post", zh="过账销售退货单", en="Post sales return")
def post_return(ctx: Context, *, return_id: int, version: int | None = None) -> int | None:
    """Stock moves "receipt" at the delivery's cost and Dr stock / Cr 主营业务成本; the delivery and order lines
    count the quantity as returned (the order's progress goes back). Revenue recognised for returned goods that
    were invoiced in advance (收入确认) goes back to 预收 (billing.invoice_services.follow_delivery_change)."""
    doc = _load(ctx, SALES_RETURN, return_id, version, lock=True)
    k.lock_upstream_lines(ctx, [(SALES_DELIVERY, ln.delivery_line_id) for ln in doc.lines],
                          order_type=SALES_ORDER)  # the checks below read what postings before it committed
    problems: list[ValidationError] = []
    pairs = []
    for i, ln in enumerate(doc.lines, start=1):
        dl = _posted_delivery_line(ctx, ln.delivery_line_id, i, problems)
        if dl is not None and dl.returned_qty + ln.ordered_qty > dl.ordered_qty:
            problems.append(ValidationError("error.sales.over_return", field=F_QTY, line=i,
                                            number=dl.header.number,
                                            room=f"{(dl.ordered_qty - dl.returned_qty).normalize():f}"))
        pairs.append((dl, ln))
    raise_if(problems)
    k.post_document(ctx, SALES_RETURN, doc)
    for dl, ln in pairs:
        k.link(ctx, SALES_DELIVERY, dl.header, SALES_RETURN, doc, from_line=dl, to_line=ln,
               quantity=ln.ordered_qty, counts_as="returned")
        if dl.order_line_id is not None:
            ol = ctx.session.get(SalesOrderLine, dl.order_line_id)
            k.link(ctx, SALES_ORDER, ol.header, SALES_RETURN, doc, from_line=ol, to_line=ln,
                   quantity=ln.ordered_qty, counts_as="returned")
    from erp_core.billing.invoice_services import follow_delivery_change

    for delivery in {dl.header.id: dl.header for dl, _ in pairs}.values():
        # revenue recognised for goods that came back goes back to 预收 (红字 recognition, then what stays
        # delivered is recognised again), in this transaction
        follow_delivery_change(ctx, delivery, doc.doc_date, whole=False)
    return doc.voucher_id


@use_case("sales.return.cancel", zh="作废销售退货单", en="Cancel sales return")
def cancel_return(ctx: Context, *, return_id: int, version: int | None = None) -> str:
    doc = _load(ctx, SALES_RETURN, return_id, version, lock=True)
    return k.transition(ctx, SALES_RETURN, doc, "cancel")
