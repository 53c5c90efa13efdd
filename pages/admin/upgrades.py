"""Upgrades (系统升级): the running and available schema versions, the pending migrations, a safe upgrade after
confirmation (backup, dry run on a copy, maintenance mode, checks, automatic rollback), the upgrade log
(升级记录) with filters and Excel export, the release notes (CHANGELOG.md), and maintenance mode (维护模式):
its state with who switched it on and when, on with a reason after confirmation, off (audited operations)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.io.export import to_xlsx_bytes
from erp_core.operations.queries import upgrade_status
from erp_core.operations.services import run_upgrade, set_maintenance
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md

actor = require_actor()
st.title(tr("ops_ui.upgrades.title"))
help_link("operations", "upgrade")  # "?" to this page's part of the help centre

flash = st.session_state.pop("ou_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

status = run_action(upgrade_status)
if status is None:
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric(tr("ops_ui.upgrades.running"), status["current"])
c2.metric(tr("ops_ui.upgrades.available"), status["available"])
c3.metric(tr("ops_ui.upgrades.app"), status["app_version"])

if status["pending"]:
    st.warning(md("ops_ui.upgrades.pending", steps=", ".join(status["pending"])), icon=":material/upgrade:")
    st.caption(tr("ops_ui.upgrades.explain"))
    ok = st.checkbox(tr("ops_ui.upgrades.confirm"), key="ou_confirm")
    if st.button(tr("ops_ui.upgrades.run"), key="ou_run", type="primary", disabled=not ok, icon=":material/upgrade:"):
        with st.spinner(tr("ops_ui.upgrades.run")):
            result = run_action(run_upgrade)
        if result is not None:
            st.session_state.pop("ou_confirm", None)
            st.session_state["ou_flash"] = tr(f"ops.upgrade.outcome.{result['outcome']}", frm=result["from"],
                                              to=result["to"], backup=result["backup"] or "-")
            st.rerun()
else:
    st.success(tr("ops_ui.upgrades.current"), icon=":material/check_circle:")

# Maintenance mode (维护模式) by hand, as `erp maintenance on|off`: every app process refuses to save while on
st.subheader(tr("ops4.maint.title"))
notice = status["maintenance"]
if notice:
    try:
        since = datetime(dt.datetime.fromisoformat(notice["since"]))
    except (KeyError, TypeError, ValueError):
        since = "-"  # switched on by an upgrade of an older release, without the time
    st.warning(md("ops4.maint.on", reason=notice.get("reason", "-"), by=notice.get("by") or "-", since=since),
               icon=":material/construction:")
    if st.button(tr("ops4.maint.turn_off"), key="ou_maint_off", icon=":material/play_arrow:"):
        result = run_action(set_maintenance, on=False)
        if result is not None:
            st.session_state["ou_flash"] = tr("ops4.maint.turned_off")
            st.rerun()
else:
    st.caption(tr("ops4.maint.off"))
    reason = st.text_input(tr("ops4.maint.reason"), key="ou_maint_reason", max_chars=200,
                           placeholder=tr("ops4.maint.reason_hint"))
    sure = st.checkbox(tr("ops4.maint.confirm"), key="ou_maint_confirm")
    if st.button(tr("ops4.maint.turn_on"), key="ou_maint_on", disabled=not sure, icon=":material/construction:"):
        result = run_action(set_maintenance, on=True, reason=reason)
        if result is not None:
            for k in ("ou_maint_reason", "ou_maint_confirm"):
                st.session_state.pop(k, None)
            st.session_state["ou_flash"] = tr("ops4.maint.turned_on")
            st.rerun()

st.subheader(tr("ops_ui.upgrades.log"))
log = status["log"]
if not log:
    st.info(tr("ops_ui.upgrades.log_none"), icon=":material/info:")
else:
    outcomes = ["", *sorted({r["outcome"] for r in log})]
    picked = st.selectbox(tr("ops_ui.upgrades.outcome_filter"), outcomes, key="ou_outcome",
                          format_func=lambda o: o or tr("ops_ui.backups.all"))
    rows = [r for r in log if not picked or r["outcome"] == picked]
    headers = [tr("ops_ui.upgrades.col.when"), tr("ops_ui.upgrades.col.who"), tr("ops_ui.upgrades.col.from"),
               tr("ops_ui.upgrades.col.to"), tr("ops_ui.upgrades.col.outcome"), tr("ops_ui.upgrades.col.backup"),
               tr("ops_ui.upgrades.col.steps")]
    table = [[datetime(r["started_at"]), r["actor"], r["from"], r["to"], r["outcome"], r["backup"],
              r["steps"].replace("\n", " | ")] for r in rows]
    st.dataframe([dict(zip(headers, row, strict=True)) for row in table], hide_index=True, width="stretch")
    st.download_button(tr("ops_ui.upgrades.export"), to_xlsx_bytes(headers, table, "upgrades"),
                       file_name="upgrade-log.xlsx", key="ou_export", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

if status["changelog"]:
    with st.expander(tr("ops_ui.upgrades.notes"), expanded=bool(log and log[0]["outcome"] == "upgraded")):
        st.text(status["changelog"])
