"""System health and logs (系统日志): database size and growth, disk space left, backups, the last `erp check`
results, scheduler runs, sessions and the newest errors of the application log. erp_core.health.queries decides
(admin.health.view); nothing here changes data."""

from __future__ import annotations

import streamlit as st

from erp_core.health import queries
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md
from ui.sections import section

require_actor()
st.title(tr("nav.admin.health"))
help_link("admin", "health")

snap = run_action(queries.health_snapshot)
if snap is None:
    st.stop()


def size(n: int | None) -> str:
    if n is None:
        return tr("health.unknown")
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("health.db_size"), size(snap.db_size))
c2.metric(tr("health.disk_free"), size(snap.disk.free) if snap.disk else tr("health.unknown"),
          help=tr("health.disk_free_help"))
c3.metric(tr("health.sessions"), snap.active_sessions)
c4.metric(tr("health.errors"), len(snap.recent_errors))
if snap.disk is not None and snap.disk.free_pct < 10:
    st.warning(md("health.disk_low", pct=f"{snap.disk.free_pct:.1f}"), icon=":material/warning:")

chosen = section("hl_section", ("checks", "errors", "growth", "backups", "scheduler"), "health.section.",
                 tr("nav.admin.health"))

if chosen == "checks":
    for kind, run in (("integrity", snap.last_integrity), ("quality", snap.last_quality)):
        st.subheader(tr(f"health.checks.{kind}"))
        if run is None:
            st.info(tr("health.checks.never", command="erp check" + (" --quality" if kind == "quality" else "")),
                    icon=":material/info:")
            continue
        st.caption(md("health.checks.when", at=datetime(run.started_at), by=run.ran_by, problems=run.problems))
        label = "check." if kind == "integrity" else "health.quality."
        st.dataframe([{
            tr("health.col.check"): tr(label + r.get("name", "")),
            tr("health.col.count"): r.get("count", 0),
            tr("health.col.state"): tr("health.ok") if not r.get("count") else tr("health.attention"),
        } for r in run.results], hide_index=True, width="stretch")
        messages = [m.get(locale(), "") for r in run.results
                    for m in r.get("messages", [])]
        if messages:
            with st.expander(tr("health.checks.messages", count=len(messages))):
                st.dataframe({tr("health.col.message"): messages}, hide_index=True, width="stretch")
elif chosen == "errors":
    st.caption(md("health.errors.folder", folder=snap.log_dir))
    if not snap.recent_errors:
        st.success(tr("health.errors.none"), icon=":material/task_alt:")
    else:
        st.dataframe([{
            tr("health.col.time"): datetime(e.at),
            tr("health.col.level"): e.level,
            tr("health.col.logger"): e.logger,
            tr("health.col.message"): e.message[:500],
            tr("health.col.file"): e.file,
        } for e in snap.recent_errors], hide_index=True, width="stretch")
elif chosen == "growth":
    if len(snap.size_history) < 2:
        st.info(tr("health.growth.few"), icon=":material/info:")
    else:
        first, last = snap.size_history[0], snap.size_history[-1]
        st.caption(md("health.growth.between", since=datetime(first[0]), before=size(first[1]),
                      after=size(last[1])))
        st.line_chart({tr("health.col.time"): [datetime(t) for t, _ in snap.size_history],
                       tr("health.db_size"): [round(n / 1048576, 2) for _, n in snap.size_history]},
                      x=tr("health.col.time"), y=tr("health.db_size"))
elif chosen == "backups":
    if snap.backups is None:
        st.info(tr("health.not_available.backups"), icon=":material/info:")
    elif not snap.backups.get("rows"):
        st.warning(tr("health.no_backups"), icon=":material/backup:")
    else:
        st.dataframe(snap.backups["rows"], hide_index=True, width="stretch")
elif chosen == "scheduler":
    if snap.scheduler is None:
        st.info(tr("health.not_available.scheduler"), icon=":material/info:")
    elif not snap.scheduler:
        st.info(tr("health.no_job_runs"), icon=":material/schedule:")
    else:
        st.dataframe(snap.scheduler, hide_index=True, width="stretch")
