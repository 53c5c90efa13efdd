"""Test data builders. Each test builds its own company through the real use cases."""

from __future__ import annotations

import itertools
from types import MappingProxyType

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor, Scope
from erp_core.setup.demo import demo_tax_id
from erp_core.setup.services import SETUP_PERMISSION, SetupResult, run_setup

ADMIN_PASSWORD = "Adm1n-Test-Pass!"
_counter = itertools.count(1)


def make_company(db: Database, *, load_demo: bool = False, locale: str = "zh_CN") -> SetupResult:
    return run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="测试商贸有限公司",
                     tax_id=demo_tax_id(), admin_username="admin", admin_password=ADMIN_PASSWORD,
                     admin_display_name="管理员", locale=locale, load_demo=load_demo)


def make_company_into(url: str) -> SetupResult:
    """make_company on the database at ``url`` (for the run's company snapshot: tests/conftest.py)."""
    import tempfile
    from pathlib import Path

    from erp_core.config import Settings
    from erp_core.db.engine import make_engine

    engine = make_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="erp-company-") as data:
            return make_company(Database(engine, Settings(database_url=url, data_dir=Path(data))))
    finally:
        engine.dispose()


def actor(company_id: int, grants: dict[str, Scope | str] | None = None, *, user_id: int | None = None,
          username: str | None = None, department_ids: frozenset[int] = frozenset()) -> Actor:
    """An Actor holding exactly ``grants`` (no live session, so no session check)."""
    n = next(_counter)
    return Actor(user_id=user_id if user_id is not None else 10_000 + n, username=username or f"tester{n}",
                 company_id=company_id,
                 grants=MappingProxyType({k: Scope(v) for k, v in (grants or {}).items()}),
                 department_ids=department_ids)


def admin_actor(db: Database, result: SetupResult) -> Actor:
    """The company administrator as the security module builds it (all permissions)."""
    from erp_core.security.models import User
    from erp_core.security.sessions import build_actor

    with db.uow(readonly=True) as uow:
        user = uow.session.get(User, result.admin_user_id)
        return build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")
