#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs dependencies, builds (which
# type-checks), then runs the unit, integration and e2e tiers against the real
# PostgreSQL and Redis. Tests make their own database (vigil_test) and Redis
# key prefixes (vigil-test-*); nothing of a developer's data is touched.
# Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_node
ensure_dependencies
# The dashboard test drives Debian's Chromium; install it where we can (root with apt), else that test says how.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "==> installing chromium for the dashboard test"
  (apt-get update -qq && apt-get install -y -qq chromium > /dev/null) || echo "could not install chromium; the dashboard test will fail" >&2
fi
DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vigil_test}" REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}" \
  node scripts/check-services.js
echo "==> building"
npm run build --silent
echo "==> testing"
mkdir -p .vigil
status=0
TZ=UTC npx jest --ci --json --outputFile=.vigil/jest-results.json "$@" || status=$?
# One closing line in the plain form CI tools read.
node -e 'const r = require("./.vigil/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' 2>/dev/null || true
exit "$status"
