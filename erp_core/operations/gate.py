"""``@operation``: the use-case wrapper for long operations that work on the database from outside a unit of
work (a backup, a restore, an upgrade): a backup taken inside a write transaction would hold SQLite's write
lock for its whole length, and an upgrade's migrations would wait on the very transaction that started them.

Same rules as ``@use_case`` (DESIGN.md rule 2): deny by default (a refusal is audited), the live-session check,
then the work, then ONE audit entry with its parameters and result (outcome ``ok``) in its own unit of work.
A failure is audited too (outcome ``failed``) and re-raised. Registered in USE_CASES, so the access matrix
covers it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import DomainError
from erp_core.security import audit
from erp_core.security.catalog import declare
from erp_core.usecase import USE_CASES, Context, _deny, _live_check


def operation(permission: str, *, zh: str, en: str, entity: str) -> Callable:
    declare(permission, zh, en)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(db: Database, actor: Actor, /, **kwargs: Any) -> Any:
            if not isinstance(actor, Actor):
                raise TypeError("the second argument of an operation is the acting Actor")
            if not actor.may(permission):
                _deny(db, actor, permission)
            with db.uow(readonly=True) as uow:
                _live_check(db, uow.session, actor, permission)
            try:
                # ctx.session is None: the work opens its own connections (see the module docstring)
                result = fn(Context(None, actor, permission, db, company_id=actor.company_id), **kwargs)  # type: ignore[arg-type]
            except DomainError as exc:
                _record(db, actor, permission, entity, None, kwargs, {"error": exc.message_id}, "failed")
                raise
            entity_id = result.get("id") if isinstance(result, dict) else result
            _record(db, actor, permission, entity, entity_id, kwargs,
                    result if isinstance(result, dict) else {"result": result}, "ok")
            return result

        run.permission = permission  # type: ignore[attr-defined]
        USE_CASES[f"{fn.__module__}.{fn.__name__}"] = permission
        return run

    return decorate


def _record(db: Database, actor: Actor, permission: str, entity: str, entity_id: Any, kwargs: dict,
            result: dict, outcome: str) -> None:
    from erp_core.config import redact_url

    params = {k: redact_url(v) if isinstance(v, str) and "://" in v else v for k, v in kwargs.items()}
    details = {"params": audit.redact(params), "result": audit.redact(result)}
    with db.uow() as uow:
        audit.append(uow.session, actor, action=permission, outcome=outcome, entity=entity,
                     entity_id=None if entity_id is None else str(entity_id), details=details)
        uow.commit()
