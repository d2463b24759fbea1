#!/usr/bin/env bash
# Runs the unit and integration tests on SQLite and on PostgreSQL side by side (one suite per core), each with
# its own var/ directory so neither sees the other's files, then prints each suite's log summary; the full log
# of a suite that failed. Exits non-zero when either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${BIN:-.venv/bin}"
work="$(mktemp -d /tmp/jixiao-tests.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sqlite-var" "$work/postgres-var"
JIXIAO_VAR_DIR="$work/sqlite-var" "$bin/pytest" "$@" >"$work/sqlite.log" 2>&1 &
sqlite_pid=$!
JIXIAO_VAR_DIR="$work/postgres-var" bash scripts/with-postgres.sh "$bin/pytest" "$@" >"$work/postgres.log" 2>&1 &
postgres_pid=$!
wait "$sqlite_pid"; sqlite_rc=$?
wait "$postgres_pid"; postgres_rc=$?
status=0
for suite in sqlite postgres; do
  rc_var="${suite}_rc"
  if [ "${!rc_var}" -ne 0 ]; then
    echo "=== $suite: FAILED (exit ${!rc_var}) ==="; cat "$work/$suite.log"; status=1
  else
    echo "=== $suite ==="; tail -n 3 "$work/$suite.log"
  fi
done
exit "$status"
