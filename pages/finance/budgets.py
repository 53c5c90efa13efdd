"""Budgets (预算): budget versus actual with variances, downloads, and the budget form (add / change / delete)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.finance.budget_queries import budget_choices, budget_vs_actual
from erp_core.finance.budget_services import (
    budget_template_headers,
    delete_budget,
    import_budgets,
    save_budget,
)
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.finance_kit import csv_xlsx_downloads, done, flash, money_text, show_flash
from ui.i18n import tr

actor = require_actor()
st.title(tr("nav.finance_close.budgets"))
st.caption(tr("finance_budget.intro"))
show_flash()

year = dt.date.today().year
f1, f2, f3, f4 = st.columns([1, 1, 1, 1])
p_from = f1.text_input(tr("finance_budget.from"), value=f"{year}-01", max_chars=7, key="bu_from").strip()
p_to = f2.text_input(tr("finance_budget.to"), value=f"{year}-12", max_chars=7, key="bu_to").strip()
prefix = f3.text_input(tr("field.finance_budget.account"), key="bu_prefix", help=tr("finance_budget.prefix_help"))
over_only = f4.checkbox(tr("finance_budget.over_only"), key="bu_over")

rows = run_action(budget_vs_actual, period_from=p_from, period_to=p_to, account_code=prefix, over_only=over_only)
if rows is None:
    st.stop()

CONTROL = {c: tr(f"finance_budget.control.{c}") for c in ("none", "warn", "block")}
headers = [tr("field.finance_budget.period"), tr("field.finance_budget.account"), tr("field.finance_budget.department"),
           tr("field.finance_budget.project"), tr("field.finance_budget.amount"), tr("finance_budget.actual"),
           tr("finance_budget.variance"), tr("finance_budget.used"), tr("field.finance_budget.control"),
           tr("field.finance_budget.note")]
table = [[r.period, f"{r.account_code} {r.account_name}", r.department, r.project, r.amount, r.actual, r.variance,
          "" if r.used_pct is None else f"{r.used_pct}%", CONTROL.get(r.control, r.control), r.note] for r in rows]
if rows:
    shown = [dict(zip(headers, [*t[:4], money_text(t[4]) or "0.00", money_text(t[5]) or "0.00",
                                money_text(t[6]) or "0.00", *t[7:]], strict=True)) for t in table]
    st.dataframe(shown, hide_index=True, width="stretch")
    over = [r for r in rows if r.over]
    if over:
        st.warning(tr("finance_budget.over_count", n=len(over)))
    csv_xlsx_downloads(headers, table, f"budget-{p_from}-{p_to}")
else:
    st.info(tr("finance_budget.none"))

if actor.may("finance.budget.edit") or actor.may("finance.budget.delete"):
    choices = run_action(budget_choices)
    if choices is None:
        st.stop()
    st.subheader(tr("finance_budget.form"))
    by_id = {r.id: r for r in rows}
    pick = st.selectbox(tr("finance_budget.pick"), [None, *by_id], key="bu_pick",
                        format_func=lambda i: tr("finance_budget.new") if i is None else
                        f"{by_id[i].period} {by_id[i].account_code} {by_id[i].department} {by_id[i].project}")
    cur = by_id.get(pick)
    codes = list(choices.accounts)
    deps = [None, *choices.departments]
    projs = [None, *choices.projects]
    with st.form(f"bu_form_{pick}"):
        a1, a2 = st.columns([2, 1])
        code = a1.selectbox(tr("field.finance_budget.account"), codes, format_func=lambda c: choices.accounts[c],
                            index=codes.index(cur.account_code) if cur and cur.account_code in codes else None)
        period = a2.text_input(tr("field.finance_budget.period"), value=cur.period if cur else f"{year}-01",
                               max_chars=7, help=tr("finance_close.period_help"))
        b1, b2 = st.columns(2)
        dep = b1.selectbox(tr("field.finance_budget.department"), deps,
                           index=deps.index(cur.department_id) if cur and cur.department_id in deps else 0,
                           format_func=lambda i: tr("finance_budget.all") if i is None else choices.departments[i])
        proj = b2.selectbox(tr("field.finance_budget.project"), projs,
                            index=projs.index(cur.project_id) if cur and cur.project_id in projs else 0,
                            format_func=lambda i: tr("finance_budget.all") if i is None else choices.projects[i])
        c1, c2 = st.columns(2)
        amount = c1.text_input(tr("field.finance_budget.amount"), value=str(cur.amount) if cur else "")
        control = c2.radio(tr("field.finance_budget.control"), list(CONTROL), format_func=CONTROL.get,
                           index=list(CONTROL).index(cur.control) if cur else 1, horizontal=True,
                           help=tr("finance_budget.control_help"))
        note = st.text_input(tr("field.finance_budget.note"), value=cur.note if cur else "", max_chars=200)
        months = st.multiselect(tr("finance_budget.also_months"), [f"{year}-{m:02d}" for m in range(1, 13)],
                                help=tr("finance_budget.also_months_help")) if cur is None else []
        save = st.form_submit_button(tr("finance_budget.save"), type="primary",
                                     disabled=not actor.may("finance.budget.edit"))
    if save:
        ok = True
        for p in [period, *[m for m in months if m != period]]:
            result = done(save_budget, account_code=code or "", period=p, amount=amount, control=control,
                          department_id=dep, project_id=proj, note=note,
                          budget_id=cur.id if cur else None, version=cur.version if cur else None)
            ok = ok and result is not None
            if result is None:
                break
        if ok:
            flash(tr("finance_budget.saved"))
            st.rerun()
    if cur is not None and actor.may("finance.budget.delete"):
        sure = st.checkbox(tr("finance_budget.confirm_delete"), key=f"bu_del_{cur.id}")
        if st.button(tr("finance_budget.delete"), disabled=not sure) and done(
                delete_budget, budget_id=cur.id, version=cur.version):
            flash(tr("finance_budget.deleted"))
            st.rerun()

if actor.may("finance.budget.import"):
    st.subheader(tr("finance_budget.import"))
    st.caption(tr("finance_budget.import_help"))
    heads = budget_template_headers(locale())
    sample = [["5602", "", "", f"{year}-01", "10000.00", CONTROL["warn"], ""]]
    csv_xlsx_downloads(heads, sample, "budget-template", label="finance_budget.template")
    upload = st.file_uploader(tr("field.finance_budget.file"), type=["csv", "xlsx"], key="bu_file")
    if upload is not None and st.button(tr("finance_budget.import_go"), type="primary"):
        counts = done(import_budgets, filename=upload.name, content=upload.getvalue())
        if counts:
            flash(tr("finance_budget.imported", **counts))
            st.rerun()
