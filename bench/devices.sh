#!/usr/bin/env bash
# Benchmark of the device intake over MQTT (issue 22), not part of CI: DEVICES simulated devices (10,000)
# publish RATE signed events a second (1,000) for DURATION seconds (60) through a Mosquitto of its own
# (127.0.0.1:18830) to `shequ serve --mqtt-url …` on the community demo data (SQLite). Reports: events sent and stored (each
# once: accepted rows, distinct event ids), the alarm-to-case latency of one probe alarm a second (p50/p99,
# from publishing to its case on the database), and the server's peak RSS.
# Usage: bench/devices.sh        (SHEQU_BIN / LOAD_BIN: use these binaries instead of building)
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-/tmp/shequ-devices.db}"
RATE="${RATE:-1000}"
DURATION="${DURATION:-60}"
DEVICES="${DEVICES:-10000}"
PREFIX="bench$$"
out="${BENCH_OUT:-bench/results-devices}"
mkdir -p "$out"
T="${CARGO_TARGET_DIR:-$PWD/target}/release"
if [ -z "${SHEQU_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
  cargo build --release --bins --example device_load
fi
BIN="${SHEQU_BIN:-$T/shequ}"
LOAD="${LOAD_BIN:-$T/examples/device_load}"
# A broker of its own: the default queue of 1,000 messages a client would drop QoS 1 messages whenever the
# server fell that far behind; a deployment sets these too (docs/DEVICES.md).
PORT="${MQTT_PORT:-18830}"
cat > "$out/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
max_inflight_messages 200
max_queued_messages 1000000
persistence false
CONF
mosquitto -c "$out/mosquitto.conf" > "$out/mosquitto.log" 2>&1 &
broker=$!
export MQTT_PORT="$PORT"

rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" --database-url "$DB" demo --scale community > /dev/null
"$LOAD" register "$DB" "$DEVICES" > "$out/devices.csv"
echo "== $DEVICES devices registered; serving with the MQTT intake"
SHEQU_MQTT_PREFIX="$PREFIX" SHEQU_MQTT_CLIENT_ID="shequ-$PREFIX" \
  "$BIN" --database-url "$DB" serve --listen 127.0.0.1:18022 --mqtt-url "mqtt://127.0.0.1:$PORT" > "$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid $broker 2>/dev/null || true' EXIT
sleep 3
( while kill -0 $pid 2>/dev/null; do ps -o rss= -p $pid; sleep 1; done ) > "$out/rss.txt" &
echo "== publishing $RATE events/s for $DURATION s"
"$LOAD" publish "$DB" "$out/devices.csv" "$RATE" "$DURATION" "$PREFIX" | tee "$out/load.txt"
# Wait until the intake has caught up (the count stops growing for 5 s).
last=-1; same=0
while [ $same -lt 5 ]; do
  n=$(sqlite3 "$DB" "SELECT COUNT(*) FROM device_events")
  if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; last=$n; fi
  sleep 1
done
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$out/load.txt")
probes=$(sed -n 's/.*probes=\([0-9]*\).*/\1/p' "$out/load.txt")
sqlite3 "$DB" "SELECT 'accepted=' || COUNT(*) || ' distinct=' || COUNT(DISTINCT device_id || '/' || event_id) FROM device_events WHERE accepted = 1;
  SELECT 'refused=' || COUNT(*) FROM device_events WHERE accepted = 0;
  SELECT 'cases=' || COUNT(*) FROM cases WHERE source = '设备报警';
  SELECT 'outbox=' || COUNT(*) FROM outbox;" | tee "$out/stored.txt"
echo "expected accepted = sent + probes = $((sent + probes))"
echo "peak RSS: $(sort -n "$out/rss.txt" | tail -1) KB"
