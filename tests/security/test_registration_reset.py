"""Self-registration (pending until approved / rejected) and one-time password reset codes."""

import pytest

from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import (
    DomainError,
    NotAuthenticated,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.security.auth import LoginFailed, login
from erp_core.security.models_identity import PasswordResetCode
from erp_core.security.registration_services import (
    REGISTRATION_PERMISSION,
    approve_registration,
    list_pending_registrations,
    registration_is_open,
    reject_registration,
    request_registration,
    set_registration_open,
)
from erp_core.security.reset_services import REDEEM_PERMISSION, issue_reset_code, redeem_reset_code
from erp_core.security.sessions import actor_for_token
from erp_core.security.user_services import get_user
from tests.security.helpers import (
    PASSWORD,
    audit_entries,
    count,
    new_user,
    session_actor,
    setup_company,
    user,
)

VISITOR = Actor.anonymous(client_ip="192.0.2.10", permissions=(REGISTRATION_PERMISSION,))
RESETTER = Actor.anonymous(client_ip="192.0.2.20", permissions=(REDEEM_PERMISSION,))
NEW_PASSWORD = "Brand-N3w-Secret"


def _register(db, username="visitor", **kw):
    return request_registration(db, VISITOR, username=username, display_name="访客", password=PASSWORD,
                                email="v@example.cn", **kw)


def test_registration_is_refused_while_closed(db, company):
    _, admin = setup_company(db, company)
    assert not registration_is_open(db)
    with pytest.raises(DomainError) as err:
        _register(db)
    assert err.value.message_id == "error.registration.closed"
    with pytest.raises(PermissionDenied):  # and a visitor without the public permission is refused outright
        request_registration(db, Actor.anonymous(), username="x", display_name="x", password=PASSWORD)


def test_pending_account_cannot_log_in_until_approved(db, company):
    _, admin = setup_company(db, company)
    set_registration_open(db, admin, open=True)
    assert registration_is_open(db)
    uid = _register(db)
    with pytest.raises(DomainError) as err:
        login(db, "visitor", PASSWORD)
    assert err.value.message_id == "error.login.failed"  # no oracle: as a wrong password
    assert [r.id for r in list_pending_registrations(db, admin)] == [uid]
    approve_registration(db, admin, user_id=uid, role_codes=["sales"])
    assert get_user(db, admin, user_id=uid).role_codes == ("sales",)
    assert login(db, "visitor", PASSWORD).user_id == uid
    assert list_pending_registrations(db, admin) == []
    entry = audit_entries(db, "admin.registration.approve")[-1]
    assert entry.entity_id == str(uid) and '"sales"' in entry.details


def test_rejected_account_stays_on_record_and_cannot_log_in(db, company):
    _, admin = setup_company(db, company)
    set_registration_open(db, admin, open=True)
    uid = _register(db)
    with pytest.raises(ValidationError):
        reject_registration(db, admin, user_id=uid, reason="  ")
    reject_registration(db, admin, user_id=uid, reason="不认识此人")
    assert user(db, uid).status == "rejected"
    with pytest.raises(DomainError) as err:
        login(db, "visitor", PASSWORD)
    assert err.value.message_id == "error.login.failed"  # no oracle: as a wrong password
    with pytest.raises(DomainError) as err:
        approve_registration(db, admin, user_id=uid, role_codes=["sales"])
    assert err.value.message_id == "error.registration.not_pending"
    assert "不认识此人" in audit_entries(db, "admin.registration.reject")[-1].details


def test_registration_validates_everything_and_approval_needs_a_role(db, company):
    _, admin = setup_company(db, company)
    set_registration_open(db, admin, open=True)
    with pytest.raises(ValidationErrors) as err:
        request_registration(db, VISITOR, username="a", display_name="", password="password", email="bad")
    assert {e.field for e in err.value.errors} >= {"field.username", "field.security.display_name",
                                                   "field.security.email", "field.password"}
    uid = _register(db)
    with pytest.raises(ValidationError) as one:
        approve_registration(db, admin, user_id=uid, role_codes=[])
    assert one.value.field == "field.security.roles"
    with pytest.raises(ValidationError):
        approve_registration(db, admin, user_id=uid, role_codes=["no_such_role"])
    assert user(db, uid).status == "pending"


def test_reset_code_single_use_revokes_sessions(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "forgetful")
    token, _ = session_actor(db, "forgetful")
    issued = issue_reset_code(db, admin, user_id=uid)
    assert len(issued.code) == 14 and issued.emailed_to is None
    with db.uow(readonly=True) as uow:  # only a hash is stored
        stored = uow.session.query(PasswordResetCode).one()
        assert issued.code not in stored.code_hash
    assert issued.code not in "".join(e.details for e in audit_entries(db))
    redeem_reset_code(db, RESETTER, username="forgetful", code=issued.code.lower(), new_password=NEW_PASSWORD)
    with pytest.raises(NotAuthenticated) as ended:
        actor_for_token(db, token)
    assert ended.value.params["reason"] == "password_reset"
    assert login(db, "forgetful", NEW_PASSWORD).user_id == uid
    with pytest.raises(DomainError) as err:
        redeem_reset_code(db, RESETTER, username="forgetful", code=issued.code, new_password="An0ther-Secret!")
    assert err.value.message_id == "error.reset.used"
    assert login(db, "forgetful", NEW_PASSWORD).user_id == uid


def test_reset_code_expires(db, moving_clock, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "slowpoke")
    issued = issue_reset_code(db, admin, user_id=uid)
    moving_clock.advance(minutes=30, seconds=1)
    with pytest.raises(DomainError) as err:
        redeem_reset_code(db, RESETTER, username="slowpoke", code=issued.code, new_password=NEW_PASSWORD)
    assert err.value.message_id == "error.reset.expired"
    with pytest.raises(LoginFailed):
        login(db, "slowpoke", NEW_PASSWORD)
    assert audit_entries(db, REDEEM_PERMISSION, "failed")


def test_newer_code_invalidates_older_and_wrong_codes_fail(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "twice")
    first = issue_reset_code(db, admin, user_id=uid)
    second = issue_reset_code(db, admin, user_id=uid)
    with pytest.raises(DomainError) as err:
        redeem_reset_code(db, RESETTER, username="twice", code=first.code, new_password=NEW_PASSWORD)
    assert err.value.message_id == "error.reset.invalidated"
    for bad_user, bad_code in (("twice", "AAAA-BBBB-CCCC"), ("nobody", second.code)):
        with pytest.raises(DomainError) as err:
            redeem_reset_code(db, RESETTER, username=bad_user, code=bad_code, new_password=NEW_PASSWORD)
        assert err.value.message_id == "error.reset.invalid"
    redeem_reset_code(db, RESETTER, username="twice", code=second.code, new_password=NEW_PASSWORD)


def test_too_many_wrong_codes_invalidate_the_code_and_addresses_are_throttled(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "guessed")
    issued = issue_reset_code(db, admin, user_id=uid)
    for _ in range(5):
        with pytest.raises(DomainError):
            redeem_reset_code(db, RESETTER, username="guessed", code="ZZZZ-ZZZZ-ZZZZ", new_password=NEW_PASSWORD)
    with pytest.raises(DomainError) as err:
        redeem_reset_code(db, RESETTER, username="guessed", code=issued.code, new_password=NEW_PASSWORD)
    assert err.value.message_id == "error.reset.invalidated"
    import dataclasses

    db.settings = dataclasses.replace(db.settings, security=dataclasses.replace(db.settings.security,
                                                                                 ip_failure_limit=6))
    fresh = issue_reset_code(db, admin, user_id=uid)
    with pytest.raises(DomainError) as err:
        redeem_reset_code(db, RESETTER, username="guessed", code=fresh.code, new_password=NEW_PASSWORD)
    assert err.value.message_id == "error.reset.throttled"
    other_ip = Actor.anonymous(client_ip="192.0.2.99", permissions=(REDEEM_PERMISSION,))
    redeem_reset_code(db, other_ip, username="guessed", code=fresh.code, new_password=NEW_PASSWORD)


def test_reset_checks_the_policy_without_spending_the_code_and_unlocks(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "lockedout")
    for _ in range(5):
        with pytest.raises(DomainError):
            login(db, "lockedout", "Wrong-Passw0rd!")
    issued = issue_reset_code(db, admin, user_id=uid)
    with pytest.raises(ValidationErrors):
        redeem_reset_code(db, RESETTER, username="lockedout", code=issued.code, new_password="short")
    redeem_reset_code(db, RESETTER, username="lockedout", code=issued.code, new_password=NEW_PASSWORD)
    assert user(db, uid).status == "active"
    assert login(db, "lockedout", NEW_PASSWORD).user_id == uid


def test_redeem_without_the_public_permission_is_refused(db, company):
    setup_company(db, company)
    before = count(db, PasswordResetCode)
    with pytest.raises(PermissionDenied):
        redeem_reset_code(db, Actor.anonymous(), username="admin", code="x", new_password=NEW_PASSWORD)
    assert count(db, PasswordResetCode) == before


def test_registration_requests_are_throttled_per_address(db, company):
    import dataclasses

    _, admin = setup_company(db, company)
    set_registration_open(db, admin, open=True)
    db.settings = dataclasses.replace(db.settings, security=dataclasses.replace(db.settings.security,
                                                                                 ip_failure_limit=2))
    _register(db, "first1")
    _register(db, "second2")
    with pytest.raises(DomainError) as err:
        _register(db, "third3")
    assert err.value.message_id == "error.registration.throttled"
    elsewhere = Actor.anonymous(client_ip="192.0.2.11", permissions=(REGISTRATION_PERMISSION,))
    request_registration(db, elsewhere, username="third3", display_name="x", password=PASSWORD)


def test_reset_code_is_emailed_when_smtp_is_configured(db, monkeypatch, company):
    from erp_core.security import mailer

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, msg):
            sent.append(("send", msg["To"], msg.get_content()))

    monkeypatch.setattr(mailer.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv("ERP_SMTP_HOST", "mail.example.cn")
    monkeypatch.setenv("ERP_SMTP_USER", "erp")
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "mailed", email="mailed@example.cn")
    issued = issue_reset_code(db, admin, user_id=uid)
    assert issued.emailed_to == "mailed@example.cn"
    assert sent[0] == ("connect", "mail.example.cn", 587) and ("login", "erp") in sent
    to, body = sent[-1][1], sent[-1][2]
    assert to == "mailed@example.cn" and issued.code in body
