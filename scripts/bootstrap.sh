#!/usr/bin/env bash
# Creates or refreshes .venv from a lock file. Sourced by start.sh and test.sh.
# Usage: bootstrap <lockfile>. Skips the install when the lock file has not changed since the last run.
set -euo pipefail

bootstrap() {
  local lock="$1" root venv stamp want
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="${ERP_VENV:-$root/.venv}"
  stamp="$venv/.installed-$(basename "$lock")"
  want="$(sha256sum "$root/$lock" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating $venv" >&2
    local py="${PYTHON:-python3}"
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
      echo "error: Python 3.11 or newer is required ($py is $("$py" --version 2>&1))" >&2; exit 2; }
    # Debian/Ubuntu ship venv without ensurepip unless python3-venv is installed; fall back to uv's venv.
    if ! "$py" -m venv "$venv" 2>/dev/null; then
      rm -rf "$venv"
      "$py" -m pip install --user --quiet --break-system-packages "uv==0.13.8" 2>/dev/null \
        || "$py" -m pip install --user --quiet "uv==0.13.8"
      "$py" -m uv venv --seed "$venv"
    fi
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> installing dependencies from $lock" >&2
    [ -x "$venv/bin/uv" ] || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
    # install, not sync: the test lock is a superset of the app lock, and ./start.sh run by a browser test must
    # not strip pytest out of the environment the tests are running in.
    "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" -r "$root/$lock"
    "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps -e "$root"
    echo "$want" > "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}
