"""Period close (期末结账): the checklist of a period, generating the closing vouchers, closing and reopening."""

from __future__ import annotations

import streamlit as st

from erp_core.finance.close_queries import close_checklist, first_open_period
from erp_core.finance.close_services import close_period, generate_close_vouchers, reopen_period
from ui.actions import run_action
from ui.context import require_actor
from ui.finance_kit import csv_xlsx_downloads, done, flash, show_flash
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md

actor = require_actor()
st.title(tr("nav.finance_close.period_close"))
help_link("finance", "s7")  # "?" to this page's part of the help centre
st.caption(tr("finance_close.intro"))
show_flash()

default = run_action(first_open_period)  # the first period not yet closed (periods close in order)
if default is None:
    st.stop()
period = st.text_input(tr("field.finance_close.period"), value=default, max_chars=7,
                       help=tr("finance_close.period_help"), key="pc_period").strip()

checklist = run_action(close_checklist, period=period)
if checklist is None:
    st.stop()

closed = checklist.status == "closed"
if closed:
    st.info(md("finance_close.status_closed", period=period), icon=":material/lock:")
else:
    st.write(md("finance_close.status_open", period=period))
st.caption(tr("finance_close.taxpayer_caption", kind=tr(f"finance_close.taxpayer.{checklist.taxpayer_type}")))

st.subheader(tr("finance_close.checklist"))
headers = [tr("finance_close.col.item"), tr("finance_close.col.state"), tr("finance_close.col.detail"),
           tr("finance_close.col.kind")]


def state(item) -> str:
    """Words, not emoji (a font without them shows empty boxes)."""
    if item.info:
        return tr("finance_close.state.info")
    if item.ok:
        return tr("finance_close.state.ok")
    return tr("finance_close.state.blocked" if item.blocking else "finance_close.state.pending")


rows = [[tr(f"finance_close.check.{i.key}"), state(i), tr(i.note[0], **i.note[1]) if i.note else "",
         tr("finance_close.kind.info" if i.info else
            "finance_close.kind.blocking" if i.blocking else "finance_close.kind.generated")]
        for i in checklist.items]
st.dataframe([dict(zip(headers, r, strict=True)) for r in rows], hide_index=True, width="stretch")
if not closed:
    if checklist.ready:
        st.success(tr("finance_close.ready"), icon=":material/check_circle:")
    else:
        st.warning(tr("finance_close.not_ready"), icon=":material/error:")
csv_xlsx_downloads(headers, rows, f"close-checklist-{period}")

if checklist.generated:
    st.subheader(tr("finance_close.generated"))
    st.dataframe([{tr("finance_close.col.voucher"): no, tr("finance_close.col.date"): day}
                  for _, no, day in checklist.generated], hide_index=True, width="stretch")

if not closed and actor.may("finance.period.close"):
    st.subheader(tr("finance_close.actions"))
    g, c = st.columns(2)
    if g.button(tr("finance_close.generate"), help=tr("finance_close.generate_help")):
        ids = done(generate_close_vouchers, period=period)
        if ids is not None:
            flash(md("finance_close.generated_n", n=0 if ids is True else len(ids)))
            st.rerun()
    confirm = c.checkbox(md("finance_close.confirm_close", period=period), key="pc_confirm")
    if c.button(tr("finance_close.close"), type="primary", disabled=not confirm):
        result = done(close_period, period=period)
        if result:
            flash(md("finance_close.closed", period=period, n=len(result.voucher_ids)))
            st.rerun()

if closed and actor.may("finance.period.reopen"):
    st.subheader(tr("finance_close.reopen"))
    with st.form("pc_reopen"):
        reason = st.text_area(tr("field.finance_close.reason"), max_chars=500)
        sure = st.checkbox(md("finance_close.confirm_reopen", period=period))
        go = st.form_submit_button(tr("finance_close.reopen"))
    if go:
        if not sure:
            st.warning(tr("finance_close.tick_to_confirm"))
        elif (result := done(reopen_period, period=period, reason=reason)) is not None:
            # True: reopened now; a number: the reopening waits for a second person's approval (erp_core/changes)
            flash(md("finance_close.reopened", period=period) if result is True
                  else md("changes.reopen_pending", period=period, id=result))
            st.rerun()
