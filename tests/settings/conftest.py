"""Fixtures for the settings and organisation tests: a company made by setup, and its administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.factories import admin_actor


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def count(db, model, **where) -> int:
    with db.uow(readonly=True) as uow:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return uow.session.execute(stmt).scalar_one()


def audit_count(db) -> int:
    from erp_core.security.models import AuditLog

    return count(db, AuditLog)
