"""Accounting periods (会计期间): status and voucher counts per period; the company's voucher-type setting."""

from __future__ import annotations

import streamlit as st

from erp_core.finance.import_services import set_import_posting
from erp_core.finance.queries import finance_settings
from erp_core.finance.voucher_services import update_finance_settings
from erp_core.ledger.queries import list_periods
from ui.actions import run_action
from ui.context import require_actor
from ui.finance_kit import done, flash, show_flash
from ui.i18n import tr

actor = require_actor()
st.title(tr("nav.finance.periods"))
show_flash()

periods = run_action(list_periods)
if periods is None:
    st.stop()
st.dataframe([{tr("finance.period"): p.period, tr("finance.status"): tr(f"finance.period_status.{p.status}"),
               tr("finance.status.draft"): p.drafts, tr("finance.status.reviewed"): p.reviewed,
               tr("finance.status.posted"): p.posted,
               tr("finance.periods.closed_by"): p.closed_by or ""} for p in periods],
             hide_index=True, width="stretch")
if not periods:
    st.info(tr("finance.periods.none"))

if actor.may("finance.setting.edit") and actor.may("finance.voucher.view"):
    settings = run_action(finance_settings)
    if settings:
        st.subheader(tr("finance.settings.title"))
        with st.form("fin_settings"):
            mode = st.radio(tr("field.finance.setting.voucher_type_mode"), ("single", "split"),
                            index=0 if settings.voucher_type_mode == "single" else 1,
                            format_func=lambda m: tr(f"finance.settings.mode.{m}"), horizontal=True)
            scheme = st.text_input(tr("field.finance.setting.code_scheme"), value=settings.code_scheme, max_chars=40,
                                   help=tr("finance.settings.code_scheme", scheme=settings.code_scheme))
            kinds = ("general", "small")
            taxpayer = st.radio(tr("field.finance.setting.taxpayer_type"), kinds,
                                index=kinds.index(settings.taxpayer_type) if settings.taxpayer_type in kinds else 0,
                                format_func=lambda k: tr(f"finance.settings.taxpayer.{k}"), horizontal=True,
                                help=tr("finance.settings.taxpayer_help"), key="fs_taxpayer")
            save = st.form_submit_button(tr("finance.save"), type="primary")
        if save and done(update_finance_settings, voucher_type_mode=mode, code_scheme=scheme,
                         taxpayer_type=taxpayer, version=settings.version):
            flash(tr("finance.saved"))
            st.rerun()

if actor.may("admin.finance.import_posting") and actor.may("finance.voucher.view"):
    settings = run_action(finance_settings)
    if settings:
        st.subheader(tr("finance.import_posting.title"))
        st.caption(tr("finance.import_posting.help"))
        st.write(tr("finance.import_posting.allowed" if settings.import_posting_allowed
                    else "finance.import_posting.forbidden"))
        switch_to = not settings.import_posting_allowed
        with st.popover(tr("finance.import_posting.allow" if switch_to else "finance.import_posting.forbid")):
            st.write(tr("finance.import_posting.confirm_allow" if switch_to else "finance.import_posting.forbidden"))
            if st.button(tr("finance.confirm"), key="fs_import_posting", type="primary") and done(
                    set_import_posting, allowed=switch_to):
                flash(tr("finance.import_posting.allowed" if switch_to else "finance.import_posting.forbidden"))
                st.rerun()
