"""Voucher entry (录入凭证), built for the keyboard: lines in a grid (account chosen by code or name), totals
shown live, a button that balances the last line, and every problem listed with its line number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from erp_core.finance.budget_queries import budget_preview
from erp_core.finance.queries import dimension_choices, get_voucher, list_accounts, voucher_type_choices
from erp_core.finance.voucher_services import create_voucher, update_voucher
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.finance_kit import EDIT_KEY, VIEW_KEY, budget_warning_text, done, flash, show_flash
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md

DIMS = ("customer_id", "supplier_id", "department_id", "project_id", "employee_id", "product_id")
BLANK_ROWS = 4

actor = require_actor()
loc = locale()
show_flash()

accounts = run_action(list_accounts, postable_only=True)
types = run_action(voucher_type_choices)
choices = run_action(dimension_choices)
if accounts is None or types is None or choices is None:
    st.stop()
dim_ids = {d: {label: i for i, label in choices.get(d, {}).items()} for d in DIMS}
label_of = {a.id: a.label(loc) for a in accounts}
id_of = {v: k for k, v in label_of.items()}
aux_of = {a.label(loc): a.aux for a in accounts}


def _blank() -> dict:
    return {"summary": "", "account": None, "debit": "", "credit": "", **{d: None for d in DIMS}}


def _reset(lines: list[dict] | None = None) -> None:
    st.session_state["ve_lines"] = lines or [_blank() for _ in range(BLANK_ROWS)]
    st.session_state["ve_gen"] = st.session_state.get("ve_gen", 0) + 1


editing = st.session_state.get(EDIT_KEY)
detail = None
if editing is not None:
    detail = run_action(get_voucher, voucher_id=editing)
    if detail is None or detail.status != "draft":
        st.session_state.pop(EDIT_KEY, None)
        detail = None
    elif st.session_state.get("ve_loaded") != (editing, detail.version):
        _reset([{"summary": ln.summary, "account": label_of.get(ln.account_id), "debit": str(ln.debit or ""),
                 "credit": str(ln.credit or ""),
                 **{d: choices.get(d, {}).get(v, v) if v is not None else None for d, v in ln.dims.items()}}
                for ln in detail.lines])
        st.session_state["ve_loaded"] = (editing, detail.version)
        st.session_state["ve_date"] = detail.voucher_date
        st.session_state["ve_att"] = detail.attachments
        if detail.voucher_type in types:
            st.session_state["ve_type"] = detail.voucher_type
if "ve_lines" not in st.session_state:
    _reset()

st.title(md("finance.entry.edit_title", number=detail.display_no) if detail else tr("nav.finance.voucher_entry"))
help_link("finance", "s2")  # "?" to this page's part of the help centre

st.session_state.setdefault("ve_date", dt.datetime.now(ZoneInfo(actor.time_zone)).date())
st.session_state.setdefault("ve_att", 0)
h1, h2, h3, h4 = st.columns([1, 2, 1, 2])
vtype = h1.selectbox(tr("field.finance.voucher.type"), types, key="ve_type")
vdate = h2.date_input(tr("field.finance.voucher.date"), key="ve_date")
attachments = h3.number_input(tr("field.finance.voucher.attachments"), min_value=0, step=1, key="ve_att")
if detail:
    h4.caption(md("finance.entry.editing", number=detail.display_no, period=detail.period))
    if h4.button(tr("finance.entry.new"), icon=":material/add:"):
        st.session_state.pop(EDIT_KEY, None)
        st.session_state.pop("ve_loaded", None)
        _reset()
        st.rerun()

frame = pd.DataFrame(st.session_state["ve_lines"], columns=["summary", "account", "debit", "credit", *DIMS])
for d in DIMS:
    frame[d] = frame[d].astype("object")
config = {
    "summary": st.column_config.TextColumn(tr("field.finance.line.summary"), max_chars=200, width=220),
    "account": st.column_config.SelectboxColumn(tr("field.finance.line.account"), options=list(id_of),
                                                width=260),
    "debit": st.column_config.TextColumn(tr("field.finance.line.debit"), width=120),
    "credit": st.column_config.TextColumn(tr("field.finance.line.credit"), width=120),
    **{d: st.column_config.SelectboxColumn(tr(f"field.finance.dim.{d[:-3]}"), options=list(dim_ids[d]),
                                           width=140) for d in DIMS},
}
st.caption(tr("finance.entry.hint"))
edited = st.data_editor(frame, column_config=config, num_rows="dynamic", hide_index=True,
                        width="stretch", key=f"ve_editor_{st.session_state['ve_gen']}")


def _amount(text) -> Decimal | None:
    if text is None or (isinstance(text, float) and pd.isna(text)) or str(text).strip() == "":
        return Decimal(0)
    try:
        return Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        return None


def _cell(value):
    """A grid cell as text, or None when empty (the grid hands back NaN for cleared cells)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _rows() -> list[dict]:
    out = []
    for rec in edited.to_dict("records"):
        row = {"summary": _cell(rec.get("summary")) or "", "account": _cell(rec.get("account")),
               "debit": _cell(rec.get("debit")) or "", "credit": _cell(rec.get("credit")) or ""}
        for d in DIMS:
            row[d] = _cell(rec.get(d))
        out.append(row)
    return out


rows = _rows()
debits = [_amount(r["debit"]) for r in rows]
credits = [_amount(r["credit"]) for r in rows]
total_d = sum((d for d in debits if d is not None), Decimal(0))
total_c = sum((c for c in credits if c is not None), Decimal(0))
diff = total_d - total_c
m1, m2, m3 = st.columns(3)
m1.metric(tr("finance.entry.total_debit"), f"{total_d:,.2f}")
m2.metric(tr("finance.entry.total_credit"), f"{total_c:,.2f}")
m3.metric(tr("finance.entry.difference"), f"{diff:,.2f}")
if diff == 0 and total_d != 0:
    st.success(tr("finance.entry.balanced"), icon=":material/check_circle:")
for n, r in enumerate(rows, start=1):  # a reminder, before saving, of the dimensions an account requires
    need = [d for d in (aux_of.get(r["account"]) or "").split(",") if d and r.get(f"{d}_id") is None]
    if need:
        st.caption(md("finance.entry.needs_dims", line=n,
                      dims="、".join(tr(f"field.finance.dim.{d}") for d in need)))

def _lines() -> list[dict]:
    out = []
    for r in rows:
        line = {"summary": r["summary"], "account_id": id_of.get(r["account"]) if r["account"] else None,
                "account_code": None if r["account"] in id_of or not r["account"] else str(r["account"]).split()[0],
                "debit": str(r["debit"]).strip(), "credit": str(r["credit"]).strip()}
        line.update({d: dim_ids[d].get(r[d], r[d]) if r[d] is not None else None for d in DIMS})
        out.append(line)
    return out


# Budgets, before saving or posting: what posting these lines would do (the posting's own rule, read only).
if actor.may("finance.budget.view") and total_d != 0:
    for w in run_action(budget_preview, voucher_date=vdate, lines=_lines()) or []:
        if w.control == "block":
            st.error(md("finance.entry.budget_block", text=budget_warning_text(w)), icon=":material/block:")
        else:
            st.warning(md("finance.entry.budget_warn", text=budget_warning_text(w)), icon=":material/warning:")

# Quick line: a searchable account box (type "1122" or "应收") and Enter adds the line to the grid.
last_summary = next((r["summary"] for r in reversed(rows) if r["summary"]), "")
with st.form("ve_quick", clear_on_submit=True):
    q1, q2, q3, q4, q5 = st.columns([3, 4, 2, 2, 2], vertical_alignment="bottom")
    q_summary = q1.text_input(tr("field.finance.line.summary"), value=last_summary, max_chars=200)
    q_account = q2.selectbox(tr("field.finance.line.account"), list(id_of), index=None,
                             placeholder=tr("finance.type_to_search"))
    q_debit = q3.text_input(tr("field.finance.line.debit"))
    q_credit = q4.text_input(tr("field.finance.line.credit"))
    q_add = q5.form_submit_button(tr("finance.entry.add_line"), icon=":material/playlist_add:")
if q_add:
    new = _blank() | {"summary": q_summary, "account": q_account, "debit": q_debit.strip(),
                      "credit": q_credit.strip()}
    filled = [r for r in rows if r["account"] or r["summary"] or r["debit"] or r["credit"]]
    _reset(filled + [new] + [_blank() for _ in range(max(0, BLANK_ROWS - len(filled) - 1))])
    st.rerun()

b1, b2, b3 = st.columns(3)
if b1.button(tr("finance.entry.balance_last"), icon=":material/balance:", disabled=diff == 0,
             help=tr("finance.entry.balance_help")):
    filled = [i for i, r in enumerate(rows) if r["account"] or r["summary"] or r["debit"] or r["credit"]]
    if filled:
        last = rows[filled[-1]]
        d0, c0 = _amount(last["debit"]) or Decimal(0), _amount(last["credit"]) or Decimal(0)
        net = (total_d - d0) - (total_c - c0)  # what the other lines leave unbalanced
        last["debit"], last["credit"] = ("", f"{net:.2f}") if net > 0 else (f"{-net:.2f}", "")
        if net == 0:
            last["debit"] = last["credit"] = ""
        if not last["summary"] and filled[:-1]:
            last["summary"] = rows[filled[0]]["summary"]
    _reset(rows)
    st.rerun()


save = b2.button(tr("finance.save"), type="primary", icon=":material/save:")
if save:
    if detail:
        new_version = done(update_voucher, voucher_id=detail.id, version=detail.version, voucher_date=vdate,
                           voucher_type=vtype, attachments=int(attachments), lines=_lines())
        if new_version:
            flash(md("finance.entry.updated", number=detail.display_no))
            st.session_state.pop("ve_loaded", None)
            st.rerun()
    else:
        new_id = done(create_voucher, voucher_date=vdate, voucher_type=vtype, attachments=int(attachments),
                      lines=_lines())
        if new_id:
            created = run_action(get_voucher, voucher_id=new_id)
            flash(md("finance.entry.created", number=created.display_no if created else new_id))
            st.session_state[VIEW_KEY] = new_id
            _reset()
            st.rerun()
if b3.button(tr("finance.entry.clear"), icon=":material/restart_alt:"):
    _reset()
    st.rerun()
