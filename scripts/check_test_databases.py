"""Fail loudly unless every test database server named in the environment answers (used by .ci/run).

Reads ERP_TEST_POSTGRES_URL and ERP_TEST_MARIADB_URL, connects to each with a short timeout and runs SELECT 1.
Exit 0 when all configured servers answer, 1 otherwise (with the reason on stderr)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erp_core.config import normalize_url, redact_url

TIMEOUT_S = int(os.environ.get("ERP_CI_DB_TIMEOUT", "5"))


def check(name: str, env: str) -> bool:
    raw = os.environ.get(env)
    if not raw:
        print(f"ci: {env} is not set; {name} tests would not run", file=sys.stderr)
        return False
    url = make_url(normalize_url(raw, Path.cwd()))
    if name == "MariaDB":
        url = url.set(database=url.database or "")
    engine = create_engine(url, connect_args={"connect_timeout": TIMEOUT_S}, pool_pre_ping=False)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar_one()
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        print(f"ci: {name} at {redact_url(raw)} is unreachable: {reason}", file=sys.stderr)
        return False
    finally:
        engine.dispose()
    print(f"ci: {name} at {redact_url(raw)} answers ({str(version).split(' on ')[0][:60]})", file=sys.stderr)
    return True


def main() -> int:
    results = [check("PostgreSQL", "ERP_TEST_POSTGRES_URL"), check("MariaDB", "ERP_TEST_MARIADB_URL")]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
