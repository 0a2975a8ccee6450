#!/usr/bin/env bash
# Brings vigil up from a fresh clone: installs dependencies, makes an admin
# token (kept in .env), checks PostgreSQL and Redis, builds, creates and
# migrates the database, starts the API and the worker, and prints the URLs
# and a new demo API key. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_node
ensure_dependencies

touch .env
if ! grep -q '^ADMIN_TOKEN=' .env && [ -z "${ADMIN_TOKEN:-}" ]; then
  echo "ADMIN_TOKEN=$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')" >> .env
  echo "==> generated an admin token in .env"
fi
if ! grep -q '^ENCRYPTION_KEY=' .env && [ -z "${ENCRYPTION_KEY:-}" ]; then
  echo "ENCRYPTION_KEY=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')" >> .env
  echo "==> generated an encryption key for channel secrets in .env (keep it: without it stored secrets cannot be read)"
fi
set -a
# shellcheck disable=SC1091
source .env
set +a
API_PORT="${API_PORT:-3000}"
WORKER_PORT="${WORKER_PORT:-3001}"

node scripts/check-services.js
echo "==> building"
npm run build --silent
echo "==> migrating"
node dist/apps/cli/src/main.js db:migrate
DEMO_KEY=$(node dist/apps/cli/src/main.js keys:create --name "demo-$(date +%s)" --project demo | tail -n 1)

mkdir -p .vigil/logs
node dist/apps/api/src/main.js > .vigil/logs/api.log 2>&1 &
API_PID=$!
node dist/apps/worker/src/main.js > .vigil/logs/worker.log 2>&1 &
WORKER_PID=$!
stop() {
  echo
  echo "==> stopping (draining in-flight work)"
  kill -TERM "$API_PID" "$WORKER_PID" 2>/dev/null || true
  wait "$API_PID" "$WORKER_PID" 2>/dev/null || true
  exit 0
}
trap stop INT TERM

wait_ready() {
  local name=$1 url=$2 pid=$3 log=$4
  for _ in $(seq 1 120); do
    if curl -fsS "$url" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "vigil $name exited; the end of $log:" >&2
      tail -n 20 "$log" >&2
      kill -TERM "$API_PID" "$WORKER_PID" 2>/dev/null || true
      exit 1
    fi
    sleep 0.5
  done
  echo "vigil $name is not ready after 60 s; see $log" >&2
  exit 1
}
wait_ready api "http://127.0.0.1:${API_PORT}/health/ready" "$API_PID" .vigil/logs/api.log
wait_ready worker "http://127.0.0.1:${WORKER_PORT}/health/ready" "$WORKER_PID" .vigil/logs/worker.log

cat <<MSG

vigil is running.
  API          http://localhost:${API_PORT}          (health: /health/live, /health/ready)
  worker       http://localhost:${WORKER_PORT}/health/ready   (probes only)
  logs         .vigil/logs/api.log, .vigil/logs/worker.log
  admin token  ${ADMIN_TOKEN}   (in .env; for the management API)

Send a request event:
  curl -X POST http://localhost:${API_PORT}/api/v1/ingest/requests \\
    -H 'authorization: Bearer ${DEMO_KEY}' -H 'content-type: application/json' \\
    -d '{"events":[{"service":"shop","method":"GET","route":"/orders/:id","status":200,"durationMs":42}]}'

Demo API key (project "demo"); it is shown only now:
${DEMO_KEY}

Ctrl-C stops vigil.
MSG
wait "$API_PID" "$WORKER_PID"
