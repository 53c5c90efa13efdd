"""The one wrapper every use case goes through (DESIGN.md rules 2 and 3).

    @use_case("admin.user.create", zh="新建用户", en="Create user")
    def create_user(ctx: Context, *, username: str, ...) -> int: ...

    create_user(db, actor, username="li")

Order: the actor must hold the permission (deny by default; a refusal is itself audited) -> one unit of work ->
the function runs -> one audit entry with what it changed -> commit. Any exception rolls everything back.
Reads use @query: permission check and a read-only transaction, no audit entry. ``@query(..., session=False)``
(analytics reports, which read DuckDB): the live-session check runs in a short read-only unit of work that is
closed before the function runs, so the function holds no pooled connection while it works (ctx.session is None).
A query right after a session check of the same session (the web shell's, once per rerun) skips its live check:
that check stands for it for a second (security/sessions.py ``vouched``); use cases always check in their
transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.errors import (
    ConcurrencyError,
    DomainError,
    NotAuthenticated,
    PermissionDenied,
    ValidationError,
    raise_if,
)
from erp_core.kernel.text import char_name, control_chars_in
from erp_core.operations.maintenance import refuse_writes as refuse_writes_during_maintenance
from erp_core.security import audit
from erp_core.security.catalog import declare
from erp_core.security.generation import affects_actors
from erp_core.security.generation import bump as bump_actor_generation

P = ParamSpec("P")
R = TypeVar("R")

# Every registered use case and query, by qualified name -> permission (the access-matrix test reads it).
USE_CASES: dict[str, str] = {}
QUERIES: dict[str, str] = {}


@dataclass
class Context:
    """What a use case sees: the session of its unit of work, the actor, and the audit record it builds."""

    session: Session
    actor: Actor
    permission: str
    db: Database
    entity: str | None = None
    entity_id: object = None
    changes: dict[str, Any] = field(default_factory=dict)
    company_id: int | None = None

    @property
    def scope(self) -> Scope:
        return self.actor.scope(self.permission) or Scope.OWN

    def audit(self, entity: str, entity_id: object = None, **changes: Any) -> None:
        """Name the entity this use case changed, and what changed (field -> [before, after] or value)."""
        self.entity, self.entity_id = entity, entity_id
        self.changes.update(changes)

    def diff(self, obj: object, **new_values: Any) -> dict[str, list[Any]]:
        """Set attributes on ``obj`` and record the ones that really changed as field -> [before, after]."""
        changed = {}
        for name, value in new_values.items():
            old = getattr(obj, name)
            if old != value:
                changed[name] = [old, value]
                setattr(obj, name, value)
        self.changes.update(changed)
        return changed

    def check_version(self, obj: Any, expected: int | None) -> None:
        """Refuse to change a record someone else saved since the form was loaded."""
        if expected is not None and obj.version != expected:
            # a document read for posting (documents.rows.Row) names its ORM class like an ORM object would
            raise ConcurrencyError(entity=getattr(obj, "__entity__", type(obj).__name__), expected=expected,
                                   actual=obj.version)


def _live_check(db: Database, session: Session, actor: Actor, permission: str) -> None:
    """A logged-in actor's session must still be live when its work runs and commits: logout, disable,
    sign-out-everywhere, the absolute lifetime and the idle timeout take effect on the very next action, and
    an actor whose password must be changed may do nothing but their own account's self-service. Enforced
    here, for every caller (pages, CLI, integrations), not only by the web shell."""
    if actor.session_id is None:
        return
    from erp_core.security.sessions import session_problem

    reason = session_problem(session, actor, db.settings.security, permission)
    if reason == "must_change_password":
        raise DomainError("error.account.must_change_password_first")
    if reason is not None:
        raise NotAuthenticated(reason=reason)


def _vouched(db: Database, actor: Actor, permission: str) -> bool:
    from erp_core.security.sessions import vouched

    return vouched(db, actor, permission)


def _field_of(permission: str, name: str) -> str:
    """The catalog key naming argument ``name`` of a use case under ``permission`` (``field.masterdata.name`` for
    masterdata.customer.create's ``name``), or the argument's own name when the catalog has none."""
    from erp_core.i18n import catalog, has

    parts = permission.split(".")
    for key in (f"field.{parts[0]}.{parts[1]}.{name}", f"field.{parts[0]}_{parts[1]}.{name}",
                f"field.{parts[0]}.{name}", f"field.{name}"):
        if has(key):
            return key
    named = [key for key in catalog() if key.startswith("field.") and key.endswith(f".{name}")]
    return named[0] if len(named) == 1 else name


def _control_problems(permission: str, kwargs: dict[str, Any]) -> list[ValidationError]:
    """The backstop for control characters in any text a use case was given (issue #11 item 14): a field's own
    validator names the problem first; whatever no validator looked at is refused here, so a NUL never reaches a
    database (PostgreSQL refuses it with a driver error; SQLite stored it silently)."""
    seen: dict[str, str] = {}
    for name, value in kwargs.items():
        for key, ch in control_chars_in(value, name):
            seen.setdefault(key, ch)
    return [ValidationError("error.text.control_char", field=_field_of(permission, key), char=char_name(ch))
            for key, ch in seen.items()]


def _deny(db: Database, actor: Actor, permission: str) -> None:
    with db.uow() as uow:
        audit.append(uow.session, actor, action=permission, outcome="denied")
        uow.commit()
    raise PermissionDenied(permission=permission)


def use_case(permission: str, *, zh: str, en: str) -> Callable[
        [Callable[Concatenate[Context, P], R]], Callable[Concatenate[Database, Actor, P], R]]:
    declare(permission, zh, en)

    def decorate(fn: Callable[Concatenate[Context, P], R]) -> Callable[Concatenate[Database, Actor, P], R]:
        @functools.wraps(fn)
        def run(db: Database, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not isinstance(actor, Actor):
                raise TypeError("the second argument of a use case is the acting Actor")
            if not actor.may(permission):
                _deny(db, actor, permission)
            with db.uow() as uow:
                # maintenance mode (an upgrade is running, erp_core/operations): read in this very transaction
                refuse_writes_during_maintenance(uow.session)
                _live_check(db, uow.session, actor, permission)
                ctx = Context(uow.session, actor, permission, db, company_id=actor.company_id)
                try:
                    result = fn(ctx, *args, **kwargs)
                    uow.session.flush()
                except DBAPIError:  # e.g. psycopg's "NUL in text" before any validator looked at it
                    raise_if(_control_problems(permission, kwargs))
                    raise
                # after the use case's own validators spoke; the unit of work rolls back what the use case wrote
                raise_if(_control_problems(permission, kwargs))
                if affects_actors(permission):  # signed-in sessions rebuild their Actor at their next rerun
                    bump_actor_generation(uow.session)
                details = {"params": audit.redact(kwargs)}
                if ctx.changes:
                    details["changes"] = audit.redact(ctx.changes)
                audit.append(uow.session, actor, action=permission, entity=ctx.entity,
                             entity_id=ctx.entity_id, details=details, company_id=ctx.company_id)
                uow.commit()
            return result

        run.permission = permission  # type: ignore[attr-defined]
        USE_CASES[f"{fn.__module__}.{fn.__name__}"] = permission
        return run

    return decorate


def query(permission: str, *, zh: str, en: str, session: bool = True) -> Callable[
        [Callable[Concatenate[Context, P], R]], Callable[Concatenate[Database, Actor, P], R]]:
    declare(permission, zh, en)

    def decorate(fn: Callable[Concatenate[Context, P], R]) -> Callable[Concatenate[Database, Actor, P], R]:
        @functools.wraps(fn)
        def run(db: Database, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not isinstance(actor, Actor):
                raise TypeError("the second argument of a query is the acting Actor")
            if not actor.may(permission):
                _deny(db, actor, permission)
            # A session check of a moment ago stands for the live check (sessions.vouched).
            checked = actor.session_id is None or _vouched(db, actor, permission)
            if not session:
                if not checked:
                    with db.uow(readonly=True) as uow:
                        _live_check(db, uow.session, actor, permission)
                return fn(Context(None, actor, permission, db, company_id=actor.company_id),  # type: ignore[arg-type]
                          *args, **kwargs)
            with db.uow(readonly=True) as uow:
                if not checked:
                    _live_check(db, uow.session, actor, permission)
                return fn(Context(uow.session, actor, permission, db, company_id=actor.company_id),
                           *args, **kwargs)

        run.permission = permission  # type: ignore[attr-defined]
        QUERIES[f"{fn.__module__}.{fn.__name__}"] = permission
        return run

    return decorate
