"""Anonymous pages next to the login: request an account (only when open), reset a password with a code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_core.security.models import User
from erp_core.security.registration_services import set_registration_open
from erp_core.security.reset_services import issue_reset_code
from tests.support.factories import admin_actor
from tests.ui import harness
from tests.ui.harness import texts


def test_registration_page_only_when_the_company_opens_it(ui_db, ui_company):
    at = harness.new_app().run()
    with pytest.raises(ValueError):
        at.switch_page("pages/auth/register.py")
    set_registration_open(ui_db, admin_actor(ui_db, ui_company), open=True)
    at = harness.new_app().run()
    at.switch_page("pages/auth/register.py").run()
    assert at.title[0].value == "申请账户"
    at.text_input(key="rg_username").input("new.person")
    at.text_input(key="rg_display_name").input("新同事")
    at.text_input(key="rg_password").input("Newcomer-Pass-7!")
    at.text_input(key="rg_confirm").input("Newcomer-Pass-7!")
    at.button(key="rg_submit").click().run()
    assert not at.exception
    assert "等待管理员批准" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        status = uow.session.execute(select(User.status).where(User.username == "new.person")).scalar_one()
    assert status == "pending"


def test_registration_errors_are_listed(ui_db, ui_company):
    set_registration_open(ui_db, admin_actor(ui_db, ui_company), open=True)
    at = harness.new_app().run()
    at.switch_page("pages/auth/register.py").run()
    at.text_input(key="rg_username").input("x")
    at.text_input(key="rg_password").input("short")
    at.text_input(key="rg_confirm").input("short")
    at.button(key="rg_submit").click().run()
    message = " ".join(e.value for e in at.error)
    assert "用户名" in message and "密码" in message


def test_reset_code_sets_a_new_password_that_logs_in(ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    with ui_db.uow(readonly=True) as uow:
        uid = uow.session.execute(select(User.id).where(User.username == "chen.cangguan")).scalar_one()
    issued = issue_reset_code(ui_db, admin, user_id=uid, send_email=False)
    at = harness.new_app().run()
    at.switch_page("pages/auth/reset.py").run()
    at.text_input(key="rs_username").input("chen.cangguan")
    at.text_input(key="rs_code").input(issued.code)
    at.text_input(key="rs_password").input("Cangguan-New-88!")
    at.text_input(key="rs_confirm").input("Cangguan-New-88!")
    at.button(key="rs_submit").click().run()
    assert not at.exception
    assert "密码已设置" in texts(at), texts(at)
    at.switch_page("pages/auth/login.py").run()
    at = harness.login_with_form(at, "chen.cangguan", "Cangguan-New-88!")
    assert at.title[0].value == "首次登录设置"


def test_wrong_reset_code_is_refused(ui_db, ui_company):
    at = harness.new_app().run()
    at.switch_page("pages/auth/reset.py").run()
    at.text_input(key="rs_username").input("chen.cangguan")
    at.text_input(key="rs_code").input("WRONGCODE")
    at.text_input(key="rs_password").input("Cangguan-New-88!")
    at.text_input(key="rs_confirm").input("Cangguan-New-88!")
    at.button(key="rs_submit").click().run()
    assert at.error
