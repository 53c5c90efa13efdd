"""Data quality (数据质量): each check with its count; pick one to see the rows behind it (drill-down) and download
them. erp_core.health.queries decides (admin.quality.view); nothing here changes data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import streamlit as st

from erp_core.health import queries
from erp_core.health.quality import QUALITY_CHECKS, STUCK_DAYS
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import date, datetime, tr
from ui.safe import md

actor = require_actor()
st.title(tr("nav.admin.data_quality"))
help_link("admin", "data-quality")
st.caption(tr("health.quality.intro"))

stuck_days = st.number_input(tr("field.health.stuck_days"), min_value=1, max_value=3650, value=STUCK_DAYS, step=1,
                             key="dq_stuck_days")
results = run_action(queries.data_quality, stuck_days=int(stuck_days))
if results is None:
    st.stop()

loc = locale()
st.dataframe([{
    tr("health.col.check"): tr(f"health.quality.{r.code}"),
    tr("health.col.count"): r.count,
    tr("health.col.state"): tr("health.ok") if r.ok else tr("health.attention"),
} for r in results], hide_index=True, width="stretch")

bad = [r.code for r in results if not r.ok]
if not bad:
    st.success(tr("health.quality.all_clean"), icon=":material/task_alt:")
    st.stop()

by_code = {r.code: r for r in results}
picked = st.selectbox(tr("health.quality.pick"), [c for c in QUALITY_CHECKS if c in by_code], key="dq_pick",
                      index=list(QUALITY_CHECKS).index(bad[0]),
                      format_func=lambda c: f"{tr('health.quality.' + c)} ({by_code[c].count})")
result = by_code[picked]
st.subheader(tr(f"health.quality.{picked}"))
st.caption(tr(f"health.quality.{picked}.hint"))


def _cell(value):
    if isinstance(value, Decimal):
        return fmt.format_number(value, loc, 2)
    if isinstance(value, dt.datetime):
        return datetime(value)
    if isinstance(value, dt.date):
        return date(value)
    return "" if value is None else value


if not result.rows:
    st.info(tr("health.quality.no_rows"), icon=":material/info:")
else:
    en = loc == "en"
    hidden = {"voucher_id", "customer_id", "product_id", "employee_id", "doc_id"}
    shown = []
    for row in result.rows:
        line = {}
        for key, value in row.items():
            if key in hidden or key.endswith("_en"):
                continue
            if en and f"{key}_en" in row:
                value = row[f"{key}_en"]
            line[tr(f"health.col.{key}")] = _cell(value)
        shown.append(line)
    st.dataframe(shown, hide_index=True, width="stretch")
    if result.count > len(result.rows):
        st.caption(md("health.quality.truncated", shown=len(result.rows), total=result.count))
    if st.button(tr("health.quality.prepare_export"), key="dq_prepare", icon=":material/download:"):
        f = run_action(queries.export_quality, code=picked, fmt="xlsx", stuck_days=int(stuck_days), locale=loc)
        if f is not None:
            st.session_state["dq_export"] = (picked, f.filename, f.data, f.mime)
    ready = st.session_state.get("dq_export")
    if ready and ready[0] == picked:
        st.download_button(tr("health.quality.download"), ready[2], file_name=ready[1], mime=ready[3],
                           key="dq_download", icon=":material/download:")
