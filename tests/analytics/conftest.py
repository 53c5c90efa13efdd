from __future__ import annotations

import pytest

from erp_core.analytics import engine as analytics_engine
from tests.analytics.books import Books
from tests.support.factories import admin_actor


@pytest.fixture
def books(db, company):
    """The company's books (its standard chart of accounts), posted through the ledger's use cases."""
    b = Books(db, company.company_id, admin_actor(db, company))
    yield b
    analytics_engine.forget(db, delete=True)
