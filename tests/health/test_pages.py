"""The health and data-quality pages in AppTest (SQLite): an administrator sees the figures, the sections (checks,
errors, growth, backups and scheduler "not available"), each quality check's count, its drill-down rows and the
Excel download; a salesperson gets neither page in the menu."""

from __future__ import annotations

from erp_core.masterdata import partners_services
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


def test_health_page_sections(admin_app):  # noqa: F811
    at = admin_app.switch_page("pages/admin/health.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "系统日志"
    labels = [m.label for m in at.metric]
    assert labels == ["数据库大小", "磁盘剩余空间", "在线会话", "近期错误"]
    assert "还没有运行过" in texts(at)  # no `erp check` recorded yet
    for code, expected in (("errors", "应用日志目录"), ("growth", "至少需要两次"),
                           ("backups", "还没有任何备份"), ("scheduler", "计划任务还没有运行记录")):
        at = choose_section(at, "hl_section", code)
        assert not at.exception, (code, at.exception)
        assert expected in texts(at), code


def test_data_quality_page_counts_drill_down_and_export(ui_db, ui_company, admin_app):  # noqa: F811
    admin = admin_actor(ui_db, ui_company)
    partners_services.create_customer(ui_db, admin, values={"code": "C9", "name": "无税号客户"})
    at = admin_app.switch_page("pages/admin/data_quality.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据质量"
    summary = at.dataframe[0].value
    counts = dict(zip(summary["检查项"], summary["数量"], strict=True))
    assert counts["缺少税号的客户"] == 1 and counts["凭证断号"] == 0 and len(counts) == 9
    at.selectbox(key="dq_pick").set_value("customers_without_tax_id")
    at = at.run()
    rows = at.dataframe[1].value
    assert list(rows["编码"]) == ["C9"] and list(rows["名称"]) == ["无税号客户"]
    at.button(key="dq_prepare").click()
    at = at.run()
    assert not at.exception, at.exception
    picked, filename, data, _mime = at.session_state["dq_export"]
    assert picked == "customers_without_tax_id" and filename.endswith(".xlsx") and data[:2] == b"PK"


def test_a_salesperson_has_neither_page(login_as):  # noqa: F811
    from ui.nav import pages_for

    at = login_as("wang.xiaoshou")
    files = {p.file for group in pages_for(at.session_state["erp_actor"]).values() for p in group}
    assert "pages/admin/health.py" not in files and "pages/admin/data_quality.py" not in files
    assert "pages/help/center.py" in files and "pages/help/feedback.py" in files


def test_major_changes_page_request_and_second_person_approves(ui_db, ui_company, admin_app):  # noqa: F811
    from erp_core.changes.queries import supplier_bank_accounts
    from erp_core.masterdata import partners_services as ps
    from tests.security.helpers import PASSWORD, new_user
    from tests.ui import harness

    admin = admin_actor(ui_db, ui_company)
    sid = ps.create_supplier(ui_db, admin, values={"code": "S1", "name": "江南原料厂"})
    at = admin_app.switch_page("pages/admin/major_changes.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "重大变更审批" and "没有等待审批的重大变更" in texts(at)
    at = choose_section(at, "mc_section", "bank")
    at.text_input[0].input("工商银行长沙分行")
    at.text_input[1].input("6222 0000 1111")
    at.text_input[2].input("江南原料厂")
    at = next(b for b in at.button if b.label == "保存银行账户").click().run()
    assert not at.exception, at.exception
    assert "另一位审批人批准后才生效" in texts(at)
    at = choose_section(at, "mc_section", "pending")
    assert "这是您本人提出的变更" in texts(at)
    at = at.button(key="mc_approve").click().run()
    assert "不能审批自己" in texts(at)  # the requester is refused
    assert supplier_bank_accounts(ui_db, admin, supplier_id=sid) == []

    new_user(ui_db, admin, "second.admin", roles=("admin",))
    password = harness.ready_user(ui_db, "second.admin", PASSWORD)
    other = harness.logged_in_app(ui_db, "second.admin", password).switch_page("pages/admin/major_changes.py").run()
    assert not other.exception, other.exception
    other = other.button(key="mc_approve").click().run()
    assert not other.exception, other.exception
    assert "已批准并生效" in texts(other)
    (account,) = supplier_bank_accounts(ui_db, admin, supplier_id=sid)
    assert account["account_number"] == "622200001111"
