"""Integrity checks for `erp check` (and the admin page): small functions that return a list of problems,
in the style of beancount's validation. Modules register their own invariants with @check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from erp_core.db.uow import Database
from erp_core.i18n import t


@dataclass(frozen=True)
class Problem:
    message_id: str
    params: dict = field(default_factory=dict)

    def render(self, locale: str) -> str:
        return t(self.message_id, locale, **self.params)


CHECKS: dict[str, Callable[[Database], list[Problem]]] = {}


def check(name: str):
    def register(fn: Callable[[Database], list[Problem]]):
        CHECKS[name] = fn
        return fn

    return register


@check("schema_current")
def schema_current(db: Database) -> list[Problem]:
    from erp_core.db.migrate import current_revision, head_revision

    cur, head = current_revision(db.engine), head_revision()
    return [] if cur == head else [Problem("check.problem.schema", {"current": cur or "-", "head": head})]


@check("audit_chain")
def audit_chain(db: Database) -> list[Problem]:
    from erp_core.security.audit import verify_chain

    with db.uow(readonly=True) as uow:
        brk = verify_chain(uow.session)
    if brk is None:
        return []
    return [Problem("check.problem.audit_chain", {"seq": brk.seq, "id": brk.id, "reason": brk.reason})]


def run_checks(db: Database) -> list[tuple[str, list[Problem]]]:
    """Run every registered check; a schema that is not current stops the rest (their tables may differ)."""
    import erp_core.security.catalog as catalog

    catalog.load_all()  # modules register their checks when imported
    results = [("schema_current", schema_current(db))]
    if results[0][1]:
        return results
    for name, fn in CHECKS.items():
        if name != "schema_current":
            results.append((name, fn(db)))
    return results
