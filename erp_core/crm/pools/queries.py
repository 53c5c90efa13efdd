"""Reading pools: the pools the actor belongs to (all for a manager) with their open unowned counts, the rules,
and the actor's leads that will soon go back to the pool (warnings for the home page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from erp_core.crm import common as c
from erp_core.crm.models import CrmAssignRule, CrmLead, CrmPool, CrmPoolMember
from erp_core.crm.pools.recycle import recycle_due_date
from erp_core.kernel.actor import Scope
from erp_core.usecase import Context, query


@query("crm.pool.view", zh="查看公海池", en="View pools")
def list_pools(ctx: Context) -> list[dict[str, Any]]:
    stmt = select(CrmPool).where(CrmPool.company_id == ctx.company_id).order_by(CrmPool.code)
    if not ctx.actor.is_system and ctx.actor.scope(ctx.permission) is not Scope.ALL:
        stmt = stmt.where(CrmPool.id.in_(c.my_pool_ids(ctx.session, ctx.actor.user_id) or [0]))
    pools = ctx.session.execute(stmt).scalars().all()
    counts = dict(ctx.session.execute(select(CrmLead.pool_id, func.count()).where(
        CrmLead.company_id == ctx.company_id, CrmLead.owner_id.is_(None), CrmLead.merged_into.is_(None),
        CrmLead.status.in_(("new", "contacted", "qualified")), CrmLead.pool_id.in_([p.id for p in pools] or [0]))
        .group_by(CrmLead.pool_id)).all())
    members: dict[int, list[int]] = {}
    for pid, uid in ctx.session.execute(select(CrmPoolMember.pool_id, CrmPoolMember.user_id).where(
            CrmPoolMember.pool_id.in_([p.id for p in pools] or [0]))):
        members.setdefault(pid, []).append(uid)
    cols = ("id", "code", "name", "region", "department_id", "daily_claim_cap", "max_owned",
            "recycle_no_followup_days", "recycle_no_progress_days", "warn_days_before", "cooldown_days", "active")
    return [{**{k: getattr(p, k) for k in cols}, "unclaimed": counts.get(p.id, 0),
             "members": sorted(members.get(p.id, []))} for p in pools]


@query("crm.pool.view", zh="查看公海池", en="View pools")
def list_assign_rules(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.session.execute(select(CrmAssignRule).where(CrmAssignRule.company_id == ctx.company_id)
                               .order_by(CrmAssignRule.priority, CrmAssignRule.id)).scalars()
    return [{k: getattr(r, k) for k in ("id", "priority", "kind", "match_value", "user_ids", "load_cap",
                                         "cursor", "active")} for r in rows]


@query("crm.lead.view", zh="查看线索", en="View leads")
def my_recycle_warnings(ctx: Context) -> list[dict[str, Any]]:
    """The actor's own leads warned that they will return to the pool, with the date."""
    rows = ctx.session.execute(select(CrmLead, CrmPool).join(CrmPool, CrmPool.id == CrmLead.pool_id).where(
        CrmLead.company_id == ctx.company_id, CrmLead.owner_id == ctx.actor.user_id,
        CrmLead.recycle_warned_at.is_not(None), CrmLead.merged_into.is_(None)).order_by(CrmLead.id)).all()
    return [{"id": lead.id, "company_name": lead.company_name, "pool": pool.name,
             "recycle_at": recycle_due_date(pool, lead)} for lead, pool in rows]


@query("crm.lead.view", zh="查看线索", en="View leads")
def crm_people(ctx: Context) -> dict[int, str]:
    """Active colleagues of the company, id -> display name (owners, assignees, pool members are shown by
    name)."""
    from erp_core.security.models import User

    return dict(ctx.session.execute(select(User.id, User.display_name).where(
        User.company_id == ctx.company_id, User.status == "active").order_by(User.id)).all())


@query("crm.recycle.run", zh="公海回收", en="Recycle pools")
def recycle_due(ctx: Context) -> bool:
    """Is any lead of the company due to return to its pool, or to be warned, now? The pages ask before running
    the recycling on load (between the scheduler's runs), so a load with nothing due writes nothing."""
    from erp_core.crm.pools.recycle import anything_due

    return anything_due(ctx.session, ctx.company_id, c.now())
