"""Public pools (公海池): the pools I belong to with their unclaimed leads (claimed on the leads page), and for
managers: pools and their rules (claim cap, recycle N / M days, warning, cool-down), members, assignment rules,
dealing a pool by the rules."""

from __future__ import annotations

import streamlit as st

from erp_core.crm.models import RULE_KINDS
from erp_core.crm.pools import queries as pq
from erp_core.crm.pools import services as ps
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import done, export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.crm.pools"))
help_link("crm", "pools")  # "?" to this page's part of the help centre
show_flash()
if actor.may("crm.recycle.run") and run_action(pq.recycle_due):  # between the scheduler's runs; an audit
    run_action(ps.run_recycle)  # entry only when something was due (recycle_due is one indexed probe per pool)
pools = run_action(pq.list_pools)
if pools is None:
    st.stop()
people = run_action(pq.crm_people) if actor.may("crm.lead.view") else {}
people = people or {}
cols = [("code", "crm.col.code"), ("name", "crm.col.name"), ("region", "crm.col.region"),
        ("unclaimed", "crm.col.unclaimed"), ("daily_claim_cap", "field.crm.daily_claim_cap"),
        ("recycle_no_followup_days", "field.crm.recycle_no_followup_days"),
        ("recycle_no_progress_days", "field.crm.recycle_no_progress_days"),
        ("warn_days_before", "field.crm.warn_days_before"), ("cooldown_days", "field.crm.cooldown_days")]
if pools:
    table(pools, cols)
    export_buttons(pools, cols, "pools", "crm_pools_export")
else:
    st.info(tr("crm.empty"))

if not actor.may("crm.pool.manage"):
    st.stop()
st.divider()
by_id = {p["id"]: p for p in pools}
chosen = st.selectbox(tr("field.crm.pool"), [None, *by_id], key="crm_pool_pick",
                      format_func=lambda p: tr("crm.save") + " +" if p is None else by_id[p]["name"])
cur = by_id.get(chosen, {})
with st.form("crm_pool_form"):
    c1, c2, c3 = st.columns(3)
    values = {"code": c1.text_input(tr("field.crm.pool_code"), value=cur.get("code", "")),
              "name": c2.text_input(tr("field.crm.pool_name"), value=cur.get("name", "")),
              "region": c3.text_input(tr("field.crm.region"), value=cur.get("region") or ""),
              "daily_claim_cap": c1.number_input(tr("field.crm.daily_claim_cap"), min_value=0, step=1,
                                                 value=cur.get("daily_claim_cap", 10)),
              "max_owned": c2.number_input(tr("field.crm.max_owned"), min_value=0, step=1,
                                           value=cur.get("max_owned") or 0) or None,
              "recycle_no_followup_days": c3.number_input(tr("field.crm.recycle_no_followup_days"), min_value=0,
                                                          step=1, value=cur.get("recycle_no_followup_days") or 0)
              or None,
              "recycle_no_progress_days": c1.number_input(tr("field.crm.recycle_no_progress_days"), min_value=0,
                                                          step=1, value=cur.get("recycle_no_progress_days") or 0)
              or None,
              "warn_days_before": c2.number_input(tr("field.crm.warn_days_before"), min_value=0, step=1,
                                                  value=cur.get("warn_days_before", 0)),
              "cooldown_days": c3.number_input(tr("field.crm.cooldown_days"), min_value=0, step=1,
                                               value=cur.get("cooldown_days", 0))}
    members = st.multiselect(tr("crm.pool_members"), list(people), default=[m for m in cur.get("members", [])
                                                                          if m in people],
                             format_func=lambda u: people.get(u, f"#{u}"))
    if st.form_submit_button(tr("crm.save")):
        pid = run_action(ps.save_pool, values=values, pool_id=chosen)
        if pid is not None and done(ps.set_pool_members, pool_id=pid, user_ids=members):
            succeed("crm.saved")
if chosen is not None and st.button(tr("crm.auto_assign"), key="crm_pool_deal"):
    out = run_action(ps.auto_assign_pool, pool_id=chosen)
    if out is not None:
        succeed("crm.assigned", **out)

st.subheader(tr("crm.rules"))
rules = run_action(pq.list_assign_rules) or []
if rules:
    table(rules, [("priority", "field.crm.priority"), ("kind", "field.crm.rule_kind"),
                  ("match_value", "field.crm.match_value"), ("user_ids", "field.crm.rule_users"),
                  ("load_cap", "field.crm.load_cap"), ("active", "field.crm.status")],
          formatters={"kind": lambda k: tr(f"crm.rule.{k}"),
                      "user_ids": lambda s: ", ".join(people.get(int(u), u) for u in str(s).split(",") if u)})
with st.form("crm_rule_form"):
    r1, r2, r3 = st.columns(3)
    kind = r1.selectbox(tr("field.crm.rule_kind"), RULE_KINDS, format_func=lambda k: tr(f"crm.rule.{k}"))
    match = r2.text_input(tr("field.crm.match_value"))
    prio = r3.number_input(tr("field.crm.priority"), min_value=0, step=1, value=100)
    users = st.multiselect(tr("field.crm.rule_users"), list(people), format_func=lambda u: people.get(u, f"#{u}"))
    cap = r1.number_input(tr("field.crm.load_cap"), min_value=0, step=1, value=0)
    if st.form_submit_button(tr("crm.save")):
        if run_action(ps.save_assign_rule, values={"kind": kind, "match_value": match or None, "user_ids": users,
                                                   "load_cap": cap or None, "priority": prio}) is not None:
            succeed("crm.saved")
