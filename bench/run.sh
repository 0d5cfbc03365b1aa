#!/usr/bin/env bash
# Benchmark of the foundation on the district demo data (≈1,000,000 persons), on SQLite and PostgreSQL:
#   demo generation time and peak RSS, person search p50/p99 (one client, then 100), the person list page
#   p50/p99 under 100 concurrent clients (wrk), and the server's peak RSS. Not part of CI.
# Usage: bench/run.sh [sqlite|postgres|both] [scale]   (default: both district)
# Environment: BENCH_REUSE=1 keeps the databases of the previous run; SQLITE_DB (/tmp/shequ-bench.db), PG_DB
# (shequ_bench), BENCH_PORT (18080) and BENCH_PARTS ("search list") let runs beside each other not collide;
# the binary is taken from $CARGO_TARGET_DIR when set, or SHEQU_BIN=path (e.g. a copy of an earlier build).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/login.sh
which="${1:-both}"
scale="${2:-district}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
PG_DB="${PG_DB:-shequ_bench}"
PG_BENCH="${PG_BENCH:-postgres://postgres@127.0.0.1:5432/$PG_DB}"
SQLITE_DB="${SQLITE_DB:-/tmp/shequ-bench.db}"
parts="${BENCH_PARTS:-search list}"   # which measurements to run: search, list
out="${BENCH_OUT:-bench/results}"
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -n "${SHEQU_BIN:-}" ]; then
  BIN="$SHEQU_BIN"
else
  cargo build --release --bins
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/shequ"
fi
PORT="${BENCH_PORT:-18080}"

run_one() {
  local name="$1" url="$2"
  if [ "${BENCH_REUSE:-0}" = 1 ]; then
    echo "== $name: reusing the existing database (BENCH_REUSE=1)"
    "$BIN" --database-url "$url" migrate > /dev/null
  else
    echo "== $name: demo --scale $scale"
    /usr/bin/time -v "$BIN" --database-url "$url" demo --scale "$scale" 2> "$out/$name-demo.time" > "$out/$name-demo.out"
    grep -E "Elapsed|Maximum resident" "$out/$name-demo.time" | sed 's/^\s*/  /'
  fi
  "$BIN" --database-url "$url" serve --listen "127.0.0.1:$PORT" > "$out/$name-server.log" 2>&1 &
  local pid=$!
  # Log in as the street administrator of street 1 (≈100,000 persons at district scale).
  local cookie; cookie=$(bench_login "$PORT")
  python3 bench/queries.py "$url" > "$out/$name-queries.txt"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ " $parts " == *" search "* ]]; then
  echo "  search, 1 client:"
  wrk -t1 -c1 -d15s --latency -H "Cookie: $cookie" -s bench/search.lua "http://127.0.0.1:$PORT" -- "$out/$name-queries.txt" \
    | grep -E "^\s+(50|99)%|Requests/sec" | sed 's/^/  /'
  echo "  search, 100 clients:"
  wrk -t2 -c100 -d20s --latency -H "Cookie: $cookie" -s bench/search.lua "http://127.0.0.1:$PORT" -- "$out/$name-queries.txt" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx" | sed 's/^/  /'
  fi
  if [[ " $parts " == *" list "* ]]; then
  echo "  person list page (pages 0…199 by their next-page links, bench/list.lua), 100 clients:"
  # The server's CPU time per request is given beside the latencies: it moves far less than they do
  # with whatever else the machine is running.
  local cpu0; cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  wrk -t2 -c100 -d20s --latency -H "Cookie: $cookie" -s bench/list.lua "http://127.0.0.1:$PORT" > "$out/$name-list.txt"
  local cpu1; cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  grep -E "^\s+(50|99)%|Requests/sec|Non-2xx" "$out/$name-list.txt" | sed 's/^/  /'
  local reqs; reqs=$(awk '/requests in/{print $1}' "$out/$name-list.txt")
  echo "  server CPU per list request: $(( (cpu1 - cpu0) * 10000 / reqs )) us ($reqs requests); load $(cut -d' ' -f1-3 /proc/loadavg)"
  fi
  echo "  server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MB"}')"
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
  run_one postgres "$PG_BENCH"
  echo "  database size: $(psql "$PG_BENCH" -Atc "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")"
fi
