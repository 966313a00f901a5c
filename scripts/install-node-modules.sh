#!/usr/bin/env bash
# Install npm packages exactly as locked, unless node_modules already matches the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # a stalled registry connection is retried instead of hanging the whole run
  npm ci --no-audit --no-fund --fetch-timeout=60000 --fetch-retries=5
fi
