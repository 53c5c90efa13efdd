"""Audit log page in AppTest: filters and paging, a change shown before -> after, CSV export, chain verification,
and archiving old entries after confirmation."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from sqlalchemy import func, select

from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import set_clock
from erp_core.security.models import AuditLog, User
from erp_core.security.models_identity import AuditArchive
from erp_core.security.role_services import create_role
from erp_core.security.user_services import get_user, update_user
from tests.support.factories import admin_actor
from tests.ui import harness
from tests.ui.harness import ROOT, texts

AUDIT = "pages/admin/audit.py"


def _li(db):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(User.id).where(User.username == "li.kuaiji")).scalar_one()


def test_filters_detail_before_after_and_csv_export(ui_db, ui_company, admin_app):
    admin = admin_actor(ui_db, ui_company)
    uid = _li(ui_db)
    row = get_user(ui_db, admin, user_id=uid)
    update_user(ui_db, admin, user_id=uid, version=row.version, display_name="李会计（新）")
    at = admin_app.switch_page(AUDIT).run()
    assert not at.exception, at.exception
    at.text_input(key="aa_entity").input("user")
    at.text_input(key="aa_module").input("admin")
    at = at.run()
    listed = at.dataframe[0].value.to_string()
    assert "admin.user.edit" in listed and "security.session.login" not in listed
    edit_seq = int(at.dataframe[0].value.iloc[0, 0])
    at.selectbox(key="aa_pick").set_value(edit_seq)
    at = at.run()
    changes = at.dataframe[1].value.to_string()
    assert "display_name" in changes and "李会计" in changes and "李会计（新）" in changes
    at.selectbox(key="aa_outcome").set_value("denied")
    at = at.run()
    assert at.dataframe[0].value.empty
    at.selectbox(key="aa_outcome").set_value(None)
    at.button(key="aa_prepare_csv").click()
    at = at.run()
    assert not at.exception, at.exception
    fmt, data = at.session_state["aa_export"]
    text = data.decode("utf-8-sig")
    assert fmt == "csv" and "admin.user.edit" in text and "security.session.login" not in text


def test_paging_and_a_bad_time_range_names_the_field(ui_db, ui_company, admin_app):
    system = Actor.system(company_id=ui_company.company_id)
    for i in range(30):
        create_role(ui_db, system, code=f"role_{i:02d}", name_zh=f"角色{i}", name_en=f"Role {i}")
    at = admin_app.switch_page(AUDIT).run()
    at.selectbox(key="aa_page_size").set_value(25)
    at = at.run()
    with ui_db.uow(readonly=True) as uow:
        total = uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    assert total > 25
    assert len(at.dataframe[0].value) == 25
    at.number_input(key="aa_page").set_value(2)
    at = at.run()
    assert not at.exception, at.exception
    assert 0 < len(at.dataframe[0].value) <= 25
    today = dt.date.today()
    at.date_input(key="aa_since").set_value(today)
    at.date_input(key="aa_until").set_value(today - dt.timedelta(days=2))
    at = at.run()
    assert at.error and "“结束时间”须晚于开始时间" in at.error[0].value


def test_verify_then_archive_old_entries_after_confirmation(ui_db, ui_company, admin_app, tmp_path, monkeypatch):
    # archives go to the data folder of the configuration: a copy of config.toml in tmp_path
    # ... which lets entries of one day be archived (the shipped minimum age is 180 days)
    config = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert "audit_archive_min_days = 180" in config
    (tmp_path / "config.toml").write_text(config.replace("audit_archive_min_days = 180", "audit_archive_min_days = 1"),
                                          encoding="utf-8")
    monkeypatch.setenv("ERP_CONFIG", str(tmp_path / "config.toml"))
    harness.reset_ui_caches()
    real = dt.datetime.now(dt.UTC)
    set_clock(lambda: real - dt.timedelta(days=3))
    try:
        create_role(ui_db, Actor.system(company_id=ui_company.company_id), code="old_role", name_zh="旧角色",
                    name_en="Old role")
    finally:
        set_clock(None)
    with ui_db.uow(readonly=True) as uow:
        old_seq = uow.session.execute(select(AuditLog.seq).where(AuditLog.action == "admin.role.create")
                                      .order_by(AuditLog.seq.desc())).scalars().first()
    at = admin_app.switch_page(AUDIT).run()
    at.button(key="aa_verify").click()
    at = at.run()
    assert "校验通过" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        head = uow.session.execute(select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq.desc())).first()
    assert [c.value for c in at.code] == [f"erp-audit-anchor/1:{head.seq}:{head.hash}"]  # the anchor to keep
    at.date_input(key="aa_before").set_value(dt.date.today() - dt.timedelta(days=1))
    at = at.run()
    assert at.button(key="aa_archive").disabled
    at.checkbox(key="aa_archive_ok").check()
    at = at.run()
    at.button(key="aa_archive").click()
    at = at.run()
    assert not at.exception, at.exception
    assert f"已归档 {old_seq} 条记录" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        archive = uow.session.execute(select(AuditArchive)).scalar_one()
        assert (archive.from_seq, archive.to_seq) == (1, old_seq)
        assert uow.session.execute(select(func.min(AuditLog.seq))).scalar_one() == old_seq + 1
        path = Path(archive.file_name)
    assert path.is_relative_to(tmp_path) and path.exists()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        assert json.loads(f.readline())["count"] == old_seq
    at.button(key="aa_verify").click()
    at = at.run()
    assert "校验通过" in texts(at)


def test_verify_names_the_first_broken_link(ui_db, admin_app):
    """Someone with database access edits an entry behind the application's back (dropping the guard
    trigger first): the page shows where the chain breaks."""
    from erp_core.db.append_only import drop_ddl

    with ui_db.uow() as uow:
        for ddl in drop_ddl("sqlite", "audit_log"):
            uow.session.connection().exec_driver_sql(ddl)
        uow.session.connection().exec_driver_sql("UPDATE audit_log SET username = 'mallory' WHERE seq = 2")
        uow.commit()
    at = admin_app.switch_page(AUDIT).run()
    at.button(key="aa_verify").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("第一个断裂处在序号 2" in e.value and "记录内容与其哈希不符" in e.value for e in at.error), texts(at)


def test_operations_are_named_and_user_data_is_never_markdown(ui_db, ui_company, admin_app):
    """Item 23: the operation's catalog name is shown, its code kept beside it (screen and export). Item 7: a
    username an anonymous visitor typed (here markdown: a link and an external image) stays inert text."""
    from erp_core.kernel.errors import DomainError
    from erp_core.security.auth import login

    evil = "[click](https://evil.example/x)![i](https://evil.example/i.png)"
    try:
        login(ui_db, evil, "whatever-password", client_ip="203.0.113.9")
    except DomainError:
        pass
    admin = admin_actor(ui_db, ui_company)
    uid = _li(ui_db)
    update_user(ui_db, admin, user_id=uid, version=get_user(ui_db, admin, user_id=uid).version, display_name="李")
    at = admin_app.switch_page(AUDIT).run()
    table = at.dataframe[0].value
    edit = table[table["操作代码"] == "admin.user.edit"].iloc[0]
    assert edit["操作名称"] == "修改用户资料"
    assert (table[table["操作代码"] == "security.session.login"]["操作名称"] == "登录").all()
    with ui_db.uow(readonly=True) as uow:
        seq = uow.session.execute(select(AuditLog.seq).where(AuditLog.action == "security.session.login",
                                                             AuditLog.outcome != "ok")
                                  .order_by(AuditLog.seq.desc())).scalars().first()
    at.selectbox(key="aa_pick").set_value(seq)
    at = at.run()
    assert not at.exception, at.exception
    assert any(x.value.startswith(f"#{seq} · ") for x in at.text)  # the entry's header, as plain text
    for md in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error]:
        assert "evil.example" not in md.value, md.value
    at.button(key="aa_prepare_csv").click()
    at = at.run()
    rows = at.session_state["aa_export"][1].decode("utf-8-sig").splitlines()
    assert rows[0].startswith("序号,时间（Asia/Shanghai）,用户,") and ",操作名称,操作代码," in rows[0]
    assert any(",修改用户资料,admin.user.edit," in r for r in rows)
