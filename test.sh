#!/usr/bin/env bash
# Installs the test dependencies (first run only) and runs the whole suite: unit, integration (SQLite, plus
# PostgreSQL / MariaDB when ERP_TEST_POSTGRES_URL / ERP_TEST_MARIADB_URL are set), page and browser tests.
# Extra arguments go to pytest, e.g. `./test.sh -k numbering`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap requirements-test.lock
scripts/ensure_chromium.sh
# Compiled bytecode is cached for the run and the next one, outside the source tree (.cache/, git-ignored), even
# when the environment says PYTHONDONTWRITEBYTECODE: without it each of the two workers, and every app server,
# scheduler and CLI a test starts, compiles erp_core, Streamlit, SQLAlchemy, Hypothesis... from source again
# (~17 s of CPU per pytest process for collection alone on the 2-core CI machine), and pytest rewrites the
# asserts of every test module again in each worker. PYTHONPYCACHEPREFIX keeps the tree free of __pycache__.
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$PWD/.cache/pycache}"
unset PYTHONDONTWRITEBYTECODE
exec python -m pytest -n "${ERP_TEST_WORKERS:-2}" --dist worksteal "$@"
