#!/usr/bin/env bash
# A/B of two builds on the same SQLite data (street scale: ≈100,000 persons, CASES cases): the case dashboard
# for a year (1 client, 50 requests, p50/p99), the case list (wrk, pages 1…200 by their next-page links, 1
# client for 10 s and 100 clients for 20 s) and the home page (1 client, 50 requests). Each build runs on its
# own copy of the data (a newer build migrates its copy), in turn, ROUNDS times. Not part of CI.
# Usage: BEFORE=/path/shequ AFTER=/path/shequ bench/ab_cases.sh     (CASES=200000 ROUNDS=2 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/login.sh
CASES="${CASES:-200000}"; ROUNDS="${ROUNDS:-2}"; DIR="${DIR:-/tmp/shequ-ab}"; PORT="${PORT:-18282}"
mkdir -p "$DIR"
if [ ! -f "$DIR/base.db" ]; then
  "$BEFORE" --database-url "$DIR/base.db" demo --scale street > /dev/null
  "$BEFORE" --database-url "$DIR/base.db" bench-cases --count "$CASES" > /dev/null
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()" "$DIR/base.db"
fi
for side in before after; do [ -f "$DIR/$side.db" ] || cp "$DIR/base.db" "$DIR/$side.db"; done
ms() { sort -n | awk '{a[NR]=$1*1000} END {printf "p50 %.1f ms, p99 %.1f ms", a[int(NR*0.5)+0], a[int(NR*0.99)]}'; }
run() {
  local side="$1" bin="$2"
  "$bin" --database-url "$DIR/$side.db" serve --listen "127.0.0.1:$PORT" > "$DIR/$side.log" 2>&1 &
  local pid=$!
  local cookie; cookie=$(bench_login "$PORT")
  local dash="http://127.0.0.1:$PORT/cases/dashboard?from=2025-01-01&to=2025-12-31"
  curl -s -o /dev/null -H "Cookie: $cookie" "$dash"
  local d; d=$(for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "$dash"; done | ms)
  local h; h=$(for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "http://127.0.0.1:$PORT/"; done | ms)
  local l1; l1=$(wrk -t1 -c1 -d10s --latency -H "Cookie: $cookie" -s bench/cases_list.lua "http://127.0.0.1:$PORT" | awk '/ 50%/{p50=$2} / 99%/{p99=$2} /Requests\/sec/{r=$2} END {print "p50 " p50 ", p99 " p99 ", " r " req/s"}')
  local l100; l100=$(wrk -t2 -c100 -d20s --latency -H "Cookie: $cookie" -s bench/cases_list.lua "http://127.0.0.1:$PORT" | awk '/ 50%/{p50=$2} / 99%/{p99=$2} /Requests\/sec/{r=$2} END {print "p50 " p50 ", p99 " p99 ", " r " req/s"}')
  echo "$side | dashboard $d | home $h | list 1 client $l1 | list 100 clients $l100"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r (load $(cut -d' ' -f1-3 /proc/loadavg))"
  run before "$BEFORE"
  run after "$AFTER"
done
