"""Inventory settings (库存参数): whether negative stock is allowed (是否允许负库存). Off (the default) refuses every
outbound move that would take a product below zero in a warehouse; on posts it and shows a warning."""

from __future__ import annotations

import streamlit as st

from erp_core.stockops import queries
from erp_core.stockops import services as S
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import show_flash, succeed

actor = require_actor()
st.title(tr("nav.inventory.settings"))
help_link("inventory", "negative")  # "?" to this page's part of the help centre
show_flash()
current = run_action(queries.inventory_setting)
if current is None:
    st.stop()
allow = st.toggle(tr("inv.allow_negative"), value=current["allow_negative_stock"], key="inv_allow_negative")
st.caption(tr("inv.allow_negative_hint"))
if st.button(tr("inv.save"), key="inv_settings_save", type="primary", disabled=allow == current["allow_negative_stock"]):
    if run_action(S.set_inventory_setting, allow_negative_stock=allow, version=current["version"]) is not None:
        succeed("inv.done_saved")
