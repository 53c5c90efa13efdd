"""销售设置: the discount limit % (a larger discount needs approval), credit control over the limit (block /
approval / off) and whether reservations may exceed the stock on hand."""

from __future__ import annotations

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from erp_core.sales.models import CREDIT_CONTROLS
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.settings_kit import done, show_flash, succeed

actor = require_actor()
st.title(tr("nav.sales.settings"))
show_flash()
cfg = run_action(sq.sales_setting)
if cfg is None:
    st.stop()
with st.form("sales_settings"):
    pct = st.text_input(tr("field.sales.max_discount_pct"), value=kit.num(cfg["max_discount_pct"]))
    control = st.selectbox(tr("field.sales.credit_control"), CREDIT_CONTROLS,
                           index=CREDIT_CONTROLS.index(cfg["credit_control"]),
                           format_func=lambda c: tr(f"sales.credit_control.{c}"))
    over = st.checkbox(tr("sales.allow_over_reserve"), value=cfg["allow_over_reserve"])
    saved = st.form_submit_button(tr("sales.save"), type="primary", disabled=not actor.may("sales.setting.edit"))
if saved and done(ss.set_sales_setting, max_discount_pct=kit.dec(pct) or "0", credit_control=control,
                  allow_over_reserve=over):
    succeed("sales.saved")
