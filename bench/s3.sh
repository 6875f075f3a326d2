#!/usr/bin/env bash
# S3 benchmark (issue 4, item 10): PUT/GET throughput of 1 MiB and 64 MiB objects and 4 KiB ops/s at 16 clients
# through the S3 API, beside the raw disk (the same bytes as plain fsynced files in the same directory) in the
# same run, reads both from the page cache and cold (both sides evicted), and the API's CPU per operation;
# writes its section of docs/BENCHMARKS.md. Run alone (bench/s3.sh) or from bench/run.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BENCH_S3_SECONDS:=10}" "${BENCH_S3_CLIENTS:=16}"
api_port=18090 s3_port=18091
# The data directory sits on the disk under test (the repository's), not on a tmpfs.
work=$(mktemp -d -p "$root" .bench-s3.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/Platform.Api -c Release --verbosity quiet >/dev/null
dotnet build bench/Platform.Bench -c Release --verbosity quiet >/dev/null
(cd src/Platform.Api/bin/Release/net10.0 && Platform__DataDirectory="$work/data" ASPNETCORE_URLS="http://127.0.0.1:$api_port" Tls__AllowPlainHttpOnLoopback=true \
  Storage__S3__Url="http://127.0.0.1:$s3_port" Storage__GroupCommit="${BENCH_S3_GROUP_COMMIT:-true}" Logging__LogLevel__Default=Warning exec dotnet Platform.Api.dll >"$work/api.log" 2>&1) &
pid=$!
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && break; sleep 1; done

export BENCH_LOAD_START
BENCH_LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
creds="$work/data/root-credentials.json"
dotnet bench/Platform.Bench/bin/Release/net10.0/Platform.Bench.dll s3 --endpoint "http://127.0.0.1:$s3_port" \
  --access-key "$(jq -r .access_key_id "$creds")" --secret-key "$(jq -r .secret_access_key "$creds")" \
  --disk-directory "$work/raw" --clients "$BENCH_S3_CLIENTS" --seconds "$BENCH_S3_SECONDS" \
  --server-pid "$pid" --evict-directory "$work/data" >"$work/s3.json"

python3 - "$work/s3.json" <<'PY' | python3 bench/write-section.py s3
import datetime, json, os, platform, subprocess, sys
r = json.load(open(sys.argv[1]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
ok = lambda b: "met" if b else "**missed**"
s = r["small"]
rows = "\n".join(
    f"| {label} x {r[k]['objects']} | {r[k]['put_mib_s']:,.1f} | {r[k]['disk_write_mib_s']:,.1f} | {100 * r[k]['put_mib_s'] / r[k]['disk_write_mib_s']:.0f} % "
    f"| {r[k]['get_mib_s']:,.1f} | {r[k]['disk_read_mib_s']:,.1f} | {100 * r[k]['get_mib_s'] / r[k]['disk_read_mib_s']:.0f} % "
    f"| {r[k]['cold_get_mib_s']:,.1f} | {r[k]['cold_disk_read_mib_s']:,.1f} | {100 * r[k]['cold_get_mib_s'] / r[k]['cold_disk_read_mib_s']:.0f} % "
    f"| {r[k]['server_cpu_ms_per_put']:,.1f} / {r[k]['server_cpu_ms_per_get']:,.1f} |"
    for label, k in (("1 MiB", "1mib"), ("64 MiB", "64mib")))
# The issue's large-object target (70 % of the raw disk) holds for both sizes it names, 1 MiB and 64 MiB.
targets = "\n".join(
    f"| {label} {what} at least 70 % of the raw disk {side} | {100 * r[k][api] / r[k][disk]:.0f} % | {ok(r[k][api] >= 0.7 * r[k][disk])} |"
    for label, k in (("1 MiB", "1mib"), ("64 MiB", "64mib"))
    for what, side, api, disk in (("PUT", "write", "put_mib_s", "disk_write_mib_s"),
                                  ("GET", "read, from the page cache", "get_mib_s", "disk_read_mib_s"),
                                  ("GET", "read, cold (both from the disk)", "cold_get_mib_s", "cold_disk_read_mib_s")))
load_start = os.environ.get("BENCH_LOAD_START", "?")
print(f"""## Storage: S3 objects beside the raw disk

Measured {now} on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB memory, .NET SDK {dotnet},
Debian {platform.freedesktop_os_release().get('VERSION_ID', '?')}. Command: `bench/s3.sh` (also run by `./platform.sh bench`):
requests presigned by the AWS SDK for .NET (`Platform.Bench s3`; UNSIGNED-PAYLOAD, as S3 clients sign over TLS)
and sent by a plain HttpClient to the API's S3 listener on loopback, a fresh SQLite data directory on the
repository's disk; the raw disk is the same bytes written as plain files (fsynced) and read back in the same
directory, in the same run. Large objects go one at a time; every PUT is durable (MD5 for the ETag, file fsync,
rename, directory fsync, then the metadata commit). Reads are measured twice on both sides: first from the page cache
(a GET there is a loopback HTTP transfer set against a memory copy), then cold, after the raw files and the API's blobs
alike are dropped from the page cache (posix_fadvise DONTNEED), so both sides read the disk. The 4 KiB runs follow a
2 s warm-up. The client, the API and the disk share the machine's 2 cores; the load average was {load_start} when the
run started and {os.getloadavg()[0]:.1f} when it ended (other work on the machine competes for the same cores and disk,
so treat the figures as a floor). The API's CPU time per operation (user + system, from /proc) is the figure that
other load disturbs least.

| objects | PUT MiB/s | disk write MiB/s | PUT/disk | GET MiB/s (cached) | disk read MiB/s (cached) | GET/disk | GET MiB/s (cold) | disk read MiB/s (cold) | GET/disk | API CPU ms per PUT / GET |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

| 4 KiB objects, {s['clients']} clients, {s['seconds']:.0f} s | per second | API CPU per op |
|---|---|---|
| PUT (durable) | {s['put_per_s']:,.0f} | {s['server_cpu_ms_per_put']} ms |
| GET | {s['get_per_s']:,.0f} | {s['server_cpu_ms_per_get']} ms |
| raw disk: fsynced 4 KiB overwrites of existing files, same clients | {s['disk_fsynced_writes_per_s']:,.0f} | |
| raw disk: durable 4 KiB new files (write, fsync, rename into a directory, directory fsync), same clients | {s['disk_durable_creates_per_s']:,.0f} | |
| time to first byte, small object, p50 / p99 | {s['ttfb_p50_ms']} ms / {s['ttfb_p99_ms']} ms | |

| target | measured | |
|---|---|---|
{targets}
| 4 KiB PUTs at least 1,500/s durable | {s['put_per_s']:,.0f} | {ok(s['put_per_s'] >= 1500)} |
| 4 KiB GETs at least 5,000/s | {s['get_per_s']:,.0f} | {ok(s['get_per_s'] >= 5000)} |
| small-object time to first byte p50 under 5 ms | {s['ttfb_p50_ms']} ms | {ok(s['ttfb_p50_ms'] < 5)} |""")
PY
