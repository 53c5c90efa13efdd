"""Tax rates (税率): dated rates per code; list with search, kind and date filters; add and edit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import streamlit as st

from erp_core.settings.models import TAX_KINDS
from erp_core.settings.tax_queries import list_tax_rates
from erp_core.settings.tax_services import create_tax_rate, edit_tax_rate
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import done, export_buttons, loaded_version, pager, show_flash, succeed, table

F = "field.settings.tax."
PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.settings.tax_rates"))
help_link("settings", "tax")  # "?" to this page's part of the help centre
show_flash()
zh = locale().startswith("zh")


def _kind(k: str | None) -> str:
    return tr("settings.all") if k is None else tr(f"settings.tax.kind.{k}")


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else f"{(rate * 100).normalize():f}%"


def _fraction(text: str) -> Decimal | str:
    """The form takes a percentage (13 or 13%); the core takes a fraction. Unparseable text goes through as
    is, so the core names the field in its message."""
    try:
        return Decimal(text.strip().rstrip("%").strip()) / 100
    except (InvalidOperation, AttributeError):
        return text


c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
search = c1.text_input(tr("settings.search"), key="tx_search")
kind = c2.selectbox(tr(F + "kind"), [None, *TAX_KINDS], format_func=_kind, key="tx_kind")
use_day = c3.checkbox(tr("settings.tax.valid_on"), key="tx_use_day")
day = c4.date_input(tr("settings.tax.valid_on_date"), value=dt.date.today(), key="tx_day", disabled=not use_day)
sort = c1.selectbox(tr("settings.sort"), ["code", "rate", "valid_from", "kind"], key="tx_sort",
                    format_func=lambda s: tr(F + s))
desc = c2.checkbox(tr("settings.descending"), key="tx_desc")
page = st.session_state.get("tx_page", 1)
result = run_action(list_tax_rates, search=search, kind=kind, on=day if use_day else None, sort=sort,
                    descending=desc, page=page, page_size=PAGE_SIZE)
if result is None:
    st.stop()
pager(result.total, PAGE_SIZE, "tx_page")
columns = [("code", F + "code"), ("name", F + "name_zh" if zh else F + "name_en"), ("kind", F + "kind"),
           ("rate_pct", F + "rate"), ("valid_from", F + "valid_from"), ("valid_to", F + "valid_to")]
rows = [r | {"name": r["name_zh"] if zh else r["name_en"], "rate_pct": _percent(r["rate"]),
             "kind": _kind(r["kind"])} for r in result.rows]
table(rows, columns)
export_buttons(rows, columns, "tax_rates", "tx_export")

if actor.may("settings.tax.create"):
    with st.expander(tr("settings.tax.add"), icon=":material/add:"):
        with st.form("tx_add", clear_on_submit=True):
            c1, c2, c3 = st.columns(3)
            code = c1.text_input(tr(F + "code"), max_chars=20, key="tx_new_code")
            name_zh = c2.text_input(tr(F + "name_zh"), max_chars=100, key="tx_new_name_zh")
            name_en = c3.text_input(tr(F + "name_en"), max_chars=100, key="tx_new_name_en")
            new_kind = c1.selectbox(tr(F + "kind"), TAX_KINDS, format_func=_kind, key="tx_new_kind")
            rate = c2.text_input(tr("settings.tax.rate_percent"), key="tx_new_rate")
            valid_from = c3.date_input(tr(F + "valid_from"), value=dt.date.today())
            open_ended = c1.checkbox(tr("settings.tax.open_ended"), value=True)
            valid_to = c2.date_input(tr(F + "valid_to"), value=dt.date.today())
            add = st.form_submit_button(tr("settings.add"), type="primary", key="tx_add_submit")
        if add and done(create_tax_rate, code=code, name_zh=name_zh, name_en=name_en, kind=new_kind,
                        rate=_fraction(rate), valid_from=valid_from, valid_to=None if open_ended else valid_to):
            succeed()

if actor.may("settings.tax.edit") and result.rows:
    st.subheader(tr("settings.edit"))
    labels = {r["id"]: f"{r['code']} {_percent(r['rate'])} ({r['valid_from']})" for r in result.rows}
    picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="tx_pick")
    row = next(r for r in result.rows if r["id"] == picked)
    ver = loaded_version(f"tx_ver_{picked}", row["version"])
    with st.form(f"tx_edit_{picked}"):
        c1, c2, c3 = st.columns(3)
        code = c1.text_input(tr(F + "code"), value=row["code"], max_chars=20)
        name_zh = c2.text_input(tr(F + "name_zh"), value=row["name_zh"], max_chars=100)
        name_en = c3.text_input(tr(F + "name_en"), value=row["name_en"], max_chars=100)
        e_kind = c1.selectbox(tr(F + "kind"), TAX_KINDS, index=TAX_KINDS.index(row["kind"]), format_func=_kind)
        rate = c2.text_input(tr("settings.tax.rate_percent"), value=_percent(row["rate"]).rstrip("%"))
        valid_from = c3.date_input(tr(F + "valid_from"), value=row["valid_from"])
        open_ended = c1.checkbox(tr("settings.tax.open_ended"), value=row["valid_to"] is None)
        valid_to = c2.date_input(tr(F + "valid_to"), value=row["valid_to"] or dt.date.today())
        save = st.form_submit_button(tr("settings.save"), type="primary")
    if save and done(edit_tax_rate, tax_rate_id=picked, version=ver, code=code, name_zh=name_zh, name_en=name_en,
                     kind=e_kind, rate=_fraction(rate), valid_from=valid_from,
                     valid_to=None if open_ended else valid_to):
        succeed(forget=[f"tx_ver_{picked}"])
