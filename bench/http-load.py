"""HTTP load for the load balancer benchmarks: python3 bench/http-load.py HOST PORT PATH SECONDS CONCURRENCY
CONCURRENCY clients ask GET PATH for SECONDS, a new connection per request (busybox httpd closes each); prints one JSON
line: requests/s, p50 and p99 latency in ms, and how many answers were not 200 (counted, not timed). Run inside the
network namespace the requests are to come from (ip netns exec NS python3 ...)."""
import asyncio, json, sys, time

host, port, path, seconds, concurrency = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode()
latencies, failures = [], 0


async def one():
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n", 1)[0]


async def client(end):
    global failures
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            ok = await asyncio.wait_for(one(), 10)
        except (OSError, asyncio.TimeoutError):
            ok = False
        if ok:
            latencies.append(time.monotonic() - started)
        else:
            failures += 1


async def main():
    started = time.monotonic()
    await asyncio.gather(*(client(started + seconds) for _ in range(concurrency)))
    return time.monotonic() - started


elapsed = asyncio.run(main())
latencies.sort()
print(json.dumps({
    "rps": len(latencies) / elapsed,
    "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else None,
    "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None,
    "failures": failures,
}))
