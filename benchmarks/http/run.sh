#!/usr/bin/env bash
# The HTTP benchmark of the demo, in one command: builds the demo (integration-tests) and the load
# generator (benchmarks), starts the demo on a free loopback port with a fresh data root and its
# benchmark-only unlocked endpoint enabled, runs HttpIncrementLoad (warm-up, then alternating
# iterations of fixed length; it checks every count at the end and exits 1 if one is wrong), stops
# the demo and removes the data root. Loopback only; bounded by its own durations and a timeout.
#
#   benchmarks/http/run.sh [connections] [documents] [warm-up-s] [iteration-s] [iterations]
#                          (defaults 16 1000 10 4 16: about 5 minutes after the build)
# Environment:
#   SKIP_BUILD=1   use the jars already built
#   DEMO_OPTS      more JVM options for the demo, e.g. -Dquarkus.persistence.durability=atomic
#   DATA_PARENT    where the temporary data root goes (default benchmarks/target: the build's disk)
set -euo pipefail
cd "$(dirname "$0")/../.."

connections=${1:-16} documents=${2:-1000} warmup=${3:-10} iteration=${4:-4} iterations=${5:-16}

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -B -o -q -pl benchmarks,integration-tests -am package -DskipTests
fi
demo=integration-tests/target/quarkus-app/quarkus-run.jar
load=benchmarks/target/benchmarks.jar
parent=${DATA_PARENT:-benchmarks/target}
mkdir -p "$parent"
root=$(cd "$parent" && mktemp -d "$PWD/http-bench.XXXXXX")
log=$root.log
pid=
cleanup() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT

echo "== $(date -u +%FT%TZ)  $(uptime)"
echo "== $(nproc) cores; $(java -version 2>&1 | head -1); data root $root ($(df --output=fstype "$parent" | tail -1 | tr -d ' '))"

# Port 0: the demo picks a free port and logs it.
PERSISTENCE_ROOT=$root java -Xms1g -Xmx1g -XX:+AlwaysPreTouch \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=0 -Ddemo.benchmark.unlocked-increment=true \
  ${DEMO_OPTS:-} -jar "$demo" >"$log" 2>&1 &
pid=$!
port=
for _ in $(seq 1 240); do
  port=$(sed -n 's|.*Listening on: http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
  [[ -n $port ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"; echo "The demo did not start"; exit 1
  fi
  sleep 0.5
done
[[ -n $port ]] || { cat "$log"; echo "The demo did not listen within 120 s"; exit 1; }
echo "== demo pid $pid on 127.0.0.1:$port ${DEMO_OPTS:-}"

# Upper bound: twice the planned load time, plus the checks.
bound=$(( 2 * 2 * 2 * (warmup + iteration * iterations) + 300 ))
status=0
timeout "$bound" java -Xms256m -Xmx256m -cp "$load" dev.persistence.benchmarks.HttpIncrementLoad \
  "http://127.0.0.1:$port" "$connections" "$documents" "$warmup" "$iteration" "$iterations" || status=$?
echo "== $(date -u +%FT%TZ)  $(uptime)"
if [[ $status != 0 ]]; then
  echo "== FAILED (status $status); the demo's log:"; tail -50 "$log"
fi
exit "$status"
