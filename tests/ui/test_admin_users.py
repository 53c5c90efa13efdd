"""Admin pages in AppTest: users and locked accounts (an administrator sees and uses them; others do not get them)."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.security.models import User
from tests.ui import harness
from tests.ui.harness import texts

USERS = "pages/admin/users.py"
LOCKED = "pages/admin/locked.py"
GOOD = "Str0ng-Passw0rd!"


def _user(db, username: str) -> User | None:
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None:
            uow.session.expunge(user)
        return user


def test_admin_creates_a_user_with_forced_password_change(ui_db, admin_app):
    at = admin_app.switch_page(USERS).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "用户管理"
    at.text_input(key="au_new_username").input("zhao.liu")
    at.text_input(key="au_new_name").input("赵六")
    at.text_input(key="au_new_password").input(GOOD)
    at.button(key="au_create").click()
    at = at.run()
    assert not at.exception, at.exception
    assert "已创建用户 zhao.liu" in texts(at), texts(at)
    user = _user(ui_db, "zhao.liu")
    assert user is not None and user.status == "active" and user.must_change_password


def test_bad_input_names_every_field_and_writes_nothing(ui_db, admin_app):
    at = admin_app.switch_page(USERS).run()
    at.text_input(key="au_new_username").input("x")
    at.text_input(key="au_new_password").input("short")
    at.button(key="au_create").click()
    at = at.run()
    errors = " ".join(e.value for e in at.error)
    assert "姓名" in errors or "显示名" in errors, errors
    assert _user(ui_db, "x") is None


def test_edit_is_version_checked_and_disable_needs_confirmation(ui_db, admin_app):
    at = admin_app.switch_page(USERS).run()
    at.text_input(key="au_search").input("li.kuaiji")
    at = at.run()
    user = _user(ui_db, "li.kuaiji")
    assert at.selectbox(key="au_pick").value == user.id
    at.text_input(key=f"au_e_name_{user.id}").input("李会计二")
    at.button(key="au_save").click()
    at = at.run()
    assert not at.exception, at.exception
    assert _user(ui_db, "li.kuaiji").display_name == "李会计二"
    at = harness.choose_section(at, "au_section", "actions")
    # the disable button does nothing until confirmed
    assert at.button(key="au_disable").disabled
    at.checkbox(key="au_disable_ok").check()
    at = at.run()
    at.button(key="au_disable").click()
    at = at.run()
    assert _user(ui_db, "li.kuaiji").status == "disabled"
    assert "已停用 li.kuaiji" in texts(at)


def test_reset_code_is_shown_once_with_expiry(ui_db, admin_app):
    at = admin_app.switch_page(USERS).run()
    at.text_input(key="au_search").input("li.kuaiji")
    at = harness.choose_section(at.run(), "au_section", "actions")
    at.button(key="au_reset").click()
    at = at.run()
    assert not at.exception, at.exception
    assert len(at.code) == 1 and len(at.code[0].value) == 14  # XXXX-XXXX-XXXX
    assert "有效期至" in texts(at)
    at = at.run()
    assert not at.code


def test_locked_account_is_unlocked_after_confirmation(ui_db, admin_app):
    from erp_core.kernel.errors import DomainError
    from erp_core.security.auth import login

    for _ in range(ui_db.settings.security.lockout_threshold):
        try:
            login(ui_db, "li.kuaiji", "wrong-password", client_ip="10.1.1.1")
        except DomainError:
            pass
    assert _user(ui_db, "li.kuaiji").status == "locked"
    at = admin_app.switch_page(LOCKED).run()
    assert not at.exception, at.exception
    assert "li.kuaiji" in at.dataframe[0].value.to_string()
    assert at.button(key="al_unlock").disabled
    at.checkbox(key="al_confirm").check()
    at = at.run()
    at.button(key="al_unlock").click()
    at = at.run()
    assert _user(ui_db, "li.kuaiji").status == "active"
    assert "已解锁 li.kuaiji" in texts(at)
    assert "目前没有被锁定的账户" in texts(at)


def _pick(at, username: str):
    at.text_input(key="au_search").input(username)
    return at.run()


def test_a_concurrent_edit_is_refused_and_nothing_is_overwritten(ui_db, ui_company, admin_app):
    from erp_core.security.user_services import get_user, update_user
    from tests.support.factories import admin_actor

    at = _pick(admin_app.switch_page(USERS).run(), "li.kuaiji")
    uid = _user(ui_db, "li.kuaiji").id
    admin = admin_actor(ui_db, ui_company)
    row = get_user(ui_db, admin, user_id=uid)
    update_user(ui_db, admin, user_id=uid, version=row.version, display_name="别人改的")  # someone else saves
    at = at.run()
    assert "已被他人修改" in texts(at)  # the page notices the form is stale
    at.text_input(key=f"au_e_name_{uid}").input("我改的")
    at.button(key="au_save").click()
    at = at.run()
    assert at.error, texts(at)
    assert _user(ui_db, "li.kuaiji").display_name == "别人改的"
    at.button(key="au_reload").click()
    at = at.run()
    assert at.text_input(key=f"au_e_name_{uid}").value == "别人改的"
    at.text_input(key=f"au_e_name_{uid}").input("我改的")
    at.button(key="au_save").click()
    at = at.run()
    assert not at.error and _user(ui_db, "li.kuaiji").display_name == "我改的"


def test_roles_are_replaced_and_a_disabled_user_is_enabled_again(ui_db, admin_app):
    from tests.security.helpers import role_id

    at = _pick(admin_app.switch_page(USERS).run(), "li.kuaiji")
    uid = _user(ui_db, "li.kuaiji").id
    at = harness.choose_section(at, "au_section", "roles")
    roles = at.multiselect(key=f"au_roles_{uid}")
    roles.unselect(role_id(ui_db, "accountant")).select(role_id(ui_db, "viewer"))
    at.button(key="au_roles_save").click()
    at = at.run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value.iloc[0]["角色"] == "viewer"
    at = harness.choose_section(at, "au_section", "actions")
    at.checkbox(key="au_disable_ok").check()
    at = at.run()
    at.button(key="au_disable").click()
    at = at.run()
    assert _user(ui_db, "li.kuaiji").status == "disabled"
    assert at.button(key="au_enable").disabled
    at.checkbox(key="au_enable_ok").check()
    at = at.run()
    at.button(key="au_enable").click()
    at = at.run()
    assert _user(ui_db, "li.kuaiji").status == "active"
    assert "已启用 li.kuaiji" in texts(at)


def test_sign_out_everywhere_ends_the_users_sessions(ui_db, ui_company, admin_app):
    from erp_core.security.auth import login
    from erp_core.security.models import UserSession

    password = harness.ready_user(ui_db, "li.kuaiji", ui_company.demo_passwords["li.kuaiji"])
    login(ui_db, "li.kuaiji", password, client_ip="10.0.0.1")
    login(ui_db, "li.kuaiji", password, client_ip="10.0.0.2")
    at = harness.choose_section(_pick(admin_app.switch_page(USERS).run(), "li.kuaiji"), "au_section", "actions")
    at.checkbox(key="au_signout_ok").check()
    at = at.run()
    at.button(key="au_signout").click()
    at = at.run()
    assert not at.exception, at.exception
    assert "已结束 li.kuaiji 的 2 个会话" in texts(at)
    uid = _user(ui_db, "li.kuaiji").id
    with ui_db.uow(readonly=True) as uow:
        live = uow.session.execute(select(UserSession.id).where(UserSession.user_id == uid,
                                                                UserSession.revoked_at.is_(None))).all()
    assert live == []


def test_no_false_stale_warning_after_this_pages_own_actions_or_the_users_login(ui_db, ui_company, admin_app):
    """The edit form's version is this page's: a password set here, or the user signing in meanwhile, is no
    'modified by someone else' (issue #11 item 30)."""
    from erp_core.security.auth import login

    at = _pick(admin_app.switch_page(USERS).run(), "li.kuaiji")
    uid = _user(ui_db, "li.kuaiji").id
    at = harness.choose_section(at, "au_section", "actions")
    at.text_input(key="au_setpw").input("N3w-Passw0rd!x")
    at.button(key="au_setpw_submit").click()
    at = at.run()
    assert not at.exception, at.exception
    assert _user(ui_db, "li.kuaiji").must_change_password
    at = harness.choose_section(at, "au_section", "edit")  # the edit form, where a stale version would show
    assert "已被他人修改" not in texts(at), texts(at)
    login(ui_db, "li.kuaiji", "N3w-Passw0rd!x", client_ip="10.0.0.9")  # the user signs in meanwhile
    for _ in range(3):
        login_fail = None
        try:
            login(ui_db, "li.kuaiji", "Wrong-Passw0rd!", client_ip="10.0.0.9")
        except Exception as exc:  # noqa: BLE001
            login_fail = exc
        assert login_fail is not None
    at = at.run()
    assert "已被他人修改" not in texts(at), texts(at)
    at.text_input(key=f"au_e_name_{uid}").input("李会计三")
    at.button(key="au_save").click()
    at = at.run()
    assert not at.error, texts(at)
    assert _user(ui_db, "li.kuaiji").display_name == "李会计三"


def test_projects_are_assigned_on_the_user_form(ui_db, ui_company, admin_app):
    from erp_core.masterdata.org_services import create_project
    from tests.support.factories import admin_actor

    admin = admin_actor(ui_db, ui_company)
    p1 = create_project(ui_db, admin, code="PX1", name="一号项目")
    at = _pick(admin_app.switch_page(USERS).run(), "li.kuaiji")
    uid = _user(ui_db, "li.kuaiji").id
    at = harness.choose_section(at, "au_section", "roles")
    at.multiselect(key=f"au_projects_{uid}").select(p1)
    at.button(key="au_projects_save").click()
    at = at.run()
    assert not at.exception, at.exception
    from erp_core.security.user_services import get_user

    assert get_user(ui_db, admin, user_id=uid).project_ids == (p1,)
    assert "已被他人修改" not in texts(at)
