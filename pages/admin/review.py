"""Permission review (权限审查): who can do what (user x permission x scope, with the granting roles), dormant
accounts, administrators, and the dated sign-off of the review with its history.
erp_core.security.review_services decides."""

from __future__ import annotations

import streamlit as st

from erp_core.security.review_services import (
    administrators,
    dormant_accounts,
    list_review_signoffs,
    permission_matrix,
    record_review_signoff,
)
from ui.actions import run_action
from ui.context import require_actor, settings
from ui.i18n import datetime, tr
from ui.sections import section

SCOPES = ("all", "department", "project", "own")

actor = require_actor()
st.title(tr("admin_ui.review.title"))
st.caption(tr("admin_ui.review.help"))

flash = st.session_state.pop("av_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")


def _status(code: str) -> str:
    return tr(f"admin_ui.status.{code}")


def _when(value) -> str:
    return datetime(value) if value is not None else tr("admin_ui.review.never")


# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("rv_section", ("matrix", "dormant", "admins", "signoff"), "admin_ui.review.tab_",
                 tr("admin_ui.review.title"))

if chosen == "matrix":
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    who = c1.text_input(tr("admin_ui.review.user"), key="av_user", placeholder=tr("admin_ui.users.search_hint"))
    prefix = c2.text_input(tr("admin_ui.review.prefix"), key="av_prefix", placeholder="finance.")
    scopes = c3.multiselect(tr("admin_ui.roles.scope"), SCOPES, key="av_scopes", placeholder=tr("admin_ui.all"),
                            format_func={s: tr(f"admin_ui.scope.{s}") for s in SCOPES}.__getitem__)
    inactive = c4.checkbox(tr("admin_ui.review.include_inactive"), key="av_inactive")
    rows = run_action(permission_matrix, permission_prefix=prefix.strip() or None, include_inactive=inactive)
    if rows is not None:
        needle = who.strip().lower()
        rows = [r for r in rows if (not needle or needle in f"{r.username} {r.display_name}".lower())
                and (not scopes or r.scope in scopes)]
        st.caption(tr("admin_ui.review.count", rows=len(rows), users=len({r.user_id for r in rows})))
        st.dataframe([{
            tr("field.username"): r.username,
            tr("field.security.display_name"): r.display_name,
            tr("admin_ui.users.status"): _status(r.status),
            tr("admin_ui.roles.permission"): r.permission,
            tr("admin_ui.roles.scope"): tr(f"admin_ui.scope.{r.scope}"),
            tr("admin_ui.review.via_roles"): ", ".join(r.roles),
        } for r in rows], hide_index=True, width="stretch")

if chosen == "dormant":
    days = st.number_input(tr("admin_ui.review.days"), min_value=0, max_value=3650, step=1,
                           value=int(settings().security.dormant_days), key="av_days")
    dormant = run_action(dormant_accounts, days=int(days))
    if dormant is not None:
        if not dormant:
            st.info(tr("admin_ui.review.no_dormant", days=int(days)), icon=":material/info:")
        else:
            st.caption(tr("admin_ui.review.dormant_count", count=len(dormant), days=int(days)))
            st.dataframe([{
                tr("field.username"): u.username,
                tr("field.security.display_name"): u.display_name,
                tr("admin_ui.users.status"): _status(u.status),
                tr("field.security.roles"): ", ".join(u.role_codes),
                tr("admin_ui.users.last_login"): _when(u.last_login_at),
                tr("admin_ui.users.created_at"): datetime(u.created_at),
            } for u in dormant], hide_index=True, width="stretch")
            st.caption(tr("admin_ui.review.dormant_hint"))

if chosen == "admins":
    admins = run_action(administrators)
    if admins is not None:
        st.caption(tr("admin_ui.review.admins_help"))
        st.dataframe([{
            tr("field.username"): u.username,
            tr("field.security.display_name"): u.display_name,
            tr("admin_ui.users.status"): _status(u.status),
            tr("field.security.roles"): ", ".join(u.role_codes),
            tr("admin_ui.users.last_login"): _when(u.last_login_at),
        } for u in admins], hide_index=True, width="stretch")

if chosen == "signoff":
    if actor.may("admin.review.signoff"):
        with st.form("av_signoff_form", clear_on_submit=True):
            note = st.text_area(tr("field.security.review_note"), key="av_note",
                                placeholder=tr("admin_ui.review.note_hint"))
            sign = st.form_submit_button(tr("admin_ui.review.sign"), type="primary", key="av_sign")
        if sign and run_action(record_review_signoff, note=note) is not None:
            st.session_state["av_flash"] = tr("admin_ui.review.signed")
            st.rerun()
    history = run_action(list_review_signoffs)
    if history is not None:
        st.markdown(f"**{tr('admin_ui.review.history')}**")
        if not history:
            st.caption(tr("admin_ui.review.no_history"))
        else:
            st.dataframe([{
                tr("admin_ui.review.signed_at"): datetime(h.signed_at),
                tr("admin_ui.review.signed_by"): h.username,
                tr("field.security.review_note"): h.note,
            } for h in history], hide_index=True, width="stretch")
