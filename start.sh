#!/usr/bin/env bash
# Installs what the app needs (first run only), applies database migrations and starts the app, with the
# scheduler (backups, restore verification, integrity checks) beside it; ERP_SCHEDULER=0 leaves it out.
# Address and port: ERP_ADDRESS / ERP_PORT, or `./start.sh --address 0.0.0.0 --port 8080`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap requirements.lock
erp migrate
if [ "${ERP_SCHEDULER:-1}" != "0" ]; then
  # This process becomes the web server below (exec keeps the PID): the scheduler stops when the server does.
  # Its output goes to data/scheduler.log.
  mkdir -p data
  erp scheduler --parent-pid $$ >>data/scheduler.log 2>&1 &
fi
exec erp serve "$@"
