"""The "rds" section of docs/BENCHMARKS.md from RdsEndToEndTests' benchmark output (one JSON line): bench/rds-report.py FILE"""
import datetime, json, os, subprocess, sys

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if not lines:
    sys.exit("no benchmark output: the benchmark fact did not finish")
r = lines[-1]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem = round(int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
load = uptime.split("load average:")[1].strip()
local = r["local"]


def met(ok):
    return "met" if ok else "**missed**"


def timeline(events):
    return "\n".join(f"| {e['at_s']:.1f} s | `{e['what']}` |" for e in events)


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


ratio = r["guest_tps"] / local["tps"] * 100
gib = r["database_bytes"] / 1024 ** 3
# The target is for a 1 GiB database: a smaller run (BENCH_RDS_SCALE under 64) does not judge it.
pitr_target = f"under 5 min for 1 GiB: {met(r['restore_s'] < 300)}" if gib >= 0.95 else "under 5 min for 1 GiB: **not measured** (a smaller database, below)"
killed = parse_time(r["killed"])
latest = parse_time(r["latest_restorable_at_kill"])
restore_markers = {e["what"].split(" ")[0]: e for e in r["restore_timeline"]}
restored_marker = restore_markers.get("PLATFORM-DB-RESTORED")
restore_seconds = restored_marker["what"].split(" ")[-1] if restored_marker else "?"
print(f"""## Database: create, pgbench against PostgreSQL on the machine, RPO of a hard kill, point-in-time restore

Measured {now} on {os.cpu_count()} cores ({cpu}), {mem} GiB memory. `uptime` at the end: load average {load} (1, 5, 15
minutes; {r["load_average"]} when the fact wrote its figures). **The machine was shared by seven engineers at the time**
(their builds, tests and QEMU guests): one run on a loaded machine, not the platform's figures on a quiet one. Command:
`bench/rds.sh` (through the real-guest slot script), one run of `RdsEndToEndTests`' benchmark fact, {r["total_s"] / 60:.0f} minutes
in all: the API and a HostAgent process on `qemu:///system` and this machine's Open vSwitch, the database image's guests
(db.t3.micro: 1 vCPU, 512 MiB, software emulation: no KVM here), psql and pgbench in a namespace standing for the outside
world, reaching the instance's public address over TLS verified against the platform CA.

| | measured | target |
|---|---|---|
| create call to `available` | {r["create_to_available_s"]:.0f} s (the call answered in {r["create_answer_s"]:.1f} s; first `psql` login {r["create_to_psql_s"]:.0f} s) | under 2 min: {met(r["create_to_available_s"] < 120)} |
| pgbench TPS, the DB instance | {r["guest_tps"]:,.1f} | |
| pgbench TPS, PostgreSQL 15 directly on this machine | {local["tps"]:,.1f} | |
| ratio | {ratio:.1f} % | |
| RPO of a hard kill (`virsh destroy`), restored to the latest restorable time | {r["rpo_s"]:.1f} s | 60 s or less: {met(r["rpo_s"] <= 60)} (RDS documents 5 minutes) |
| point-in-time restore of the {gib:.2f} GiB database, call to `available` | {r["restore_s"] / 60:.1f} min | {pitr_target} |

**pgbench.** Both runs the same: `pgbench -i -s {r["scale"]} -I dtGvp` (the tables generated server side, {gib:.2f} GiB in the
instance), then `pgbench -c {r["clients"]} -j {r["threads"]} -T {r["seconds"]}` (TPC-B-like, vacuum first), over TLS: the reference
({local["version"]}, a fresh cluster with initdb's defaults, shared_buffers 128 MB, as the 512 MiB guest gets it) on loopback
before any guest ran; the instance from the outside namespace through the edge's address translation and Open vSwitch. The
data generation took {local["init_s"]:.0f} s on the machine and {r["guest_init_s"]:.0f} s in the guest. The guest is one emulated vCPU
(TCG translates every instruction) against the host's {os.cpu_count()} real cores, and its WAL is archived (pgBackRest, compressed
and encrypted, through the management relay) beside the run; the ratio is mostly what software emulation costs, and how the
platform's own path (the edge, the switch, the guest's disk) would compare with KVM is not measured here. Before the measured run the
archive was let catch up with the generated data's WAL ({r["archive_catch_up_after_init_s"]:.0f} s after the generation).

**RPO.** A client in the outside namespace committed a row a second holding its own timestamp ({r["rows_committed"]} rows
acknowledged); the guest was destroyed with `virsh destroy` at {killed:%H:%M:%S} UTC, when the API showed
{latest:%H:%M:%S} as the latest restorable time (the newest archived WAL segment's time the guest last reported). The instance was
restored to that second as a new instance: the last committed row is {r["last_committed"][11:19]}, the last restored one
{r["last_restored"][11:19]} ({r["rows_restored"]} rows). What a hard kill loses is what was committed after the newest archived
segment: at most the archive timeout (60 s) of commits plus the status report that carries the archive's time to the API.
The source's guest {"was running again (the HostAgent starts a guest destroyed from outside on its next round; its volume holds every committed row)" if r["source_guest_running_again"] else "was not running again when the restore finished"};
`use_latest_restorable_time` reads the archive when the restore runs, so it can also get what the restarted source archived
later: restoring to the time shown at the kill measures the loss of the server, not of the guest alone.

**Point-in-time restore.** The base backup is the instance's first automated one (taken once it was available, before the
data was generated): the restore fetches it and replays the WAL of the whole {gib:.2f} GiB generation and the pgbench run from
the archive (the bucket, through the relay: pgBackRest decrypts, decompresses and checks each segment) up to the restore time,
promotes, takes its settings and its own first full backup; only then is it `available`. The restore inside the guest
(`PLATFORM-DB-RESTORED`: fetch and replay) took {restore_seconds} s. Timeline from the restore call (the instance's states, polled
every second, and the guest's console markers as first seen):

| at | what |
|---|---|
{timeline(r["restore_timeline"])}

Create, from the call:

| at | what |
|---|---|
{timeline(r["create_timeline"])}

**Multi-AZ failover is not measured here.** A Multi-AZ instance keeps its standby in another zone on another server; this
machine runs one HostAgent (one server, one zone), so a Multi-AZ create is refused with `InsufficientDBInstanceCapacity`.
Measuring failover needs a second server: a second HostAgent in another zone (issue 12's item 4 on this machine, or a second
machine). The failover's mechanics are tested with simulated servers (`RdsMultiAzTests`) and with two PostgreSQL servers on this
machine (`DatabaseReplicationTests`), neither of which gives a time worth reporting.""")
