"""Hardening of identity and access (issue #11 items 2, 5, 7, 9, 11, 15; issue #17 item 3).

- delegated administration never gives more than the delegate holds, and mutations apply row scope;
- the login answers a locked / pending / disabled account exactly like a wrong password, before looking at the
  password; failures and the per-address limit are counted atomically under parallel attempts;
- bcrypt runs outside any write transaction (SQLite: a writer is never blocked by a login), and throttled
  attempts leave a bounded number of audit entries;
- a wrong current password on change_password counts toward the lockout and is audited;
- the idle timeout and the forced password change hold in the use-case wrapper, for every caller;
- a username that matches nobody is not stored as typed;
- page loads (actor_for_token) do not write on every run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading

import pytest
from sqlalchemy import event, func, select

from erp_core.kernel.errors import DomainError, NotAuthenticated, NotFound, ValidationError, ValidationErrors
from erp_core.masterdata.org_services import create_department
from erp_core.security import auth
from erp_core.security.account_services import change_password, my_profile, set_language
from erp_core.security.auth import LOGIN_ACTION, LoginFailed, login
from erp_core.security.models import AuditLog, User, UserSession
from erp_core.security.models_identity import LoginThrottle
from erp_core.security.registration_services import (
    REGISTRATION_PERMISSION,
    approve_registration,
    request_registration,
    set_registration_open,
)
from erp_core.security.role_services import create_role, role_grants, set_role_grants
from erp_core.security.sessions import actor_for_token
from erp_core.security.user_services import (
    create_user,
    disable_user,
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


def _with_security(db, **changes):
    db.settings = dataclasses.replace(db.settings, security=dataclasses.replace(db.settings.security, **changes))


def _role_with(db, admin, code: str, grants: dict[str, str]) -> int:
    rid = create_role(db, admin, code=code, name_zh=code, name_en=code)
    set_role_grants(db, admin, role_id=rid, grants=grants)
    return rid


# --- item 2: delegated administration -------------------------------------------------------------------------

def test_assign_roles_at_scope_own_cannot_make_oneself_administrator(db, company):
    _, admin = setup_company(db, company)
    rid = _role_with(db, admin, "selfroles", {"admin.user.assign_roles": "own", "admin.user.view": "own"})
    uid = new_user(db, admin, "climber", roles=())
    set_user_roles(db, admin, user_id=uid, role_ids=[rid])
    _, me = session_actor(db, "climber")
    with pytest.raises(DomainError) as err:
        set_user_roles(db, me, user_id=uid, role_ids=[rid, role_id(db, "admin")])
    assert err.value.message_id == "error.security.admin_role_only_admin"
    with pytest.raises(DomainError) as err:  # nor a role holding what he lacks
        set_user_roles(db, me, user_id=uid, role_ids=[rid, role_id(db, "accountant")])
    assert err.value.message_id == "error.security.role_beyond_own"
    other = new_user(db, admin, "bystander", roles=())
    with pytest.raises(NotFound):  # scope own: another account does not exist for him
        set_user_roles(db, me, user_id=other, role_ids=[rid])
    assert get_user(db, admin, user_id=uid).role_codes == ("selfroles",)
    assert get_user(db, admin, user_id=other).role_codes == ()


def test_set_password_at_scope_department_cannot_reset_the_administrators(db, company):
    _, admin = setup_company(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    it = create_department(db, admin, code="I", name="信息部")
    update_user(db, admin, user_id=admin.user_id, version=get_user(db, admin, user_id=admin.user_id).version,
                display_name="管理员", department_id=it)
    rid = _role_with(db, admin, "pwdesk", {"admin.user.set_password": "department", "admin.user.view": "department"})
    desk = new_user(db, admin, "desk", roles=(), department_id=sales)
    set_user_roles(db, admin, user_id=desk, role_ids=[rid])
    clerk = new_user(db, admin, "clerk", roles=(), department_id=sales)
    _, me = session_actor(db, "desk")
    before = user(db, admin.user_id).password_hash
    with pytest.raises(NotFound):
        set_user_password(db, me, user_id=admin.user_id, password="N3w-Passw0rd!x")
    assert user(db, admin.user_id).password_hash == before
    # an administrator in his own department is still out of reach: it holds more than he does
    sales_admin = new_user(db, admin, "salesadmin", roles=("admin",), department_id=sales)
    with pytest.raises(DomainError) as err:
        set_user_password(db, me, user_id=sales_admin, password="N3w-Passw0rd!x")
    assert err.value.message_id == "error.security.user_beyond_own"
    set_user_password(db, me, user_id=clerk, password="N3w-Passw0rd!x")  # within scope, holding nothing more
    assert login(db, "clerk", "N3w-Passw0rd!x").user_id == clerk


def test_set_role_grants_cannot_grant_beyond_the_actors_own_rights_even_on_the_own_role(db, company):
    _, admin = setup_company(db, company)
    rid = _role_with(db, admin, "roleadm", {"admin.role.grant": "all", "admin.role.view": "all",
                                             "admin.role.create": "all", "admin.user.view": "department"})
    uid = new_user(db, admin, "roleadm", roles=())
    set_user_roles(db, admin, user_id=uid, role_ids=[rid])
    _, me = session_actor(db, "roleadm")
    own = role_grants(db, me, role_id=rid)
    for extra in ({"admin.user.assign_roles": "own"}, {"admin.user.view": "all"}, {"finance.voucher.post": "all"}):
        with pytest.raises(DomainError) as err:
            set_role_grants(db, me, role_id=rid, grants={**own, **extra})
        assert err.value.message_id == "error.security.grant_beyond_own"
    assert role_grants(db, admin, role_id=rid) == own
    # what he holds, he may grant; narrowing and removing are always allowed
    other = create_role(db, me, code="helpers", name_zh="助手", name_en="Helpers")
    set_role_grants(db, me, role_id=other, grants={"admin.user.view": "own"})
    set_role_grants(db, me, role_id=rid, grants={"admin.role.grant": "all", "admin.role.view": "all"})


def test_create_user_and_approve_registration_give_no_more_than_the_actor_holds(db, company):
    _, admin = setup_company(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    hr = create_department(db, admin, code="H", name="人事部")
    viewer_grants = role_grants(db, admin, role_id=role_id(db, "viewer"))
    rid = _role_with(db, admin, "onboard", {"admin.user.create": "department", "admin.registration.approve":
                                             "department", "admin.registration.view": "all", **viewer_grants})
    uid = new_user(db, admin, "onboard", roles=(), department_id=sales)
    set_user_roles(db, admin, user_id=uid, role_ids=[rid])
    _, me = session_actor(db, "onboard")
    kw = {"display_name": "新人", "password": PASSWORD}
    with pytest.raises(DomainError) as err:
        create_user(db, me, username="newbie1", role_ids=[role_id(db, "admin")], department_id=sales, **kw)
    assert err.value.message_id == "error.security.admin_role_only_admin"
    with pytest.raises(DomainError) as err:
        create_user(db, me, username="newbie2", role_ids=[role_id(db, "accountant")], department_id=sales, **kw)
    assert err.value.message_id == "error.security.role_beyond_own"
    with pytest.raises(ValidationError) as err:  # the new account's place must be within his scope
        create_user(db, me, username="newbie3", role_ids=[role_id(db, "viewer")], department_id=hr, **kw)
    assert err.value.field == "field.security.department"
    create_user(db, me, username="newbie4", role_ids=[role_id(db, "viewer")], department_id=sales, **kw)
    set_registration_open(db, admin, open=True)
    from erp_core.kernel.actor import Actor

    pending = request_registration(db, Actor.anonymous(permissions=(REGISTRATION_PERMISSION,)),
                                   username="visitor", display_name="Visitor", password=PASSWORD)
    with pytest.raises(DomainError) as err:
        approve_registration(db, me, user_id=pending, role_codes=["admin"], department_id=sales)
    assert err.value.message_id == "error.security.admin_role_only_admin"
    with pytest.raises(DomainError):
        approve_registration(db, me, user_id=pending, role_codes=["accountant"], department_id=sales)
    assert user(db, pending).status == "pending"
    approve_registration(db, me, user_id=pending, role_codes=["viewer"], department_id=sales)
    assert user(db, pending).status == "active"


def test_department_scoped_edit_cannot_move_a_user_out_of_scope_nor_touch_others(db, company):
    company_id, admin = setup_company(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    hr = create_department(db, admin, code="H", name="人事部")
    rid = _role_with(db, admin, "deped", {"admin.user.edit": "department", "admin.user.disable": "department",
                                          "admin.user.view": "department"})
    me_id = new_user(db, admin, "deped", roles=(), department_id=sales)
    set_user_roles(db, admin, user_id=me_id, role_ids=[rid])
    rep = new_user(db, admin, "rep", roles=(), department_id=sales)
    clerk = new_user(db, admin, "hrclerk", roles=(), department_id=hr)
    _, me = session_actor(db, "deped")
    with pytest.raises(ValidationError):
        update_user(db, me, user_id=rep, version=user(db, rep).version, display_name="Rep", department_id=hr)
    with pytest.raises(NotFound):
        disable_user(db, me, user_id=clerk)
    assert user(db, rep).department_id == sales and user(db, clerk).status == "active"
    assert {u.username for u in list_users(db, me)} == {"deped", "rep"}


# --- items 5 and 9: the login ------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["locked", "disabled", "pending"])
def test_an_account_that_may_not_log_in_answers_like_a_wrong_password_and_its_password_is_not_checked(
        db, state, monkeypatch, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "target")
    with db.uow() as uow:
        uow.session.get(User, uid).status = state
        uow.commit()
    checked = []
    real = auth.verify_password

    def spy(password, hashed):
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(auth, "verify_password", spy)
    answers = []
    for password in (PASSWORD, "Wrong-Passw0rd!"):
        with pytest.raises(DomainError) as err:
            login(db, "target", password)
        answers.append((type(err.value), err.value.message_id, err.value.params))
    assert answers[0] == answers[1] == (LoginFailed, "error.login.failed", {})
    assert user(db, uid).password_hash not in checked  # only the dummy hash was compared (same timing)
    failed = audit_entries(db, LOGIN_ACTION, "failed")
    assert [json.loads(e.details)["reason"] for e in failed[-2:]] == [state, state]


def _parallel(n, fn):
    errors, barrier = [], threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            fn(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_parallel_wrong_passwords_all_count_and_are_all_audited(db, company):
    _, admin = setup_company(db, company)
    _with_security(db, lockout_threshold=1000, ip_failure_limit=0)
    uid = new_user(db, admin, "target")
    errors = _parallel(40, lambda i: login(db, "target", f"Wrong-Passw0rd-{i}!", client_ip=f"10.1.0.{i}"))
    assert len(errors) == 40 and all(isinstance(e, LoginFailed) for e in errors)
    assert user(db, uid).failed_logins == 40
    assert len([e for e in audit_entries(db, LOGIN_ACTION, "failed") if e.entity_id == str(uid)]) == 40


def test_parallel_wrong_passwords_lock_exactly_once(db, company):
    _, admin = setup_company(db, company)
    _with_security(db, lockout_threshold=5, ip_failure_limit=0)
    uid = new_user(db, admin, "target")
    _parallel(30, lambda i: login(db, "target", f"Wrong-Passw0rd-{i}!", client_ip=f"10.2.0.{i}"))
    row = user(db, uid)
    assert row.status == "locked" and row.failed_logins == 5
    assert len(audit_entries(db, auth.LOCK_ACTION)) == 1
    assert len([e for e in audit_entries(db, LOGIN_ACTION, "failed") if e.entity_id == str(uid)]) == 30


def test_the_per_address_limit_holds_under_parallel_attempts(db, monkeypatch, company):
    _, admin = setup_company(db, company)
    _with_security(db, lockout_threshold=1000, ip_failure_limit=20)
    new_user(db, admin, "target")
    verified = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda p, h: (verified.append(1), real(p, h))[1])
    errors = _parallel(60, lambda i: login(db, "target", f"Wrong-Passw0rd-{i}!", client_ip="203.0.113.9"))
    ids = [e.message_id for e in errors]
    assert ids.count("error.login.failed") == 20 and ids.count("error.login.throttled") == 40
    assert len(verified) == 20  # no password beyond the limit was even looked at
    with db.uow(readonly=True) as uow:
        failures, throttled = uow.session.execute(select(func.sum(LoginThrottle.failures),
                                                         func.sum(LoginThrottle.throttled))).one()
    assert (failures, throttled) == (20, 40)


def test_throttled_attempts_leave_a_bounded_number_of_audit_entries(db, company):
    _, admin = setup_company(db, company)
    _with_security(db, ip_failure_limit=3)
    new_user(db, admin, "target")
    with db.uow(readonly=True) as uow:
        before = uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    for i in range(200):
        with pytest.raises(DomainError):
            login(db, "target", f"Wrong-{i}", client_ip="198.51.100.77")
    with db.uow(readonly=True) as uow:
        after = uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        throttled = uow.session.execute(select(func.sum(LoginThrottle.throttled))).scalar_one()
    # 3 real failures + one aggregated entry per address and minute (the run may straddle a minute boundary)
    assert 4 <= after - before <= 5
    assert throttled == 197


def test_bcrypt_runs_outside_any_write_transaction(db, monkeypatch, company):
    """While the password is verified, another connection can write (on SQLite the write lock is free)."""
    _, admin = setup_company(db, company)
    new_user(db, admin, "target")
    from erp_core.security import passwords

    outcomes = []
    real = passwords.verify_password

    def verify_while_writing(password, hashed):
        other = db.engine.connect()
        try:
            if db.backend == "sqlite":  # wait 50 ms at most for the write lock (the default is 10 s)
                other.connection.driver_connection.execute("PRAGMA busy_timeout=50")
            other.execute(LoginThrottle.__table__.insert().values(
                client_ip=f"probe-{len(outcomes)}", minute=auth._minute(auth.naive_utcnow()), failures=0,
                throttled=0))
            other.commit()
            outcomes.append("wrote")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(f"blocked: {exc}")
        finally:
            other.close()
        return real(password, hashed)

    monkeypatch.setattr(auth, "verify_password", verify_while_writing)
    login(db, "target", PASSWORD, client_ip="10.3.0.1")
    with pytest.raises(LoginFailed):
        login(db, "target", "Wrong-Passw0rd!", client_ip="10.3.0.1")
    with pytest.raises(LoginFailed):
        login(db, "nobody-at-all", "Wrong-Passw0rd!", client_ip="10.3.0.1")
    assert outcomes == ["wrote"] * 3


# --- item 7 (part): unknown usernames --------------------------------------------------------------------------

def test_an_unknown_username_is_not_stored_as_typed(db, company):
    setup_company(db, company)
    typed = "My-Secret-Passw0rd!"  # a password typed into the username field
    for _ in range(2):
        with pytest.raises(LoginFailed):
            login(db, typed, "whatever", client_ip="10.4.0.1")
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(AuditLog)).scalars().all()
        assert not any(typed in (r.username or "") or typed in (r.entity_id or "") or typed in r.details
                       for r in rows)
    failed = audit_entries(db, LOGIN_ACTION, "failed")[-2:]
    assert failed[0].username == failed[1].username == auth.masked_username(db, typed)  # still groupable
    assert failed[0].username.startswith("<unknown:")


# --- item 11: change_password ----------------------------------------------------------------------------------

def test_wrong_current_password_counts_toward_lockout_and_is_audited(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "guessed")
    _, me = session_actor(db, "guessed")
    threshold = db.settings.security.lockout_threshold
    for i in range(threshold):
        with pytest.raises((ValidationError, ValidationErrors, NotAuthenticated)):
            change_password(db, me, current_password=f"Guess-{i}-Passw0rd!", new_password="N3w-Passw0rd!x",
                            confirm_password="N3w-Passw0rd!x")
    row = user(db, uid)
    assert row.status == "locked" and row.failed_logins == threshold
    failed = [e for e in audit_entries(db, "account.password.change", "failed") if e.entity_id == str(uid)]
    assert len(failed) == threshold
    with pytest.raises(NotAuthenticated):  # the locked account's session is over
        my_profile(db, me)


# --- item 15 (part): the wrapper enforces idle timeout and the forced password change --------------------------

def test_an_idle_session_is_refused_by_the_use_case_itself(db, moving_clock, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "idler")
    _, me = session_actor(db, "idler")
    moving_clock.advance(minutes=db.settings.security.idle_timeout_minutes + 1)
    with pytest.raises(NotAuthenticated) as err:
        my_profile(db, me)  # called directly, as the CLI or an integration would: no page load in between
    assert err.value.params["reason"] == "idle"


def test_must_change_password_blocks_everything_but_the_accounts_self_service(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "fresh", roles=("admin",), must_change_password=True)
    _, me = session_actor(db, "fresh")
    with pytest.raises(DomainError) as err:
        list_users(db, me)
    assert err.value.message_id == "error.account.must_change_password_first"
    with pytest.raises(DomainError):
        create_user(db, me, username="sneaky", display_name="S", password=PASSWORD, role_ids=[])
    assert my_profile(db, me).must_change_password  # self-service stays open
    set_language(db, me, locale="en")
    change_password(db, me, current_password=PASSWORD, new_password="N3w-Passw0rd!x",
                    confirm_password="N3w-Passw0rd!x")
    assert user(db, uid).must_change_password is False
    assert list_users(db, me)


# --- issue 17 item 3: page loads do not write on every run -----------------------------------------------------

def test_page_loads_do_not_write_and_last_seen_moves_at_most_once_a_minute(db, moving_clock, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "reader")
    token, _ = session_actor(db, "reader")
    statements = []

    def spy(conn, cursor, statement, *args):
        statements.append(statement.strip().split()[0].upper() + " " + statement.strip().split()[1].upper()
                          if statement.strip().upper().startswith("BEGIN") else statement.strip().split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        for _ in range(5):
            moving_clock.advance(seconds=5)
            actor_for_token(db, token, client_ip="10.0.0.5")
        writes = [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")]
        assert writes == []
        moving_clock.advance(seconds=40)  # more than a minute since the login
        actor_for_token(db, token, client_ip="10.0.0.5")
        assert [s for s in statements if s == "UPDATE"] == ["UPDATE"]
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    with db.uow(readonly=True) as uow:
        row = uow.session.execute(select(UserSession).order_by(UserSession.id.desc())).scalars().first()
        assert row.last_seen_at > row.created_at


def test_reset_code_attempts_store_no_unknown_username_and_throttled_ones_are_bounded(db, company):
    from erp_core.kernel.actor import Actor
    from erp_core.security.reset_services import REDEEM_PERMISSION, redeem_reset_code

    setup_company(db, company)
    _with_security(db, ip_failure_limit=2)
    visitor = Actor.anonymous(client_ip="192.0.2.44", permissions=(REDEEM_PERMISSION,))
    typed = "Typed-Passw0rd-Here!"
    for _ in range(50):
        with pytest.raises(DomainError):
            redeem_reset_code(db, visitor, username=typed, code="AAAA-BBBB-CCCC", new_password="N3w-Passw0rd!x")
    rows = audit_entries(db, REDEEM_PERMISSION)
    assert not any(typed in r.username or typed in (r.entity_id or "") or typed in r.details for r in rows)
    assert 3 <= len(rows) <= 4  # two failures, then one aggregated entry per minute


# --- item 19: projects of a user (row scope *project*) ---------------------------------------------------------

def test_a_user_can_be_given_projects_and_scope_project_then_opens_exactly_those(db, company):
    from erp_core.masterdata.org_queries import list_projects
    from erp_core.masterdata.org_services import create_project
    from erp_core.security.admin_page_queries import project_choices
    from erp_core.security.user_services import set_user_projects

    _, admin = setup_company(db, company)
    p1 = create_project(db, admin, code="P1", name="一号项目")
    create_project(db, admin, code="P2", name="二号项目")  # not his: never listed
    assert [p.code for p in project_choices(db, admin)] == ["P1", "P2"]
    rid = _role_with(db, admin, "projviewer", {"masterdata.project.view": "project"})
    uid = new_user(db, admin, "member", roles=())
    set_user_roles(db, admin, user_id=uid, role_ids=[rid])
    set_user_projects(db, admin, user_id=uid, project_ids=[p1])
    assert get_user(db, admin, user_id=uid).project_ids == (p1,)
    _, me = session_actor(db, "member")
    assert me.project_ids == frozenset({p1})
    assert [r["code"] if isinstance(r, dict) else r.code for r in list_projects(db, me).rows] == ["P1"]
    assert json.loads(audit_entries(db, "admin.user.edit")[-1].details)["changes"]["project_ids"] == [[], [p1]]
    with pytest.raises(ValidationError) as err:
        set_user_projects(db, admin, user_id=uid, project_ids=[999_999])
    assert err.value.field == "field.security.projects"


def test_a_delegated_administrator_adds_only_projects_they_belong_to(db, company):
    from erp_core.masterdata.org_services import create_project
    from erp_core.security.user_services import set_user_projects

    _, admin = setup_company(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    p1 = create_project(db, admin, code="P1", name="一号项目")
    p2 = create_project(db, admin, code="P2", name="二号项目")
    rid = _role_with(db, admin, "projadm", {"admin.user.edit": "department", "admin.user.view": "department"})
    lead = new_user(db, admin, "lead", roles=(), department_id=sales)
    set_user_roles(db, admin, user_id=lead, role_ids=[rid])
    set_user_projects(db, admin, user_id=lead, project_ids=[p1])
    worker = new_user(db, admin, "worker", roles=(), department_id=sales)
    _, me = session_actor(db, "lead")
    with pytest.raises(DomainError) as err:
        set_user_projects(db, me, user_id=worker, project_ids=[p1, p2])
    assert err.value.message_id == "error.security.project_beyond_own"
    set_user_projects(db, me, user_id=worker, project_ids=[p1])
    assert get_user(db, admin, user_id=worker).project_ids == (p1,)


def test_ip_rules_of_more_powerful_accounts_and_roles_are_out_of_a_delegates_reach(db, company):
    from erp_core.security.ip_services import add_ip_rule, delete_ip_rule

    _, admin = setup_company(db, company)
    rid = _role_with(db, admin, "netadm", {"admin.ip_rule.create": "all", "admin.ip_rule.delete": "all",
                                           "admin.user.view": "all"})
    uid = new_user(db, admin, "netadm", roles=())
    set_user_roles(db, admin, user_id=uid, role_ids=[rid])
    plain = new_user(db, admin, "plain", roles=())
    _, me = session_actor(db, "netadm", ip=None)
    with pytest.raises(DomainError) as err:  # would lock the administrator out
        add_ip_rule(db, me, cidr="192.0.2.0/24", user_id=admin.user_id)
    assert err.value.message_id == "error.security.user_beyond_own"
    with pytest.raises(DomainError) as err:
        add_ip_rule(db, me, cidr="192.0.2.0/24", role_id=role_id(db, "admin"))
    assert err.value.message_id == "error.security.admin_role_only_admin"
    admins_rule = add_ip_rule(db, admin, cidr="0.0.0.0/0", role_id=role_id(db, "admin"))
    with pytest.raises(DomainError):  # nor free it from its restriction
        delete_ip_rule(db, me, rule_id=admins_rule)
    delete_ip_rule(db, me, rule_id=add_ip_rule(db, me, cidr="192.0.2.0/24", user_id=plain))


def test_the_throttle_table_keeps_only_the_minutes_a_limit_still_reads(db, company):
    """login_throttle gained a row per address and minute with attempts and was never emptied: the first attempt
    of a minute now drops the rows older than the window (and the last hour), whichever address they belong to."""
    _, admin = setup_company(db, company)
    new_user(db, admin, "target")
    now = auth._minute(auth.naive_utcnow())
    with db.uow() as uow:
        for ip, age in (("203.0.113.1", 180), ("203.0.113.2", 61), ("203.0.113.3", 20)):
            uow.session.execute(LoginThrottle.__table__.insert().values(
                client_ip=ip, minute=now - dt.timedelta(minutes=age), failures=2, throttled=0))
        uow.commit()
    with pytest.raises(DomainError):
        login(db, "target", "Wrong-1", client_ip="198.51.100.9")
    with db.uow(readonly=True) as uow:
        left = set(uow.session.execute(select(LoginThrottle.client_ip)).scalars())
    assert left == {"203.0.113.3", "198.51.100.9"}
