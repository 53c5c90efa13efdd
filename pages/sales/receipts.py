"""收款单 (receipts): the list with exports; a new receipt (the customer's open invoices with the amount received
and any cash discount on each, and/or an amount received in advance 预收); one receipt: its lines, post, cancel a
draft, reverse a posted one. 预收冲应收 (apply a customer's advances to open invoices) at the bottom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import streamlit as st

from erp_core.billing import queries as q
from erp_core.billing import receipt_services as s
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.feedback import SaveButton
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, done, export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.receipts"))
show_flash()
loc = locale()
choices = run_action(q.receipt_choices)
if choices is None:
    st.stop()
customers: dict[int, str] = choices["customers"]


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def amount(text) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", "").strip()) if str(text or "").strip() else None
    except InvalidOperation:
        return Decimal("NaN")


codes = ["list", "new", "detail", "apply"] if actor.may("finance.receipt.create") else ["list", "detail"]
chosen = section("rc_section", codes, "bill.rtab.", tr("nav.sales.receipts"))

if chosen == "list":
    rows = run_action(q.receipt_list) or []
    if not rows:
        st.info(tr("bill.rempty"))
        st.stop()
    columns = [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"), ("customer_code", "bill.col.customer_code"),
               ("customer_name", "bill.col.customer_name"), ("account_code", "pay.col.account"),
               ("total", "pay.col.total"), ("discount", "field.billing.discount"),
               ("writeoff", "field.billing.writeoff"), ("status", "pay.col.status")]
    table(rows, columns, formatters={"total": money, "discount": money, "writeoff": money,
                                     "doc_date": lambda d: d.isoformat(), "status": lambda x: tr(f"pay.status.{x}")})
    export_buttons(rows, columns, "receipts", "rc_export")

elif chosen == "new":
    partner = st.selectbox(tr("field.billing.customer"), [None, *customers], key="rc_new_cust",
                           format_func=lambda i: tr("bill.pick_customer") if i is None else customers[i])
    if partner is None:
        st.stop()
    c1, c2 = st.columns(2)
    day = c1.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="rc_new_date")
    accounts = choices["accounts"]
    codes_ = list(accounts)
    account = c2.selectbox(tr("bill.account"), codes_, key="rc_new_acc",
                           index=codes_.index(choices["default_account"]) if choices["default_account"] in codes_ else 0,
                           format_func=lambda c: f"{c} {accounts[c]}")
    items = run_action(q.customer_open_items, partner_id=partner) or []
    grid = [{tr("pay.col.number"): i["number"], tr("pay.col.doc_date"): i["doc_date"].isoformat(),
             tr("pay.col.open"): money(i["open"]), tr("bill.col.received"): "",
             tr("field.billing.discount"): ""} for i in items]
    edited = st.data_editor(grid, key="rc_new_items", hide_index=True, width="stretch",
                            disabled=[tr("pay.col.number"), tr("pay.col.doc_date"), tr("pay.col.open")]) if grid else []
    if not grid:
        st.info(tr("bill.no_open_invoices"))
    advance = st.text_input(tr("bill.advance_amount"), key="rc_new_adv")
    lines = []
    for i, e in zip(items, edited, strict=False):
        got, disc = amount(e.get(tr("bill.col.received"))), amount(e.get(tr("field.billing.discount")))
        if got is not None or disc is not None:
            lines.append({"item_type": i["item_type"], "item_id": i["item_id"], "amount": got or 0,
                          "discount": disc or 0})
    if amount(advance) is not None:
        lines.append({"amount": amount(advance)})
    remarks = st.text_input(tr("pay.col.remarks"), key="rc_new_remarks", max_chars=500)
    saved = SaveButton("rc_new", "pay.save")  # a refusal shows just above it (ui/feedback.py)
    if saved:
        rid = saved.run(s.create_receipt, partner_id=partner, doc_date=day, lines=lines, account_code=account,
                        remarks=remarks)
        if rid is not None:
            st.session_state["rc_pick"] = rid
            succeed("timeline.receipt_saved", forget=["rc_new_items", "rc_new_adv", "rc_new_remarks"])

elif chosen == "detail":
    rows = run_action(q.receipt_list) or []
    if not rows:
        st.info(tr("bill.rempty"))
        st.stop()
    ids = [r["id"] for r in rows]
    if st.session_state.get("rc_pick") not in ids:
        st.session_state.pop("rc_pick", None)
    labels = {r["id"]: f"{r['number']} {r['customer_name']} {money(r['total'])}" for r in rows}
    picked = st.selectbox(tr("bill.pick_receipt"), ids, format_func=labels.get, key="rc_pick")
    d = next(r for r in rows if r["id"] == picked)
    st.subheader(f"{md_escape(d['number'])} · {tr('pay.status.' + d['status'])}")
    st.text(f"{tr('field.billing.customer')}: {d['customer_code']} {d['customer_name']}    "
            f"{tr('bill.account')}: {d['account_code']}    {tr('pay.col.total')}: {money(d['total'])}")
    if d["status"] == "draft":
        if actor.may("finance.receipt.post") and confirmed_button("bill.post", "bill.confirm_post", "rc_post",
                                                                  number=md_escape(d["number"])):
            if done(s.post_receipt, receipt_id=d["id"], version=d["version"]):
                succeed("bill.posted", forget=["rc_post_ok"], number=d["number"])
        if actor.may("finance.receipt.cancel") and confirmed_button("pay.cancel", "pay.confirm_cancel", "rc_cancel",
                                                                    number=md_escape(d["number"])):
            if done(s.cancel_receipt, receipt_id=d["id"], version=d["version"]):
                succeed("pay.cancelled", forget=["rc_cancel_ok"])
    if d["status"] == "posted" and actor.may("finance.receipt.reverse"):
        if confirmed_button("pay.reverse", "pay.confirm_reverse", "rc_reverse", number=md_escape(d["number"])):
            if done(s.reverse_receipt, receipt_id=d["id"]):
                succeed("pay.reversed", forget=["rc_reverse_ok"], number=d["number"])

else:
    partner = st.selectbox(tr("field.billing.customer"), [None, *customers], key="rc_ap_cust",
                           format_func=lambda i: tr("bill.pick_customer") if i is None else customers[i])
    if partner is None:
        st.stop()
    advances = run_action(q.customer_open_items, partner_id=partner, kind="advance") or []
    st.caption(tr("bill.advances_open", total=money(sum(a["open"] for a in advances))))
    items = run_action(q.customer_open_items, partner_id=partner) or []
    grid = [{tr("pay.col.number"): i["number"], tr("pay.col.open"): money(i["open"]), tr("bill.col.apply"): ""}
            for i in items]
    edited = st.data_editor(grid, key="rc_ap_items", hide_index=True, width="stretch",
                            disabled=[tr("pay.col.number"), tr("pay.col.open")]) if grid else []
    lines = [{"item_id": i["item_id"], "amount": amount(e.get(tr("bill.col.apply")))}
             for i, e in zip(items, edited, strict=False) if amount(e.get(tr("bill.col.apply"))) is not None]
    day = st.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="rc_ap_date")
    if actor.may("finance.advance.apply") and st.button(tr("bill.apply"), type="primary", key="rc_ap_go"):
        if done(s.apply_advance, partner_id=partner, doc_date=day, lines=lines):
            succeed("timeline.advance_applied", forget=["rc_ap_items"])
