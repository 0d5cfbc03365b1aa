#!/usr/bin/env bash
# Import benchmark (issue 3): a 1,000,000-row person sheet (.csv and .xlsx, made by the import_sheet example),
# dry run and real import into one grid of a small demo database, on SQLite and PostgreSQL; then the export of
# those 1,000,000 rows. Prints wall time, rows/s and peak RSS. Not part of CI.
# Usage: bench/import.sh [sqlite|postgres|both] [rows]    (default: both 1000000)
# LAYOUT=peer: the peer system's 34-column 人员信息 sheet (the import_peer_sheet example) instead, no export.
# EXTS="csv xlsx" (default) chooses the files; SHEQU_BIN and EXAMPLE_BIN use binaries built elsewhere
# (SKIP_BUILD=1 then skips the build).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/login.sh
which="${1:-both}"
rows="${2:-1000000}"
out="${BENCH_OUT:-bench/results-import}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
PG_BENCH="${PG_BENCH:-postgres://postgres@127.0.0.1:5432/shequ_import_bench}"
mkdir -p "$out"
layout="${LAYOUT:-plain}"
example=import_sheet prefix=people
if [ "$layout" = peer ]; then example=import_peer_sheet prefix=peer; fi
exts="${EXTS:-csv xlsx}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --bins --example "$example"
BIN="${SHEQU_BIN:-$PWD/target/release/shequ}"
EXAMPLE_BIN="${EXAMPLE_BIN:-$PWD/target/release/examples/$example}"
for ext in $exts; do
  f="$out/$prefix-$rows.$ext"
  [ -f "$f" ] || "$EXAMPLE_BIN" "$rows" "$f"
done

fresh() { # fresh database with the tiny demo; prints the id of the grid to import into
  local kind="$1" url="$2"
  if [ "$kind" = sqlite ]; then
    rm -f "$url" "$url-wal" "$url-shm"
  else
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS shequ_import_bench" -c "CREATE DATABASE shequ_import_bench" >/dev/null
  fi
  "$BIN" --database-url "$url" demo --scale tiny >/dev/null 2>&1
  if [ "$kind" = sqlite ]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT MIN(id) FROM nodes WHERE kind='grid'\").fetchone()[0])" "$url"
  else
    psql "$PG_BENCH" -Atc "SELECT MIN(id) FROM nodes WHERE kind='grid'"
  fi
}

measure() { # label, url, grid, file, extra args…
  local label="$1" url="$2" grid="$3" file="$4"; shift 4
  flock "${BENCH_LOCK:-/tmp/shequ-bench.lock}" /usr/bin/time -v "$BIN" --database-url "$url" import persons "$file" --grid "$grid" --create-places "$@" \
    > "$out/$label.out" 2> "$out/$label.time" || true
  local wall rss
  wall=$(grep "Elapsed (wall" "$out/$label.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident" "$out/$label.time" | awk '{print $NF}')
  local secs
  secs=$(python3 -c "import sys; p=sys.argv[1].split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))" "$wall")
  printf "  %-28s %8.1f s  %9.0f rows/s  peak RSS %4d MB   %s\n" "$label" "$secs" \
    "$(python3 -c "print($rows/$secs)")" "$((rss / 1024))" "$(grep -E '新建|未导入|导入完成|预检完成' "$out/$label.out" | head -2 | tr '\n' ' ')"
}

export_persons() { # label, url: the street administrator's person export (.xlsx) over HTTP
  local label="$1" url="$2" port="${BENCH_PORT:-18282}"
  "$BIN" --database-url "$url" serve --listen "127.0.0.1:$port" > "$out/$label-server.log" 2>&1 &
  local pid=$!
  local cookie; cookie=$(bench_login "$port")
  local t; t=$(flock "${BENCH_LOCK:-/tmp/shequ-bench.lock}" curl -s -o "$out/$label.xlsx" -w '%{time_total}' -H "Cookie: $cookie" "http://127.0.0.1:$port/persons/export.xlsx")
  local n; n=$(python3 -c "import sys,zipfile,re; z=zipfile.ZipFile(sys.argv[1]); print(sum(len(re.findall(rb'<row ', z.read(f))) - 1 for f in z.namelist() if f.startswith('xl/worksheets/sheet')))" "$out/$label.xlsx")
  printf "  %-28s %8.1f s  %9.0f rows/s  server peak RSS %4d MB   %d rows, %s\n" "$label" "$t" \
    "$(python3 -c "print($n/$t)")" "$(($(grep VmHWM /proc/$pid/status | awk '{print $2}') / 1024))" "$n" "$(du -h "$out/$label.xlsx" | cut -f1)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_backend() {
  local kind="$1" url="$2"
  echo "== $kind (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  for ext in $exts; do
    local f="$out/$prefix-$rows.$ext" grid
    grid=$(fresh "$kind" "$url")
    measure "$kind-$ext-dry-run" "$url" "$grid" "$f" --dry-run
    measure "$kind-$ext-import" "$url" "$grid" "$f" --valid-rows
    if [ "$ext" = csv ] && [ "$layout" != peer ]; then export_persons "$kind-export" "$url"; fi
  done
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  run_backend sqlite "$out/import.db"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  run_backend postgres "$PG_BENCH"
fi
