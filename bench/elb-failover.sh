#!/usr/bin/env bash
# Load balancer node failover (issue 13): the gap in answers a client sees, curling the balancer's public address every
# 50 ms from the provider network, when the server of the zone's MASTER node dies (its HostAgent, keepalived and
# HAProxy killed with SIGKILL, its switch stopped); two servers on this machine, each its own Open vSwitch and HostAgent process
# (tests/Platform.Api.Tests TwoServerLoadBalancerTests). Beside it, keepalived alone: from the MASTER's keepalived killed,
# and from its HAProxy killed, to the peer's notify script saying MASTER (tests/Platform.HostAgent.Tests
# KeepalivedPairTests). BENCH_RUNS runs of each (1 by default); writes the "elb-failover" section of docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BENCH_RUNS:=1}"
deploy/start-test-daemons.sh
dotnet build tests/Platform.Api.Tests -c Release --verbosity quiet >/dev/null
dotnet build tests/Platform.HostAgent.Tests -c Release --verbosity quiet >/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for _ in $(seq 1 "$BENCH_RUNS"); do
  PLATFORM_BENCH_OUTPUT="$results" dotnet test tests/Platform.Api.Tests -c Release --no-build --filter "FullyQualifiedName~TwoServerLoadBalancerTests" >/dev/null
  PLATFORM_BENCH_OUTPUT="$results" dotnet test tests/Platform.HostAgent.Tests -c Release --no-build --filter "FullyQualifiedName~KeepalivedPairTests" >/dev/null
done
load=$(uptime)

python3 - "$results" "$BENCH_RUNS" "$load" <<'PY' | python3 bench/write-section.py elb-failover
import datetime, json, os, statistics, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def of(key): return [r[key] for r in rows if key in r]
gaps, killed, haproxy = of("elb_node_failover_gap_ms"), of("vrrp_master_killed_ms"), of("vrrp_haproxy_killed_ms")
if not (gaps and killed and haproxy):
    sys.exit("missing figures: " + json.dumps(rows))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
version = subprocess.run(["keepalived", "--version"], capture_output=True, text=True).stderr.split("\n")[0]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
worst = max(gaps)
def cell(x): return f"{statistics.median(x):.0f}" + (f" (worst {max(x):.0f})" if len(x) > 1 else "")
print(f"""## Load balancing: a node's failover (keepalived between a zone's two nodes)

Measured {now} on {os.cpu_count()} cores ({cpu}), {version}, shared with other builds; `uptime` at the end:
`{sys.argv[3].strip()}`. Command: `bench/elb-failover.sh` ({sys.argv[2]} run(s)). Two servers on this machine, each its own
Open vSwitch in a namespace and its own HostAgent process; the balancer's zone has a node on each (HAProxy and keepalived
in the node's namespace, unicast VRRPv3 every 200 ms over the VPC's tunnel). A client in the provider network's namespace
curls the public address every 50 ms (1 s timeout per request) while the MASTER's HostAgent, keepalived and HAProxy are
killed with SIGKILL and its switch stopped (its namespace, uplink cable included, gone); the gap is the client's longest
time from one answer to the next from the kill on, a request timed out included. It is VRRP's detection (three missed
adverts plus skew), then the surviving agent's round that moves the public address's flows to its server (woken by
keepalived's state file) and its gratuitous ARP.

| measure | ms | |
|---|---|---|
| client's gap in answers, MASTER's server killed | {cell(gaps)} | target under 3000 ms: {"met" if worst < 3000 else "not met"} |
| keepalived alone: MASTER killed to peer MASTER | {cell(killed)} | |
| keepalived alone: MASTER's HAProxy killed to peer MASTER | {cell(haproxy)} | |""")
PY
