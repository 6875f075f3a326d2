"""Writes the soak section (bench/soak.sh): bench/soak-report.py WORK MINUTES API_ERRORS RESTARTS LOAD_AVERAGE
reads WORK/load.json (bench/soak-load.py), WORK/rounds.json (the agent's round-times.json) and WORK/samples.txt."""
import datetime, json, os, platform, sys
work, minutes, api_errors, restarts, load_average = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
load = json.load(open(f"{work}/load.json"))
rounds = json.load(open(f"{work}/rounds.json"))
samples = [line.split() for line in open(f"{work}/samples.txt")]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
dotnet = os.popen("dotnet --version").read().strip()
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
ok = lambda b: "met" if b else "**missed**"
# t name pid rss fds [anon file]: the last two since the soak records RSS's parts.
per = {name: [(int(s[0]), s[2], int(s[3]), int(s[4]), int(s[5]) if len(s) > 5 else 0, int(s[6]) if len(s) > 6 else 0)
              for s in samples if s[1] == name] for name in ("api", "agent")}
mib = lambda kib: f"{kib / 1024:.0f} MiB"
rows = "\n".join(f"| {t // 60}:{t % 60:02d} | {mib(a[2])} ({mib(a[4])} + {mib(a[5])}) | {a[3]} | {mib(g[2])} ({mib(g[4])} + {mib(g[5])}) | {g[3]} |"
                 for (t, *_), a, g in zip(per["api"], per["api"], per["agent"]))

def counters(label, name):
    # The last value of each GC figure dotnet-counters saw (bench/soak.sh's profile), in MiB; None without the tools.
    try:
        events = json.load(open(f"{work}/counters-{label}-{name}.json"))["Events"]
    except (OSError, ValueError, KeyError):
        return None
    last = {}
    for e in events:
        tags = e.get("tags") or ""
        last[e["name"].split(" (")[0] + (f"[{tags}]" if tags else "")] = e["value"]
    heap = sum(v for k, v in last.items() if k.startswith("dotnet.gc.last_collection.heap.size"))
    return {"heap": heap / 2**20, "committed": last.get("dotnet.gc.last_collection.memory.committed_size", 0) / 2**20,
            "working_set": last.get("dotnet.process.memory.working_set", 0) / 2**20}

def live(label, name):
    try:
        first = open(f"{work}/heap-{label}-{name}.txt").readline().split()
        return int(first[0].replace(",", "")) / 2**20
    except (OSError, ValueError, IndexError):
        return None

def profile_rows():
    out = []
    for name in ("api", "agent"):
        for label in ("start", "end"):
            c, h = counters(label, name), live(label, name)
            if c is None and h is None:
                continue
            fmt = lambda v: "–" if v is None else f"{v:.0f} MiB"
            out.append(f"| {name} | {label} | {fmt(h)} | {fmt(c and c['heap'])} | {fmt(c and c['committed'])} | {fmt(c and c['working_set'])} |")
    return out
def drift(name, index):
    # From the first sample under load (the JIT warmed, caches filled) to the last; the idle sample is shown above.
    under = per[name][1:] or per[name]
    first, last = under[0][index], under[-1][index]
    return (last - first) / first * 100 if first else float("inf")
answers, cycles = load["answers"], load["cycles"]
total = sum(answers.values())
kinds = "; ".join(f"{k}: " + ", ".join(f"{n} {c}" for c, n in sorted(v.items())) for k, v in sorted(load["by_kind"].items()))
faults = "\n".join(f"- {f['at']} {f['kind']}: {f['status']} {f['detail']}" for f in load["faults"]) or "- none"
short = minutes < 30
title = f"## Soak: {minutes} minutes of mixed load" + (" (SHORT RUN, not the 30-minute soak)" if short else "")
short_note = ("\n\nA short run shows the warm-up, not a trend: the drift below is measured over two minutes, and the agent's\n"
              "descriptors and memory at a sample depend on whether a test guest is running then (its console, its disk,\n"
              "its monitor socket). The 30-minute run is the one to judge the targets by.") if short else ""
log_format = "JSON lines" if os.environ.get("Logging__Console__FormatterName") == "json" else "plain format"
pids = {name: sorted({s[1] for s in per[name]}) for name in per}
prof = profile_rows()
profile = ("\nThe GC's view, 90 s into the load (`start`) and at the end (`end`), from `dotnet-gcdump` (live objects after the full\n"
           "collection it forces) and `dotnet-counters` (the heap's size at the last collection, the memory the GC holds\n"
           "committed, the working set); the forced collection also lowers the RSS samples after it:\n\n"
           "| process | when | live objects | heap at last GC | GC committed | working set |\n|---|---|---|---|---|---|\n"
           + "\n".join(prof) + "\n") if prof else ""
print(f"""{title}

Measured {now} on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB memory, .NET SDK {dotnet},
Debian {platform.freedesktop_os_release().get('VERSION_ID', '?')}. Command: `SOAK_MINUTES={minutes} bench/soak.sh` (`bench/run.sh soak`;
{'the full run is `bench/run.sh soak` with the default 30 minutes' if short else 'the default length'}): the single-machine cloud of `./platform.sh up` (API
and one HostAgent on `qemu:///system`, plain HTTP on loopback, its own directories and ports) under {load['rate']:.0f} signed requests/s
of IAM list-users, EC2 describe-instances, S3 PUT and GET of 4 KiB objects (32 keys, overwritten), while one client
launches a t2.nano test guest, waits for `running`, lets it run 10 s, terminates it and waits for `terminated`, again
and again. RSS and open file descriptors of the API and the agent process before the load and every minute. Load
average {load_average} when it ended (other work on the machine included).{short_note}

RSS is shown with two of its parts, anonymous memory (the GC's heaps, native allocations, thread stacks) + file pages
(the mapped assemblies and native libraries, which grow as more code runs for the first time and are given back
under memory pressure); the rest is shared memory, the runtime's double-mapped executable code (`memfd:doublemapper`).

| time | API RSS (anon + file) | API fds | agent RSS (anon + file) | agent fds |
|---|---|---|---|---|
{rows}
{profile}
Processes sampled: API pid {', '.join(pids['api'])}, agent pid {', '.join(pids['agent'])}; supervisor restarts: {restarts}.

| | measured | target |
|---|---|---|
| API RSS, first minute under load to the end | {drift('api', 2):+.1f} % (anon {drift('api', 4):+.1f} %, file {drift('api', 5):+.1f} %) | flat within 10 %: {ok(abs(drift('api', 2)) <= 10)} |
| API open fds, same | {drift('api', 3):+.1f} % | {ok(abs(drift('api', 3)) <= 10)} |
| agent RSS, same | {drift('agent', 2):+.1f} % (anon {drift('agent', 4):+.1f} %, file {drift('agent', 5):+.1f} %) | {ok(abs(drift('agent', 2)) <= 10)} |
| agent open fds, same | {drift('agent', 3):+.1f} % | {ok(abs(drift('agent', 3)) <= 10)} |
| 5xx answers (and unanswered requests) of {total:,} | {answers['5xx']} ({answers['unanswered']}) | 0: {ok(answers['5xx'] == 0 and answers['unanswered'] == 0)} |
| Error entries in the API's log ({log_format}) | {api_errors} | 0: {ok(api_errors == 0)} |
| launch/terminate cycles | {cycles['launched']} launched, {cycles['running']} running (p50 {cycles['to_running_p50_s']} s to running), {cycles['terminated']} terminated, {cycles['failed']} failed | none failed: {ok(cycles['failed'] == 0)} |
| agent rounds (since it started) | {rounds['rounds']:,} rounds, {rounds['failed_rounds']} failed; p50 {rounds['p50_ms']} ms, p99 {rounds['p99_ms']} ms, max {rounds['max_ms']} ms | |

Answers by kind: {kinds}.

5xx and unanswered requests (first 20):
{faults}""")
