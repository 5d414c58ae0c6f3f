"""An open-loop HTTP/1.1 load generator: requests go out on a fixed schedule.

Debian's wrk has no fixed-rate mode (wrk2 is not packaged), so fixed-rate latencies are
measured with this client instead. Request i is due at ``start + i / rate``; its latency
is measured from that due time, not from when a connection was free, so a slow server
cannot slow the load down and hide its own queueing ("coordinated omission").

Usage (run pinned to the load core): ``python openloop.py SPEC.json OUT.json``. The spec
names a marshal file holding a list of ``(kind, raw_request_bytes)`` built by the caller
(``bench/requests.py``), the rate, the duration and the most connections to open.
The result has, overall and per kind: count, errors, percentiles (ms), and how late the
client itself sent requests (if that grows the client, not the server, was the limit).
"""

from __future__ import annotations

import asyncio
import json
import marshal
import sys
import time
from typing import Any


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    v = sorted(values)

    def at(q: float) -> float:
        return round(v[min(len(v) - 1, max(0, int(q * len(v) + 0.5) - 1))] * 1000, 3)

    return {
        "n": len(v), "p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "p999": at(0.999),
        "max": round(v[-1] * 1000, 3), "mean": round(sum(v) / len(v) * 1000, 3),
    }


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    lower = head.lower()
    i = lower.find(b"\r\ncontent-length:")
    if i >= 0:
        j = lower.find(b"\r\n", i + 2)
        length = int(lower[i + 17 : j].strip())
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
        return status
    if length:
        await reader.readexactly(length)
    return status


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    with open(spec["requests"], "rb") as f:
        reqs: list[tuple[str, bytes]] = marshal.load(f)
    rate = float(spec["rate"])
    n = min(len(reqs), max(1, int(rate * float(spec["duration"]))))
    host, port = spec["host"], int(spec["port"])
    timeout = float(spec.get("timeout", 10.0))
    sem = asyncio.Semaphore(int(spec.get("max_conns", 256)))
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    results: list[tuple[str, float, int, float] | None] = [None] * n
    opened = 0

    async def one(i: int, due: float) -> None:
        nonlocal opened
        kind, raw = reqs[i]
        async with sem:
            sent = time.perf_counter()
            status = -1
            # A pooled connection idle for seconds may have been closed by the server's
            # keep-alive timeout (uvicorn: 5 s): skip those, and retry once on a new
            # connection if a reused one fails. Latency still counts from the due time.
            for attempt in range(2):
                conn = None
                reused = False
                while idle:
                    r, w, last = idle.pop()
                    if time.perf_counter() - last < 3.0 and not w.is_closing():
                        conn, reused = (r, w), True
                        break
                    w.close()
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(host, port)
                        opened += 1
                    conn[1].write(raw)
                    status = await asyncio.wait_for(read_response(conn[0]), timeout)
                    idle.append((conn[0], conn[1], time.perf_counter()))
                    break
                except Exception:
                    status = -1
                    if conn is not None:
                        conn[1].close()
                    if not reused or attempt:
                        break
            results[i] = (kind, time.perf_counter() - due, status, sent - due)

    start = time.perf_counter() + 0.02
    tasks = []
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(i, due)))
    send_end = time.perf_counter()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
    end = time.perf_counter()
    for _, w, _ in idle:
        w.close()

    done = [r for r in results if r is not None]
    out: dict[str, Any] = {
        "rate": rate, "planned": n, "completed": len(done), "unfinished": n - len(done),
        "connections": opened, "wall_s": round(end - start, 3), "send_s": round(send_end - start, 3),
        "achieved_rps": round(len(done) / max(1e-9, end - start), 1),
        "errors": sum(1 for r in done if not 200 <= r[2] < 300) + (n - len(done)),
        "statuses": {},
        "latency_ms": percentiles([r[1] for r in done]),
        "send_lag_ms": percentiles([r[3] for r in done]),
        "first_ms": round(done[0][1] * 1000, 3) if done and results[0] is not None else None,
        "kinds": {},
    }
    if spec.get("raw"):
        out["raw_s"] = [r[1] for r in done]
    for r in done:
        out["statuses"][str(r[2])] = out["statuses"].get(str(r[2]), 0) + 1
    kinds = sorted({r[0] for r in done})
    for k in kinds:
        lat = [r[1] for r in done if r[0] == k]
        out["kinds"][k] = {"errors": sum(1 for r in done if r[0] == k and not 200 <= r[2] < 300), **percentiles(lat)}
    # Latency over time (0.5 s buckets by due time): shows a cold start warming up.
    buckets: dict[int, list[float]] = {}
    for i, r in enumerate(results):
        if r is not None:
            buckets.setdefault(int((i / rate) / 0.5), []).append(r[1])
    out["timeline"] = [
        {"t": b * 0.5, "p50": percentiles(v)["p50"], "p99": percentiles(v)["p99"], "max": percentiles(v)["max"]}
        for b, v in sorted(buckets.items())
    ]
    return out


def main() -> int:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    try:
        import uvloop

        result = uvloop.run(run(spec))
    except ImportError:
        result = asyncio.run(run(spec))
    with open(sys.argv[2], "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
