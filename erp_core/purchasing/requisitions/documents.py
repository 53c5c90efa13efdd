"""The purchase requisition's document type (docs/purchasing.md): a promise like an order — no stock, no
voucher. Approval through the approvals engine (facts: ``amount`` = the estimated total); "approve" is the
gated action. Found by code through documents.registry.KNOWN_TYPES."""

from __future__ import annotations

from erp_core.documents.registry import DocumentType, register
from erp_core.kernel.workflow import Workflow
from erp_core.purchasing.requisitions.models import PurchaseRequisition, PurchaseRequisitionLine

REQUISITION_FLOW = Workflow("purchase_requisition", ("draft", "submitted", "approved", "closed", "cancelled"), [
    ("submit", "draft", "submitted"),
    ("reopen", "submitted", "draft"),
    ("approve", ("draft", "submitted"), "approved"),
    ("close", "approved", "closed"),
    ("cancel", ("draft", "submitted", "approved"), "cancelled"),
])

PURCHASE_REQUISITION = register(DocumentType(
    code="purchase_requisition", zh="请购单", en="Purchase requisition", prefix="RQ", header=PurchaseRequisition,
    line=PurchaseRequisitionLine, workflow=REQUISITION_FLOW, tracks=("received",), posting=None,
    approval_actions=("approve",),
    extra={"header_fields": ("source_no", "requester", "needed_by", "reason")}))
