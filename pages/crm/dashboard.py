"""CRM dashboard (CRM 看板): funnel by stage, new leads by source, conversion rate, follow-ups per salesperson,
tickets by status and SLA breaches, within the reader's row scope.

The finance dashboard's pattern (issue #17): each rerun asks only the cheap stamp (dq.dashboard_stamp: the audit
chain's last number and the minute); while it, the reader's scope, the dates and the language stay the same, the
page shows the figures, charts and metrics this browser session already made. What it keeps is this session's own
(st.session_state), never shared with another user. The tables are drawn only when asked for."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.crm.dashboard import queries as dq
from erp_core.crm.pools import queries as pq
from ui import charts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import money, tr
from ui.report_kit import kept_until, metric_row
from ui.settings_kit import table

MEMO_KEY = "crm_dash_memo"

actor = require_actor()
st.title(tr("nav.crm.dashboard"))
c1, c2 = st.columns(2)
end = c2.date_input(tr("field.crm.day"), value=dt.date.today(), key="crm_dash_to")
start = c1.date_input(tr("field.crm.day"), value=end - dt.timedelta(days=90), key="crm_dash_from")
stamp = run_action(dq.dashboard_stamp)
if stamp is None:
    st.stop()
key = (start, end, actor.user_id, actor.company_id, actor.scope("crm.report.view"), actor.department_ids,
       actor.project_ids, actor.may("crm.lead.view"), locale())
memo = st.session_state.get(MEMO_KEY)
due = kept_until(stamp.seq)
if memo is None or memo["key"] != key or memo["due"] != due:
    d = run_action(dq.crm_dashboard, date_from=start, date_to=end)
    if d is None:
        st.session_state.pop(MEMO_KEY, None)
        st.stop()
    people = (run_action(pq.crm_people) if actor.may("crm.lead.view") else {}) or {}
    sources = [{"source": tr(f"crm.source.{k}"), "count": v} for k, v in d["leads_by_source"].items()]
    memo = {"key": key, "due": (d["stamp"].seq, due[1]), "d": d, "people": people, "sources": sources,
            "funnel": charts.kept(charts.funnel([r["stage"] for r in d["funnel"]],
                                                [r["count"] for r in d["funnel"]], title=tr("crm.funnel")))
            if d["funnel"] else None,
            "pie": charts.kept(charts.pie([r["source"] for r in sources], [r["count"] for r in sources],
                                          title=tr("crm.leads_by_source"))) if sources else None,
            "metrics": (d["new_leads"], "-" if d["conversion_rate"] is None else f"{d['conversion_rate']}%",
                        d["sla_breaches"])}
    st.session_state[MEMO_KEY] = memo
d, people = memo["d"], memo["people"]
new_leads, rate, breaches = memo["metrics"]
metric_row([(tr("crm.leads_by_source"), new_leads), (tr("crm.conversion_rate"), rate),
            (tr("crm.sla_breaches"), breaches)])
left, right = st.columns(2)
if memo["funnel"] is not None:
    left.plotly_chart(memo["funnel"], width="stretch")
else:
    left.info(tr("crm.empty"))
if memo["pie"] is not None:
    right.plotly_chart(memo["pie"], width="stretch")
# The tables behind the charts, follow-ups per salesperson and tickets by status: drawn when asked for.
if st.toggle(tr("reports.show_figures"), key="crm_dash_figures"):
    l1, r1 = st.columns(2)
    with l1:
        st.markdown("**" + tr("crm.funnel") + "**")
        table(d["funnel"], [("stage", "crm.col.stage"), ("count", "crm.count"), ("amount", "crm.col.amount")],
              formatters={"amount": money})
    with r1:
        st.markdown("**" + tr("crm.leads_by_source") + "**")
        table(memo["sources"], [("source", "crm.col.source"), ("count", "crm.count")])
    l2, r2 = st.columns(2)
    with l2:
        st.markdown("**" + tr("crm.followups_per_user") + "**")
        table(d["followups"], [("owner_id", "crm.col.owner_id"), ("count", "crm.count")],
              formatters={"owner_id": lambda u: people.get(u, u or "")})
    with r2:
        st.markdown("**" + tr("crm.tickets_by_status") + "**")
        table([{"status": tr(f"crm.ticket_status.{k}"), "count": v} for k, v in d["tickets_by_status"].items()],
              [("status", "crm.col.status"), ("count", "crm.count")])
