"""The printed table (Markdown, so it can be pasted into bench/README.md)."""

from __future__ import annotations

from typing import Any

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL + Redis"}
AUTHORS = [("a0", "0"), ("a100", "100"), ("a10k", "10k"), ("a100k", "100k"), ("a10m", "10M")]


def _get(d: Any, *path: Any) -> Any:
    for p in path:
        if d is None:
            return None
        d = d.get(p) if isinstance(d, dict) else None
    return d


def _ms(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def _s(v: Any) -> str:
    return "–" if v is None else f"{v:.3f} s"


def _n(v: Any) -> str:
    return "–" if v is None else f"{v:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _feed_cell(feed: Any) -> str:
    runs = [r for r in (_get(feed, "runs") or []) if "error" not in r]
    if not runs:
        return "–"
    if runs[0].get("mode") == "read-time merge":
        seen = sum(r.get("seen", 0) for r in runs)
        total = sum(r.get("sample", 0) for r in runs)
        worst = max((r.get("all_seen_s") or 0) for r in runs)
        return f"merged at read: {seen}/{total} sampled first pages had it, all within {worst:.3f} s"

    def worst(key: str) -> Any:
        vals = [r.get(key) for r in runs]
        return None if any(v is None for v in vals) else max(vals)

    return f"{_s(worst('p50_s'))} / {_s(worst('p99_s'))} / {_s(worst('all_s'))}"


def targets(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    kinds = list(results["backends"])

    def per(fn: Any) -> list[str]:
        cells = []
        for k in kinds:
            try:
                cells.append(fn(results["backends"][k]))
            except (TypeError, KeyError, ZeroDivisionError):
                cells.append("–")
        return cells

    def home_p(r: dict[str, Any]) -> str:
        lat = r["home_fixed"]["1k"]["warm"]["latency_ms"]
        ok = lat["p50"] < 3 and lat["p99"] < 15
        return f"p50 {_ms(lat['p50'])} ms, p99 {_ms(lat['p99'])} ms: {'met' if ok else 'MISSED'}"

    rows.append(["home first page p50 < 3 ms and p99 < 15 ms at 50% of peak (1k history, warm)", *per(home_p)])

    def frac(r: dict[str, Any]) -> str:
        f = r["home"]["1k"]["first20"]["fraction_of_ceiling"]
        return f"{f:.0%} of /health: {'met' if f >= 0.3 else 'MISSED'}"

    rows.append(["home throughput >= 30% of the constant endpoint", *per(frac)])

    def post(r: dict[str, Any]) -> str:
        a0 = r["posting"]["authors"]["a0"]["latency_ms"]
        a10m = r["posting"]["authors"]["a10m"]["latency_ms"]
        d50 = a10m["p50"] / a0["p50"] - 1
        d99 = a10m["p99"] / a0["p99"] - 1
        ok = d50 <= 0.2 and d99 <= 0.2
        return f"p50 {d50:+.0%}, p99 {d99:+.0%}: {'met' if ok else 'MISSED'}"

    rows.append(["post latency with 10M followers within 20% of 0 followers", *per(post)])

    def fan(r: dict[str, Any]) -> str:
        v = r["posting"]["fanout"]["deliveries_per_s"]
        into = "Redis" if r["backend"] == "postgres" else "SQL table"
        return f"{_n(v)}/s into {into}: {'met' if v >= 50_000 else 'MISSED'}"

    rows.append([">= 50,000 fan-out deliveries/s per worker (target is for Redis)", *per(fan)])

    def tenk(r: dict[str, Any]) -> str:
        runs = [x for x in r["posting"]["authors"]["a10k"]["feed"]["runs"] if "error" not in x]
        worst = max(x["all_s"] for x in runs)
        return f"{worst:.3f} s: {'met' if worst <= 1 else 'MISSED'}"

    rows.append(["10,000 followers all served within 1 s of posting", *per(tenk)])
    return rows


def render(results: dict[str, Any]) -> str:
    kinds = list(results["backends"])
    names = [NAMES.get(k, k) for k in kinds]
    m = results.get("machine", {})
    out = [
        f"## Parley benchmark — {results['mode']} run, {results.get('started', '')}",
        "",
        f"{m.get('nproc')} cores ({m.get('cpu')}), {m.get('memory')}, Python {m.get('python')}, {m.get('wrk')}; "
        f"commit {m.get('commit', '')[:12]}{' (+ local changes)' if m.get('dirty') else ''}. "
        "Server pinned to core 0, load generator to core 1.",
        "",
    ]
    B = results["backends"]
    commits = {k: (B[k].get("commit", "")[:12], B[k].get("dirty")) for k in kinds}
    if len({c for c, _ in commits.values()}) > 1:
        out += ["Commits per backend (src/ changed during the run): " + ", ".join(
            f"{NAMES.get(k, k)} {c}{' (+ local changes)' if d else ''}" for k, (c, d) in commits.items()), ""]

    # data
    rows = []
    for label, fn in [
        ("accounts / follows / posts rows", lambda r: f"{_n(r['data']['rows']['accounts'])} / {_n(r['data']['rows']['follows'])} / {_n(r['data']['rows']['posts'])}"),
        ("generation time (feeds pre-built)", lambda r: f"{r['data']['generate_s']} s (+ {r['data']['feeds_built']} feeds in {r['data']['feeds_s']} s)"),
        ("member followers: top / median", lambda r: f"{r['data']['member_followers_top'][0]:,} / {r['data']['member_followers_median']:,}"),
        ("10M author: real follow rows", lambda r: _n(r['data']['special_real_follow_rows']['a10m'])),
        ("history of a 1k / 1M reader (posts)", lambda r: f"{_n(r['data']['history_1k'])} / {_n(r['data']['history_1m']) if r['data']['history_1m'] else '– (full run only)'}"),
    ]:
        cells = []
        for k in kinds:
            try:
                cells.append(fn(B[k]))
            except (KeyError, TypeError, IndexError):
                cells.append("–")
        rows.append([label, *cells])
    out += ["### Synthetic community", "", _table(["", *names], rows), ""]

    # 1. posting
    rate = next((_get(B[k], "posting", "authors", "a0", "rate") for k in kinds), None)
    rounds = next((_get(B[k], "posting", "authors", "a0", "rounds") for k in kinds), None) or 1
    rows = []
    for key, label in AUTHORS:
        cells = []
        for k in kinds:
            a = _get(B[k], "posting", "authors", key)
            if a is None:
                cells.append("–")
                continue
            lat = a["latency_ms"]
            cells.append(f"{_ms(lat.get('p50'))} / {_ms(lat.get('p99'))}" + (f" ({a['errors']} errors)" if a.get("errors") else ""))
        rows.append([f"{label} followers", *cells])
    out += [
        f"### 1. Posting: POST /api/v1/statuses at {rate:g} posts/s (open loop), p50 / p99 ms",
        "",
        "Server with `PARLEY_JOBS=off`, one `parley worker` process on core 1."
        + (f" The authors take turns in {rounds} rounds, the order rotated each round." if rounds > 1 else ""),
        "",
        _table(["author", *names], rows),
        "",
    ]
    rows = []
    for key, label in AUTHORS[1:]:
        rows.append([f"{label} followers", *[_feed_cell(_get(B[k], "posting", "authors", key, "feed")) for k in kinds]])
    out += ["Time from sending the post until it is in 50% / 99% / 100% of the followers' feeds (worst of the timed posts):", "",
            _table(["author", *names], rows), ""]
    rows = [[
        "fan-out deliveries/s, one worker process",
        *[
            (f"{_n(_get(B[k], 'posting', 'fanout', 'deliveries_per_s'))} ({_n(_get(B[k], 'posting', 'fanout', 'deliveries'))} in {_get(B[k], 'posting', 'fanout', 'elapsed_s')} s)")
            for k in kinds
        ],
    ]]
    out += [_table(["", *names], rows), ""]

    # 2. home
    ceiling = [_get(B[k], "ceiling") for k in kinds]
    rows = [["GET /health (constant JSON, the ceiling)", *[
        f"{_n(c['rps'])} req/s, p50 {_ms(c['latency_ms']['p50'])} / p99 {_ms(c['latency_ms']['p99'])}" if c else "–" for c in ceiling
    ]]]
    variants: list[tuple[str, str]] = []
    for k in kinds:
        for c, vs in (_get(B[k], "home") or {}).items():
            for v in vs:
                if (c, v) not in variants:
                    variants.append((c, v))
    labels = {"first20": "first page, limit 20", "first40": "first page, limit 40", "deep20": "deep page (max_id ~600 down), limit 20", "since20": "since_id polling, limit 20"}
    for c, v in variants:
        cells = []
        for k in kinds:
            r = _get(B[k], "home", c, v)
            if r is None:
                cells.append("–")
                continue
            lat = r["latency_ms"]
            err = f", {r['errors']} errors" if r["errors"] else ""
            cells.append(f"{_n(r['rps'])} req/s ({r['fraction_of_ceiling']:.0%}), p50 {_ms(lat['p50'])} / p99 {_ms(lat['p99'])} / p999 {_ms(lat['p999'])}{err}")
        rows.append([f"home, {c} history: {labels.get(v, v)}", *cells])
    out += ["### 2. Home timeline, saturating (wrk -t1 -c32, many readers' tokens rotated), ms", "", _table(["", *names], rows), ""]

    rows = []
    for c in ("1k", "1m"):
        for phase in ("warm", "cold"):
            cells = []
            for k in kinds:
                r = _get(B[k], "home_fixed", c, phase)
                if r is None:
                    cells.append("–")
                    continue
                lat = r["latency_ms"]
                extra = f", first request {_ms(r.get('first_ms'))}" if phase == "cold" else ""
                cells.append(f"{_n(r['rate'])} req/s: p50 {_ms(lat.get('p50'))} / p99 {_ms(lat.get('p99'))} / p999 {_ms(lat.get('p999'))}{extra}" + (f", {r['errors']} errors" if r["errors"] else ""))
            if any(x != "–" for x in cells):
                rows.append([f"{c} history, {phase}", *cells])
    out += ["Home first page (limit 20) at a fixed rate of 50% of its peak (open-loop client), ms:", "", _table(["", *names], rows), ""]

    # 3. mixed
    rows = []
    for label, fn in [
        ("saturating (wrk -c32)", lambda r: f"{_n(r['mixed']['saturating']['rps'])} req/s, p99 {_ms(r['mixed']['saturating']['latency_ms']['p99'])} ms"),
        ("highest rate with p99 < 50 ms (open loop)", lambda r: f"{_n(r['mixed']['best_rps_p99_under_50ms'])} req/s"),
        ("steps: rate → p99 ms", lambda r: ", ".join(f"{s['rate']:.0f}→{_ms(s['p99'])}" for s in r["mixed"]["steps"])),
    ]:
        cells = []
        for k in kinds:
            try:
                cells.append(fn(B[k]))
            except (KeyError, TypeError):
                cells.append("–")
        rows.append([label, *cells])
    out += ["### 3. Mixed load: 50 home reads to 1 write (post / favourite / follow)", "", _table(["", *names], rows), ""]

    # 4. returning
    rows = []
    for c in ("1k", "1m"):
        cells = []
        for k in kinds:
            r = _get(B[k], "returning", c)
            cells.append("–" if r is None else f"median {_ms(r['median_ms'])} ms, max {_ms(r['max_ms'])} ms ({r['readers']} readers); next read {', '.join(_ms(x) for x in r['next_read_ms'])} ms")
        if any(x != "–" for x in cells):
            rows.append([f"{c} history", *cells])
    out += ["### 4. Returning inactive reader (last active 30 days ago, no feed): first home page", "", _table(["", *names], rows), ""]

    out += ["### Targets", "", _table(["target", *names], targets(results)), ""]
    for k in kinds:
        prof = B[k].get("profile")
        if not prof:
            continue
        out += [f"### Profile ({NAMES.get(k, k)}): py-spy on the server, innermost Parley frame, % of samples", ""]
        for name, p in prof.items():
            what = "samples holding the GIL" if p.get("gil_only") else "samples of active threads"
            out += [f"{name} ({p['samples']} {what}):", "", "```"]
            out += [f"{pct:5.1f}%  {frame}" for frame, pct in p["innermost_parley"][:12]]
            out += ["```", ""]
    for k in kinds:
        if B[k].get("error"):
            out.append(f"**{NAMES.get(k, k)} run failed:** {B[k]['error']}")
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(render(json.loads(Path(sys.argv[1]).read_text())))
