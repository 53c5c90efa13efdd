"""The backups and upgrades pages in Streamlit AppTest (SQLite): back up now, the list with its filters and
export, verification, restore refused over the live database without confirmation, scheduled jobs and
settings; the upgrade page shows the versions and the log; a salesperson does not see them."""

from __future__ import annotations

import pytest

from erp_core.operations import backup as bk
from erp_core.operations.services import update_backup_settings
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


@pytest.fixture(params=["sqlite"])
def backend(request):  # page tests run on SQLite only (the app under test uses a SQLite file)
    return request.param


@pytest.fixture
def backup_root(ui_db, ui_company, tmp_path):  # noqa: F811
    root = tmp_path / "backups"
    update_backup_settings(ui_db, admin_actor(ui_db, ui_company), backup_dir=str(root))
    return root


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_back_up_list_verify_and_refuse_live_restore(admin_app, backup_root, ui_db):  # noqa: F811
    at = admin_app.switch_page("pages/admin/backups.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "备份与恢复"
    assert "还没有备份" in texts(at)
    at = _button(at, "ob_new_full").click().run()
    assert not at.exception, at.exception
    [made] = bk.list_backups(backup_root)
    assert f"备份 {made.id} 已完成" in texts(at)
    df = at.dataframe[0].value
    assert list(df["备份编号"]) == [made.id] and list(df["类型"]) == ["完整"] and list(df["验证"]) == ["未验证"]
    assert len(at.get("download_button")) == 1

    next(s for s in at.selectbox if s.key == "ob_kind").select("incremental")
    at = at.run()
    assert "还没有备份" in texts(at)
    next(s for s in at.selectbox if s.key == "ob_kind").select("")
    at = at.run()

    at = _button(at, "ob_verify").click().run()
    assert not at.exception, at.exception
    assert "验证通过" in texts(at)
    assert list(at.dataframe[0].value["验证"]) == ["已验证"]

    # restore over the live database: the button stays disabled until confirmed, then the live box is required
    assert _button(at, "ob_restore").disabled
    next(t for t in at.text_input if t.key == "ob_to_url").set_value(
        ui_db.engine.url.render_as_string(hide_password=False))
    next(c for c in at.checkbox if c.key == "ob_confirm").check()
    at = at.run()
    at = _button(at, "ob_restore").click().run()
    assert "覆盖前必须明确确认" in texts(at)
    assert len(bk.list_backups(backup_root)) == 1


def test_jobs_and_settings_sections(admin_app, backup_root):  # noqa: F811
    at = admin_app.switch_page("pages/admin/backups.py").run()
    at = choose_section(at, "ob_section", "jobs")
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert any("完整备份" in j for j in df["任务"])
    at = choose_section(at, "ob_section", "settings")
    assert not at.exception, at.exception
    next(t for t in at.text_input if t.key == "os_keep_full").set_value("0")
    at = next(b for b in at.button if "保存设置" in b.label).click().run()
    assert "保留完整备份数" in texts(at) and "1 到 100" in texts(at)


def test_upgrade_page_shows_versions_and_notes(admin_app):  # noqa: F811
    from erp_core.db.migrate import head_revision

    at = admin_app.switch_page("pages/admin/upgrades.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "系统升级"
    assert [m.value for m in at.metric][:2] == [head_revision(), head_revision()]
    assert "数据库已是最新版本" in texts(at) and "还没有升级记录" in texts(at)


def test_a_salesperson_cannot_open_the_pages(login_as):  # noqa: F811
    at = login_as("wang.xiaoshou")
    assert not at.exception
    for file in ("pages/admin/backups.py", "pages/admin/upgrades.py"):
        with pytest.raises(ValueError, match="Known pages"):  # not in the navigation app.py built
            at.switch_page(file)


def test_home_alerts_administrators_of_a_failed_verification_and_everyone_of_maintenance(admin_app, ui_db,  # noqa: F811
                                                                                          monkeypatch):
    import json

    from erp_core.operations import maintenance, opsconfig

    with ui_db.uow() as uow:
        opsconfig.write(uow.session, "last_verification", json.dumps(
            {"ok": False, "backup": "20260101-000000-full-abcd", "problems": ["rows company: 1 != 0"]}))
        uow.commit()
    at = admin_app.run()
    assert "备份恢复验证失败（20260101-000000-full-abcd）" in texts(at)
    # the real flag: a row in this test's own database (it was a file in the checkout's shared data folder)
    maintenance.begin(ui_db, {"reason": "upgrade", "from": "0012", "to": "0017"})
    try:
        at = at.run()
        assert "系统正在升级（0012 → 0017）" in texts(at)
    finally:
        maintenance.end(ui_db)
    maintenance.begin(ui_db, {"reason": "机房断电检修"})  # switched on by hand: erp maintenance on --reason
    try:
        at = at.run()
        assert "系统维护中（机房断电检修），暂时只能查看，不能保存。" in texts(at)
    finally:
        maintenance.end(ui_db)
    at = at.run()
    assert not any("系统维护中" in x or "系统正在升级" in x for x in texts(at))


def test_maintenance_mode_on_the_upgrade_page(admin_app, ui_db):  # noqa: F811
    """Off at first; on needs the confirmation box and a reason (refused without one, nothing changed); then
    the state with who and when; off again. Each change is one audited operation."""
    import json

    from sqlalchemy import select

    from erp_core.operations import maintenance
    from erp_core.security.models import AuditLog

    def entries():
        with ui_db.uow(readonly=True) as uow:
            return [(r.outcome, json.loads(r.details)["params"] if isinstance(r.details, str) else r.details["params"])
                    for r in uow.session.execute(select(AuditLog).where(AuditLog.entity == "maintenance")
                                                 .order_by(AuditLog.id)).scalars()]

    at = admin_app.switch_page("pages/admin/upgrades.py").run()
    assert not at.exception, at.exception
    assert "维护模式" in [s.value for s in at.subheader]
    assert "维护模式未开启" in texts(at)
    assert _button(at, "ou_maint_on").disabled, "on only after the confirmation box"
    next(c for c in at.checkbox if c.key == "ou_maint_confirm").check()
    at = at.run()
    at = _button(at, "ou_maint_on").click().run()  # no reason
    assert not at.exception, at.exception
    assert any("维护原因" in e.value for e in at.error), [e.value for e in at.error]
    assert maintenance.read(ui_db) is None
    assert [o for o, _ in entries()] == ["failed"]

    next(t for t in at.text_input if t.key == "ou_maint_reason").set_value("迁移服务器")
    at = _button(at, "ou_maint_on").click().run()
    assert not at.exception, at.exception
    notice = maintenance.read(ui_db)
    assert notice["reason"] == "迁移服务器" and notice["by"] == "admin" and notice["since"]
    shown = texts(at)
    assert "维护模式已开启：迁移服务器（由 admin 于" in shown, shown
    assert entries()[-1] == ("ok", {"on": True, "reason": "迁移服务器"})

    at = _button(at, "ou_maint_off").click().run()
    assert not at.exception, at.exception
    assert maintenance.read(ui_db) is None
    assert "维护模式已关闭" in texts(at) and "维护模式未开启" in texts(at)
    assert entries()[-1] == ("ok", {"on": False})
