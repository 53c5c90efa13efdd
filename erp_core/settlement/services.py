"""Use cases of payments and settlement (each one permission, one unit of work, one audit entry):

付款单: create_payment / update_payment / submit_payment (approvals) / post_payment (settles the invoices it pays,
under their locks, and posts the voucher) / cancel_payment (a draft) / reverse_payment (红字: the settlements are
given back, the prepaid part closed against the red copy).
预付冲应付: apply_prepayment (create and post in one step) / reverse_prepayment_application.
红蓝对冲: offset_items (a red invoice or other negative open item set against a positive one of the same supplier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as k
from erp_core.documents.accounts import account_for
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.kernel.money import FEN, MAX_MONEY, to_decimal
from erp_core.security.scope import may_touch
from erp_core.settlement import open_items as oi
from erp_core.settlement.doctypes import PAYMENT, PREPAY_APPLY, prepaid_part
from erp_core.settlement.models import Payment
from erp_core.usecase import Context, use_case

ZERO = Decimal(0)
F_SUPPLIER = "field.settlement.supplier"
F_AMOUNT = "field.settlement.amount"
F_ACCOUNT = "field.settlement.account"
F_ITEM = "field.settlement.item"
F_PREPAYMENT = "field.settlement.prepayment"
F_DATE = "field.documents.doc_date"


def _money(value: Any, line: int, problems: list[ValidationError], field: str = F_AMOUNT) -> Decimal | None:
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
    if d <= 0:
        problems.append(ValidationError("error.settlement.amount_positive", field=field, line=line))
        return None
    return d.quantize(FEN)


def _supplier(ctx: Context, partner_id: Any) -> int:
    from erp_core.masterdata.models_partners import Supplier

    sup = ctx.session.get(Supplier, partner_id) if isinstance(partner_id, int) else None
    if sup is None or sup.company_id != ctx.actor.company_id or sup.merged_into is not None:
        raise ValidationError("error.required", field=F_SUPPLIER)
    return sup.id


def _date(doc_date: Any) -> dt.date:
    if not isinstance(doc_date, dt.date) or isinstance(doc_date, dt.datetime):
        raise ValidationError("error.required", field=F_DATE)
    return doc_date


def _account(ctx: Context, code: str | None) -> str:
    """The bank or cash account paid from: a leaf, active account under the bank or cash role's account."""
    from erp_core.finance.models import Account

    code = (code or "").strip() or default_bank_account(ctx)
    roots = (account_for(ctx, "bank"), account_for(ctx, "cash"))
    acc = ctx.session.execute(select(Account).where(Account.company_id == ctx.actor.company_id,
                                                    Account.code == code)).scalar_one_or_none()
    if acc is None or not code.startswith(roots) or not acc.is_leaf or acc.status != "active":
        raise ValidationError("error.settlement.account", field=F_ACCOUNT, code=code)
    return code


def default_bank_account(ctx: Context) -> str:
    """The bank role's account (1002) when it is a leaf, else its first active leaf sub-account (银行存款—某行)."""
    from erp_core.finance.models import Account

    root = account_for(ctx, "bank")
    codes = ctx.session.execute(select(Account.code).where(
        Account.company_id == ctx.actor.company_id, Account.code.startswith(root), Account.is_leaf.is_(True),
        Account.status == "active").order_by(Account.code)).scalars().all()
    return root if root in codes or not codes else codes[0]


def _item_key(line: Mapping[str, Any]) -> tuple[str, int] | None:
    if line.get("item_id") in (None, ""):
        return None
    return str(line.get("item_type") or ""), int(line["item_id"])


def _payment_lines(ctx: Context, supplier_id: int, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Clean payment lines: {"amount", "item_type"/"item_id" (an open payable of the supplier) or none (预付),
    "remarks"}. The open amount is checked here for a clear message; post_payment checks it again under lock."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_AMOUNT))
    out, seen = [], set()
    for i, ln in enumerate(lines or [], start=1):
        amount = _money(ln.get("amount"), i, problems)
        key = _item_key(ln)
        remarks = str(ln.get("remarks") or "")[:200]
        if key is not None:
            if key in seen:
                problems.append(ValidationError("error.settlement.duplicate_item", field=F_ITEM, line=i))
                continue
            seen.add(key)
            try:
                t, doc, still_open = oi.open_amount(ctx, *key)
            except NotFound:
                problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
                continue
            if t.extra.get("open_item") != "payable" or doc.partner_id != supplier_id:
                problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
                continue
            if amount is not None and amount > still_open:
                problems.append(ValidationError("error.settlement.over_line", field=F_AMOUNT, line=i,
                                                number=doc.number, open=f"{still_open:,.2f}"))
            remarks = remarks or doc.number
        out.append({"amount": amount, "item": key, "remarks": remarks})
    raise_if(problems)
    return out


def _kernel_lines(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"ordered_qty": Decimal(1), "unit_price": c["amount"], "remarks": c["remarks"]} for c in clean]


def _set_items(doc: Any, clean: list[dict[str, Any]]) -> None:
    for ln, c in zip(doc.lines, clean, strict=True):
        ln.item_type, ln.item_id = c["item"] if c["item"] else (None, None)


def _load_payment(ctx: Context, payment_id: int, version: int | None = None, *, lock: bool = False) -> Payment:
    doc = k.load_document(ctx, PAYMENT, payment_id, version=version, lock=lock)
    if not may_touch(ctx, company_id=doc.company_id, department_id=doc.department_id, project_id=doc.project_id,
                     owner_id=doc.created_by):
        raise NotFound(entity="payment", id=payment_id)
    return doc


@use_case("finance.payment.create", zh="新建付款单", en="Create payment")
def create_payment(ctx: Context, *, partner_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                   account_code: str | None = None, remarks: str = "", department_id: int | None = None,
                   project_id: int | None = None) -> int:
    """A draft 付款单 to a supplier from a bank or cash account; each line pays one open invoice (partly or in
    full) or, without an invoice, is paid in advance (预付). Returns its id."""
    day = _date(doc_date)
    supplier = _supplier(ctx, partner_id)
    account = _account(ctx, account_code)
    clean = _payment_lines(ctx, supplier, lines)
    doc = k.create_document(ctx, PAYMENT, doc_date=day, lines=_kernel_lines(clean), partner_id=supplier,
                            account_code=account, remarks=(remarks or "")[:500], department_id=department_id,
                            project_id=project_id)
    _set_items(doc, clean)
    ctx.session.flush()
    return doc.id


@use_case("finance.payment.edit", zh="修改付款单", en="Edit payment")
def update_payment(ctx: Context, *, payment_id: int, version: int, lines: Sequence[Mapping[str, Any]] | None = None,
                   account_code: str | None = None, remarks: str | None = None) -> int:
    """Change a draft payment (its lines, account, remarks); any approval it had is withdrawn. Returns the new
    version."""
    doc = _load_payment(ctx, payment_id, version)
    header: dict[str, Any] = {}
    if account_code is not None:
        header["account_code"] = _account(ctx, account_code)
    if remarks is not None:
        header["remarks"] = remarks[:500]
    clean = _payment_lines(ctx, doc.partner_id, lines) if lines is not None else None
    k.update_document(ctx, PAYMENT, doc, version=version,
                      lines=_kernel_lines(clean) if clean is not None else None, **header)
    if clean is not None:
        _set_items(doc, clean)
    ctx.session.flush()
    return doc.version


@use_case("finance.payment.submit", zh="提交付款单审批", en="Submit payment for approval")
def submit_payment(ctx: Context, *, payment_id: int) -> list[int]:
    """Ask the approval rules of "payment" (e.g. payments above an amount); [] when none applies."""
    doc = _load_payment(ctx, payment_id)
    k.ensure_editable(PAYMENT, doc)
    return k.submit_document(ctx, PAYMENT, doc)


@use_case("finance.payment.post", zh="付款单过账", en="Post payment")
def post_payment(ctx: Context, *, payment_id: int, version: int | None = None) -> int:
    """Post a draft payment: each invoice line is settled under the invoice's lock (refused when it would settle
    more than is open), then the voucher Dr payable / Dr prepayment / Cr bank. Returns the voucher id."""
    from erp_core.approvals.services import require_cleared

    doc = _load_payment(ctx, payment_id, version, lock=True)
    if doc.posted_at is not None:
        raise Conflict("error.documents.already_posted", number=doc.number)
    PAYMENT.workflow.target(doc.status, "post")
    require_cleared(ctx, PAYMENT.code, doc.id, k.approval_facts(ctx, PAYMENT, doc))
    for ln in sorted((ln for ln in doc.lines if ln.item_type is not None), key=lambda x: (x.item_type, x.item_id)):
        oi.settle(ctx, item_type=ln.item_type, item_id=ln.item_id, amount=ln.amount, source_type=PAYMENT.code,
                  source_id=doc.id, source_number=doc.number, settle_date=doc.doc_date, kind="payable",
                  partner_id=doc.partner_id)
    k.post_document(ctx, PAYMENT, doc)
    return doc.voucher_id


@use_case("finance.payment.cancel", zh="作废付款单", en="Cancel payment")
def cancel_payment(ctx: Context, *, payment_id: int, version: int) -> None:
    """A draft payment that will not be paid: cancelled (kept, numbered, never posted)."""
    doc = _load_payment(ctx, payment_id, version)
    k.transition(ctx, PAYMENT, doc, "cancel")


@use_case("finance.payment.reverse", zh="冲销付款单", en="Reverse payment")
def reverse_payment(ctx: Context, *, payment_id: int, doc_date: dt.date | None = None, comment: str = "") -> int:
    """红字付款单: the invoices it settled are open again (negated settlement rows), its voucher is negated, and its
    prepaid part is closed against the red copy. Refused while part of the prepayment is applied to an invoice
    (reverse that 预付冲应付 first). Returns the red copy's id."""
    doc = _load_payment(ctx, payment_id, lock=True)
    if doc.posted_at is None:
        raise Conflict("error.documents.reverse_unposted", number=doc.number)
    prepaid = prepaid_part(ctx.session, doc)
    if prepaid and doc.reverses_id is None and doc.reversed_by_id is None:
        _, _, still_open = oi.open_amount(ctx, PAYMENT.code, doc.id, lock=True)
        if still_open != prepaid:
            raise Conflict("error.settlement.prepayment_applied", number=doc.number)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, PAYMENT, doc, doc_date=day, comment=comment)
    oi.unsettle_source(ctx, PAYMENT.code, doc.id, settle_date=day, source_number=red.number)
    if prepaid:
        oi.settle(ctx, item_type=PAYMENT.code, item_id=doc.id, amount=prepaid, source_type=PAYMENT.code,
                  source_id=red.id, source_number=red.number, settle_date=day)
        oi.settle(ctx, item_type=PAYMENT.code, item_id=red.id, amount=-prepaid, source_type=PAYMENT.code,
                  source_id=doc.id, source_number=doc.number, settle_date=day)
    return red.id


def _prepayment_allocation(ctx: Context, supplier_id: int, lines: Sequence[Mapping[str, Any]]
                           ) -> list[dict[str, Any]]:
    """Clean 预付冲应付 lines: {"item_type", "item_id", "amount", "prepayment_id" (optional: else the supplier's
    open prepayments, oldest first)} -> one line per (prepayment, invoice) pair."""
    problems: list[ValidationError] = []
    if not lines:
        problems.append(ValidationError("error.documents.no_lines", field=F_AMOUNT))
    pool = {i.item_id: i.open for i in oi.open_items(ctx.session, ctx.actor.company_id, kind="prepayment",
                                                     partner_id=supplier_id) if i.open > 0}
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
        if t.extra.get("open_item") != "payable" or doc.partner_id != supplier_id:
            problems.append(ValidationError("error.settlement.no_item", field=F_ITEM, line=i))
            continue
        if amount is None:
            continue
        if amount > still_open:
            problems.append(ValidationError("error.settlement.over_line", field=F_AMOUNT, line=i,
                                            number=doc.number, open=f"{still_open:,.2f}"))
            continue
        wanted = [int(ln["prepayment_id"])] if ln.get("prepayment_id") not in (None, "") else sorted(pool)
        left = amount
        for pid in wanted:
            take = min(left, pool.get(pid, ZERO))
            if take <= 0:
                continue
            pool[pid] -= take
            left -= take
            out.append({"item": key, "number": doc.number, "prepayment_id": pid, "amount": take})
            if left == 0:
                break
        if left > 0:
            problems.append(ValidationError("error.settlement.prepayment_short", field=F_PREPAYMENT, line=i,
                                            missing=f"{left:,.2f}"))
    raise_if(problems)
    return out


@use_case("finance.prepayment.apply", zh="预付冲应付", en="Apply prepayment to invoices")
def apply_prepayment(ctx: Context, *, partner_id: int, doc_date: dt.date, lines: Sequence[Mapping[str, Any]],
                     remarks: str = "") -> int:
    """预付冲应付, created and posted in one step: each line settles an open invoice of the supplier from its open
    prepayments (the one named, else oldest first); voucher Dr payable / Cr prepayment. Returns its id."""
    day = _date(doc_date)
    supplier = _supplier(ctx, partner_id)
    alloc = _prepayment_allocation(ctx, supplier, lines)
    doc = k.create_document(ctx, PREPAY_APPLY, doc_date=day, partner_id=supplier, remarks=(remarks or "")[:500],
                            lines=[{"ordered_qty": Decimal(1), "unit_price": a["amount"], "remarks": a["number"]}
                                   for a in alloc])
    for ln, a in zip(doc.lines, alloc, strict=True):
        ln.item_type, ln.item_id = a["item"]
        ln.prepayment_type, ln.prepayment_id = PAYMENT.code, a["prepayment_id"]
    ctx.session.flush()
    for ln in doc.lines:
        oi.settle(ctx, item_type=PAYMENT.code, item_id=ln.prepayment_id, amount=ln.amount, kind="prepayment",
                  partner_id=supplier, source_type=PREPAY_APPLY.code, source_id=doc.id, source_number=doc.number,
                  settle_date=day)
        oi.settle(ctx, item_type=ln.item_type, item_id=ln.item_id, amount=ln.amount, kind="payable",
                  partner_id=supplier, source_type=PREPAY_APPLY.code, source_id=doc.id, source_number=doc.number,
                  settle_date=day)
    k.post_document(ctx, PREPAY_APPLY, doc)
    return doc.id


@use_case("finance.prepayment.reverse", zh="冲销预付冲应付", en="Reverse prepayment application")
def reverse_prepayment_application(ctx: Context, *, application_id: int, doc_date: dt.date | None = None,
                                   comment: str = "") -> int:
    """红字预付冲应付: the invoices are open again and the prepayments available again. Returns the red copy's id."""
    doc = k.load_document(ctx, PREPAY_APPLY, application_id, lock=True)
    day = doc_date or doc.doc_date
    red = k.reverse_document(ctx, PREPAY_APPLY, doc, doc_date=day, comment=comment)
    oi.unsettle_source(ctx, PREPAY_APPLY.code, doc.id, settle_date=day, source_number=red.number)
    return red.id


@use_case("finance.settlement.offset", zh="红蓝对冲", en="Offset open items")
def offset_items(ctx: Context, *, credit_type: str, credit_id: int, item_type: str, item_id: int,
                 amount: Any, on: dt.date) -> None:
    """红蓝对冲: a negative open item (a red invoice, a return) set against a positive open item of the same
    supplier and kind: both are settled by ``amount`` (settlement rows naming each other; no voucher, the ledger
    balance of the supplier does not change)."""
    problems: list[ValidationError] = []
    value = _money(amount, 1, problems)
    raise_if(problems)
    day = _date(on)
    ct, credit, credit_open = oi.open_amount(ctx, credit_type, credit_id)
    it, item, item_open = oi.open_amount(ctx, item_type, item_id)
    if credit_open >= 0 or item_open <= 0 or ct.extra["open_item"] != it.extra["open_item"] \
            or credit.partner_id != item.partner_id:
        raise Conflict("error.settlement.offset_pair", credit=credit.number, number=item.number)
    first, second = sorted([(ct.code, credit.id), (it.code, item.id)])  # one lock order for every caller
    oi.lock_item(ctx, *first)
    oi.lock_item(ctx, *second)
    oi.settle(ctx, item_type=it.code, item_id=item.id, amount=value, source_type=ct.code, source_id=credit.id,
              source_number=credit.number, settle_date=day)
    oi.settle(ctx, item_type=ct.code, item_id=credit.id, amount=-value, source_type=it.code, source_id=item.id,
              source_number=item.number, settle_date=day)
    ctx.audit("settlement", item.id, credit=credit.number, item=item.number, amount=str(value))
