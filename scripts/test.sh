#!/usr/bin/env bash
# Runs every test: installs what the tests need (system packages, npm packages,
# helm/kubectl), builds, type-checks (tests included), then runs vitest, which
# starts its own private Redis, PostgreSQL and S3 servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-system-packages.sh --browser
bash scripts/install-node-modules.sh
bash scripts/install-k8s-tools.sh
npx turbo run build --output-logs=errors-only
npx tsc -p tsconfig.check.json
npx vitest run "$@"
