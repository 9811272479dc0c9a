#!/usr/bin/env bash
# Start the app the way a newcomer does (`make run`) on a fresh data dir and log in as the demo owner.
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"
port="${SMOKE_PORT:-8765}"
log="$data/run.log"
MANDATE_DATA_DIR="$data" MANDATE_BASE_URL="http://127.0.0.1:$port" \
  .venv/bin/mandate serve --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
grep -q "olivia@harbour.example" "$log" || { echo "demo logins were not printed"; cat "$log"; exit 1; }
token=$(curl -fsS -X POST "http://127.0.0.1:$port/api/auth/token" -H 'content-type: application/json' \
  -d '{"email":"olivia@harbour.example","password":"mandate-demo-2026"}' | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
count=$(curl -fsS "http://127.0.0.1:$port/api/deals" -H "authorization: Bearer $token" | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
[ "$count" -gt 0 ] || { echo "demo deals missing"; exit 1; }
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
echo "make run smoke: served demo data with $count deals for the demo owner"
