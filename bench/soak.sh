#!/usr/bin/env bash
# Soak: SOAK_MINUTES (default 30) of mixed signed load (IAM reads, EC2 describes, S3 PUT and GET; bench/soak-load.py)
# plus launch/terminate cycles of a small real guest, against the single-machine cloud of ./platform.sh up (API and
# HostAgent on qemu:///system) on its own directories and ports. Samples the RSS and open file descriptors of the API
# and the agent before the load and every SOAK_SAMPLE_SECONDS (default 60) after, counts 5xx answers and the API
# log's Error entries, reads the agent's round times (round-times.json in its state directory), and writes the soak
# section of docs/BENCHMARKS.md. Not in the test command, nor in bench/run.sh's default sections: bench/run.sh soak.
#   SOAK_MINUTES=3 bench/soak.sh     a short run (labelled as such in its section)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${SOAK_MINUTES:=30}" "${SOAK_SAMPLE_SECONDS:=60}" "${SOAK_RATE:=20}"
work=$(mktemp -d /tmp/platform-soak.XXXXXX)
export PLATFORM_SUPERVISOR=bash PLATFORM_DATA="$work/data" PLATFORM_RUN="$work/run" PLATFORM_LOG="$work/log" PLATFORM_AGENT_STATE="$work/agent"
# Plain HTTP on loopback, explicitly, as the launch figures are measured; ports of its own.
export PLATFORM_URL="http://127.0.0.1:18087" Storage__S3__Url="http://127.0.0.1:18088"
export Tls__AllowPlainHttpOnLoopback=true Agent__AllowPlainHttpOnLoopback=true Agent__StoragePool=platform-soak
export Compute__Scheduler__CpuOvercommitRatio=16 Compute__Scheduler__MemoryOvercommitRatio=1.5

stop_cloud() {
  local host
  host=$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json" 2>/dev/null || true)
  ./platform.sh down >/dev/null 2>&1 || true
  # Guests the soak left running (it stopped half-way): its own server's only.
  for domain in $(virsh -c qemu:///system list --all --name 2>/dev/null | grep '^i-' || true); do
    if [ -n "$host" ] && virsh -c qemu:///system dumpxml "$domain" 2>/dev/null | grep -q "<platform:host>$host<"; then
      virsh -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true
      virsh -c qemu:///system undefine "$domain" >/dev/null 2>&1 || true
    fi
  done
  virsh -c qemu:///system pool-destroy platform-soak >/dev/null 2>&1 || true
  virsh -c qemu:///system pool-undefine platform-soak >/dev/null 2>&1 || true
}
sampler=0
finish() {
  [ "$sampler" -gt 0 ] && kill "$sampler" 2>/dev/null
  stop_cloud
  if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "soak: logs and samples kept in $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT

./platform.sh up >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
creds="$PLATFORM_DATA/root-credentials.json"
ak=$(jq -r .access_key_id "$creds") sk=$(jq -r .secret_access_key "$creds")
image=$(curl -fsS --aws-sigv4 "aws:amz:us-east-1:ec2" --user "$ak:$sk" "$PLATFORM_URL/api/v1/ec2/images" | jq -r '.images[0].image_id')

# One line per process and sample: seconds since the load started, name, pid, RSS KiB, open fds, and the RSS's two
# parts: anonymous memory (heaps, GC segments, native allocations) and file pages (mapped assemblies, native libraries).
sample() {
  local t=$1 name pid
  for name in api agent; do
    pid=$(cut -d' ' -f1 "$PLATFORM_RUN/$name.child" 2>/dev/null || true)
    if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
      echo "$t $name $pid $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
        "$(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status")"
    else
      echo "$t $name - 0 0 0 0"
    fi
  done >>"$work/samples.txt"
}

# Where the memory is, once under load and at the end, when the .NET diagnostics tools are installed
# (dotnet tool install -g dotnet-counters / dotnet-gcdump): the GC's own view (live heap after a full collection, the
# memory it holds committed) beside the process's RSS, so growth is told apart as managed objects, GC slack or native.
profile() {
  local label=$1 name pid tools="${HOME}/.dotnet/tools"
  [ -x "$tools/dotnet-counters" ] && [ -x "$tools/dotnet-gcdump" ] || return 0
  for name in api agent; do
    pid=$(cut -d' ' -f1 "$PLATFORM_RUN/$name.child" 2>/dev/null || true)
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || continue
    timeout 60 "$tools/dotnet-counters" collect -p "$pid" --duration 00:00:05 --format json -o "$work/counters-$label-$name.json" >/dev/null 2>&1 || true
    if timeout 120 "$tools/dotnet-gcdump" collect -p "$pid" -o "$work/heap-$label-$name.gcdump" >/dev/null 2>&1; then
      "$tools/dotnet-gcdump" report "$work/heap-$label-$name.gcdump" 2>/dev/null | head -14 >"$work/heap-$label-$name.txt" || true
    fi
  done
}
# Error entries in either log format (plain "fail:"/"crit:", or JSON lines with Logging__Console__FormatterName=json).
errors_in_log() { grep -cE '^(fail|crit):|"LogLevel":"(Error|Critical)"' "$PLATFORM_LOG/api.log" || true; }
api_errors_before=$(errors_in_log)
started=$(date +%s)
sample 0
(while sleep "$SOAK_SAMPLE_SECONDS"; do sample $(($(date +%s) - started)); done) &
sampler=$!
(sleep 90; profile start) &
echo "soak: ${SOAK_MINUTES} min of load against $PLATFORM_URL (work directory $work)" >&2
python3 bench/soak-load.py "$PLATFORM_URL" "$Storage__S3__Url" "$creds" "$image" $((SOAK_MINUTES * 60)) "$SOAK_RATE" >"$work/load.json"
kill "$sampler" 2>/dev/null || true
sampler=0
sample $(($(date +%s) - started))
profile end
api_errors=$(($(errors_in_log) - api_errors_before))
cp "$PLATFORM_AGENT_STATE/round-times.json" "$work/rounds.json"
restarts="api $(cat "$PLATFORM_RUN/api.restarts" 2>/dev/null || echo ?), agent $(cat "$PLATFORM_RUN/agent.restarts" 2>/dev/null || echo ?)"

load_average=$(cut -d' ' -f1 /proc/loadavg)
python3 bench/soak-report.py "$work" "$SOAK_MINUTES" "$api_errors" "$restarts" "$load_average" | python3 bench/write-section.py soak
