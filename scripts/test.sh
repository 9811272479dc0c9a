#!/usr/bin/env bash
# `make test`: the suite on SQLite; again on PostgreSQL (+ Redis) when MANDATE_TEST_DATABASE_URL
# is set; the browser tests when Chromium is found. Prints what ran, what was skipped and why.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORKERS="${PYTEST_WORKERS:-auto}"
declare -a report=()
failed=0

run_suite() {  # name, then the command
  local name="$1"; shift
  echo; echo "=== $name ==="
  "$@"
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    report+=("PASSED   $name")
  elif [ "$rc" -eq 5 ]; then
    # pytest's "no tests collected": a suite that should have tests must not pass silently.
    report+=("FAILED   $name (no tests were collected)"); failed=1
  else
    report+=("FAILED   $name (exit $rc)"); failed=1
  fi
}

run_suite "SQLite: unit and API tests" \
  env -u MANDATE_TEST_DATABASE_URL -u MANDATE_TEST_REDIS_URL "$BIN/pytest" -n "$WORKERS" -m "not e2e" -q

if [ -n "${MANDATE_TEST_DATABASE_URL:-}" ]; then
  run_suite "PostgreSQL${MANDATE_TEST_REDIS_URL:+ + Redis}: unit and API tests" \
    "$BIN/pytest" -n "$WORKERS" -m "not e2e" -q
else
  report+=("SKIPPED  PostgreSQL run: set MANDATE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mandate_test (and MANDATE_TEST_REDIS_URL=redis://127.0.0.1:6379/0) to run it")
fi

CHROMIUM="${MANDATE_CHROMIUM:-$(command -v chromium || true)}"
if [ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ]; then
  run_suite "Browser tests (Chromium, axe-core)" "$BIN/pytest" -m e2e -p no:xdist -q tests/e2e
else
  report+=("SKIPPED  browser tests: Chromium not found (Debian: apt-get install chromium)")
fi

echo; echo "=== Summary ==="
printf '%s\n' "${report[@]}"
exit "$failed"
