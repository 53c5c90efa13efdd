"""Feedback triage (意见反馈处理): every user's feedback, filtered by status and kind; set the status and write the
reply the sender reads. erp_core.helpdesk.services decides (admin.feedback.manage)."""

from __future__ import annotations

import streamlit as st

from erp_core.helpdesk import services
from erp_core.helpdesk.models import FEEDBACK_KINDS, FEEDBACK_STATES
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import datetime, tr
from ui.safe import text_line

require_actor()
st.title(tr("nav.admin.feedback"))

flash = st.session_state.pop("af_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

c1, c2 = st.columns(2)
status = c1.selectbox(tr("field.helpdesk.status"), [None, *FEEDBACK_STATES], key="af_status",
                      format_func=lambda s: tr("helpdesk.all") if s is None else tr(f"helpdesk.status.{s}"))
kind = c2.selectbox(tr("field.helpdesk.kind"), [None, *FEEDBACK_KINDS], key="af_kind",
                    format_func=lambda k: tr("helpdesk.all") if k is None else tr(f"helpdesk.kind.{k}"))
rows = run_action(services.list_feedback, status=status, kind=kind)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("helpdesk.admin_none"), icon=":material/info:")
    st.stop()

st.caption(tr("helpdesk.count", count=len(rows)))
st.dataframe([{
    "ID": f.id,
    tr("helpdesk.col.at"): datetime(f.created_at),
    tr("helpdesk.col.sender"): f.username,
    tr("field.helpdesk.kind"): tr(f"helpdesk.kind.{f.kind}"),
    tr("field.helpdesk.page"): f.page,
    tr("field.helpdesk.text"): f.text[:120],
    tr("field.helpdesk.status"): tr(f"helpdesk.status.{f.status}"),
    tr("helpdesk.col.screenshot"): "✓" if f.has_screenshot else "",
} for f in rows], hide_index=True, width="stretch")

by_id = {f.id: f for f in rows}
picked = st.selectbox(tr("helpdesk.pick"), list(by_id), key="af_pick",
                      format_func=lambda i: f"#{i} {by_id[i].username}")
f = by_id[picked]
st.markdown(text_line(tr("helpdesk.col.sender"), f.username))
if f.page:
    st.markdown(text_line(tr("field.helpdesk.page"), f.page))
st.markdown(text_line(tr("field.helpdesk.text"), f.text))
if f.has_screenshot and st.button(tr("helpdesk.show_screenshot"), key=f"af_shot_{f.id}"):
    got = run_action(services.feedback_screenshot, feedback_id=f.id)
    if got is not None:
        st.image(got[0])
with st.form(f"af_form_{f.id}"):
    new_status = st.selectbox(tr("field.helpdesk.status"), FEEDBACK_STATES, index=FEEDBACK_STATES.index(f.status),
                              key=f"af_new_status_{f.id}", format_func=lambda s: tr(f"helpdesk.status.{s}"))
    reply = st.text_area(tr("field.helpdesk.reply"), value=f.reply, key=f"af_reply_{f.id}",
                         max_chars=services.MAX_REPLY)
    if st.form_submit_button(tr("helpdesk.save"), type="primary", icon=":material/save:"):
        if run_action(lambda db, who, /, **kw: (services.triage_feedback(db, who, **kw), True)[1],
                      feedback_id=f.id, version=f.version, status=new_status, reply=reply):
            st.session_state["af_flash"] = tr("helpdesk.saved", id=f.id)
            st.rerun()
