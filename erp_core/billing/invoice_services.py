"""Use cases of sales invoices (销售发票): create / edit / post / cancel / reverse (whole, 红冲) and the red
invoice (红字发票: part of an invoice given back, with its reason), plus the fapiao register (发票登记簿).

An invoice line comes from a POSTED delivery line (source_type "sales_delivery": the delivered quantity not yet
invoiced), from a confirmed order line (source_type "sales_order": services, or goods invoiced before delivery,
which post to 预收 instead of revenue), or is a free line (a product or a description, no source). Posting links
the lines upstream with counts_as="invoiced" (the delivery line and its order line), so the order's derived
progress follows; a red invoice gives the counts back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from erp_core.billing.doctypes import SALES_INVOICE
from erp_core.billing.models import VAT_KINDS, FapiaoRecord, SalesInvoice, SalesInvoiceLine
from erp_core.documents import services as k
from erp_core.documents.registry import document_type
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, to_decimal
from erp_core.security.scope import may_touch
from erp_core.settlement import open_items as oi
from erp_core.usecase import Context, use_case

ZERO = Decimal(0)
F_CUSTOMER = "field.billing.customer"
F_SOURCE = "field.billing.source_line"
F_QTY = "field.documents.quantity"
F_PRICE = "field.documents.unit_price"
F_VAT_KIND = "field.billing.vat_kind"
F_INVOICE_NO = "field.billing.invoice_no"
F_REASON = "field.billing.red_reason"
F_DATE = "field.documents.doc_date"
SOURCES = ("sales_delivery", "sales_order")
ORDER_OK = ("confirmed", "sent", "partly_delivered", "delivered", "closed", "shipped")


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def _date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError("error.required", field=F_DATE)
    return value


def _money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _dec(value: Any, field: str, line: int, problems: list[ValidationError], *, positive: bool) -> Decimal | None:
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        d = None
    if d is None or not d.is_finite():
        problems.append(ValidationError("error.documents.number", field=field, line=line))
        return None
    if (positive and d <= 0) or d < 0:
        problems.append(ValidationError("error.documents.quantity_positive" if positive else
                                        "error.documents.not_negative", field=field, line=line))
        return None
    return d + 0


def customer_of(ctx: Context, customer_id: Any) -> Any:
    from erp_core.masterdata.models_partners import Customer

    row = ctx.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if row is None or row.company_id != _company(ctx) or row.merged_into is not None:
        raise ValidationError("error.billing.customer_unknown", field=F_CUSTOMER)
    return row


def _tax_rate(ctx: Context, product_id: int | None, on: dt.date) -> Decimal:
    from erp_core.masterdata.models_items import Product
    from erp_core.settings.tax_services import tax_rate_on

    product = ctx.session.get(Product, product_id) if product_id else None
    if product is None or not product.tax_rate_code:
        return ZERO
    row = tax_rate_on(ctx.session, _company(ctx), product.tax_rate_code, on)
    return row.rate if row is not None else ZERO


def _net_price(src: Any) -> Decimal:
    """A source line's unit price excl. VAT (the sales module keeps net_price beside unit_price when prices
    include VAT)."""
    for attr in ("net_price", "unit_price"):
        value = getattr(src, attr, None)
        if value is not None:
            return Decimal(value)
    return ZERO


def _order_line_of(ctx: Context, src: Any) -> Any:
    olid = getattr(src, "order_line_id", None)
    if not olid:
        return None
    return ctx.session.get(document_type("sales_order").line, olid)


def _source_line(ctx: Context, source_type: str, line_id: Any) -> Any:
    t = document_type(source_type)
    src = ctx.session.get(t.line, line_id) if isinstance(line_id, int) else None
    if src is None or src.header.company_id != _company(ctx):
        return None
    head = src.header
    if source_type == "sales_delivery" and head.posted_at is None:
        return None
    if source_type == "sales_order" and head.status not in ORDER_OK:
        return None
    return src


def _room(src: Any, source_type: str, *, red: bool) -> Decimal:
    invoiced = src.invoiced_qty or ZERO
    if red:
        return invoiced
    return (src.ordered_qty or ZERO) - (src.returned_qty or ZERO) - invoiced


def _order_room(ctx: Context, source_type: str, src: Any, qty: Decimal, wanted: dict, line: int,
                problems: list[ValidationError], *, red: bool) -> None:
    """A delivery line is also held to its order line: goods the order invoiced in advance (先开票后发货) are not
    invoiced again when delivered (their revenue is recognised: recognize_revenue)."""
    if red or source_type != "sales_delivery":
        return
    ol = _order_line_of(ctx, src)
    if ol is None:
        return
    key = ("order_of_delivery", ol.id)
    wanted[key] = wanted.get(key, ZERO) + qty
    room = (ol.ordered_qty or ZERO) - (ol.returned_qty or ZERO) - (ol.invoiced_qty or ZERO)
    if wanted[key] > room:
        problems.append(ValidationError("error.billing.invoiced_in_advance", field=F_QTY, line=line,
                                        number=ol.header.number, room=f"{max(room, ZERO).normalize():f}"))


def _product_kind(ctx: Context, product_id: int | None) -> str:
    from erp_core.masterdata.models_items import Product

    p = ctx.session.get(Product, product_id) if product_id else None
    return p.kind if p is not None else "service"


def _invoice_lines(ctx: Context, lines: Sequence[Mapping[str, Any]], on: dt.date, *, red: bool
                   ) -> tuple[list[dict[str, Any]], set[int]]:
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    out, customers = [], set()
    wanted: dict[tuple[str, int], Decimal] = {}
    for i, ln in enumerate(lines or [], start=1):
        qty = _dec(ln.get("quantity"), F_QTY, i, problems, positive=True)
        source_type = ln.get("source_type") or None
        src = None
        if source_type is not None:
            if source_type not in SOURCES:
                problems.append(ValidationError("error.billing.source_line", field=F_SOURCE, line=i))
                continue
            src = _source_line(ctx, source_type, ln.get("source_line_id"))
            if src is None:
                problems.append(ValidationError("error.billing.source_line", field=F_SOURCE, line=i))
                continue
            customers.add(src.header.partner_id)
        price_in = ln.get("unit_price")
        if price_in in (None, "") and src is not None:
            price = _net_price(src)
        else:
            price = _dec(price_in if price_in is not None else 0, F_PRICE, i, problems, positive=False)
        product_id = src.product_id if src is not None else (ln.get("product_id") or None)
        rate = ln.get("tax_rate")
        if rate in (None, ""):
            rate = getattr(src, "tax_rate", None) if src is not None else None
            if rate is None:
                rate = _tax_rate(ctx, product_id, on)
        rate = to_decimal(rate)
        advance = False
        if src is not None and qty is not None:
            key = (source_type, src.id)
            wanted[key] = wanted.get(key, ZERO) + qty
            room = _room(src, source_type, red=red)
            if wanted[key] > room:
                problems.append(ValidationError("error.billing.red_over_invoiced" if red else
                                                "error.billing.over_invoice", field=F_QTY, line=i,
                                                number=src.header.number, room=f"{room.normalize():f}"))
            advance = source_type == "sales_order" and _product_kind(ctx, product_id) != "service"
            _order_room(ctx, source_type, src, qty, wanted, i, problems, red=red)
        out.append({"source_type": source_type, "src": src, "product_id": product_id, "ordered_qty": qty,
                    "unit_price": price, "warehouse_id": getattr(src, "warehouse_id", None) if src else None,
                    "remarks": str(ln.get("remarks") or "")[:200], "tax_rate": rate,
                    "tax_amount": ln.get("tax_amount"), "advance": advance})
    if len(customers) > 1:
        problems.append(ValidationError("error.billing.one_customer", field=F_SOURCE))
    raise_if(problems)
    return out, customers


def _kernel_lines(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k_: c[k_] for k_ in ("product_id", "ordered_qty", "unit_price", "warehouse_id", "remarks")}
            for c in clean]


def _fill(doc: SalesInvoice, clean: list[dict[str, Any]]) -> None:
    """VAT per line: rate x net amount rounded to the fen, unless the printed VAT is given. The header's totals
    are what the customer owes (open item "receivable"): negative for a red invoice."""
    net = tax = ZERO
    for ln, row in zip(doc.lines, clean, strict=True):
        ln.source_type = row["source_type"]
        ln.source_line_id = row["src"].id if row["src"] is not None else None
        ln.tax_rate, ln.advance = row["tax_rate"], row["advance"]
        given = row["tax_amount"]
        ln.tax_amount = _money(to_decimal(given)) if given not in (None, "") else _money(ln.amount * ln.tax_rate)
        ln.gross_amount = ln.amount + ln.tax_amount
        net += ln.amount
        tax += ln.tax_amount
    sign = -1 if doc.red else 1
    doc.net_total, doc.tax_total, doc.total = net * sign, tax * sign, (net + tax) * sign


def _header_check(invoice_no: str, vat_kind: str) -> None:
    problems = []
    if vat_kind not in VAT_KINDS:
        problems.append(ValidationError("error.billing.vat_kind", field=F_VAT_KIND))
    if len(invoice_no or "") > 40:
        problems.append(ValidationError("error.billing.invoice_no", field=F_INVOICE_NO))
    raise_if(problems)


def _due(customer: Any, day: dt.date, due_date: Any) -> dt.date:
    if isinstance(due_date, dt.date):
        return due_date
    return day + dt.timedelta(days=customer.payment_terms_days or 0)


def _load(ctx: Context, invoice_id: int, version: int | None = None, *, lock: bool = False) -> SalesInvoice:
    doc = k.load_document(ctx, SALES_INVOICE, invoice_id, lock=lock)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, owner_id=doc.created_by):
        raise NotFound(entity="sales_invoice", id=invoice_id)
    ctx.check_version(doc, version)
    return doc


def _common(headers: set, column: str) -> int | None:
    """The department or project the source documents share (revenue is booked on it), else none."""
    values = {getattr(h, column, None) for h in headers}
    return values.pop() if len(values) == 1 else None


@use_case("sales.invoice.create", zh="新建销售发票", en="Create sales invoice")
def create_invoice(ctx: Context, *, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                   customer_id: int | None = None, invoice_no: str = "", vat_kind: str = "special",
                   due_date: dt.date | None = None, department_id: int | None = None, remarks: str = "",
                   source_no: str | None = None) -> int:
    """A draft sales invoice. Lines: source_type ("sales_delivery" / "sales_order" / none) + source_line_id,
    quantity, unit_price (excl. VAT; default the source's), tax_rate (default the source's or the product's),
    tax_amount (default rate x net), product_id for a free line. The customer is the sources' (or
    ``customer_id`` for free lines); the due date defaults to the date plus the customer's 账期."""
    day = _date(doc_date)
    _header_check(invoice_no, vat_kind)
    clean, customers = _invoice_lines(ctx, lines, day, red=False)
    if customer_id is not None:
        customers.add(customer_id)
    if len(customers) != 1:
        raise ValidationError("error.billing.one_customer" if customers else "error.billing.customer_unknown",
                              field=F_CUSTOMER)
    customer = customer_of(ctx, customers.pop())
    sources = {ln["src"].header for ln in clean if ln["src"] is not None}
    doc = k.create_document(ctx, SALES_INVOICE, doc_date=day, lines=_kernel_lines(clean), partner_id=customer.id,
                            department_id=department_id or _common(sources, "department_id"),
                            project_id=_common(sources, "project_id"), remarks=(remarks or "")[:2000],
                            invoice_no=(invoice_no or "").strip(), vat_kind=vat_kind, red=False,
                            due_date=_due(customer, day, due_date), source_no=source_no)
    _fill(doc, clean)
    ctx.session.flush()
    return doc.id


@use_case("sales.invoice.edit", zh="修改销售发票", en="Edit sales invoice")
def edit_invoice(ctx: Context, *, invoice_id: int, version: int, lines: Sequence[Mapping[str, Any]],
                 invoice_no: str = "", vat_kind: str = "special", due_date: dt.date | None = None,
                 remarks: str = "") -> None:
    doc = _load(ctx, invoice_id, version)
    _header_check(invoice_no, vat_kind)
    clean, customers = _invoice_lines(ctx, lines, doc.doc_date, red=doc.red)
    if customers - {doc.partner_id}:
        raise ValidationError("error.billing.one_customer", field=F_SOURCE)
    customer = customer_of(ctx, doc.partner_id)
    k.update_document(ctx, SALES_INVOICE, doc, version=version, lines=_kernel_lines(clean),
                      remarks=(remarks or "")[:2000], invoice_no=(invoice_no or "").strip(), vat_kind=vat_kind,
                      due_date=_due(customer, doc.doc_date, due_date))
    _fill(doc, clean)
    ctx.session.flush()


def register_fapiao(ctx: Context, doc: SalesInvoice) -> None:
    """The invoice's fapiao number into the register (refused when another invoice already holds it)."""
    from erp_core.masterdata.models_partners import Customer

    if not doc.invoice_no:
        return
    row = ctx.session.execute(select(FapiaoRecord).where(FapiaoRecord.company_id == doc.company_id,
                                                         FapiaoRecord.fapiao_no == doc.invoice_no)
                              ).scalar_one_or_none()
    if row is not None:
        if row.invoice_id not in (None, doc.id):
            raise Conflict("error.billing.fapiao_taken", fapiao=doc.invoice_no)
        row.invoice_id = doc.id
        return
    cust = ctx.session.get(Customer, doc.partner_id)
    ctx.session.add(FapiaoRecord(company_id=doc.company_id, fapiao_no=doc.invoice_no, issue_date=doc.doc_date,
                                 buyer_name=cust.name if cust else "", buyer_tax_id=(cust.tax_id or "") if cust else "",
                                 amount=doc.net_total, tax=doc.tax_total, invoice_id=doc.id, origin="entered",
                                 created_by=ctx.actor.user_id, created_at=naive_utcnow()))
    ctx.session.flush()


def _link_upstream(ctx: Context, doc: SalesInvoice, sign: int) -> None:
    """The invoice's lines count as invoiced on their delivery lines and those lines' order lines (or on the
    order line an invoice line came from)."""
    for ln in doc.lines:
        if ln.source_type is None:
            continue
        t = document_type(ln.source_type)
        src = ctx.session.get(t.line, ln.source_line_id)
        qty = ln.ordered_qty * sign
        counts = "invoiced" if "invoiced" in t.tracks else None
        k.link(ctx, t, src.header, SALES_INVOICE, doc, from_line=src, to_line=ln, quantity=qty, counts_as=counts)
        if ln.source_type == "sales_delivery":
            ol = _order_line_of(ctx, src)
            if ol is not None:
                ot = document_type("sales_order")
                k.link(ctx, ot, ol.header, SALES_INVOICE, doc, from_line=ol, to_line=ln, quantity=qty,
                       counts_as="invoiced" if "invoiced" in ot.tracks else None)


def _recheck_room(ctx: Context, doc: SalesInvoice) -> None:
    problems: list[ValidationError] = []
    wanted: dict[tuple[str, int], Decimal] = {}
    for i, ln in enumerate(doc.lines, start=1):
        if ln.source_type is None:
            continue
        src = _source_line(ctx, ln.source_type, ln.source_line_id)
        if src is None:
            problems.append(ValidationError("error.billing.source_line", field=F_SOURCE, line=i))
            continue
        key = (ln.source_type, src.id)
        wanted[key] = wanted.get(key, ZERO) + ln.ordered_qty
        room = _room(src, ln.source_type, red=doc.red)
        if wanted[key] > room:
            problems.append(ValidationError("error.billing.red_over_invoiced" if doc.red else
                                            "error.billing.over_invoice", field=F_QTY, line=i,
                                            number=src.header.number, room=f"{room.normalize():f}"))
        _order_room(ctx, ln.source_type, src, ln.ordered_qty, wanted, i, problems, red=doc.red)
    raise_if(problems)


@use_case("sales.invoice.post", zh="过账销售发票", en="Post sales invoice")
def post_invoice(ctx: Context, *, invoice_id: int, version: int | None = None) -> int:
    """Post: voucher Dr 应收 / Cr 收入 (or 预收 for goods not yet delivered) / Cr 销项; the fapiao number into the
    register; the source lines count the quantity as invoiced. A red invoice is set against its original's open
    amount (红蓝对冲) as far as that is open. Returns the voucher id."""
    doc = _load(ctx, invoice_id, version, lock=True)
    ret = _return_of(ctx, doc) if doc.red else None  # the return a red invoice credits (_credit_return)
    k.lock_upstream_lines(ctx, [*((("sales_return", rl.id) for rl in ret.lines) if ret is not None else ()),
                                *((ln.source_type, ln.source_line_id) for ln in doc.lines if ln.source_type)],
                          order_type="sales_order")  # the checks below read what postings before it committed
    _recheck_room(ctx, doc)
    k.post_document(ctx, SALES_INVOICE, doc)
    register_fapiao(ctx, doc)
    _link_upstream(ctx, doc, -1 if doc.red else 1)
    if doc.red and doc.original_id is not None:
        _offset_red(ctx, doc)
    if doc.red:
        _credit_return(ctx, doc)
    return doc.voucher_id


def _return_of(ctx: Context, doc: SalesInvoice) -> Any:
    """The posted sales return a red invoice was made for (create_red_invoice's ``return_id``), or None."""
    from erp_core.documents.models import DocumentLink

    rid = ctx.session.execute(select(DocumentLink.from_id).where(
        DocumentLink.company_id == doc.company_id, DocumentLink.from_type == "sales_return",
        DocumentLink.to_type == SALES_INVOICE.code, DocumentLink.to_id == doc.id,
        DocumentLink.from_line.is_(None)).order_by(DocumentLink.id).limit(1)).scalar_one_or_none()
    return ctx.session.get(document_type("sales_return").header, rid) if rid is not None else None


def _return_plan(ctx: Context, ret: Any, red_lines: Sequence[tuple[Any, str | None, int | None, Decimal]]
                 ) -> tuple[list[tuple[Any, Any, Decimal]], list[ValidationError]]:
    """Which return lines each red line credits: (red line or its index, return line, quantity). A red line's
    goods must be among the return's (the same delivery line, or for goods invoiced from their order the same
    order line), and a return line is credited at most for what it took back and no red invoice credited yet."""
    dt_line = document_type("sales_delivery").line
    left = {rl.id: rl.ordered_qty - (rl.invoiced_qty or ZERO) for rl in ret.lines}
    plan: list[tuple[Any, Any, Decimal]] = []
    problems: list[ValidationError] = []
    for i, (line_ref, src_type, src_id, qty) in enumerate(red_lines, start=1):
        need = qty
        for rl in ret.lines:
            if need <= 0:
                break
            dl = ctx.session.get(dt_line, rl.delivery_line_id) if rl.delivery_line_id else None
            same = dl is not None and ((src_type == "sales_delivery" and dl.id == src_id)
                                       or (src_type == "sales_order" and dl.order_line_id == src_id))
            take = min(need, left[rl.id]) if same else ZERO
            if take > 0:
                left[rl.id] -= take
                need -= take
                plan.append((line_ref, rl, take))
        if need > 0:
            problems.append(ValidationError("error.billing.red_beyond_return", field=F_QTY, line=i,
                                            number=ret.number, room=f"{(qty - need).normalize():f}"))
    return plan, problems


def red_lines_for_return(ctx: Context, original: SalesInvoice, ret: Any) -> dict[int, Decimal]:
    """What a red invoice of ``original`` made for the posted return ``ret`` can credit on each of the
    original's lines (the form's proposal): the return's goods not yet credited by a posted red invoice that
    the line invoiced, at most what the line has not yet given back. {original line id: quantity}; lines whose
    goods the return did not take back are left out."""
    given = _given_back(ctx, original)
    wanted = [(ol.id, ol.source_type, ol.source_line_id, ol.ordered_qty - given.get(ol.id, ZERO))
              for ol in original.lines]
    plan, _ = _return_plan(ctx, ret, [w for w in wanted if w[3] > 0])
    out: dict[int, Decimal] = {}
    for line_id, _rl, take in plan:
        out[line_id] = out.get(line_id, ZERO) + take
    return out


def _credit_return(ctx: Context, doc: SalesInvoice) -> None:
    """A red invoice for a sales return (红字发票 for 退货) counts its quantities as invoiced (credited) on the
    return's lines, so the return shows as credited and no second red invoice credits the same goods."""
    ret = _return_of(ctx, doc)
    if ret is None:
        return
    rt = document_type("sales_return")
    plan, problems = _return_plan(ctx, ret, [(ln, ln.source_type, ln.source_line_id, ln.ordered_qty)
                                             for ln in doc.lines])
    raise_if(problems)
    for ln, rl, take in plan:
        k.link(ctx, rt, ret, SALES_INVOICE, doc, from_line=rl, to_line=ln, quantity=take, counts_as="invoiced",
               flush=False)
    ctx.session.flush()


def _offset_red(ctx: Context, red: SalesInvoice) -> None:
    _, original, still_open = oi.open_amount(ctx, SALES_INVOICE.code, red.original_id)
    amount = min(still_open, -red.total)
    if amount <= 0:
        return  # the original is paid: the red invoice stays open (a credit the customer holds)
    first, second = sorted([(SALES_INVOICE.code, original.id), (SALES_INVOICE.code, red.id)])
    oi.lock_item(ctx, *first)
    oi.lock_item(ctx, *second)
    oi.settle(ctx, item_type=SALES_INVOICE.code, item_id=original.id, amount=amount, source_type=SALES_INVOICE.code,
              source_id=red.id, source_number=red.number, settle_date=red.doc_date)
    oi.settle(ctx, item_type=SALES_INVOICE.code, item_id=red.id, amount=-amount, source_type=SALES_INVOICE.code,
              source_id=original.id, source_number=original.number, settle_date=red.doc_date)


@use_case("sales.invoice.cancel", zh="作废销售发票", en="Cancel sales invoice")
def cancel_invoice(ctx: Context, *, invoice_id: int, version: int | None = None) -> str:
    doc = _load(ctx, invoice_id, version, lock=True)
    return k.transition(ctx, SALES_INVOICE, doc, "cancel")


@use_case("sales.invoice.reverse", zh="红冲销售发票", en="Reverse sales invoice")
def reverse_invoice(ctx: Context, *, invoice_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """The whole invoice negated (红冲, e.g. issued in error): refused while receipts settle it (reverse them
    first); the source lines count back as not invoiced. Returns the red copy's id."""
    doc = _load(ctx, invoice_id, lock=True)
    if doc.red:
        raise Conflict("error.billing.red_not_reversible", number=doc.number)
    _, _, still_open = oi.open_amount(ctx, SALES_INVOICE.code, doc.id, lock=True)
    if still_open != doc.total:
        raise Conflict("error.billing.invoice_settled", number=doc.number)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, SALES_INVOICE, doc, doc_date=day, comment=comment)  # counts given back
    oi.settle(ctx, item_type=SALES_INVOICE.code, item_id=doc.id, amount=doc.total, source_type=SALES_INVOICE.code,
              source_id=red.id, source_number=red.number, settle_date=day)
    oi.settle(ctx, item_type=SALES_INVOICE.code, item_id=red.id, amount=-doc.total, source_type=SALES_INVOICE.code,
              source_id=doc.id, source_number=doc.number, settle_date=day)
    return red.id


@use_case("sales.invoice.red", zh="开具红字发票", en="Issue red sales invoice")
def create_red_invoice(ctx: Context, *, original_id: int, doc_date: dt.date, reason: str,
                       lines: Sequence[Mapping[str, Any]], invoice_no: str = "", return_id: int | None = None) -> int:
    """A draft red invoice (红字发票) against a posted invoice, with its reason (退货 / 折让 / 开票有误): lines
    name the original's lines (``line_id``) and the quantity given back (at most what the original line
    invoiced and no earlier red invoice gave back), optionally a unit price (a 折让 allowance). Posting gives
    the invoiced counts back and sets it against the original's open amount. ``return_id``: the posted sales
    return (红字发货) the red invoice is for, linked upstream of it."""
    day = _date(doc_date)
    if not (reason or "").strip():
        raise ValidationError("error.required", field=F_REASON)
    original = _load(ctx, original_id)
    if original.posted_at is None or original.red or original.reverses_id is not None:
        raise Conflict("error.billing.red_original", number=original.number)
    by_id = {ln.id: ln for ln in original.lines}
    given = _given_back(ctx, original)
    problems: list[ValidationError] = []
    clean = []
    for i, ln in enumerate(lines or [], start=1):
        ol = by_id.get(ln.get("line_id"))
        qty = _dec(ln.get("quantity"), F_QTY, i, problems, positive=True)
        if ol is None:
            problems.append(ValidationError("error.billing.source_line", field=F_SOURCE, line=i))
            continue
        price = ol.unit_price if ln.get("unit_price") in (None, "") else \
            _dec(ln.get("unit_price"), F_PRICE, i, problems, positive=False)
        if qty is not None:
            room = ol.ordered_qty - given.get(ol.id, ZERO)
            given[ol.id] = given.get(ol.id, ZERO) + qty
            if qty > room:
                problems.append(ValidationError("error.billing.red_over_invoiced", field=F_QTY, line=i,
                                                number=original.number, room=f"{room.normalize():f}"))
        src = _source_line(ctx, ol.source_type, ol.source_line_id) if ol.source_type else None
        clean.append({"source_type": ol.source_type if src is not None else None, "src": src,
                      "product_id": ol.product_id, "ordered_qty": qty, "unit_price": price,
                      "warehouse_id": ol.warehouse_id, "remarks": f"{original.number}#{ol.line_no}",
                      "tax_rate": ol.tax_rate, "tax_amount": None, "advance": ol.advance})
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_QTY))
    raise_if(problems)
    doc = k.create_document(ctx, SALES_INVOICE, doc_date=day, lines=_kernel_lines(clean),
                            partner_id=original.partner_id, department_id=original.department_id,
                            project_id=original.project_id,
                            invoice_no=(invoice_no or "").strip(), vat_kind=original.vat_kind, red=True,
                            red_reason=reason.strip()[:200], original_id=original.id, due_date=day)
    _fill(doc, clean)
    k.link(ctx, SALES_INVOICE, original, SALES_INVOICE, doc, kind="red")
    if return_id is not None:
        rt = document_type("sales_return")
        ret = k.load_document(ctx, rt, return_id)
        if ret.posted_at is None or ret.reverses_id is not None or ret.partner_id != original.partner_id:
            raise ValidationError("error.billing.red_for_return", field=F_SOURCE)
        _, problems = _return_plan(ctx, ret, [(i, c["source_type"], c["src"].id if c["src"] is not None else None,
                                               c["ordered_qty"]) for i, c in enumerate(clean)])
        raise_if(problems)
        k.link(ctx, rt, ret, SALES_INVOICE, doc)
    ctx.session.flush()
    return doc.id


def _given_back(ctx: Context, original: SalesInvoice) -> dict[int, Decimal]:
    """Quantity of each original line already given back by red invoices (drafts and posted, not cancelled)."""
    out: dict[int, Decimal] = {}
    reds = ctx.session.execute(select(SalesInvoice).where(
        SalesInvoice.company_id == original.company_id, SalesInvoice.original_id == original.id,
        SalesInvoice.red.is_(True), SalesInvoice.status != "cancelled")).scalars()
    for red in reds:
        for ln in red.lines:
            ref = (ln.remarks or "").rsplit("#", 1)
            if len(ref) == 2 and ref[1].isdigit():
                match = next((o for o in original.lines if o.line_no == int(ref[1])), None)
                if match is not None:
                    out[match.id] = out.get(match.id, ZERO) + ln.ordered_qty
    return out


@use_case("sales.fapiao.register", zh="登记销项发票号", en="Register issued fapiao")
def record_fapiao(ctx: Context, *, fapiao_no: str, issue_date: dt.date, buyer_name: str = "",
                  buyer_tax_id: str = "", amount: Any = "0", tax: Any = "0", invoice_id: int | None = None) -> int:
    """One issued fapiao into the register (发票登记簿), optionally matched to a sales invoice (whose fapiao
    number it becomes while the invoice is a draft). Refused for a number already registered."""
    no = (fapiao_no or "").strip()
    if not no or len(no) > 40:
        raise ValidationError("error.billing.invoice_no", field=F_INVOICE_NO)
    day = _date(issue_date)
    exists = ctx.session.execute(select(FapiaoRecord.id).where(FapiaoRecord.company_id == _company(ctx),
                                                               FapiaoRecord.fapiao_no == no)).scalar_one_or_none()
    if exists is not None:
        raise Conflict("error.billing.fapiao_taken", fapiao=no)
    problems: list[ValidationError] = []
    amt = _dec(amount, "field.billing.amount", 1, problems, positive=False)
    tx = _dec(tax, "field.billing.tax", 1, problems, positive=False)
    raise_if(problems)
    if invoice_id is not None:
        inv = _load(ctx, invoice_id)
        if inv.posted_at is None:
            inv.invoice_no = no
    row = FapiaoRecord(company_id=_company(ctx), fapiao_no=no, issue_date=day, buyer_name=(buyer_name or "")[:200],
                       buyer_tax_id=(buyer_tax_id or "")[:20], amount=_money(amt), tax=_money(tx),
                       invoice_id=invoice_id, origin="entered", created_by=ctx.actor.user_id,
                       created_at=naive_utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("fapiao_record", row.id, fapiao_no=no)
    return row.id


@use_case("sales.invoice.recognize", zh="确认先开票后发货的收入", en="Recognise revenue invoiced before delivery")
def recognize_revenue(ctx: Context, *, delivery_id: int, doc_date: dt.date | None = None) -> int | None:
    """收入确认 for a posted delivery of goods that were invoiced in advance from their order (the invoice put the
    net amount on 预收): for each delivery line, the quantity still to invoice (up to what the order's advance
    invoice lines have not recognised yet) moves from 预收 to revenue at the invoice line's net price (Dr 2203 /
    Cr 5001), and counts as invoiced on the delivery line. Returns the recognition's id (None: nothing to do)."""
    t = document_type("sales_delivery")
    delivery = k.load_document(ctx, t, delivery_id, lock=True)
    if delivery.posted_at is None or delivery.reverses_id is not None:
        raise Conflict("error.billing.recognize_delivery", number=delivery.number)
    return _recognize(ctx, delivery, doc_date or delivery.doc_date)


def _recognize(ctx: Context, delivery: Any, day: dt.date) -> int | None:
    from erp_core.billing.doctypes import REVENUE_RECOGNITION
    from erp_core.billing.models import RevenueRecognition, RevenueRecognitionLine

    t = document_type("sales_delivery")
    s = ctx.session
    recognised = dict(s.execute(select(RevenueRecognitionLine.invoice_line_id,
                                       func.sum(RevenueRecognitionLine.ordered_qty))
                                .join(RevenueRecognition, RevenueRecognition.id == RevenueRecognitionLine.header_id)
                                .where(RevenueRecognition.company_id == delivery.company_id,
                                       RevenueRecognition.posted_at.is_not(None))
                                .group_by(RevenueRecognitionLine.invoice_line_id)).all())
    plan = []
    for dl in delivery.lines:
        left = dl.ordered_qty - dl.returned_qty - dl.invoiced_qty
        ol = _order_line_of(ctx, dl)
        if left <= 0 or ol is None:
            continue
        advance_lines = s.execute(select(SalesInvoiceLine).join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.header_id)
                                  .where(SalesInvoice.company_id == delivery.company_id,
                                         SalesInvoice.posted_at.is_not(None), SalesInvoice.red.is_(False),
                                         SalesInvoice.reverses_id.is_(None), SalesInvoice.reversed_by_id.is_(None),
                                         SalesInvoiceLine.advance.is_(True),
                                         SalesInvoiceLine.source_type == "sales_order",
                                         SalesInvoiceLine.source_line_id == ol.id)
                                  .order_by(SalesInvoice.doc_date, SalesInvoice.id)).scalars().all()
        for il in advance_lines:
            open_qty = il.ordered_qty - Decimal(recognised.get(il.id) or 0)
            take = min(left, open_qty)
            if take <= 0:
                continue
            recognised[il.id] = Decimal(recognised.get(il.id) or 0) + take
            left -= take
            plan.append((dl, il, take))
    if not plan:
        return None
    doc = k.create_document(ctx, REVENUE_RECOGNITION, doc_date=day, partner_id=delivery.partner_id,
                            lines=[{"product_id": dl.product_id, "ordered_qty": take, "unit_price": il.unit_price,
                                    "remarks": il.header.number} for dl, il, take in plan])
    for ln, (dl, il, _take) in zip(doc.lines, plan, strict=True):
        ln.invoice_line_id, ln.delivery_line_id = il.id, dl.id
    s.flush()
    k.post_document(ctx, REVENUE_RECOGNITION, doc)
    for ln, (dl, _il, take) in zip(doc.lines, plan, strict=True):
        k.link(ctx, t, delivery, REVENUE_RECOGNITION, doc, from_line=dl, to_line=ln, quantity=take,
               counts_as="invoiced")
    return doc.id


@use_case("sales.invoice.recognize_reverse", zh="冲销收入确认", en="Reverse revenue recognition")
def reverse_recognition(ctx: Context, *, recognition_id: int, doc_date: dt.date | None = None,
                        comment: str = "") -> int:
    """红冲 a revenue recognition (e.g. recognised on the wrong delivery): its voucher negated (Dr revenue /
    Cr 预收 again), the delivery lines count the quantity back as not invoiced, so the advance invoice's goods
    can be recognised again on their delivery. Returns the red copy's id."""
    from erp_core.billing.doctypes import REVENUE_RECOGNITION

    doc = k.load_document(ctx, REVENUE_RECOGNITION, recognition_id, lock=True)
    return k.reverse_document(ctx, REVENUE_RECOGNITION, doc, doc_date=doc_date or doc.doc_date,
                              comment=comment).id


def live_recognitions(ctx: Context, delivery: Any) -> list[Any]:
    """The posted, not reversed revenue recognitions of a delivery (oldest first)."""
    from erp_core.billing.doctypes import REVENUE_RECOGNITION
    from erp_core.documents.models import DocumentLink

    ids = ctx.session.execute(select(DocumentLink.to_id).where(
        DocumentLink.company_id == delivery.company_id, DocumentLink.from_type == "sales_delivery",
        DocumentLink.from_id == delivery.id, DocumentLink.to_type == REVENUE_RECOGNITION.code,
        DocumentLink.counts_as == "invoiced").distinct()).scalars().all()
    docs = [ctx.session.get(REVENUE_RECOGNITION.header, i) for i in sorted(ids)]
    return [d for d in docs if d is not None and d.posted_at is not None and d.reverses_id is None
            and d.reversed_by_id is None]


def follow_delivery_change(ctx: Context, delivery: Any, day: dt.date, *, whole: bool) -> list[int]:
    """Called by the sales module inside its own unit of work when goods of ``delivery`` come back: a return
    (``whole=False``) or the delivery's 红冲 (``whole=True``). Revenue recognised for goods that are no longer
    delivered goes back to 预收 through the posting path: every live recognition of the delivery is reversed
    (红字 copy dated ``day``: Dr revenue / Cr 预收, the counts given back), and after a return what still stays
    delivered is recognised again on ``day``. Nothing happens while every line still covers its recognised
    quantity. Returns the ids of the red copies and of the new recognition."""
    from erp_core.billing.doctypes import REVENUE_RECOGNITION
    from erp_core.documents.models import DocumentLink

    live = live_recognitions(ctx, delivery)
    if not live:
        return []
    if not whole:
        rec = dict(ctx.session.execute(select(DocumentLink.from_line, func.sum(DocumentLink.quantity)).where(
            DocumentLink.company_id == delivery.company_id, DocumentLink.from_type == "sales_delivery",
            DocumentLink.from_id == delivery.id, DocumentLink.to_type == REVENUE_RECOGNITION.code,
            DocumentLink.counts_as == "invoiced").group_by(DocumentLink.from_line)).all())
        if all(Decimal(rec.get(dl.id) or 0) <= dl.ordered_qty - dl.returned_qty for dl in delivery.lines):
            return []
    done = [k.reverse_document(ctx, REVENUE_RECOGNITION, r, doc_date=max(day, r.doc_date),
                               comment=f"退货冲销收入确认 {r.number}" if not whole else
                               f"红冲出库冲销收入确认 {r.number}").id for r in live]
    if not whole:
        again = _recognize(ctx, delivery, day)
        if again is not None:
            done.append(again)
    return done
