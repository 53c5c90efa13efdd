"""Streamlit pieces shared by the sales pages (pages/sales/*): list filters and table with its export, picking a
listed document, one document's header, links and step history, and the action buttons (destructive ones
confirmed first). No business rules: erp_core.sales decides. Numbers and dates through purchasing_kit's helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui.context import locale
from ui.i18n import tr
from ui.purchasing_kit import dec, num, today  # noqa: F401  (re-exported for the sales pages)
from ui.safe import md_escape, text_line
from ui.settings_kit import done, export_buttons, succeed, table

PROGRESS = ("open", "partly_received", "received", "to_invoice", "completed")
DESTRUCTIVE = ("cancel", "close", "reverse", "post", "reject")
PAGES = {"sales_quotation": "pages/sales/quotations.py", "sales_order": "pages/sales/orders.py",
         "sales_delivery": "pages/sales/deliveries.py", "sales_return": "pages/sales/returns.py"}
OPEN_KEY = "sales_open"  # (doc_type, id): the document another page asked to show


def status_label(s: str) -> str:
    return tr(f"sales.status.{s}") if s else ""


def progress_label(p: str) -> str:
    return tr(f"sales.progress.{p}") if p else ""


def filters(key: str, customers: dict[int, str], statuses: Sequence[str], *, with_progress: bool = False
            ) -> dict[str, Any]:
    c1, c2, c3 = st.columns([3, 2, 2])
    customer_id = c1.selectbox(tr("field.sales.customer"), [None, *customers], key=f"{key}_cus",
                               format_func=lambda i: tr("sales.all") if i is None else customers[i])
    status = c2.selectbox(tr("sales.col.status"), [None, *statuses], key=f"{key}_status",
                          format_func=lambda s: tr("sales.all") if s is None else status_label(s))
    out: dict[str, Any] = {"customer_id": customer_id, "status": status}
    if with_progress:
        out["progress"] = c3.selectbox(tr("sales.col.progress"), [None, *PROGRESS], key=f"{key}_progress",
                                       format_func=lambda p: tr("sales.all") if p is None else progress_label(p))
    c4, c5, c6 = st.columns([2, 2, 3])
    out["date_from"] = c4.date_input(tr("sales.date_from"), value=None, key=f"{key}_from")
    out["date_to"] = c5.date_input(tr("sales.date_to"), value=None, key=f"{key}_to")
    out["number"] = c6.text_input(tr("sales.col.number"), key=f"{key}_number")
    return out


def formatters() -> dict[str, Callable[[Any], Any]]:
    return {"status": status_label, "progress": progress_label, "total": lambda v: num(v, 2),
            "tax_total": lambda v: num(v, 2), "cost_total": lambda v: num(v, 2),
            "doc_date": lambda d: d.isoformat() if d else "", "delivery_date": lambda d: d.isoformat() if d else "",
            "valid_until": lambda d: d.isoformat() if d else "",
            "shipping_method": lambda m: tr(f"sales.method.{m}") if m else "",
            "red": lambda v: tr("sales.red") if v else ""}


def list_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], name: str, key: str) -> None:
    f = formatters()
    table(rows, columns, f)
    plain = [{k: (f[k](r.get(k)) if k in f else r.get(k)) for k, _ in columns} for r in rows]
    export_buttons(plain, columns, name, key)


def pick(rows: list[dict[str, Any]], key: str, doc_type: str) -> int | None:
    asked = st.session_state.pop(OPEN_KEY, None)
    ids = [r["id"] for r in rows]
    if asked and asked[0] == doc_type:
        if asked[1] not in ids:
            ids.insert(0, asked[1])
        st.session_state[key] = asked[1]
    if not ids:
        return None
    labels = {r["id"]: f"{r['number']} · {r['customer']} · {num(r['total'], 2)}" for r in rows}
    return st.selectbox(tr("sales.open"), ids, key=key, format_func=lambda i: labels.get(i, str(i)))


def header(doc: dict[str, Any], extra: Sequence[tuple[str, Any]] = ()) -> None:
    st.subheader(md_escape(doc["number"]))
    lines = [text_line(tr("field.sales.customer"), doc["customer"]),
             text_line(tr("sales.col.doc_date"), doc["doc_date"].isoformat()),
             text_line(tr("sales.col.status"), status_label(doc["status"])),
             text_line(tr("sales.col.total"), num(doc["total"], 2))]
    lines += [text_line(label, value) for label, value in extra]
    if doc.get("remarks"):
        lines.append(text_line(tr("sales.remarks"), doc["remarks"]))
    if doc.get("reverses_id"):
        lines.append(text_line(tr("sales.red"), tr("sales.red_copy")))
    st.markdown("  \n".join(lines))


def links(doc: dict[str, Any]) -> None:
    for side in ("upstream", "downstream"):
        seen: dict[tuple[str, int], dict[str, Any]] = {}
        for r in doc["links"][side]:
            seen.setdefault((r["doc_type"], r["doc_id"]), r)
        st.markdown(f"**{tr('sales.' + side)}**")
        if not seen:
            st.caption(tr("sales.none"))
            continue
        zh = locale().startswith("zh")
        for (t, i), r in seen.items():
            label = f"{r['type_zh'] if zh else r['type_en']} {r['number']}"
            if st.button(label, key=f"sales_link_{side}_{t}_{i}") and t in PAGES:
                st.session_state[OPEN_KEY] = (t, i)
                st.switch_page(PAGES[t])


def steps(doc: dict[str, Any]) -> None:
    table(doc["steps"], [("at", "sales.col.at"), ("username", "sales.col.user"), ("action", "sales.col.action"),
                         ("to_status", "sales.col.status"), ("comment", "sales.col.comment")],
          {"action": lambda a: tr(f"sales.action.{a}"), "to_status": status_label,
           "at": lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""})


def actions(actor: Any, doc: dict[str, Any], prefix: str, calls: dict[str, Callable[..., Any]], id_key: str,
            key: str) -> None:
    """A button per allowed action the actor holds; cancel / close / post / reverse need "I am sure" first."""
    allowed = [a for a in doc["actions"] if a in calls and actor.may(f"{prefix}.{a}")]
    if not allowed:
        return
    cols = st.columns(len(allowed))
    for col, action in zip(cols, allowed, strict=True):
        with col:
            if action in DESTRUCTIVE:
                sure = st.checkbox(tr("sales.sure", action=tr(f"sales.action.{action}")),
                                   key=f"{key}_{action}_ok_{doc['id']}")
                pressed = st.button(tr(f"sales.action.{action}"), key=f"{key}_{action}_{doc['id']}",
                                    disabled=not sure, type="primary")
            else:
                pressed = st.button(tr(f"sales.action.{action}"), key=f"{key}_{action}_{doc['id']}")
            if pressed:
                kwargs = {id_key: doc["id"]}
                if action not in ("reverse",):
                    kwargs["version"] = doc["version"]
                if done(calls[action], **kwargs):
                    succeed("sales.done", action=tr(f"sales.action.{action}"), number=doc["number"])


def qty_formats(*keys: str, money: Sequence[str] = ()) -> dict[str, Callable[[Any], Any]]:
    return {k: num for k in keys} | {k: (lambda v: num(v, 2)) for k in money} | \
        {"tax_rate": lambda v: f"{num(v * 100)}%", "discount_pct": lambda v: f"{num(v)}%"}
