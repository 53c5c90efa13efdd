"""Password reset by one-time code (密码重置码). An administrator issues a code (``secrets``, stored only as a
hash, single use, valid for security.reset_code_minutes <= 30, a newer code invalidates older ones); the user
redeems it with a new password. Wrong, expired and reused codes fail with clear messages, every failure is
audited and throttled per client address like logins, and too many wrong tries invalidate the code.
The login library's own forgot_password is never used."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError, PermissionDenied
from erp_core.security import audit
from erp_core.security.auth import masked_username
from erp_core.security.catalog import declare
from erp_core.security.common import load_user_to_change, raise_problems
from erp_core.security.mailer import send_reset_code, smtp_settings
from erp_core.security.models import AuditLog, User
from erp_core.security.models_identity import PasswordResetCode
from erp_core.security.passwords import hash_password, policy_problems
from erp_core.security.sessions import revoke_user_sessions
from erp_core.usecase import Context, use_case

REDEEM_PERMISSION = "security.reset.redeem"  # held by anonymous visitors on the "I have a reset code" form
declare(REDEEM_PERMISSION, "使用密码重置码", "Redeem a password reset code")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once to the administrator; only its hash is stored
    expires_at: dt.datetime
    emailed_to: str | None


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))  # 60 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalize_code(code)}".encode()).hexdigest()


@use_case("admin.user.reset_password", zh="签发密码重置码", en="Issue password reset code")
def issue_reset_code(ctx: Context, *, user_id: int, send_email: bool = True) -> IssuedCode:
    """A fresh one-time code for the user; every earlier unused code stops working. E-mailed when SMTP is
    configured and the user has an address (and ``send_email``)."""
    user = load_user_to_change(ctx, user_id)  # a reset code hands over the account: only one holding no more
    if user.status not in ("active", "locked"):
        raise DomainError("error.reset.user_inactive", username=user.username)
    now = naive_utcnow()
    ctx.session.execute(update(PasswordResetCode).where(
        PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None),
        PasswordResetCode.invalidated_at.is_(None)).values(invalidated_at=now))
    code = new_code()
    minutes = ctx.db.settings.security.reset_code_minutes
    row = PasswordResetCode(user_id=user.id, code_hash=code_hash(user.id, code), created_at=now,
                            expires_at=now + dt.timedelta(minutes=minutes), failed_attempts=0,
                            issued_by=ctx.actor.user_id)
    ctx.session.add(row)
    ctx.session.flush()
    emailed = None
    smtp = smtp_settings()
    if send_email and smtp is not None and user.email:
        send_reset_code(smtp, user.email, user.username, code, minutes, user.locale or ctx.actor.locale)
        emailed = user.email
    ctx.audit("user", user.id, reset_code_id=row.id, expires_at=row.expires_at, emailed=bool(emailed))
    return IssuedCode(code, row.expires_at, emailed)


def _throttled(session, ip: str | None, limit: int, window_minutes: int) -> bool:
    if not ip or not limit:
        return False
    since = naive_utcnow() - dt.timedelta(minutes=window_minutes)
    return session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == REDEEM_PERMISSION, AuditLog.outcome == "failed", AuditLog.client_ip == ip,
        AuditLog.at_utc >= since)).scalar_one() >= limit


def redeem_reset_code(db: Database, actor: Actor, /, *, username: str, code: str, new_password: str) -> None:
    """Set a new password with a one-time code. On success the code is spent, a lock from failed logins is
    lifted and every session of the user ends. Failures are committed (audit + attempt counter) even though
    the reset itself fails, which is why this is not a plain @use_case."""
    if not actor.may(REDEEM_PERMISSION):
        with db.uow() as uow:
            audit.append(uow.session, actor, action=REDEEM_PERMISSION, outcome="denied")
            uow.commit()
        raise PermissionDenied(permission=REDEEM_PERMISSION)
    policy = db.settings.security
    username = (username or "").strip()
    with db.uow() as uow:
        s = uow.session
        if _throttled(s, actor.client_ip, policy.ip_failure_limit, policy.ip_failure_window_minutes):
            # Aggregated: one entry per address and minute, so a flood cannot grow the log without limit.
            minute = naive_utcnow().replace(second=0, microsecond=0)
            if not s.execute(select(AuditLog.id).where(
                    AuditLog.action == REDEEM_PERMISSION, AuditLog.outcome == "denied",
                    AuditLog.client_ip == actor.client_ip, AuditLog.at_utc >= minute).limit(1)).first():
                audit.append(s, actor, action=REDEEM_PERMISSION, outcome="denied", entity="user",
                             entity_id=masked_username(db, username)[:60],
                             details={"reason": "throttled", "minute": minute})
            uow.commit()
            raise DomainError("error.reset.throttled", minutes=policy.ip_failure_window_minutes)
        now = naive_utcnow()
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        failure: str | None = None
        match = None
        if user is None or user.status not in ("active", "locked"):
            failure = "error.reset.invalid"
        else:
            codes = s.execute(select(PasswordResetCode).where(PasswordResetCode.user_id == user.id)
                              .order_by(PasswordResetCode.id.desc())).scalars().all()
            wanted = code_hash(user.id, code)
            match = next((c for c in codes if secrets.compare_digest(c.code_hash, wanted)), None)
            live = next((c for c in codes if c.used_at is None and c.invalidated_at is None), None)
            if match is None:
                failure = "error.reset.invalid"
                if live is not None:
                    live.failed_attempts += 1
                    if live.failed_attempts >= policy.lockout_threshold:
                        live.invalidated_at = now
            elif match.used_at is not None:
                failure = "error.reset.used"
            elif match.invalidated_at is not None:
                failure = "error.reset.invalidated"
            elif now >= match.expires_at:
                failure = "error.reset.expired"
        if failure is not None:
            audit.append(s, Actor(user_id=user.id if user else None,
                                  username=user.username if user else masked_username(db, username),
                                  company_id=user.company_id if user else None, client_ip=actor.client_ip),
                         action=REDEEM_PERMISSION, outcome="failed", entity="user",
                         entity_id=user.id if user else None, details={"reason": failure.rsplit(".", 1)[-1]})
            uow.commit()
            raise DomainError(failure)
        raise_problems(policy_problems(new_password or "", username=user.username,
                                       min_length=policy.password_min_length, field="field.security.new_password"))
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        match.used_at = now
        status_before = user.status
        if user.status == "locked":
            user.status, user.failed_logins, user.locked_at = "active", 0, None
        revoked = revoke_user_sessions(s, user.id, "password_reset")
        audit.append(s, Actor(user_id=user.id, username=user.username, company_id=user.company_id,
                              client_ip=actor.client_ip),
                     action=REDEEM_PERMISSION, entity="user", entity_id=user.id,
                     details={"reset_code_id": match.id, "sessions_revoked": revoked,
                              "status": [status_before, user.status]})
        uow.commit()
