"""After-sales service tickets (售后工单): created for a customer (product, serial/batch, problem kind,
priority), SLA due times from the working calendar, assignment, status (new -> assigned -> in progress ->
waiting for customer -> resolved -> closed, reopened back to in progress), work log, satisfaction score.

The SLA clock: response due = opened + response hours, resolution due = opened + resolution hours, both in
working hours (crm/calendar.py). While a ticket waits for the customer its clock stops: on leaving "waiting"
the resolution due time moves on by the working hours spent waiting. Reopening restarts the resolution clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.crm import common as c
from erp_core.crm.calendar import load_calendar
from erp_core.crm.models import (
    PROBLEM_KINDS,
    TICKET_PRIORITIES,
    CrmSla,
    CrmTicket,
    CrmTicketLog,
)
from erp_core.crm.service.sla import sla_table
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.workflow import Workflow
from erp_core.usecase import Context, use_case

TICKET_FLOW = Workflow("crm_ticket", ("new", "assigned", "in_progress", "waiting", "resolved", "closed"), [
    ("start", ("new", "assigned", "waiting"), "in_progress"),
    ("wait", "in_progress", "waiting"),
    ("resolve", ("assigned", "in_progress", "waiting"), "resolved"),
    ("close", "resolved", "closed"),
    ("reopen", ("resolved", "closed"), "in_progress"),
])


def _calendar(ctx: Context):
    return load_calendar(ctx.session, ctx.company_id, tz=c.company_tz(ctx))


def _log(ctx: Context, t: CrmTicket, kind: str, *, before: str | None = None, after: str | None = None,
         content: str | None = None, minutes: int | None = None) -> None:
    ctx.session.add(CrmTicketLog(company_id=ctx.company_id, ticket_id=t.id, kind=kind, from_status=before,
                                 to_status=after, content=content, minutes=minutes, by_user_id=ctx.actor.user_id,
                                 at=c.now()))


@use_case("crm.ticket.create", zh="新建工单", en="Create ticket")
def create_ticket(ctx: Context, *, customer_id: int, title: str, problem_kind: str, priority: str = "normal",
                  product_id: int | None = None, serial: str | None = None, description: str | None = None,
                  assignee_id: int | None = None) -> int:
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer

    problems: list[ValidationError] = []
    title = c.text({"v": title}, "v", "field.crm.ticket_title", 200, required=True, problems=problems)
    c.choice(problem_kind, PROBLEM_KINDS, "field.crm.problem_kind", problems)
    c.choice(priority, TICKET_PRIORITIES, "field.crm.priority_level", problems)
    serial = c.text({"v": serial}, "v", "field.crm.serial", 60, problems=problems)
    description = c.text({"v": description}, "v", "field.crm.description", 4000, problems=problems)
    c.raise_problems(problems)
    cust = ctx.session.get(Customer, customer_id)
    if cust is None or cust.company_id != ctx.company_id:
        raise NotFound()
    if product_id is not None:
        prod = ctx.session.get(Product, product_id)
        if prod is None or prod.company_id != ctx.company_id:
            raise NotFound()
    at = c.now()
    response_h, resolution_h = sla_table(ctx.session, ctx.company_id)[priority]
    cal = _calendar(ctx)
    t = CrmTicket(company_id=ctx.company_id, customer_id=cust.id, product_id=product_id, serial=serial,
                  problem_kind=problem_kind, priority=priority, title=title, description=description,
                  status="new", opened_at=at, response_due=cal.add_working_hours(at, response_h),
                  resolution_due=cal.add_working_hours(at, resolution_h), created_by=ctx.actor.user_id,
                  reopen_count=0)
    ctx.session.add(t)
    ctx.session.flush()
    _log(ctx, t, "status", after="new")
    if assignee_id is not None:
        _assign(ctx, t, int(assignee_id))
    ctx.audit("crm_ticket", t.id, title=title, priority=priority)
    return t.id


def _assign(ctx: Context, t: CrmTicket, assignee_id: int) -> None:
    before = t.status
    t.assignee_id = assignee_id
    t.department_id = c.user_department(ctx.session, assignee_id)
    if t.status == "new":
        t.status = "assigned"
    _log(ctx, t, "assign", before=before, after=t.status, content=str(assignee_id))


@use_case("crm.ticket.assign", zh="分派工单", en="Assign ticket")
def assign_ticket(ctx: Context, *, ticket_id: int, version: int | None, assignee_id: int) -> None:
    t = c.load_owned(ctx, CrmTicket, ticket_id, lock=True)
    ctx.check_version(t, version)
    if t.status == "closed":
        raise ValidationError("error.crm.ticket_closed", field="field.crm.assignee")
    _assign(ctx, t, int(assignee_id))
    ctx.audit("crm_ticket", t.id, assignee_id=assignee_id)


@use_case("crm.ticket.edit", zh="处理工单", en="Work on ticket")
def change_ticket_status(ctx: Context, *, ticket_id: int, version: int | None, action: str,
                         note: str | None = None) -> str:
    """start / wait / resolve / close / reopen (see TICKET_FLOW)."""
    t = c.load_owned(ctx, CrmTicket, ticket_id, lock=True)
    ctx.check_version(t, version)
    before = t.status
    TICKET_FLOW.apply(t, action)
    at = c.now()
    cal = _calendar(ctx)
    if t.first_response_at is None and action in ("start", "wait", "resolve"):
        t.first_response_at = at
    if before == "waiting" and t.resolution_due is not None:  # the clock stopped while waiting
        since = _waiting_since(ctx, t)
        if since is not None:
            t.resolution_due = cal.add_working_hours(t.resolution_due, cal.working_hours_between(since, at))
    if action == "resolve":
        t.resolved_at = at
    elif action == "close":
        t.closed_at = at
    elif action == "reopen":
        _, resolution_h = sla_table(ctx.session, ctx.company_id)[t.priority]
        t.reopen_count += 1
        t.resolved_at = t.closed_at = None
        t.resolution_due = cal.add_working_hours(at, resolution_h)
    _log(ctx, t, "status", before=before, after=t.status, content=(note or "").strip()[:2000] or None)
    ctx.audit("crm_ticket", t.id, status=[before, t.status])
    return t.status


def _waiting_since(ctx: Context, t: CrmTicket) -> dt.datetime | None:
    from sqlalchemy import select

    return ctx.session.execute(select(CrmTicketLog.at).where(
        CrmTicketLog.ticket_id == t.id, CrmTicketLog.to_status == "waiting")
        .order_by(CrmTicketLog.at.desc(), CrmTicketLog.id.desc()).limit(1)).scalar()


@use_case("crm.ticket.edit", zh="处理工单", en="Work on ticket")
def log_ticket_work(ctx: Context, *, ticket_id: int, content: str, minutes: int | None = None) -> None:
    t = c.load_owned(ctx, CrmTicket, ticket_id)
    problems: list[ValidationError] = []
    content = c.text({"v": content}, "v", "field.crm.content", 4000, required=True, problems=problems)
    if minutes is not None and (not isinstance(minutes, int) or minutes < 0):
        problems.append(ValidationError("error.crm.integer", field="field.crm.minutes"))
    c.raise_problems(problems)
    if t.status == "closed":
        raise ValidationError("error.crm.ticket_closed", field="field.crm.content")
    if t.first_response_at is None:
        t.first_response_at = c.now()
    _log(ctx, t, "work", content=content, minutes=minutes)
    ctx.audit("crm_ticket", t.id, work=minutes)


@use_case("crm.ticket.edit", zh="处理工单", en="Work on ticket")
def rate_ticket(ctx: Context, *, ticket_id: int, satisfaction: int) -> None:
    """The customer's satisfaction score (1..5), once the ticket is resolved or closed."""
    t = c.load_owned(ctx, CrmTicket, ticket_id)
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise ValidationError("error.crm.satisfaction", field="field.crm.satisfaction")
    if t.status not in ("resolved", "closed"):
        raise ValidationError("error.crm.not_resolved", field="field.crm.satisfaction")
    ctx.diff(t, satisfaction=satisfaction)
    ctx.audit("crm_ticket", t.id)


@use_case("crm.setting.manage", zh="CRM 设置", en="CRM settings")
def save_sla(ctx: Context, *, priority: str, response_hours: int, resolution_hours: int) -> None:
    c.require_all_scope(ctx)
    problems: list[ValidationError] = []
    c.choice(priority, TICKET_PRIORITIES, "field.crm.priority_level", problems)
    for v, f in ((response_hours, "field.crm.response_hours"), (resolution_hours, "field.crm.resolution_hours")):
        if not isinstance(v, int) or v <= 0:
            problems.append(ValidationError("error.crm.integer", field=f))
    c.raise_problems(problems)
    sla_table(ctx.session, ctx.company_id)
    from sqlalchemy import select

    row = ctx.session.execute(select(CrmSla).where(CrmSla.company_id == ctx.company_id,
                                                   CrmSla.priority == priority)).scalar_one_or_none()
    if row is None:
        row = CrmSla(company_id=ctx.company_id, priority=priority, response_hours=response_hours,
                     resolution_hours=resolution_hours)
        ctx.session.add(row)
    else:
        ctx.diff(row, response_hours=response_hours, resolution_hours=resolution_hours)
    ctx.audit("crm_sla", priority, response_hours=response_hours, resolution_hours=resolution_hours)


@use_case("crm.setting.manage", zh="CRM 设置", en="CRM settings")
def set_calendar_day(ctx: Context, *, day: dt.date, workday: bool | None, name: str | None = None) -> None:
    """Mark ``day`` a holiday (workday=False), a working weekend day (True), or back to normal (None), in the
    company work calendar (erp_core/workcalendar: the same calendar HR attendance counts working days with)."""
    from erp_core.workcalendar.store import set_day

    c.require_all_scope(ctx)
    if not isinstance(day, dt.date):
        raise ValidationError("error.crm.date", field="field.crm.day")
    ctx.changes["calendar"] = set_day(ctx.session, ctx.company_id, day, workday, name or "")
    ctx.audit("work_calendar_day", day.isoformat(), workday=workday)




@use_case("crm.ticket.parts", zh="工单领用配件", en="Issue parts for a ticket")
def issue_ticket_parts(ctx: Context, *, ticket_id: int, warehouse_id: int, lines: list[dict],
                       doc_date: dt.date | None = None, expense_account: str | None = None,
                       chargeable: bool = False) -> dict:
    """Parts used on a ticket (工单配件) leave stock through the one posting path: a 其他出库单 (other_issue) for
    the ticket's customer, created and posted here (issue moves at the issue cost, voucher Dr the expense
    account / Cr stock), recorded against the ticket (crm_ticket_part) and in its log. ``lines``: product_id,
    quantity, optional location_id. The expense account defaults to the role ``service_parts`` (销售费用, 科目设置
    may map it elsewhere). A mistake is undone by reversing the 其他出库单 (红冲) on the inventory pages.
    ``chargeable`` parts are sold to the customer (not under warranty): they post to the role ``cogs`` (主营业务成本)
    and wait to be billed by ``bill_ticket_parts``; warranty parts (the default) are free.
    Returns {"doc_id", "number", "voucher_id", "stock_posting_id", "total", "warnings"}."""
    from erp_core.crm.models import CrmTicketPart
    from erp_core.documents import accounts
    from erp_core.documents import services as kernel
    from erp_core.stockops import documents as D
    from erp_core.stockops import services as so

    t = c.load_owned(ctx, CrmTicket, ticket_id, lock=True)
    if t.status == "closed":
        raise ValidationError("error.crm.ticket_closed", field="field.crm.parts")
    if not lines:
        raise ValidationError("error.required", field="field.crm.parts")
    day = doc_date or _local_today(ctx)
    account = expense_account or accounts.account_for(ctx, "cogs" if chargeable else "service_parts",
                                                      partner_id=t.customer_id, partner_kind="customer")
    doc_id = so._create_other(ctx, D.OTHER_ISSUE, doc_date=day, warehouse_id=warehouse_id, lines=lines,
                              reason=f"售后工单 #{t.id}"[:100], account=account, department_id=t.department_id,
                              remarks=t.title[:500])
    doc = kernel.load_document(ctx, D.OTHER_ISSUE, doc_id, lock=True)
    doc.partner_id = t.customer_id
    kernel.post_document(ctx, D.OTHER_ISSUE, doc)
    result = so.post_result(ctx, doc)
    at = c.now()
    ctx.session.add(CrmTicketPart(company_id=ctx.company_id, ticket_id=t.id, doc_type=D.OTHER_ISSUE.code,
                                  doc_id=doc.id, by_user_id=ctx.actor.user_id, at=at, chargeable=bool(chargeable)))
    if t.first_response_at is None:
        t.first_response_at = at
    _log(ctx, t, "part", content=f"{doc.number}{' (收费)' if chargeable else ''} · " + ", ".join(
        f"{ln.product_id} × {ln.ordered_qty.normalize():f}" for ln in doc.lines))
    ctx.audit("crm_ticket", t.id, parts_doc=doc.number, total=str(doc.total), chargeable=bool(chargeable))
    return {"doc_id": doc.id, "number": doc.number, "voucher_id": result.voucher_id,
            "stock_posting_id": result.stock_posting_id, "total": doc.total, "warnings": result.warnings}


def unbilled_parts(ctx: Context, t: CrmTicket) -> list[tuple[Any, Any]]:
    """The ticket's chargeable parts not billed yet: (crm_ticket_part, posted 其他出库单) pairs. A reversed issue is
    not billed; a part whose invoice was cancelled is billable again."""
    from erp_core.billing.models import SalesInvoice
    from erp_core.crm.models import CrmTicketPart
    from erp_core.stockops.models import OtherIssue

    rows = ctx.session.execute(
        select(CrmTicketPart, OtherIssue)
        .join(OtherIssue, (OtherIssue.id == CrmTicketPart.doc_id) & (CrmTicketPart.doc_type == "other_issue"))
        .outerjoin(SalesInvoice, SalesInvoice.id == CrmTicketPart.invoice_id)
        .where(CrmTicketPart.company_id == ctx.company_id, CrmTicketPart.ticket_id == t.id,
               CrmTicketPart.chargeable.is_(True), OtherIssue.status == "posted",
               (CrmTicketPart.invoice_id.is_(None)) | (SalesInvoice.status == "cancelled"))
        .order_by(CrmTicketPart.id)).all()
    return [(part, doc) for part, doc in rows]


@use_case("crm.ticket.bill", zh="工单收费配件开票", en="Bill a ticket's chargeable parts")
def bill_ticket_parts(ctx: Context, *, ticket_id: int, doc_date: dt.date | None = None,
                      prices: dict[int, Any] | None = None, vat_kind: str = "special") -> dict:
    """A draft sales invoice (销售发票, erp_core.billing's own create_invoice) for the ticket's customer with the
    chargeable parts issued for the ticket and not billed yet, one line per product: the quantity issued (net of
    nothing: a reversed issue is left out), the price from ``prices`` ({product_id: unit price excl. VAT}) or else
    the customer's price list (erp_core.sales pricing, converted to excl. VAT at the product's rate); a product
    with neither is refused by name. Warranty parts are never billed. The invoice is linked to the ticket
    (crm_ticket_part.invoice_id, the ticket's log); it is posted like any invoice on the invoices page.
    Returns {"invoice_id", "number", "total"}."""
    from erp_core.billing import invoice_services as inv
    from erp_core.billing.models import SalesInvoice
    from erp_core.masterdata.models_items import Product
    from erp_core.sales.rules import price_for, to_net

    t = c.load_owned(ctx, CrmTicket, ticket_id, lock=True)
    pairs = unbilled_parts(ctx, t)
    if not pairs:
        raise ValidationError("error.crm3.nothing_to_bill", field="field.crm.parts")
    day = doc_date or _local_today(ctx)
    qty: dict[int, Decimal] = {}
    for _part, doc in pairs:
        for ln in doc.lines:
            qty[ln.product_id] = qty.get(ln.product_id, Decimal(0)) + ln.ordered_qty
    given = {int(k): v for k, v in (prices or {}).items() if v not in (None, "")}
    lines, missing = [], []
    for product_id, q in qty.items():
        if product_id in given:
            price = given[product_id]
        else:
            listed = price_for(ctx.session, ctx.company_id, t.customer_id, product_id, q, day)
            if listed is None:
                missing.append(ctx.session.get(Product, product_id).code)
                continue
            rate = inv._tax_rate(ctx, product_id, day)
            price = to_net(listed.price, rate, listed.prices_include_vat)
        lines.append({"product_id": product_id, "quantity": q, "unit_price": price,
                      "remarks": f"售后工单 #{t.id}"})
    if missing:
        raise ValidationError("error.crm3.part_no_price", field="field.crm.parts", products=", ".join(missing))
    invoice_id = inv.create_invoice.__wrapped__(ctx, doc_date=day, lines=lines, customer_id=t.customer_id,
                                                vat_kind=vat_kind, remarks=f"售后工单 #{t.id} {t.title}"[:2000])
    invoice = ctx.session.get(SalesInvoice, invoice_id)
    for part, _doc in pairs:
        part.invoice_id = invoice_id
    _log(ctx, t, "bill", content=f"{invoice.number} · {invoice.total:,.2f}")
    ctx.audit("crm_ticket", t.id, invoice=invoice.number, total=str(invoice.total))
    return {"invoice_id": invoice_id, "number": invoice.number, "total": invoice.total}


def _local_today(ctx: Context) -> dt.date:
    from zoneinfo import ZoneInfo

    return c.now().replace(tzinfo=dt.UTC).astimezone(ZoneInfo(c.company_tz(ctx))).date()
