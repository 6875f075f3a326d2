#!/usr/bin/env bash
# Runs the benchmarks on this machine and writes their section of docs/BENCHMARKS.md.
# The API runs from a Release build on a fresh data directory; wrk (Debian's) drives it and a bare
# reference server (the same SigV4 HMAC work and nothing else) over loopback. wrk cannot sign, so it
# replays one signed request: SigV4 accepts it for 15 minutes and the client spends no CPU on crypto.
#   bench/run.sh [iam] [scheduler] [launch] [s3] [soak]     all but soak when none is named
# soak (bench/soak.sh) runs 30 minutes (SOAK_MINUTES to shorten) and only when named.
set -euo pipefail
sections=" ${*:-iam scheduler launch s3} "
want() { [[ "$sections" == *" $1 "* ]]; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BENCH_CONNECTIONS:=50}" "${BENCH_DURATION:=20}" "${BENCH_WARMUP:=15}"
api_port=18080 baseline_port=18081
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
dotnet build src/Platform.Api -c Release --verbosity quiet >/dev/null
dotnet build bench/Platform.Bench -c Release --verbosity quiet >/dev/null
bench="dotnet bench/Platform.Bench/bin/Release/net10.0/Platform.Bench.dll"
# Each section starts on a machine at rest (what the one before left behind, a build, guests being torn down, has
# settled): the one-minute load average under 1, waited for up to three minutes.
settle() {
  for _ in $(seq 1 90); do
    awk '{ exit !($1 < 1.0) }' /proc/loadavg && return 0
    sleep 2
  done
  echo "bench: the machine did not come to rest (load $(cut -d' ' -f1 /proc/loadavg)); measuring anyway" >&2
}

if want iam; then
settle
(cd src/Platform.Api/bin/Release/net10.0 && Platform__DataDirectory="$work/data" ASPNETCORE_URLS="http://127.0.0.1:$api_port" Storage__S3__Url="http://127.0.0.1:18082" Tls__AllowPlainHttpOnLoopback=true \
  Logging__LogLevel__Default=Warning exec dotnet Platform.Api.dll >"$work/api.log" 2>&1) &
pids+=($!)
$bench baseline-server --urls "http://127.0.0.1:$baseline_port" >"$work/baseline.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$baseline_port/" >/dev/null 2>&1 && break
  sleep 1
done

creds="$work/data/root-credentials.json"
ak=$(jq -r .access_key_id "$creds") sk=$(jq -r .secret_access_key "$creds")
for i in $(seq 1 20); do
  curl -fsS --aws-sigv4 "aws:amz:us-east-1:iam" --user "$ak:$sk" -H 'Content-Type: application/json' \
    -d "{\"user_name\":\"bench-user-$i\"}" "http://127.0.0.1:$api_port/api/v1/iam/users" >/dev/null
done

# wrk: warm-up (JIT tiers settle), then the measured run; prints its latency distribution.
measure() { # label url [header...]
  local label=$1 url=$2; shift 2
  local headers=()
  for h in "$@"; do headers+=(-H "$h"); done
  wrk -t2 -c"$BENCH_CONNECTIONS" -d"${BENCH_WARMUP}s" "${headers[@]}" "$url" >/dev/null
  wrk -t2 -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION}s" --latency "${headers[@]}" "$url" >"$work/$label.txt"
  cat "$work/$label.txt" >&2
}
api_url="http://127.0.0.1:$api_port/api/v1/iam/users"
mapfile -t signed < <($bench sign --url "$api_url" --access-key "$ak" --secret-key "$sk")
curl -fsS "${signed[@]/#/-H}" "$api_url" | jq -e '.users | length == 20' >/dev/null   # the replayed request is accepted
measure api "$api_url" "${signed[@]}"
measure baseline "http://127.0.0.1:$baseline_port/"

python3 - "$work/api.txt" "$work/baseline.txt" "$BENCH_CONNECTIONS" "$BENCH_DURATION" <<'PY' | python3 bench/write-section.py iam
import datetime, os, platform, re, subprocess, sys

def parse(path, label):
    text = open(path).read()
    def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    pct = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)$", text, re.M)}
    mx = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", text)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    return {"label": label, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
            "p50": pct["50"], "p90": pct["90"], "p99": pct["99"], "max": ms(*mx.groups()), "errors": errors}

api, base = parse(sys.argv[1], "api"), parse(sys.argv[2], "reference")
connections, duration = sys.argv[3], sys.argv[4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
ok = lambda b: "met" if b else "**missed**"
row = lambda r: f"| {r['label']} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} | {r['max']:.2f} | {r['errors']} |"
print(f"""## IAM: signed `GET /api/v1/iam/users`

Measured {now} on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB memory, .NET SDK {dotnet},
Debian {platform.freedesktop_os_release().get('VERSION_ID', '?')}. Command: `./platform.sh bench`: wrk with {connections}
connections on 2 threads for {duration} s after a warm-up, against the API on a fresh SQLite data directory holding
20 users (each response lists them, 3.5 KB). wrk, the API and the reference server share the machine's 2 cores.

| server | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |
|---|---|---|---|---|---|---|
{row(api)}
{row(base)}

The reference is a bare minimal API that computes a SigV4-sized set of hashes and HMACs per request and
nothing else. The API does the whole request: SigV4 parsing and verification, the access-key lookup (cached),
authorization, the Mediator pipeline, a SQLite query for the page of users and its JSON.

| target | measured | |
|---|---|---|
| at least 5,000 requests/s | {api['rps']:,.0f} | {ok(api['rps'] >= 5000)} |
| within 10x of the reference | {base['rps'] / api['rps']:.1f}x | {ok(base['rps'] / api['rps'] <= 10)} |
| p99 under 10 ms | {api['p99']:.2f} ms | {ok(api['p99'] < 10)} |""")
PY
# The API and the reference server are done with: they take no more of the machine from the sections after.
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
fi

# Compute scheduler: placements/s over simulated hosts (no server involved).
if want scheduler; then
settle
$bench scheduler --hosts 1000 --instances 10000 | python3 -c '
import datetime, json, os, sys
r = json.loads(sys.stdin.read())
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
ok = "met" if r["placements_per_second"] > 1000 else "**missed**"
print(f"""## Compute: scheduler placements

Measured {now} on {os.cpu_count()} cores ({cpu}). Command: `./platform.sh bench` (`Platform.Bench scheduler`):
{r["instances"]:,} instances of random catalog types placed one after another over {r["hosts"]:,} simulated hosts in
3 zones (8 to 64 CPUs, 32 to 512 GiB each), every placement seeing the ones before it, spread strategy.

| placed | refused | seconds | placements/s | mean per placement | target over 1,000/s |
|---|---|---|---|---|---|
| {r["placed"]:,} | {r["refused"]:,} | {r["seconds"]} | {r["placements_per_second"]:,.0f} | {r["mean_microseconds"]} µs | {ok} |""")
' | python3 bench/write-section.py scheduler
fi

# Compute launch latency: the single-machine cloud of ./platform.sh up (API + HostAgent on qemu:///system,
# test image), on its own port and directories; CPU and memory overcommit as OpenStack's defaults (16, 1.5) so ten fit.
if want launch; then
  export PLATFORM_DATA="$work/launch/data" PLATFORM_RUN="$work/launch/run" PLATFORM_LOG="$work/launch/log"
  # Plain HTTP on loopback, explicitly, as the launch figures have always been measured (the bench client trusts no CA).
  export PLATFORM_AGENT_STATE="$work/launch/agent" PLATFORM_URL="http://127.0.0.1:18083" Storage__S3__Url="http://127.0.0.1:18084"
  export Tls__AllowPlainHttpOnLoopback=true Agent__AllowPlainHttpOnLoopback=true
  export Compute__Scheduler__CpuOvercommitRatio=16 Compute__Scheduler__MemoryOvercommitRatio=1.5 Agent__StoragePool=platform-bench
  stop_launch_cloud() {
    local host
    host=$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json" 2>/dev/null || true)
    ./platform.sh down >/dev/null 2>&1 || true
    # Guests the bench left running (it stopped half-way): the ones of its own server only.
    for domain in $(virsh -c qemu:///system list --all --name 2>/dev/null | grep '^i-' || true); do
      if [ -n "$host" ] && virsh -c qemu:///system dumpxml "$domain" 2>/dev/null | grep -q "<platform:host>$host<"; then
        virsh -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true
        virsh -c qemu:///system undefine "$domain" >/dev/null 2>&1 || true
      fi
    done
    virsh -c qemu:///system pool-destroy platform-bench >/dev/null 2>&1 || true
    virsh -c qemu:///system pool-undefine platform-bench >/dev/null 2>&1 || true
  }
  trap 'stop_launch_cloud; cleanup' EXIT
  settle
  ./platform.sh up >"$work/launch-up.log" 2>&1 || { cat "$work/launch-up.log" >&2; exit 1; }
  creds="$PLATFORM_DATA/root-credentials.json"
  ak=$(jq -r .access_key_id "$creds") sk=$(jq -r .secret_access_key "$creds")
  image=$(curl -fsS --aws-sigv4 "aws:amz:us-east-1:ec2" --user "$ak:$sk" "$PLATFORM_URL/api/v1/ec2/images" | jq -r '.images[0].image_id')
  $bench launch --url "$PLATFORM_URL" --access-key "$ak" --secret-key "$sk" --image "$image" \
    --console-dir "$PLATFORM_AGENT_STATE/console" --counts "${BENCH_LAUNCH_COUNTS:-1,10}" --rounds "${BENCH_LAUNCH_ROUNDS:-3}" >"$work/launch.json"
  python3 - "$work/launch.json" <<'PY' | python3 bench/write-section.py launch
import datetime, json, os, sys
r = json.load(open(sys.argv[1]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
load = open("/proc/loadavg").read().split()[0]
ok = lambda b: "met" if b else "**missed**"
rows = "\n".join(
    f"| {x['instance_type']} | {x['concurrent']} | {x['launches']} | {x['accept_p50_ms']:.0f} ms | {x['running_p50_s']:.2f} s | {x['running_max_s']:.2f} s "
    f"| {x['marker_p50_s']:.2f} s | {x['marker_p90_s']:.2f} s | {x['marker_max_s']:.2f} s | {ok(x['marker_p50_s'] < 5)} |"
    for x in r["results"])
print(f"""## Compute: launch latency

Measured {now} on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB memory. Command: `./platform.sh bench`
(`bench/run.sh launch`): the single-machine cloud of `./platform.sh up` (API, one HostAgent on `qemu:///system`,
the test image: host kernel + busybox initramfs), instances launched N at once through the
signed native API, {r['rounds']} rounds each, terminated between rounds; load average {load} when it ended. Each instance
gets a NIC in the account's default VPC, plugged into the server's Open vSwitch with its security-group flows, and
its config drive. Timed from the API accepting the launch (`pending`) to `running` (the agent reported the domain
running) and to the guest printing its marker on the serial console. Software emulation (TCG): these machines have
no usable KVM. The image is already on the host.

| type | at once | launches | API answer p50 | to running p50 | to running max | to console marker p50 | p90 | max | p50 under 5 s |
|---|---|---|---|---|---|---|---|---|---|
{rows}""")
PY
  stop_launch_cloud
  trap cleanup EXIT
fi

# Storage: S3 objects beside the raw disk (its own API process and section).
if want s3; then
  settle
  bash bench/s3.sh >/dev/null
fi

# Soak: 30 minutes of mixed load and launch cycles (bench/soak.sh); only when named.
if want soak; then
  settle
  bash bench/soak.sh >/dev/null
fi
