#!/usr/bin/env bash
# Benchmark of the case figures (issue 4) with ~1,000,000 cases in the district demo data, on SQLite and
# PostgreSQL: the case dashboard of street 1 for one year (1 client, p50/p99 over 50 requests; target
# < 200 ms) and the case list page under 100 concurrent clients (wrk; target p99 < 50 ms), and the server's
# peak RSS. Not part of CI. Uses its own databases (not bench/run.sh's).
# Usage: bench/cases.sh [sqlite|postgres|both]
#   BENCH_REUSE=1   reuse the databases of the previous run (the cases are added only when missing)
#   CASES=N         cases to add (default 1000000)
#   SHEQU_BIN=path  use this binary instead of building one (e.g. a copy of an earlier build, for "before")
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/login.sh
which="${1:-both}"
CASES="${CASES:-1000000}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
PG_DB="${PG_DB:-shequ_cases_bench}"
PG_URL="${PG_ADMIN%/*}/$PG_DB"
SQLITE_DB="${SQLITE_DB:-/tmp/shequ-cases.db}"
YEAR_FROM="${YEAR_FROM:-2025-01-01}"
YEAR_TO="${YEAR_TO:-2025-12-31}"
out="${BENCH_OUT:-bench/results-cases}"
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -n "${SHEQU_BIN:-}" ]; then
  BIN="$SHEQU_BIN"
else
  cargo build --release --bins
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/shequ"
fi
PORT="${PORT:-18181}"

load() { cut -d' ' -f1-3 /proc/loadavg; }

count_cases() {
  local name="$1" url="$2"
  if [ "$name" = sqlite ]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM cases').fetchone()[0])" "$url"
  else
    psql "$url" -Atc "SELECT COUNT(*) FROM cases"
  fi
}

run_one() {
  local name="$1" url="$2"
  if [ "${BENCH_REUSE:-0}" = 1 ]; then
    echo "== $name: reusing the existing database (BENCH_REUSE=1)"
    "$BIN" --database-url "$url" migrate > /dev/null
    # New indexes need the visibility map for index-only scans (autovacuum would set it later).
    [ "$name" = sqlite ] || psql "$url" -qc "VACUUM ANALYZE cases"
  else
    echo "== $name: demo --scale district (load $(load))"
    /usr/bin/time -v "$BIN" --database-url "$url" demo --scale district 2> "$out/$name-demo.time" > "$out/$name-demo.out"
    grep -E "Elapsed|Maximum resident" "$out/$name-demo.time" | sed 's/^\s*/  /'
  fi
  if [ "$(count_cases "$name" "$url")" -lt "$CASES" ]; then
    echo "  adding $CASES cases (load $(load))"
    /usr/bin/time -v "$BIN" --database-url "$url" bench-cases --count "$CASES" 2> "$out/$name-cases.time" | sed 's/^/  /'
    grep -E "Elapsed|Maximum resident" "$out/$name-cases.time" | sed 's/^\s*/  /'
  fi
  echo "  cases in the database: $(count_cases "$name" "$url")"
  "$BIN" --database-url "$url" serve --listen "127.0.0.1:$PORT" > "$out/$name-server.log" 2>&1 &
  local pid=$!
  # Log in as the street administrator of street 1 (≈100,000 of the cases).
  local cookie; cookie=$(bench_login "$PORT")
  local dash="http://127.0.0.1:$PORT/cases/dashboard?from=$YEAR_FROM&to=$YEAR_TO"
  local code; code=$(curl -s -o "$out/$name-dashboard.html" -w '%{http_code}' -H "Cookie: $cookie" "$dash")
  [ "$code" = 200 ] || { echo "  dashboard answered $code"; kill "$pid"; exit 1; }
  echo "  dashboard $YEAR_FROM…$YEAR_TO, 1 client, 50 requests (load $(load)):"
  for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "$dash"; done \
    | sort -n | awk '{a[NR]=$1*1000} END {printf "    p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", a[int(NR*0.5)+0], a[int(NR*0.99)], a[NR]}'
  echo "  case list page (pages 1…200 by their next-page links), 1 client, 10 s (load $(load)):"
  wrk -t1 -c1 -d10s --latency -H "Cookie: $cookie" -s bench/cases_list.lua "http://127.0.0.1:$PORT" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx" | sed 's/^/  /'
  echo "  case list page (pages 1…200 by their next-page links), 100 clients, 20 s (load $(load)):"
  wrk -t2 -c100 -d20s --latency -H "Cookie: $cookie" -s bench/cases_list.lua "http://127.0.0.1:$PORT" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx" | sed 's/^/  /'
  echo "  server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MB"}') (load $(load))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  [ "${BENCH_REUSE:-0}" = 1 ] || rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
  run_one sqlite "$SQLITE_DB"
  echo "  database file: $(du -h "$SQLITE_DB" | cut -f1)"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  if [ "${BENCH_REUSE:-0}" != 1 ]; then
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" && psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB"
  fi
  run_one postgres "$PG_URL"
  echo "  database size: $(psql "$PG_URL" -Atc "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")"
fi
