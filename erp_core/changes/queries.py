"""Read side of major-change approvals: the changes waiting for approval (and decided ones), the company's
switches, a supplier's bank accounts."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from erp_core.changes.models import CHANGE_STATES, ChangeRequest, SupplierBankAccount
from erp_core.changes.services import change_settings as _settings
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class ChangeView:
    id: int
    version: int
    kind: str
    subject_id: str
    summary: str
    payload: dict[str, Any]
    status: str
    requested_by: int | None
    requested_by_name: str
    requested_at: dt.datetime
    decided_by_name: str | None
    decided_at: dt.datetime | None
    outcome: str


@query("approvals.inbox.view", zh="我的待办", en="My approvals")
def list_changes(ctx: Context, *, status: str | None = "pending") -> list[ChangeView]:
    """The company's major changes (pending by default), newest first."""
    stmt = select(ChangeRequest).where(ChangeRequest.company_id == ctx.actor.company_id)
    if status:
        stmt = stmt.where(ChangeRequest.status == (status if status in CHANGE_STATES else "-"))
    rows = ctx.session.execute(stmt.order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())).scalars()
    return [ChangeView(r.id, r.version, r.kind, r.subject_id, r.summary, json.loads(r.payload), r.status,
                       r.requested_by, r.requested_by_name, r.requested_at, r.decided_by_name, r.decided_at,
                       r.outcome) for r in rows]


@query("approvals.rule.view", zh="查看审批规则", en="View approval rules")
def change_settings(ctx: Context) -> dict[str, bool]:
    """kind -> does it need a second person's approval in this company?"""
    return _settings(ctx.session, ctx.actor.company_id)


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def supplier_bank_accounts(ctx: Context, *, supplier_id: int) -> list[dict[str, Any]]:
    """The supplier's bank accounts, the active one first (earlier ones stay on record, inactive)."""
    from erp_core.masterdata import records as r
    from erp_core.masterdata.partners import SUPPLIER

    supplier = r.load(SUPPLIER, ctx, supplier_id)
    rows = ctx.session.execute(select(SupplierBankAccount).where(
        SupplierBankAccount.company_id == ctx.actor.company_id, SupplierBankAccount.supplier_id == supplier.id)
        .order_by(SupplierBankAccount.active.desc(), SupplierBankAccount.id.desc())).scalars()
    return [{"id": b.id, "bank_name": b.bank_name, "account_number": b.account_number,
             "account_name": b.account_name, "active": b.active, "created_at": b.created_at} for b in rows]
