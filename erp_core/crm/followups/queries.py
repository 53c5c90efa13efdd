"""Reading follow-ups: a subject's history, the actor's reminders (next actions due today and overdue, for the
home page) and a customer's timeline (follow-ups, opportunities and their linked quotations/orders, service
tickets; invoices and payments join when the sales module's documents exist)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from erp_core.crm import common as c
from erp_core.crm.followups.services import followup_row, subject_customer
from erp_core.crm.models import CrmFollowup, CrmOpportunity, CrmOpportunityLink, CrmTicket
from erp_core.usecase import Context, query


@query("crm.followup.view", zh="查看跟进记录", en="View follow-ups")
def list_followups(ctx: Context, *, subject_type: str, subject_id: int) -> list[dict[str, Any]]:
    subject_customer(ctx, subject_type, subject_id)  # NotFound outside the actor's scope
    rows = ctx.session.execute(select(CrmFollowup).where(
        CrmFollowup.company_id == ctx.company_id, CrmFollowup.subject_type == subject_type,
        CrmFollowup.subject_id == subject_id).order_by(CrmFollowup.at.desc(), CrmFollowup.id.desc())).scalars()
    return [followup_row(f) for f in rows]


def local_today(ctx: Context) -> dt.date:
    return c.now().replace(tzinfo=dt.UTC).astimezone(ZoneInfo(c.company_tz(ctx))).date()


@query("crm.followup.view", zh="查看跟进记录", en="View follow-ups")
def my_reminders(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The actor's open next actions: {"today": [...], "overdue": [...]} (local date)."""
    today = local_today(ctx)
    rows = ctx.session.execute(select(CrmFollowup).where(
        CrmFollowup.company_id == ctx.company_id, CrmFollowup.owner_id == ctx.actor.user_id,
        CrmFollowup.done.is_(False), CrmFollowup.next_action_date <= today)
        .order_by(CrmFollowup.next_action_date, CrmFollowup.id)).scalars()
    out: dict[str, list[dict[str, Any]]] = {"today": [], "overdue": []}
    for f in rows:
        out["today" if f.next_action_date == today else "overdue"].append(followup_row(f))
    return out


@query("crm.followup.view", zh="查看跟进记录", en="View follow-ups")
def customer_timeline(ctx: Context, *, customer_id: int) -> list[dict[str, Any]]:
    """Everything about a customer, newest first: {at, kind, ref_id, text}. Opportunities and tickets show
    only those in the actor's scope."""
    subject_customer(ctx, "customer", customer_id)
    items: list[dict[str, Any]] = []
    for f in ctx.session.execute(select(CrmFollowup).where(CrmFollowup.company_id == ctx.company_id,
                                                           CrmFollowup.customer_id == customer_id)).scalars():
        items.append({"at": f.at, "kind": "followup", "ref_id": f.id, "text": f"[{f.kind}] {f.content}"})
    opps = ctx.session.execute(c.scoped_owned(select(CrmOpportunity), ctx, CrmOpportunity)
                               .where(CrmOpportunity.customer_id == customer_id)).scalars().all()
    for o in opps:
        items.append({"at": o.created_at, "kind": "opportunity", "ref_id": o.id, "text": f"{o.name} ({o.status})"})
    for link in ctx.session.execute(select(CrmOpportunityLink).where(
            CrmOpportunityLink.opportunity_id.in_([o.id for o in opps] or [0]))).scalars():
        items.append({"at": link.at, "kind": link.doc_type, "ref_id": link.doc_id, "text": link.doc_type})
    for t in ctx.session.execute(c.scoped_owned(select(CrmTicket), ctx, CrmTicket)
                                 .where(CrmTicket.customer_id == customer_id)).scalars():
        items.append({"at": t.opened_at, "kind": "ticket", "ref_id": t.id, "text": f"{t.title} ({t.status})"})
    docs = _sales_documents(ctx, customer_id)
    shown = {(i["kind"], i["ref_id"]) for i in docs}  # an opportunity's link to a document the list shows anyway
    items = [i for i in items if (i["kind"], i["ref_id"]) not in shown] + docs
    return sorted(items, key=lambda i: i["at"], reverse=True)


# The customer's sales documents on the timeline, each kind only for an actor who may read that kind (the CRM
# permission alone does not open invoices or receipts): (kind, permission, model path).
_TIMELINE_DOCUMENTS = (
    ("sales_quotation", "sales.quotation.view", "erp_core.sales.models:SalesQuotation"),
    ("sales_order", "sales.order.view", "erp_core.sales.models:SalesOrder"),
    ("sales_invoice", "sales.invoice.view", "erp_core.billing.models:SalesInvoice"),
    ("receipt", "finance.receipt.view", "erp_core.billing.models:Receipt"),
)


def _sales_documents(ctx: Context, customer_id: int) -> list[dict[str, Any]]:
    """Quotations, orders, invoices and receipts of the customer, dated at their document date (midnight)."""
    import importlib

    out: list[dict[str, Any]] = []
    for kind, permission, path in _TIMELINE_DOCUMENTS:
        if not ctx.actor.may(permission):
            continue
        module, name = path.split(":")
        model = getattr(importlib.import_module(module), name)
        rows = ctx.session.execute(select(model.id, model.number, model.doc_date, model.total, model.status).where(
            model.company_id == ctx.company_id, model.partner_id == customer_id)).all()
        for r in rows:
            out.append({"at": dt.datetime.combine(r.doc_date, dt.time()), "kind": kind, "ref_id": r.id,
                        "text": f"{r.number} {r.total:,.2f} ({r.status})"})
    return out


@query("crm.followup.view", zh="查看跟进记录", en="View follow-ups")
def home_reminders(ctx: Context) -> dict[str, int]:
    """The signed-in user's CRM reminders for the home page, as counts (three indexed aggregates in one unit of
    work): follow-ups whose next action is due today / overdue, own leads warned to go back to the pool, and
    own open tickets whose SLA is breached or falls due within ``SLA_SOON_HOURS``."""
    from sqlalchemy import case, func

    from erp_core.crm.models import CrmLead

    today, now, uid, cid = local_today(ctx), c.now(), ctx.actor.user_id, ctx.company_id
    due_today, overdue = ctx.session.execute(select(
        func.coalesce(func.sum(case((CrmFollowup.next_action_date == today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((CrmFollowup.next_action_date < today, 1), else_=0)), 0)).where(
        CrmFollowup.company_id == cid, CrmFollowup.owner_id == uid, CrmFollowup.done.is_(False),
        CrmFollowup.next_action_date <= today)).one()
    warned = ctx.session.execute(select(func.count()).select_from(CrmLead).where(
        CrmLead.company_id == cid, CrmLead.owner_id == uid, CrmLead.recycle_warned_at.is_not(None),
        CrmLead.merged_into.is_(None))).scalar_one()
    soon = now + dt.timedelta(hours=SLA_SOON_HOURS)
    unanswered = (CrmTicket.first_response_at.is_(None)) & (CrmTicket.response_due <= soon)
    unresolved = CrmTicket.resolution_due <= soon
    breached, near = ctx.session.execute(select(
        func.coalesce(func.sum(case((((CrmTicket.first_response_at.is_(None)) & (CrmTicket.response_due < now))
                                     | (CrmTicket.resolution_due < now), 1), else_=0)), 0),
        func.count()).where(
        CrmTicket.company_id == cid, CrmTicket.assignee_id == uid,
        CrmTicket.status.in_(("new", "assigned", "in_progress", "waiting")), unanswered | unresolved)).one()
    return {"followups_today": int(due_today), "followups_overdue": int(overdue), "recycle_warnings": int(warned),
            "tickets_breached": int(breached), "tickets_due_soon": int(near) - int(breached)}


SLA_SOON_HOURS = 4
