"""Custom fields (自定义字段): define, change, retire or restore the extra fields of customers, suppliers,
products, employees and documents."""

import pandas as pd
import streamlit as st

from erp_core.masterdata import custom_fields_services as cfs
from erp_core.masterdata.models_custom_fields import CUSTOM_ENTITIES, CUSTOM_TYPES
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.settings_kit import done, show_flash, succeed

actor = require_actor()
st.title(tr("nav.masterdata.custom_fields"))
st.caption(tr("masterdata.cf.help"))
show_flash()  # each change reruns the page, so the list above shows it at once

fields = run_action(cfs.list_fields) or []
if fields:
    st.dataframe(pd.DataFrame([{
        tr("field.masterdata.cf_entity"): tr(f"masterdata.kind.{f['entity']}"),
        tr("field.masterdata.cf_key"): f["key"], tr("field.masterdata.cf_label_zh"): f["label_zh"],
        tr("field.masterdata.cf_label_en"): f["label_en"],
        tr("field.masterdata.cf_type"): tr(f"masterdata.cf.type.{f['field_type']}"),
        tr("field.masterdata.cf_required"): f["required"], tr("field.masterdata.cf_default"): f["default_value"],
        tr("masterdata.cf.values"): f["values"],
        tr("masterdata.cf.retired"): f["retired"]} for f in fields]), hide_index=True, width="stretch")
else:
    st.info(tr("masterdata.empty"))


def _type_label(t: str) -> str:
    return tr(f"masterdata.cf.type.{t}")


if actor.may("masterdata.custom_field.create"):
    # Kept as typed when refused, cleared once the field is defined (the keys below are forgotten).
    new_keys = {k: f"cf_new_{k}" for k in ("entity", "key", "label_zh", "label_en", "type", "default", "choices",
                                           "required")}
    with st.expander(tr("masterdata.cf.new"), expanded=not fields), st.form("cf_new"):
        c1, c2 = st.columns(2)
        entity = c1.selectbox(tr("field.masterdata.cf_entity"), CUSTOM_ENTITIES, key=new_keys["entity"],
                              format_func=lambda e: tr(f"masterdata.kind.{e}"))
        key = c2.text_input(tr("field.masterdata.cf_key"), key=new_keys["key"])
        label_zh = c1.text_input(tr("field.masterdata.cf_label_zh"), key=new_keys["label_zh"])
        label_en = c2.text_input(tr("field.masterdata.cf_label_en"), key=new_keys["label_en"])
        field_type = c1.selectbox(tr("field.masterdata.cf_type"), CUSTOM_TYPES, format_func=_type_label,
                                  key=new_keys["type"])
        default = c2.text_input(tr("field.masterdata.cf_default"), key=new_keys["default"])
        choices = st.text_area(tr("field.masterdata.cf_choices"), key=new_keys["choices"])
        required = st.checkbox(tr("field.masterdata.cf_required"), key=new_keys["required"])
        if st.form_submit_button(tr("masterdata.save"), type="primary"):
            if done(cfs.define_field, values={
                    "entity": entity, "key": key, "label_zh": label_zh, "label_en": label_en,
                    "field_type": field_type, "default_value": default, "choices": choices, "required": required}):
                succeed("masterdata.saved", forget=new_keys.values())

if fields and actor.may("masterdata.custom_field.edit"):
    st.subheader(tr("masterdata.cf.change"))
    by_id = {f["id"]: f for f in fields}
    chosen = st.selectbox(tr("masterdata.select"), list(by_id),
                          format_func=lambda i: f"{tr('masterdata.kind.' + by_id[i]['entity'])} · {by_id[i]['key']}")
    f = by_id[chosen]
    with st.form(f"cf_edit_{chosen}_{f['version']}"):
        c1, c2 = st.columns(2)
        label_zh = c1.text_input(tr("field.masterdata.cf_label_zh"), value=f["label_zh"])
        label_en = c2.text_input(tr("field.masterdata.cf_label_en"), value=f["label_en"])
        field_type = c1.selectbox(tr("field.masterdata.cf_type"), CUSTOM_TYPES,
                                  index=CUSTOM_TYPES.index(f["field_type"]), format_func=_type_label)
        default = c2.text_input(tr("field.masterdata.cf_default"), value=f["default_value"] or "")
        choices = st.text_area(tr("field.masterdata.cf_choices"), value=f["choices"] or "")
        required = st.checkbox(tr("field.masterdata.cf_required"), value=f["required"])
        if st.form_submit_button(tr("masterdata.save"), type="primary"):
            if done(cfs.edit_field, field_id=chosen, version=f["version"], values={
                    "label_zh": label_zh, "label_en": label_en, "field_type": field_type, "default_value": default,
                    "choices": choices, "required": required}):
                succeed("masterdata.saved")
    if f["retired"]:
        if st.button(tr("masterdata.cf.restore"), key=f"cf_restore_{chosen}"):
            if done(cfs.restore_field, field_id=chosen, version=f["version"]):
                succeed("masterdata.saved")
    elif actor.may("masterdata.custom_field.deactivate"):
        st.caption(tr("masterdata.cf.remove_help"))
        if st.button(tr("masterdata.cf.remove"), key=f"cf_remove_{chosen}"):
            outcome = run_action(cfs.remove_field, field_id=chosen, version=f["version"])
            if outcome:
                succeed("masterdata.cf.deleted" if outcome == "deleted" else "masterdata.cf.retired_done")
