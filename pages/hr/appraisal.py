"""绩效考核: an employee's own appraisals (self review); for HR the templates (KPIs with weights), cycles, the
appraisals of a cycle (manager review, calibration) and feeding the grades into a month's 绩效工资."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.appraisal import queries as aq
from erp_core.hr.appraisal import services as ap
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.report_kit import period_select, this_period
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import table

actor = require_actor()
st.title(tr("nav.hr.appraisal"))
sections = [c for c, perm in (("mine", "hr.appraisal.own"), ("cycles", "hr.appraisal.read"),
                              ("setup", "hr.appraisal.setup")) if actor.may(perm)]
if not sections:
    st.stop()
chosen = section("apr_section", sections, "hr2.section.", tr("nav.hr.appraisal"))


def score(v) -> str:
    return "" if v is None else f"{v:.2f}"


def scores_form(key: str, kpis: list[dict], button: str) -> list[float] | None:
    """One 0-100 score per KPI; the list when the form is sent."""
    with st.form(key):
        values = [st.number_input(f'{md_escape(k["name"])}（{tr("hr2.weight")} {md_escape(k["weight"])}）', min_value=0.0, max_value=100.0,
                                  value=80.0, step=1.0, key=f"{key}_{n}") for n, k in enumerate(kpis)]
        if st.form_submit_button(tr(button), type="primary"):
            return values
    return None


STATUS = {"status": lambda s: tr(f"hr2.status.{s}")}

if chosen == "mine":
    mine = run_action(aq.my_appraisals) or []
    if not mine:
        st.info(tr("hr2.none_mine"))
        st.stop()
    table(mine, [("cycle", "hr2.col.cycle"), ("status", "hr.col.status"), ("self_score", "hr2.col.self_score"),
                 ("final_score", "hr2.col.final_score"), ("grade", "hr2.col.grade")],
          formatters={**STATUS, "self_score": score, "final_score": score})
    todo = [a for a in mine if a["status"] == "self_review"]
    if todo and actor.may("hr.appraisal.self"):
        a = todo[0]
        st.subheader(tr("hr2.self_review_of", cycle=md_escape(a["cycle"])))
        values = scores_form("apr_self", a["kpis"], "hr2.submit_self")
        if values is not None:
            if run_action(ap.submit_self_review, appraisal_id=a["appraisal_id"], scores=[f"{v:.2f}" for v in values],
                          success="hr2.saved") is not None:
                st.rerun()
    st.stop()

if chosen == "setup":
    st.subheader(tr("hr2.template"))
    with st.form("apr_tpl"):
        code = st.text_input(tr("field.hr2.template_code"), key="apr_tpl_code")
        name = st.text_input(tr("field.hr2.template_name"), key="apr_tpl_name")
        kpi_text = st.text_area(tr("field.hr2.kpis"), key="apr_tpl_kpis", placeholder="销售额达成,0.6\n回款率,0.4",
                                help=tr("hr2.kpis_help"))
        if st.form_submit_button(tr("hr2.save_template"), type="primary"):
            kpis = [dict(zip(("name", "weight"), (p.strip() for p in line.rsplit(",", 1)), strict=False))
                    for line in kpi_text.splitlines() if line.strip()]
            run_action(ap.save_appraisal_template, code=code, name=name, kpis=kpis, success="hr2.saved")
    setup = run_action(aq.appraisal_setup) or {"templates": [], "cycles": []}
    templates = {t["id"]: f'{t["code"]} {t["name"]}' for t in setup["templates"]}
    if templates:
        st.subheader(tr("hr2.open_cycle"))
        with st.form("apr_cycle"):
            tpl = st.selectbox(tr("field.hr2.template_name"), list(templates), format_func=templates.get,
                               key="apr_cycle_tpl")
            cname = st.text_input(tr("field.hr2.cycle_name"), key="apr_cycle_name")
            kind = st.selectbox(tr("field.hr2.cycle_kind"), ["monthly", "quarterly", "annual"], key="apr_cycle_kind",
                                format_func=lambda k: tr(f"hr2.kind.{k}"))
            today = dt.date.today()
            start = st.date_input(tr("hr2.period_start"), value=today.replace(day=1), key="apr_cycle_start")
            end = st.date_input(tr("field.hr2.period_end"), value=today, key="apr_cycle_end")
            link = st.checkbox(tr("hr2.link_pay"), key="apr_cycle_link")
            amounts = {g: st.number_input(tr("hr2.pay_for_grade", grade=md_escape(g)), min_value=0.0, value=v, step=100.0,
                                          key=f"apr_cycle_amount_{g}")
                       for g, v in (("A", 2000.0), ("B", 1000.0), ("C", 500.0), ("D", 0.0), ("E", 0.0))}
            if st.form_submit_button(tr("hr2.open_cycle"), type="primary"):
                run_action(ap.open_appraisal_cycle, template_id=tpl, name=cname, kind=kind, period_start=start,
                           period_end=end, pay_item_code="performance_pay" if link else None,
                           pay_amounts={g: f"{v:.2f}" for g, v in amounts.items()} if link else None,
                           success="hr2.saved")
    st.stop()

setup = run_action(aq.appraisal_setup) or {"cycles": []}
cycles = {c["id"]: c for c in setup["cycles"]}
if not cycles:
    st.info(tr("hr2.no_cycles"))
    st.stop()
cycle_id = st.selectbox(tr("hr2.col.cycle"), list(cycles), key="apr_pick",
                        format_func=lambda i: f'{cycles[i]["name"]} · {tr("hr2.cycle_status." + cycles[i]["status"])}')
detail = run_action(aq.cycle_appraisals, cycle_id=cycle_id)
if detail is None:
    st.stop()
st.caption(md_escape(" · ".join(f'{k["name"]} {k["weight"]}' for k in detail["kpis"])))
rows = detail["appraisals"]
table(rows, [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
             ("status", "hr.col.status"), ("self_score", "hr2.col.self_score"),
             ("manager_score", "hr2.col.manager_score"), ("final_score", "hr2.col.final_score"),
             ("grade", "hr2.col.grade")],
      formatters={**STATUS, "self_score": score, "manager_score": score, "final_score": score})
if detail["status"] != "open":
    st.stop()
open_rows = {r["appraisal_id"]: r for r in rows if r["status"] in ("self_review", "manager_review", "calibration")}
if open_rows:
    pick = st.selectbox(tr("hr2.choose_appraisal"), list(open_rows), key="apr_row",
                        format_func=lambda i: f'{open_rows[i]["employee_code"]} {open_rows[i]["employee_name"]}')
    row = open_rows[pick]
    if row["status"] in ("self_review", "manager_review") and actor.may("hr.appraisal.review"):
        values = scores_form(f"apr_mgr_{pick}", detail["kpis"], "hr2.submit_manager")
        if values is not None and run_action(ap.submit_manager_review, appraisal_id=pick,
                                             scores=[f"{v:.2f}" for v in values],
                                             skip_self=row["status"] == "self_review", success="hr2.saved"):
            st.rerun()
    if row["status"] == "calibration" and actor.may("hr.appraisal.calibrate"):
        with st.form(f"apr_cal_{pick}"):
            final = st.number_input(tr("field.hr2.final_score"), min_value=0.0, max_value=100.0,
                                    value=float(row["manager_score"] or 0), step=0.5, key=f"apr_cal_score_{pick}")
            if st.form_submit_button(tr("hr2.calibrate"), type="primary"):
                if run_action(ap.calibrate_appraisal, appraisal_id=pick, final_score=f"{final:.2f}",
                              success="hr2.saved"):
                    st.rerun()
elif detail["pay_item_code"] and actor.may("hr.appraisal.apply"):
    with st.form("apr_apply"):
        period = period_select("field.hr.period", "apr_apply_period", default=this_period())
        if st.form_submit_button(tr("hr2.apply"), type="primary"):
            if run_action(ap.apply_appraisal_to_payroll, cycle_id=cycle_id, period=period, success="hr2.applied"):
                st.rerun()
