"""付款单 (payments): the list with filters and exports, a new payment (open invoices of the supplier with the
amount to pay on each, and/or a prepayment), and one payment: its lines and settlements, submit for approval,
post, cancel a draft, reverse a posted one (each destructive step confirmed first)."""

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
st.title(tr("nav.payables.payments"))
help_link("payables", "payments")  # "?" to this page's part of the help centre
show_flash()
loc = locale()
choices = run_action(q.payment_choices)
if choices is None:
    st.stop()
suppliers: dict[int, str] = choices["suppliers"]
STATUSES = ("draft", "posted", "reversed", "cancelled")


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def parse_amount(text) -> Decimal | None:
    try:
        d = Decimal(str(text).replace(",", "").strip()) if str(text or "").strip() else None
    except InvalidOperation:
        return Decimal("NaN")
    return d


def lines_editor(partner_id: int, key: str, *, current: dict | None = None) -> list[dict] | None:
    """The supplier's open invoices with an amount to pay on each, and a prepayment amount; the payment lines."""
    items = run_action(q.supplier_open_items, partner_id=partner_id) or []
    current = current or {}
    rows = [{tr("pay.col.number"): i["number"], tr("pay.col.doc_date"): i["doc_date"].isoformat(),
             tr("pay.col.open"): money(i["open"]),
             tr("pay.col.pay"): str(current.get((i["item_type"], i["item_id"]), ""))} for i in items]
    if rows:
        edited = st.data_editor(rows, key=f"{key}_items", hide_index=True, width="stretch",
                                disabled=[tr("pay.col.number"), tr("pay.col.doc_date"), tr("pay.col.open")])
    else:
        st.info(tr("pay.no_open_invoices"))
        edited = []
    prepay = st.text_input(tr("pay.prepay_amount"), value=str(current.get(None, "")), key=f"{key}_prepay")
    lines = []
    for item, row in zip(items, edited, strict=False):
        amount = parse_amount(row.get(tr("pay.col.pay")))
        if amount is not None:
            lines.append({"item_type": item["item_type"], "item_id": item["item_id"], "amount": amount})
    if parse_amount(prepay) is not None:
        lines.append({"amount": parse_amount(prepay)})
    return lines


codes = ["list", "new", "detail"] if actor.may("finance.payment.create") else ["list", "detail"]
chosen = section("pay_section", codes, "pay.tab.", tr("nav.payables.payments"))

if chosen == "list":
    c1, c2, c3 = st.columns([3, 2, 3])
    partner = c1.selectbox(tr("field.settlement.supplier"), [None, *suppliers], key="pay_f_sup",
                           format_func=lambda i: tr("pay.all") if i is None else suppliers[i])
    status = c2.selectbox(tr("pay.col.status"), [None, *STATUSES], key="pay_f_status",
                          format_func=lambda x: tr("pay.all") if x is None else tr(f"pay.status.{x}"))
    search = c3.text_input(tr("pay.search"), key="pay_f_search")
    c4, c5, _ = st.columns([2, 2, 4])
    date_from = c4.date_input(tr("pay.date_from"), value=None, key="pay_f_from")
    date_to = c5.date_input(tr("pay.date_to"), value=None, key="pay_f_to")
    rows = run_action(q.payment_list, partner_id=partner, status=status, date_from=date_from, date_to=date_to,
                      search=search)
    if rows is None:
        st.stop()
    if not rows:
        st.info(tr("pay.empty"))
        st.stop()
    columns = [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"), ("supplier_code", "pay.col.supplier_code"),
               ("supplier_name", "pay.col.supplier_name"), ("account_code", "pay.col.account"),
               ("total", "pay.col.total"), ("prepaid", "pay.col.prepaid"), ("status", "pay.col.status"),
               ("remarks", "pay.col.remarks")]
    table(rows, columns, formatters={"total": money, "prepaid": money, "doc_date": lambda d: d.isoformat(),
                                     "status": lambda x: tr(f"pay.status.{x}")})
    export_buttons(rows, columns, "payments", "pay_export")

elif chosen == "new":
    partner = st.selectbox(tr("field.settlement.supplier"), [None, *suppliers], key="pay_new_sup",
                           format_func=lambda i: tr("pay.pick_supplier") if i is None else suppliers[i])
    if partner is None:
        st.stop()
    c1, c2 = st.columns(2)
    day = c1.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="pay_new_date")
    accounts = choices["accounts"]
    codes_ = list(accounts)
    account = c2.selectbox(tr("field.settlement.account"), codes_, key="pay_new_acc",
                           index=codes_.index(choices["default_account"]) if choices["default_account"] in codes_ else 0,
                           format_func=lambda c: f"{c} {accounts[c]}")
    lines = lines_editor(partner, "pay_new")
    remarks = st.text_input(tr("pay.col.remarks"), key="pay_new_remarks", max_chars=500)
    if st.button(tr("pay.save"), type="primary", key="pay_new_save"):
        pid = run_action(s.create_payment, partner_id=partner, doc_date=day, lines=lines, account_code=account,
                         remarks=remarks)
        if pid is not None:
            st.session_state["pay_pick"] = pid
            succeed("pay.saved", forget=["pay_new_items", "pay_new_prepay", "pay_new_remarks"])

else:
    rows = run_action(q.payment_list) or []
    if not rows:
        st.info(tr("pay.empty"))
        st.stop()
    ids = [r["id"] for r in rows]
    if st.session_state.get("pay_pick") not in ids:
        st.session_state.pop("pay_pick", None)
    labels = {r["id"]: f"{r['number']} {r['supplier_name']} {money(r['total'])}" for r in rows}
    picked = st.selectbox(tr("pay.pick"), ids, format_func=labels.get, key="pay_pick")
    d = run_action(q.payment_detail, payment_id=picked)
    if d is None:
        st.stop()
    st.subheader(f"{md_escape(d['number'])} · {tr('pay.status.' + d['status'])}")
    st.text(f"{tr('field.settlement.supplier')}: {d['supplier_code']} {d['supplier_name']}    "
            f"{tr('field.settlement.account')}: {d['account_code']}    {tr('pay.col.total')}: {money(d['total'])}")
    table(d["lines"], [("line_no", "pay.col.line_no"), ("item_number", "pay.col.number"), ("amount", "pay.col.pay"),
                       ("remarks", "pay.col.remarks")],
          formatters={"amount": money, "item_number": lambda n: n or tr("pay.prepayment")})
    if d["settlements"]:
        st.caption(tr("pay.settlements"))
        table(d["settlements"], [("date", "pay.col.doc_date"), ("item_number", "pay.col.number"),
                                 ("source_number", "pay.col.source"), ("amount", "pay.col.amount")],
              formatters={"amount": money, "date": lambda x: x.isoformat()})
    if d["status"] == "draft":
        c1, c2 = st.columns(2)
        if actor.may("finance.payment.submit") and c1.button(tr("pay.submit"), key="pay_submit"):
            ids_ = run_action(s.submit_payment, payment_id=d["id"])
            if ids_ is not None:
                succeed("pay.submitted" if ids_ else "pay.no_approval_needed")
        if actor.may("finance.payment.post") and confirmed_button("pay.post", "pay.confirm_post", "pay_post",
                                                                  number=md_escape(d["number"])):
            if done(s.post_payment, payment_id=d["id"], version=d["version"]):
                succeed("pay.posted", forget=["pay_post_ok"], number=d["number"])
        if actor.may("finance.payment.edit"):
            with st.expander(tr("pay.edit"), icon=":material/edit:"):
                current = {(ln["item_type"], ln["item_id"]) if ln["item_type"] else None: ln["amount"]
                           for ln in d["lines"]}
                lines = lines_editor(d["partner_id"], f"pay_edit_{d['id']}", current=current)
                remarks = st.text_input(tr("pay.col.remarks"), value=d["remarks"], key=f"pay_edit_r_{d['id']}")
                if st.button(tr("pay.save"), key=f"pay_edit_save_{d['id']}") and done(
                        s.update_payment, payment_id=d["id"], version=d["version"], lines=lines, remarks=remarks):
                    succeed("pay.saved")
        if actor.may("finance.payment.cancel") and confirmed_button("pay.cancel", "pay.confirm_cancel",
                                                                    "pay_cancel", number=md_escape(d["number"])):
            if done(s.cancel_payment, payment_id=d["id"], version=d["version"]):
                succeed("pay.cancelled", forget=["pay_cancel_ok"])
    if d["status"] == "posted" and d["reverses_id"] is None and actor.may("finance.payment.reverse"):
        day = st.date_input(tr("pay.reverse_date"), value=d["doc_date"], key="pay_rev_date")
        if confirmed_button("pay.reverse", "pay.confirm_reverse", "pay_reverse", number=md_escape(d["number"])):
            if done(s.reverse_payment, payment_id=d["id"], doc_date=day):
                succeed("pay.reversed", forget=["pay_reverse_ok"], number=d["number"])
