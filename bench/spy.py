"""Summarise a py-spy ``--format raw`` profile: where the GIL-holding time goes.

``python bench/spy.py PROFILE.raw [N]`` prints the top N functions by self time, by
inclusive time, and by the innermost Parley function on the stack (which line of the
application the time is spent under). py-spy is a profiling tool only: install it with
``.venv/bin/pip install py-spy`` (it is not a project dependency).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _short(frame: str, keep_line: bool = False) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    line = f":{m.group('line')}" if keep_line and m.group("line") else ""
    return f"{m.group('fn')} ({path}{line})"


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        stacks.append((stack.split(";"), n))
    return stacks


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    stacks = parse(path)
    total = sum(n for _, n in stacks) or 1
    self_t: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    parley: Counter[str] = Counter()
    for frames, n in stacks:
        self_t[_short(frames[-1])] += n
        for f in {_short(f) for f in frames}:
            incl[f] += n
        inner = [f for f in frames if "parley/" in f]
        parley[_short(inner[-1], keep_line=True) if inner else "(outside parley: event loop, uvicorn, starlette)"] += n

    def pct(c: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)]

    return {"samples": total, "self": pct(self_t), "inclusive": pct(incl), "innermost_parley": pct(parley)}


def record(pid: int, seconds: float, out: Path, rate: int = 200, *, gil: bool = True) -> subprocess.Popen[bytes]:
    """Start py-spy on ``pid``; wait() on the result. ``gil``: only samples of the thread
    holding the GIL (Python work); otherwise every active thread (also time in C, such
    as SQLite running a query with the GIL released)."""
    spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [str(spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", str(rate), "--nonblocking",
         *(["--gil"] if gil else []), "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def render(summary: dict[str, Any]) -> str:
    out = [f"{summary['samples']} samples (GIL held)"]
    for key, title in (("innermost_parley", "innermost Parley frame"), ("self", "self time"), ("inclusive", "inclusive time")):
        out.append(f"\n{title}:")
        out += [f"  {p:5.1f}%  {name}" for name, p in summary[key]]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(summarise(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 15)))
