"""Roles and grants page in AppTest: create a role, rename it (version-checked), edit the grant matrix with the
difference shown before a confirmed save. (Cell editing of st.data_editor is a browser interaction; here the
page's matrix draft is changed the way the editor changes it.)"""

from __future__ import annotations

from sqlalchemy import select

from erp_core.security.models import Role, RolePermission
from tests.ui.harness import choose_section, texts

ROLES = "pages/admin/roles.py"


def _role(db, code: str):
    with db.uow(readonly=True) as uow:
        role = uow.session.execute(select(Role).where(Role.code == code)).scalar_one_or_none()
        if role is None:
            return None, {}
        grants = dict(uow.session.execute(select(RolePermission.permission, RolePermission.scope)
                                          .where(RolePermission.role_id == role.id)).all())
        uow.session.expunge(role)
        return role, grants


def test_create_and_rename_a_role(ui_db, admin_app):
    at = admin_app.switch_page(ROLES).run()
    assert not at.exception, at.exception
    at.text_input(key="ar_new_code").input("Bad Code")
    at.button(key="ar_create").click()
    at = at.run()
    assert at.error and "角色代码" in at.error[0].value  # the field is named
    at.text_input(key="ar_new_code").input("cashier")
    at.text_input(key="ar_new_zh").input("出纳")
    at.text_input(key="ar_new_en").input("Cashier")
    at.button(key="ar_create").click()
    at = at.run()
    assert not at.exception, at.exception
    role, grants = _role(ui_db, "cashier")
    assert role is not None and grants == {}
    assert at.selectbox(key="ar_pick").value == role.id
    at = choose_section(at, "ar_section", "edit")
    at.text_input(key=f"ar_e_zh_{role.id}").input("出纳员")
    at.button(key="ar_save").click()
    at = at.run()
    assert _role(ui_db, "cashier")[0].name_zh == "出纳员"
    assert "已保存" in texts(at)


def test_grant_matrix_shows_the_difference_and_saves_after_confirmation(ui_db, admin_app):
    before_role, before = _role(ui_db, "viewer")
    at = admin_app.switch_page(ROLES).run()
    at.selectbox(key="ar_pick").set_value(before_role.id)
    at = at.run()
    assert not at.exception, at.exception
    assert "尚无变更" in texts(at)
    draft = at.session_state[f"ar_draft_{before_role.id}"]
    assert {p: s for p, s in draft["grants"].items() if s != "none"} == before
    rescoped, removed = sorted(before)[:2]
    draft["grants"][rescoped] = "all"
    draft["grants"][removed] = "none"
    draft["grants"]["admin.user.view"] = "own"
    at = at.run()
    assert not at.exception, at.exception
    shown = at.dataframe[-1].value.to_string()
    assert rescoped in shown and removed in shown and "admin.user.view" in shown
    assert "新增" in shown and "移除" in shown and "调整范围" in shown
    assert at.button(key="ar_grant_save").disabled
    at.checkbox(key="ar_grant_ok").check()
    at = at.run()
    at.button(key="ar_grant_save").click()
    at = at.run()
    assert not at.exception, at.exception
    _, after = _role(ui_db, "viewer")
    expected = dict(before)
    expected[rescoped] = "all"
    del expected[removed]
    expected["admin.user.view"] = "own"
    assert after == expected
    assert "已保存角色 viewer 的授权（3 项变更）" in texts(at)


def test_administrator_role_matrix_is_read_only(ui_db, admin_app):
    admin_role, _ = _role(ui_db, "admin")
    at = admin_app.switch_page(ROLES).run()
    at.selectbox(key="ar_pick").set_value(admin_role.id)
    at = at.run()
    assert not at.exception, at.exception
    assert "管理员角色始终拥有全部权限" in texts(at)
    assert not [b for b in at.button if b.key == "ar_grant_save"]
