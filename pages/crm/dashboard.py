"""CRM dashboard (CRM 看板): funnel by stage, new leads by source, conversion rate, follow-ups per salesperson,
tickets by status and SLA breaches, within the reader's row scope."""

from __future__ import annotations

import datetime as dt

import plotly.express as px
import streamlit as st

from erp_core.crm.dashboard import queries as dq
from erp_core.crm.pools import queries as pq
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import money, tr
from ui.settings_kit import table

actor = require_actor()
st.title(tr("nav.crm.dashboard"))
people = (run_action(pq.crm_people) if actor.may("crm.lead.view") else {}) or {}
c1, c2 = st.columns(2)
end = c2.date_input(tr("field.crm.day"), value=dt.date.today(), key="crm_dash_to")
start = c1.date_input(tr("field.crm.day"), value=end - dt.timedelta(days=90), key="crm_dash_from")
d = run_action(dq.crm_dashboard, date_from=start, date_to=end)
if d is None:
    st.stop()
m1, m2, m3 = st.columns(3)
m1.metric(tr("crm.leads_by_source"), d["new_leads"])
m2.metric(tr("crm.conversion_rate"), "-" if d["conversion_rate"] is None else f"{d['conversion_rate']}%")
m3.metric(tr("crm.sla_breaches"), d["sla_breaches"])
left, right = st.columns(2)
with left:
    st.markdown("**" + tr("crm.funnel") + "**")
    if d["funnel"]:
        fig = px.funnel(x=[r["count"] for r in d["funnel"]], y=[r["stage"] for r in d["funnel"]])
        st.plotly_chart(fig, width="stretch")
        table(d["funnel"], [("stage", "crm.col.stage"), ("count", "crm.count"), ("amount", "crm.col.amount")],
              formatters={"amount": money})
    else:
        st.info(tr("crm.empty"))
with right:
    st.markdown("**" + tr("crm.leads_by_source") + "**")
    rows = [{"source": tr(f"crm.source.{k}"), "count": v} for k, v in d["leads_by_source"].items()]
    if rows:
        st.plotly_chart(px.pie(names=[r["source"] for r in rows], values=[r["count"] for r in rows]),
                        width="stretch")
    table(rows, [("source", "crm.col.source"), ("count", "crm.count")])
l2, r2 = st.columns(2)
with l2:
    st.markdown("**" + tr("crm.followups_per_user") + "**")
    table(d["followups"], [("owner_id", "crm.col.owner_id"), ("count", "crm.count")],
          formatters={"owner_id": lambda u: people.get(u, u or "")})
with r2:
    st.markdown("**" + tr("crm.tickets_by_status") + "**")
    table([{"status": tr(f"crm.ticket_status.{k}"), "count": v} for k, v in d["tickets_by_status"].items()],
          [("status", "crm.col.status"), ("count", "crm.count")])
