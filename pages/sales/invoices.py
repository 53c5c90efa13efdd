"""销售发票 (sales invoices): the list with filters and exports; a new invoice from the customer's delivered, not
yet invoiced lines (专票/普票, fapiao number); one invoice: its lines, post, cancel a draft, 红冲 a posted one
whole, or issue a red invoice (红字发票) for part of it with the reason. The fapiao register at the bottom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import streamlit as st

from erp_core.billing import invoice_services as s
from erp_core.billing import queries as q
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.feedback import SaveButton
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, done, export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.invoices"))
show_flash()
loc = locale()
choices = run_action(q.receivables_choices) if actor.may("finance.receivables.view") else None
rows_all = run_action(q.invoice_list)
if rows_all is None:
    st.stop()
customers = choices or {r["customer_code"]: r["customer_name"] for r in rows_all}
STATUSES = ("draft", "posted", "reversed", "cancelled")


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def qty(text) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", "").strip()) if str(text or "").strip() else None
    except InvalidOperation:
        return Decimal("NaN")


codes = ["list", "new", "detail", "fapiao"] if actor.may("sales.invoice.create") else ["list", "detail", "fapiao"]
chosen = section("si_section", codes, "bill.tab.", tr("nav.sales.invoices"))

if chosen == "list":
    c1, c2 = st.columns([3, 2])
    status = c1.selectbox(tr("pay.col.status"), [None, *STATUSES], key="si_f_status",
                          format_func=lambda x: tr("pay.all") if x is None else tr(f"pay.status.{x}"))
    rows = run_action(q.invoice_list, status=status) or []
    if not rows:
        st.info(tr("bill.empty"))
        st.stop()
    columns = [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"), ("customer_code", "bill.col.customer_code"),
               ("customer_name", "bill.col.customer_name"), ("invoice_no", "field.billing.invoice_no"),
               ("net_total", "bill.col.net"), ("tax_total", "bill.col.tax"), ("total", "pay.col.total"),
               ("open", "pay.col.open"), ("due_date", "pay.col.due_date"), ("status", "pay.col.status")]
    table(rows, columns, formatters={"net_total": money, "tax_total": money, "total": money, "open": money,
                                     "doc_date": lambda d: d.isoformat(),
                                     "due_date": lambda d: d.isoformat() if d else "",
                                     "status": lambda x: tr(f"pay.status.{x}")})
    export_buttons(rows, columns, "sales_invoices", "si_export")

elif chosen == "new":
    pending = run_action(q.to_invoice) or []
    if not pending:
        st.info(tr("bill.nothing_to_invoice"))
        st.stop()
    names = {r["customer_id"]: r["customer_name"] for r in pending}
    partner = st.selectbox(tr("field.billing.customer"), list(names), key="si_new_cust", format_func=names.get)
    lines = [r for r in pending if r["customer_id"] == partner]
    c1, c2, c3 = st.columns(3)
    day = c1.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key="si_new_date")
    vat_kind = c2.radio(tr("field.billing.vat_kind"), ["special", "ordinary"], key="si_new_vat", horizontal=True,
                        format_func=lambda k: tr(f"bill.vat.{k}"))
    invoice_no = c3.text_input(tr("field.billing.invoice_no"), key="si_new_no", max_chars=40)
    grid = [{tr("pay.col.number"): r["number"], tr("bill.col.left"): fmt.format_number(r["quantity"], loc, 4),
             tr("bill.col.price"): fmt.format_number(r["unit_price"], loc, 4),
             tr("bill.col.invoice_qty"): str(r["quantity"].normalize())} for r in lines]
    edited = st.data_editor(grid, key="si_new_lines", hide_index=True, width="stretch",
                            disabled=[tr("pay.col.number"), tr("bill.col.left"), tr("bill.col.price")])
    picked = []
    for r, e in zip(lines, edited, strict=False):
        n = qty(e.get(tr("bill.col.invoice_qty")))
        if n is not None and n != 0:
            picked.append({"source_type": r["source_type"], "source_line_id": r["source_line_id"], "quantity": n})
    saved = SaveButton("si_new", "pay.save")  # a refusal shows just above it (ui/feedback.py)
    if saved:
        iid = saved.run(s.create_invoice, doc_date=day, lines=picked, vat_kind=vat_kind, invoice_no=invoice_no)
        if iid is not None:
            st.session_state["si_pick"] = iid
            succeed("timeline.invoice_saved", forget=["si_new_lines", "si_new_no"])

elif chosen == "detail":
    if not rows_all:
        st.info(tr("bill.empty"))
        st.stop()
    ids = [r["id"] for r in rows_all]
    if "si_pick_next" in st.session_state:  # a red invoice just made from this view (the picker exists by then)
        st.session_state["si_pick"] = st.session_state.pop("si_pick_next")
    if st.session_state.get("si_pick") not in ids:
        st.session_state.pop("si_pick", None)
    labels = {r["id"]: f"{r['number']} {r['customer_name']} {money(r['total'])}" for r in rows_all}
    picked = st.selectbox(tr("bill.pick_invoice"), ids, format_func=labels.get, key="si_pick")
    d = run_action(q.invoice_detail, invoice_id=picked)
    if d is None:
        st.stop()
    st.subheader(f"{md_escape(d['number'])} · {tr('pay.status.' + d['status'])}"
                 + (f" · {tr('bill.red')}" if d["red"] or d["total"] < 0 else ""))
    st.text(f"{tr('field.billing.customer')}: {d['customer_code']} {d['customer_name']}    "
            f"{tr('field.billing.vat_kind')}: {tr('bill.vat.' + d['vat_kind'])}    "
            f"{tr('field.billing.invoice_no')}: {d['invoice_no']}    {tr('pay.col.total')}: {money(d['total'])}    "
            f"{tr('pay.col.open')}: {money(d['open'])}")
    if d["red_reason"]:
        st.caption(f"{tr('field.billing.red_reason')}: {md_escape(d['red_reason'])}")
    table(d["lines"], [("line_no", "pay.col.line_no"), ("quantity", "bill.col.invoice_qty"),
                       ("unit_price", "bill.col.price"), ("amount", "bill.col.net"), ("tax_amount", "bill.col.tax"),
                       ("gross_amount", "pay.col.total"), ("advance", "bill.col.advance"), ("remarks", "pay.col.remarks")],
          formatters={"quantity": lambda v: fmt.format_number(v, loc, 4), "unit_price": lambda v: fmt.format_number(v, loc, 4),
                      "amount": money, "tax_amount": money, "gross_amount": money,
                      "advance": lambda a: tr("bill.yes") if a else ""})
    if any(ln["advance"] for ln in d["lines"]):
        if actor.may("sales.invoice.recognize"):
            # 收入确认: goods of this advance invoice delivered since move from 预收 to revenue (a button per delivery)
            todo = {r["id"]: r for r in run_action(q.deliveries_to_recognize, invoice_id=d["id"]) or []}
            if todo:
                with st.expander(tr("bill.recognize_new"), icon=":material/price_check:"):
                    dl_id = st.selectbox(tr("bill.pick_delivery"), list(todo), key=f"si_rec_pick_{d['id']}",
                                         format_func=lambda i: tr("bill.delivery_label", number=todo[i]["number"],
                                                                  date=todo[i]["doc_date"].isoformat(),
                                                                  qty=f"{todo[i]['quantity'].normalize():f}"))
                    rec_day = st.date_input(tr("field.documents.doc_date"), value=todo[dl_id]["doc_date"],
                                            key=f"si_rec_date_{d['id']}_{dl_id}")
                    if confirmed_button("bill.recognize", "bill.confirm_recognize", "si_rec",
                                        number=md_escape(todo[dl_id]["number"])):
                        made = run_action(lambda db, who, /, **kw: [s.recognize_revenue(db, who, **kw)],
                                          delivery_id=dl_id, doc_date=rec_day)
                        if made == [None]:  # nothing of it is covered by an advance any more
                            st.info(tr("bill.nothing_to_recognize"))
                        elif made:
                            succeed("bill.recognized", forget=["si_rec_ok"], number=todo[dl_id]["number"])
        recs = run_action(q.invoice_recognitions, invoice_id=d["id"]) or []
        if recs:
            # 收入确认: goods invoiced in advance (预收) recognised as revenue when delivered; 冲销 puts it back
            st.subheader(tr("bill.recognitions"))
            table(recs, [("number", "pay.col.number"), ("doc_date", "pay.col.doc_date"),
                         ("deliveries", "bill.col.deliveries"), ("amount", "bill.col.net"),
                         ("status", "pay.col.status"), ("reverses", "bill.col.reverses")],
                  formatters={"doc_date": lambda v: v.isoformat(), "amount": money,
                              "status": lambda x: tr(f"pay.status.{x}")})
            live = {r["id"]: r for r in recs if r["reversible"]}
            if live and actor.may("sales.invoice.recognize_reverse"):
                with st.expander(tr("bill.recognition_reverse"), icon=":material/undo:"):
                    rec_id = st.selectbox(tr("bill.pick_recognition"), list(live), key=f"si_rr_pick_{d['id']}",
                                          format_func=lambda i: f"{live[i]['number']} {live[i]['deliveries']} "
                                                                f"{money(live[i]['amount'])}")
                    rr_day = st.date_input(tr("field.documents.doc_date"), value=dt.date.today(),
                                           key=f"si_rr_date_{d['id']}")
                    comment = st.text_input(tr("pay.col.remarks"), key=f"si_rr_comment_{d['id']}", max_chars=200)
                    if confirmed_button("bill.recognition_reverse", "bill.confirm_recognition_reverse", "si_rr",
                                        number=md_escape(live[rec_id]["number"])):
                        if done(s.reverse_recognition, recognition_id=rec_id, doc_date=rr_day, comment=comment):
                            succeed("bill.recognition_reversed", forget=["si_rr_ok", f"si_rr_comment_{d['id']}"],
                                    number=live[rec_id]["number"])
    if d["status"] == "draft":
        if actor.may("sales.invoice.post") and confirmed_button("bill.post", "bill.confirm_post", "si_post",
                                                                number=md_escape(d["number"])):
            if done(s.post_invoice, invoice_id=d["id"], version=d["version"]):
                succeed("bill.posted", forget=["si_post_ok"], number=d["number"])
        if actor.may("sales.invoice.cancel") and confirmed_button("pay.cancel", "pay.confirm_cancel", "si_cancel",
                                                                  number=md_escape(d["number"])):
            if done(s.cancel_invoice, invoice_id=d["id"], version=d["version"]):
                succeed("pay.cancelled", forget=["si_cancel_ok"])
    if d["status"] == "posted" and not d["red"] and d["total"] > 0:
        if actor.may("sales.invoice.red"):
            with st.expander(tr("bill.red_new"), icon=":material/assignment_return:"):
                # a red invoice for goods that came back names the sales return it credits (红字发票 for 退货):
                # the customer's posted returns not yet fully credited, the lines filled from the chosen one
                returns = run_action(q.returns_to_credit, invoice_id=d["id"]) or []
                by_ret = {r["id"]: r for r in returns}
                ret_key = f"si_red_return_{d['id']}"
                if st.session_state.get(ret_key) not in (None, *by_ret):
                    st.session_state.pop(ret_key, None)
                ret_id = st.selectbox(
                    tr("bill.red_for_return"), [None, *by_ret], key=ret_key,
                    format_func=lambda i: tr("bill.red_no_return") if i is None else tr(
                        "bill.red_return_label", number=by_ret[i]["number"], date=by_ret[i]["doc_date"].isoformat(),
                        open=f"{by_ret[i]['open'].normalize():f}", returned=f"{by_ret[i]['returned'].normalize():f}"))
                ret = by_ret.get(ret_id)
                if ret is not None:
                    if ret["reason"]:
                        st.caption(f"{tr('bill.return_reason')}: {md_escape(ret['reason'])}")
                    if not ret["lines"]:
                        st.warning(tr("bill.red_return_elsewhere", number=md_escape(ret["number"])))
                reason_key = f"si_red_reason_{d['id']}"
                if ret is not None and (st.session_state.get(f"{ret_key}_filled") != ret_id
                                        or not st.session_state.get(reason_key)):
                    # a return chosen: "退货 <number>" as the reason, the lines' quantities from it (the grid's key)
                    st.session_state[f"{ret_key}_filled"] = ret_id
                    st.session_state[reason_key] = f"{tr('bill.red_reason_return')} {ret['number']}"[:200]
                reason = st.text_input(tr("field.billing.red_reason"), key=reason_key, max_chars=200)
                proposal = ret["lines"] if ret is not None else {}
                grid = [{tr("pay.col.line_no"): ln["line_no"], tr("bill.col.invoice_qty"): str(ln["quantity"].normalize()),
                         tr("bill.col.red_qty"): str(proposal[ln["id"]].normalize()) if ln["id"] in proposal else ""}
                        for ln in d["lines"]]
                edited = st.data_editor(grid, key=f"si_red_lines_{d['id']}_{ret_id or 0}", hide_index=True,
                                        width="stretch",
                                        disabled=[tr("pay.col.line_no"), tr("bill.col.invoice_qty")])
                red_lines = []
                for ln, e in zip(d["lines"], edited, strict=False):
                    n = qty(e.get(tr("bill.col.red_qty")))
                    if n is not None and n != 0:
                        red_lines.append({"line_id": ln["id"], "quantity": n})
                day = st.date_input(tr("field.documents.doc_date"), value=dt.date.today(), key=f"si_red_date_{d['id']}")
                if st.button(tr("pay.save"), key=f"si_red_save_{d['id']}"):
                    rid = run_action(s.create_red_invoice, original_id=d["id"], doc_date=day, reason=reason,
                                     lines=red_lines, return_id=ret_id)
                    if rid is not None:
                        st.session_state["si_pick_next"] = rid
                        succeed("timeline.invoice_saved")
        if actor.may("sales.invoice.reverse") and confirmed_button("pay.reverse", "pay.confirm_reverse", "si_reverse",
                                                                   number=md_escape(d["number"])):
            if done(s.reverse_invoice, invoice_id=d["id"]):
                succeed("pay.reversed", forget=["si_reverse_ok"], number=d["number"])

else:
    rows = run_action(q.fapiao_register) or []
    if actor.may("sales.fapiao.register"):
        with st.expander(tr("bill.fapiao_new"), icon=":material/add:"):
            with st.form("fp_new"):
                c1, c2, c3 = st.columns(3)
                no = c1.text_input(tr("field.billing.invoice_no"), max_chars=40)
                day = c2.date_input(tr("field.billing.import.issue_date"), value=dt.date.today())
                buyer = c3.text_input(tr("field.billing.import.buyer"), max_chars=200)
                c4, c5 = st.columns(2)
                amount = c4.text_input(tr("field.billing.amount"))
                tax = c5.text_input(tr("field.billing.tax"))
                if st.form_submit_button(tr("pay.save"), type="primary") and done(
                        s.record_fapiao, fapiao_no=no, issue_date=day, buyer_name=buyer, amount=amount or "0",
                        tax=tax or "0"):
                    succeed("timeline.fapiao_saved")
    if not rows:
        st.info(tr("bill.fapiao_empty"))
        st.stop()
    columns = [("fapiao_no", "field.billing.invoice_no"), ("issue_date", "field.billing.import.issue_date"),
               ("buyer_name", "field.billing.import.buyer"), ("amount", "field.billing.amount"),
               ("tax", "field.billing.tax"), ("invoice", "pay.col.number"), ("origin", "bill.col.origin")]
    table(rows, columns, formatters={"amount": money, "tax": money, "issue_date": lambda d: d.isoformat(),
                                     "origin": lambda o: tr(f"bill.origin.{o}")})
    export_buttons(rows, columns, "fapiao_register", "fp_export")
