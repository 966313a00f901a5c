#!/usr/bin/env bash
# Runs the whole system on this machine: api + dispatcher + executor processes,
# with private Redis, PostgreSQL and S3 servers for whatever is not configured
# (REDIS_URL, DATABASE_URL, S3_ENDPOINT). Data stays in .local/.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-system-packages.sh
bash scripts/install-node-modules.sh
npx turbo run build --output-logs=errors-only
exec node local/dist/main.js
