"""科目设置: the posting-account rules (by product category, warehouse, partner), each role's default, and a
probe answering which account a combination posts to."""

from __future__ import annotations

import streamlit as st

from erp_core.costing.rules_queries import list_account_rules, resolve_account, role_defaults, rule_choices
from erp_core.costing.rules_services import clear_account_rule, set_account_rule
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.sections import section
from ui.settings_kit import confirmed_button, done, export_buttons, loaded_version, show_flash, succeed, table

actor = require_actor()
st.title(tr("costing.rules.title"))
help_link("costing", "account-rules")  # "?" to this page's part of the help centre
st.caption(tr("costing.rules.intro"))
show_flash()

defaults = run_action(role_defaults)
choices = run_action(rule_choices)
if defaults is None or choices is None:
    st.stop()
roles = [r for r, _, _ in defaults]
cats, whs = dict(choices["categories"]), dict(choices["warehouses"])
sups, custs, prods = dict(choices["suppliers"]), dict(choices["customers"]), dict(choices["products"])
accounts = dict(choices["accounts"])


def role_label(role: str) -> str:
    return f"{tr(f'costing.role.{role}')} ({role})"


def pick(label_key: str, options: dict, key: str):
    """A choice among ``options`` or (any)."""
    return st.selectbox(tr(label_key), [None, *options], key=key,
                        format_func=lambda v: tr("costing.rules.any") if v is None else options[v])


def rules_view() -> None:
    role_filter = st.selectbox(tr("costing.col.role"), [None, *roles], key="cr_filter",
                               format_func=lambda r: tr("costing.rules.any") if r is None else role_label(r))
    rules = run_action(list_account_rules, role=role_filter)
    if rules is None:
        return
    rows = [{"role": role_label(r.role), "category": r.category, "warehouse": r.warehouse,
             "partner": (f"{tr('costing.partner.' + r.partner_kind)}: {r.partner}" if r.partner_kind else ""),
             "account": r.account_code, "account_name": r.account_name} for r in rules]
    columns = [("role", "costing.col.role"), ("category", "costing.col.category"),
               ("warehouse", "costing.col.warehouse"), ("partner", "costing.col.partner"),
               ("account", "costing.col.account"), ("account_name", "costing.col.account_name")]
    if rows:
        table(rows, columns)
        export_buttons(rows, columns, "account_rules", key="cr_export")
    else:
        st.info(tr("costing.rules.none"))
    if not actor.may("costing.account_rule.manage"):
        return
    with st.expander(tr("costing.rules.new"), icon=":material/add:"):
        with st.form("cr_form"):
            c1, c2 = st.columns(2)
            role = c1.selectbox(tr("field.costing.role"), roles, format_func=role_label, key="cr_role")
            account = c2.selectbox(tr("field.costing.account"), list(accounts), format_func=accounts.get,
                                   key="cr_account")
            c3, c4 = st.columns(2)
            with c3:
                category = pick("field.costing.category", cats, "cr_cat")
            with c4:
                warehouse = pick("field.costing.warehouse", whs, "cr_wh")
            partners = {**{("supplier", i): f"{tr('costing.partner.supplier')}: {v}" for i, v in sups.items()},
                        **{("customer", i): f"{tr('costing.partner.customer')}: {v}" for i, v in custs.items()}}
            partner = pick("field.costing.partner", partners, "cr_partner")
            submitted = st.form_submit_button(tr("settings.save"), type="primary", key="cr_submit")
        if submitted and done(set_account_rule, role=role, account_code=account, category_id=category,
                              warehouse_id=warehouse, partner_kind=partner[0] if partner else None,
                              partner_id=partner[1] if partner else None):
            succeed("costing.rules.saved")
    if rules:
        with st.expander(tr("costing.rules.clear"), icon=":material/delete:"):
            labels = {r.id: " · ".join(x for x in (role_label(r.role), r.category, r.warehouse, r.partner,
                                                   r.account_code) if x) for r in rules}
            picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="cr_pick")
            rule = next(r for r in rules if r.id == picked)
            ver = loaded_version(f"cr_ver_{picked}", rule.version)
            if confirmed_button("costing.rules.clear", "costing.rules.clear_confirm", key=f"cr_del_{picked}") \
                    and done(clear_account_rule, rule_id=picked, version=ver):
                succeed("costing.rules.cleared", forget=[f"cr_ver_{picked}"])


def defaults_view() -> None:
    rows = [{"role": role_label(r), "default": f"{code} {name}".strip()} for r, code, name in defaults]
    table(rows, [("role", "costing.col.role"), ("default", "costing.col.default")])


def probe_view() -> None:
    c1, c2, c3 = st.columns(3)
    role = c1.selectbox(tr("field.costing.role"), roles, format_func=role_label, key="cr_prole")
    with c2:
        product = pick("costing.col.product", prods, "cr_pprod")
    with c3:
        warehouse = pick("field.costing.warehouse", whs, "cr_pwh")
    code = run_action(resolve_account, role=role, product_id=product, warehouse_id=warehouse)
    if code is not None:
        st.markdown(md("costing.rules.probe_result", code=accounts.get(code, code)))


view = section("cr_view", ("rules", "defaults", "probe"), "costing.rules.view.", tr("costing.rules.title"))
{"rules": rules_view, "defaults": defaults_view, "probe": probe_view}[view]()
