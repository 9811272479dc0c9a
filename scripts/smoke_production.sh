#!/usr/bin/env bash
# Production mode on this machine, end to end: a fresh PostgreSQL database, a dedicated Redis database,
# `mandate migrate`, then `mandate serve --workers 2` and `mandate worker --periodic` in the background on
# 127.0.0.1, and `mandate smoke` against them. Whatever happens, it stops what it started and drops the
# database. Settings: SMOKE_PG (server URL), SMOKE_DB (database name, dropped and re-created),
# SMOKE_REDIS (URL with a database number of its own: it is flushed), SMOKE_KEEP=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/.."

pg="${SMOKE_PG:-postgresql+psycopg://postgres@127.0.0.1:5432}"
db="${SMOKE_DB:-mandate_smoke}"
redis="${SMOKE_REDIS:-redis://127.0.0.1:6379/15}"
py=.venv/bin/python
work="$(mktemp -d)"
pids=()

port="$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

psql_admin() { PGOPTIONS=--client-min-messages=warning psql "${pg/+psycopg/}/postgres" -v ON_ERROR_STOP=1 -qc "$1" >/dev/null; }
flush_redis() { redis-cli -u "$redis" flushdb >/dev/null; }

stop_all() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do echo "----- $log (last 40 lines)"; tail -n 40 "$log"; done
  fi
  psql_admin "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
  flush_redis || true
  [ "${SMOKE_KEEP:-}" = 1 ] && echo "logs kept in $work" || rm -rf "$work"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

echo "== fresh database $db, Redis $redis, port $port"
psql_admin "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
psql_admin "CREATE DATABASE \"$db\""
flush_redis

export MANDATE_MODE=production
export MANDATE_SECRET_KEY="$($py -c 'import secrets; print(secrets.token_urlsafe(48))')"
export MANDATE_DATABASE_URL="$pg/$db"
export MANDATE_REDIS_URL="$redis"
export MANDATE_BASE_URL="$base"
export MANDATE_DATA_DIR="$work/data"
export MANDATE_STORAGE_BACKEND=local  # web and worker share this host's disk
export MANDATE_LOG_LEVEL=INFO
export PROMETHEUS_MULTIPROC_DIR="$work/prometheus"
export MANDATE_METRICS_TOKEN="$($py -c 'import secrets; print(secrets.token_urlsafe(24))')"

echo "== mandate migrate"
.venv/bin/mandate migrate

echo "== mandate serve --workers 2 and mandate worker --periodic"
.venv/bin/mandate serve --host 127.0.0.1 --port "$port" --workers 2 >"$work/serve.log" 2>&1 &
pids+=($!)
.venv/bin/mandate worker --periodic >"$work/worker.log" 2>&1 &
pids+=($!)

ready=""
for _ in $(seq 1 360); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "${pids[0]}" 2>/dev/null || { echo "mandate serve exited before it was ready"; exit 1; }
  sleep 0.5
done
[ -n "$ready" ] || { echo "$base/readyz did not answer 200 within 180s"; exit 1; }

echo "== mandate smoke --base-url $base"
smoke=0
.venv/bin/mandate smoke --base-url "$base" || smoke=$?

others=0
# Read the whole page first: `grep -q` stops early and would break curl's pipe under pipefail.
exposition="$(curl -fsS -H "Authorization: Bearer $MANDATE_METRICS_TOKEN" "$base/metrics" || true)"
if grep -q '^mandate_http_requests_total{.*route="/api/deals"' <<<"$exposition"; then
  echo "PASS  metrics: /metrics counts the smoke's requests across the web workers"
else
  echo "FAIL  metrics: /metrics does not count POST /api/deals"; others=1
fi
kill -0 "${pids[1]}" 2>/dev/null || { echo "FAIL  mandate worker --periodic is not running"; others=1; }
[ "$smoke" -eq 0 ] && [ "$others" -eq 0 ] || exit 1
echo "production smoke: passed"
