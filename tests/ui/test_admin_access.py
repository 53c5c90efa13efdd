"""Registration requests, active sessions and IP rules pages in AppTest (administrator)."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.kernel.actor import Actor
from erp_core.security.auth import login
from erp_core.security.models import Role, User, UserRole, UserSession
from erp_core.security.models_identity import IpRule
from erp_core.security.registration_services import REGISTRATION_PERMISSION, request_registration
from tests.ui.harness import choose_section, texts

REG = "pages/admin/registrations.py"
SESSIONS = "pages/admin/sessions.py"
IP = "pages/admin/ip_rules.py"
GOOD = "Str0ng-Passw0rd!"


def _request(db, username: str) -> int:
    visitor = Actor.anonymous(permissions=(REGISTRATION_PERMISSION,))
    return request_registration(db, visitor, username=username, display_name=username.title(), password=GOOD)


def _status_and_roles(db, user_id: int):
    with db.uow(readonly=True) as uow:
        s = uow.session
        status = s.get(User, user_id).status
        codes = s.execute(select(Role.code).join(UserRole, UserRole.role_id == Role.id)
                          .where(UserRole.user_id == user_id)).scalars().all()
        return status, sorted(codes)


def test_registration_is_opened_then_approved_with_a_role_and_another_rejected(ui_db, admin_app):
    at = admin_app.switch_page(REG).run()
    assert not at.exception, at.exception
    assert "已关闭" in texts(at) and "没有待审批的注册申请" in texts(at)
    at.button(key="ag_toggle").click()
    at = at.run()
    assert "已开放" in texts(at)
    first, second = _request(ui_db, "wu.xin"), _request(ui_db, "zheng.qi")
    at = at.run()
    assert not at.exception, at.exception
    at.selectbox(key="ag_pick").set_value(first)
    at = at.run()
    at.button(key="ag_approve").click()  # no role chosen: refused, naming the field
    at = at.run()
    assert at.error and "角色" in at.error[0].value
    assert _status_and_roles(ui_db, first) == ("pending", [])
    at.multiselect(key=f"ag_roles_{first}").select("viewer")
    at.button(key="ag_approve").click()
    at = at.run()
    assert not at.exception, at.exception
    assert _status_and_roles(ui_db, first) == ("active", ["viewer"])
    assert "已批准 wu.xin" in texts(at)
    at.selectbox(key="ag_pick").set_value(second)
    at = choose_section(at.run(), "ag_section", "reject")
    at.checkbox(key=f"ag_reject_ok_{second}").check()
    at.button(key="ag_reject").click()  # no reason given
    at = at.run()
    assert at.error and "原因" in at.error[0].value
    at.text_area(key=f"ag_reason_{second}").input("不认识此人")
    at.checkbox(key=f"ag_reject_ok_{second}").check()
    at.button(key="ag_reject").click()
    at = at.run()
    assert _status_and_roles(ui_db, second) == ("rejected", [])
    assert "没有待审批的注册申请" in texts(at)


def test_an_active_session_is_revoked_after_confirmation(ui_db, ui_company, admin_app):
    from tests.ui import harness

    password = harness.ready_user(ui_db, "li.kuaiji", ui_company.demo_passwords["li.kuaiji"])
    other = login(ui_db, "li.kuaiji", password, client_ip="10.9.8.7")
    at = admin_app.switch_page(SESSIONS).run()
    assert not at.exception, at.exception
    assert "10.9.8.7" in at.dataframe[0].value.to_string()
    with ui_db.uow(readonly=True) as uow:
        sid = uow.session.execute(select(UserSession.id).where(UserSession.client_ip == "10.9.8.7",
                                                               UserSession.revoked_at.is_(None))).scalar_one()
    at.selectbox(key="as_pick").set_value(sid)
    at = at.run()
    assert at.button(key="as_revoke").disabled
    at.checkbox(key="as_confirm").check()
    at = at.run()
    at.button(key="as_revoke").click()
    at = at.run()
    assert not at.exception, at.exception
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.get(UserSession, sid).revoked_at is not None
    assert f"会话 #{sid} 已注销" in texts(at)
    assert other.token  # the revoked session's token no longer names a live session (tests/security covers it)


def test_ip_rule_is_validated_added_for_a_role_and_deleted(ui_db, admin_app):
    at = admin_app.switch_page(IP).run()
    assert not at.exception, at.exception
    assert "尚未设置访问地址规则" in texts(at)
    at.radio(key="ai_kind").set_value("role")
    at = at.run()
    with ui_db.uow(readonly=True) as uow:
        viewer = uow.session.execute(select(Role.id).where(Role.code == "viewer")).scalar_one()
    at.selectbox(key="ai_role").set_value(viewer)
    at.text_input(key="ai_cidr").input("10.0.0.300/24")
    at.button(key="ai_submit").click()
    at = at.run()
    assert at.error and "允许的网络" in at.error[0].value
    at.text_input(key="ai_cidr").input("10.1.0.0/16")
    at.button(key="ai_submit").click()
    at = at.run()
    assert not at.exception, at.exception
    with ui_db.uow(readonly=True) as uow:
        rules = uow.session.execute(select(IpRule.cidr, IpRule.role_id)).all()
    assert [tuple(r) for r in rules] == [("10.1.0.0/16", viewer)]
    assert "已新增规则 10.1.0.0/16" in texts(at)
    at.checkbox(key="ai_delete_ok").check()
    at = at.run()
    at.button(key="ai_delete").click()
    at = at.run()
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.execute(select(IpRule.id)).first() is None
    assert "尚未设置访问地址规则" in texts(at)
