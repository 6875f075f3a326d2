#!/usr/bin/env bash
# The managed database's benchmarks (issue 12, item 7); writes the "rds" section of docs/BENCHMARKS.md.
# One run of RdsEndToEndTests' benchmark fact (the API and a HostAgent on qemu:///system and this machine's Open vSwitch, the
# database image's guests under software emulation, psql and pgbench from a namespace standing for the outside world):
#  1. pgbench on PostgreSQL 15 run directly on this machine (a fresh cluster of its own, initdb's defaults, TLS over loopback):
#     BENCH_RDS_SCALE (68: about 1 GiB), BENCH_RDS_CLIENTS clients on 2 threads for BENCH_RDS_SECONDS, before any guest runs;
#  2. a DB instance (db.t3.micro: 1 vCPU, 512 MiB) created and timed to available, with its states and the guest's markers;
#  3. the same pgbench data generated in it and the same run against it (TLS, through the edge);
#  4. a client committing a row a second with its own timestamp, the guest destroyed with `virsh destroy`, the instance
#     restored to the latest restorable time the API showed at the kill: RPO = the last committed row's time minus the last
#     restored one's; the restore of the ~1 GiB database timed to available, with its states and markers.
# Real guests: run it through the machine's real-guest slots where there are any (for example
# /work/wt/_prompts/guest-slot.sh bench/rds.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BENCH_RDS_SCALE:=68}" "${BENCH_RDS_CLIENTS:=4}" "${BENCH_RDS_SECONDS:=60}"
export BENCH_RDS_SCALE BENCH_RDS_CLIENTS BENCH_RDS_SECONDS
command -v pgbench >/dev/null || { echo "bench/rds.sh needs pgbench (Debian's postgresql-client-15)" >&2; exit 1; }
dotnet build tests/Platform.EndToEnd.Tests -c Release --verbosity quiet >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
log=${TMPDIR:-/tmp}/platform-bench-rds.log
PLATFORM_BENCH_OUTPUT="$out" dotnet test tests/Platform.EndToEnd.Tests -c Release --no-build \
  --filter "FullyQualifiedName~RdsEndToEndTests.Bench_" --logger "console;verbosity=detailed" >"$log" 2>&1 \
  || { tail -n 80 "$log"; echo "the RDS benchmark failed; the whole output: $log" >&2; exit 1; }
python3 bench/rds-report.py "$out" | python3 bench/write-section.py rds
