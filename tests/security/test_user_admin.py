"""User administration: create, edit (version-checked), disable (revokes sessions), enable, roles, lists."""

import json

import pytest

from erp_core.kernel.errors import (
    ConcurrencyError,
    Conflict,
    DomainError,
    InvalidTransition,
    NotAuthenticated,
    ValidationErrors,
)
from erp_core.security.auth import login
from erp_core.security.sessions import actor_for_token
from erp_core.security.user_services import (
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    set_user_password,
    set_user_roles,
    update_user,
)
from tests.security.helpers import (
    PASSWORD,
    audit_entries,
    new_user,
    role_id,
    session_actor,
    setup_company,
    user,
)


def test_create_user_sets_must_change_password_and_can_log_in(db, company):
    _, admin = setup_company(db, company)
    uid = create_user(db, admin, username="li.lei", display_name="李雷", password=PASSWORD,
                      email="li@example.cn", role_ids=[role_id(db, "sales")])
    res = login(db, "li.lei", PASSWORD, client_ip="10.0.0.1")
    assert res.user_id == uid and res.must_change_password
    row = get_user(db, admin, user_id=uid)
    assert row.role_codes == ("sales",) and row.email == "li@example.cn" and row.status == "active"
    entry = audit_entries(db, "admin.user.create")[-1]
    details = json.loads(entry.details)
    assert entry.entity_id == str(uid) and details["params"]["password"] == "***"
    assert PASSWORD not in entry.details


def test_create_user_reports_every_problem_and_writes_nothing(db, company):
    _, admin = setup_company(db, company)
    before = len(list_users(db, admin))
    with pytest.raises(ValidationErrors) as err:
        create_user(db, admin, username="x", display_name="", password="short", email="not-an-email",
                    phone="abc", role_ids=[999999])
    fields = {e.field for e in err.value.errors}
    assert {"field.username", "field.security.display_name", "field.security.email", "field.security.phone",
            "field.security.roles", "field.password"} <= fields
    assert len(list_users(db, admin)) == before


def test_duplicate_username_is_refused(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "wang")
    with pytest.raises(Conflict):
        new_user(db, admin, "WANG")


def test_edit_is_version_checked(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "zhang")
    v = get_user(db, admin, user_id=uid).version
    update_user(db, admin, user_id=uid, version=v, display_name="张三", phone="138 0000 0000")
    with pytest.raises(ConcurrencyError):
        update_user(db, admin, user_id=uid, version=v, display_name="stale")
    assert user(db, uid).display_name == "张三"
    changes = json.loads(audit_entries(db, "admin.user.edit")[-1].details)["changes"]
    assert changes["display_name"] == ["Zhang", "张三"]


def test_disable_revokes_sessions_and_blocks_login_enable_restores(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "zhao")
    token, _ = session_actor(db, "zhao")
    assert disable_user(db, admin, user_id=uid) == 1
    with pytest.raises(NotAuthenticated):
        actor_for_token(db, token, client_ip="10.0.0.5")
    with pytest.raises(DomainError) as err:
        login(db, "zhao", PASSWORD)
    assert err.value.message_id == "error.login.failed"  # no oracle: as a wrong password
    with pytest.raises(InvalidTransition):
        disable_user(db, admin, user_id=uid)
    enable_user(db, admin, user_id=uid)
    assert login(db, "zhao", PASSWORD).user_id == uid


def test_admin_cannot_disable_self(db, company):
    _, admin = setup_company(db, company)
    with pytest.raises(DomainError) as err:
        disable_user(db, admin, user_id=admin.user_id)
    assert err.value.message_id == "error.security.not_on_self"


def test_roles_are_replaced_and_audited_before_after(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "qian", roles=("viewer",))
    set_user_roles(db, admin, user_id=uid, role_ids=[role_id(db, "sales"), role_id(db, "hr")])
    assert get_user(db, admin, user_id=uid).role_codes == ("hr", "sales")
    changes = json.loads(audit_entries(db, "admin.user.assign_roles")[-1].details)["changes"]
    assert changes["roles"] == [["viewer"], ["hr", "sales"]]


def test_set_password_forces_change_and_revokes(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "sun")
    token, _ = session_actor(db, "sun")
    set_user_password(db, admin, user_id=uid, password="An0ther-Secret!")
    with pytest.raises(NotAuthenticated):
        actor_for_token(db, token)
    assert login(db, "sun", "An0ther-Secret!").must_change_password


def test_list_filters(db, company):
    _, admin = setup_company(db, company)
    a = new_user(db, admin, "zhou", roles=("sales",))
    b = new_user(db, admin, "wuyi", roles=("hr",))
    disable_user(db, admin, user_id=b)
    assert [r.id for r in list_users(db, admin, status="disabled")] == [b]
    assert [r.id for r in list_users(db, admin, role_id=role_id(db, "sales"))] == [a]
    assert [r.username for r in list_users(db, admin, search="ZHO")] == ["zhou"]


def test_the_last_active_administrator_is_kept(db, company):
    _, admin = setup_company(db, company)
    with pytest.raises(DomainError) as err:
        set_user_roles(db, admin, user_id=admin.user_id, role_ids=[role_id(db, "viewer")])
    assert err.value.message_id == "error.security.last_admin"
    second = new_user(db, admin, "deputy", roles=("admin",))
    set_user_roles(db, admin, user_id=admin.user_id, role_ids=[role_id(db, "admin"), role_id(db, "viewer")])
    # a user administrator without the admin role cannot disable an administrator at all (it holds more)
    from tests.support.factories import actor

    helper = actor(admin.company_id, {"admin.user.disable": "all"})
    for target in (second, admin.user_id):
        with pytest.raises(DomainError) as err:
            disable_user(db, helper, user_id=target)
        assert err.value.message_id == "error.security.user_beyond_own"
    # an administrator may disable the other one; the last one stays (it cannot disable itself either)
    disable_user(db, admin, user_id=second)
    with pytest.raises(DomainError) as err:
        set_user_roles(db, admin, user_id=admin.user_id, role_ids=[role_id(db, "viewer")])
    assert err.value.message_id == "error.security.last_admin"
    assert user(db, admin.user_id).status == "active"
