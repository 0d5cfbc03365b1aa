#!/usr/bin/env bash
# Benchmark of work reports and ledgers (issue 14) on the district demo data with ~1,000,000 cases: the annual
# report of one street and of the whole district (figures computed, .docx written with its charts), and the
# 人口花名册 of one street (~100,000 rows) exported as .xlsx. Each timing is the median of 3 runs of the
# `shequ report` / `shequ ledger` commands. Not part of CI.
# Usage: bench/reports.sh [sqlite|postgres|both]
#   BENCH_REUSE=1   reuse bench/cases.sh's databases when they exist (SQLITE_DB, PG_DB)
#   SHEQU_BIN=path  use this binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-sqlite}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
PG_DB="${PG_DB:-shequ_cases_bench}"
PG_URL="${PG_ADMIN%/*}/$PG_DB"
SQLITE_DB="${SQLITE_DB:-/tmp/shequ-cases.db}"
YEAR="${YEAR:-2025}"
out="${BENCH_OUT:-bench/results-reports}"
mkdir -p "$out"
if [ -n "${SHEQU_BIN:-}" ]; then
  BIN="$SHEQU_BIN"
else
  cargo build --release --bins
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/shequ"
fi

prepare() {
  local name="$1" url="$2"
  if [ "$name" = sqlite ] && [ -f "$url" ] && [ "${BENCH_REUSE:-0}" = 1 ]; then
    "$BIN" --database-url "$url" migrate > /dev/null; return
  fi
  if [ "$name" = postgres ] && [ "${BENCH_REUSE:-0}" = 1 ] && psql "$url" -Atc "SELECT 1" >/dev/null 2>&1; then
    "$BIN" --database-url "$url" migrate > /dev/null; return
  fi
  if [ "$name" = sqlite ]; then rm -f "$url" "$url-wal" "$url-shm"; else
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" && psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB"; fi
  echo "== $name: demo --scale district and 1,000,000 cases"
  /usr/bin/time -f "  demo: %e s, %M KB" "$BIN" --database-url "$url" demo --scale district > /dev/null
  /usr/bin/time -f "  cases: %e s, %M KB" "$BIN" --database-url "$url" bench-cases --count 1000000 > /dev/null
}

median3() { # command… → median wall ms of 3 runs (the command's own line goes to the log)
  local t=()
  for _ in 1 2 3; do
    local s e; s=$(date +%s%N); "$@" 2>> "$out/log.txt"; e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

run_one() {
  local name="$1" url="$2"
  prepare "$name" "$url"
  local street
  if [ "$name" = sqlite ]; then
    street=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT MIN(id) FROM nodes WHERE kind='street'\").fetchone()[0])" "$url")
  else
    street=$(psql "$url" -Atc "SELECT MIN(id) FROM nodes WHERE kind='street'")
  fi
  echo "== $name (street node $street, year $YEAR)"
  echo "  annual report, one street (.docx):    $(median3 "$BIN" --database-url "$url" report annual --period "$YEAR" --node "$street" --out "$out/street.docx") ms"
  echo "  annual report, whole district (.docx): $(median3 "$BIN" --database-url "$url" report annual --period "$YEAR" --out "$out/district.docx") ms"
  echo "  quarterly report, one street (.md):   $(median3 "$BIN" --database-url "$url" report quarter --period "$YEAR-Q4" --node "$street" --out "$out/street-q4.md") ms"
  echo "  人口花名册 of the street (.xlsx):        $(median3 "$BIN" --database-url "$url" ledger registry.roster --period "$YEAR" --node "$street" --out "$out/roster.xlsx") ms"
  tail -n 4 "$out/log.txt" | sed 's/^/    /'
}

case "$which" in
  sqlite) run_one sqlite "$SQLITE_DB" ;;
  postgres) run_one postgres "$PG_URL" ;;
  both) run_one sqlite "$SQLITE_DB"; run_one postgres "$PG_URL" ;;
esac
