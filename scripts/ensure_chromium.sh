#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
# Installs it when missing and we are root on a Debian/Ubuntu machine; otherwise says what to do.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing chromium (browser tests)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
else
  echo "warning: /usr/bin/chromium is missing; install it (sudo apt-get install chromium chromium-driver)" \
       "or the browser tests will fail" >&2
fi
