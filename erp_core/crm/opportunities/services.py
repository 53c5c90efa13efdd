"""Use cases for opportunities (商机): create, edit, move along the stages (won and lost are stages with an
outcome; lost needs a reason), link a sales document (quotation / order: the sales module calls
``link_opportunity_document`` when it makes a quotation from an opportunity), and the stages as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from erp_core.crm import common as c
from erp_core.crm.models import CrmOpportunity, CrmOpportunityLink, CrmStage
from erp_core.crm.opportunities.stages import stages
from erp_core.kernel.errors import DomainError, NotFound, PermissionDenied, ValidationError
from erp_core.kernel.money import round_money
from erp_core.usecase import Context, use_case


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):  # a widget's float: its shortest text is what the user typed
        value = repr(value)
    try:
        amount = round_money(value)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError("error.crm.amount", field="field.crm.amount") from exc
    if amount < 0 or amount >= Decimal(10) ** 13:
        raise ValidationError("error.crm.amount", field="field.crm.amount")
    return amount


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError("error.crm.date", field="field.crm.close_date") from exc


def _stage(ctx: Context, code_or_id: str | int | None) -> CrmStage:
    all_stages = stages(ctx.session, ctx.company_id)
    if code_or_id is None:
        return all_stages[0]
    for s in all_stages:
        if s.code == code_or_id or s.id == code_or_id:
            return s
    raise ValidationError("error.choice", field="field.crm.stage")


def new_opportunity(ctx: Context, *, customer_id: int, name: str, amount: Any, close_date: Any,
                    stage_code: str | None = None, lead_id: int | None = None,
                    owner_id: int | None = None) -> int:
    """Inside a use case (create_opportunity, lead conversion): the opportunity row, owned by ``owner_id`` or
    the actor."""
    from erp_core.masterdata.models_partners import Customer

    cust = ctx.session.get(Customer, customer_id)
    if cust is None or cust.company_id != ctx.company_id or cust.merged_into is not None:
        raise NotFound()
    name = (name or "").strip()
    if not name:
        raise ValidationError("error.required", field="field.crm.opportunity_name")
    stage = _stage(ctx, stage_code)
    if stage.outcome is not None:
        raise ValidationError("error.crm.open_stage", field="field.crm.stage")
    owner = owner_id if owner_id is not None else ctx.actor.user_id
    at = c.now()
    opp = CrmOpportunity(company_id=ctx.company_id, name=name[:200], customer_id=cust.id, lead_id=lead_id,
                         stage_id=stage.id, amount=_amount(amount), close_date=_date(close_date), status="open",
                         owner_id=owner, department_id=c.user_department(ctx.session, owner),
                         stage_changed_at=at, created_at=at)
    ctx.session.add(opp)
    ctx.session.flush()
    return opp.id


@use_case("crm.opportunity.create", zh="新建商机", en="Create opportunity")
def create_opportunity(ctx: Context, *, customer_id: int, name: str, amount: Any, close_date: Any,
                       stage: str | None = None) -> int:
    opp_id = new_opportunity(ctx, customer_id=customer_id, name=name, amount=amount, close_date=close_date,
                             stage_code=stage)
    opp = ctx.session.get(CrmOpportunity, opp_id)
    if not _may(ctx, opp):
        raise PermissionDenied(permission=ctx.permission)
    ctx.audit("crm_opportunity", opp_id, name=name, amount=str(opp.amount))
    return opp_id


def _may(ctx: Context, opp: CrmOpportunity) -> bool:
    from erp_core.security.scope import may_touch

    return may_touch(ctx, company_id=opp.company_id, department_id=opp.department_id, owner_id=opp.owner_id)


@use_case("crm.opportunity.edit", zh="修改商机", en="Edit opportunity")
def edit_opportunity(ctx: Context, *, opportunity_id: int, version: int | None, values: dict[str, Any]) -> None:
    opp = c.load_owned(ctx, CrmOpportunity, opportunity_id)
    ctx.check_version(opp, version)
    if opp.status != "open":
        raise DomainError("error.crm.opportunity_closed")
    attrs: dict[str, Any] = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            raise ValidationError("error.required", field="field.crm.opportunity_name")
        attrs["name"] = name[:200]
    if "amount" in values:
        attrs["amount"] = _amount(values["amount"])
    if "close_date" in values:
        attrs["close_date"] = _date(values["close_date"])
    ctx.diff(opp, **attrs)
    ctx.audit("crm_opportunity", opp.id)


@use_case("crm.opportunity.edit", zh="修改商机", en="Edit opportunity")
def move_opportunity_stage(ctx: Context, *, opportunity_id: int, version: int | None, stage: str | int,
                           lost_reason: str | None = None) -> str:
    """Move to ``stage`` (code or id). A stage with outcome "won" / "lost" closes the opportunity (lost needs a
    reason); a closed one is reopened by moving it to an open stage."""
    opp = c.load_owned(ctx, CrmOpportunity, opportunity_id)
    ctx.check_version(opp, version)
    target = _stage(ctx, stage)
    if target.outcome == "lost" and not (lost_reason or "").strip():
        raise ValidationError("error.required", field="field.crm.lost_reason")
    before = opp.stage_id
    at = c.now()
    opp.stage_id, opp.stage_changed_at = target.id, at
    opp.status = target.outcome or "open"
    opp.closed_at = at if target.outcome else None
    opp.lost_reason = lost_reason.strip()[:200] if target.outcome == "lost" else None
    if opp.lead_id is not None:
        from erp_core.crm.models import CrmLead

        lead = ctx.session.get(CrmLead, opp.lead_id)
        if lead is not None:
            lead.last_progress_at = at
    ctx.audit("crm_opportunity", opp.id, stage_id=[before, target.id], status=opp.status)
    return opp.status


@use_case("crm.opportunity.edit", zh="修改商机", en="Edit opportunity")
def link_opportunity_document(ctx: Context, *, opportunity_id: int, doc_type: str, doc_id: int) -> int:
    """Record that a sales document (quotation, order: its documents.registry code) came from the opportunity.
    Idempotent: the same link twice is one row."""
    opp = c.load_owned(ctx, CrmOpportunity, opportunity_id)
    doc_type = (doc_type or "").strip()[:40]
    if not doc_type:
        raise ValidationError("error.required", field="field.crm.doc_type")
    found = ctx.session.execute(select(CrmOpportunityLink.id).where(
        CrmOpportunityLink.opportunity_id == opp.id, CrmOpportunityLink.doc_type == doc_type,
        CrmOpportunityLink.doc_id == int(doc_id))).scalar_one_or_none()
    if found is not None:
        return found
    link = CrmOpportunityLink(company_id=ctx.company_id, opportunity_id=opp.id, doc_type=doc_type,
                              doc_id=int(doc_id))
    ctx.session.add(link)
    ctx.session.flush()
    ctx.audit("crm_opportunity", opp.id, linked=f"{doc_type}:{doc_id}")
    return link.id


@use_case("crm.setting.manage", zh="CRM 设置", en="CRM settings")
def save_stage(ctx: Context, *, code: str, name_zh: str, name_en: str, probability: int, seq: int,
               outcome: str | None = None) -> int:
    """Create or change a stage (by code): names, win probability (0..100), order, outcome (None/won/lost)."""
    c.require_all_scope(ctx)
    problems: list[ValidationError] = []
    code = c.text({"v": code}, "v", "field.crm.stage_code", 40, required=True, problems=problems)
    zh = c.text({"v": name_zh}, "v", "field.crm.stage_name", 60, required=True, problems=problems)
    en = c.text({"v": name_en}, "v", "field.crm.stage_name", 60, required=True, problems=problems) or zh
    if not isinstance(probability, int) or not 0 <= probability <= 100:
        problems.append(ValidationError("error.crm.probability", field="field.crm.probability"))
    if outcome not in (None, "won", "lost"):
        problems.append(ValidationError("error.choice", field="field.crm.outcome"))
    c.raise_problems(problems)
    existing = {s.code: s for s in stages(ctx.session, ctx.company_id)}
    stage = existing.get(code)
    if stage is None:
        stage = CrmStage(company_id=ctx.company_id, code=code, name_zh=zh, name_en=en, probability=probability,
                         seq=int(seq), outcome=outcome)
        ctx.session.add(stage)
        ctx.session.flush()
    else:
        ctx.diff(stage, name_zh=zh, name_en=en, probability=probability, seq=int(seq), outcome=outcome)
    ctx.audit("crm_stage", stage.id, code=code)
    return stage.id
