"""The payroll imports are on the import page (导入) for whoever may set pay, like every other import: the HR
officer finds payroll inputs and the tax client's 专项附加扣除 file there, with templates and, for the latter, the
payroll month; the registry's dry run reports a bad month (it does not raise) and the CLI still takes --period."""

from __future__ import annotations

import datetime as dt

from erp_core.i18n import t
from erp_core.io.reading import read_table
from erp_core.io.registry import import_kinds
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_password, login_as, ui_company, ui_db  # noqa: F401


def test_hr_officer_finds_the_payroll_imports_with_the_month(login_as):  # noqa: F811
    at = login_as("liu.renshi").switch_page("pages/masterdata/import.py").run()
    assert not at.exception, at.exception
    box = at.selectbox[0]
    labels = {t("hr.import.payroll_inputs", "zh_CN"), t("hr.import.sad_ytd", "zh_CN")}
    assert labels <= set(box.options), box.options
    at = box.select("payroll-inputs").run()
    assert not at.exception, at.exception
    assert not at.text_input  # payroll inputs carry their month in each row
    assert len(at.get("download_button")) == 2  # the template as XLSX and CSV
    at = at.selectbox[0].select("sad-ytd").run()
    assert not at.exception, at.exception
    month = [w for w in at.text_input if w.label == t("field.hr.period", "zh_CN")]
    assert month and month[0].value == dt.date.today().strftime("%Y-%m")
    assert len(at.get("download_button")) == 2


def test_a_user_who_may_not_set_pay_does_not_see_them(login_as):  # noqa: F811
    at = login_as("zhao.caigou").switch_page("pages/masterdata/import.py").run()
    assert not at.exception, at.exception
    options = set(at.selectbox[0].options) if at.selectbox else set()
    assert not {t("hr.import.payroll_inputs", "zh_CN"), t("hr.import.sad_ytd", "zh_CN")} & options


def test_the_registry_dry_run_reports_a_bad_month_and_the_template_has_the_tax_layout(ui_db, ui_company):  # noqa: F811
    from erp_core.hr.payroll.queries import IIT_DECLARATION_COLUMNS

    admin = admin_actor(ui_db, ui_company)
    kind = import_kinds()["sad-ytd"]
    template = kind.template(ui_db, admin, fmt="csv", locale="zh_CN")
    table = read_table(template.data, template.filename)
    assert table.headers == list(IIT_DECLARATION_COLUMNS)
    report = kind.dry_run(ui_db, admin, table, period="2026-13")
    assert [p.message_id for p in report.problems] == ["error.hr.period"] and not report.committed
    inputs = import_kinds()["payroll-inputs"].template(ui_db, admin, fmt="csv", locale="zh_CN")
    assert read_table(inputs.data, inputs.filename).headers == ["工号*", "期间*", "薪资项目*", "金额*"]
    # the template reads back: its columns are recognised (only its example employee is unknown here)
    report = import_kinds()["payroll-inputs"].dry_run(ui_db, admin, read_table(inputs.data, inputs.filename))
    assert [(p.column, p.message_id) for p in report.problems] == [("employee_code", "error.hr.unknown_employee")]
