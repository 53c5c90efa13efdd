"""Reading tickets in the actor's row scope (assignee / creator / department / all): the list with SLA state
(overdue highlighted), one ticket with its log, the SLA table and the calendar, the export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.crm import common as c
from erp_core.crm.models import CrmTicket, CrmTicketLog
from erp_core.usecase import Context, query

COLUMNS = ("id", "customer_id", "product_id", "serial", "problem_kind", "priority", "title", "status",
           "assignee_id", "opened_at", "response_due", "resolution_due", "first_response_at", "resolved_at",
           "closed_at", "reopen_count", "satisfaction")


def sla_state(t: CrmTicket, now) -> dict[str, bool]:
    """response_breached / resolution_breached: late already (answered or resolved late, or still open past
    the due time)."""
    resp = t.response_due is not None and ((t.first_response_at or now) > t.response_due)
    done = t.resolved_at if t.status in ("resolved", "closed") else None
    res = t.resolution_due is not None and ((done or now) > t.resolution_due)
    return {"response_breached": resp, "resolution_breached": res, "overdue": (resp and t.first_response_at is None)
            or (res and done is None)}


def _row(t: CrmTicket, now) -> dict[str, Any]:
    return {**{k: getattr(t, k) for k in COLUMNS}, "version": t.version, **sla_state(t, now)}


@query("crm.ticket.view", zh="查看工单", en="View tickets")
def list_tickets(ctx: Context, *, status: str | None = None, priority: str | None = None,
                 customer_id: int | None = None, overdue_only: bool = False) -> list[dict[str, Any]]:
    stmt = c.scoped_owned(select(CrmTicket), ctx, CrmTicket)
    if status == "open":
        stmt = stmt.where(CrmTicket.status.not_in(("resolved", "closed")))
    elif status:
        stmt = stmt.where(CrmTicket.status == status)
    if priority:
        stmt = stmt.where(CrmTicket.priority == priority)
    if customer_id is not None:
        stmt = stmt.where(CrmTicket.customer_id == customer_id)
    now = c.now()
    rows = [_row(t, now) for t in ctx.session.execute(stmt.order_by(CrmTicket.id.desc()).limit(2000)).scalars()]
    return [r for r in rows if r["overdue"]] if overdue_only else rows


@query("crm.ticket.view", zh="查看工单", en="View tickets")
def get_ticket(ctx: Context, *, ticket_id: int) -> dict[str, Any]:
    t = c.load_owned(ctx, CrmTicket, ticket_id)
    out = _row(t, c.now())
    out["description"] = t.description
    out["log"] = [{"kind": g.kind, "from_status": g.from_status, "to_status": g.to_status, "content": g.content,
                   "minutes": g.minutes, "by_user_id": g.by_user_id, "at": g.at}
                  for g in ctx.session.execute(select(CrmTicketLog).where(CrmTicketLog.ticket_id == t.id)
                                               .order_by(CrmTicketLog.at, CrmTicketLog.id)).scalars()]
    out["parts"] = ticket_parts(ctx, t)
    from erp_core.crm.service.services import unbilled_parts

    out["unbilled_parts"] = len(unbilled_parts(ctx, t))  # chargeable parts waiting for their invoice
    return out


def ticket_parts(ctx: Context, t: CrmTicket) -> list[dict[str, Any]]:
    """The parts issued for a ticket: one row per line of its 其他出库单 (number, status — a reversed one says so —,
    product, quantity, unit cost, amount, chargeable or warranty, the invoice that bills it and its status)."""
    from erp_core.billing.models import SalesInvoice
    from erp_core.crm.models import CrmTicketPart
    from erp_core.masterdata.models_items import Product
    from erp_core.stockops.models import OtherIssue, OtherIssueLine

    rows = ctx.session.execute(
        select(OtherIssue.id, OtherIssue.number, OtherIssue.status, OtherIssue.doc_date, OtherIssueLine.line_no,
               Product.code, Product.name, OtherIssueLine.ordered_qty, OtherIssueLine.unit_price,
               OtherIssueLine.amount, CrmTicketPart.chargeable, SalesInvoice.number, SalesInvoice.status)
        .join(CrmTicketPart, (CrmTicketPart.doc_id == OtherIssue.id) & (CrmTicketPart.doc_type == "other_issue"))
        .join(OtherIssueLine, OtherIssueLine.header_id == OtherIssue.id)
        .join(Product, Product.id == OtherIssueLine.product_id)
        .outerjoin(SalesInvoice, SalesInvoice.id == CrmTicketPart.invoice_id)
        .where(CrmTicketPart.ticket_id == t.id, CrmTicketPart.company_id == ctx.company_id)
        .order_by(OtherIssue.id, OtherIssueLine.line_no)).all()
    keys = ("doc_id", "number", "status", "doc_date", "line_no", "product_code", "product_name", "quantity",
            "unit_cost", "amount", "chargeable", "invoice", "invoice_status")
    return [dict(zip(keys, r, strict=True)) for r in rows]


@query("crm.ticket.view", zh="查看工单", en="View tickets")
def service_settings(ctx: Context) -> dict[str, Any]:
    """The SLA per priority (defaults until changed) and the calendar's exceptions."""
    from erp_core.workcalendar.store import days

    return {"sla": _sla(ctx),
            "calendar": [{"day": d.day, "workday": d.workday, "name": d.name or None}
                         for d in days(ctx.session, ctx.company_id)]}


def _sla(ctx: Context) -> dict[str, tuple[int, int]]:
    from erp_core.crm.models import CrmSla
    from erp_core.crm.service.sla import DEFAULT_SLA

    rows = ctx.session.execute(select(CrmSla).where(CrmSla.company_id == ctx.company_id)).scalars().all()
    return {r.priority: (r.response_hours, r.resolution_hours) for r in rows} or dict(DEFAULT_SLA)


@query("crm.ticket.export", zh="导出工单", en="Export tickets")
def export_tickets(ctx: Context, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    rows = list_tickets.__wrapped__(ctx, **filters)
    headers = ["编号", "客户ID", "商品ID", "序列号/批次", "问题类型", "优先级", "标题", "状态", "处理人ID", "创建时间",
               "响应期限", "解决期限", "首次响应", "解决时间", "关闭时间", "重开次数", "满意度", "已超时"]
    return headers, [[r[k] for k in COLUMNS] + [r["overdue"]] for r in rows]


@query("crm.ticket.parts", zh="工单领用配件", en="Issue parts for a ticket")
def part_choices(ctx: Context) -> dict[str, dict[int, str]]:
    """What the parts form offers a holder of crm.ticket.parts (no inventory permission needed): active
    warehouses and active stock items, id -> "code name"."""
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse

    s, cid = ctx.session, ctx.company_id
    whs = {i: f"{code} {name}" for i, code, name in s.execute(select(Warehouse.id, Warehouse.code, Warehouse.name)
                                                              .where(Warehouse.company_id == cid,
                                                                     Warehouse.active.is_(True))
                                                              .order_by(Warehouse.code))}
    prods = {i: f"{code} {name}" for i, code, name in s.execute(select(Product.id, Product.code, Product.name).where(
        Product.company_id == cid, Product.active.is_(True), Product.kind == "product").order_by(Product.code))}
    return {"warehouses": whs, "products": prods}
