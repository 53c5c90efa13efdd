"""The demo company's year of business, built once per test session and backend (tests/support/databases.py,
``DatabaseProvider.snapshot``) and copied into the database of each test that asks for the ``demo_year``
fixture: building it takes 20-30 s a backend, copying it well under one."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from erp_core.setup.demo_year import DemoSummary
from erp_core.setup.services import SetupResult

DEMO_NOW = dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC)  # 2027-01-20 10:00 in Changsha: 2026-02 .. 2027-01


@dataclass(frozen=True)
class DemoYear:
    """What ``make_company(db, load_demo=True)`` and then ``build_demo_year`` returned, on DEMO_NOW."""

    company: SetupResult
    summary: DemoSummary


def build_demo_year_into(url: str) -> DemoYear:
    """The demo company and its year, exactly as a test would build them into its own database with the clock
    at DEMO_NOW (the clock is put back as it was)."""
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.kernel import clock
    from erp_core.setup.demo_year import build_demo_year
    from tests.support.factories import make_company

    saved = clock._now  # noqa: SLF001 - a test that asked for the demo year may have set its own clock
    engine = make_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="erp-demo-year-") as data:
            db = Database(engine, Settings(database_url=url, data_dir=Path(data)))
            clock.set_clock(lambda: DEMO_NOW)
            result = make_company(db, load_demo=True)
            summary = build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
    finally:
        clock.set_clock(saved)
        engine.dispose()
    return DemoYear(result, summary)
