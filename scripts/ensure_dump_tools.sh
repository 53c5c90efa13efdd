#!/usr/bin/env bash
# The backup tests of PostgreSQL and MariaDB databases need their dump and load programs. Installs them from
# Debian's packages when missing and allowed (root with apt-get); exits non-zero, naming them, otherwise.
set -uo pipefail
missing=()
for tool in pg_dump psql mariadb-dump mariadb; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_dump_tools: installing postgresql-client mariadb-client (missing: ${missing[*]})" >&2
  (apt-get install -y -q postgresql-client mariadb-client >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql-client mariadb-client >/dev/null 2>&1; })
fi
for tool in pg_dump psql mariadb-dump mariadb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ensure_dump_tools: $tool is missing" >&2; exit 1; }
done
