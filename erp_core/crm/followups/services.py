"""Follow-ups (跟进记录) on leads, customers and opportunities: kind, content, next action and its date,
attachments count. A follow-up on a lead restarts its "no follow-up for N days" clock and moves a new lead to
contacted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from erp_core.crm import common as c
from erp_core.crm.models import FOLLOWUP_KINDS, SUBJECTS, CrmFollowup, CrmOpportunity
from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import NotFound, PermissionDenied, ValidationError
from erp_core.usecase import Context, use_case


def subject_customer(ctx: Context, subject_type: str, subject_id: int, *, write: bool = False) -> int | None:
    """Check the actor may see the subject (NotFound otherwise) and return its customer id, if any. Writing on a
    pool lead (no owner) needs more than scope own: a salesperson claims it first."""
    if subject_type == "lead":
        lead = c.load_lead(ctx, subject_id)
        if write and lead.owner_id is None and not ctx.actor.is_system \
                and ctx.actor.scope(ctx.permission) is Scope.OWN:
            raise PermissionDenied("error.crm.claim_first", permission=ctx.permission)
        return lead.customer_id
    if subject_type == "opportunity":
        return c.load_owned(ctx, CrmOpportunity, subject_id).customer_id
    if subject_type == "customer":
        from erp_core.masterdata.models_partners import Customer
        from erp_core.security.scope import may_touch

        cust = ctx.session.get(Customer, subject_id)
        if cust is None or not may_touch(ctx, company_id=cust.company_id, department_id=cust.department_id,
                                         owner_id=cust.owner_id):
            raise NotFound()
        return cust.id
    raise ValidationError("error.choice", field="field.crm.subject_type")


@use_case("crm.followup.create", zh="新建跟进记录", en="Add follow-up")
def add_followup(ctx: Context, *, subject_type: str, subject_id: int, kind: str, content: str,
                 next_action: str | None = None, next_action_date: dt.date | None = None,
                 attachments: int = 0) -> int:
    problems: list[ValidationError] = []
    c.choice(subject_type, SUBJECTS, "field.crm.subject_type", problems)
    c.choice(kind, FOLLOWUP_KINDS, "field.crm.followup_kind", problems)
    content = c.text({"v": content}, "v", "field.crm.content", 4000, required=True, problems=problems)
    next_action = c.text({"v": next_action}, "v", "field.crm.next_action", 200, problems=problems)
    if next_action_date is not None and not isinstance(next_action_date, dt.date):
        problems.append(ValidationError("error.crm.date", field="field.crm.next_action_date"))
    if next_action and next_action_date is None:
        problems.append(ValidationError("error.required", field="field.crm.next_action_date"))
    if not isinstance(attachments, int) or attachments < 0:
        problems.append(ValidationError("error.crm.integer", field="field.crm.attachments"))
    c.raise_problems(problems)
    customer_id = subject_customer(ctx, subject_type, subject_id, write=True)
    at = c.now()
    f = CrmFollowup(company_id=ctx.company_id, subject_type=subject_type, subject_id=subject_id,
                    customer_id=customer_id, kind=kind, content=content, next_action=next_action,
                    next_action_date=next_action_date, done=next_action is None, attachments=attachments,
                    owner_id=ctx.actor.user_id, at=at)
    ctx.session.add(f)
    if subject_type == "lead":
        from erp_core.crm.models import CrmLead

        lead = ctx.session.get(CrmLead, subject_id)
        lead.last_followup_at, lead.recycle_warned_at = at, None
        if lead.status == "new":
            lead.status, lead.last_progress_at = "contacted", at
    ctx.session.flush()
    ctx.audit("crm_followup", f.id, subject=f"{subject_type}:{subject_id}", kind=kind)
    return f.id


@use_case("crm.followup.create", zh="新建跟进记录", en="Add follow-up")
def complete_next_action(ctx: Context, *, followup_id: int) -> None:
    """Tick off a follow-up's next action (it leaves the reminders)."""
    f = ctx.session.get(CrmFollowup, followup_id)
    if f is None or f.company_id != ctx.company_id or (f.owner_id != ctx.actor.user_id and not _wide(ctx)):
        raise NotFound()
    f.done = True
    ctx.audit("crm_followup", f.id, done=True)


def _wide(ctx: Context) -> bool:
    return ctx.actor.is_system or ctx.actor.scope(ctx.permission) is Scope.ALL


def followup_row(f: CrmFollowup) -> dict[str, Any]:
    return {"id": f.id, "subject_type": f.subject_type, "subject_id": f.subject_id, "customer_id": f.customer_id,
            "kind": f.kind, "content": f.content, "next_action": f.next_action,
            "next_action_date": f.next_action_date, "done": f.done, "attachments": f.attachments,
            "owner_id": f.owner_id, "at": f.at}
