"""The app shell in Streamlit AppTest: setup wizard, login gate, logout, home page, language switch."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from erp_core.masterdata.models import Company
from erp_core.security.models import User
from erp_core.setup.demo import demo_tax_id
from erp_core.setup.services import needs_setup
from tests.support.factories import ADMIN_PASSWORD
from tests.ui import harness
from tests.ui.harness import texts
from ui.auth import REASON_KEY, TOKEN_KEY

GOOD = "Str0ng-Admin-Pass!"


def _companies(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(Company)).scalar_one()


def _fill_wizard(at, *, company="长沙测试有限公司", tax_id=None, username="boss", password=GOOD, confirm=None,
                 demo=False):
    at.text_input(key="wz_company_name").input(company)
    at.text_input(key="wz_tax_id").input(demo_tax_id() if tax_id is None else tax_id)
    at.text_input(key="wz_username").input(username)
    at.text_input(key="wz_display_name").input("老板")
    at.text_input(key="wz_password").input(password)
    at.text_input(key="wz_confirm").input(password if confirm is None else confirm)
    if demo:
        at.checkbox(key="wz_demo").check()
    at.button(key="wz_submit").click()
    return at.run()


def test_new_install_shows_only_the_wizard(ui_db):
    at = harness.new_app().run()
    assert not at.exception
    assert at.title[0].value == "初始化向导"
    assert "登录" not in [b.label for b in at.button]


def test_wizard_names_every_bad_field_in_the_chosen_language_and_writes_nothing(ui_db):
    at = harness.new_app().run()
    at.selectbox(key="erp_wizard_locale").set_value("en").run()
    assert at.title[0].value == "Setup wizard"
    at = _fill_wizard(at, company="", tax_id="12345", username="x", password="short")
    errors = [e.value for e in at.error]
    assert any("Company" in e and "required" in e for e in errors), errors
    assert any("credit code" in e.lower() or "tax" in e.lower() for e in errors), errors
    assert any("characters" in e for e in errors), errors
    assert len(errors) >= 4
    assert _companies(ui_db) == 0 and needs_setup(ui_db)


def test_wizard_password_confirmation_must_match(ui_db):
    at = _fill_wizard(harness.new_app().run(), confirm="Another-Pass-99!")
    assert "两次输入的密码不一致" in [e.value for e in at.error]
    assert _companies(ui_db) == 0


def test_wizard_creates_company_then_login_and_is_unreachable(ui_db):
    at = _fill_wizard(harness.new_app().run(), demo=True)
    assert not at.exception
    assert _companies(ui_db) == 1
    assert at.title[0].value == "登录"
    assert "初始化完成" in texts(at)
    shown = at.table[0].value.to_string()  # demo passwords, shown once
    assert "zhang.zong" in shown and "li.kuaiji" in shown
    # the wizard is gone: asking for it lands on the login page
    with pytest.raises(ValueError, match="Known pages"):  # not among the pages app.py offers any more
        at.switch_page("pages/auth/wizard.py")
    at.run()
    assert at.title[0].value == "登录"
    fresh = harness.new_app().run()
    assert fresh.title[0].value == "登录" and not fresh.table  # passwords never shown again
    # the administrator can sign in and is asked for first-login preferences
    at = harness.login_with_form(fresh, "boss", GOOD)
    assert at.title[0].value == "首次登录设置"


def test_login_with_good_password_reaches_home(ui_db, admin_password):
    at = harness.new_app().run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    at = harness.login_with_form(at, "admin", admin_password)
    assert not at.exception
    assert at.title[0].value == "管理员，欢迎回来"
    assert at.session_state[TOKEN_KEY]


def tr_zh(key: str) -> str:
    from erp_core.i18n import t

    return t(key, "zh_CN")


def test_wrong_password_is_refused_with_a_clear_message(ui_db, admin_password):
    at = harness.login_with_form(harness.new_app().run(), "admin", "Wrong-Pass-123!")
    refused = tr_zh("error.login.failed")
    assert [e.value for e in at.error] == [refused]
    assert at.title[0].value == "登录"
    assert TOKEN_KEY not in at.session_state
    # unknown user: the very same message, so usernames cannot be probed
    at = harness.login_with_form(at, "no.such.user", "Wrong-Pass-123!")
    assert [e.value for e in at.error] == [refused]


def test_lockout_after_repeated_failures_even_with_the_right_password(ui_db, admin_password):
    at = harness.new_app().run()
    for _ in range(ui_db.settings.security.lockout_threshold):
        at = harness.login_with_form(at, "admin", "Wrong-Pass-123!")
    at = harness.login_with_form(at, "admin", admin_password)
    assert at.title[0].value == "登录"
    message = " ".join(e.value for e in at.error)
    assert "锁定" in message, message


def test_logout_revokes_the_session_so_a_replayed_token_fails(ui_db, admin_password):
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    token = at.session_state[TOKEN_KEY]
    at.button(key="erp_logout_button").click().run()
    assert at.title[0].value == "登录"
    assert "您已退出登录" in texts(at)
    replay = harness.new_app()
    replay.session_state[TOKEN_KEY] = token  # the same token as a stolen cookie would carry
    replay.run()
    assert replay.title[0].value == "登录"
    assert replay.session_state[REASON_KEY] == "logout"


def test_disabled_user_is_sent_to_login_on_the_next_run(ui_db, admin_password, monkeypatch):
    from tests.security.helpers import past_the_recheck_window

    at = harness.logged_in_app(ui_db, "admin", admin_password)
    with ui_db.uow() as uow:  # an administrator's action in another app process (the use case lives in security)
        uow.session.execute(User.__table__.update().where(User.username == "admin").values(status="disabled"))
        uow.commit()
    past_the_recheck_window(monkeypatch)  # this process sees it at the first rerun after the recheck window
    at.run()
    assert at.title[0].value == "登录"
    assert "不可用" in texts(at)


def test_home_shows_company_date_and_money_in_the_users_language(ui_db, admin_password):
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    body = texts(at)
    assert "测试商贸有限公司" in body
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert today.isoformat() in body  # the company's date format (settings; YYYY-MM-DD unless changed)
    assert "¥1,234,567.50" in body
    assert "修改密码" in [link.proto.label for link in at.sidebar.get("page_link")]  # user menu


def test_language_switch_changes_texts_and_is_saved(ui_db, admin_password):
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    at.selectbox(key="erp_lang_user").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Welcome back, 管理员"
    assert "Sign out" in [b.label for b in at.button]
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.execute(select(User.locale).where(User.username == "admin")).scalar_one() == "en"


def test_generated_password_must_be_changed_first_then_preferences_then_home(ui_db, ui_company):
    user = "li.kuaiji"
    at = harness.logged_in_app(ui_db, user, ui_company.demo_passwords[user])
    assert at.title[0].value == "修改密码"
    at.text_input(key="cp_current").input(ui_company.demo_passwords[user])
    at.text_input(key="cp_new").input("Kuaiji-New-2026!")
    at.text_input(key="cp_confirm").input("Kuaiji-New-2026!")
    at.button(key="cp_submit").click().run()
    assert not at.exception
    assert at.title[0].value == "首次登录设置"
    at.selectbox(key="pref_locale").set_value("en")
    at.button(key="pref_submit").click().run()
    assert at.title[0].value == "Welcome back, 李会计"


def test_admin_password_constant_is_what_the_harness_uses():
    assert ADMIN_PASSWORD == "Adm1n-Test-Pass!"


def test_idle_session_sends_the_user_to_login_with_the_reason(ui_db, admin_password, monkeypatch):
    import datetime as dt

    from erp_core.security.models import UserSession
    from tests.security.helpers import past_the_recheck_window

    at = harness.logged_in_app(ui_db, "admin", admin_password)
    idle = dt.timedelta(minutes=ui_db.settings.security.idle_timeout_minutes + 1)
    with ui_db.uow() as uow:  # time passes: the session was last seen longer ago than the idle timeout
        for row in uow.session.query(UserSession).all():
            row.last_seen_at -= idle
        uow.commit()
    past_the_recheck_window(monkeypatch)  # the session is read again once the recheck window is over
    at.run()
    assert at.title[0].value == "登录"
    assert "长时间未操作" in texts(at)
    assert TOKEN_KEY not in at.session_state or not at.session_state[TOKEN_KEY]


def test_password_changed_elsewhere_ends_this_browser_session(ui_db, admin_password):
    from erp_core.security.account_services import change_password
    from erp_core.security.auth import login
    from erp_core.security.sessions import actor_for_token

    at = harness.logged_in_app(ui_db, "admin", admin_password)
    other = actor_for_token(ui_db, login(ui_db, "admin", admin_password).token)
    change_password(ui_db, other, current_password=admin_password, new_password="Other-Device-77!",
                    confirm_password="Other-Device-77!")
    at.run()
    assert at.title[0].value == "登录"
    assert "密码已修改" in texts(at)


def test_the_librarys_self_service_widgets_are_never_available():
    from ui.auth import ErpAuthenticate

    for name in ("forgot_password", "forgot_username", "register_user", "reset_password", "update_user_details"):
        with pytest.raises(NotImplementedError):
            getattr(ErpAuthenticate, name)(None)


def test_login_page_language_switch_before_signing_in(ui_db, ui_company):
    at = harness.new_app().run()
    at.selectbox(key="erp_lang_anon").set_value("en").run()
    assert at.title[0].value == "Sign in"
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    at = harness.login_with_form(at, "admin", "Wrong-Pass-123!")
    assert "Wrong username or password" in " ".join(e.value for e in at.error)


def test_empty_login_form_names_both_fields(ui_db, ui_company):
    at = harness.login_with_form(harness.new_app().run(), "", "")
    message = " ".join(e.value for e in at.error)
    assert "用户名" in message and "密码" in message


def test_landing_page_opens_after_login(ui_db, ui_company):
    # the shell's own page, so other modules' pages being mid-edit cannot break this test
    from ui.pages import ACCOUNT_PAGES, page_url_path

    target = ACCOUNT_PAGES["password"]
    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, landing_page=page_url_path(target))
    at = harness.logged_in_app(ui_db, "admin", password)
    assert not at.exception
    assert at.title[0].value == "修改密码"
    assert "欢迎回来" not in texts(at)


def test_invalid_settings_stop_the_app_with_a_message_naming_the_setting(ui_db, ui_company, monkeypatch):
    monkeypatch.setenv("ERP_COOKIE_KEY", "too-short")
    at = harness.new_app().run()
    assert not at.exception
    assert "ERP_COOKIE_KEY" in " ".join(e.value for e in at.error)
    assert not at.text_input  # no login form


def test_too_many_failures_from_one_address_are_throttled(ui_db, ui_company):
    from erp_core.kernel.errors import DomainError
    from erp_core.security.auth import login

    for i in range(ui_db.settings.security.ip_failure_limit):
        with pytest.raises(DomainError):
            login(ui_db, f"nobody{i}", "Wrong-Pass-123!", client_ip="127.0.0.1")
    at = harness.login_with_form(harness.new_app().run(), "admin", ADMIN_PASSWORD)
    assert at.title[0].value == "登录"
    message = " ".join(e.value for e in at.error)
    assert str(ui_db.settings.security.ip_failure_window_minutes) in message, message


def test_each_user_sees_only_the_pages_their_roles_allow(ui_db, ui_company, admin_password):
    from ui.nav import all_pages
    from ui.pages import page_exists, page_url_path

    admin_pages = {page_url_path(s) for s in all_pages() if s.group == "nav.group.admin" and page_exists(s)}

    def links(at) -> set[str]:  # the home page links every page the user may open, by URL path
        return {link.proto.page for link in at.main.get("page_link")}

    admin = harness.logged_in_app(ui_db, "admin", admin_password)
    password = harness.ready_user(ui_db, "chen.cangguan", ui_company.demo_passwords["chen.cangguan"])
    keeper = harness.logged_in_app(ui_db, "chen.cangguan", password)
    assert not admin.exception and not keeper.exception
    admin_links, keeper_links = links(admin), links(keeper)
    assert admin_pages <= admin_links
    assert not admin_pages & keeper_links
    assert keeper_links < admin_links


def test_sign_out_all_other_sessions_from_the_account_page(ui_db, admin_password):
    from erp_core.kernel.errors import NotAuthenticated
    from erp_core.security.auth import login
    from erp_core.security.sessions import actor_for_token

    elsewhere = login(ui_db, "admin", admin_password).token
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    at.switch_page("pages/auth/change_password.py").run()
    at.button(key="cp_sign_out_others").click().run()
    assert "已退出 1 个其他登录" in texts(at)
    with pytest.raises(NotAuthenticated):
        actor_for_token(ui_db, elsewhere)
    at.run()
    assert at.title[0].value == "修改密码"  # this session lives on


def test_login_as_fixture_gives_each_demo_user_their_home(login_as):
    viewer = login_as("sun.chakan")
    assert viewer.title[0].value == "孙查看，欢迎回来"
    again = login_as("sun.chakan")  # a second browser session of the same user
    assert again.title[0].value == "孙查看，欢迎回来"


def test_login_page_offers_forgot_password_and_counts_attempts_per_typed_username(ui_db, admin_password):
    """Issue #11 item 25: the hint is the same whether the username exists or not (no enumeration oracle)."""
    at = harness.new_app().run()
    assert tr_zh("auth_ui.login.forgot") in [link.label for link in at.get("page_link")]
    threshold = ui_db.settings.security.lockout_threshold
    shown = {}
    for name in ("admin", "no.such.user"):
        for _ in range(2):
            at = harness.login_with_form(at, name, "Wrong-Pass-123!")
        shown[name] = [w.value for w in at.warning]
    from erp_core.i18n import t

    assert shown["admin"] == shown["no.such.user"] == [t("auth_ui.login.attempts_left", "zh_CN", n=threshold - 2)]


def test_landing_page_keeps_its_own_address_so_a_bookmark_of_it_opens(ui_db, ui_company):
    """Home is the default page ("/"); the landing page is opened from there on the session's first run but keeps
    its own address: as the default it answered only at "/", and its bookmark gave "page not found" (issue #17's
    load client saw it on every session's first run)."""
    from ui.pages import ACCOUNT_PAGES, page_url_path

    target = ACCOUNT_PAGES["password"]
    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, landing_page=page_url_path(target))
    at = harness.logged_in_app(ui_db, "admin", password)
    assert at.title[0].value == "修改密码"
    _key, nav, landing = at.session_state["erp_nav_pages"]
    pages = [p for group in nav.values() for p in group]
    assert landing.url_path == page_url_path(target)
    assert [p.url_path for p in pages if p.url_path == ""] == [""]  # exactly one default: Home
    assert next(p for p in pages if p.url_path == "").title == "首页"
