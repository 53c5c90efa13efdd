"""请购单: the list with filters (status, progress, date, number) and its Excel export; one requisition with its
lines (quantity already on orders, still open, the supplier an order would go to), upstream / downstream
documents, steps and the actions (submit for approval, approve, close, cancel); "生成采购订单" (one draft order
per supplier, a supplier chosen here for lines that have none); a new requisition."""

from __future__ import annotations

import streamlit as st

from erp_core.purchasing import queries as pq
from erp_core.purchasing.requisitions import queries as rq
from erp_core.purchasing.requisitions import services as rqs
from ui import purchasing_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import export_buttons, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.purchasing.requisitions"))
show_flash()
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
STATUSES = ("draft", "submitted", "approved", "closed", "cancelled")
PROGRESS = ("open", "partly_received", "completed")
CALLS = {"submit": rqs.submit_requisition, "reopen": rqs.reopen_requisition, "approve": rqs.approve_requisition,
         "close": rqs.close_requisition, "cancel": rqs.cancel_requisition}


def progress_label(p: str) -> str:
    return tr(f"pur2.progress.{p}") if p else ""


def requisition_form(key: str) -> None:
    count = int(st.number_input(tr("purchasing.line_count"), min_value=1, max_value=50, value=3, step=1,
                                key=f"{key}_n"))
    with st.form(key):
        c1, c2, c3 = st.columns([2, 2, 2])
        day = c1.date_input(tr("purchasing.col.doc_date"), value=kit.today(), key=f"{key}_date")
        needed = c2.date_input(tr("field.pur2.needed_by"), value=None, key=f"{key}_needed")
        requester = c3.text_input(tr("field.pur2.requester"), value=actor.username or "", max_chars=64,
                                  key=f"{key}_req")
        c4, c5 = st.columns(2)
        deps = [None, *choices.departments]
        department = c4.selectbox(tr("field.purchasing.department"), deps, key=f"{key}_dep", index=0,
                                  format_func=lambda i: "" if i is None else choices.departments[i])
        whs = list(choices.warehouses)
        warehouse = c5.selectbox(tr("field.purchasing.warehouse"), whs, key=f"{key}_wh", index=0 if whs else None,
                                 format_func=lambda i: choices.warehouses[i])
        reason = st.text_input(tr("field.pur2.reason"), max_chars=500, key=f"{key}_reason")
        rows = []
        prods, sups = [None, *choices.products], [None, *choices.suppliers]
        for i in range(count):
            a, b, c, d = st.columns([4, 2, 2, 3])
            pid = a.selectbox(tr("purchasing.line_product", n=int(i + 1)), prods, key=f"{key}_p{i}", index=0,
                              format_func=lambda p: "" if p is None else choices.products[p])
            qty = b.text_input(tr("purchasing.line_qty", n=int(i + 1)), key=f"{key}_q{i}")
            price = c.text_input(tr("pur2.estimated_price", n=int(i + 1)), key=f"{key}_pr{i}")
            sup = d.selectbox(tr("pur2.suggested_supplier", n=int(i + 1)), sups, key=f"{key}_s{i}", index=0,
                              format_func=lambda s: tr("pur2.last_supplier") if s is None else choices.suppliers[s])
            if pid is not None:
                rows.append({"product_id": pid, "quantity": kit.dec(qty), "unit_price": kit.dec(price or "0"),
                             "supplier_id": sup})
        remarks = st.text_area(tr("purchasing.remarks"), max_chars=2000, key=f"{key}_remarks")
        saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
    if saved:
        new_id = run_action(rqs.create_requisition, doc_date=day, needed_by=needed, requester=requester,
                            department_id=department, warehouse_id=warehouse, reason=reason, lines=rows,
                            remarks=remarks)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("purchase_requisition", new_id)
            succeed("purchasing.saved", forget=["pur_rq_section"])


if section("pur_rq_section", ("list", "new"), "purchasing.section.", tr("nav.purchasing.requisitions")) == "new":
    if actor.may("purchasing.requisition.create"):
        requisition_form("pur_rq_new")
    else:
        st.info(tr("purchasing.no_right"))
    st.stop()

c1, c2, c3 = st.columns(3)
status = c1.selectbox(tr("purchasing.col.status"), [None, *STATUSES], key="pur_rq_status",
                      format_func=lambda s: tr("purchasing.all") if s is None else kit.status_label(s))
progress = c2.selectbox(tr("purchasing.col.progress"), [None, *PROGRESS], key="pur_rq_progress",
                        format_func=lambda p: tr("purchasing.all") if p is None else progress_label(p))
number = c3.text_input(tr("purchasing.col.number"), key="pur_rq_number")
rows = run_action(rq.list_requisitions, status=status, progress=progress, number=number)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
COLUMNS = [("number", "purchasing.col.number"), ("doc_date", "purchasing.col.doc_date"),
           ("department", "field.purchasing.department"), ("requester", "field.pur2.requester"),
           ("needed_by", "field.pur2.needed_by"), ("status", "purchasing.col.status"),
           ("progress", "purchasing.col.progress"), ("total", "purchasing.col.total")]
FORMAT = {"status": kit.status_label, "progress": progress_label, "total": lambda v: kit.num(v, 2),
          "doc_date": lambda d: d.isoformat() if d else "", "needed_by": lambda d: d.isoformat() if d else ""}
table(rows, COLUMNS, FORMAT)
export_buttons([{k: (FORMAT[k](r.get(k)) if k in FORMAT else r.get(k)) for k, _ in COLUMNS} for r in rows],
               COLUMNS, "purchase_requisitions", "pur_rq_export")
picked = kit.pick([{**r, "supplier": r["department"] or r["requester"]} for r in rows], "pur_rq_pick",
                  "purchase_requisition")
doc = run_action(rq.get_requisition, requisition_id=picked) if picked is not None else None
if doc is None:
    st.stop()
kit.header(doc, [(tr("purchasing.col.progress"), progress_label(doc["progress"])),
                 (tr("field.pur2.requester"), doc["requester"]),
                 (tr("field.pur2.needed_by"), doc["needed_by"].isoformat() if doc["needed_by"] else ""),
                 (tr("field.pur2.reason"), doc["reason"])])
table(doc["lines"], [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
                     ("warehouse", "purchasing.col.warehouse"), ("quantity", "purchasing.col.quantity"),
                     ("unit_price", "pur2.col.estimated_price"), ("amount", "purchasing.col.amount"),
                     ("on_orders", "pur2.col.on_orders"), ("open_qty", "pur2.col.open_qty"),
                     ("order_supplier", "field.purchasing.supplier")],
      {k: kit.num for k in ("quantity", "unit_price", "on_orders", "open_qty")} | {"amount": lambda v: kit.num(v, 2)})
kit.actions(actor, doc, "purchasing.requisition", CALLS, "requisition_id", "pur_rq_act")
open_lines = [ln for ln in doc["lines"] if ln["open_qty"] > 0]
if doc["status"] == "approved" and open_lines and actor.may("purchasing.requisition.order"):
    with st.expander(tr("pur2.make_orders"), expanded=True):
        chosen = {}
        sups = [None, *choices.suppliers]
        for ln in open_lines:
            default = ln["order_supplier_id"] if ln["order_supplier_id"] in sups else None
            pick = st.selectbox(tr("pur2.line_supplier", n=int(ln["line_no"]), product=md_escape(ln["product"])), sups,
                                index=sups.index(default), key=f"pur_rq_sup_{doc['id']}_{ln['id']}",
                                format_func=lambda s: "" if s is None else choices.suppliers[s])
            if pick is not None:
                chosen[ln["id"]] = pick
        if st.button(tr("pur2.make_orders"), type="primary", key=f"pur_rq_make_{doc['id']}"):
            made = run_action(rqs.order_requisitions, requisition_ids=[doc["id"]], doc_date=kit.today(),
                              suppliers=chosen)
            if made:
                st.session_state[kit.OPEN_KEY] = ("purchase_order", made[0])
                succeed("pur2.orders_made", count=len(made))
kit.links(doc)
with st.expander(tr("purchasing.history")):
    kit.steps(doc)
