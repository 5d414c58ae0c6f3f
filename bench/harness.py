"""Processes and load generators: the server and worker pinned to their cores, wrk, the
open-loop client, and a tiny keep-alive HTTP client for single requests."""

from __future__ import annotations

import contextlib
import http.client
import json
import marshal
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
PARLEY = str(VENV_BIN / "parley")
SERVER_CORE = "0"
LOAD_CORE = "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin_self(core: str) -> None:
    """Move this (orchestrating) process to one core."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {int(core)})


class Proc:
    """A child process pinned to a core with taskset; its output goes to a log file."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], core: str, logdir: Path) -> None:
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.p = subprocess.Popen(
            ["taskset", "-c", core, *argv], env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.p.pid

    def alive(self) -> bool:
        return self.p.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=5)
        self._log.close()

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Server:
    """``parley serve`` (one uvicorn process) on the server core."""

    def __init__(self, env: dict[str, str], port: int, logdir: Path, jobs: str) -> None:
        self.port = port
        self.jobs = jobs
        env = {**env, "PARLEY_JOBS": jobs}
        self.proc = Proc(
            f"server-{jobs}-{int(time.time() * 1000) % 100000}",
            [PARLEY, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env, SERVER_CORE, logdir,
        )
        self.started = time.perf_counter()

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll /health until it answers; returns seconds since the process started."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.proc.alive():
                raise RuntimeError(f"server exited:\n{self.proc.tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"server did not start in {timeout} s:\n{self.proc.tail()}")

    def stop(self) -> None:
        self.proc.stop()


class Client:
    """One keep-alive connection for single requests from the orchestrator."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any, float]:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.c.request(method, path, body=data, headers=headers)
            r = self.c.getresponse()
            raw = r.read()
        except (http.client.HTTPException, OSError):
            self.c.close()
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.c.request(method, path, body=data, headers=headers)
            r = self.c.getresponse()
            raw = r.read()
        elapsed = time.perf_counter() - t0
        try:
            parsed = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            parsed = raw[:200]
        return r.status, parsed, elapsed

    def close(self) -> None:
        self.c.close()


# --- wrk ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    for name in ("wrk",):
        for d in os.environ.get("PATH", "").split(os.pathsep):
            p = Path(d) / name
            if p.exists():
                return str(p)
    raise SystemExit("wrk is not installed: `apt-get install -y wrk` (make bench does it)")


def run_wrk(
    port: int, script: str, args: Sequence[str], *, duration: float, connections: int = 32,
    path: str = "/", logdir: Path | None = None, label: str = "",
) -> dict[str, Any]:
    """Saturating run: wrk -t1 -cN on the load core; returns req/s and latency in ms."""
    argv = [
        "taskset", "-c", LOAD_CORE, ensure_wrk(), "-t1", f"-c{connections}", f"-d{duration:g}s",
        "--timeout", "10s", "--latency", "-s", str(HERE / "lua" / script), f"http://127.0.0.1:{port}{path}",
    ]
    if args:
        argv += ["--", *args]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if logdir is not None:
        with open(logdir / "wrk.log", "a") as f:
            f.write(f"### {label}\n$ {' '.join(argv)}\n{out.stdout}{out.stderr}\n")
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("BENCHJSON "):])
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "rps": round(raw["requests"] / seconds, 1),
        "requests": raw["requests"],
        "errors": errors,
        "non2xx": raw["status"],
        "connections": connections,
        "seconds": round(seconds, 2),
        "latency_ms": {k: round(raw[k] / 1000, 3) for k in ("p50", "p90", "p99", "p999", "max", "mean")},
    }


# --- open-loop client ------------------------------------------------------------------------


def http_request(method: str, path: str, port: int, token: str | None = None, body: bytes | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    elif method != "GET":
        lines.append("Content-Length: 0")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return raw + (body or b"")


def run_openloop(
    port: int, requests: list[tuple[str, bytes]], *, rate: float, duration: float, workdir: Path,
    max_conns: int = 256, label: str = "", logdir: Path | None = None, raw: bool = False,
) -> dict[str, Any]:
    """Fixed-rate run with bench/openloop.py in its own process on the load core.
    ``raw``: also return every latency (s) as ``raw_s``, to pool several runs."""
    fd, req_path = tempfile.mkstemp(suffix=".marshal", dir=workdir)
    with os.fdopen(fd, "wb") as f:
        marshal.dump(requests, f)
    spec = {
        "host": "127.0.0.1", "port": port, "rate": rate, "duration": duration, "requests": req_path,
        "max_conns": max_conns, "raw": raw,
    }
    spec_path = Path(req_path + ".json")
    out_path = Path(req_path + ".out.json")
    spec_path.write_text(json.dumps(spec))
    subprocess.run(
        ["taskset", "-c", LOAD_CORE, sys.executable, str(HERE / "openloop.py"), str(spec_path), str(out_path)],
        check=True, timeout=duration + 60,
    )
    result = json.loads(out_path.read_text())
    for p in (req_path, spec_path, out_path):
        Path(p).unlink(missing_ok=True)
    if logdir is not None:
        with open(logdir / "openloop.log", "a") as f:
            f.write(f"### {label}\n{json.dumps(result)}\n")
    return result


def home_requests(port: int, readers: list[tuple[str, int, int]], n: int, *, mode: str = "first", limit: int = 20) -> list[tuple[str, bytes]]:
    out = []
    start = random.randrange(len(readers))
    for i in range(n):
        token, deep, since = readers[(start + i) % len(readers)]
        path = f"/api/v1/timelines/home?limit={limit}"
        if mode == "deep":
            path += f"&max_id={deep}"
        elif mode == "since":
            path += f"&since_id={since}"
        out.append((mode, http_request("GET", path, port, token)))
    return out


def post_requests(port: int, token: str, n: int, label: str) -> list[tuple[str, bytes]]:
    nonce = random.randrange(10**9)
    return [
        ("post", http_request("POST", "/api/v1/statuses", port, token,
                              orjson.dumps({"status": f"{label} {nonce} {i}: a benchmark post with unique text"})))
        for i in range(n)
    ]


def mixed_requests(
    port: int, readers: list[tuple[str, int, int]], post_ids: list[int], account_ids: list[int], n: int
) -> list[tuple[str, bytes]]:
    """The same mix as lua/mixed.lua: 50 home reads to 1 write (post, favourite, follow)."""
    rng = random.Random()
    nonce = rng.randrange(10**9)
    out = []
    writes = 0
    for i in range(1, n + 1):
        token = readers[rng.randrange(len(readers))][0]
        if i % 51:
            out.append(("read", http_request("GET", "/api/v1/timelines/home?limit=20", port, token)))
            continue
        writes += 1
        w = writes % 3
        if w == 0:
            body = orjson.dumps({"status": f"open-loop mixed {nonce} {i}: a post in the mixed load"})
            out.append(("post", http_request("POST", "/api/v1/statuses", port, token, body)))
        elif w == 1:
            pid = post_ids[rng.randrange(len(post_ids))]
            out.append(("favourite", http_request("POST", f"/api/v1/statuses/{pid}/favourite", port, token)))
        else:
            aid = account_ids[rng.randrange(len(account_ids))]
            out.append(("follow", http_request("POST", f"/api/v1/accounts/{aid}/follow", port, token)))
    return out
