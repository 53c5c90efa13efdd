"""Sales dashboard (销售看板): sales and gross margin by month, the top customers and products, the orders still
to ship — plotly charts, figures downloadable.

Within the grant's row scope, like 销售分析: a department or own grant sees the sales and orders of its own
customers and documents (erp_core.billing.analysis_queries.sales_dashboard), and is told so.

Follows the finance dashboard's pattern (pages/reports/dashboard.py, issue #17): the cheap permission-checked
as-of look-up runs on every rerun; the figures are read and drawn only when something was posted since this
browser session last read them (same watermark, actor scope, year and language), and kept in this session's
own state (never shared with another user); the tables behind the charts are built when first asked for."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from erp_core.billing import analysis_queries as q
from ui import charts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import money, tr
from ui.report_kit import as_of, download_rows, downloads, metric_row, show_table, table_view

MEMO_KEY = "sales_dash_memo"
MONTH_COLUMNS = ["period", "revenue", "cost", "margin"]
TOP_COLUMNS = ["key", "quantity", "revenue", "margin"]

actor = require_actor()
st.title(tr("nav.sales.dashboard"))
this_year = dt.date.today().year
year = st.selectbox(tr("reports.year"), list(range(this_year, this_year - 6, -1)), key="sdash_year")
stamp = run_action(q.sales_as_of)
if stamp is None:
    st.stop()
key = (int(year), actor.user_id, actor.company_id, actor.scope(q.VIEW[0]), actor.department_ids,
       actor.project_ids, locale())
memo = st.session_state.get(MEMO_KEY)
if memo is None or memo["key"] != key or memo["watermark"] != stamp.watermark:
    data = run_action(q.sales_dashboard, year=int(year))
    if data is None:
        st.session_state.pop(MEMO_KEY, None)
        st.stop()
    monthly = pd.DataFrame(data["monthly"], columns=MONTH_COLUMNS)
    tops = {k: pd.DataFrame(data[k], columns=TOP_COLUMNS) for k in ("top_customers", "top_products")}
    memo = {"key": key, "watermark": stamp.watermark, "monthly": monthly, **tops,
            "estimated": data["estimated"],
            "chart_month": charts.kept(charts.sales_margin(monthly, title=tr("bill.dash.by_month"),
                                                           revenue=tr("bill.dash.revenue"),
                                                           margin=tr("bill.dash.margin"))),
            "chart_customers": charts.kept(charts.top_bars(list(tops["top_customers"]["key"]),
                                                           list(tops["top_customers"]["revenue"]),
                                                           title=tr("bill.dash.top_customers"),
                                                           name=tr("bill.dash.revenue"))),
            "chart_products": charts.kept(charts.top_bars(list(tops["top_products"]["key"]),
                                                          list(tops["top_products"]["revenue"]),
                                                          title=tr("bill.dash.top_products"),
                                                          name=tr("bill.dash.revenue"))),
            "metrics": (money(sum(monthly["revenue"])), money(sum(monthly["margin"])),
                        str(data["to_ship"]["lines"]), money(data["to_ship"]["amount"]))}
    st.session_state[MEMO_KEY] = memo
monthly = memo["monthly"]
monthly.attrs["as_of"] = stamp
as_of(monthly)
revenue, margin, ship_lines, ship_amount = memo["metrics"]
metric_row([(tr("bill.dash.revenue"), revenue), (tr("bill.dash.margin"), margin),
            (tr("bill.dash.to_ship_lines"), ship_lines), (tr("bill.dash.to_ship_amount"), ship_amount)])
if q.reach(actor, q.VIEW[0]):
    st.caption(tr("bill.dash.scoped"))
if memo["estimated"]:
    st.caption(tr("bill.estimated_note"))
st.plotly_chart(memo["chart_month"], width="stretch")
c1, c2 = st.columns(2)
c1.plotly_chart(memo["chart_customers"], width="stretch")
c2.plotly_chart(memo["chart_products"], width="stretch")
if st.toggle(tr("reports.show_figures"), key="sdash_figures"):
    if "month_view" not in memo:
        memo.update(month_view=table_view(monthly, MONTH_COLUMNS, money=MONTH_COLUMNS[1:], arrow=True),
                    month_rows=download_rows(monthly, MONTH_COLUMNS))
    show_table(monthly, MONTH_COLUMNS, key="sdash_month", view=memo["month_view"])
    downloads(monthly, MONTH_COLUMNS, f"sales_by_month_{year}", "sdash_month_export", rows=memo["month_rows"])
