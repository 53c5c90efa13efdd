"""成本计算: run the month-end costing of a period, see whether the period's run is current, the runs made and
the corrections each wrote (with downloads)."""

from __future__ import annotations

import streamlit as st

from erp_core.costing.run_queries import list_costing_runs, period_costing_state, run_corrections
from erp_core.costing.run_services import run_costing
from erp_core.finance.close_queries import first_open_period
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.settings_kit import confirmed_button, export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("costing.run.title"))
help_link("costing", "corrections")  # "?" to this page's part of the help centre
st.caption(tr("costing.run.intro"))
show_flash()

default_period = run_action(first_open_period) if actor.may("finance.period.view") else None
period = st.text_input(tr("field.costing.period"), value=default_period or "", max_chars=7, key="crun_period",
                       placeholder="YYYY-MM").strip()
if period:
    state = run_action(period_costing_state, period=period)
    if state is not None:
        if not state.needed:
            st.info(md("costing.run.state_none", period=period))
        elif state.ok:
            st.success(md("costing.run.state_ok", period=period))
        else:
            st.warning(md("costing.run.state_stale" if state.stale else "costing.run.state_missing", period=period))
    if actor.may("costing.run.execute") and state is not None and \
            confirmed_button("costing.run.execute", "costing.run.confirm", key="crun_go", period=period):
        run_id = run_action(run_costing, period=period)
        if run_id is not None:
            done_rows = run_action(list_costing_runs, period=period) or []
            row = next((r for r in done_rows if r.id == run_id), None)
            succeed("costing.run.done", forget=["crun_go_ok"], n=row.corrections if row else 0,
                    amount=f"{row.amount:,.2f}" if row else "0.00")

st.subheader(tr("costing.run.history"))
runs = run_action(list_costing_runs, period=None)
if runs:
    rows = [{"id": r.id, "period": r.period, "inputs": r.inputs_hash, "corrections": r.corrections,
             "amount": f"{r.amount:,.2f}", "voucher": r.voucher_id or "", "run_by": r.run_by, "run_at": r.run_at,
             "current": r.current} for r in runs]
    columns = [("period", "costing.col.period"), ("inputs", "costing.col.inputs"),
               ("corrections", "costing.col.corrections"), ("amount", "costing.col.amount"),
               ("voucher", "costing.col.voucher"), ("run_by", "costing.col.run_by"),
               ("run_at", "costing.col.run_at"), ("current", "costing.col.current")]
    table(rows, columns)
    export_buttons(rows, columns, "costing_runs", key="crun_export")
    labels = {r.id: f"{r.period} · {r.run_at} · {r.corrections}" for r in runs if r.corrections}
    if labels:
        st.subheader(tr("costing.run.details"))
        picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="crun_pick")
        details = run_action(run_corrections, run_id=picked) or []
        dcols = [("move_seq", "costing.col.move_seq"), ("date", "costing.col.date"),
                 ("move_type", "costing.col.move_type"), ("product", "costing.col.product"),
                 ("warehouse", "costing.col.warehouse"), ("amount", "costing.col.amount"),
                 ("account", "costing.col.account")]
        table([{**d, "amount": f"{d['amount']:,.2f}"} for d in details], dcols)
        export_buttons(details, dcols, "costing_corrections", key="crun_dexport")
elif runs is not None:
    st.info(tr("costing.run.none"))
