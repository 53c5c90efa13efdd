#!/usr/bin/env bash
# Fresh-clone check: what a new user gets from the README's two commands.
#   1. git clone this repository to /tmp/fresh-clone-<UTC timestamp>
#   2. ./start.sh there (builds .venv, migrates a new SQLite database, serves) until /_stcore/health answers,
#      then stops the server
#   3. ./test.sh [args] there (the whole suite, unless args narrow it); skipped with --start-only
# No ERP_* variable of the caller leaks in (a new user has none). Exit status: non-zero if any step fails.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
start_only=0
if [ "${1:-}" = "--start-only" ]; then start_only=1; shift; fi

dest="/tmp/fresh-clone-$(date -u +%Y%m%d-%H%M%S)"
echo "==> clone $src -> $dest" >&2
git clone -q "$src" "$dest"
cd "$dest"
echo "==> commit $(git rev-parse --short HEAD)" >&2

clean_env=(env)
for v in $(env | grep -o '^ERP_[A-Z_]*' || true); do clean_env+=(-u "$v"); done

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "==> ./start.sh (port $port; log: $dest/start.log)" >&2
"${clean_env[@]}" ERP_PORT="$port" ./start.sh >start.log 2>&1 &
server=$!
ok=0
for _ in $(seq 1 600); do
  if curl -fsS -m 2 "http://127.0.0.1:$port/_stcore/health" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 1
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
if [ "$ok" != 1 ]; then
  echo "==> FAILED: the server did not answer /_stcore/health; last lines of start.log:" >&2
  tail -20 start.log >&2
  exit 1
fi
echo "==> start: OK (/_stcore/health answered, server stopped)" >&2
[ "$start_only" = 1 ] && exit 0

echo "==> ./test.sh $*" >&2
"${clean_env[@]}" ./test.sh "$@"
