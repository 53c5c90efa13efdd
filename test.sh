#!/usr/bin/env bash
# Installs the test dependencies (first run only) and runs the whole suite: unit, integration (SQLite, plus
# PostgreSQL / MariaDB when ERP_TEST_POSTGRES_URL / ERP_TEST_MARIADB_URL are set), page and browser tests.
# Extra arguments go to pytest, e.g. `./test.sh -k numbering`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap requirements-test.lock
scripts/ensure_chromium.sh
exec python -m pytest -n "${ERP_TEST_WORKERS:-2}" --dist worksteal "$@"
