"""预付冲应付: apply a supplier's open prepayments to its open invoices (created and posted in one step, voucher
Dr payable / Cr prepayment), and the list of applications with their reversal (confirmed first); also 红蓝对冲
(a red invoice or return set against an open invoice of the same supplier)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.settlement import queries as q
from erp_core.settlement import services as s
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, done, export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.payables.prepayments"))
help_link("payables", "prepayments")  # "?" to this page's part of the help centre
show_flash()
loc = locale()
suppliers = run_action(q.payables_choices)
if suppliers is None:
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def amount_of(text) -> Decimal | None:
    text = str(text or "").replace(",", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal("NaN")


chosen = section("pp_section", ("apply", "offset", "list"), "pay.pp_tab.", tr("nav.payables.prepayments"))
if chosen in ("apply", "offset"):
    partner = st.selectbox(tr("field.settlement.supplier"), [None, *suppliers], key=f"pp_{chosen}_sup",
                           format_func=lambda i: tr("pay.pick_supplier") if i is None else suppliers[i])
    if partner is None:
        st.stop()
    invoices = run_action(q.supplier_open_items, partner_id=partner) or []
    if chosen == "apply":
        prepaid = run_action(q.supplier_open_items, partner_id=partner, kind="prepayment") or []
        st.caption(tr("pay.open_prepayments"))
        table(prepaid, [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"), ("open", "pay.col.open")],
              formatters={"open": money, "doc_date": lambda d: d.isoformat()})
        positive = [i for i in invoices if i["open"] > 0]
        if not prepaid or not positive:
            st.info(tr("pay.nothing_to_apply"))
            st.stop()
        rows = [{tr("pay.col.number"): i["number"], tr("pay.col.open"): money(i["open"]), tr("pay.col.pay"): ""}
                for i in positive]
        edited = st.data_editor(rows, key="pp_apply_items", hide_index=True, width="stretch",
                                disabled=[tr("pay.col.number"), tr("pay.col.open")])
        day = st.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="pp_apply_date")
        lines = [{"item_type": i["item_type"], "item_id": i["item_id"], "amount": amount_of(r.get(tr("pay.col.pay")))}
                 for i, r in zip(positive, edited, strict=False) if amount_of(r.get(tr("pay.col.pay"))) is not None]
        if actor.may("finance.prepayment.apply") and st.button(tr("pay.apply"), type="primary", key="pp_apply"):
            if done(s.apply_prepayment, partner_id=partner, doc_date=day, lines=lines):
                succeed("pay.applied", forget=["pp_apply_items"])
    else:
        credits = [i for i in invoices if i["open"] < 0]
        debits = [i for i in invoices if i["open"] > 0]
        if not credits or not debits:
            st.info(tr("pay.nothing_to_offset"))
            st.stop()
        c1, c2 = st.columns(2)
        credit = c1.selectbox(tr("pay.credit_item"), range(len(credits)), key="pp_off_credit",
                              format_func=lambda i: f"{credits[i]['number']} {money(credits[i]['open'])}")
        debit = c2.selectbox(tr("pay.debit_item"), range(len(debits)), key="pp_off_debit",
                             format_func=lambda i: f"{debits[i]['number']} {money(debits[i]['open'])}")
        default = min(-credits[credit]["open"], debits[debit]["open"])
        amount = st.text_input(tr("field.settlement.amount"), value=str(default), key="pp_off_amount")
        day = st.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="pp_off_date")
        if actor.may("finance.settlement.offset") and confirmed_button(
                "pay.offset", "pay.confirm_offset", "pp_offset", credit=md_escape(credits[credit]["number"]),
                number=md_escape(debits[debit]["number"])):
            if done(s.offset_items, credit_type=credits[credit]["item_type"], credit_id=credits[credit]["item_id"],
                    item_type=debits[debit]["item_type"], item_id=debits[debit]["item_id"], amount=amount_of(amount),
                    on=day):
                succeed("pay.offset_done", forget=["pp_offset_ok"])
else:
    rows = run_action(q.application_list)
    if rows is None:
        st.stop()
    if not rows:
        st.info(tr("pay.no_applications"))
        st.stop()
    columns = [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"), ("supplier_name", "pay.col.supplier_name"),
               ("total", "pay.col.total"), ("status", "pay.col.status")]
    table(rows, columns, formatters={"total": money, "doc_date": lambda d: d.isoformat(),
                                     "status": lambda x: tr(f"pay.status.{x}")})
    export_buttons(rows, columns, "prepayment_applications", "pp_export")
    open_ = [r for r in rows if r["status"] == "posted" and r["reverses_id"] is None]
    if open_ and actor.may("finance.prepayment.reverse"):
        picked = st.selectbox(tr("pay.pick"), range(len(open_)), key="pp_rev_pick",
                              format_func=lambda i: f"{open_[i]['number']} {money(open_[i]['total'])}")
        if confirmed_button("pay.reverse", "pay.confirm_reverse", "pp_reverse",
                            number=md_escape(open_[picked]["number"])):
            if done(s.reverse_prepayment_application, application_id=open_[picked]["id"]):
                succeed("pay.reversed", forget=["pp_reverse_ok"], number=open_[picked]["number"])
