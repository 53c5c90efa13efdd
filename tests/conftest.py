"""Shared fixtures. Storage tests take ``db`` and run once per configured backend:

- SQLite always;
- PostgreSQL when ERP_TEST_POSTGRES_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/postgres);
- MariaDB when ERP_TEST_MARIADB_URL is set (e.g. mysql://root@127.0.0.1:3306/).

A configured backend that cannot be reached fails the run: there are no silent skips.
Each test gets a fresh, migrated database of its own: cloned from a per-worker template, or on PostgreSQL and
MariaDB a used one reset to exactly that state (docs/testing.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as _hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.databases import BACKENDS, DatabaseProvider, end_session, start_session  # noqa: E402

# Hypothesis: no timing checks on the shared 2-core CI machine (tests assert behaviour, never timing). Its
# deadline and its "input generation is slow" health check failed property tests at random under load (seen:
# tests/masterdata/test_duplicates.py, 4 inputs in 6 s). The number of examples stays what each test says.
_hypothesis_settings.register_profile("erp", deadline=None, suppress_health_check=[HealthCheck.too_slow])
_hypothesis_settings.load_profile("erp")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """bcrypt at cost 4 in tests: the same code path, a fraction of the time (production uses 12)."""
    from erp_core.security import passwords

    passwords.BCRYPT_ROUNDS = 4
    passwords.dummy_hash.cache_clear()
    yield


def pytest_configure(config):
    start_session(config)  # the folder where the workers share what is built once per run (the templates)
    # the longest tests first, from tests/durations.json (tests/support/ordering.py); records it when asked
    from tests.support import ordering

    config.pluginmanager.register(ordering, "erp-ordering")
    ordering.configure(config)


def pytest_unconfigure(config):
    end_session(config)  # every worker is done: drop the shared template databases


def pytest_report_header(config):
    return f"erp storage backends: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def _providers(tmp_path_factory, worker_id):
    providers: dict[str, DatabaseProvider] = {}
    yield providers
    for p in providers.values():
        p.close()


def _provider(providers, backend, tmp_path_factory, worker_id) -> DatabaseProvider:
    if backend not in providers:
        providers[backend] = DatabaseProvider(backend, tmp_path_factory.mktemp(f"db-{backend}"), worker_id)
    return providers[backend]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(request, backend, _providers, tmp_path_factory, worker_id):
    """URL of a fresh, migrated database on ``backend`` of its own for this test (after the test it is reset for
    reuse on PostgreSQL/MariaDB when only rows changed, else dropped; see tests/support/databases.py).
    A test that asks for ``demo_year`` gets instead a copy of the session's demo-year database."""
    provider = _provider(_providers, backend, tmp_path_factory, worker_id)
    if "demo_year" in request.fixturenames:
        url = provider.fresh_from(_demo_snapshot(provider))
    elif "company" in request.fixturenames:
        snap = _company_snapshot(provider)
        url = provider.fresh_from(snap)
        request.node.stash[_COMPANY] = snap.value
    else:
        url = provider.fresh()
    yield url
    provider.release(url)  # reset for the next test when only rows changed, else dropped


_COMPANY = pytest.StashKey[object]()  # db_url -> company: the setup result already in the test's database


def _company_snapshot(provider: DatabaseProvider):
    """What make_company(db) writes into a fresh database, made once per backend and test run: the setup use case
    (chart of accounts, roles and grants, settings, the administrator) took 2-8 s a test on the busy 2-core CI
    machine across the three backends for the ~700 tests that ask for ``company``; a copy of its database takes
    well under one (a file copy, CREATE DATABASE ... TEMPLATE, the rows copied on MariaDB)."""
    from tests.support.factories import make_company_into

    return provider.snapshot("company", make_company_into)


def _demo_snapshot(provider: DatabaseProvider):
    from tests.support.demo import build_demo_year_into

    return provider.snapshot("demo-year", build_demo_year_into)


@pytest.fixture
def demo_year(db_url, backend, _providers, tmp_path_factory, worker_id):
    """The demo company (``make_company(db, load_demo=True)``) and its year of business
    (``build_demo_year``) as they are built with the clock at 2027-01-20 10:00 Changsha time: the test's
    database (``db``, ``db_url``) starts as a copy of them. Built once per backend and test run, not per test;
    the clock is not set during the test (tests/support/demo.py). Returns a DemoYear (company, summary)."""
    return _demo_snapshot(_provider(_providers, backend, tmp_path_factory, worker_id)).value


@pytest.fixture
def db(db_url):
    """An erp_core Database over a fresh, migrated database (one per backend)."""
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database

    engine = make_engine(db_url)
    database = Database(engine, Settings(database_url=db_url, data_dir=Path(os.environ.get("TMPDIR", "/tmp"))))
    yield database
    engine.dispose()


@pytest.fixture
def empty_db_url(backend, _providers, tmp_path_factory, worker_id):
    """URL of an empty database (no tables) on ``backend``: for migration tests."""
    provider = _provider(_providers, backend, tmp_path_factory, worker_id)
    url = provider.empty()
    yield url
    provider.drop(url)


@pytest.fixture
def company(request, db):
    """A company made by the setup use case, with its administrator; see tests/support/factories.py.
    The test's database already holds it (a copy of the run's company snapshot, see db_url and
    _company_snapshot): this returns what make_company(db) returned when it was made, with the real clock, like
    a test's own. Asked for beside ``demo_year`` (whose database holds the demo company) it is made here."""
    import copy

    from tests.support.factories import make_company

    if _COMPANY not in request.node.stash:
        return make_company(db)
    return copy.deepcopy(request.node.stash[_COMPANY])  # a test may change it; the next test gets the original


@pytest.fixture
def erp_cli(db_url, monkeypatch):
    """``erp_cli("import", "customers", path)``: the `erp` command in English against this test's database,
    returning click's Result (exit_code, output)."""
    from click.testing import CliRunner

    from erp_core.cli import main

    monkeypatch.setenv("ERP_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["--lang", "en", *args], catch_exceptions=False)
