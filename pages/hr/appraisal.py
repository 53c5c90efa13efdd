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
    if not mine and not actor.may("hr.appraisal.self"):
        st.info(tr("hr2.none_mine"))
        st.stop()
    if not mine:
        st.info(tr("hr2.none_mine"))
    table(mine, [("cycle", "hr2.col.cycle"), ("status", "hr.col.status"), ("self_score", "hr2.col.self_score"),
                 ("final_score", "hr2.col.final_score"), ("grade", "hr2.col.grade")],
          formatters={**STATUS, "self_score": score, "final_score": score})
    to_rate = run_action(aq.appraisals_to_rate) or [] if actor.may("hr.appraisal.self") else []
    if to_rate:  # 360°: colleagues' appraisals this employee was asked to score
        st.subheader(tr("hr3.to_rate"))
        pick = st.selectbox(tr("hr2.choose_appraisal"), range(len(to_rate)), key="apr_rate_pick",
                            format_func=lambda i: f'{to_rate[i]["cycle"]} · {to_rate[i]["employee_code"]} '
                                                  f'{to_rate[i]["employee_name"]} · {tr("hr3.relation." + to_rate[i]["relation"])}'
                                                  + (f' · {score(to_rate[i]["score"])}' if to_rate[i]["score"] is not None else ""))
        t = to_rate[pick]
        values = scores_form(f'apr_rate_{t["appraisal_id"]}', t["kpis"], "hr3.submit_rating")
        if values is not None and run_action(ap.submit_rater_review, appraisal_id=t["appraisal_id"],
                                             scores=[f"{v:.2f}" for v in values], success="hr2.saved") is not None:
            st.rerun()
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
            st.caption(tr("hr3.quotas_help"))
            quotas = {g: st.number_input(tr("hr3.quota_for_grade", grade=md_escape(g)), min_value=0.0, max_value=100.0,
                                         value=0.0, step=5.0, key=f"apr_cycle_quota_{g}") for g in ("A", "B")}
            if st.form_submit_button(tr("hr2.open_cycle"), type="primary"):
                run_action(ap.open_appraisal_cycle, template_id=tpl, name=cname, kind=kind, period_start=start,
                           period_end=end, pay_item_code="performance_pay" if link else None,
                           pay_amounts={g: f"{v:.2f}" for g, v in amounts.items()} if link else None,
                           quotas={g: f"{v / 100:.4f}" for g, v in quotas.items() if v > 0} or None,
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
if detail["quotas"]:  # 强制分布: how many hold each grade against its places
    st.caption(tr("hr3.distribution"))
    table([d for d in detail["distribution"] if d["share"] is not None],
          [("grade", "hr2.col.grade"), ("share", "hr3.col.share"), ("places", "hr3.col.places"),
           ("count", "hr3.col.count")], formatters={"share": lambda v: f"{v * 100:.4g}%"})
if detail["status"] != "open":
    st.stop()
if actor.may("hr.appraisal.setup"):
    with st.expander(tr("hr3.set_quotas")):
        with st.form("apr_quotas"):
            grades = [g for g, _v in detail["grades"]]
            qv = {g: st.number_input(tr("hr3.quota_for_grade", grade=md_escape(g)), min_value=0.0, max_value=100.0,
                                     value=float(detail["quotas"].get(g, 0)) * 100, step=5.0, key=f"apr_q_{g}")
                  for g in grades}
            if st.form_submit_button(tr("hr3.save_quotas"), type="primary"):
                if run_action(ap.set_grade_quotas, cycle_id=cycle_id,
                              quotas={g: f"{v / 100:.4f}" for g, v in qv.items() if v > 0},
                              success="hr2.saved") is not None:
                    st.rerun()
open_rows = {r["appraisal_id"]: r for r in rows if r["status"] in ("self_review", "manager_review", "calibration")}
if open_rows:
    pick = st.selectbox(tr("hr2.choose_appraisal"), list(open_rows), key="apr_row",
                        format_func=lambda i: f'{open_rows[i]["employee_code"]} {open_rows[i]["employee_name"]}')
    row = open_rows[pick]
    if row["raters"]:  # 360°
        table(row["raters"], [("rater_code", "hr.col.employee_code"), ("rater_name", "hr3.col.rater"),
                              ("relation", "field.hr3.relation"), ("weight", "field.hr3.rater_weight"),
                              ("score", "hr3.col.rater_score")],
              formatters={"relation": lambda r: tr(f"hr3.relation.{r}"), "score": score})
    if row["status"] in ("self_review", "manager_review") and actor.may("hr.appraisal.setup"):
        with st.expander(tr("hr3.set_raters")):
            with st.form(f"apr_raters_{pick}"):
                text = st.text_area(tr("hr3.raters"), key=f"apr_raters_text_{pick}", help=tr("hr3.raters_help"),
                                    value="\n".join(f'{r["rater_code"]},{r["relation"]},{r["weight"]}'
                                                    for r in row["raters"]), placeholder="E002,peer,0.3")
                if st.form_submit_button(tr("hr3.save_raters"), type="primary"):
                    codes = {r["employee_code"]: r["employee_id"] for r in rows}
                    parsed = [dict(zip(("code", "relation", "weight"), (p.strip() for p in line.split(",")),
                                       strict=False)) for line in text.splitlines() if line.strip()]
                    raters = [{"employee_id": codes.get(p.get("code"), -1), "relation": p.get("relation"),
                               "weight": p.get("weight")} for p in parsed]
                    if run_action(ap.set_appraisal_raters, appraisal_id=pick, raters=raters,
                                  success="hr2.saved") is not None:
                        st.rerun()
    if row["status"] in ("self_review", "manager_review") and actor.may("hr.appraisal.review"):
        values = scores_form(f"apr_mgr_{pick}", detail["kpis"], "hr2.submit_manager")
        if values is not None and run_action(ap.submit_manager_review, appraisal_id=pick,
                                             scores=[f"{v:.2f}" for v in values],
                                             skip_self=row["status"] == "self_review", success="hr2.saved"):
            st.rerun()
    if row["status"] == "calibration" and actor.may("hr.appraisal.calibrate"):
        with st.form(f"apr_cal_{pick}"):
            final = st.number_input(tr("field.hr2.final_score"), min_value=0.0, max_value=100.0,
                                    value=float(row["suggested_score"] or 0), step=0.01, key=f"apr_cal_score_{pick}")
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
