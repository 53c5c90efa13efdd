"""CRM settings (CRM 设置, company-wide): opportunity stages with win probability, SLA per priority in working
hours, the working calendar (holidays and working weekend days)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.crm.models import TICKET_PRIORITIES
from erp_core.crm.opportunities import queries as oq
from erp_core.crm.opportunities import services as os_
from erp_core.crm.service import queries as tq
from erp_core.crm.service import services as ts
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.sections import section
from ui.settings_kit import confirmed_button, done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.crm.settings"))
help_link("crm", "pools")  # "?" to this page's part of the help centre
show_flash()
view = section("crm_set_view", ["stages", "sla", "calendar"], "crm.settings_view.", tr("nav.crm.settings"))

if view == "stages":
    stages = run_action(oq.list_stages) or []
    table(stages, [("code", "crm.col.code"), ("name_zh", "crm.col.name"), ("name_en", "crm.col.name"),
                   ("probability", "field.crm.probability"), ("seq", "field.crm.priority"),
                   ("outcome", "field.crm.outcome")])
    with st.form("crm_stage"):
        s1, s2, s3 = st.columns(3)
        code = s1.text_input(tr("field.crm.stage_code"))
        zh = s2.text_input(tr("field.crm.stage_name") + " (中文)")
        en = s3.text_input(tr("field.crm.stage_name") + " (English)")
        prob = s1.number_input(tr("field.crm.probability"), min_value=0, max_value=100, step=5, value=50)
        seq = s2.number_input(tr("field.crm.priority"), min_value=0, step=10, value=45)
        outcome = s3.selectbox(tr("field.crm.outcome"), [None, "won", "lost"],
                               format_func=lambda o: "" if o is None else tr(f"crm.opp_status.{o}"))
        if st.form_submit_button(tr("crm.save")):
            if run_action(os_.save_stage, code=code, name_zh=zh, name_en=en or zh, probability=int(prob),
                          seq=int(seq), outcome=outcome) is not None:
                succeed("crm.saved")
elif view == "sla":
    conf = run_action(tq.service_settings) or {"sla": {}, "calendar": []}
    table([{"priority": tr(f"crm.priority.{p}"), "response": r, "resolution": s} for p, (r, s) in conf["sla"].items()],
          [("priority", "field.crm.priority_level"), ("response", "field.crm.response_hours"),
           ("resolution", "field.crm.resolution_hours")])
    with st.form("crm_sla"):
        a1, a2, a3 = st.columns(3)
        prio = a1.selectbox(tr("field.crm.priority_level"), TICKET_PRIORITIES, format_func=lambda p: tr(f"crm.priority.{p}"))
        resp = a2.number_input(tr("field.crm.response_hours"), min_value=1, step=1, value=4)
        res = a3.number_input(tr("field.crm.resolution_hours"), min_value=1, step=1, value=16)
        if st.form_submit_button(tr("crm.save")) and done(ts.save_sla, priority=prio, response_hours=int(resp),
                                                          resolution_hours=int(res)):
            succeed("crm.saved")
else:
    conf = run_action(tq.service_settings) or {"sla": {}, "calendar": []}
    table(conf["calendar"], [("day", "field.crm.day"), ("workday", "crm.workday"), ("name", "crm.col.name")])
    with st.form("crm_cal"):
        c1, c2, c3 = st.columns(3)
        day = c1.date_input(tr("field.crm.day"), value=dt.date.today())
        kind = c2.selectbox(tr("crm.calendar"), ["holiday", "workday"], format_func=lambda k: tr(f"crm.{k}"))
        name = c3.text_input(tr("crm.col.name"))
        if st.form_submit_button(tr("crm.save")) and done(ts.set_calendar_day, day=day, workday=kind == "workday",
                                                          name=name or None):
            succeed("crm.saved")
    if conf["calendar"]:
        day = st.selectbox(tr("field.crm.day"), [d["day"] for d in conf["calendar"]], key="crm_cal_rm")
        if confirmed_button("crm.remove_day", "crm.remove_day_confirm", key="crm_cal_del", day=day) and \
                done(ts.set_calendar_day, day=day, workday=None):
            succeed("crm.saved")
