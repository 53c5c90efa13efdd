"""Self-service account use cases: change own password, first-login preferences, language."""

import pytest
from sqlalchemy import select

from erp_core.kernel.errors import ConcurrencyError, NotAuthenticated, ValidationError, ValidationErrors
from erp_core.security.account_services import (
    PASSWORD_CHANGE,
    PREFERENCES_EDIT,
    PROFILE_VIEW,
    change_password,
    my_profile,
    save_preferences,
    set_language,
)
from erp_core.security.auth import LoginFailed, login
from erp_core.security.models import AuditLog, User
from erp_core.security.sessions import actor_for_token
from tests.support.factories import ADMIN_PASSWORD, make_company

NEW = "Brand-New-Pass-42!"


def _session(db, username="admin", password=ADMIN_PASSWORD):
    result = login(db, username, password, client_ip="127.0.0.1")
    return result.token, actor_for_token(db, result.token, client_ip="127.0.0.1")


class _Row:
    def __init__(self, user):
        self.__dict__.update({c.key: getattr(user, c.key) for c in User.__table__.columns})


def _user(db, username):
    with db.uow(readonly=True) as uow:
        return _Row(uow.session.execute(select(User).where(User.username == username)).scalar_one())


def test_every_logged_in_user_holds_the_self_service_permissions(db):
    result = make_company(db, load_demo=True)
    _, viewer = _session(db, "sun.chakan", result.demo_passwords["sun.chakan"])
    assert all(viewer.may(p) for p in (PASSWORD_CHANGE, PREFERENCES_EDIT, PROFILE_VIEW))
    assert not viewer.may("admin.user.create")


def test_change_password_ends_other_sessions_keeps_this_one(db):
    result = make_company(db, load_demo=True)
    pw = result.demo_passwords["li.kuaiji"]
    other_token, _ = _session(db, "li.kuaiji", pw)
    token, me = _session(db, "li.kuaiji", pw)
    assert my_profile(db, me).must_change_password
    ended = change_password(db, me, current_password=pw, new_password=NEW, confirm_password=NEW)
    assert ended == 1
    with pytest.raises(NotAuthenticated) as err:
        actor_for_token(db, other_token)
    assert err.value.params["reason"] == "password_changed"
    assert actor_for_token(db, token).user_id == me.user_id  # this session lives on
    assert not my_profile(db, me).must_change_password
    login(db, "li.kuaiji", NEW)  # the new password works
    with pytest.raises(LoginFailed):
        login(db, "li.kuaiji", pw)
    with db.uow(readonly=True) as uow:
        details = uow.session.execute(select(AuditLog.details).where(AuditLog.action == PASSWORD_CHANGE)).scalar_one()
    assert NEW not in details and pw not in details


def test_change_password_lists_every_problem_and_changes_nothing(db, company):
    _, me = _session(db)
    before = _user(db, "admin").password_hash
    with pytest.raises(ValidationErrors) as err:
        change_password(db, me, current_password="wrong", new_password="short", confirm_password="other")
    ids = {(e.message_id, e.field) for e in err.value.errors}
    assert ("error.account.current_password_wrong", "field.account.current_password") in ids
    assert ("error.password.too_short", "field.account.new_password") in ids
    assert ("error.account.password_mismatch", "field.account.confirm_password") in ids
    assert _user(db, "admin").password_hash == before


def test_new_password_must_differ(db, company):
    _, me = _session(db)
    with pytest.raises(ValidationError) as err:
        change_password(db, me, current_password=ADMIN_PASSWORD, new_password=ADMIN_PASSWORD,
                        confirm_password=ADMIN_PASSWORD)
    assert err.value.message_id == "error.account.password_unchanged"


def test_preferences_saved_once_mark_first_login_done(db, company):
    _, me = _session(db)
    profile = my_profile(db, me)
    assert not profile.first_login_done and profile.company_name == "测试商贸有限公司"
    save_preferences(db, me, locale="en", time_zone="Asia/Hong_Kong", landing_page="finance_vouchers",
                     expected_version=profile.version)
    user = _user(db, "admin")
    assert (user.locale, user.time_zone, user.landing_page, user.first_login_done) == (
        "en", "Asia/Hong_Kong", "finance_vouchers", True)
    _, again = _session(db)
    assert again.locale == "en" and again.time_zone == "Asia/Hong_Kong"
    with pytest.raises(ConcurrencyError):  # the form loaded the old version
        save_preferences(db, again, locale="zh_CN", time_zone="Asia/Shanghai", expected_version=profile.version)


def test_bad_preferences_are_refused(db, company):
    _, me = _session(db)
    with pytest.raises(ValidationErrors) as err:
        save_preferences(db, me, locale="fr", time_zone="Mars/Olympus", landing_page="../../etc")
    assert {e.field for e in err.value.errors} == {"field.locale", "field.account.time_zone",
                                                   "field.account.landing_page"}
    assert not _user(db, "admin").first_login_done


def test_set_language_changes_only_the_actors_own_account(db):
    result = make_company(db, load_demo=True)
    _, me = _session(db, "wang.xiaoshou", result.demo_passwords["wang.xiaoshou"])
    set_language(db, me, locale="en")
    assert _user(db, "wang.xiaoshou").locale == "en"
    assert _user(db, "admin").locale == "zh_CN"
    with pytest.raises(ValidationError):
        set_language(db, me, locale="de")


def test_ended_session_cannot_use_self_service(db, company):
    from erp_core.security.auth import logout

    _, me = _session(db)
    logout(db, me)
    with pytest.raises(NotAuthenticated):
        set_language(db, me, locale="en")
