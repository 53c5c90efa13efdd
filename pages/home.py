"""Home (首页): welcome, company, today's date in the reader's language, and the modules this user may open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import streamlit as st

from erp_core.crm.followups.queries import home_reminders
from erp_core.security.account_services import my_profile
from erp_core.stockops.report_queries import low_stock
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import date, money, tr
from ui.nav import pages_for
from ui.operations_notices import admin_alerts
from ui.pages import page_exists
from ui.safe import md, md_escape

actor = require_actor()
profile = run_action(my_profile)
if profile is None:
    st.stop()

st.title(md("home.welcome", name=profile.display_name))
today = dt.datetime.now(ZoneInfo(actor.time_zone)).date()
st.markdown(f"**{md_escape(profile.company_name)}** · {date(today)}")
admin_alerts(actor)  # a failed restore verification (erp_core/operations)

if actor.may("inventory.report.view"):  # 低库存预警 (erp_core/stockops/report_queries.low_stock)
    low = run_action(low_stock)
    if low:
        st.warning(tr("inv.home_low_stock", count=len(low)), icon=":material/inventory:")
        st.page_link("pages/inventory/stock_reports.py", label=tr("nav.inventory.stock_reports"),
                     icon=":material/summarize:")

if actor.may("crm.followup.view"):  # CRM reminders of the signed-in user (erp_core/crm/followups/queries.py)
    crm = run_action(home_reminders)
    if crm and any(crm.values()):
        parts = [tr(f"crm.home.{k}", count=n) for k, n in crm.items() if n]
        urgent = crm["followups_overdue"] or crm["tickets_breached"]
        (st.error if urgent else st.warning)(tr("crm.home.title") + "：" + "，".join(parts),
                                             icon=":material/notifications:")
        links = st.columns(2)
        if actor.may("crm.lead.view") and (crm["followups_today"] or crm["followups_overdue"]
                                           or crm["recycle_warnings"]):
            links[0].page_link("pages/crm/leads.py", label=tr("nav.crm.leads"), icon=":material/contact_phone:")
        if actor.may("crm.ticket.view") and (crm["tickets_breached"] or crm["tickets_due_soon"]):
            links[1].page_link("pages/crm/tickets.py", label=tr("nav.crm.tickets"), icon=":material/support_agent:")

st.subheader(tr("home.modules"))
groups = {g: specs for g, specs in pages_for(actor).items() if g not in ("nav.group.home", "nav.group.account")}
if not groups:
    st.info(tr("home.no_modules"), icon=":material/info:")
cols = st.columns(3)
for i, (group, specs) in enumerate(groups.items()):
    with cols[i % 3].container(border=True):
        st.markdown(f"**{tr(group)}**")
        for spec in filter(page_exists, specs):
            st.page_link(spec.file, label=tr(spec.title), icon=spec.icon)

with st.expander(tr("home.formats")):
    st.write(tr("home.money_example", amount=money(Decimal("1234567.5"))))
