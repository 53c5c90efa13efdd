"""The CRM dashboard (issue #15 item 7), within the actor's row scope under crm.report.view: the funnel of open
opportunities by stage, new leads by source, the lead conversion rate, follow-ups per salesperson, tickets by
status and SLA breaches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from erp_core.analytics.stamps import Changes, changes, current
from erp_core.crm import common as c
from erp_core.crm.models import CrmFollowup, CrmLead, CrmOpportunity, CrmTicket
from erp_core.crm.opportunities.stages import stages
from erp_core.crm.service.queries import sla_state
from erp_core.kernel.actor import Scope
from erp_core.usecase import Context, query


@query("crm.report.view", zh="CRM 报表", en="CRM reports")
def crm_dashboard(ctx: Context, *, date_from: dt.date | None = None, date_to: dt.date | None = None
                  ) -> dict[str, Any]:
    """Leads created in [date_from, date_to] (default: the last 90 days), the open pipeline now, tickets now;
    ``stamp``: the :func:`dashboard_stamp` these figures are at least as new as (read first)."""
    stamp = changes(ctx.session)
    end = date_to or c.now().date()
    start = date_from or end - dt.timedelta(days=90)
    lo = dt.datetime.combine(start, dt.time(0))
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0))
    leads = c.scoped_leads(select(CrmLead.source, CrmLead.status, func.count()), ctx).where(
        CrmLead.created_at >= lo, CrmLead.created_at < hi).group_by(CrmLead.source, CrmLead.status)
    by_source: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for source, status, n in ctx.session.execute(leads):
        by_source[source] = by_source.get(source, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    total = sum(by_status.values())
    converted = by_status.get("converted", 0)
    rate = (Decimal(converted) / Decimal(total) * 100).quantize(Decimal("0.1")) if total else None
    names = {s.id: (s.name_zh if ctx.actor.locale.startswith("zh") else s.name_en)
             for s in stages(ctx.session, ctx.company_id, seed=False)}
    funnel_rows = ctx.session.execute(
        c.scoped_owned(select(CrmOpportunity.stage_id, func.count(), func.sum(CrmOpportunity.amount)), ctx,
                       CrmOpportunity).where(CrmOpportunity.status == "open").group_by(CrmOpportunity.stage_id)).all()
    order = [s.id for s in stages(ctx.session, ctx.company_id, seed=False)]
    funnel = sorted(({"stage": names.get(sid, str(sid)), "count": n, "amount": amount or Decimal(0),
                      "_o": order.index(sid) if sid in order else 99} for sid, n, amount in funnel_rows),
                    key=lambda r: r["_o"])
    for r in funnel:
        r.pop("_o")
    fu = select(CrmFollowup.owner_id, func.count()).where(
        CrmFollowup.company_id == ctx.company_id, CrmFollowup.at >= lo, CrmFollowup.at < hi)
    scope = ctx.actor.scope(ctx.permission)
    if not ctx.actor.is_system and scope is not Scope.ALL:  # own: mine; department: my team's people
        from erp_core.security.models import User

        team = select(User.id).where(User.company_id == ctx.company_id,
                                     User.department_id.in_(sorted(ctx.actor.department_ids) or [0]))
        fu = fu.where(or_(CrmFollowup.owner_id == ctx.actor.user_id, CrmFollowup.owner_id.in_(team))
                      if scope is Scope.DEPARTMENT else CrmFollowup.owner_id == ctx.actor.user_id)
    followups = [{"owner_id": o, "count": n} for o, n in ctx.session.execute(fu.group_by(CrmFollowup.owner_id))]
    now = c.now()
    tickets_by_status: dict[str, int] = {}
    breaches = 0
    for t in ctx.session.execute(c.scoped_owned(select(CrmTicket), ctx, CrmTicket)).scalars():
        tickets_by_status[t.status] = tickets_by_status.get(t.status, 0) + 1
        s = sla_state(t, now)
        breaches += int(s["response_breached"] or s["resolution_breached"])
    return {"stamp": stamp, "date_from": start, "date_to": end, "leads_by_source": by_source, "leads_by_status": by_status,
            "new_leads": total, "conversion_rate": rate, "funnel": funnel, "followups": followups,
            "tickets_by_status": tickets_by_status, "sla_breaches": breaches}


@query("crm.report.view", zh="CRM 报表", en="CRM reports", session=False)
def dashboard_stamp(ctx: Context) -> Changes:
    """What the dashboard's figures would be as of now (erp_core/analytics/stamps.py): a page keeps the figures it
    read, for the same actor, inputs and language, while this stays the same (kept per process for a second; this
    process's own changes are seen at once)."""
    return current(ctx.db)
