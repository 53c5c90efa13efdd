#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline), with a CJK
# font so Chinese pages render as text in screenshots rather than empty boxes.
# Installs what is missing when we are root on a Debian/Ubuntu machine; otherwise says what to do.
set -euo pipefail
want=()
[ -x /usr/bin/chromium ] || want+=(chromium chromium-driver)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || want+=(fonts-wqy-microhei)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing ${want[*]} (browser tests)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >&2
else
  echo "warning: missing ${want[*]}; install with: sudo apt-get install ${want[*]}" \
       "(browser tests need Chromium; the font only affects screenshots)" >&2
fi
