"""The inventory document types (DocumentType declarations) and their posting functions.

Every outbound line is valued with inventory.valuation.issue_unit_cost on the posting date, the stock move
carries that unit cost, and the voucher is built from the same amounts (inventory.posting.move_amount), so the
stock ledger and the general ledger agree to the fen. Accounts come from documents.accounts.account_for (read
through the module, so a company's 科目设置 rules apply), never from literals.

| type | stock moves | voucher |
|---|---|---|
| other_receipt 其他入库 | receipt at the line's unit cost | Dr stock / Cr counter account (document, else role other_receipt) |
| other_issue 其他出库/领用 | issue at the issue cost | Dr expense (document, else role other_issue; department/project) / Cr stock |
| stock_transfer 调拨 | transfer_out + transfer_in at the issue cost | none, unless the two warehouses' stock accounts differ: Dr to / Cr from |
| stocktake 盘点 | adjustment (counted - book) at the issue cost | gain Dr stock / Cr stock_pending; loss Dr stock_pending / Cr stock |
| stocktake_writeoff 盘点损溢处理 | none | loss Dr stock_loss / Cr stock_pending; gain Dr stock_pending / Cr stock_gain |
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.documents import accounts
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.inventory import valuation
from erp_core.inventory.posting import move_amount
from erp_core.kernel.errors import Conflict
from erp_core.kernel.workflow import Workflow
from erp_core.stockops.models import (
    OtherIssue,
    OtherIssueLine,
    OtherReceipt,
    OtherReceiptLine,
    Stocktake,
    StocktakeLine,
    StocktakeWriteoff,
    StocktakeWriteoffLine,
    StockTransfer,
    StockTransferLine,
)
from erp_core.usecase import Context

ZERO = Decimal(0)


def _flow(name: str, initial: str = "draft") -> Workflow:
    return Workflow(name, (initial, "posted", "reversed", "cancelled"),
                    [("post", initial, "posted"), ("reverse", "posted", "reversed"), ("cancel", initial, "cancelled")])


def _voucher(pairs: dict[tuple[str, str], Decimal], summary: str, dims: dict[str, Any] | None = None
             ) -> list[dict[str, Any]]:
    """Voucher lines from {(debit account, credit account): amount}: one debit and one credit line per pair
    (amounts > 0 only). ``dims`` (department_id, project_id) go on the lines of accounts that are not stock."""
    lines: list[dict[str, Any]] = []
    for (dr, cr), amount in sorted(pairs.items()):
        if amount <= 0:
            continue
        lines.append({"account_code": dr, "debit": amount, "credit": ZERO, "summary": summary[:200],
                      **(dims.get(dr, {}) if dims else {})})
        lines.append({"account_code": cr, "debit": ZERO, "credit": amount, "summary": summary[:200],
                      **(dims.get(cr, {}) if dims else {})})
    return lines


def _issue_cost(ctx: Context, product_id: int, warehouse_id: int, on) -> Decimal:
    return valuation.issue_unit_cost(ctx, product_id=product_id, warehouse_id=warehouse_id, on=on)


# --- 其他入库单 ---------------------------------------------------------------------------------------------

def other_receipt_posting(ctx: Context, doc: OtherReceipt) -> PostingSpec:
    counter = doc.counter_account or accounts.account_for(ctx, "other_receipt", partner_id=doc.partner_id)
    moves, pairs = [], defaultdict(lambda: ZERO)
    for ln in doc.lines:
        wh = ln.warehouse_id or doc.warehouse_id
        moves.append({"warehouse_id": wh, "location_id": ln.location_id, "product_id": ln.product_id,
                      "quantity": ln.ordered_qty, "unit_cost": ln.unit_price, "move_type": "receipt"})
        stock = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh)
        pairs[(stock, counter)] += move_amount(ln.ordered_qty, ln.unit_price)
    summary = f"其他入库 {doc.number} {doc.reason}".strip()
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=_voucher(pairs, summary))


# --- 其他出库单 ---------------------------------------------------------------------------------------------

def other_issue_posting(ctx: Context, doc: OtherIssue) -> PostingSpec:
    moves, pairs = [], defaultdict(lambda: ZERO)
    dims: dict[str, dict[str, Any]] = {}
    total = ZERO
    for ln in doc.lines:
        wh = ln.warehouse_id or doc.warehouse_id
        cost = _issue_cost(ctx, ln.product_id, wh, doc.doc_date)
        amount = move_amount(ln.ordered_qty, cost)
        ln.unit_price, ln.amount = cost, amount  # the document shows what it was issued at
        total += amount
        moves.append({"warehouse_id": wh, "location_id": ln.location_id, "product_id": ln.product_id,
                      "quantity": -ln.ordered_qty, "unit_cost": cost, "move_type": "issue"})
        expense = doc.expense_account or accounts.account_for(ctx, "other_issue", product_id=ln.product_id,
                                                              warehouse_id=wh)
        stock = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=wh)
        pairs[(expense, stock)] += amount
        dims[expense] = {k: v for k, v in (("department_id", doc.department_id), ("project_id", doc.project_id))
                         if v is not None}
    doc.total = total
    summary = f"其他出库 {doc.number} {doc.reason}".strip()
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=_voucher(pairs, summary, dims))


# --- 调拨单 -------------------------------------------------------------------------------------------------

def transfer_posting(ctx: Context, doc: StockTransfer) -> PostingSpec:
    moves, pairs = [], defaultdict(lambda: ZERO)
    total = ZERO
    for ln in doc.lines:
        cost = _issue_cost(ctx, ln.product_id, doc.warehouse_id, doc.doc_date)
        amount = move_amount(ln.ordered_qty, cost)
        ln.unit_price, ln.amount = cost, amount
        total += amount
        moves.append({"warehouse_id": doc.warehouse_id, "location_id": doc.from_location_id,
                      "product_id": ln.product_id, "quantity": -ln.ordered_qty, "unit_cost": cost,
                      "move_type": "transfer_out"})
        moves.append({"warehouse_id": doc.to_warehouse_id, "location_id": doc.to_location_id,
                      "product_id": ln.product_id, "quantity": ln.ordered_qty, "unit_cost": cost,
                      "move_type": "transfer_in"})
        out_acc = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=doc.warehouse_id)
        in_acc = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=doc.to_warehouse_id)
        if out_acc != in_acc:
            pairs[(in_acc, out_acc)] += amount
    doc.total = total
    return PostingSpec(posting_date=doc.doc_date, moves=moves,
                       voucher_lines=_voucher(pairs, f"调拨 {doc.number}"))


# --- 盘点单 -------------------------------------------------------------------------------------------------

def variance(ln: StocktakeLine) -> Decimal:
    """counted - book (0 for a line not counted)."""
    return ZERO if ln.counted_qty is None else ln.counted_qty - ln.book_qty


def stocktake_posting(ctx: Context, doc: Stocktake) -> PostingSpec:
    uncounted = [ln.line_no for ln in doc.lines if ln.counted_qty is None]
    if uncounted:
        raise Conflict("error.inv.stocktake_uncounted", number=doc.number, lines=", ".join(map(str, uncounted[:20])),
                       count=len(uncounted))
    pending = accounts.account_for(ctx, "stock_pending", warehouse_id=doc.warehouse_id)
    moves, pairs = [], defaultdict(lambda: ZERO)
    total = ZERO
    for ln in doc.lines:
        diff = variance(ln)
        if diff == 0:
            ln.unit_price, ln.amount = ZERO, ZERO
            continue
        cost = _issue_cost(ctx, ln.product_id, doc.warehouse_id, doc.doc_date)
        amount = move_amount(diff, cost)
        ln.unit_price, ln.amount = cost, amount
        total += amount
        moves.append({"warehouse_id": doc.warehouse_id, "location_id": ln.location_id, "product_id": ln.product_id,
                      "quantity": diff, "unit_cost": cost, "move_type": "adjustment"})
        stock = accounts.account_for(ctx, "stock", product_id=ln.product_id, warehouse_id=doc.warehouse_id)
        if amount > 0:
            pairs[(stock, pending)] += amount
        else:
            pairs[(pending, stock)] += -amount
    doc.total = total
    return PostingSpec(posting_date=doc.doc_date, moves=moves,
                       voucher_lines=_voucher(pairs, f"盘点 {doc.number}"))


def stocktake_results(ctx: Context, stocktake: Stocktake) -> tuple[Decimal, Decimal]:
    """(gain, loss) of a posted stocktake: the sums of its positive and negative adjustment amounts."""
    from erp_core.inventory.models import StockMove

    gain = loss = ZERO
    if stocktake.stock_posting_id is None:
        return gain, loss
    for (amount,) in ctx.session.execute(select(StockMove.amount).where(
            StockMove.company_id == stocktake.company_id, StockMove.posting_id == stocktake.stock_posting_id)):
        if amount > 0:
            gain += amount
        else:
            loss += -amount
    return gain, loss


# --- 盘点损溢处理单 -----------------------------------------------------------------------------------------

def writeoff_posting(ctx: Context, doc: StocktakeWriteoff) -> PostingSpec:
    pending = accounts.account_for(ctx, "stock_pending")
    pairs = {(accounts.account_for(ctx, "stock_loss"), pending): doc.loss_amount,
             (pending, accounts.account_for(ctx, "stock_gain")): doc.gain_amount}
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=_voucher(pairs, f"盘点损溢处理 {doc.number}"))


def writeoff_facts(ctx: Context, doc: StocktakeWriteoff) -> dict[str, Any]:
    """What the approval rules look at: the amount written off (gains and losses together)."""
    return {"amount": doc.gain_amount + doc.loss_amount}


OTHER_RECEIPT = register(DocumentType(
    code="other_receipt", zh="其他入库单", en="Other receipt", prefix="QR", header=OtherReceipt,
    line=OtherReceiptLine, workflow=_flow("other_receipt"), tracks=(), posting=other_receipt_posting,
    reverse_action="reverse", approval_actions=(), extra={"header_fields": ("reason", "counter_account")}))
OTHER_ISSUE = register(DocumentType(
    code="other_issue", zh="其他出库单", en="Other issue", prefix="QC", header=OtherIssue, line=OtherIssueLine,
    workflow=_flow("other_issue"), tracks=(), posting=other_issue_posting, reverse_action="reverse",
    approval_actions=(), extra={"header_fields": ("reason", "expense_account")}))
STOCK_TRANSFER = register(DocumentType(
    code="stock_transfer", zh="调拨单", en="Stock transfer", prefix="DB", header=StockTransfer,
    line=StockTransferLine, workflow=_flow("stock_transfer"), tracks=(), posting=transfer_posting,
    reverse_action="reverse", approval_actions=(),
    extra={"header_fields": ("from_location_id", "to_warehouse_id", "to_location_id")}))
STOCKTAKE = register(DocumentType(
    code="stocktake", zh="盘点单", en="Stocktake", prefix="PD", header=Stocktake, line=StocktakeLine,
    workflow=_flow("stocktake", "counting"), initial="counting", editable=frozenset({"counting"}), tracks=(),
    posting=stocktake_posting, reverse_action="reverse", approval_actions=(),
    extra={"header_fields": ("as_of", "location_id", "category_id")}))
STOCKTAKE_WRITEOFF = register(DocumentType(
    code="stocktake_writeoff", zh="盘点损溢处理单", en="Stocktake write-off", prefix="PS",
    header=StocktakeWriteoff, line=StocktakeWriteoffLine, workflow=_flow("stocktake_writeoff"), tracks=(),
    posting=writeoff_posting, reverse_action="reverse", approval_facts=writeoff_facts,
    approval_actions=("post",), extra={"header_fields": ("stocktake_id", "gain_amount", "loss_amount")}))
