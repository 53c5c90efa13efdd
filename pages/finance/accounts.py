"""Chart of accounts (会计科目): the tree, and create / edit / freeze / delete."""

from __future__ import annotations

import streamlit as st

from erp_core.finance.account_services import (
    create_account,
    delete_account,
    set_account_frozen,
    update_account,
    upgrade_account,
)
from erp_core.finance.queries import list_accounts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.finance_kit import done, flash, show_flash
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md

F = "field.finance.account."
AUX = ("customer", "supplier", "department", "project", "employee", "product")
CATEGORIES = ("asset", "liability", "common", "equity", "cost", "profit_loss")

actor = require_actor()
loc = locale()
st.title(tr("nav.finance.accounts"))
help_link("finance", "s1")  # "?" to this page's part of the help centre
show_flash()

accounts = run_action(list_accounts)
if accounts is None:
    st.stop()

c1, c2, c3 = st.columns([2, 1, 1])
search = c1.text_input(tr("finance.search_account"), key="acc_search")
category = c2.selectbox(tr(F + "category"), ["", *CATEGORIES], key="acc_cat",
                        format_func=lambda c: tr(f"finance.category.{c}") if c else tr("finance.all"))
show_frozen = c3.toggle(tr("finance.show_frozen"), value=True, key="acc_frozen")

rows = []
for a in accounts:
    if search and search.strip() not in a.code and search.strip().lower() not in (a.name + a.name_en).lower():
        continue
    if category and a.category != category:
        continue
    if not show_frozen and a.status != "active":
        continue
    rows.append({tr(F + "code"): a.code,
                 tr(F + "name"): "　" * (a.level - 1) + (a.name_en if loc == "en" and a.name_en else a.name),
                 tr(F + "category"): tr(f"finance.category.{a.category}"),
                 tr(F + "direction"): tr(f"finance.direction.{a.direction}"),
                 tr(F + "aux"): "、".join(tr(f"field.finance.dim.{d}") for d in a.aux.split(",") if d),
                 tr("finance.leaf"): a.is_leaf,
                 tr("finance.status"): tr(f"finance.account_status.{a.status}")})
st.caption(tr("finance.count", count=len(rows)))
st.dataframe(rows, hide_index=True, width="stretch", height=420)

labels = {a.id: a.label(loc) for a in accounts}
by_id = {a.id: a for a in accounts}

if actor.may("finance.account.create"):
    with st.expander(tr("finance.account.add"), icon=":material/add:"):
        st.caption(tr("finance.account.add_hint"))
        with st.form("acc_add", clear_on_submit=True):
            a1, a2, a3 = st.columns(3)
            code = a1.text_input(tr(F + "code"), max_chars=40)
            name = a2.text_input(tr(F + "name"), max_chars=100)
            name_en = a3.text_input(tr(F + "name_en"), max_chars=200)
            b1, b2, b3 = st.columns(3)
            cat = b1.selectbox(tr(F + "category"), CATEGORIES, format_func=lambda c: tr(f"finance.category.{c}"))
            direction = b2.selectbox(tr(F + "direction"), ("debit", "credit"),
                                     format_func=lambda d: tr(f"finance.direction.{d}"))
            aux = b3.multiselect(tr(F + "aux"), AUX, format_func=lambda d: tr(f"field.finance.dim.{d}"))
            add = st.form_submit_button(tr("finance.save"), type="primary")
        if add and done(create_account, code=code, name=name, name_en=name_en, category=cat, direction=direction,
                        aux=list(aux)):
            flash(tr("finance.saved"))
            st.rerun()

if actor.may("finance.account.edit") or actor.may("finance.account.freeze") or actor.may("finance.account.delete"):
    st.subheader(tr("finance.account.edit"))
    picked = st.selectbox(tr("finance.pick_account"), list(labels), format_func=labels.get, key="acc_pick",
                          index=None, placeholder=tr("finance.type_to_search"))
    if picked is not None:
        acc = by_id[picked]
        if actor.may("finance.account.edit"):
            with st.form(f"acc_edit_{picked}"):
                e1, e2 = st.columns(2)
                name = e1.text_input(tr(F + "name"), value=acc.name, max_chars=100)
                name_en = e2.text_input(tr(F + "name_en"), value=acc.name_en, max_chars=200)
                e3, e4 = st.columns(2)
                direction = e3.selectbox(tr(F + "direction"), ("debit", "credit"),
                                         index=0 if acc.direction == "debit" else 1,
                                         format_func=lambda d: tr(f"finance.direction.{d}"))
                aux = e4.multiselect(tr(F + "aux"), AUX, default=[d for d in acc.aux.split(",") if d],
                                     format_func=lambda d: tr(f"field.finance.dim.{d}"))
                save = st.form_submit_button(tr("finance.save"), type="primary")
            if save and done(update_account, account_id=picked, version=acc.version, name=name, name_en=name_en,
                             aux=list(aux), direction=direction):
                flash(tr("finance.saved"))
                st.rerun()
        b1, b2 = st.columns(2)
        if actor.may("finance.account.freeze"):
            frozen = acc.status == "frozen"
            if b1.button(tr("finance.account.unfreeze" if frozen else "finance.account.freeze"),
                         key=f"acc_freeze_{picked}", icon=":material/ac_unit:"):
                if done(set_account_frozen, account_id=picked, frozen=not frozen):
                    flash(tr("finance.saved"))
                    st.rerun()
        if actor.may("finance.account.delete"):
            sure = b2.checkbox(md("finance.confirm_delete", what=acc.code), key=f"acc_del_ok_{picked}")
            if b2.button(tr("finance.delete"), key=f"acc_del_{picked}", disabled=not sure, icon=":material/delete:"):
                if done(delete_account, account_id=picked):
                    st.session_state.pop("acc_pick", None)
                    flash(tr("finance.deleted"))
                    st.rerun()
        if actor.may("finance.account.upgrade") and acc.is_leaf:
            with st.expander(tr("finance.account.upgrade"), icon=":material/account_tree:"):
                st.caption(tr("finance.account.upgrade_hint"))
                with st.form(f"acc_upgrade_{picked}"):
                    u1, u2, u3 = st.columns(3)
                    child_code = u1.text_input(tr(F + "code"), value=acc.code + "01", max_chars=40)
                    child_name = u2.text_input(tr(F + "name"), value=acc.name, max_chars=100)
                    child_name_en = u3.text_input(tr(F + "name_en"), value=acc.name_en, max_chars=200)
                    sure = st.checkbox(md("finance.account.upgrade_confirm", code=acc.code, child=child_code))
                    go = st.form_submit_button(tr("finance.account.upgrade"), type="primary")
                if go and sure and done(upgrade_account, account_id=picked, child_code=child_code,
                                        child_name=child_name, child_name_en=child_name_en, version=acc.version):
                    st.session_state.pop("acc_pick", None)
                    flash(md("finance.account.upgraded", child=child_code.strip()))
                    st.rerun()
