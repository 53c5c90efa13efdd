"""Major changes (重大变更审批): changes waiting for a second person's approval (supplier bank accounts, customer
credit limits, role permissions, reopening a closed period) with approve / reject, their history, the company's
switches, and setting a supplier's bank account. erp_core.changes decides (the approvals engine's rules say who
approves; the requester never approves their own change)."""

from __future__ import annotations

import streamlit as st

from erp_core.changes import queries, services
from erp_core.changes.models import CHANGE_KINDS, CHANGE_STATES
from erp_core.masterdata.partners_queries import list_suppliers
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md, text_line
from ui.sections import section

actor = require_actor()
st.title(tr("nav.admin.major_changes"))
help_link("admin", "major-changes")

flash = st.session_state.pop("mc_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

codes = [c for c, perm in (("pending", "approvals.inbox.view"), ("history", "approvals.inbox.view"),
                           ("settings", "approvals.rule.view"), ("bank", "masterdata.supplier.edit"))
         if actor.may(perm)]
if not codes:
    st.stop()
chosen = section("mc_section", codes, "changes.section.", tr("nav.admin.major_changes"))


def _table(rows) -> None:
    st.dataframe([{
        "ID": c.id,
        tr("changes.col.kind"): tr(f"changes.kind.{c.kind}"),
        tr("changes.col.summary"): c.summary,
        tr("changes.col.requested_by"): c.requested_by_name,
        tr("changes.col.requested_at"): datetime(c.requested_at),
        tr("changes.col.status"): tr(f"changes.status.{c.status}"),
        tr("changes.col.decided_by"): c.decided_by_name or "",
    } for c in rows], hide_index=True, width="stretch")


if chosen == "pending":
    rows = run_action(queries.list_changes, status="pending")
    if rows is None:
        st.stop()
    if not rows:
        st.info(tr("changes.none_pending"), icon=":material/info:")
        st.stop()
    _table(rows)
    by_id = {c.id: c for c in rows}
    picked = st.selectbox(tr("changes.pick"), list(by_id), key="mc_pick",
                          format_func=lambda i: f"#{i} {tr('changes.kind.' + by_id[i].kind)}")
    change = by_id[picked]
    st.markdown(text_line(tr("changes.col.summary"), change.summary))
    if change.requested_by == actor.user_id:
        st.info(tr("changes.own_request"), icon=":material/person:")
    comment = st.text_area(tr("changes.comment"), key=f"mc_comment_{picked}", max_chars=500)
    c1, c2, c3 = st.columns(3)
    if c1.button(tr("changes.approve"), key="mc_approve", type="primary", icon=":material/check:"):
        status = run_action(services.decide_change, change_id=picked, approve=True, comment=comment)
        if status is not None:
            st.session_state["mc_flash"] = tr(f"changes.decided.{status}", id=picked)
            st.rerun()
    sure = c2.checkbox(md("changes.confirm_reject", id=picked), key=f"mc_sure_{picked}")
    if c2.button(tr("changes.reject"), key="mc_reject", disabled=not sure, icon=":material/close:"):
        status = run_action(services.decide_change, change_id=picked, approve=False, comment=comment)
        if status is not None:
            st.session_state["mc_flash"] = tr(f"changes.decided.{status}", id=picked)
            st.rerun()
    if c3.button(tr("changes.apply"), key="mc_apply", help=tr("changes.apply_help"), icon=":material/done_all:"):
        status = run_action(services.apply_change, change_id=picked)
        if status is not None:
            st.session_state["mc_flash"] = tr(f"changes.decided.{status}", id=picked)
            st.rerun()
elif chosen == "history":
    status = st.selectbox(tr("changes.col.status"), [s for s in CHANGE_STATES if s != "pending"], key="mc_status",
                          format_func=lambda s: tr(f"changes.status.{s}"))
    rows = run_action(queries.list_changes, status=status)
    if rows:
        _table(rows)
    elif rows is not None:
        st.info(tr("changes.none"), icon=":material/info:")
elif chosen == "settings":
    current = run_action(queries.change_settings)
    if current is None:
        st.stop()
    st.caption(tr("changes.settings_intro"))
    for kind in CHANGE_KINDS:
        on = st.toggle(tr(f"changes.kind.{kind}"), value=current[kind], key=f"mc_set_{kind}",
                       disabled=not actor.may(services.SETTING_EDIT))
        if on != current[kind] and run_action(lambda db, who, /, **kw: (services.set_change_setting(db, who, **kw),
                                                                        True)[1], kind=kind, enabled=on):
            st.session_state["mc_flash"] = tr("changes.setting_saved")
            st.rerun()
elif chosen == "bank":
    suppliers = run_action(list_suppliers, page_size=500)
    rows = getattr(suppliers, "rows", None) if suppliers is not None else None
    if not rows:
        st.info(tr("changes.no_suppliers"), icon=":material/info:")
        st.stop()
    names = {r["id"]: f"{r['code']} {r['name']}" for r in rows}
    sid = st.selectbox(tr("changes.supplier"), list(names), key="mc_supplier", format_func=lambda i: names[i])
    accounts = run_action(queries.supplier_bank_accounts, supplier_id=sid) or []
    if accounts:
        st.dataframe([{tr("field.changes.bank_name"): a["bank_name"],
                       tr("field.changes.account_number"): a["account_number"],
                       tr("field.changes.account_name"): a["account_name"],
                       tr("changes.col.active"): "✓" if a["active"] else "",
                       tr("changes.col.requested_at"): datetime(a["created_at"])} for a in accounts],
                     hide_index=True, width="stretch")
    with st.form("mc_bank", clear_on_submit=True):
        bank = st.text_input(tr("field.changes.bank_name"), max_chars=200)
        number = st.text_input(tr("field.changes.account_number"), max_chars=40)
        holder = st.text_input(tr("field.changes.account_name"), max_chars=200)
        if st.form_submit_button(tr("changes.bank_save"), type="primary"):
            out = run_action(services.set_supplier_bank_account, supplier_id=sid, bank_name=bank,
                             account_number=number, account_name=holder)
            if out is not None:
                st.session_state["mc_flash"] = (tr("changes.bank_pending", id=out["pending_change"])
                                                if out["pending_change"] else tr("changes.bank_saved"))
                st.rerun()
