"""Use cases of receipts and receivable settlement (each one permission, one unit of work, one audit entry):

收款单: create_receipt / update_receipt / post_receipt (settles the invoices it collects, under their locks, and
posts the voucher) / cancel_receipt (a draft) / reverse_receipt (红字: settlements given back, the advance part
closed against the red copy). A line settles one open receivable by cash ``amount`` plus an optional cash
``discount`` (现金折扣, to 财务费用) and ``writeoff`` (坏账: needs finance.receivable.writeoff besides the use
case's own permission); a line with no invoice is received in advance (预收).
预收冲应收: apply_advance / reverse_advance_application.
应收冲应付: offset_receivable_payable (a customer's receivables against the payables of the same partner as a
supplier; the pair is accepted when both carry the same 纳税人识别号, or, when either has none, the same name) /
reverse_receivable_offset.
The same locking rules as 付款单 (erp_core/settlement/open_items.settle): no item is ever over-settled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from erp_core.billing.doctypes import ADVANCE_APPLY, ARAP_OFFSET, RECEIPT, advance_part
from erp_core.billing.models import Receipt
from erp_core.documents import services as k
from erp_core.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError, raise_if
from erp_core.kernel.money import FEN, MAX_MONEY, to_decimal
from erp_core.security.catalog import declare
from erp_core.security.scope import may_touch
from erp_core.settlement import open_items as oi
from erp_core.settlement.services import _account
from erp_core.usecase import Context, use_case

ZERO = Decimal(0)
WRITEOFF = "finance.receivable.writeoff"
declare(WRITEOFF, "核销坏账", "Write off bad debts")
F_CUSTOMER = "field.billing.customer"
F_SUPPLIER = "field.settlement.supplier"
F_AMOUNT = "field.settlement.amount"
F_DISCOUNT = "field.billing.discount"
F_WRITEOFF = "field.billing.writeoff"
F_ITEM = "field.settlement.item"
F_ADVANCE = "field.billing.advance"
F_DATE = "field.documents.doc_date"


def _money(value: Any, line: int, problems: list[ValidationError], field: str = F_AMOUNT, *,
           allow_zero: bool = False) -> Decimal | None:
    if value in (None, "") and allow_zero:
        return ZERO
    try:
        d = to_decimal(value)
    except (TypeError, ValueError):
        d = None
    if d is None or not d.is_finite() or abs(d) >= MAX_MONEY:
        problems.append(ValidationError("error.settlement.amount", field=field, line=line))
        return None
    if d != d.quantize(FEN):
        problems.append(ValidationError("error.settlement.amount_decimals", field=field, line=line))
        return None
    if d < 0 or (d == 0 and not allow_zero):
        problems.append(ValidationError("error.settlement.amount_positive", field=field, line=line))
        return None
    return d.quantize(FEN)


def _customer(ctx: Context, partner_id: Any) -> int:
    from erp_core.masterdata.models_partners import Customer

    row = ctx.session.get(Customer, partner_id) if isinstance(partner_id, int) else None
    if row is None or row.company_id != ctx.actor.company_id or row.merged_into is not None:
        raise ValidationError("error.billing.customer_unknown", field=F_CUSTOMER)
    return row.id


def _date(doc_date: Any) -> dt.date:
    if not isinstance(doc_date, dt.date) or isinstance(doc_date, dt.datetime):
        raise ValidationError("error.required", field=F_DATE)
    return doc_date


def _item_key(line: Mapping[str, Any]) -> tuple[str, int] | None:
    if line.get("item_id") in (None, ""):
        return None
    return str(line.get("item_type") or "sales_invoice"), int(line["item_id"])


def _receipt_lines(ctx: Context, customer_id: int, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Clean receipt lines: {"amount", "discount", "writeoff", "item_type"/"item_id" (an open receivable of the
    customer) or none (预收), "remarks"}. Open amounts are checked here for a clear message and again under lock
    when posting."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_AMOUNT))
    out, seen = [], set()
    for i, ln in enumerate(lines or [], start=1):
        key = _item_key(ln)
        amount = _money(ln.get("amount"), i, problems, allow_zero=key is not None)
        discount = _money(ln.get("discount"), i, problems, F_DISCOUNT, allow_zero=True)
        writeoff = _money(ln.get("writeoff"), i, problems, F_WRITEOFF, allow_zero=True)
        remarks = str(ln.get("remarks") or "")[:200]
        if key is None:
            if discount or writeoff:
                problems.append(ValidationError("error.billing.discount_needs_item", field=F_DISCOUNT, line=i))
            out.append({"amount": amount, "discount": ZERO, "writeoff": ZERO, "item": None, "remarks": remarks})
            continue
        if key in seen:
            problems.append(ValidationError("error.settlement.duplicate_item", field=F_ITEM, line=i))
            continue
        seen.add(key)
        if writeoff and not ctx.actor.may(WRITEOFF):
            raise PermissionDenied(permission=WRITEOFF)
        try:
            t, doc, still_open = oi.open_amount(ctx, *key)
        except NotFound:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if t.extra.get("open_item") != "receivable" or doc.partner_id != customer_id:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if None in (amount, discount, writeoff):
            continue
        settles = amount + discount + writeoff
        if settles == 0:
            problems.append(ValidationError("error.settlement.amount_positive", field=F_AMOUNT, line=i))
        elif settles > still_open:
            problems.append(ValidationError("error.settlement.over_line", field=F_AMOUNT, line=i,
                                            number=doc.number, open=f"{still_open:,.2f}"))
        out.append({"amount": amount, "discount": discount, "writeoff": writeoff, "item": key,
                    "remarks": remarks or doc.number})
    raise_if(problems)
    return out


def _kernel_lines(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"ordered_qty": Decimal(1), "unit_price": c["amount"], "remarks": c["remarks"]} for c in clean]


def _set_items(doc: Any, clean: list[dict[str, Any]]) -> None:
    for ln, c in zip(doc.lines, clean, strict=True):
        ln.item_type, ln.item_id = c["item"] if c["item"] else (None, None)
        ln.discount, ln.writeoff = c["discount"], c["writeoff"]


def _load_receipt(ctx: Context, receipt_id: int, version: int | None = None, *, lock: bool = False) -> Receipt:
    doc = k.load_document(ctx, RECEIPT, receipt_id, version=version, lock=lock)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, project_id=doc.project_id,
                     owner_id=doc.created_by):
        raise NotFound(entity="receipt", id=receipt_id)
    return doc


@use_case("finance.receipt.create", zh="新建收款单", en="Create receipt")
def create_receipt(ctx: Context, *, partner_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                   account_code: str | None = None, remarks: str = "", department_id: int | None = None,
                   project_id: int | None = None, source_no: str | None = None) -> int:
    """A draft 收款单 from a customer into a bank or cash account; each line collects one open invoice (partly or
    in full, with an optional cash discount or bad-debt write-off) or, without an invoice, is received in advance
    (预收). Returns its id."""
    day = _date(doc_date)
    customer = _customer(ctx, partner_id)
    account = _account(ctx, account_code)
    clean = _receipt_lines(ctx, customer, lines)
    doc = k.create_document(ctx, RECEIPT, doc_date=day, lines=_kernel_lines(clean), partner_id=customer,
                            account_code=account, remarks=(remarks or "")[:500], department_id=department_id,
                            project_id=project_id, source_no=source_no)
    _set_items(doc, clean)
    ctx.session.flush()
    return doc.id


@use_case("finance.receipt.edit", zh="修改收款单", en="Edit receipt")
def update_receipt(ctx: Context, *, receipt_id: int, version: int, lines: Sequence[Mapping[str, Any]] | None = None,
                   account_code: str | None = None, remarks: str | None = None) -> int:
    """Change a draft receipt (lines, account, remarks). Returns the new version."""
    doc = _load_receipt(ctx, receipt_id, version)
    header: dict[str, Any] = {}
    if account_code is not None:
        header["account_code"] = _account(ctx, account_code)
    if remarks is not None:
        header["remarks"] = remarks[:500]
    clean = _receipt_lines(ctx, doc.partner_id, lines) if lines is not None else None
    k.update_document(ctx, RECEIPT, doc, version=version,
                      lines=_kernel_lines(clean) if clean is not None else None, **header)
    if clean is not None:
        _set_items(doc, clean)
    ctx.session.flush()
    return doc.version


@use_case("finance.receipt.post", zh="收款单过账", en="Post receipt")
def post_receipt(ctx: Context, *, receipt_id: int, version: int | None = None) -> int:
    """Post a draft receipt: each invoice line is settled (cash + discount + write-off) under the invoice's lock
    (refused beyond what is open), then the voucher Dr bank / Dr 财务费用 / Dr 坏账 / Cr 应收 / Cr 预收.
    Returns the voucher id."""
    doc = _load_receipt(ctx, receipt_id, version, lock=True)
    if doc.posted_at is not None:
        raise Conflict("error.documents.already_posted", number=doc.number)
    RECEIPT.workflow.target(doc.status, "post")
    if any(ln.writeoff for ln in doc.lines) and not ctx.actor.may(WRITEOFF):
        raise PermissionDenied(permission=WRITEOFF)
    for ln in sorted((ln for ln in doc.lines if ln.item_type is not None), key=lambda x: (x.item_type, x.item_id)):
        oi.settle(ctx, item_type=ln.item_type, item_id=ln.item_id, amount=ln.amount + ln.discount + ln.writeoff,
                  source_type=RECEIPT.code, source_id=doc.id, source_number=doc.number, settle_date=doc.doc_date,
                  kind="receivable", partner_id=doc.partner_id)
    k.post_document(ctx, RECEIPT, doc)
    return doc.voucher_id


@use_case("finance.receipt.cancel", zh="作废收款单", en="Cancel receipt")
def cancel_receipt(ctx: Context, *, receipt_id: int, version: int) -> None:
    doc = _load_receipt(ctx, receipt_id, version)
    k.transition(ctx, RECEIPT, doc, "cancel")


@use_case("finance.receipt.reverse", zh="冲销收款单", en="Reverse receipt")
def reverse_receipt(ctx: Context, *, receipt_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """红字收款单: the invoices it settled are open again, its voucher negated, its advance part closed against the
    red copy. Refused while part of the advance is applied (reverse that 预收冲应收 first). Returns the red id."""
    doc = _load_receipt(ctx, receipt_id, lock=True)
    if doc.posted_at is None:
        raise Conflict("error.documents.reverse_unposted", number=doc.number)
    adv = advance_part(ctx.session, doc)
    if adv and doc.reverses_id is None and doc.reversed_by_id is None:
        _, _, still_open = oi.open_amount(ctx, RECEIPT.code, doc.id, lock=True)
        if still_open != adv:
            raise Conflict("error.billing.advance_applied", number=doc.number)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, RECEIPT, doc, doc_date=day, comment=comment)
    oi.unsettle_source(ctx, RECEIPT.code, doc.id, settle_date=day, source_number=red.number)
    if adv:
        oi.settle(ctx, item_type=RECEIPT.code, item_id=doc.id, amount=adv, source_type=RECEIPT.code,
                  source_id=red.id, source_number=red.number, settle_date=day)
        oi.settle(ctx, item_type=RECEIPT.code, item_id=red.id, amount=-adv, source_type=RECEIPT.code,
                  source_id=doc.id, source_number=doc.number, settle_date=day)
    return red.id


def _allocate(ctx: Context, pool: dict[int, Decimal], partner_id: int, lines: Sequence[Mapping[str, Any]],
              pick: str) -> list[dict[str, Any]]:
    """Lines {"item_id" (a receivable of the customer), "amount", <pick> (optional)} -> one per (source, item)
    pair, taking from ``pool`` (open source amounts by id, oldest first when no source is named)."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_AMOUNT))
    out: list[dict[str, Any]] = []
    for i, ln in enumerate(lines or [], start=1):
        amount = _money(ln.get("amount"), i, problems)
        key = _item_key(ln)
        if key is None:
            problems.append(ValidationError("error.required", field=F_ITEM, line=i))
            continue
        try:
            t, doc, still_open = oi.open_amount(ctx, *key)
        except NotFound:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if t.extra.get("open_item") != "receivable" or doc.partner_id != partner_id:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if amount is None:
            continue
        if amount > still_open:
            problems.append(ValidationError("error.settlement.over_line", field=F_AMOUNT, line=i,
                                            number=doc.number, open=f"{still_open:,.2f}"))
            continue
        wanted = [int(ln[pick])] if ln.get(pick) not in (None, "") else sorted(pool)
        left = amount
        for sid in wanted:
            take = min(left, pool.get(sid, ZERO))
            if take <= 0:
                continue
            pool[sid] -= take
            left -= take
            out.append({"item": key, "number": doc.number, "source_id": sid, "amount": take})
            if left == 0:
                break
        if left > 0:
            problems.append(ValidationError("error.billing.source_short", field=F_ADVANCE, line=i,
                                            missing=f"{left:,.2f}"))
    raise_if(problems)
    return out


@use_case("finance.advance.apply", zh="预收冲应收", en="Apply advance receipt to invoices")
def apply_advance(ctx: Context, *, partner_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                  remarks: str = "") -> int:
    """预收冲应收, created and posted in one step: each line settles an open invoice of the customer from its open
    advance receipts (the one named as ``advance_id``, else oldest first); voucher Dr 预收 / Cr 应收."""
    day = _date(doc_date)
    customer = _customer(ctx, partner_id)
    pool = {i.item_id: i.open for i in oi.open_items(ctx.session, ctx.actor.company_id, kind="advance",
                                                     partner_id=customer) if i.open > 0}
    alloc = _allocate(ctx, pool, customer, lines, "advance_id")
    doc = k.create_document(ctx, ADVANCE_APPLY, doc_date=day, partner_id=customer, remarks=(remarks or "")[:500],
                            lines=[{"ordered_qty": Decimal(1), "unit_price": a["amount"], "remarks": a["number"]}
                                   for a in alloc])
    for ln, a in zip(doc.lines, alloc, strict=True):
        ln.item_type, ln.item_id = a["item"]
        ln.advance_type, ln.advance_id = RECEIPT.code, a["source_id"]
    ctx.session.flush()
    for ln in sorted(doc.lines, key=lambda x: (x.advance_id, x.item_id)):
        oi.settle(ctx, item_type=RECEIPT.code, item_id=ln.advance_id, amount=ln.amount, kind="advance",
                  partner_id=customer, source_type=ADVANCE_APPLY.code, source_id=doc.id, source_number=doc.number,
                  settle_date=day)
        oi.settle(ctx, item_type=ln.item_type, item_id=ln.item_id, amount=ln.amount, kind="receivable",
                  partner_id=customer, source_type=ADVANCE_APPLY.code, source_id=doc.id, source_number=doc.number,
                  settle_date=day)
    k.post_document(ctx, ADVANCE_APPLY, doc)
    return doc.id


@use_case("finance.advance.reverse", zh="冲销预收冲应收", en="Reverse advance application")
def reverse_advance_application(ctx: Context, *, application_id: int, doc_date: dt.date | None = None,
                                comment: str = "") -> int:
    doc = k.load_document(ctx, ADVANCE_APPLY, application_id, lock=True)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, ADVANCE_APPLY, doc, doc_date=day, comment=comment)
    oi.unsettle_source(ctx, ADVANCE_APPLY.code, doc.id, settle_date=day, source_number=red.number)
    return red.id


def same_partner(customer: Any, supplier: Any) -> bool:
    """A customer and a supplier are the same partner (for 应收冲应付) when both carry the same 纳税人识别号, or,
    when either has none, the same normalised name."""
    if customer.tax_id and supplier.tax_id:
        return customer.tax_id.strip().upper() == supplier.tax_id.strip().upper()
    return bool(customer.name_norm) and customer.name_norm == supplier.name_norm


@use_case("finance.receivable.offset", zh="应收冲应付", en="Offset receivables against payables")
def offset_receivable_payable(ctx: Context, *, customer_id: int, supplier_id: int, doc_date: dt.date,
                              lines: Sequence[Mapping[str, Any]], remarks: str = "") -> int:
    """应收冲应付, created and posted in one step: each line {"item_id" (the customer's open invoice),
    "payable_type"/"payable_id" (the supplier's open payable), "amount"} settles both; voucher Dr 应付 (supplier) /
    Cr 应收 (customer). The customer and supplier must be the same partner (same_partner)."""
    from erp_core.masterdata.models_partners import Customer, Supplier

    day = _date(doc_date)
    customer = ctx.session.get(Customer, _customer(ctx, customer_id))
    supplier = ctx.session.get(Supplier, supplier_id) if isinstance(supplier_id, int) else None
    if supplier is None or supplier.company_id != ctx.actor.company_id or supplier.merged_into is not None:
        raise ValidationError("error.required", field=F_SUPPLIER)
    if not same_partner(customer, supplier):
        raise ValidationError("error.billing.not_same_partner", field=F_SUPPLIER, customer=customer.name,
                              supplier=supplier.name)
    problems: list[ValidationError] = []
    clean = []
    for i, ln in enumerate(lines or [], start=1):
        amount = _money(ln.get("amount"), i, problems)
        key = _item_key(ln)
        pkey = (str(ln.get("payable_type") or "purchase_invoice"), int(ln["payable_id"])) \
            if ln.get("payable_id") not in (None, "") else None
        if key is None or pkey is None:
            problems.append(ValidationError("error.required", field=F_ITEM, line=i))
            continue
        try:
            rt, rdoc, r_open = oi.open_amount(ctx, *key)
            pt, pdoc, p_open = oi.open_amount(ctx, *pkey)
        except NotFound:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if rt.extra.get("open_item") != "receivable" or rdoc.partner_id != customer.id \
                or pt.extra.get("open_item") != "payable" or pdoc.partner_id != supplier.id:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if amount is not None and (amount > r_open or amount > p_open):
            problems.append(ValidationError("error.settlement.over_line", field=F_AMOUNT, line=i,
                                            number=rdoc.number if amount > r_open else pdoc.number,
                                            open=f"{min(r_open, p_open):,.2f}"))
            continue
        clean.append({"item": key, "payable": pkey, "amount": amount, "remarks": f"{rdoc.number}/{pdoc.number}"})
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_AMOUNT))
    raise_if(problems)
    doc = k.create_document(ctx, ARAP_OFFSET, doc_date=day, partner_id=customer.id, supplier_id=supplier.id,
                            remarks=(remarks or "")[:500],
                            lines=[{"ordered_qty": Decimal(1), "unit_price": c["amount"], "remarks": c["remarks"]}
                                   for c in clean])
    for ln, c in zip(doc.lines, clean, strict=True):
        ln.item_type, ln.item_id = c["item"]
        ln.payable_type, ln.payable_id = c["payable"]
    ctx.session.flush()
    for ln in doc.lines:
        pairs = sorted([(ln.item_type, ln.item_id, "receivable", customer.id),
                        (ln.payable_type, ln.payable_id, "payable", supplier.id)])
        for item_type, item_id, kind, partner in pairs:  # one lock order for every caller
            oi.settle(ctx, item_type=item_type, item_id=item_id, amount=ln.amount, kind=kind, partner_id=partner,
                      source_type=ARAP_OFFSET.code, source_id=doc.id, source_number=doc.number, settle_date=day)
    k.post_document(ctx, ARAP_OFFSET, doc)
    return doc.id


@use_case("finance.receivable.offset_reverse", zh="冲销应收冲应付", en="Reverse receivable offset")
def reverse_receivable_offset(ctx: Context, *, offset_id: int, doc_date: dt.date | None = None,
                              comment: str = "") -> int:
    doc = k.load_document(ctx, ARAP_OFFSET, offset_id, lock=True)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, ARAP_OFFSET, doc, doc_date=day, comment=comment)
    oi.unsettle_source(ctx, ARAP_OFFSET.code, doc.id, settle_date=day, source_number=red.number)
    return red.id
