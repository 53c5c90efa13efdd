"""Use cases of the public pools (公海池): pools and their members, assignment rules, claim (daily cap,
保有量 cap, former-owner cool-down), release back to the pool, assignment by a manager or by the rules, and the
recycling run."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from erp_core.crm import common as c
from erp_core.crm import integrity  # noqa: F401  (erp check: the CRM invariants, registered with the use cases)
from erp_core.crm.models import RULE_KINDS, CrmAssignRule, CrmLead, CrmOwnerHistory, CrmPool, CrmPoolMember
from erp_core.crm.pools.assign import OPEN, active_rules, give, open_load, parse_users, pick_owner
from erp_core.crm.pools.recycle import recycle_company
from erp_core.kernel.errors import DomainError, NotFound, ValidationError
from erp_core.usecase import Context, use_case


def _int(values: dict[str, Any], key: str, field: str, problems: list, *, required: bool = False,
         minimum: int = 0) -> int | None:
    v = values.get(key)
    if v is None or v == "":
        if required:
            problems.append(ValidationError("error.required", field=field))
        return None
    try:
        n = int(v)
    except (TypeError, ValueError):
        problems.append(ValidationError("error.crm.integer", field=field))
        return None
    if n < minimum:
        problems.append(ValidationError("error.crm.integer", field=field))
    return n


@use_case("crm.pool.manage", zh="管理公海池", en="Manage pools")
def save_pool(ctx: Context, *, values: dict[str, Any], pool_id: int | None = None) -> int:
    """Create or change a pool: code, name, region, department (team), daily_claim_cap, max_owned,
    recycle_no_followup_days (N), recycle_no_progress_days (M), warn_days_before (k), cooldown_days."""
    c.require_all_scope(ctx)
    problems: list[ValidationError] = []
    attrs: dict[str, Any] = {
        "code": c.text(values, "code", "field.crm.pool_code", 40, required=True, problems=problems),
        "name": c.text(values, "name", "field.crm.pool_name", 100, required=True, problems=problems),
        "region": c.text(values, "region", "field.crm.region", 60, problems=problems),
        "department_id": values.get("department_id"),
        "daily_claim_cap": _int(values, "daily_claim_cap", "field.crm.daily_claim_cap", problems,
                                required=True),
        "max_owned": _int(values, "max_owned", "field.crm.max_owned", problems, minimum=1),
        "recycle_no_followup_days": _int(values, "recycle_no_followup_days", "field.crm.recycle_no_followup_days",
                                         problems, minimum=1),
        "recycle_no_progress_days": _int(values, "recycle_no_progress_days", "field.crm.recycle_no_progress_days",
                                         problems, minimum=1),
        "warn_days_before": _int(values, "warn_days_before", "field.crm.warn_days_before", problems) or 0,
        "cooldown_days": _int(values, "cooldown_days", "field.crm.cooldown_days", problems) or 0,
        "active": bool(values.get("active", True)),
    }
    c.raise_problems(problems)
    taken = select(CrmPool.id).where(CrmPool.company_id == ctx.company_id, CrmPool.code == attrs["code"])
    if pool_id is not None:
        taken = taken.where(CrmPool.id != pool_id)
    if ctx.session.execute(taken).first():
        raise ValidationError("error.masterdata.code_taken", field="field.crm.pool_code")
    if pool_id is None:
        pool = CrmPool(company_id=ctx.company_id, **attrs)
        ctx.session.add(pool)
        ctx.session.flush()
        ctx.audit("crm_pool", pool.id, **attrs)
        return pool.id
    pool = _load_pool(ctx, pool_id)
    ctx.diff(pool, **attrs)
    ctx.audit("crm_pool", pool.id)
    return pool.id


def _load_pool(ctx: Context, pool_id: int) -> CrmPool:
    pool = ctx.session.get(CrmPool, pool_id)
    if pool is None or pool.company_id != ctx.company_id:
        raise NotFound()
    return pool


@use_case("crm.pool.manage", zh="管理公海池", en="Manage pools")
def set_pool_members(ctx: Context, *, pool_id: int, user_ids: list[int]) -> None:
    c.require_all_scope(ctx)
    pool = _load_pool(ctx, pool_id)
    ctx.session.execute(delete(CrmPoolMember).where(CrmPoolMember.pool_id == pool.id))
    for uid in sorted(set(int(u) for u in user_ids)):
        ctx.session.add(CrmPoolMember(company_id=ctx.company_id, pool_id=pool.id, user_id=uid))
    ctx.audit("crm_pool", pool.id, members=sorted(set(user_ids)))


@use_case("crm.pool.manage", zh="管理公海池", en="Manage pools")
def save_assign_rule(ctx: Context, *, values: dict[str, Any], rule_id: int | None = None) -> int:
    """kind (round_robin / region / source / load_cap), match_value, user_ids ("3,5,8" or a list), load_cap,
    priority, active."""
    c.require_all_scope(ctx)
    problems: list[ValidationError] = []
    kind = c.choice(values.get("kind"), RULE_KINDS, "field.crm.rule_kind", problems)
    users = values.get("user_ids")
    users = ",".join(str(int(u)) for u in users) if isinstance(users, (list, tuple)) else str(users or "")
    if not parse_users(users):
        problems.append(ValidationError("error.required", field="field.crm.rule_users"))
    match = c.text(values, "match_value", "field.crm.match_value", 60, problems=problems,
                   required=kind in ("region", "source"))
    attrs = {"kind": kind, "match_value": match, "user_ids": users,
             "load_cap": _int(values, "load_cap", "field.crm.load_cap", problems, minimum=1,
                              required=kind == "load_cap"),
             "priority": _int(values, "priority", "field.crm.priority", problems) or 100,
             "active": bool(values.get("active", True))}
    c.raise_problems(problems)
    if rule_id is None:
        rule = CrmAssignRule(company_id=ctx.company_id, cursor=0, **attrs)
        ctx.session.add(rule)
        ctx.session.flush()
    else:
        rule = ctx.session.get(CrmAssignRule, rule_id)
        if rule is None or rule.company_id != ctx.company_id:
            raise NotFound()
        ctx.diff(rule, **attrs)
    ctx.audit("crm_assign_rule", rule.id, **attrs)
    return rule.id


def _local_day_start(ctx: Context, at: dt.datetime) -> dt.datetime:
    tz = ZoneInfo(c.company_tz(ctx))
    local = at.replace(tzinfo=dt.UTC).astimezone(tz)
    start = dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


@use_case("crm.lead.claim", zh="领取线索", en="Claim lead")
def claim_lead(ctx: Context, *, lead_id: int) -> None:
    """Claim an unowned lead from a pool the actor belongs to: at most the pool's daily_claim_cap per person
    per (local) day, at most max_owned open leads held, and not within cooldown_days after the actor lost it
    (released or recycled)."""
    user = ctx.actor.user_id
    if user is None:
        raise ValidationError("error.crm.no_user", field="field.crm.owner")
    lead = c.load_lead(ctx, lead_id, lock=True)
    if lead.owner_id is not None:
        raise DomainError("error.crm.already_owned")
    if lead.status not in OPEN or lead.pool_id is None:
        raise DomainError("error.crm.not_claimable")
    pool = _load_pool(ctx, lead.pool_id)
    at = c.now()
    claims_today = ctx.session.execute(select(func.count()).select_from(CrmOwnerHistory).where(
        CrmOwnerHistory.company_id == ctx.company_id, CrmOwnerHistory.reason == "claim",
        CrmOwnerHistory.to_owner_id == user, CrmOwnerHistory.from_pool_id == pool.id,
        CrmOwnerHistory.at >= _local_day_start(ctx, at))).scalar_one()
    if claims_today >= pool.daily_claim_cap:
        raise DomainError("error.crm.claim_cap", cap=pool.daily_claim_cap)
    if pool.max_owned is not None and open_load(ctx.session, ctx.company_id, [user])[user] >= pool.max_owned:
        raise DomainError("error.crm.max_owned", cap=pool.max_owned)
    if pool.cooldown_days:
        lost_at = ctx.session.execute(select(func.max(CrmOwnerHistory.at)).where(
            CrmOwnerHistory.lead_id == lead.id, CrmOwnerHistory.from_owner_id == user,
            CrmOwnerHistory.reason.in_(("recycle", "release")))).scalar()
        if lost_at is not None and at < lost_at + dt.timedelta(days=pool.cooldown_days):
            until = lost_at + dt.timedelta(days=pool.cooldown_days)
            raise DomainError("error.crm.cooldown", until=until.date().isoformat())
    give(ctx.session, lead, user, reason="claim", by_user_id=user, at=at)
    ctx.audit("crm_lead", lead.id, owner_id=[None, user])


@use_case("crm.lead.release", zh="退回公海", en="Return lead to pool")
def release_lead(ctx: Context, *, lead_id: int, pool_id: int | None = None) -> None:
    """The owner (or a team lead / manager) puts the lead back into its pool (or ``pool_id``)."""
    lead = c.load_lead(ctx, lead_id, lock=True)
    if lead.owner_id is None:
        raise DomainError("error.crm.not_owned")
    target = _load_pool(ctx, pool_id if pool_id is not None else lead.pool_id) if (
        pool_id is not None or lead.pool_id is not None) else None
    if target is None:
        raise ValidationError("error.required", field="field.crm.pool")
    c.record_owner_change(ctx.session, lead, reason="release", to_owner_id=None, to_pool_id=target.id,
                          by_user_id=ctx.actor.user_id, at=c.now())
    before = lead.owner_id
    lead.owner_id, lead.pool_id, lead.department_id, lead.claimed_at = None, target.id, None, None
    lead.recycle_warned_at = lead.last_followup_at = lead.last_progress_at = None  # no clock in the pool
    ctx.audit("crm_lead", lead.id, owner_id=[before, None])


@use_case("crm.lead.assign", zh="分配线索", en="Assign lead")
def assign_lead(ctx: Context, *, lead_id: int, owner_id: int) -> None:
    """A team lead or manager gives a lead to a salesperson (转移): history, and the new owner must stay within
    the assigner's reach."""
    lead = c.load_lead(ctx, lead_id, lock=True)
    if lead.status not in OPEN:
        raise DomainError("error.crm.not_claimable")
    before = lead.owner_id
    give(ctx.session, lead, int(owner_id), reason="assign", by_user_id=ctx.actor.user_id, at=c.now())
    ctx.session.flush()
    if not c.may_see_lead(ctx, lead):
        from erp_core.kernel.errors import PermissionDenied

        raise PermissionDenied(permission=ctx.permission)
    ctx.audit("crm_lead", lead.id, owner_id=[before, lead.owner_id])


@use_case("crm.lead.assign", zh="分配线索", en="Assign lead")
def auto_assign_pool(ctx: Context, *, pool_id: int, limit: int = 1000) -> dict[str, int]:
    """Deal the pool's unowned open leads by the assignment rules (oldest first). Returns {"assigned", "left"}."""
    c.require_all_scope(ctx)
    pool = _load_pool(ctx, pool_id)
    rules = active_rules(ctx.session, ctx.company_id, lock=True)
    leads = ctx.session.execute(select(CrmLead).where(
        CrmLead.company_id == ctx.company_id, CrmLead.pool_id == pool.id, CrmLead.owner_id.is_(None),
        CrmLead.status.in_(OPEN), CrmLead.merged_into.is_(None)).order_by(CrmLead.id).limit(limit)
        .with_for_update()).scalars().all()
    load: dict[int, int] = {}
    assigned = 0
    at = c.now()
    for lead in leads:
        owner = pick_owner(ctx.session, ctx.company_id, lead, rules, load)
        if owner is not None:
            give(ctx.session, lead, owner, reason="assign", by_user_id=ctx.actor.user_id, at=at)
            assigned += 1
    ctx.audit("crm_pool", pool.id, assigned=assigned)
    return {"assigned": assigned, "left": len(leads) - assigned}


@use_case("crm.recycle.run", zh="公海回收", en="Recycle pools")
def run_recycle(ctx: Context) -> dict[str, int]:
    """Return overdue leads to their pools and mark the warnings (the same code as the scheduled job
    pools.recycle.recycle_pools); idempotent."""
    result = recycle_company(ctx.session, ctx.company_id, c.now(), by_user_id=ctx.actor.user_id)
    ctx.audit("crm_pool", None, **result)
    return result
