"""Print view of a voucher (记账凭证打印): the usual paper layout with the amount in capital numerals;
the browser's print command prints it."""

from __future__ import annotations

import streamlit as st

from erp_core.finance.print_queries import voucher_signatures
from erp_core.finance.print_view import voucher_html
from erp_core.finance.queries import get_voucher, list_vouchers
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.finance_kit import VIEW_KEY
from ui.i18n import tr

require_actor()
loc = locale()
st.title(tr("nav.finance.voucher_print"))

recent = run_action(list_vouchers, limit=300) or []
options = [r.id for r in recent]
current = st.session_state.get(VIEW_KEY)
if current is not None and current not in options:
    options.insert(0, current)
if not options:
    st.info(tr("finance.print.none"))
    st.stop()
labels = {r.id: f"{r.period} {r.display_no}  {r.summary}" for r in recent}
picked = st.selectbox(tr("finance.print.pick"), options, index=options.index(current) if current in options else 0,
                      format_func=lambda i: labels.get(i, str(i)))
st.session_state[VIEW_KEY] = picked
detail = run_action(get_voucher, voucher_id=picked)
if detail is None:
    st.stop()
st.caption(tr("finance.print.hint"))
signatures = run_action(voucher_signatures, voucher_id=picked)  # people's names, not login names
st.html(voucher_html(detail, loc, signatures=signatures))
