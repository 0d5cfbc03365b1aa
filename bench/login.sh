# Sourced by the benchmark scripts: `cookie=$(bench_login PORT)` waits for the server on 127.0.0.1:PORT, logs
# in as the demo's street administrator (`admin`, street 1) and prints the session cookie for curl/wrk `-H`.
bench_login() {
  local port="$1"
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/login" && break; sleep 0.2; done
  local jar; jar=$(mktemp)
  local csrf; csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="_csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
  curl -s -c "$jar" -b "$jar" -o /dev/null -d "_csrf=$csrf&username=admin&password=shequ-demo-2026" "http://127.0.0.1:$port/login"
  echo "shequ_session=$(awk '$6=="shequ_session"{print $7}' "$jar")"
  rm -f "$jar"
}
