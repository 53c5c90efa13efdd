"""采购设置: the over-receipt tolerance (超收容差 %) and how supplier invoices are booked against the 暂估
(单到回冲: red the accrual, then book at the invoice price; 单到补差: book only the difference)."""

from __future__ import annotations

import streamlit as st

from erp_core.purchasing.queries import purchase_setting
from erp_core.purchasing.services import set_purchase_setting
from ui import purchasing_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import done, show_flash, succeed

actor = require_actor()
st.title(tr("nav.purchasing.settings"))
help_link("purchasing", "invoices")  # "?" to this page's part of the help centre
show_flash()
current = run_action(purchase_setting)
if current is None:
    st.stop()
METHODS = ("reverse", "difference")
with st.form("pur_set"):
    pct = st.text_input(tr("field.purchasing.over_receipt_pct"), value=kit.num(current["over_receipt_pct"]),
                        key="pur_set_pct")
    method = st.radio(tr("field.purchasing.invoice_method"), METHODS, key="pur_set_method",
                      index=METHODS.index(current["invoice_method"]),
                      format_func=lambda m: tr(f"purchasing.method.{m}"))
    st.caption(tr("purchasing.method_hint"))
    saved = st.form_submit_button(tr("purchasing.save"), type="primary", key="pur_set_save",
                                  disabled=not actor.may("purchasing.setting.edit"))
if saved and done(set_purchase_setting, over_receipt_pct=kit.dec(pct), invoice_method=method):
    succeed("purchasing.saved")
