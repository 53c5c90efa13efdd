"""Feedback (意见反馈): send a problem, question or suggestion (optionally with a screenshot) and read the
administrators' replies to one's own feedback. erp_core.helpdesk.services decides; a user sees only their own."""

from __future__ import annotations

import streamlit as st

from erp_core.helpdesk import services
from erp_core.helpdesk.models import FEEDBACK_KINDS
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import datetime, tr
from ui.safe import md, text_line

require_actor()
st.title(tr("nav.help.feedback"))

flash = st.session_state.pop("fb_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

with st.form("fb_form", clear_on_submit=True):
    kind = st.selectbox(tr("field.helpdesk.kind"), FEEDBACK_KINDS, key="fb_kind",
                        format_func=lambda k: tr(f"helpdesk.kind.{k}"))
    page = st.text_input(tr("field.helpdesk.page"), key="fb_page", max_chars=120,
                         placeholder=tr("helpdesk.page_hint"))
    text = st.text_area(tr("field.helpdesk.text"), key="fb_text", max_chars=services.MAX_TEXT,
                        placeholder=tr("helpdesk.text_hint"))
    upload = st.file_uploader(tr("field.helpdesk.screenshot"), type=["png", "jpg", "jpeg", "webp"], key="fb_shot",
                              help=tr("helpdesk.screenshot_help", max_mb=services.MAX_SCREENSHOT_BYTES // 1048576))
    sent = st.form_submit_button(tr("helpdesk.send"), type="primary", icon=":material/send:")
if sent:
    shot = services.Upload(upload.getvalue(), upload.name) if upload is not None else None
    new_id = run_action(services.submit_feedback, kind=kind, text=text, page=page, screenshot=shot)
    if new_id is not None:
        st.session_state["fb_flash"] = tr("helpdesk.sent", id=new_id)
        st.rerun()

st.subheader(tr("helpdesk.mine"))
mine = run_action(services.my_feedback)
if mine is None:
    st.stop()
if not mine:
    st.info(tr("helpdesk.none_yet"), icon=":material/info:")
for f in mine:
    label = md("helpdesk.item", id=f.id, kind=tr(f"helpdesk.kind.{f.kind}"), status=tr(f"helpdesk.status.{f.status}"),
               at=datetime(f.created_at))
    with st.expander(label, expanded=bool(f.reply) and f.status == "answered"):
        if f.page:
            st.markdown(text_line(tr("field.helpdesk.page"), f.page))
        st.markdown(text_line(tr("field.helpdesk.text"), f.text))
        if f.reply:
            st.markdown(text_line(tr("helpdesk.reply_by", who=f.replied_by or ""), f.reply))
        else:
            st.caption(tr("helpdesk.no_reply"))
        if f.has_screenshot and st.button(tr("helpdesk.show_screenshot"), key=f"fb_shot_{f.id}"):
            got = run_action(services.feedback_screenshot, feedback_id=f.id)
            if got is not None:
                st.image(got[0])
