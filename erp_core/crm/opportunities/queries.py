"""Reading opportunities in the actor's row scope: the list, the pipeline by stage (kanban), the weighted
forecast by month and salesperson, won/lost analysis, stages, the export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.crm import common as c
from erp_core.crm.models import CrmOpportunity, CrmOpportunityLink
from erp_core.crm.opportunities.stages import stages
from erp_core.kernel.money import round_money
from erp_core.usecase import Context, query

COLUMNS = ("id", "name", "customer_id", "lead_id", "stage_id", "amount", "close_date", "status", "lost_reason",
           "owner_id", "created_at", "closed_at")


def _rows(ctx: Context, *, status: str | None = None, owner_id: int | None = None,
          close_from: dt.date | None = None, close_to: dt.date | None = None) -> list[CrmOpportunity]:
    stmt = c.scoped_owned(select(CrmOpportunity), ctx, CrmOpportunity)
    if status:
        stmt = stmt.where(CrmOpportunity.status == status)
    if owner_id is not None:
        stmt = stmt.where(CrmOpportunity.owner_id == owner_id)
    if close_from:
        stmt = stmt.where(CrmOpportunity.close_date >= close_from)
    if close_to:
        stmt = stmt.where(CrmOpportunity.close_date <= close_to)
    return list(ctx.session.execute(stmt.order_by(CrmOpportunity.close_date, CrmOpportunity.id)).scalars())


def _row(o: CrmOpportunity, stage_names: dict[int, tuple[str, str, int]], locale: str) -> dict[str, Any]:
    out = {k: getattr(o, k) for k in COLUMNS}
    zh, en, prob = stage_names.get(o.stage_id, ("", "", 0))
    out.update(version=o.version, stage=zh if locale.startswith("zh") else en, probability=prob,
               weighted=round_money(o.amount * prob / 100))
    return out


def _stage_names(ctx: Context) -> dict[int, tuple[str, str, int]]:
    return {s.id: (s.name_zh, s.name_en, s.probability) for s in stages(ctx.session, ctx.company_id, seed=False)}


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def list_opportunities(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    names = _stage_names(ctx)
    return [_row(o, names, ctx.actor.locale) for o in _rows(ctx, **filters)]


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def get_opportunity(ctx: Context, *, opportunity_id: int) -> dict[str, Any]:
    o = c.load_owned(ctx, CrmOpportunity, opportunity_id)
    out = _row(o, _stage_names(ctx), ctx.actor.locale)
    out["links"] = [{"doc_type": link.doc_type, "doc_id": link.doc_id, "at": link.at} for link in
                    ctx.session.execute(select(CrmOpportunityLink).where(
                        CrmOpportunityLink.opportunity_id == o.id).order_by(CrmOpportunityLink.id)).scalars()]
    _name_linked_documents(ctx, out["links"])
    return out


# The quotations and orders made from an opportunity, named (number, date, status, total) only for an actor who
# may read that kind of document; others see the link without its figures.
_LINKED_DOCUMENTS = {"sales_quotation": ("sales.quotation.view", "erp_core.sales.models:SalesQuotation"),
                     "sales_order": ("sales.order.view", "erp_core.sales.models:SalesOrder")}


def _name_linked_documents(ctx: Context, links: list[dict[str, Any]]) -> None:
    import importlib

    for kind, (permission, path) in _LINKED_DOCUMENTS.items():
        ids = [link["doc_id"] for link in links if link["doc_type"] == kind]
        if not ids or not ctx.actor.may(permission):
            continue
        module, name = path.split(":")
        model = getattr(importlib.import_module(module), name)
        found = {r.id: r for r in ctx.session.execute(
            select(model.id, model.number, model.doc_date, model.status, model.total).where(
                model.company_id == ctx.company_id, model.id.in_(ids))).all()}
        for link in links:
            r = found.get(link["doc_id"]) if link["doc_type"] == kind else None
            if r is not None:
                link.update(number=r.number, doc_date=r.doc_date, status=r.status, total=r.total)


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def list_stages(ctx: Context) -> list[dict[str, Any]]:
    return [{"id": s.id, "code": s.code, "name_zh": s.name_zh, "name_en": s.name_en,
             "probability": s.probability, "seq": s.seq, "outcome": s.outcome}
            for s in stages(ctx.session, ctx.company_id, seed=False)]


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def pipeline(ctx: Context) -> list[dict[str, Any]]:
    """Open opportunities by stage, in stage order: [{stage, code, probability, count, amount, weighted,
    items}] (the kanban's columns)."""
    names = _stage_names(ctx)
    all_stages = stages(ctx.session, ctx.company_id, seed=False)
    code_of = {s.id: s.code for s in all_stages}
    cols = {s.code: {"stage_id": s.id, "code": s.code, "stage": s.name_zh if ctx.actor.locale.startswith("zh")
                   else s.name_en, "probability": s.probability, "count": 0, "amount": Decimal(0),
                   "weighted": Decimal(0), "items": []}
            for s in all_stages if s.outcome is None}
    for o in _rows(ctx, status="open"):
        col = cols.get(code_of.get(o.stage_id))
        if col is None:
            continue
        row = _row(o, names, ctx.actor.locale)
        col["items"].append(row)
        col["count"] += 1
        col["amount"] += o.amount
        col["weighted"] += row["weighted"]
    return list(cols.values())


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def forecast(ctx: Context) -> list[dict[str, Any]]:
    """Weighted forecast of open opportunities by close month and salesperson: [{month "YYYY-MM", owner_id,
    count, amount, weighted}]. Weighted = amount x the stage's probability, to the fen per opportunity."""
    names = _stage_names(ctx)
    acc: dict[tuple[str, int | None], dict[str, Any]] = {}
    for o in _rows(ctx, status="open"):
        key = (o.close_date.strftime("%Y-%m"), o.owner_id)
        a = acc.setdefault(key, {"month": key[0], "owner_id": key[1], "count": 0, "amount": Decimal(0),
                                 "weighted": Decimal(0)})
        a["count"] += 1
        a["amount"] += o.amount
        a["weighted"] += _row(o, names, ctx.actor.locale)["weighted"]
    return [acc[k] for k in sorted(acc, key=lambda k: (k[0], k[1] or 0))]


@query("crm.opportunity.view", zh="查看商机", en="View opportunities")
def won_lost(ctx: Context, *, date_from: dt.date | None = None, date_to: dt.date | None = None
             ) -> dict[str, Any]:
    """Closed opportunities: won and lost counts and amounts, win rate, lost by reason."""
    won = lost = 0
    won_amount, lost_amount = Decimal(0), Decimal(0)
    reasons: dict[str, int] = {}
    for o in _rows(ctx):
        if o.status == "open" or o.closed_at is None:
            continue
        if date_from and o.closed_at.date() < date_from or date_to and o.closed_at.date() > date_to:
            continue
        if o.status == "won":
            won, won_amount = won + 1, won_amount + o.amount
        else:
            lost, lost_amount = lost + 1, lost_amount + o.amount
            reasons[o.lost_reason or ""] = reasons.get(o.lost_reason or "", 0) + 1
    rate = (Decimal(won) / Decimal(won + lost) * 100).quantize(Decimal("0.1")) if won + lost else None
    return {"won": won, "lost": lost, "won_amount": won_amount, "lost_amount": lost_amount, "win_rate": rate,
            "reasons": sorted(reasons.items(), key=lambda kv: -kv[1])}


@query("crm.opportunity.export", zh="导出商机", en="Export opportunities")
def export_opportunities(ctx: Context, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    names = _stage_names(ctx)
    headers = ["编号", "名称", "客户ID", "线索ID", "阶段", "金额", "预计成交日期", "状态", "丢失原因", "负责人ID",
               "赢率%", "加权金额"]
    rows = []
    for o in _rows(ctx, **filters):
        r = _row(o, names, ctx.actor.locale)
        rows.append([o.id, o.name, o.customer_id, o.lead_id, r["stage"], o.amount, o.close_date, o.status,
                     o.lost_reason, o.owner_id, r["probability"], r["weighted"]])
    return headers, rows
