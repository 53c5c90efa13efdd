"""Backups and restore (备份与恢复): the backup list with filters and verification status, back up now, verify,
restore into a new database (or, after confirmation, over the live one), the scheduled jobs and their runs,
and the backup settings. erp_core.operations decides everything; this page only asks and shows."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.io.export import to_xlsx_bytes
from erp_core.operations.queries import backup_settings, list_backups, list_jobs, list_runs
from erp_core.operations.services import (
    SETTING_KEYS,
    create_backup,
    restore_backup,
    run_job_soon,
    update_backup_settings,
    update_job,
    verify_backup,
)
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md
from ui.sections import section

actor = require_actor()
st.title(tr("ops_ui.backups.title"))
help_link("operations", "backup")  # "?" to this page's part of the help centre

flash = st.session_state.pop("ob_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

chosen = section("ob_section", ("backups", "jobs", "settings"), "ops_ui.section.", tr("ops_ui.backups.title"))


def _status(v: dict | None) -> str:
    if v is None:
        return "none"
    return "ok" if v.get("ok") else "failed"


def _when(iso: str) -> str:
    try:
        return datetime(dt.datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso or ""


if chosen == "backups":
    settings = run_action(backup_settings)
    rows = run_action(list_backups)
    if rows is None or settings is None:
        st.stop()
    st.caption(md("ops_ui.backups.folder", folder=settings["folder_in_use"]))

    c1, c2, _ = st.columns([1, 1, 2])
    for kind, col in (("incremental", c1), ("full", c2)):
        if col.button(tr(f"ops_ui.backups.new_{kind}"), key=f"ob_new_{kind}", icon=":material/backup:"):
            with st.spinner(tr("ops_ui.backups.new")):
                made = run_action(create_backup, kind=kind)
            if made is not None:
                st.session_state["ob_flash"] = tr("ops_ui.backups.done", id=made["id"])
                st.rerun()

    f1, f2 = st.columns(2)
    kinds = {"": tr("ops_ui.backups.all"), "full": tr("ops_ui.backups.kind.full"),
             "incremental": tr("ops_ui.backups.kind.incremental")}
    kind_filter = f1.selectbox(tr("ops_ui.backups.kind_filter"), list(kinds), format_func=kinds.get, key="ob_kind")
    statuses = {"": tr("ops_ui.backups.all"), "ok": tr("ops_ui.backups.status.ok"),
                "failed": tr("ops_ui.backups.status.failed"), "none": tr("ops_ui.backups.status.none")}
    status_filter = f2.selectbox(tr("ops_ui.backups.status_filter"), list(statuses), format_func=statuses.get,
                                 key="ob_status")
    shown = [r for r in rows if (not kind_filter or r["kind"] == kind_filter)
             and (not status_filter or _status(r["verification"]) == status_filter)]
    if not shown:
        st.info(tr("ops_ui.backups.none"), icon=":material/info:")
    else:
        headers = [tr("ops_ui.backups.col.id"), tr("ops_ui.backups.col.kind"), tr("ops_ui.backups.col.created"),
                   tr("ops_ui.backups.col.schema"), tr("ops_ui.backups.col.size"), tr("ops_ui.backups.col.stored"),
                   tr("ops_ui.backups.col.encrypted"), tr("ops_ui.backups.col.status")]
        table = [[r["id"], kinds.get(r["kind"], r["kind"]), _when(r["created_at"]), r["schema"], r["size"],
                  r["stored"], "✓" if r["encrypted"] else "", statuses[_status(r["verification"])]] for r in shown]
        st.dataframe([dict(zip(headers, row, strict=True)) for row in table], hide_index=True, width="stretch")
        st.download_button(tr("ops_ui.backups.export"), to_xlsx_bytes(headers, table, "backups"),
                           file_name="backups.xlsx", key="ob_export", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    good = [r["id"] for r in rows if r["kind"] != "?"]
    if good:
        st.subheader(tr("ops_ui.backups.verify"))
        picked = st.selectbox(tr("ops_ui.backups.pick"), good, key="ob_pick")
        if st.button(tr("ops_ui.backups.verify"), key="ob_verify", icon=":material/verified:"):
            with st.spinner(tr("ops_ui.backups.verify")):
                result = run_action(verify_backup, backup_id=picked)
            if result is not None:
                if result["ok"]:
                    st.session_state["ob_flash"] = tr("ops_ui.backups.verified", id=picked, seconds=result["seconds"])
                    st.rerun()
                st.error(md("ops_ui.backups.verify_failed", id=picked, problems="; ".join(result["problems"])))

        st.subheader(tr("ops_ui.backups.restore"))
        st.caption(tr("ops_ui.backups.restore_hint"))
        to_url = st.text_input(tr("ops_ui.backups.to_url"), key="ob_to_url",
                               placeholder="sqlite:////srv/erp/restore-test.db")
        live = st.checkbox(tr("ops_ui.backups.live"), key="ob_live")
        if live:
            st.warning(md("ops_ui.backups.live_warning", id=picked), icon=":material/warning:")
        ok = st.checkbox(md("ops_ui.backups.confirm_restore", id=picked), key="ob_confirm")
        if st.button(tr("ops_ui.backups.restore"), key="ob_restore", type="primary", disabled=not ok,
                     icon=":material/settings_backup_restore:"):
            with st.spinner(tr("ops_ui.backups.restore")):
                result = run_action(restore_backup, backup_id=picked, to_url=to_url.strip(), confirm_live=live)
            if result is not None:
                st.session_state.pop("ob_confirm", None)
                if result["live"]:
                    st.session_state["ob_flash"] = tr("ops_ui.backups.restored_live", id=picked,
                                                      safety=result["safety_backup"])
                    st.rerun()
                elif result["ok"]:
                    st.success(md("ops_ui.backups.restored", id=picked, to=result["to"]))
                else:
                    st.error(md("ops_ui.backups.restored_problems", id=picked, to=result["to"],
                                problems="; ".join(result["problems"])))

elif chosen == "jobs":
    jobs = run_action(list_jobs, locale=locale())
    if jobs is None:
        st.stop()
    st.subheader(tr("ops_ui.jobs"))
    outcomes = {"": "", "ok": "✓", "failed": "✗", "running": "…"}
    st.dataframe([{
        tr("ops_ui.jobs.col.job"): f"{j['label']} ({j['name']})",
        tr("ops_ui.jobs.col.schedule"): j["schedule"],
        tr("ops_ui.jobs.col.enabled"): "✓" if j["enabled"] else "",
        tr("ops_ui.jobs.col.next"): datetime(j["next_run_at"]) if j["next_run_at"] else "",
        tr("ops_ui.jobs.col.last_at"): datetime(j["last_started_at"]) if j["last_started_at"] else "",
        tr("ops_ui.jobs.col.last"): outcomes.get(j["last_outcome"], j["last_outcome"]),
    } for j in jobs], hide_index=True, width="stretch")
    names = {j["name"]: j for j in jobs}
    if names:
        name = st.selectbox(tr("ops_ui.jobs.pick"), list(names), key="oj_pick",
                            format_func=lambda n: f"{names[n]['label']} ({n})")
        current = names[name]
        with st.form("oj_form"):
            schedule = st.text_input(tr("ops_ui.jobs.col.schedule"), value=current["schedule"],
                                     help=tr("ops_ui.jobs.schedule_help"), key=f"oj_schedule_{name}")
            enabled = st.checkbox(tr("ops_ui.jobs.col.enabled"), value=current["enabled"], key=f"oj_enabled_{name}")
            if st.form_submit_button(tr("ops_ui.jobs.save")):
                if run_action(lambda db, who, /, **kw: (update_job(db, who, **kw), True)[1], name=name,
                              schedule=schedule, enabled=enabled):
                    st.session_state["ob_flash"] = tr("ops_ui.jobs.saved", job=name)
                    st.rerun()
        if st.button(tr("ops_ui.jobs.run_now"), key="oj_run", icon=":material/play_arrow:"):
            if run_action(lambda db, who, /, **kw: (run_job_soon(db, who, **kw), True)[1], name=name):
                st.session_state["ob_flash"] = tr("ops_ui.jobs.queued", job=name)
                st.rerun()
    st.subheader(tr("ops_ui.runs"))
    job_filter = st.selectbox(tr("ops_ui.jobs.col.job"), ["", *names], key="oj_runs_job",
                              format_func=lambda n: names[n]["label"] if n else tr("ops_ui.backups.all"))
    runs = run_action(list_runs, job=job_filter, limit=200) or []
    st.dataframe([{
        tr("ops_ui.jobs.col.job"): r["job"], tr("ops_ui.runs.col.started"): datetime(r["started_at"]),
        tr("ops_ui.runs.col.ended"): datetime(r["ended_at"]) if r["ended_at"] else "",
        tr("ops_ui.runs.col.outcome"): outcomes.get(r["outcome"], r["outcome"]),
        tr("ops_ui.runs.col.message"): (r["message"] or "").splitlines()[0][:200] if r["message"] else "",
        tr("ops_ui.runs.col.runner"): r["runner"],
    } for r in runs], hide_index=True, width="stretch")

else:
    settings = run_action(backup_settings)
    if settings is None:
        st.stop()
    st.subheader(tr("ops_ui.settings"))
    st.caption(tr("ops_ui.settings.encrypted" if settings["encrypted"] else "ops_ui.settings.not_encrypted"))
    with st.form("os_form"):
        values = {key: st.text_input(tr(f"field.ops.{key}"), value=str(settings.get(key) or ""), key=f"os_{key}")
                  for key in SETTING_KEYS}
        if st.form_submit_button(tr("ops_ui.settings.save")):
            if run_action(lambda db, who, /, **kw: (update_backup_settings(db, who, **kw), True)[1], **values):
                st.session_state["ob_flash"] = tr("ops_ui.settings.saved")
                st.rerun()
