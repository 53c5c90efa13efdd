"""HR pages, second part (AppTest, SQLite): paying a posted period's 社保/公积金/个税 from the 工资表 page, a
supplementary run from its section, and the appraisal page: the employee's self review, the manager's review
and calibration by HR."""

from __future__ import annotations

import datetime as dt

from erp_core.hr.appraisal import queries as aq
from erp_core.hr.appraisal import services as ap
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from tests.hr.test_pages import PERIOD, staff  # noqa: F401
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


def test_paying_contributions_and_a_supplementary_run_from_the_page(admin_app, staff, ui_db):  # noqa: F811
    admin, ids = staff
    run_id = pay.create_payroll_run(ui_db, admin, period=PERIOD)
    pay.approve_payroll_run(ui_db, admin, run_id=run_id)
    pay.post_payroll_run(ui_db, admin, run_id=run_id)
    at = admin_app.switch_page("pages/hr/payroll_runs.py").run()
    assert not at.exception, at.exception
    assert "缴纳社保" in [b.label for b in at.button]
    pay_day = pq.run_detail(ui_db, admin, run_id=run_id)["doc_date"] + dt.timedelta(days=15)
    at.date_input(key="pr_remit_date").set_value(pay_day).run()
    at = next(b for b in at.button if b.key == "pr_remit_social").click().run()
    assert not at.exception, at.exception
    assert "缴纳社保" not in [b.label for b in at.button]  # paid: its button is gone
    paid = {r["kind"]: r for r in pq.remittance_status(ui_db, admin, period=PERIOD)}
    assert paid["social"]["paid_on"] == pay_day and paid["social"]["voucher_id"]
    assert paid["iit"]["paid_on"] is None
    # 补发: 1,000 of 绩效 for E001 in the locked month
    at = choose_section(at, "pr_section", "supplement")
    at.selectbox(key="pr_sup_emp").set_value(ids["E001"])
    at.selectbox(key="pr_sup_item").set_value("performance_pay")
    at.number_input(key="pr_sup_amount").set_value(1000.0)
    at = next(b for b in at.button if b.label == "计算补发/补扣工资表").click().run()
    assert not at.exception, at.exception
    runs = pq.list_runs(ui_db, admin, period_from=PERIOD, period_to=PERIOD)
    sup = next(r for r in runs if r["run_id"] != run_id)
    assert sup["status"] == "draft" and sup["total"] == 1000 and sup["employees"] == 1


def test_appraisal_page_self_review_manager_review_and_calibration(admin_app, login_as, staff, ui_db):  # noqa: F811
    admin, ids = staff
    tpl = ap.save_appraisal_template(ui_db, admin, code="GEN", name="通用岗位",
                                     kpis=[{"name": "工作质量", "weight": "0.7"}, {"name": "协作", "weight": "0.3"}])
    cycle = ap.open_appraisal_cycle(ui_db, admin, template_id=tpl, name="本月绩效", kind="monthly",
                                    period_start=dt.date.today().replace(day=1), period_end=dt.date.today())
    me = login_as("liu.renshi")  # E002's own file
    me = me.switch_page("pages/hr/appraisal.py").run()
    assert not me.exception, me.exception
    assert me.title[0].value == "绩效考核" and "自评：本月绩效" in texts(me)
    me.number_input(key="apr_self_0").set_value(90.0)
    me.number_input(key="apr_self_1").set_value(70.0)
    me = next(b for b in me.button if b.label == "提交自评").click().run()
    assert not me.exception, me.exception
    rows = {r["employee_code"]: r for r in aq.cycle_appraisals(ui_db, admin, cycle_id=cycle)["appraisals"]}
    assert rows["E002"]["status"] == "manager_review" and rows["E002"]["self_score"] == 84
    at = admin_app.switch_page("pages/hr/appraisal.py").run()
    at = choose_section(at, "apr_section", "cycles")
    assert not at.exception, at.exception
    appraisal = rows["E002"]["appraisal_id"]
    at.selectbox(key="apr_row").set_value(appraisal).run()
    at.number_input(key=f"apr_mgr_{appraisal}_0").set_value(95.0)
    at.number_input(key=f"apr_mgr_{appraisal}_1").set_value(85.0)
    at = next(b for b in at.button if b.label == "提交上级评分").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="apr_row").set_value(appraisal).run()
    at = next(b for b in at.button if b.label == "确认校准").click().run()
    assert not at.exception, at.exception
    done = {r["employee_code"]: r for r in aq.cycle_appraisals(ui_db, admin, cycle_id=cycle)["appraisals"]}
    assert (done["E002"]["final_score"], done["E002"]["grade"], done["E002"]["status"]) == (92, "A", "done")


def test_own_payslips_of_a_month_with_a_supplementary_run(login_as, staff, ui_db):  # noqa: F811
    admin, ids = staff
    run_id = pay.create_payroll_run(ui_db, admin, period=PERIOD)
    pay.approve_payroll_run(ui_db, admin, run_id=run_id)
    sup = pay.create_supplementary_run(ui_db, admin, period=PERIOD, lines=[
        {"employee_id": ids["E002"], "item_code": "performance_pay", "amount": "500"}])
    pay.approve_payroll_run(ui_db, admin, run_id=sup)
    at = login_as("liu.renshi")  # E002's own file
    at = at.switch_page("pages/hr/my_payslips.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["期间"]) == [PERIOD, PERIOD]
    number = pq.run_detail(ui_db, admin, run_id=sup)["number"]
    assert at.selectbox(key="mp_period").options[-1] == f"{PERIOD} · {number}"
    items = at.table[0].value  # the chosen (last) payslip is the supplement's: its one item
    assert list(items.iloc[:, 0]) == ["performance_pay"] and list(items.iloc[:, 1]) == ["500.00"]


def test_appraisal_page_360_raters_and_forced_distribution(admin_app, login_as, staff, ui_db):  # noqa: F811
    """HR names E002 (liu.renshi) a peer rater of E001 with weight 0.4 on the page; liu.renshi scores E001 under
    待我评价; the manager scores; calibration starts from the 360° score: 90 x 0.6 + 70 x 0.4 = 82.00 (B). The
    cycle holds A to 50 % (1 of 2 places): the distribution table shows it."""
    admin, ids = staff
    tpl = ap.save_appraisal_template(ui_db, admin, code="GEN", name="通用岗位", kpis=[{"name": "工作质量", "weight": "1"}])
    cycle = ap.open_appraisal_cycle(ui_db, admin, template_id=tpl, name="本月绩效", kind="monthly",
                                    period_start=dt.date.today().replace(day=1), period_end=dt.date.today(),
                                    quotas={"A": "0.5"})
    target = {r["employee_code"]: r for r in aq.cycle_appraisals(ui_db, admin, cycle_id=cycle)["appraisals"]}["E001"]
    at = admin_app.switch_page("pages/hr/appraisal.py").run()
    at = choose_section(at, "apr_section", "cycles")
    assert not at.exception, at.exception
    assert "强制分布：各等级名额与已评人数" in texts(at)
    a = target["appraisal_id"]
    at.selectbox(key="apr_row").set_value(a).run()
    at.text_area(key=f"apr_raters_text_{a}").set_value("E002,peer,0.4")
    at = next(b for b in at.button if b.label == "保存评价人").click().run()
    assert not at.exception, at.exception
    me = login_as("liu.renshi").switch_page("pages/hr/appraisal.py").run()
    assert not me.exception, me.exception
    assert "待我评价（360°）" in texts(me)
    me.number_input(key=f"apr_rate_{a}_0").set_value(70.0)
    me = next(b for b in me.button if b.label == "提交评价").click().run()
    assert not me.exception, me.exception
    ap.submit_manager_review(ui_db, admin, appraisal_id=a, scores=[90], skip_self=True)
    at = admin_app.switch_page("pages/hr/appraisal.py").run()
    at = choose_section(at, "apr_section", "cycles")
    at.selectbox(key="apr_row").set_value(a).run()
    assert at.number_input(key=f"apr_cal_score_{a}").value == 82.0
    at = next(b for b in at.button if b.label == "确认校准").click().run()
    assert not at.exception, at.exception
    done = {r["employee_code"]: r for r in aq.cycle_appraisals(ui_db, admin, cycle_id=cycle)["appraisals"]}["E001"]
    assert (done["score_360"], done["final_score"], done["grade"]) == (82, 82, "B")


def test_pay_owed_back_after_a_deduction_is_listed_and_repaid_from_the_page(admin_app, staff, ui_db):  # noqa: F811
    admin, ids = staff
    run_id = pay.create_payroll_run(ui_db, admin, period=PERIOD)
    pay.approve_payroll_run(ui_db, admin, run_id=run_id)
    pay.post_payroll_run(ui_db, admin, run_id=run_id)
    sup = pay.create_supplementary_run(ui_db, admin, period=PERIOD, lines=[
        {"employee_id": ids["E001"], "item_code": "absence_deduction", "amount": "-800"}])
    pay.approve_payroll_run(ui_db, admin, run_id=sup)
    pay.post_payroll_run(ui_db, admin, run_id=sup)
    at = admin_app.switch_page("pages/hr/payroll_runs.py").run()
    at = choose_section(at, "pr_section", "supplement")
    assert not at.exception, at.exception
    assert "尚欠多发工资（其他应收款）" in texts(at)
    at.number_input(key="pr_repay_amount").set_value(300.0)
    at.date_input(key="pr_repay_date").set_value(pq.run_detail(ui_db, admin, run_id=sup)["doc_date"]
                                                 + dt.timedelta(days=3))
    at = next(b for b in at.button if b.label == "登记职工退回").click().run()
    assert not at.exception, at.exception
    assert [(r["employee_code"], r["owed"]) for r in pq.owed_back_rows(ui_db, admin)] == [("E001", 500)]
