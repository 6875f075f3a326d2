#!/usr/bin/env bash
# The network edge (issue 11) on a real Open vSwitch (userspace datapath), namespaces standing for guests and for the
# outside world: elastic IP association (here: the agent's apply of the moved address) to the first reply from the new
# holder, p50 and worst, on one server and between two; and iperf3 TCP throughput through an elastic IP (in and out)
# and through a NAT gateway beside the same guest reached inside its VPC, in one run. BENCH_RUNS runs of each test;
# writes the "network-edge" section of docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BENCH_RUNS:=3}"
deploy/start-test-daemons.sh
dotnet build tests/Platform.HostAgent.OpenVSwitch.Tests -c Release --verbosity quiet >/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for _ in $(seq 1 "$BENCH_RUNS"); do
  PLATFORM_BENCH_OUTPUT="$results" dotnet test tests/Platform.HostAgent.OpenVSwitch.Tests -c Release --no-build \
    --filter "FullyQualifiedName~EdgeDataPathTests.Given_an_elastic_ip_moved|FullyQualifiedName~EdgeDataPathTests.Given_iperf3|FullyQualifiedName~EdgeTwoServerTests" >/dev/null
done

python3 - "$results" "$BENCH_RUNS" <<'PY' | python3 bench/write-section.py network-edge
import datetime, json, os, statistics, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def of(key): return [r[key] for r in rows if key in r]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
ovs = subprocess.run(["ovs-vswitchd", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
p50s, worsts, between = of("eip_move_first_reply_p50_ms"), of("eip_move_first_reply_worst_ms"), of("eip_move_between_servers_first_reply_ms")
vpc, eip_in, eip_out, nat = of("in_vpc_mbps"), of("eip_in_mbps"), of("eip_out_mbps"), of("nat_mbps")
if not (p50s and between and vpc):
    sys.exit("missing figures: " + json.dumps(rows))
worst = max(worsts + between)
med = statistics.median
def pct(x): return f"{med(x):.0f} ({med([a / b for a, b in zip(x, vpc)]) * 100:.0f} % of in-VPC)"
ratio = min(med([a / b for a, b in zip(eip_in, vpc)]), med([a / b for a, b in zip(eip_out, vpc)]), med([a / b for a, b in zip(nat, vpc)]))
print(f"""## Network: elastic IPs and NAT gateways (Open vSwitch)

Measured {now} on {os.cpu_count()} cores ({cpu}), {ovs}, userspace datapath, shared with other builds. Command:
`bench/edge.sh` ({sys.argv[2]} runs of each test). Guests are network namespaces on internal ports of the integration
bridge, the outside world a namespace behind a veth (the uplink), not QEMU guests: a first figure for the switch's
part. "Association" is the agent's apply of the state with the address moved (as the API's association reaches it,
without the API's own part), to the first ping reply (10 ms interval) from the new holder, which alone answers pings;
each run moves the address 6 times on one server, and once from a guest on one server to a guest on another (two
ovs-vswitchd in two namespaces, one provider bridge), where the gratuitous ARP moves the provider switch's entry.

| elastic IP association to first reply, ms | median | worst |
|---|---|---|
| on one server (p50 of each run's 6 moves) | {med(p50s):.0f} | {max(worsts):.0f} |
| from one server to another | {med(between):.0f} | {max(between):.0f} |

iperf3 3.x TCP, 3 s each, one after the other in one run against the same guest; medians of the runs, Mbit/s:

| path | Mbit/s |
|---|---|
| inside the VPC (guest to guest, same subnet) | {med(vpc):.0f} |
| through the elastic IP, outside to guest | {pct(eip_in)} |
| through the elastic IP, guest to outside (`-R`) | {pct(eip_out)} |
| through the NAT gateway, private guest to outside | {pct(nat)} |

Paths that end in the outside namespace can beat guest to guest: their receiver is a veth peer in the kernel, not a
tap that ovs-vswitchd reads and writes; traffic coming in from the outside pays for the veth's software checksums
(TX offload is off on the lab's veth, docs/OPERATIONS.md).

| target | measured | |
|---|---|---|
| association to first reply under 1 s | worst {worst:.0f} ms | {"met" if worst < 1000 else "**missed**"} |
| through an elastic IP / NAT gateway at least 80 % of in-VPC | lowest median ratio {ratio * 100:.0f} % | {"met" if ratio >= 0.8 else "**missed**"} |""")
PY
