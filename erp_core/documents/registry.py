"""The registry of document types: a module declares a type with data and a few functions, not a framework.

    PURCHASE_ORDER = DocumentType(
        code="purchase_order", zh="采购订单", en="Purchase order", prefix="PO",
        header=PurchaseOrder, line=PurchaseOrderLine, workflow=PO_FLOW,
        tracks=("received", "invoiced", "returned"),
        approval_facts=po_facts,          # (ctx, doc) -> facts for the approval rules (or None: no approvals)
        approval_actions=("confirm",),    # transitions refused while approval is required, pending or rejected
        posting=None)                     # orders promise: they do not post

A type is found by code through ``document_type(code)``: types registered with ``register`` plus the module
paths in ``KNOWN_TYPES`` (imported on first use), so a process that never imported the module still finds the
type and its rules (DESIGN.md, "No behaviour by import side effect").
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from erp_core.documents.models import TRACKED
from erp_core.kernel.errors import NotFound
from erp_core.kernel.workflow import Workflow

# code -> "package.module:ATTRIBUTE" of the DocumentType, for the types of modules in this code base.
KNOWN_TYPES: dict[str, str] = {
    "payment": "erp_core.settlement.doctypes:PAYMENT",  # 付款单
    "prepay_apply": "erp_core.settlement.doctypes:PREPAY_APPLY",  # 预付冲应付
    "purchase_order": "erp_core.purchasing.documents:PURCHASE_ORDER",
    "purchase_receipt": "erp_core.purchasing.documents:PURCHASE_RECEIPT",
    "purchase_invoice": "erp_core.purchasing.documents:PURCHASE_INVOICE",
    "purchase_return": "erp_core.purchasing.documents:PURCHASE_RETURN",
    "purchase_requisition": "erp_core.purchasing.requisitions.documents:PURCHASE_REQUISITION",  # 请购单
    # inventory operations (erp_core/stockops)
    "other_receipt": "erp_core.stockops.documents:OTHER_RECEIPT",
    "other_issue": "erp_core.stockops.documents:OTHER_ISSUE",
    "stock_transfer": "erp_core.stockops.documents:STOCK_TRANSFER",
    "stocktake": "erp_core.stockops.documents:STOCKTAKE",
    "stocktake_writeoff": "erp_core.stockops.documents:STOCKTAKE_WRITEOFF",
    "payroll_run": "erp_core.hr.payroll.documents:PAYROLL_RUN",
    # billing and receivables (erp_core/billing)
    "sales_invoice": "erp_core.billing.doctypes:SALES_INVOICE",  # 销售发票
    "receipt": "erp_core.billing.doctypes:RECEIPT",  # 收款单
    "advance_apply": "erp_core.billing.doctypes:ADVANCE_APPLY",  # 预收冲应收
    "arap_offset": "erp_core.billing.doctypes:ARAP_OFFSET",  # 应收冲应付
    "revenue_recognition": "erp_core.billing.doctypes:REVENUE_RECOGNITION",  # 收入确认
    # sales (erp_core/sales)
    "sales_quotation": "erp_core.sales.documents:SALES_QUOTATION",
    "sales_order": "erp_core.sales.documents:SALES_ORDER",
    "sales_delivery": "erp_core.sales.documents:SALES_DELIVERY",
    "sales_return": "erp_core.sales.documents:SALES_RETURN",
}


@dataclass(frozen=True)
class PostingSpec:
    """What a posting function returns: stock moves (for inventory.posting.post_stock_moves) and one voucher
    (lines as in voucher_rules: account_id or account_code, debit, credit, summary, dimensions). Either may be
    empty (a payment posts no stock, a transfer between warehouses of one account no voucher)."""

    posting_date: dt.date
    moves: Sequence[Mapping[str, Any]] = ()
    voucher_lines: Sequence[Mapping[str, Any]] = ()
    voucher_type: str | None = None
    attachments: int = 0


@dataclass(frozen=True)
class DocumentType:
    code: str
    zh: str
    en: str
    prefix: str
    header: type
    line: type
    workflow: Workflow
    initial: str = "draft"
    editable: frozenset[str] = frozenset({"draft"})  # states in which header and lines may change
    tracks: tuple[str, ...] = TRACKED
    posting: Callable[[Any, Any], PostingSpec] | None = None  # (ctx, doc) -> PostingSpec
    post_action: str = "post"  # the workflow action post_document applies
    reverse_action: str | None = None  # applied to the original by reverse_document, if the workflow has one
    approval_facts: Callable[[Any, Any], Mapping[str, Any]] | None = None
    approval_actions: tuple[str, ...] = ("confirm",)
    # lines may carry a negative unit price: only a type whose line is an amount owed either way (the payroll
    # run: a 补扣 line is what the employee owes back); every goods document keeps refusing it
    signed_prices: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


_TYPES: dict[str, DocumentType] = {}
_BY_HEADER: dict[type, DocumentType] = {}


def register(doc_type: DocumentType) -> DocumentType:
    """Add (or replace, same code) a document type; returns it so a module can write X = register(...)."""
    if not doc_type.code or len(doc_type.code) > 40:
        raise ValueError("document type code: 1..40 characters")
    if doc_type.initial not in doc_type.workflow.states:
        raise ValueError(f"{doc_type.code}: initial state {doc_type.initial} not in its workflow")
    unknown = set(doc_type.tracks) - set(TRACKED)
    if unknown:
        raise ValueError(f"{doc_type.code}: unknown tracked quantities {sorted(unknown)}")
    _TYPES[doc_type.code] = doc_type
    _BY_HEADER[doc_type.header] = doc_type
    return doc_type


def document_type(code: str) -> DocumentType:
    found = _TYPES.get(code)
    if found is None and code in KNOWN_TYPES:
        module, attr = KNOWN_TYPES[code].split(":")
        found = register(getattr(importlib.import_module(module), attr))
    if found is None:
        raise NotFound(entity="document_type", id=code)
    return found


def registered() -> list[DocumentType]:
    for code in KNOWN_TYPES:
        document_type(code)
    return sorted(_TYPES.values(), key=lambda t: t.code)


def tracks_of(header_cls: type) -> tuple[str, ...]:
    t = _BY_HEADER.get(header_cls)
    return t.tracks if t is not None else TRACKED
