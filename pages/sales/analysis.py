"""销售分析 (sales analysis): invoiced sales by customer, product, salesperson, region or month for a period, with
quantity, revenue, cost, gross margin and margin %; rows whose cost awaits the month-end costing run are marked
"estimated". CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.billing import analysis_queries as q
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.sales.analysis"))
loc = locale()
today = dt.date.today()
with st.form("san_filters"):
    c1, c2, c3 = st.columns([2, 2, 2])
    by = c1.selectbox(tr("field.billing.analysis_by"), list(q.DIMENSIONS), key="san_by",
                      format_func=lambda d: tr(f"bill.by.{d}"))
    date_from = c2.date_input(tr("pay.date_from"), value=today.replace(month=1, day=1), key="san_from")
    date_to = c3.date_input(tr("pay.date_to"), value=today, key="san_to")
    st.form_submit_button(tr("pay.run"), type="primary", icon=":material/play_arrow:")
rows = run_action(q.sales_analysis, by=by, date_from=date_from, date_to=date_to)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("bill.no_sales"))
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


columns = [("key", f"bill.by.{by}"), ("quantity", "reports.col.quantity"), ("revenue", "reports.col.revenue"),
           ("cost", "reports.col.cost"), ("margin", "reports.col.margin"), ("margin_pct", "bill.col.margin_pct"),
           ("estimated", "bill.col.estimated")]
table(rows, columns, formatters={"quantity": lambda v: fmt.format_number(v, loc, 2), "revenue": money,
                                 "cost": money, "margin": money,
                                 "margin_pct": lambda v: "" if v is None else f"{v}%",
                                 "estimated": lambda e: tr("bill.estimated") if e else ""})
if any(r["estimated"] for r in rows):
    st.caption(tr("bill.estimated_note"))
export_buttons(rows, columns, f"sales_analysis_{by}_{date_from.isoformat()}_{date_to.isoformat()}", "san_export")
