"""The access matrix, generated from the permission catalog (erp_core.usecase.USE_CASES and QUERIES after
catalog.load_all()):

1. every use case and query refuses an actor holding every permission except its own: PermissionDenied, and
   nothing is written except one 'denied' audit entry (row counts of every table compared);
2. every one with an access example (tests/access/examples_*.py) succeeds for an actor holding only its own
   permission, and a use case leaves an 'ok' audit entry;
3. every registered use case and query has an example: adding one without covering it fails here.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType

import pytest
from sqlalchemy import func, inspect, select, table

from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.errors import PermissionDenied
from erp_core.security.catalog import load_all
from erp_core.security.models import AuditLog
from erp_core.usecase import QUERIES, USE_CASES
from tests.access.examples import CoveredElsewhere, Env, load_examples
from tests.support.factories import admin_actor


def _registered() -> dict[str, str]:
    load_all()
    return {**USE_CASES, **QUERIES}


def _resolve(name: str):
    module, fn = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), fn)


_NAMES: dict[tuple[int, str], list[str]] = {}


def _table_names(db) -> list[str]:
    """The tables, inspected once per database (no use case creates a table)."""
    key = (id(db), str(db.engine.url))
    if key not in _NAMES:
        _NAMES[key] = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    return _NAMES[key]


def _counts(db) -> dict[str, int]:
    """Row counts of every table, read in ONE statement (a scalar subquery per table): the matrix calls this twice
    for each of ~1,000 use cases, and a round trip per table made this test take 7 minutes on MariaDB."""
    names = _table_names(db)
    stmt = select(*[select(func.count()).select_from(table(n)).scalar_subquery().label(f"c{i}")
                    for i, n in enumerate(names)])
    with db.uow(readonly=True) as uow:
        row = uow.session.execute(stmt).one()
    return dict(zip(names, row, strict=True))


def _actor(company_id: int, grants, user_id: int = 990_001) -> Actor:
    return Actor(user_id=user_id, username="matrix", company_id=company_id,
                 grants=MappingProxyType({p: Scope.ALL for p in grants}))


def test_every_use_case_and_query_has_an_access_example():
    registered, examples = _registered(), load_examples()
    missing = sorted(set(registered) - set(examples))
    stale = sorted(set(examples) - set(registered))
    assert not missing, ("use cases/queries without an access example (add them to tests/access/examples_<module>.py,"
                         " see tests/access/README.md):\n  " + "\n  ".join(missing))
    assert not stale, "access examples for names that are not registered:\n  " + "\n  ".join(stale)


def test_without_its_permission_every_call_is_refused_and_writes_nothing(db, company):
    registered = _registered()
    everything = set(load_all())
    problems = []
    before = None  # the row counts before the next call: the previous call's "after" when it was read
    for name, permission in sorted(registered.items()):
        fn = _resolve(name)
        actor = _actor(company.company_id, everything - {permission})
        if before is None:
            before = _counts(db)
        try:
            fn(db, actor)
        except PermissionDenied as exc:
            if exc.params.get("permission") != permission:
                problems.append(f"{name}: denied for {exc.params} instead of {permission}")
        except Exception as exc:  # noqa: BLE001 - any other outcome is a failure of the check itself
            problems.append(f"{name}: raised {type(exc).__name__}: {exc}")
            before = None
            continue
        else:
            problems.append(f"{name}: ran without {permission}")
            before = None
            continue
        after = _counts(db)
        changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t) and t != "audit_log"}
        if changed:
            problems.append(f"{name}: wrote {changed}")
        if after["audit_log"] != before["audit_log"] + 1:
            problems.append(f"{name}: audit rows {before['audit_log']} -> {after['audit_log']}, expected one more")
        else:
            with db.uow(readonly=True) as uow:
                last = uow.session.execute(select(AuditLog.action, AuditLog.outcome)
                                           .order_by(AuditLog.seq.desc()).limit(1)).one()
            if tuple(last) != (permission, "denied"):
                problems.append(f"{name}: last audit entry {tuple(last)}")
        # nothing writes between this count and the next call (only the audit read above): it is the next call's
        # "before" (one count of every table per call instead of two, for ~1,000 calls per backend)
        before = after
    assert not problems, "\n".join(problems)


def test_with_only_its_permission_every_example_succeeds(db, company):
    env = Env(db, company.company_id, admin_actor(db, company))
    registered, examples = _registered(), load_examples()
    problems = []
    for name, permission in sorted(registered.items()):
        builder = examples.get(name)
        if builder is None or isinstance(builder, CoveredElsewhere):
            continue  # reported by the coverage test
        try:
            kwargs = builder(env)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}: example set-up failed: {type(exc).__name__}: {exc}")
            continue
        actor = kwargs.pop("__actor__", None) or _actor(company.company_id, {permission})
        with db.uow(readonly=True) as uow:
            seq = uow.session.execute(select(func.max(AuditLog.seq))).scalar() or 0
        try:
            _resolve(name)(db, actor, **kwargs)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}: refused with only {permission}: {type(exc).__name__}: {exc}")
            continue
        if name in USE_CASES:
            with db.uow(readonly=True) as uow:
                ok = uow.session.execute(select(func.count()).select_from(AuditLog).where(
                    AuditLog.seq > seq, AuditLog.action == permission, AuditLog.outcome == "ok")).scalar_one()
            if ok != 1:
                problems.append(f"{name}: {ok} 'ok' audit entries for {permission}, expected 1")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["erp_core.security.user_services.create_user"])
def test_the_matrix_sees_the_security_use_cases(name):
    assert name in _registered()
