"""Audit log (审计日志): filter by user, time range, module, entity and outcome; page through; the changes of one
entry as before -> after; CSV / XLSX download; verify the hash chain and show its anchor; archive old entries
(retention). erp_core.security.audit_services decides. Everything a user typed (usernames, details, addresses)
is shown as text (st.text, st.dataframe, st.json), never through markdown."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import streamlit as st

from erp_core.security.audit_services import (
    OUTCOMES,
    AuditFilter,
    archive_audit,
    check_audit_chain,
    export_audit,
    list_audit_archives,
    search_audit,
)
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md

actor = require_actor()
zone = ZoneInfo(actor.time_zone)
st.title(tr("admin_ui.audit.title"))
help_link("security", "audit")  # "?" to this page's part of the help centre

flash = st.session_state.pop("aa_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the reader's time zone, as UTC (the log stores UTC)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


# --- filters --------------------------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    username = c1.text_input(tr("admin_ui.audit.user"), key="aa_user")
    module = c2.text_input(tr("admin_ui.audit.module"), key="aa_module", help=tr("admin_ui.audit.module_help"))
    entity = c3.text_input(tr("admin_ui.audit.entity"), key="aa_entity", help=tr("admin_ui.audit.entity_help"))
    c4, c5, c6, c7 = st.columns(4)
    since = c4.date_input(tr("admin_ui.audit.since"), value=None, key="aa_since")
    until = c5.date_input(tr("admin_ui.audit.until"), value=None, key="aa_until")
    outcome = c6.selectbox(tr("field.security.outcome"), [None, *OUTCOMES], key="aa_outcome",
                           format_func={None: tr("admin_ui.all"), **{o: tr(f"admin_ui.outcome.{o}") for o in OUTCOMES}}.__getitem__)
    page_size = c7.selectbox(tr("admin_ui.audit.page_size"), [25, 50, 100, 200], index=1, key="aa_page_size")

filters = AuditFilter(username=username or None, module=module or None, entity=entity or None,
                      outcome=outcome, since=_utc_midnight(since) if since else None,
                      # the "until" day is included: the filter's bound is exclusive, so take the next midnight
                      until=_utc_midnight(until + dt.timedelta(days=1)) if until else None)

page_no = st.session_state.get("aa_page", 1)
result = run_action(search_audit, filters=filters, page=page_no, page_size=page_size)
if result is None:
    st.stop()
if page_no > result.pages:
    result = run_action(search_audit, filters=filters, page=1, page_size=page_size)
    if result is None:
        st.stop()
    st.session_state["aa_page"] = 1

if result.pages > 1:
    st.number_input(tr("admin_ui.page"), min_value=1, max_value=result.pages, step=1, key="aa_page", width=200)
st.caption(md("admin_ui.count", total=result.total, page=result.page, pages=result.pages))

st.dataframe([{
    tr("security.audit.col.seq"): r.seq,
    tr("admin_ui.audit.when"): datetime(r.at_utc),
    tr("security.audit.col.username"): r.username,
    tr("security.audit.col.client_ip"): r.client_ip or "",
    tr("admin_ui.audit.operation"): r.action_name,
    tr("admin_ui.audit.operation_code"): r.action,
    tr("security.audit.col.outcome"): tr(f"admin_ui.outcome.{r.outcome}"),
    tr("security.audit.col.entity"): r.entity or "",
    tr("security.audit.col.entity_id"): r.entity_id or "",
} for r in result.rows], hide_index=True, width="stretch")

# --- detail ---------------------------------------------------------------------------------------------------
if result.rows:
    by_seq = {r.seq: r for r in result.rows}
    seq = st.selectbox(tr("admin_ui.audit.pick"), list(by_seq), key="aa_pick",
                       format_func=lambda s: f"#{s} · {by_seq[s].action_name} · {by_seq[s].username}")
    entry = by_seq[seq]
    with st.container(border=True):
        # plain text: the username may be anything an anonymous visitor typed into the login form
        st.text(f"#{entry.seq} · {datetime(entry.at_utc)} · {entry.username} · {entry.action_name} "
                f"({entry.action}) · {tr(f'admin_ui.outcome.{entry.outcome}')}")
        changes = entry.details.get("changes") if isinstance(entry.details, dict) else None
        if changes:
            st.subheader(tr("admin_ui.audit.changes"), divider=False)
            st.dataframe([{
                tr("admin_ui.audit.field"): name,
                tr("admin_ui.roles.before"): _text(value[0]) if isinstance(value, list) and len(value) == 2 else "",
                tr("admin_ui.roles.after"): _text(value[1]) if isinstance(value, list) and len(value) == 2
                else _text(value),
            } for name, value in changes.items()], hide_index=True, width="stretch")
        else:
            st.caption(tr("admin_ui.audit.no_changes"))
        with st.expander(tr("admin_ui.audit.raw")):
            st.json(entry.details)
            st.text(f"hash {entry.hash}")

# --- export ---------------------------------------------------------------------------------------------------
st.subheader(tr("admin_ui.audit.export"))
st.caption(tr("admin_ui.audit.export_help"))
e1, e2, _ = st.columns([1, 1, 2])
for fmt, col in (("csv", e1), ("xlsx", e2)):
    if col.button(tr(f"admin_ui.audit.prepare_{fmt}"), key=f"aa_prepare_{fmt}"):
        data = run_action(export_audit, filters=filters, fmt=fmt)
        if data is not None:
            st.session_state["aa_export"] = (fmt, data)
prepared = st.session_state.get("aa_export")
if prepared:
    fmt, data = prepared
    stamp = dt.datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    mime = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    st.download_button(md("admin_ui.audit.download", fmt=fmt.upper()), data=data, file_name=f"audit-{stamp}.{fmt}",
                       mime=mime, key="aa_download", icon=":material/download:")

# --- verify ---------------------------------------------------------------------------------------------------
st.subheader(tr("admin_ui.audit.verify"))
if st.button(tr("admin_ui.audit.verify_button"), key="aa_verify", icon=":material/verified:"):
    checked = run_action(check_audit_chain)
    if checked is not None:
        b, anchor = checked
        if b is None:
            st.success(tr("admin_ui.audit.verify_ok"), icon=":material/verified:")
            st.caption(tr("admin_ui.audit.anchor"))
            st.code(anchor.token(), language=None)
        else:
            st.error(md("admin_ui.audit.verify_broken", seq=b.seq if b.seq is not None else "?",
                        id=b.id if b.id is not None else "?", reason=tr(f"admin_ui.audit.reason.{b.reason}")),
                     icon=":material/gpp_bad:")

# --- archive --------------------------------------------------------------------------------------------------
st.subheader(tr("admin_ui.audit.archive"))
archives = run_action(list_audit_archives) or []
if archives:
    st.dataframe([{
        tr("admin_ui.audit.archived_at"): datetime(a.archived_at),
        tr("admin_ui.audit.archived_by"): a.archived_by,
        tr("admin_ui.audit.range"): f"{a.from_seq} – {a.to_seq}",
        tr("admin_ui.audit.entries"): a.entry_count,
        tr("admin_ui.audit.file"): a.file_name,
        "SHA-256": a.file_sha256,
    } for a in archives], hide_index=True, width="stretch")
else:
    st.caption(tr("admin_ui.audit.no_archives"))
if actor.may("admin.audit.archive"):
    with st.container(border=True):
        st.caption(tr("admin_ui.audit.archive_help"))
        today = dt.datetime.now(zone).date()
        before = st.date_input(tr("field.security.before"), value=today - dt.timedelta(days=365), max_value=today,
                               key="aa_before")
        ok = st.checkbox(md("admin_ui.audit.archive_confirm", date=str(before)), key="aa_archive_ok")
        if st.button(tr("admin_ui.audit.archive_button"), key="aa_archive", disabled=not ok, type="primary"):
            with st.status(tr("admin_ui.audit.archiving"), expanded=True) as status:
                st.write(tr("admin_ui.audit.archive_step"))
                archived = run_action(archive_audit, before=_utc_midnight(before))
                if archived is None:
                    status.update(label=tr("admin_ui.audit.archive_failed"), state="error")
                else:
                    status.update(label=tr("admin_ui.audit.archive_done", count=archived.entry_count),
                                  state="complete")
            if archived is not None:
                st.session_state.pop("aa_archive_ok", None)
                st.session_state["aa_flash"] = tr("admin_ui.audit.archived", count=archived.entry_count,
                                                  file=archived.file_name)
                st.rerun()
