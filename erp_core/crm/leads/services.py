"""Use cases for leads (线索): create (owned, into a pool, or placed by the assignment rules), edit, status
(new -> contacted -> qualified -> converted / lost with a reason), merge of duplicate leads (every follow-up and
the owner history move to the survivor) and conversion (the customer and contact created with the master-data
duplicate check, or an existing customer linked, and an opportunity)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from erp_core.crm import common as c
from erp_core.crm.leads.duplicates import find_lead_duplicates, lead_keys, visible_matches
from erp_core.crm.models import LEAD_SOURCES, CrmFollowup, CrmLead, CrmOwnerHistory, CrmPool, name_blocks
from erp_core.crm.pools.assign import active_rules, give, pick_owner
from erp_core.kernel.errors import DomainError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from erp_core.kernel.workflow import Workflow
from erp_core.usecase import Context, use_case

LEAD_FLOW = Workflow("crm_lead", ("new", "contacted", "qualified", "converted", "lost"), [
    ("contact", "new", "contacted"),
    ("qualify", ("new", "contacted"), "qualified"),
    ("lose", ("new", "contacted", "qualified"), "lost"),
    ("reopen", "lost", "contacted"),
])
OPEN = ("new", "contacted", "qualified")


class LeadDuplicateWarning(DomainError):
    """Leads that look like the one being created; repeat with confirm_duplicates=True."""

    default_id = "error.crm.lead_duplicates"

    def __init__(self, matches: list[dict[str, Any]]) -> None:
        super().__init__(self.default_id, count=sum(m.get("hidden", 1) for m in matches),
                         matches="; ".join(f"#{m['id']} {m['company_name']}" if m["id"] is not None
                                           else f"*** x{m['hidden']}" for m in matches[:5]))
        self.matches = matches


def clean_lead(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    problems: list[ValidationError] = []
    out: dict[str, Any] = {}
    for key, field, n, required in (("company_name", "field.crm.company_name", 200, True),
                                    ("contact_name", "field.crm.contact_name", 100, False),
                                    ("phone", "field.crm.phone", 40, False),
                                    ("region", "field.crm.region", 60, False),
                                    ("industry", "field.crm.industry", 60, False),
                                    ("remarks", "field.crm.remarks", 2000, False)):
        if creating or key in values:
            out[key] = c.text(values, key, field, n, required=required, problems=problems)
    if creating or "tax_id" in values:
        tax = c.text(values, "tax_id", "field.crm.tax_id", 20, problems=problems)
        out["tax_id"] = tax.upper().replace(" ", "") if tax else None
    if creating or "source" in values:
        out["source"] = c.choice(values.get("source") or "other", LEAD_SOURCES, "field.crm.source", problems)
    c.raise_problems(problems)
    if "company_name" in out or "phone" in out:
        key, pkey = lead_keys(out.get("company_name", values.get("_name")), out.get("phone"))
        if "company_name" in out:
            out["name_key"] = key
            out["name_head"], out["name_tail"] = name_blocks(key)
        if "phone" in out:
            out["phone_key"] = pkey
    return out


def _pool(ctx: Context, pool_id: int | None) -> CrmPool | None:
    if pool_id is None:
        return None
    pool = ctx.session.get(CrmPool, pool_id)
    if pool is None or pool.company_id != ctx.company_id:
        raise NotFound()
    return pool


@use_case("crm.lead.create", zh="新建线索", en="Create lead")
def create_lead(ctx: Context, *, values: dict[str, Any], pool_id: int | None = None, assign: str = "self",
                confirm_duplicates: bool = False) -> int:
    """``assign``: "self" (the creator owns it), "pool" (unowned in ``pool_id``) or "rules" (the assignment
    rules pick an owner; the lead stays in ``pool_id`` when none can take it). Duplicates (phone, tax ID,
    company name) raise LeadDuplicateWarning unless ``confirm_duplicates``."""
    attrs = clean_lead(values, creating=True)
    if assign not in ("self", "pool", "rules"):
        raise ValidationError("error.choice", field="field.crm.assign")
    pool = _pool(ctx, pool_id)
    if assign in ("pool", "rules") and pool is None:
        raise ValidationError("error.required", field="field.crm.pool")
    if assign == "self" and ctx.actor.user_id is None:
        raise ValidationError("error.crm.no_user", field="field.crm.owner")
    if not confirm_duplicates:
        matches = visible_matches(ctx, find_lead_duplicates(
            ctx.session, ctx.company_id, company_name=attrs["company_name"], phone=attrs.get("phone"),
            tax_id=attrs.get("tax_id")))
        if matches:
            raise LeadDuplicateWarning(matches)
    at = c.now()
    lead = CrmLead(company_id=ctx.company_id, status="new", pool_id=pool.id if pool else None,
                   created_by=ctx.actor.user_id, created_at=at, **attrs)
    ctx.session.add(lead)
    ctx.session.flush()
    c.record_owner_change(ctx.session, lead, reason="create", to_owner_id=None, to_pool_id=lead.pool_id,
                          by_user_id=ctx.actor.user_id, at=at)
    owner = ctx.actor.user_id if assign == "self" else None
    if assign == "rules":
        owner = pick_owner(ctx.session, ctx.company_id, lead, active_rules(ctx.session, ctx.company_id, lock=True))
    if owner is not None:
        give(ctx.session, lead, owner, reason="assign" if assign == "rules" else "create",
             by_user_id=ctx.actor.user_id, at=at)
    ctx.session.flush()
    if not c.may_see_lead(ctx, lead):  # an own-scope actor may not put a lead out of their own reach
        raise PermissionDenied(permission=ctx.permission)
    ctx.audit("crm_lead", lead.id, company_name=lead.company_name, owner_id=lead.owner_id, pool_id=lead.pool_id)
    return lead.id


@use_case("crm.lead.edit", zh="修改线索", en="Edit lead")
def edit_lead(ctx: Context, *, lead_id: int, version: int | None, values: dict[str, Any]) -> None:
    lead = c.load_lead(ctx, lead_id)
    ctx.check_version(lead, version)
    if lead.status == "converted":
        raise DomainError("error.crm.lead_closed")
    attrs = clean_lead({**values, "_name": lead.company_name}, creating=False)
    ctx.diff(lead, **attrs)
    ctx.audit("crm_lead", lead.id)


@use_case("crm.lead.edit", zh="修改线索", en="Edit lead")
def change_lead_status(ctx: Context, *, lead_id: int, version: int | None, action: str,
                       lost_reason: str | None = None) -> str:
    """contact / qualify / lose (needs a reason) / reopen. Conversion is its own use case."""
    lead = c.load_lead(ctx, lead_id)
    ctx.check_version(lead, version)
    if action == "lose" and not (lost_reason or "").strip():
        raise ValidationError("error.required", field="field.crm.lost_reason")
    before = lead.status
    LEAD_FLOW.apply(lead, action)
    lead.lost_reason = lost_reason.strip()[:200] if action == "lose" else None
    lead.last_progress_at = c.now()
    ctx.audit("crm_lead", lead.id, status=[before, lead.status])
    return lead.status


@use_case("crm.lead.merge", zh="合并线索", en="Merge leads")
def merge_leads(ctx: Context, *, survivor_id: int, duplicate_id: int) -> None:
    """The duplicate's follow-ups, owner history and opportunities move to the survivor, empty fields of the
    survivor are filled from it, and it is marked merged (kept, never deleted)."""
    from erp_core.crm.models import CrmOpportunity

    if survivor_id == duplicate_id:
        raise ValidationError("error.crm.merge_self", field="field.crm.lead")
    survivor = c.load_lead(ctx, survivor_id, lock=True)
    dup = c.load_lead(ctx, duplicate_id, lock=True)
    if dup.status == "converted" and survivor.status != "converted":
        survivor, dup = dup, survivor  # a converted lead survives: its customer link stays
    for name in ("contact_name", "phone", "phone_key", "tax_id", "region", "industry"):
        if getattr(survivor, name) is None and getattr(dup, name) is not None:
            setattr(survivor, name, getattr(dup, name))
    moved = ctx.session.execute(update(CrmFollowup).where(
        CrmFollowup.company_id == ctx.company_id, CrmFollowup.subject_type == "lead",
        CrmFollowup.subject_id == dup.id).values(subject_id=survivor.id)).rowcount
    ctx.session.execute(update(CrmOwnerHistory).where(CrmOwnerHistory.lead_id == dup.id)
                        .values(lead_id=survivor.id))
    ctx.session.execute(update(CrmOpportunity).where(CrmOpportunity.lead_id == dup.id)
                        .values(lead_id=survivor.id))
    if dup.last_followup_at and (survivor.last_followup_at is None or dup.last_followup_at >
                                 survivor.last_followup_at):
        survivor.last_followup_at = dup.last_followup_at
    at = c.now()
    c.record_owner_change(ctx.session, dup, reason="merge", to_owner_id=None, to_pool_id=None,
                          by_user_id=ctx.actor.user_id, at=at)
    dup.merged_into = survivor.id
    dup.owner_id = None
    ctx.session.flush()  # the survivor's last history row states its owner (the moved rows are older)
    c.record_owner_change(ctx.session, survivor, reason="merge", to_owner_id=survivor.owner_id,
                          to_pool_id=survivor.pool_id, by_user_id=ctx.actor.user_id, at=at)
    ctx.audit("crm_lead", survivor.id, merged=dup.id, followups_moved=moved)


@use_case("crm.lead.convert", zh="线索转化", en="Convert lead")
def convert_lead(ctx: Context, *, lead_id: int, version: int | None, customer_id: int | None = None,
                 customer_code: str | None = None, confirm_duplicates: bool = False,
                 opportunity: dict[str, Any] | None = None) -> dict[str, int | None]:
    """Convert a lead: link ``customer_id`` (an existing customer: the lead's contact is added to it when new)
    or create a customer ``customer_code`` from the lead (the master-data duplicate check runs first: likely
    duplicates raise masterdata.records.DuplicateWarning with the matches, so the user links one of them or
    confirms); then an opportunity (``opportunity``: name, amount, close_date, stage) unless None.
    Returns {"customer_id", "opportunity_id"}."""
    from erp_core.crm.opportunities.services import new_opportunity
    from erp_core.masterdata import records as r
    from erp_core.masterdata.duplicates import phone_key
    from erp_core.masterdata.models_partners import Customer, PartnerContact
    from erp_core.masterdata.partners import CUSTOMER, duplicate_checker

    lead = c.load_lead(ctx, lead_id, lock=True)
    ctx.check_version(lead, version)
    if lead.status not in OPEN:
        raise InvalidTransition(workflow="crm_lead", state=lead.status, action="convert")
    if lead.owner_id is None:
        raise DomainError("error.crm.claim_first")
    if customer_id is not None:
        cust = ctx.session.get(Customer, customer_id)
        if cust is None or cust.company_id != ctx.company_id or cust.merged_into is not None:
            raise NotFound()
        if lead.contact_name:
            phones = {phone_key(cust.phone)} | {phone_key(p) for p in ctx.session.execute(
                select(PartnerContact.phone).where(PartnerContact.customer_id == cust.id)).scalars()}
            if cust.contact_name != lead.contact_name and (not lead.phone or phone_key(lead.phone) not in phones):
                ctx.session.add(PartnerContact(company_id=ctx.company_id, customer_id=cust.id,
                                               name=lead.contact_name, phone=lead.phone))
    else:
        if not ctx.actor.may("masterdata.customer.create"):
            raise PermissionDenied(permission="masterdata.customer.create")
        if not (customer_code or "").strip():
            raise ValidationError("error.required", field="field.crm.customer_code")
        values = {"code": customer_code.strip(), "name": lead.company_name, "tax_id": lead.tax_id,
                  "contact_name": lead.contact_name, "phone": lead.phone, **_owner_refs(ctx, lead)}
        entity, eid, changes = ctx.entity, ctx.entity_id, dict(ctx.changes)
        customer_id = r.create(CUSTOMER, ctx, values, None, confirm_duplicates=confirm_duplicates,
                               duplicate_check=duplicate_checker(Customer))
        ctx.entity, ctx.entity_id, ctx.changes = entity, eid, changes
    opp_id = None
    if opportunity is not None:
        opp_id = new_opportunity(ctx, customer_id=customer_id, lead_id=lead.id, owner_id=lead.owner_id,
                                 name=opportunity.get("name") or lead.company_name,
                                 amount=opportunity.get("amount") or Decimal(0),
                                 close_date=opportunity.get("close_date") or (c.now().date() + dt.timedelta(days=30)),
                                 stage_code=opportunity.get("stage"))
    ctx.session.execute(update(CrmFollowup).where(
        CrmFollowup.company_id == ctx.company_id, CrmFollowup.subject_type == "lead",
        CrmFollowup.subject_id == lead.id).values(customer_id=customer_id))
    lead.status, lead.customer_id, lead.opportunity_id = "converted", customer_id, opp_id
    lead.last_progress_at = c.now()
    ctx.audit("crm_lead", lead.id, status="converted", customer_id=customer_id, opportunity_id=opp_id)
    return {"customer_id": customer_id, "opportunity_id": opp_id}


def _owner_refs(ctx: Context, lead: CrmLead) -> dict[str, str]:
    """The new customer's salesperson and department (as the master-data columns name them: username and
    department code): the lead's owner and team, so the customer stays within the converter's row scope."""
    from erp_core.masterdata.models import Department
    from erp_core.security.models import User

    out = {}
    if lead.owner_id is not None:
        name = ctx.session.execute(select(User.username).where(
            User.id == lead.owner_id, User.company_id == ctx.company_id)).scalar_one_or_none()
        if name:
            out["owner"] = name
    if lead.department_id is not None:
        code = ctx.session.execute(select(Department.code).where(Department.id == lead.department_id)).scalar()
        if code:
            out["department"] = code
    return out
