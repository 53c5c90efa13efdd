"""审批规则: which documents need whose approval (condition, approver role or user, level)."""

from __future__ import annotations

import streamlit as st

from erp_core.approvals.models import CONDITIONS, MAX_LEVEL, NEEDS_THRESHOLD
from erp_core.approvals.queries import list_rules, rule_choices
from erp_core.approvals.services import create_rule, update_rule
from erp_core.documents.registry import registered
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import done, loaded_version, show_flash, succeed, table

F = "field.approvals."
actor = require_actor()
st.title(tr("nav.approvals.rules"))
help_link("approvals", "rules")  # "?" to this page's part of the help centre
st.caption(tr("approvals.rules_hint"))
show_flash()
zh = locale().startswith("zh")
type_labels = {t.code: f"{t.zh if zh else t.en} ({t.code})" for t in registered()}

rules = run_action(list_rules)
choices = run_action(rule_choices)
if rules is None or choices is None:
    st.stop()
roles, users = dict(choices["roles"]), dict(choices["users"])
for r in rules:
    r["type_label"] = type_labels.get(r["doc_type"], r["doc_type"])
    r["condition_label"] = tr(f"approvals.condition.{r['condition']}")
    r["approver"] = roles.get(r["approver_role_id"], "") if r["approver_role_id"] else users.get(r["approver_user_id"], "")
columns = [("type_label", F + "doc_type"), ("condition_label", F + "condition"), ("threshold", F + "threshold"),
           ("approver", F + "approver"), ("level", F + "level"), ("active", "settings.active")]
table(rules, columns)


def rule_form(key: str, rule: dict | None) -> dict | None:
    """The fields of a rule; returns the values when the form was submitted."""
    rule = rule or {}
    with st.form(key):
        c1, c2, c3 = st.columns(3)
        known = list(type_labels)
        doc_type = c1.text_input(tr(F + "doc_type"), value=rule.get("doc_type", known[0] if known else ""),
                                 max_chars=40, help=", ".join(type_labels.values()) or None, key=f"{key}_type")
        condition = c2.selectbox(tr(F + "condition"), CONDITIONS, key=f"{key}_cond",
                                 index=CONDITIONS.index(rule.get("condition", "amount_above")),
                                 format_func=lambda c: tr(f"approvals.condition.{c}"))
        threshold = c3.text_input(tr(F + "threshold"), value=str(rule.get("threshold") or ""), key=f"{key}_thr",
                                  help=tr("approvals.threshold_hint"))
        c4, c5, c6 = st.columns(3)
        by_user = rule.get("approver_user_id") is not None
        kind = c4.radio(tr(F + "approver"), ("role", "user"), index=1 if by_user else 0, horizontal=True,
                        format_func=lambda k: tr(f"approvals.by_{k}"), key=f"{key}_kind")
        role_id = c5.selectbox(tr("approvals.by_role"), list(roles), format_func=roles.get, key=f"{key}_role",
                               index=list(roles).index(rule["approver_role_id"])
                               if rule.get("approver_role_id") in roles else 0)
        user_id = c6.selectbox(tr("approvals.by_user"), list(users), format_func=users.get, key=f"{key}_user",
                               index=list(users).index(rule["approver_user_id"])
                               if rule.get("approver_user_id") in users else 0)
        level = int(st.number_input(tr(F + "level"), min_value=1, max_value=MAX_LEVEL, step=1,
                                    value=int(rule.get("level", 1)), key=f"{key}_level"))
        active = st.checkbox(tr("settings.active"), value=rule.get("active", True), key=f"{key}_active") \
            if rule else True
        submitted = st.form_submit_button(tr("settings.save"), type="primary", key=f"{key}_submit")
    if not submitted:
        return None
    values = {"doc_type": doc_type.strip(), "condition": condition, "level": level,
              "threshold": threshold.strip() if condition in NEEDS_THRESHOLD else None,
              "approver_role_id": role_id if kind == "role" else None,
              "approver_user_id": user_id if kind == "user" else None}
    if rule:
        values["active"] = active
    return values


if actor.may("approvals.rule.manage"):
    with st.expander(tr("approvals.add_rule"), icon=":material/add:"):
        values = rule_form("ar_new", None)
        if values is not None and done(create_rule, **values):
            succeed()
    if rules:
        st.subheader(tr("settings.edit"))
        labels = {r["id"]: f"{r['type_label']} · {r['condition_label']} · {tr('approvals.level_n', level=r['level'])}"
                  for r in rules}
        picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="ar_pick")
        rule = next(r for r in rules if r["id"] == picked)
        ver = loaded_version(f"ar_ver_{picked}", rule["version"])
        values = rule_form(f"ar_edit_{picked}", rule)
        if values is not None and done(update_rule, rule_id=picked, version=ver, **values):
            succeed(forget=[f"ar_ver_{picked}"])
