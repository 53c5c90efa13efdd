"""Approval of major changes (重大变更审批) through the approvals engine.

A use case that makes a major change asks :func:`hold_for_approval` first. When the company's switch for that kind
is on (``change_setting``; defaults in models.CHANGE_KINDS: on for supplier bank accounts and reopening a period,
off for customer credit limits and role permissions), the change is stored as a ``change_request`` (pending), an
approval is asked from the engine (subject type ``change_<kind>``, facts ``{}``) and the use case does NOT apply it;
otherwise it returns None and the use case applies the change as before.

The engine's rules decide who approves (page 设置 → 审批规则, document type ``change_<kind>``); when a company has
no active rule for a kind, a default one is created on first use: condition ``always``, approver the
administrator role. The engine refuses the requester (owner and submitter) as approver: a second person decides.

:func:`decide_change` (approvals.request.decide) approves or rejects; once the approval is complete the change is
applied in the same transaction by the kind's applier, which re-checks everything against the data as it is now
(a period reopened meanwhile, a role edited since the request, grants the approver does not hold...). A change
that can no longer be applied is kept as ``failed`` with the reason; the decision stands.  A change decided from the
generic approvals inbox (approvals.services.approve / reject) is applied or closed there too, in the same
transaction (:func:`settle_decided_change`); :func:`apply_change` remains for a change approved before that.

Where the gate sits: finance.close_services.reopen_period, security.role_services.set_role_grants,
masterdata.partners_services.edit_customer (the credit limit only; the rest of the edit applies at once) and this
module's supplier bank account use cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.changes.models import CHANGE_KINDS, ChangeRequest, ChangeSetting, SupplierBankAccount
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, DomainError, NotFound, ValidationError, raise_if
from erp_core.usecase import Context, use_case

SETTING_EDIT = "approvals.rule.manage"  # who sets approval rules also sets which changes need approval
F_KIND = "field.changes.kind"
F_BANK_NAME = "field.changes.bank_name"
F_ACCOUNT_NUMBER = "field.changes.account_number"
F_ACCOUNT_NAME = "field.changes.account_name"


def subject_type(kind: str) -> str:
    return f"change_{kind}"


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


def change_enabled(session, company_id: int, kind: str) -> bool:
    """Does a ``kind`` change need a second person's approval in this company?"""
    row = session.get(ChangeSetting, (company_id, kind))
    return row.enabled if row is not None else CHANGE_KINDS[kind]


def change_settings(session, company_id: int) -> dict[str, bool]:
    return {kind: change_enabled(session, company_id, kind) for kind in CHANGE_KINDS}


def _ensure_rule(ctx: Context, kind: str) -> None:
    from erp_core.approvals.models import ApprovalRule
    from erp_core.security.models import Role

    cid = _company(ctx)
    found = ctx.session.execute(select(ApprovalRule.id).where(
        ApprovalRule.company_id == cid, ApprovalRule.doc_type == subject_type(kind),
        ApprovalRule.active.is_(True))).first()
    if found:
        return
    admin_role = ctx.session.execute(select(Role.id).where(Role.company_id == cid, Role.is_admin.is_(True))
                                     .order_by(Role.id)).scalars().first()
    if admin_role is None:
        raise Conflict("error.changes.no_approver")
    ctx.session.add(ApprovalRule(company_id=cid, doc_type=subject_type(kind), condition="always",
                                 approver_role_id=admin_role, level=1, active=True, created_by=ctx.actor.user_id))
    ctx.session.flush()


def hold_for_approval(ctx: Context, kind: str, subject_id: object, payload: dict[str, Any], *,
                      summary: str) -> int | None:
    """Store the change and ask for approval when the company's switch for ``kind`` is on (returns the pending
    change's id: the caller must NOT apply it); None when it is off (the caller applies it now). A second pending
    change of the same subject is refused: decide the first one."""
    from erp_core.approvals.services import submit_for_approval

    s, cid = ctx.session, _company(ctx)
    if not change_enabled(s, cid, kind):
        return None
    subject = str(subject_id)
    if s.execute(select(ChangeRequest.id).where(
            ChangeRequest.company_id == cid, ChangeRequest.kind == kind, ChangeRequest.subject_id == subject,
            ChangeRequest.status == "pending")).first():
        raise Conflict("error.changes.already_pending")
    row = ChangeRequest(company_id=cid, kind=kind, subject_id=subject, payload=json.dumps(payload, default=str),
                        summary=summary[:200], status="pending", requested_by=ctx.actor.user_id,
                        requested_by_name=ctx.actor.username or "")
    s.add(row)
    s.flush()
    _ensure_rule(ctx, kind)
    submit_for_approval(ctx, subject_type(kind), row.id, {}, owner_id=ctx.actor.user_id, summary=summary)
    ctx.changes["pending_change"] = row.id
    return row.id


# --- appliers: (ctx, subject_id, payload) -> None, re-checking against the data as it is now -------------------

def _apply_period_reopen(ctx: Context, subject: str, payload: dict[str, Any]) -> None:
    from erp_core.finance.close_services import reopen_now

    reopen_now(ctx, payload["period"], payload["reason"])


def _apply_role_grants(ctx: Context, subject: str, payload: dict[str, Any]) -> None:
    from erp_core.security.common import load_role
    from erp_core.security.role_services import apply_role_grants

    role = load_role(ctx, int(subject))
    ctx.check_version(role, payload.get("version"))
    apply_role_grants(ctx, role, payload["grants"])


def _apply_customer_credit(ctx: Context, subject: str, payload: dict[str, Any]) -> None:
    from erp_core.masterdata.models_partners import Customer

    customer = ctx.session.get(Customer, int(subject))
    if customer is None or customer.company_id != _company(ctx):
        raise NotFound(entity="customer", id=subject)
    value = payload["credit_limit"]
    ctx.diff(customer, credit_limit=Decimal(value) if value is not None else None)


def _apply_supplier_bank(ctx: Context, subject: str, payload: dict[str, Any]) -> None:
    _write_bank_account(ctx, int(subject), payload)


APPLIERS: dict[str, Callable[[Context, str, dict[str, Any]], None]] = {
    "period_reopen": _apply_period_reopen, "role_grants": _apply_role_grants,
    "customer_credit": _apply_customer_credit, "supplier_bank": _apply_supplier_bank}


def _load_change(ctx: Context, change_id: int, *, lock: bool = True) -> ChangeRequest:
    stmt = select(ChangeRequest).where(ChangeRequest.id == change_id)
    row = ctx.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none() \
        if isinstance(change_id, int) else None
    if row is None or row.company_id != ctx.actor.company_id:
        raise NotFound(entity="change_request", id=change_id)
    return row


def _apply(ctx: Context, row: ChangeRequest) -> None:
    """Apply an approved change; one that can no longer be applied is kept as failed with its reason."""
    payload = json.loads(row.payload)
    savepoint = ctx.session.begin_nested()
    try:
        APPLIERS[row.kind](ctx, row.subject_id, payload)
        ctx.session.flush()
        savepoint.commit()
        row.status, row.outcome = "applied", ""
    except DomainError as err:
        savepoint.rollback()
        row.status = "failed"
        row.outcome = json.dumps({"message_id": err.message_id, "params": err.params}, default=str)[:500]
    row.decided_at, row.decided_by_name = naive_utcnow(), ctx.actor.username
    ctx.session.flush()


@use_case("approvals.request.decide", zh="审批单据", en="Decide approvals")
def decide_change(ctx: Context, *, change_id: int, approve: bool, comment: str = "") -> str:
    """Approve or reject a pending major change (the actor must be an approver the rules name, and not its
    requester); once approved at every level it is applied now. Returns the change's status afterwards."""
    from erp_core.approvals.models import ApprovalRequest
    from erp_core.approvals.services import _decide, actor_role_ids, approval_state, may_decide

    row = _load_change(ctx, change_id)
    if row.status != "pending":
        raise Conflict("error.changes.not_pending", status=row.status)
    if ctx.actor.user_id is not None and ctx.actor.user_id == row.requested_by:
        raise Conflict("error.approvals.self_approval")
    roles = actor_role_ids(ctx.session, ctx.actor.user_id)
    open_requests = ctx.session.execute(select(ApprovalRequest).where(
        ApprovalRequest.company_id == row.company_id, ApprovalRequest.doc_type == subject_type(row.kind),
        ApprovalRequest.doc_id == row.id, ApprovalRequest.status == "pending")
        .order_by(ApprovalRequest.level, ApprovalRequest.id)).scalars().all()
    mine = [r for r in open_requests if may_decide(r, ctx.actor.user_id, roles)]
    if not mine:
        raise Conflict("error.approvals.not_approver")
    _decide(ctx, mine[0].id, None, "approved" if approve else "rejected", comment)
    state = approval_state(ctx.session, row.company_id, subject_type(row.kind), row.id)
    if state == "approved":
        _apply(ctx, row)
    elif state == "rejected":
        row.status, row.decided_at, row.decided_by_name = "rejected", naive_utcnow(), ctx.actor.username
    ctx.audit("change_request", row.id, kind=row.kind, subject=row.subject_id, status=row.status)
    return row.status


def settle_decided_change(ctx: Context, change_id: int) -> str:
    """Called by the approvals inbox (approvals.services.approve / reject) inside its use case when the last
    decision on a change's approval was taken there: apply the approved change, close a rejected one. A change
    no longer pending is left alone. Returns its status."""
    from erp_core.approvals.services import approval_state

    row = _load_change(ctx, change_id)
    if row.status != "pending":
        return row.status
    state = approval_state(ctx.session, row.company_id, subject_type(row.kind), row.id)
    if state == "approved":
        _apply(ctx, row)
    elif state == "rejected":
        row.status, row.decided_at, row.decided_by_name = "rejected", naive_utcnow(), ctx.actor.username
    ctx.session.flush()
    return row.status


@use_case("approvals.request.decide", zh="审批单据", en="Decide approvals")
def apply_change(ctx: Context, *, change_id: int) -> str:
    """Apply a pending change whose approval was completed elsewhere (the approvals inbox). Returns its status."""
    from erp_core.approvals.services import approval_state

    row = _load_change(ctx, change_id)
    if row.status != "pending":
        raise Conflict("error.changes.not_pending", status=row.status)
    state = approval_state(ctx.session, row.company_id, subject_type(row.kind), row.id)
    if state == "rejected":
        row.status, row.decided_at, row.decided_by_name = "rejected", naive_utcnow(), ctx.actor.username
    elif state != "approved":
        raise Conflict("error.approvals.pending")
    else:
        _apply(ctx, row)
    ctx.audit("change_request", row.id, kind=row.kind, subject=row.subject_id, status=row.status)
    return row.status


@use_case(SETTING_EDIT, zh="管理审批规则", en="Manage approval rules")
def set_change_setting(ctx: Context, *, kind: str, enabled: bool) -> None:
    """Switch the approval of one kind of major change on or off for the company."""
    if kind not in CHANGE_KINDS:
        raise ValidationError("error.choice", field=F_KIND)
    cid = ctx.actor.company_id
    row = ctx.session.get(ChangeSetting, (cid, kind))
    before = change_enabled(ctx.session, cid, kind)
    if row is None:
        ctx.session.add(ChangeSetting(company_id=cid, kind=kind, enabled=bool(enabled)))
    else:
        row.enabled = bool(enabled)
    ctx.session.flush()
    ctx.audit("change_setting", kind, enabled=[before, bool(enabled)])


# --- supplier bank accounts (供应商银行账户): every change waits for approval when the switch is on ------------

def _bank_values(bank_name: Any, account_number: Any, account_name: Any) -> dict[str, str]:
    problems = []
    out = {}
    for key, value, field, limit in (("bank_name", bank_name, F_BANK_NAME, 200),
                                     ("account_number", account_number, F_ACCOUNT_NUMBER, 40),
                                     ("account_name", account_name, F_ACCOUNT_NAME, 200)):
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            problems.append(ValidationError("error.required", field=field))
        elif len(text) > limit:
            problems.append(ValidationError("error.too_long", field=field, max=limit))
        out[key] = text
    number = out["account_number"].replace(" ", "")
    if number and not number.isdigit():
        problems.append(ValidationError("error.changes.account_number", field=F_ACCOUNT_NUMBER))
    out["account_number"] = number
    raise_if(problems)
    return out


def _write_bank_account(ctx: Context, supplier_id: int, values: dict[str, Any]) -> int:
    """Make ``values`` the supplier's one active bank account (the previous one stays, inactive, on record)."""
    s, cid = ctx.session, _company(ctx)
    for old in s.execute(select(SupplierBankAccount).where(
            SupplierBankAccount.company_id == cid, SupplierBankAccount.supplier_id == supplier_id,
            SupplierBankAccount.active.is_(True))).scalars():
        old.active = False
    row = SupplierBankAccount(company_id=cid, supplier_id=supplier_id, bank_name=values["bank_name"],
                              account_number=values["account_number"], account_name=values["account_name"],
                              active=True)
    s.add(row)
    s.flush()
    ctx.changes["bank_account"] = {k: values[k] for k in ("bank_name", "account_number", "account_name")}
    return row.id


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def set_supplier_bank_account(ctx: Context, *, supplier_id: int, bank_name: str, account_number: str,
                              account_name: str) -> dict[str, int | None]:
    """Set the supplier's bank account (where payments go). With the company's switch on (the default) it
    waits for a second person's approval: returns {"pending_change": id}; otherwise {"bank_account_id": id}."""
    from erp_core.masterdata import records as r
    from erp_core.masterdata.partners import SUPPLIER

    supplier = r.load(SUPPLIER, ctx, supplier_id)
    r.check_touch(SUPPLIER, ctx, supplier)
    values = _bank_values(bank_name, account_number, account_name)
    ctx.audit("supplier", supplier.id)
    held = hold_for_approval(ctx, "supplier_bank", supplier.id, values,
                             summary=f"{supplier.code} {supplier.name}: {values['bank_name']} {values['account_number']}")
    if held is not None:
        return {"pending_change": held, "bank_account_id": None}
    return {"pending_change": None, "bank_account_id": _write_bank_account(ctx, supplier.id, values)}


def hold_customer_credit(ctx: Context, customer_id: int, version: int | None,
                         values: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """For edit_customer: when the edit changes the credit limit and the company's switch is on, hold the new
    limit for approval and return the values without it (and the pending change's id); otherwise the values as
    given (an invalid limit is left for the edit's own validation to name)."""
    from erp_core.masterdata import records as r
    from erp_core.masterdata.partners import CUSTOMER

    if not isinstance(values, dict) or "credit_limit" not in values \
            or not change_enabled(ctx.session, _company(ctx), "customer_credit"):
        return values, None
    customer = r.load(CUSTOMER, ctx, customer_id)
    r.check_touch(CUSTOMER, ctx, customer)
    ctx.check_version(customer, version)
    attrs, problems = r.clean(CUSTOMER, {"credit_limit": values["credit_limit"]},
                              r.Lookups(ctx.session, _company(ctx)), creating=False)
    if problems or "credit_limit" not in attrs:
        return values, None
    new = attrs["credit_limit"]
    if new == customer.credit_limit:
        return values, None
    held = hold_for_approval(ctx, "customer_credit", customer.id,
                             {"credit_limit": None if new is None else str(new),
                              "before": None if customer.credit_limit is None else str(customer.credit_limit)},
                             summary=f"{customer.code} {customer.name}: {customer.credit_limit} → {new}")
    rest = {k: v for k, v in values.items() if k != "credit_limit"}
    return rest, held
