"""Shared builders for the security tests: a company, its administrator (as a logged-in actor) and users made
through the real use cases."""

from __future__ import annotations

from sqlalchemy import func, select

from erp_core.kernel.actor import Actor
from erp_core.security.auth import login
from erp_core.security.models import AuditLog, Role, User
from erp_core.security.sessions import actor_for_token
from erp_core.security.user_services import create_user
from tests.support.factories import admin_actor, make_company

PASSWORD = "Str0ng-Passw0rd!"


def setup_company(db, company=None) -> tuple[int, Actor]:
    """The company and its administrator. Given the ``company`` fixture (the run's snapshot, already in ``db``),
    that one; else made here by the setup use case."""
    result = company or make_company(db)
    return result.company_id, admin_actor(db, result)


def role_id(db, code: str) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(Role.id).where(Role.code == code)).scalar_one()


def new_user(db, admin: Actor, username: str, *, roles=("viewer",), password: str = PASSWORD,
             must_change_password: bool = False, **kw) -> int:
    return create_user(db, admin, username=username, display_name=kw.pop("display_name", username.title()),
                       password=password, role_ids=[role_id(db, r) for r in roles],
                       must_change_password=must_change_password, **kw)


def session_actor(db, username: str, password: str = PASSWORD, ip: str | None = "10.0.0.5") -> tuple[str, Actor]:
    res = login(db, username, password, client_ip=ip)
    return res.token, actor_for_token(db, res.token, client_ip=ip)


def user(db, user_id: int) -> User:
    with db.uow(readonly=True) as uow:
        row = uow.session.get(User, user_id)
        uow.session.expunge_all()  # keep the loaded values after the read-only transaction ends
        return row


def audit_entries(db, action: str | None = None, outcome: str | None = None) -> list[AuditLog]:
    with db.uow(readonly=True) as uow:
        stmt = select(AuditLog).order_by(AuditLog.seq)
        if action:
            stmt = stmt.where(AuditLog.action == action)
        if outcome:
            stmt = stmt.where(AuditLog.outcome == outcome)
        rows = list(uow.session.execute(stmt).scalars())
        uow.session.expunge_all()
        return rows


def count(db, model) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def past_the_recheck_window(monkeypatch) -> None:
    """Move the session vouches' clock past security.session_recheck_seconds (what a page view in another app
    process waits for before it sees a revocation made there)."""
    from erp_core.security import sessions

    real = sessions._monotonic
    monkeypatch.setattr(sessions, "_monotonic", lambda: real() + 31)
