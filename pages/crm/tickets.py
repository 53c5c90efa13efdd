"""After-sales tickets (售后工单): the list with filters and overdue tickets highlighted, Excel export, a new
ticket (SLA due times from the working calendar), and one ticket: assign, status actions, work log, parts used
(a 其他出库单 posted for the ticket), rating."""

from __future__ import annotations

import streamlit as st

from erp_core.crm.leads import import_services as io_
from erp_core.crm.models import PROBLEM_KINDS, TICKET_PRIORITIES, TICKET_STATUSES
from erp_core.crm.pools import queries as pq
from erp_core.crm.service import queries as tq
from erp_core.crm.service import services as ts
from erp_core.crm.service.services import TICKET_FLOW
from erp_core.masterdata import partners_queries
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md, md_escape
from ui.settings_kit import done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.crm.tickets"))
help_link("crm", "tickets")  # "?" to this page's part of the help centre
show_flash()
people = (run_action(pq.crm_people) if actor.may("crm.lead.view") else {}) or {}


def when(d):
    return "" if d is None else f"{d:%Y-%m-%d %H:%M}"


c1, c2, c3 = st.columns(3)
status = c1.selectbox(tr("field.crm.status"), [None, "open", *TICKET_STATUSES], key="crm_t_status",
                      format_func=lambda s: tr("crm.all") if s is None else tr(f"crm.ticket_status.{s}"))
priority = c2.selectbox(tr("field.crm.priority_level"), [None, *TICKET_PRIORITIES], key="crm_t_prio",
                        format_func=lambda p: tr("crm.all") if p is None else tr(f"crm.priority.{p}"))
overdue_only = c3.checkbox(tr("crm.overdue_only"), key="crm_t_overdue")
rows = run_action(tq.list_tickets, status=status, priority=priority, overdue_only=overdue_only)
if rows is None:
    st.stop()
if rows:
    overdue = [r for r in rows if r["overdue"]]
    if overdue:
        st.error(tr("crm.overdue") + ": " + ", ".join(md_escape(f"#{r['id']} {r['title']}") for r in overdue[:20]))
    table(rows, [("id", "crm.col.id"), ("title", "crm.col.title"), ("priority", "crm.col.priority"),
                 ("status", "crm.col.status"), ("assignee_id", "crm.col.owner_id"),
                 ("response_due", "crm.col.response_due"), ("resolution_due", "crm.col.resolution_due"),
                 ("overdue", "crm.col.overdue")],
          formatters={"priority": lambda p: tr(f"crm.priority.{p}"), "status": lambda s: tr(f"crm.ticket_status.{s}"),
                      "assignee_id": lambda u: people.get(u, u or ""), "response_due": when,
                      "resolution_due": when, "overdue": lambda b: "⚠" if b else ""})
    if actor.may("crm.ticket.export"):
        f = run_action(io_.export_tickets_file, fmt="xlsx", status=status, priority=priority)
        if f is not None:
            st.download_button(tr("crm.export"), f.data, file_name=f.filename, mime=f.mime, key="crm_t_xlsx",
                               icon=":material/download:")
else:
    st.info(tr("crm.empty"))

if actor.may("crm.ticket.create") and actor.may("masterdata.customer.view"):
    with st.expander(tr("crm.new_ticket")):
        page = run_action(partners_queries.list_customers, page_size=500)
        customers = {r["id"]: f"{r['code']} {r['name']}" for r in (page.rows if page else [])}
        with st.form("crm_new_ticket"):
            n1, n2 = st.columns(2)
            cust = n1.selectbox(tr("field.crm.customer"), list(customers), format_func=customers.get)
            title = n2.text_input(tr("field.crm.ticket_title"))
            kind = n1.selectbox(tr("field.crm.problem_kind"), PROBLEM_KINDS, format_func=lambda k: tr(f"crm.problem.{k}"))
            prio = n2.selectbox(tr("field.crm.priority_level"), TICKET_PRIORITIES, index=2,
                                format_func=lambda p: tr(f"crm.priority.{p}"))
            serial = n1.text_input(tr("field.crm.serial"))
            assignee = n2.selectbox(tr("field.crm.assignee"), [None, *people],
                                    format_func=lambda u: "" if u is None else people[u])
            desc = st.text_area(tr("field.crm.description"))
            if st.form_submit_button(tr("crm.save")) and cust is not None:
                if run_action(ts.create_ticket, customer_id=cust, title=title, problem_kind=kind, priority=prio,
                              serial=serial or None, description=desc or None, assignee_id=assignee) is not None:
                    succeed("crm.saved")

st.divider()
ticket_id = st.number_input(tr("crm.col.id"), min_value=0, step=1, key="crm_t_open")
if not ticket_id:
    st.stop()
t = run_action(tq.get_ticket, ticket_id=int(ticket_id))
if t is None:
    st.stop()
st.subheader(md_escape(f"#{t['id']} {t['title']}"))
st.caption(md_escape(f"{tr('crm.ticket_status.' + t['status'])} · {tr('crm.priority.' + t['priority'])} · "
                     f"{tr('crm.col.response_due')} {when(t['response_due'])} · "
                     f"{tr('crm.col.resolution_due')} {when(t['resolution_due'])}"))
if t["overdue"]:
    st.error(tr("crm.overdue"))
a1, a2, a3 = st.columns(3)
if actor.may("crm.ticket.edit"):
    acts = TICKET_FLOW.allowed(t["status"])
    if acts:
        act = a1.selectbox(tr("crm.action"), acts, key="crm_t_act", format_func=lambda a: tr(f"crm.ticket_action.{a}"))
        if a1.button(tr("crm.confirm"), key="crm_t_go"):
            if run_action(ts.change_ticket_status, ticket_id=t["id"], version=t["version"], action=act) is not None:
                succeed("crm.saved")
    if t["status"] in ("resolved", "closed"):
        score = a3.slider(tr("field.crm.satisfaction"), 1, 5, t["satisfaction"] or 5, key="crm_t_score")
        if a3.button(tr("crm.rate"), key="crm_t_rate") and done(ts.rate_ticket, ticket_id=t["id"], satisfaction=score):
            succeed("crm.saved")
if actor.may("crm.ticket.assign") and people and t["status"] != "closed":
    who = a2.selectbox(tr("field.crm.assignee"), list(people), format_func=people.get, key="crm_t_who")
    if a2.button(tr("field.crm.assignee"), key="crm_t_assign") and \
            done(ts.assign_ticket, ticket_id=t["id"], version=t["version"], assignee_id=who):
        succeed("crm.saved")
st.markdown("**" + tr("crm.work_log") + "**")
table(t["log"], [("at", "crm.col.at"), ("kind", "crm.col.kind"), ("to_status", "crm.col.status"),
                 ("content", "crm.col.content")], formatters={"at": when})
if actor.may("crm.ticket.edit") and t["status"] != "closed":
    with st.form("crm_t_log"):
        content = st.text_area(tr("field.crm.content"))
        minutes = st.number_input(tr("field.crm.minutes"), min_value=0, step=5)
        if st.form_submit_button(tr("crm.log_work")) and done(ts.log_ticket_work, ticket_id=t["id"], content=content,
                                                              minutes=int(minutes)):
            succeed("crm.saved")

st.markdown("**" + tr("crm.parts") + "**")
if t["parts"]:
    table(t["parts"], [("number", "crm.col.parts_doc"), ("status", "crm.col.status"),
                       ("product_code", "crm.col.product_code"), ("product_name", "crm.col.product_name"),
                       ("quantity", "crm.col.quantity"), ("unit_cost", "crm.col.unit_cost"),
                       ("amount", "crm.col.amount"), ("chargeable", "crm3.col.chargeable"),
                       ("invoice", "crm3.col.invoice")],
          formatters={"status": lambda s: tr(f"crm.parts_status.{s}"),
                      "chargeable": lambda v: tr("crm3.chargeable_yes" if v else "crm3.chargeable_no"),
                      "invoice": lambda n: n or ""})
else:
    st.caption(tr("crm.parts_none"))
if actor.may("crm.ticket.parts") and t["status"] != "closed":
    pc = run_action(tq.part_choices) or {"warehouses": {}, "products": {}}
    if pc["warehouses"] and pc["products"]:
        with st.form("crm_t_parts"):
            p1, p2, p3 = st.columns([2, 3, 1])
            wh = p1.selectbox(tr("field.crm.warehouse"), list(pc["warehouses"]), format_func=pc["warehouses"].get)
            prod = p2.selectbox(tr("field.crm.part"), list(pc["products"]), format_func=pc["products"].get)
            qty = p3.text_input(tr("field.crm.quantity"), value="1")
            chargeable = st.checkbox(tr("crm3.chargeable"), key="crm_t_parts_chargeable",
                                     help=tr("crm3.chargeable_help"))
            if st.form_submit_button(tr("crm.issue_parts")):
                r = run_action(ts.issue_ticket_parts, ticket_id=t["id"], warehouse_id=wh,
                               lines=[{"product_id": prod, "quantity": qty.strip()}], chargeable=chargeable)
                if r is not None:
                    succeed("crm.parts_issued", number=r["number"])
# chargeable parts (not under warranty) are billed: a draft sales invoice for the ticket's customer, prices from
# the customer's price list (erp_core.sales pricing); posted on the invoices page like any invoice
if t.get("unbilled_parts") and actor.may("crm.ticket.bill"):
    st.caption(md("crm3.unbilled", n=t["unbilled_parts"]))
    if st.button(tr("crm3.bill_parts"), key="crm_t_bill", icon=":material/receipt_long:"):
        r = run_action(ts.bill_ticket_parts, ticket_id=t["id"])
        if r is not None:
            succeed("crm3.billed", number=r["number"])
