"""Leads (线索): reminders and recycle warnings, the list with filters (mine / in my pools / all I may see),
Excel export, a new lead (with the duplicate check), and one lead: claim, return to pool, status, follow-ups,
conversion (similar customers shown first), merge of a duplicate, owner history."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.crm.followups import queries as fq
from erp_core.crm.followups import services as fs
from erp_core.crm.leads import import_services as io_
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.leads.services import LEAD_FLOW, LeadDuplicateWarning
from erp_core.crm.models import FOLLOWUP_KINDS, LEAD_SOURCES
from erp_core.crm.pools import queries as pq
from erp_core.crm.pools import services as ps
from erp_core.kernel.errors import DomainError
from erp_core.masterdata.records import DuplicateWarning
from ui.actions import run_action
from ui.context import database, locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import error_md, md, md_escape
from ui.settings_kit import confirmed_button, done, pager, show_flash, succeed, table

PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.crm.leads"))
help_link("crm", "leads")  # "?" to this page's part of the help centre
show_flash()
if actor.may("crm.recycle.run") and run_action(pq.recycle_due):  # between the scheduler's runs; an audit
    run_action(ps.run_recycle)  # entry only when something was due (recycle_due is one indexed probe per pool)
people = run_action(pq.crm_people) or {}


def who(uid):
    return people.get(uid, "" if uid is None else f"#{uid}")


reminders = run_action(fq.my_reminders) if actor.may("crm.followup.view") else None
warnings = run_action(pq.my_recycle_warnings) or []
if reminders and (reminders["today"] or reminders["overdue"]):
    for key, rows in (("crm.reminders_overdue", reminders["overdue"]), ("crm.reminders_today", reminders["today"])):
        if rows:
            st.warning(tr(key) + ": " + "; ".join(md_escape(f"{r['next_action']} ({r['next_action_date']})")
                                                   for r in rows[:10]))
if warnings:
    st.warning(tr("crm.recycle_warnings") + ": " + "; ".join(
        md_escape(f"{w['company_name']} → {w['recycle_at']:%Y-%m-%d}") for w in warnings[:10]))

pools = run_action(pq.list_pools) if actor.may("crm.pool.view") else []
pools = pools or []
pool_names = {p["id"]: p["name"] for p in pools}
c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
owner = c1.selectbox(tr("field.crm.owner"), ["all", "mine", "pool"], key="crm_lead_owner",
                     format_func=lambda o: tr({"all": "crm.all", "mine": "crm.mine", "pool": "crm.in_pool"}[o]))
status = c2.selectbox(tr("field.crm.status"), [None, "open", *ls.LEAD_FLOW.states], key="crm_lead_status",
                      format_func=lambda s: tr("crm.all") if s is None else tr(f"crm.status.{s}"))
source = c3.selectbox(tr("field.crm.source"), [None, *LEAD_SOURCES], key="crm_lead_source",
                      format_func=lambda s: tr("crm.all") if s is None else tr(f"crm.source.{s}"))
search = c4.text_input(tr("field.crm.search"), key="crm_lead_search")
pool_id = None
if pools:
    pool_id = st.selectbox(tr("field.crm.pool"), [None, *pool_names], key="crm_lead_pool",
                           format_func=lambda p: tr("crm.all") if p is None else pool_names[p])
filters = {"owner": None if owner == "all" else owner, "status": status, "source": source, "search": search,
           "pool_id": pool_id}
first = run_action(lq.list_leads, page=1, page_size=PAGE_SIZE, **filters)
if first is None:
    st.stop()
page = pager(first.total, PAGE_SIZE, "crm_lead_page")
if first.capped:  # the pager counted up to the cap: say there are more, and how to see them
    st.caption(md("leads.count_capped", cap=f"{first.total:,}"))
result = first if page == 1 else run_action(lq.list_leads, page=page, page_size=PAGE_SIZE, **filters)
if not result or not result.rows:
    st.info(tr("crm.empty"))
else:
    table(result.rows, [("id", "crm.col.id"), ("company_name", "crm.col.company_name"),
                        ("contact_name", "crm.col.contact_name"), ("phone", "crm.col.phone"),
                        ("region", "crm.col.region"), ("source", "crm.col.source"), ("status", "crm.col.status"),
                        ("owner_id", "crm.col.owner_id"), ("pool_id", "crm.col.pool_id"),
                        ("last_followup_at", "crm.col.last_followup_at")],
          formatters={"source": lambda s: tr(f"crm.source.{s}"), "status": lambda s: tr(f"crm.status.{s}"),
                      "owner_id": who, "pool_id": lambda p: pool_names.get(p, "" if p is None else f"#{p}"),
                      "last_followup_at": lambda d: "" if d is None else f"{d:%Y-%m-%d %H:%M}"})
    # the file is built on demand: every lead of the filter (a million with none) is not read on each rerun
    if actor.may("crm.lead.export") and st.button(tr("leads.prepare_export"), key="crm_lead_export"):
        f = run_action(io_.export_leads_file, fmt="xlsx", **filters)
        if f is not None:
            st.download_button(tr("crm.export"), f.data, file_name=f.filename, mime=f.mime, key="crm_lead_xlsx",
                               icon=":material/download:", on_click="ignore")

# --- a new lead ------------------------------------------------------------------------------------------------
if actor.may("crm.lead.create"):
    with st.expander(tr("crm.new_lead")):
        with st.form("crm_new_lead"):
            a1, a2 = st.columns(2)
            values = {"company_name": a1.text_input(tr("field.crm.company_name")),
                      "contact_name": a2.text_input(tr("field.crm.contact_name")),
                      "phone": a1.text_input(tr("field.crm.phone")), "tax_id": a2.text_input(tr("field.crm.tax_id")),
                      "region": a1.text_input(tr("field.crm.region")),
                      "industry": a2.text_input(tr("field.crm.industry")),
                      "source": a1.selectbox(tr("field.crm.source"), LEAD_SOURCES,
                                             format_func=lambda s: tr(f"crm.source.{s}"))}
            assign = a2.selectbox(tr("field.crm.assign"), ["self", "pool", "rules"],
                                  format_func=lambda a: tr(f"crm.assign.{a}"))
            new_pool = st.selectbox(tr("field.crm.pool"), [None, *pool_names],
                                    format_func=lambda p: "" if p is None else pool_names[p])
            confirm = st.checkbox(tr("crm.confirm_duplicates"))
            if st.form_submit_button(tr("crm.save")):
                try:
                    lead_id = ls.create_lead(database(), actor, values=values, pool_id=new_pool, assign=assign,
                                             confirm_duplicates=confirm)
                except LeadDuplicateWarning as err:
                    st.warning(error_md(err, locale()))
                except DomainError as err:
                    st.error(error_md(err, locale()))
                else:
                    st.session_state["crm_lead_open"] = lead_id
                    succeed("crm.saved")

# --- one lead --------------------------------------------------------------------------------------------------
st.divider()
lead_id = st.number_input(tr("crm.open_lead"), min_value=0, step=1, key="crm_lead_open")
if not lead_id:
    st.stop()
lead = run_action(lq.get_lead, lead_id=int(lead_id))
if lead is None:
    st.stop()
st.subheader(md_escape(f"{tr('crm.lead_detail')} #{lead['id']} · {lead['company_name']}"))
st.caption(md_escape(f"{tr('field.crm.status')}: {tr('crm.status.' + lead['status'])} · "
                     f"{tr('field.crm.owner')}: {who(lead['owner_id'])} · "
                     f"{tr('field.crm.pool')}: {pool_names.get(lead['pool_id'], lead['pool_id'] or '')}"))
if lead["recycle_at"]:
    st.info(md("crm.recycle_at", date=f"{lead['recycle_at']:%Y-%m-%d}"))
b1, b2, b3 = st.columns(3)
if lead["owner_id"] is None and lead["status"] in ("new", "contacted", "qualified") and actor.may("crm.lead.claim"):
    if b1.button(tr("crm.claim"), key="crm_claim", type="primary") and done(ps.claim_lead, lead_id=lead["id"]):
        succeed("crm.claimed")
if lead["owner_id"] is not None and lead["status"] in ("new", "contacted", "qualified") and \
        actor.may("crm.lead.release") and lead["pool_id"]:
    if confirmed_button("crm.release", "crm.release_confirm", key="crm_release"):
        if done(ps.release_lead, lead_id=lead["id"]):
            succeed("crm.saved")
actions = LEAD_FLOW.allowed(lead["status"])
if actions and actor.may("crm.lead.edit"):
    act = b2.selectbox(tr("crm.action"), actions, key="crm_lead_action",
                       format_func=lambda a: tr(f"crm.lead_action.{a}"))
    reason = b2.text_input(tr("field.crm.lost_reason"), key="crm_lost_reason") if act == "lose" else None
    if b2.button(tr("crm.confirm"), key="crm_lead_act"):
        if run_action(ls.change_lead_status, lead_id=lead["id"], version=lead["version"], action=act,
                      lost_reason=reason) is not None:
            succeed("crm.saved")

st.markdown("**" + tr("crm.followups") + "**")
if lead["followups"]:
    table(lead["followups"], [("at", "crm.col.at"), ("kind", "crm.col.kind"), ("content", "crm.col.content"),
                              ("next_action", "crm.col.next_action"), ("next_action_date", "crm.col.next_action_date"),
                              ("owner_id", "crm.col.owner_id")],
          formatters={"kind": lambda k: tr(f"crm.kind.{k}"), "owner_id": who,
                      "at": lambda d: f"{d:%Y-%m-%d %H:%M}"})
if actor.may("crm.followup.create") and lead["status"] != "converted":
    with st.form("crm_followup"):
        f1, f2 = st.columns(2)
        kind = f1.selectbox(tr("field.crm.followup_kind"), FOLLOWUP_KINDS, format_func=lambda k: tr(f"crm.kind.{k}"))
        content = st.text_area(tr("field.crm.content"))
        next_action = f2.text_input(tr("field.crm.next_action"))
        next_date = f2.date_input(tr("field.crm.next_action_date"), value=None)
        attachments = f1.number_input(tr("field.crm.attachments"), min_value=0, step=1)
        if st.form_submit_button(tr("crm.add_followup")):
            if run_action(fs.add_followup, subject_type="lead", subject_id=lead["id"], kind=kind, content=content,
                          next_action=next_action or None, next_action_date=next_date,
                          attachments=int(attachments)) is not None:
                succeed("crm.saved")

if lead["status"] in ("new", "contacted", "qualified") and lead["owner_id"] is not None and \
        actor.may("crm.lead.convert"):
    with st.expander(tr("crm.convert")):
        candidates = run_action(lq.conversion_candidates, lead_id=lead["id"]) or []
        if candidates:
            st.warning(tr("crm.convert_candidates"))
            table(candidates, [("code", "crm.col.code"), ("name", "crm.col.name"), ("why", "crm.col.reason")])
        mode = st.radio(tr("crm.convert"), ["existing", "new"], horizontal=True, key="crm_conv_mode",
                        format_func=lambda m: tr("crm.convert_existing" if m == "existing" else "crm.convert_new"))
        with st.form("crm_convert"):
            if mode == "existing":
                opts = {c["id"]: f"{c['code']} {c['name']}" for c in candidates}
                customer_id = st.selectbox(tr("field.crm.customer"), list(opts), format_func=opts.get) \
                    if opts else st.number_input(tr("field.crm.customer"), min_value=1, step=1)
                code = None
            else:
                customer_id = None
                code = st.text_input(tr("field.crm.customer_code"))
            confirm = st.checkbox(tr("crm.confirm_duplicates"), key="crm_conv_confirm")
            with_opp = st.checkbox(tr("crm.with_opportunity"), value=True)
            o1, o2 = st.columns(2)
            amount = o1.text_input(tr("field.crm.amount"), value="0")
            close = o2.date_input(tr("field.crm.close_date"), value=dt.date.today() + dt.timedelta(days=30))
            if st.form_submit_button(tr("crm.convert")):
                try:
                    out = ls.convert_lead(database(), actor, lead_id=lead["id"], version=lead["version"],
                                          customer_id=int(customer_id) if customer_id else None,
                                          customer_code=code, confirm_duplicates=confirm,
                                          opportunity={"name": lead["company_name"], "amount": amount,
                                                       "close_date": close} if with_opp else None)
                except (DuplicateWarning, DomainError) as err:
                    st.error(error_md(err, locale()))
                else:
                    succeed("crm.converted", customer=out["customer_id"], opportunity=out["opportunity_id"] or "-")

if actor.may("crm.lead.merge"):
    dups = [d for d in (run_action(lq.lead_duplicates, lead_id=lead["id"]) or []) if d["id"] is not None]
    if dups:
        st.markdown("**" + tr("crm.duplicates_title") + "**")
        table(dups, [("id", "crm.col.id"), ("company_name", "crm.col.company_name"), ("phone", "crm.col.phone"),
                     ("status", "crm.col.status")], formatters={"status": lambda s: tr(f"crm.status.{s}")})
        dup = st.selectbox(tr("crm.merge"), [d["id"] for d in dups], key="crm_merge_dup")
        if confirmed_button("crm.merge", "crm.merge_confirm", key="crm_merge", dup=dup):
            if done(ls.merge_leads, survivor_id=lead["id"], duplicate_id=int(dup)):
                succeed("crm.merged")

with st.expander(tr("crm.history")):
    table(lead["history"], [("at", "crm.col.at"), ("reason", "crm.col.reason"), ("to_owner_id", "crm.col.owner_id")],
          formatters={"to_owner_id": who, "at": lambda d: f"{d:%Y-%m-%d %H:%M}"})
