"""Stocktakes (盘点): the list with filters and Excel export; a new stocktake freezing the book quantities of a
warehouse as of a day; counting on the page or through the count sheet (download, fill in, upload); posting the
variances (confirmed); the write-off of the result (盘点损溢处理, approved through 我的待办 when a rule asks for
it) and red reversal."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.stockops import queries
from erp_core.stockops import stocktake_services as T
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.settings_kit import confirmed_button, pager, show_flash, succeed, table

PAGE_SIZE = 50
actor = require_actor()
loc = locale()
st.title(tr("nav.inventory.stocktakes"))
help_link("inventory", "stocktake")  # "?" to this page's part of the help centre
show_flash()
choices = run_action(queries.stock_form_choices)
if choices is None:
    st.stop()


def _num(v):
    return "" if v is None else fmt.format_number(v, loc)


def _money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


c1, c2, c3 = st.columns([2, 2, 3])
status = c1.selectbox(tr("inv.col.status"), [None, "counting", "posted", "reversed", "cancelled"], key="stk_status",
                      format_func=lambda s: tr("inv.all") if s is None else tr(f"inv.status.{s}"))
warehouse_id = c2.selectbox(tr("field.inv.warehouse"), [None, *choices.warehouses], key="stk_wh",
                            format_func=lambda i: tr("inv.all") if i is None else choices.warehouses[i])
search = c3.text_input(tr("inv.search"), key="stk_search")
filters = {"doc_type": "stocktake", "status": status, "warehouse_id": warehouse_id, "search": search}
first = run_action(queries.list_stock_documents, **filters, page=1, page_size=PAGE_SIZE)
if first is None:
    st.stop()
rows = []
if not first.total:
    st.info(tr("inv.documents_empty"))
else:
    page = pager(first.total, PAGE_SIZE, "stk_page")
    result = first if page == 1 else run_action(queries.list_stock_documents, **filters, page=page,
                                                page_size=PAGE_SIZE)
    rows = result.rows if result else []
    table(rows, [("number", "inv.col.number"), ("as_of", "field.inv.as_of"), ("doc_date", "inv.col.doc_date"),
                 ("status", "inv.col.status"), ("warehouse_code", "inv.col.warehouse_code"),
                 ("total", "inv.col.total")],
          formatters={"status": lambda s: tr(f"inv.status.{s}"), "doc_date": lambda d: d.isoformat(),
                      "as_of": lambda d: d.isoformat() if d else "", "total": _money})
    if actor.may(queries.EXPORT[0]):
        f = run_action(queries.export_stock_documents, fmt="xlsx", locale=loc, **filters)
        if f is not None:
            st.download_button(tr("inv.export_xlsx"), f.data, file_name=f.filename, mime=f.mime, key="stk_xlsx",
                               icon=":material/download:")


def _writeoff(h: dict) -> None:
    w = run_action(queries.list_stock_documents, doc_type="stocktake_writeoff", search="", page_size=200)
    mine = [r for r in (w.rows if w else []) if r.get("stocktake_id") == h["id"] and r["status"] != "cancelled"
            and r["reverses_id"] is None]
    st.markdown("**" + tr("inv.writeoff") + "**")
    if not mine:
        if actor.may("inventory.stocktake.writeoff") and st.button(tr("inv.writeoff_create"), key="stk_wo_new"):
            if run_action(T.create_writeoff, stocktake_id=h["id"]) is not None:
                succeed("inv.done_writeoff_created")
        return
    r = mine[-1]
    st.caption(md("inv.writeoff_caption", number=r["number"], status=tr(f"inv.status.{r['status']}"),
                  gain=_money(r["gain_amount"]), loss=_money(r["loss_amount"])))
    if r["status"] == "draft" and actor.may("inventory.stocktake.writeoff"):
        if confirmed_button("inv.post", "inv.confirm_post", "stk_wo_post", number=r["number"]):
            if run_action(T.post_writeoff, writeoff_id=r["id"], version=r["version"]) is not None:
                succeed("inv.done_posted", number=r["number"])
    elif r["status"] == "posted" and r["reversed_by_id"] is None and actor.may("inventory.stocktake.writeoff"):
        if confirmed_button("inv.reverse", "inv.confirm_reverse", "stk_wo_reverse", number=r["number"]):
            if run_action(T.reverse_writeoff, writeoff_id=r["id"], version=r["version"]) is not None:
                succeed("inv.done_reversed", number=r["number"])


def _detail(stocktake_id: int) -> None:
    d = run_action(queries.stocktake_detail, stocktake_id=stocktake_id)
    if d is None:
        return
    h = d.header
    st.subheader(md("inv.document_title", number=h["number"]))
    st.caption(md("inv.stocktake_caption", as_of=h["as_of"].isoformat() if h["as_of"] else "",
                  status=tr(f"inv.status.{h['status']}"),
                  warehouse=f"{h.get('warehouse_code') or ''} {h.get('warehouse_name') or ''}",
                  total=_money(h["total"])))
    counting = h["status"] == "counting" and actor.may("inventory.stocktake.edit")
    table(d.lines, [("line_no", "field.inv.line_no"), ("location_code", "inv.col.location_code"),
                    ("product_code", "inv.col.product_code"), ("product_name", "inv.col.product_name"),
                    ("book_qty", "field.inv.book_qty"), ("counted_qty", "field.inv.counted_qty"),
                    ("variance", "inv.col.variance"), ("amount", "inv.col.amount")],
          formatters={"book_qty": _num, "counted_qty": _num, "variance": _num, "amount": _money})
    f = run_action(queries.export_count_sheet, stocktake_id=stocktake_id, locale=loc)
    if f is not None:
        st.download_button(tr("inv.count_sheet"), f.data, file_name=f.filename, mime=f.mime, key="stk_sheet",
                           icon=":material/download:")
    if counting:
        with st.expander(tr("inv.count_on_page")):
            counts = []
            for ln in d.lines:
                v = st.text_input(md("inv.count_label", line=ln["line_no"], product=ln["product_code"] or "",
                                     name=ln["product_name"] or "", book=_num(ln["book_qty"])),
                                  value="" if ln["counted_qty"] is None else _num(ln["counted_qty"]).replace(",", ""),
                                  key=f"stk_c_{stocktake_id}_{ln['line_no']}")
                counts.append({"line_no": ln["line_no"], "counted_qty": v.strip() or None})
            if st.button(tr("inv.save"), key="stk_save_counts", type="primary"):
                if run_action(T.record_counts, stocktake_id=stocktake_id, version=h["version"],
                              counts=counts) is not None:
                    succeed("inv.done_saved")
        up = st.file_uploader(tr("inv.upload_count_sheet"), type=["xlsx", "csv"], key="stk_upload")
        if up is not None and st.button(tr("inv.import_counts"), key="stk_import"):
            report = run_action(T.check_count_sheet, stocktake_id=stocktake_id, data=up.getvalue(),
                                filename=up.name)
            if report is not None and report.problems:
                st.error(tr("import.dry_run_failed", count=len(report.problems)))
                st.dataframe([{tr("field.inv.line_no"): p.row or "", tr("inv.col.column"): p.column,
                               tr("inv.col.problem"): p.reason(loc)} for p in report.problems], hide_index=True)
            elif report is not None and run_action(T.import_count_sheet, stocktake_id=stocktake_id,
                                                   data=up.getvalue(), filename=up.name,
                                                   version=h["version"]) is not None:
                succeed("inv.done_saved")
        c1, c2 = st.columns(2)
        with c1:
            if actor.may("inventory.stocktake.post") and confirmed_button(
                    "inv.post", "inv.confirm_post", "stk_post", number=h["number"]):
                r = run_action(T.post_stocktake, stocktake_id=stocktake_id, version=h["version"])
                if r is not None:
                    succeed("inv.done_posted", number=r.number)
        with c2:
            if confirmed_button("inv.cancel", "inv.confirm_cancel", "stk_cancel", number=h["number"]):
                if run_action(T.cancel_stocktake, stocktake_id=stocktake_id, version=h["version"]) is not None:
                    succeed("inv.done_cancelled", number=h["number"])
    if h["status"] == "posted" and h["reverses_id"] is None:
        _writeoff(h)
        if actor.may("inventory.stocktake.reverse") and confirmed_button(
                "inv.reverse", "inv.confirm_reverse", "stk_reverse", number=h["number"]):
            r = run_action(T.reverse_stocktake, stocktake_id=stocktake_id, version=h["version"])
            if r is not None:
                succeed("inv.done_reversed", number=r.number)


numbers = {r["id"]: r["number"] for r in rows}
if numbers:
    opened = st.selectbox(tr("inv.open_document"), [None, *numbers], key="stk_open",
                          format_func=lambda i: tr("inv.none") if i is None else numbers[i])
    if opened is not None:
        _detail(opened)

if actor.may("inventory.stocktake.edit") and choices.warehouses:
    with st.expander(tr("inv.new.stocktake")):
        c1, c2, c3 = st.columns(3)
        whs = list(choices.warehouses)
        wh = c1.selectbox(tr("field.inv.warehouse"), whs, key="stk_new_wh", format_func=lambda i: choices.warehouses[i])
        locs = [None, *choices.locations.get(wh, {})]
        loc_id = c2.selectbox(tr("field.inv.location"), locs, key="stk_new_loc",
                              format_func=lambda i: tr("inv.all") if i is None else choices.locations[wh][i])
        as_of = c3.date_input(tr("field.inv.as_of"), value=dt.date.today(), key="stk_new_as_of")
        if st.button(tr("inv.start_stocktake"), key="stk_new_go", type="primary"):
            if run_action(T.start_stocktake, warehouse_id=wh, location_id=loc_id, as_of=as_of) is not None:
                succeed("inv.done_saved")
