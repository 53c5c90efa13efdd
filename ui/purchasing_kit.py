"""Streamlit pieces shared by the purchasing pages (pages/purchasing/*): the list filters and table with its
Excel export, one document shown with its lines, upstream / downstream documents and step history, and the
action buttons (destructive ones confirmed first). No business rules: erp_core.purchasing decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import streamlit as st

from erp_core.i18n import format as fmt
from ui.context import locale
from ui.i18n import tr
from ui.safe import md_escape, text_line
from ui.settings_kit import done, export_buttons, succeed, table

STATUSES = ("draft", "submitted", "confirmed", "sent", "closed", "cancelled", "posted", "reversed")
PROGRESS = ("open", "partly_received", "received", "to_invoice", "completed")
DESTRUCTIVE = ("cancel", "close", "reverse", "post")
PAGES = {"purchase_order": "pages/purchasing/orders.py", "purchase_receipt": "pages/purchasing/receipts.py",
         "purchase_invoice": "pages/purchasing/invoices.py", "purchase_return": "pages/purchasing/returns.py",
         "purchase_requisition": "pages/purchasing/requisitions.py"}
OPEN_KEY = "pur_open"  # (doc_type, id): the document another page asked to show


def num(value: Any, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    return fmt.format_number(Decimal(value), locale(), places) if places is not None else \
        fmt.format_number(Decimal(value).normalize(), locale())


def status_label(s: str) -> str:
    return tr(f"purchasing.status.{s}") if s else ""


def progress_label(p: str) -> str:
    return tr(f"purchasing.progress.{p}") if p else ""


def filters(key: str, suppliers: dict[int, str], statuses: Sequence[str], *, with_progress: bool = False
            ) -> dict[str, Any]:
    """Supplier, status (and progress), date range and number: the list's filters."""
    c1, c2, c3 = st.columns([3, 2, 2])
    supplier_id = c1.selectbox(tr("field.purchasing.supplier"), [None, *suppliers], key=f"{key}_sup",
                               format_func=lambda i: tr("purchasing.all") if i is None else suppliers[i])
    status = c2.selectbox(tr("purchasing.col.status"), [None, *statuses], key=f"{key}_status",
                          format_func=lambda s: tr("purchasing.all") if s is None else status_label(s))
    out: dict[str, Any] = {"supplier_id": supplier_id, "status": status}
    if with_progress:
        out["progress"] = c3.selectbox(tr("purchasing.col.progress"), [None, *PROGRESS], key=f"{key}_progress",
                                       format_func=lambda p: tr("purchasing.all") if p is None else progress_label(p))
    c4, c5, c6 = st.columns([2, 2, 3])
    out["date_from"] = c4.date_input(tr("purchasing.date_from"), value=None, key=f"{key}_from")
    out["date_to"] = c5.date_input(tr("purchasing.date_to"), value=None, key=f"{key}_to")
    out["number"] = c6.text_input(tr("purchasing.col.number"), key=f"{key}_number")
    return out


def list_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], name: str, key: str) -> None:
    """The list, with CSV / Excel downloads of the same rows."""
    formatters: dict[str, Callable[[Any], Any]] = {
        "status": status_label, "progress": progress_label, "total": lambda v: num(v, 2),
        "tax_total": lambda v: num(v, 2), "doc_date": lambda d: d.isoformat() if d else "",
        "delivery_date": lambda d: d.isoformat() if d else "",
        "vat_kind": lambda v: tr(f"purchasing.vat_kind.{v}") if v else "",
        "red": lambda v: tr("purchasing.red") if v else ""}
    table(rows, columns, formatters)
    plain = [{k: (formatters[k](r.get(k)) if k in formatters else r.get(k)) for k, _ in columns} for r in rows]
    export_buttons(plain, columns, name, key)


def pick(rows: list[dict[str, Any]], key: str, doc_type: str) -> int | None:
    """Which listed document to open (another page may have asked for one: OPEN_KEY)."""
    asked = st.session_state.pop(OPEN_KEY, None)
    ids = [r["id"] for r in rows]
    if asked and asked[0] == doc_type:
        if asked[1] not in ids:
            ids.insert(0, asked[1])
        st.session_state[key] = asked[1]
    if not ids:
        return None
    labels = {r["id"]: f"{r['number']} · {r['supplier']} · {num(r['total'], 2)}" for r in rows}
    return st.selectbox(tr("purchasing.open"), ids, key=key, format_func=lambda i: labels.get(i, str(i)))


def header(doc: dict[str, Any], extra: Sequence[tuple[str, Any]] = ()) -> None:
    st.subheader(md_escape(doc["number"]))
    lines = [text_line(tr("field.purchasing.supplier"), doc["supplier"]),
             text_line(tr("purchasing.col.doc_date"), doc["doc_date"].isoformat()),
             text_line(tr("purchasing.col.status"), status_label(doc["status"])),
             text_line(tr("purchasing.col.total"), num(doc["total"], 2))]
    lines += [text_line(label, value) for label, value in extra]
    if doc.get("remarks"):
        lines.append(text_line(tr("purchasing.remarks"), doc["remarks"]))
    if doc.get("reverses_id"):
        lines.append(text_line(tr("purchasing.red"), tr("purchasing.red_copy")))
    st.markdown("  \n".join(lines))


def links(doc: dict[str, Any]) -> None:
    """查看上游 / 下游单据: each linked document with a button that opens it on its own page."""
    for side in ("upstream", "downstream"):
        refs = doc["links"][side]
        seen: dict[tuple[str, int], dict[str, Any]] = {}
        for r in refs:
            seen.setdefault((r["doc_type"], r["doc_id"]), r)
        st.markdown(f"**{tr('purchasing.' + side)}**")
        if not seen:
            st.caption(tr("purchasing.none"))
            continue
        zh = locale().startswith("zh")
        for (t, i), r in seen.items():
            label = f"{r['type_zh'] if zh else r['type_en']} {r['number']}"
            if st.button(label, key=f"pur_link_{side}_{t}_{i}") and t in PAGES:
                st.session_state[OPEN_KEY] = (t, i)
                st.switch_page(PAGES[t])


def steps(doc: dict[str, Any]) -> None:
    table(doc["steps"], [("at", "purchasing.col.at"), ("username", "purchasing.col.user"),
                         ("action", "purchasing.col.action"), ("to_status", "purchasing.col.status"),
                         ("comment", "purchasing.col.comment")],
          {"action": lambda a: tr(f"purchasing.action.{a}"), "to_status": status_label,
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
                sure = st.checkbox(tr("purchasing.sure", action=tr(f"purchasing.action.{action}")),
                                   key=f"{key}_{action}_ok_{doc['id']}")
                pressed = st.button(tr(f"purchasing.action.{action}"), key=f"{key}_{action}_{doc['id']}",
                                    disabled=not sure, type="primary")
            else:
                pressed = st.button(tr(f"purchasing.action.{action}"), key=f"{key}_{action}_{doc['id']}")
            if pressed:
                kwargs = {id_key: doc["id"]}
                if action not in ("reverse",):
                    kwargs["version"] = doc["version"]
                if done(calls[action], **kwargs):
                    succeed("purchasing.done", action=tr(f"purchasing.action.{action}"), number=doc["number"])


def today() -> dt.date:
    return dt.date.today()


def dec(text: Any) -> Decimal | str:
    """A typed number as Decimal ('' stays ''): the use case names any bad value with its field and line."""
    s = str(text or "").strip().replace(",", "")
    try:
        return Decimal(s) if s else ""
    except ArithmeticError:
        return s


def new_or_list(actor: Any, *, prefix: str, from_key: str, right: str, make_title: str, nav_title: str,
                form: Callable[[str, Any, Any], None], hint: str | None = None) -> None:
    """The routing every downstream document page shares: the form opened from an upstream document
    ("生成下游单据", ``st.session_state[from_key]`` = the form's two arguments), else the list / new sections.
    Stops the page unless the list is to be drawn."""
    from ui.sections import section

    came_from = st.session_state.get(from_key)
    if came_from and actor.may(right):
        st.subheader(tr(make_title))
        form(f"{prefix}_from", came_from[0], came_from[1])
        if st.button(tr("purchasing.back_to_list"), key=f"{prefix}_from_close"):
            st.session_state.pop(from_key, None)
            st.rerun()
        st.stop()
    if section(f"{prefix}_section", ("list", "new"), "purchasing.section.", tr(nav_title)) == "new":
        if actor.may(right):
            if hint:
                st.caption(tr(hint))
            form(f"{prefix}_new", None, None)
        else:
            st.info(tr("purchasing.no_right"))
        st.stop()
