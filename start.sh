#!/usr/bin/env bash
# Installs what the app needs (first run only), applies database migrations and starts the app.
# Address and port: ERP_ADDRESS / ERP_PORT, or `./start.sh --address 0.0.0.0 --port 8080`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap requirements.lock
erp migrate
exec erp serve "$@"
