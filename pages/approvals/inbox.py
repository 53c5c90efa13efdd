"""我的待办: the approval requests this user may decide now; approve or reject each with a comment."""

from __future__ import annotations

import streamlit as st

from erp_core.approvals.queries import my_inbox
from erp_core.approvals.services import approve, reject
from erp_core.documents.registry import registered
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.approvals.inbox"))
help_link("approvals", "inbox")  # "?" to this page's part of the help centre
show_flash()
zh = locale().startswith("zh")
type_labels = {t.code: t.zh if zh else t.en for t in registered()}

rows = run_action(my_inbox)
if rows is None:
    st.stop()
for r in rows:
    r["type_label"] = type_labels.get(r["doc_type"], r["doc_type"])
    r["condition_label"] = tr(f"approvals.condition.{r['condition']}")
columns = [("type_label", "field.approvals.doc_type"), ("summary", "approvals.summary"),
           ("level", "field.approvals.level"), ("condition_label", "field.approvals.condition"),
           ("submitted_at", "approvals.submitted_at")]
if not rows:
    st.info(tr("approvals.inbox_empty"), icon=":material/done_all:")
    st.stop()
table(rows, columns)

if actor.may("approvals.request.decide"):
    labels = {r["id"]: f"{r['type_label']} {r['summary']} · {tr('approvals.level_n', level=r['level'])}" for r in rows}
    picked = st.selectbox(tr("approvals.pick"), list(labels), format_func=labels.get, key="ap_pick")
    request = next(r for r in rows if r["id"] == picked)
    with st.form(f"ap_decide_{picked}"):
        comment = st.text_area(tr("field.approvals.comment"), max_chars=500, key="ap_comment")
        c1, c2, _ = st.columns([1, 1, 4])
        ok = c1.form_submit_button(tr("approvals.approve"), type="primary", key="ap_approve")
        no = c2.form_submit_button(tr("approvals.reject"), key="ap_reject")
    if ok and done(approve, request_id=picked, comment=comment, version=request["version"]):
        succeed("approvals.approved", forget=["ap_comment"])
    if no and done(reject, request_id=picked, comment=comment, version=request["version"]):
        succeed("approvals.rejected", forget=["ap_comment"])
