"""Inventory documents (库存单据): 其他入库单, 其他出库单 (领用) and 调拨单. For the chosen type: the list with filters
and Excel export; one document with its lines and the actions its state allows (post, red reversal and cancel,
each confirmed first); a form for a new document or for changing a draft. Negative-stock warnings the company
setting allowed are shown after posting."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.stockops import queries
from erp_core.stockops import services as S
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import error_md, md
from ui.sections import section
from ui.settings_kit import confirmed_button, pager, show_flash, succeed, table

PAGE_SIZE = 50
TYPES = ("other_receipt", "other_issue", "stock_transfer")
PERM = {"other_receipt": "other_receipt", "other_issue": "other_issue", "stock_transfer": "transfer"}
actor = require_actor()
loc = locale()
st.title(tr("nav.inventory.stock_documents"))
help_link("inventory", "documents")  # "?" to this page's part of the help centre
show_flash()
for w in st.session_state.pop("sd_warnings", []):
    st.warning(w, icon=":material/warning:")
doc_type = section("sd_type", TYPES, "inv.doc_type.", tr("inv.doc_type"))
perm = PERM[doc_type]
choices = run_action(queries.stock_form_choices)
if choices is None:
    st.stop()


def _num(v):
    return "" if v is None else fmt.format_number(v, loc)


def _money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def _label(mapping, i):
    return tr("inv.none") if i is None else mapping.get(i, str(i))


# --- list ------------------------------------------------------------------------------------------------------
c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 3])
status = c1.selectbox(tr("inv.col.status"), [None, "draft", "posted", "reversed", "cancelled"], key="sd_status",
                      format_func=lambda s: tr("inv.all") if s is None else tr(f"inv.status.{s}"))
warehouse_id = c2.selectbox(tr("field.inv.warehouse"), [None, *choices.warehouses], key="sd_wh",
                            format_func=lambda i: tr("inv.all") if i is None else choices.warehouses[i])
date_from = c3.date_input(tr("field.inv.date_from"), value=None, key="sd_from")
date_to = c4.date_input(tr("field.inv.date_to"), value=None, key="sd_to")
search = c5.text_input(tr("inv.search"), key="sd_search")
filters = {"doc_type": doc_type, "status": status, "warehouse_id": warehouse_id, "date_from": date_from,
           "date_to": date_to, "search": search}
first = run_action(queries.list_stock_documents, **filters, page=1, page_size=PAGE_SIZE)
if first is None:
    st.stop()
if not first.total:
    st.info(tr("inv.documents_empty"))
    rows = []
else:
    page = pager(first.total, PAGE_SIZE, "sd_page")
    result = first if page == 1 else run_action(queries.list_stock_documents, **filters, page=page,
                                                page_size=PAGE_SIZE)
    rows = result.rows if result else []
    table(rows, [("number", "inv.col.number"), ("doc_date", "inv.col.doc_date"), ("status", "inv.col.status"),
                 ("warehouse_code", "inv.col.warehouse_code"), ("total", "inv.col.total"),
                 ("remarks", "inv.col.remarks")],
          formatters={"status": lambda s: tr(f"inv.status.{s}"), "doc_date": lambda d: d.isoformat(),
                      "total": _money})
    if actor.may(queries.EXPORT[0]):
        f = run_action(queries.export_stock_documents, fmt="xlsx", locale=loc,
                       **{k: v for k, v in filters.items() if k != "doc_type"}, doc_type=doc_type)
        if f is not None:
            st.download_button(tr("inv.export_xlsx"), f.data, file_name=f.filename, mime=f.mime, key="sd_xlsx",
                               icon=":material/download:")


# --- one document --------------------------------------------------------------------------------------------
def _post(fn, doc_id, version):
    r = run_action(fn, doc_id=doc_id, version=version)
    if r is not None:
        st.session_state["sd_warnings"] = [error_md(w) for w in r.warnings]
        succeed("inv.done_posted", number=r.number)


def _detail(doc_id: int) -> None:
    d = run_action(queries.stock_document, doc_type=doc_type, doc_id=doc_id)
    if d is None:
        return
    h = d.header
    st.subheader(md("inv.document_title", number=h["number"]))
    st.caption(md("inv.document_caption", date=h["doc_date"].isoformat(), status=tr(f"inv.status.{h['status']}"),
                  warehouse=f"{h.get('warehouse_code') or ''} {h.get('warehouse_name') or ''}",
                  total=_money(h["total"])))
    if doc_type == "stock_transfer":
        st.caption(md("inv.transfer_to", warehouse=f"{h.get('to_warehouse_code') or ''} "
                                                      f"{h.get('to_warehouse_name') or ''}"))
    table(d.lines, [("line_no", "field.inv.line_no"), ("product_code", "inv.col.product_code"),
                    ("product_name", "inv.col.product_name"), ("location_code", "inv.col.location_code"),
                    ("ordered_qty", "field.inv.quantity"), ("unit_price", "field.inv.unit_cost"),
                    ("amount", "inv.col.amount")],
          formatters={"ordered_qty": _num, "unit_price": _num, "amount": _money})
    fns = {"other_receipt": (S.post_other_receipt, S.reverse_other_receipt, S.cancel_other_receipt),
           "other_issue": (S.post_other_issue, S.reverse_other_issue, S.cancel_other_issue),
           "stock_transfer": (S.post_transfer, S.reverse_transfer, S.cancel_transfer)}[doc_type]
    if h["status"] == "draft":
        c1, c2 = st.columns(2)
        with c1:
            if actor.may(f"inventory.{perm}.post") and confirmed_button(
                    "inv.post", "inv.confirm_post", "sd_post", number=h["number"]):
                _post(fns[0], doc_id, h["version"])
        with c2:
            if actor.may(f"inventory.{perm}.edit") and confirmed_button(
                    "inv.cancel", "inv.confirm_cancel", "sd_cancel", number=h["number"]):
                if run_action(fns[2], doc_id=doc_id, version=h["version"]) is not None:
                    succeed("inv.done_cancelled", number=h["number"])
    elif h["status"] == "posted" and h["reverses_id"] is None and actor.may(f"inventory.{perm}.reverse"):
        if confirmed_button("inv.reverse", "inv.confirm_reverse", "sd_reverse", number=h["number"]):
            r = run_action(fns[1], doc_id=doc_id, version=h["version"])
            if r is not None:
                succeed("inv.done_reversed", number=r.number)
    if h["status"] == "draft" and actor.may(f"inventory.{perm}.edit"):
        with st.expander(tr("inv.edit")):
            _form(h, d.lines)


# --- new / edit form -----------------------------------------------------------------------------------------
def _form(h: dict | None, lines: list[dict]) -> None:
    k = f"sd_form_{h['id'] if h else 'new'}"
    c1, c2 = st.columns(2)
    day = c1.date_input(tr("field.inv.date"), value=h["doc_date"] if h else dt.date.today(), key=f"{k}_date",
                        disabled=h is not None)
    whs = list(choices.warehouses)
    wh = c2.selectbox(tr("field.inv.warehouse"), whs, key=f"{k}_wh",
                      index=whs.index(h["warehouse_id"]) if h and h["warehouse_id"] in whs else 0,
                      format_func=lambda i: choices.warehouses[i]) if whs else None
    header: dict = {}
    if doc_type == "stock_transfer":
        c3, c4 = st.columns(2)
        to = c3.selectbox(tr("field.inv.to_warehouse"), whs, key=f"{k}_to",
                          index=whs.index(h["to_warehouse_id"]) if h and h.get("to_warehouse_id") in whs else 0,
                          format_func=lambda i: choices.warehouses[i]) if whs else None
        to_locs = [None, *choices.locations.get(to, {})]
        to_loc = c4.selectbox(tr("field.inv.to_location"), to_locs, key=f"{k}_to_loc",
                              format_func=lambda i: _label(choices.locations.get(to, {}), i))
        header = {"from_warehouse_id": wh, "to_warehouse_id": to, "to_location_id": to_loc,
                  "remarks": st.text_input(tr("field.inv.remarks"), value=h["remarks"] if h else "",
                                           key=f"{k}_remarks")}
    else:
        c3, c4 = st.columns(2)
        reason = c3.text_input(tr("field.inv.reason"), value=(h or {}).get("reason") or "", key=f"{k}_reason")
        accs = [None, *choices.accounts]
        acc_key = "counter_account" if doc_type == "other_receipt" else "expense_account"
        current = (h or {}).get(acc_key)
        acc = c4.selectbox(tr(f"inv.{acc_key}"), accs, key=f"{k}_acc", index=accs.index(current) if current in accs
                           else 0, format_func=lambda c: tr("inv.default_account") if c is None else choices.accounts[c])
        header = {"warehouse_id": wh, "reason": reason, acc_key: acc,
                  "remarks": st.text_input(tr("field.inv.remarks"), value=h["remarks"] if h else "",
                                           key=f"{k}_remarks")}
        if doc_type == "other_issue":
            c5, c6 = st.columns(2)
            deps, projs = [None, *choices.departments], [None, *choices.projects]
            header["department_id"] = c5.selectbox(
                tr("field.inv.department"), deps, key=f"{k}_dep",
                index=deps.index(h["department_id"]) if h and h["department_id"] in deps else 0,
                format_func=lambda i: _label(choices.departments, i))
            header["project_id"] = c6.selectbox(
                tr("field.inv.project"), projs, key=f"{k}_proj",
                index=projs.index(h["project_id"]) if h and h["project_id"] in projs else 0,
                format_func=lambda i: _label(choices.projects, i))
    n = int(st.number_input(tr("inv.line_count"), min_value=1, max_value=30, value=max(1, len(lines)),
                            key=f"{k}_n"))
    prods = list(choices.products)
    out = []
    for i in range(n):
        old = lines[i] if i < len(lines) else {}
        cols = st.columns([4, 2, 2, 3] if doc_type == "other_receipt" else [4, 2, 3])
        pid = cols[0].selectbox(tr("field.inv.product"), prods, key=f"{k}_p{i}",
                                index=prods.index(old["product_id"]) if old.get("product_id") in prods else 0,
                                format_func=lambda p: choices.products[p]) if prods else None
        qty = cols[1].text_input(tr("field.inv.quantity"), key=f"{k}_q{i}",
                                 value=_num(old["ordered_qty"]).replace(",", "") if old else "")
        row = {"product_id": pid, "quantity": qty.strip()}
        if doc_type == "other_receipt":
            row["unit_cost"] = cols[2].text_input(tr("field.inv.unit_cost"), key=f"{k}_c{i}",
                                                  value=_num(old["unit_price"]).replace(",", "") if old else "")
        if doc_type != "stock_transfer":
            wl = [None, *choices.locations.get(wh, {})]
            row["location_id"] = cols[-1].selectbox(tr("field.inv.location"), wl, key=f"{k}_l{i}",
                                                    format_func=lambda x: _label(choices.locations.get(wh, {}), x))
        out.append(row)
    if st.button(tr("inv.save"), key=f"{k}_save", type="primary"):
        create = {"other_receipt": S.create_other_receipt, "other_issue": S.create_other_issue,
                  "stock_transfer": S.create_transfer}[doc_type]
        update = {"other_receipt": S.update_other_receipt, "other_issue": S.update_other_issue,
                  "stock_transfer": S.update_transfer}[doc_type]
        if h is None:
            new_id = run_action(create, doc_date=day, lines=out, **header)
            if new_id is not None:
                st.session_state["sd_open"] = new_id
                succeed("inv.done_saved")
        elif run_action(update, doc_id=h["id"], version=h["version"], lines=out, **header) is not None:
            succeed("inv.done_saved")


numbers = {r["id"]: r["number"] for r in rows}
if numbers:
    opened = st.selectbox(tr("inv.open_document"), [None, *numbers], key="sd_open_select",
                          format_func=lambda i: tr("inv.none") if i is None else numbers[i])
    if opened is not None:
        _detail(opened)
if actor.may(f"inventory.{perm}.edit"):
    with st.expander(tr(f"inv.new.{doc_type}")):
        _form(None, [])
