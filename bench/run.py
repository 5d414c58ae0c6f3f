"""Parley's benchmark: ``python bench/run.py [--quick] [--backend sqlite|postgres|both]``.

For each backend it generates a synthetic community (bench/community.py), starts
``parley serve`` as a real process pinned to core 0, drives it over HTTP from core 1 with
wrk (saturating runs) and bench/openloop.py (fixed-rate runs), prints a table and writes
bench/results/<mode>-<time>.json. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import community  # noqa: E402
import harness  # noqa: E402
import openloop  # noqa: E402
import report  # noqa: E402
from bulk import Bulk  # noqa: E402

from parley.feeds.service import home_ids, rebuild  # noqa: E402
from parley.jobs import queue  # noqa: E402
from parley.pagination import Page  # noqa: E402
from parley.services import Services  # noqa: E402
from parley.settings import Settings  # noqa: E402
from parley.store.migrate import upgrade  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Plan:
    """Durations (seconds) and counts; quick mode is lighter everywhere."""

    name: str
    scale: community.Scale
    wrk_s: float
    warmup_s: float
    fixed_s: float
    cold_s: float
    post_rate: float
    post_s: float
    post_rounds: int
    feed_posts: int  # posts per author timed into feeds
    feed_sample: int  # followers polled for the 50%/99% marks
    fanout_posts: int  # burst of 10k-author posts for deliveries/s
    mixed_first: float  # first probe as a fraction of the saturating rate, then bisection
    mixed_steps: int
    mixed_step_s: float
    home_variants: tuple[tuple[str, int], ...]
    drain_bound_s: float


FULL = Plan(
    "full", community.FULL, wrk_s=10, warmup_s=3, fixed_s=10, cold_s=10, post_rate=5, post_s=8, post_rounds=4,
    feed_posts=3, feed_sample=1000, fanout_posts=10,
    mixed_first=0.5, mixed_steps=6, mixed_step_s=5,
    home_variants=(("first", 20), ("first", 40), ("deep", 20), ("since", 20)), drain_bound_s=180,
)
QUICK = Plan(
    "quick", community.QUICK, wrk_s=1, warmup_s=1, fixed_s=1.5, cold_s=1.5, post_rate=10, post_s=1, post_rounds=1,
    feed_posts=1, feed_sample=500, fanout_posts=3,
    mixed_first=0.5, mixed_steps=2, mixed_step_s=1,
    home_variants=(("first", 20), ("since", 20)), drain_bound_s=60,
)


def log(msg: str) -> None:
    print(msg, flush=True)


class Backend:
    """One backend's database (and Redis prefix), its settings and the server environment."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir / kind
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.logdir = self.workdir / "logs"
        self.logdir.mkdir(exist_ok=True)
        self.port = harness.free_port()
        self.pg_name: str | None = None
        self.redis_prefix: str | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{self.workdir / 'parley.db'}"
            self.redis_url: str | None = None
        else:
            self.pg_name = f"parley_bench_{secrets.token_hex(4)}"
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
            self.redis_url = REDIS_URL
            self.redis_prefix = f"bench-{secrets.token_hex(6)}"
        self.settings = Settings(
            data_dir=self.workdir, database_url=self.url, redis_url=self.redis_url,
            redis_prefix=self.redis_prefix or "parley", base_url=f"http://127.0.0.1:{self.port}",
            secret_key="bench-secret", rate_limits_enabled=False, jobs="off",
        )
        self.env = {
            **os.environ,
            "PARLEY_DATA_DIR": str(self.workdir),
            "PARLEY_DATABASE_URL": self.url,
            "PARLEY_BASE_URL": f"http://127.0.0.1:{self.port}",
            "PARLEY_SECRET_KEY": "bench-secret",
            "PARLEY_RATE_LIMITS": "false",
        }
        if self.redis_url:
            self.env["PARLEY_REDIS_URL"] = self.redis_url
            self.env["PARLEY_REDIS_PREFIX"] = self.redis_prefix or ""
        else:
            self.env.pop("PARLEY_REDIS_URL", None)

    def create(self) -> None:
        if self.pg_name:
            from sqlalchemy import create_engine, text

            from parley.store.db import normalise_url

            admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.pg_name}"'))
            admin.dispose()

    def drop(self) -> None:
        if self.pg_name:
            from sqlalchemy import create_engine, text

            from parley.store.db import normalise_url

            admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            admin.dispose()
        if self.redis_prefix:
            import redis

            r = redis.Redis.from_url(REDIS_URL)
            deleted = 0
            batch: list[bytes] = []
            for key in r.scan_iter(match=f"{self.redis_prefix}:*", count=5000):
                batch.append(key)
                if len(batch) >= 5000:
                    deleted += r.delete(*batch)
                    batch.clear()
            if batch:
                deleted += r.delete(*batch)
            r.close()
            log(f"  deleted {deleted:,} Redis keys with prefix {self.redis_prefix}")


class Bench:
    def __init__(self, backend: Backend, plan: Plan, *, profile: bool = False) -> None:
        self.b = backend
        self.plan = plan
        self.profile = profile
        self.worker_profile: dict[str, Any] | None = None
        self.result: dict[str, Any] = {"backend": backend.kind}
        self.services: Services | None = None
        self.com: community.Community | None = None
        self.readers: dict[str, list[tuple[str, int, int]]] = {}
        self.files: dict[str, Path] = {}

    # --- setup ----------------------------------------------------------------------

    def setup(self) -> None:
        b = self.b
        b.create()
        svc = Services.build(b.settings)
        self.services = svc
        upgrade(svc.db.engine)
        log(f"[{b.kind}] generating the community ({self.plan.name} scale)")
        started = time.perf_counter()
        self.com = community.generate(Bulk(svc.db.engine), self.plan.scale, log=log)
        gen_s = time.perf_counter() - started
        started = time.perf_counter()
        self.readers["1k"] = self._build_feeds(self.com.readers)
        self.readers["1m"] = self._build_feeds(self.com.heavy)
        feeds_s = time.perf_counter() - started
        self.files.update({f"readers_{c}": b.workdir / f"readers_{c}.tsv" for c in ("1k", "1m")})
        self._refresh_since_ids()
        self.result["data"] = {**self.com.summary(), "generate_s": round(gen_s, 1), "feeds_built": sum(len(v) for v in self.readers.values()), "feeds_s": round(feeds_s, 1)}
        log(f"[{b.kind}] community in {gen_s:.1f} s, {self.result['data']['feeds_built']} feeds built in {feeds_s:.1f} s")
        path = b.workdir / "posts.txt"
        path.write_text("".join(f"{p}\n" for p in self.com.member_post_ids))
        self.files["posts"] = path
        path = b.workdir / "accounts.txt"
        path.write_text("".join(f"{a}\n" for a in self.com.member_ids[:2000]))
        self.files["accounts"] = path

    def _build_feeds(self, readers: list[community.Reader]) -> list[tuple[str, int, int]]:
        """Fill the readers' feeds with what ``rebuild`` would put there, computed from the
        generated data (``FeedStore.replace``): rebuilding a 1k-history feed with the
        database's query takes seconds on PostgreSQL (see README), too slow for 1,000 readers.
        On SQLite the first readers are checked against ``rebuild`` itself."""
        svc, com = self.services, self.com
        assert svc is not None and com is not None
        size, fanout_max = svc.settings.feed_size, svc.settings.fanout_max_followers
        out = []
        for n, r in enumerate(readers):
            ids = com.feed_of(r.id, size, fanout_max)
            with svc.db.unit() as uow:
                svc.feeds.replace(uow.session, r.id, ids)
            if n < 3 and self.b.kind == "sqlite":
                with svc.db.unit() as uow:
                    check = rebuild(uow.session, svc.feeds, svc.settings, r.id)
                if check != ids:
                    raise RuntimeError(f"generated feed of {r.id} differs from rebuild(): {len(check)} vs {len(ids)} posts")
            deep = ids[min(600, len(ids) - 1)] if ids else 0
            out.append((r.token, deep, 0))
        return out

    def pending(self) -> int:
        assert self.services is not None
        with self.services.db.unit(write=False) as uow:
            return queue.pending(uow.session)

    def wait_drain(self, bound: float, poll: float = 0.02) -> float | None:
        started = time.perf_counter()
        while time.perf_counter() - started < bound:
            if self.pending() == 0:
                return time.perf_counter() - started
            time.sleep(poll)
        return None

    # --- 1. posting and fan-out -------------------------------------------------------

    def section_posting(self) -> None:
        b, plan, com = self.b, self.plan, self.com
        assert com is not None and self.services is not None
        log(f"[{b.kind}] 1. posting: server with PARLEY_JOBS=off + one `parley worker` on core {harness.LOAD_CORE}")
        server = harness.Server(b.env, b.port, b.logdir, "off")
        worker = harness.Proc(
            "worker", [harness.PARLEY, "worker", "--concurrency", "1", "--poll", "0.05"], b.env,
            harness.LOAD_CORE, b.logdir,
        )
        out: dict[str, Any] = {"authors": {}}
        try:
            server.wait_ready()
            client = harness.Client(b.port)
            # a few posts to warm the path up
            for i in range(5):
                client.call("POST", "/api/v1/statuses", com.specials["a0"].token, {"status": f"warm-up {i}"})
            self.wait_drain(plan.drain_bound_s)
            # Rounds, each author in turn and the order rotated every round, so whatever
            # drifts during the section (the database growing, the machine's other work)
            # falls on every author alike, not on whoever posts last.
            names = [name for name, _ in community.SPECIALS]
            latencies: dict[str, list[float]] = {name: [] for name in names}
            errors = dict.fromkeys(names, 0)
            drains: dict[str, list[float | None]] = {name: [] for name in names}
            segment_s = plan.post_s / plan.post_rounds
            for r in range(plan.post_rounds):
                for name in names[r % len(names):] + names[: r % len(names)]:
                    author = com.specials[name]
                    reqs = harness.post_requests(
                        b.port, author.token, int(plan.post_rate * segment_s) + 2, f"post-{name}-{r}"
                    )
                    res = harness.run_openloop(
                        b.port, reqs, rate=plan.post_rate, duration=segment_s, workdir=b.workdir,
                        label=f"post {name} round {r}", logdir=b.logdir, raw=True,
                    )
                    latencies[name].extend(res["raw_s"])
                    errors[name] += res["errors"]
                    drains[name].append(self.wait_drain(plan.drain_bound_s))
            for name in names:
                lat = openloop.percentiles(latencies[name])
                worst = None if None in drains[name] else max(d for d in drains[name] if d is not None)
                entry = {
                    "followers": com.followers_count[name],
                    "real_follow_rows": len(com.special_followers[name]),
                    "rate": plan.post_rate,
                    "rounds": plan.post_rounds,
                    "latency_ms": lat,
                    "errors": errors[name],
                    "drain_s": None if worst is None else round(worst, 2),
                }
                out["authors"][name] = entry
                log(f"  POST as {name}: p50 {lat.get('p50')} ms p99 {lat.get('p99')} ms over {lat.get('n')} posts, "
                    f"errors {errors[name]}, queue drained within {entry['drain_s']} s")
            # Time until a new post is in the followers' feeds.
            harness.pin_self(harness.SERVER_CORE)  # poll from the (idle) server core, not the worker's
            try:
                for name in ("a100", "a10k", "a100k", "a10m"):
                    out["authors"][name]["feed"] = self._time_to_feeds(client, name)
            finally:
                harness.pin_self(harness.LOAD_CORE)
            out["fanout"] = self._fanout_rate(client, worker.pid)
            client.close()
        finally:
            worker.stop()
            server.stop()
        self.result["posting"] = out

    def _time_to_feeds(self, client: harness.Client, name: str) -> dict[str, Any]:
        com, svc, plan = self.com, self.services, self.plan
        assert com is not None and svc is not None
        author = com.specials[name]
        followers = com.special_followers[name]
        merged = com.followers_count[name] > svc.settings.fanout_max_followers
        rng = random.Random(11)
        runs = []
        for k in range(plan.feed_posts):
            self.wait_drain(plan.drain_bound_s)
            t0 = time.perf_counter()
            status, body, post_s = client.call("POST", "/api/v1/statuses", author.token, {"status": f"feed timing {name} {k} {rng.random()}"})
            if status != 200:
                runs.append({"error": status})
                continue
            post_id = int(body["id"])
            run: dict[str, Any] = {"post_ms": round(post_s * 1000, 2)}
            if merged:
                # Not fanned out: merged into each follower's home at read time. Check that
                # sample followers' first home page shows it.
                sample = [r for r in self.readers["1k"][:5]]
                seen = 0
                for token, _, _ in sample:
                    st, page, _ = client.call("GET", "/api/v1/timelines/home?limit=20", token)
                    if st == 200 and any(int(s["id"]) == post_id for s in page):
                        seen += 1
                run.update({"mode": "read-time merge", "sample": len(sample), "seen": seen,
                            "all_seen_s": round(time.perf_counter() - t0, 4) if seen == len(sample) else None})
                runs.append(run)
                continue
            sample = followers if len(followers) <= plan.feed_sample else rng.sample(followers, plan.feed_sample)
            marks: dict[str, float] = {}
            deadline = t0 + 60
            n = 0
            while time.perf_counter() < deadline:
                with svc.db.unit(write=False) as uow:
                    n = svc.feeds.count_containing(uow.session, sample, post_id)
                now = time.perf_counter() - t0
                for q, key in ((0.5, "p50_s"), (0.99, "p99_s"), (1.0, "sample_all_s")):
                    if n >= q * len(sample) and key not in marks:
                        marks[key] = round(now, 4)
                if n >= len(sample):
                    break
                time.sleep(0.002)
            full = 0
            while time.perf_counter() < deadline:
                with svc.db.unit(write=False) as uow:
                    full = svc.feeds.count_containing(uow.session, followers, post_id)
                if full >= len(followers):
                    marks["all_s"] = round(time.perf_counter() - t0, 4)
                    break
                time.sleep(0.02)
            run.update({"mode": "fan-out", "sample": len(sample), "followers": len(followers), "delivered": full, **marks})
            runs.append(run)
        log(f"  feeds after a post by {name}: {runs}")
        return {"runs": runs}

    def _fanout_rate(self, client: harness.Client, worker_pid: int) -> dict[str, Any]:
        com, svc, plan = self.com, self.services, self.plan
        assert com is not None and svc is not None
        author = com.specials["a10k"]
        followers = com.special_followers["a10k"]
        self.wait_drain(plan.drain_bound_s)
        spy = None
        if self.profile:
            import spy as prof

            spy_path = self.b.workdir / "profile-worker_fanout.raw"
            spy = prof.record(worker_pid, 2, spy_path, gil=False)
            time.sleep(0.3)
        t0 = time.perf_counter()
        ids = []
        for k in range(plan.fanout_posts):
            st, body, _ = client.call("POST", "/api/v1/statuses", author.token, {"status": f"fan-out burst {k} {random.random()}"})
            if st == 200:
                ids.append(int(body["id"]))
        posted = time.perf_counter() - t0
        drained = self.wait_drain(plan.drain_bound_s, poll=0.01)
        elapsed = time.perf_counter() - t0 if drained is not None else None
        with svc.db.unit(write=False) as uow:
            delivered = sum(svc.feeds.count_containing(uow.session, followers, p) for p in ids)
        deliveries = delivered + len(ids)  # + the author's own feed
        rate = deliveries / elapsed if elapsed else None
        out = {
            "posts": len(ids), "followers": len(followers), "deliveries": deliveries,
            "posting_s": round(posted, 3), "elapsed_s": None if elapsed is None else round(elapsed, 3),
            "deliveries_per_s": None if rate is None else round(rate),
        }
        log(f"  fan-out burst: {out}")
        if spy is not None:
            spy.wait(timeout=60)
            if spy_path.exists():
                self.worker_profile = {"gil_only": False, **prof.summarise(spy_path, 20)}
                shutil.copy(spy_path, self.b.logdir / spy_path.name)
        return out

    # --- 2-5. reads, mixed load, rebuilds, ceiling --------------------------------------

    def section_reads(self) -> None:
        b, plan = self.b, self.plan
        log(f"[{b.kind}] 2-5. reads: server with PARLEY_JOBS=thread (default), warm")
        self._refresh_since_ids()
        server = harness.Server(b.env, b.port, b.logdir, "thread")
        try:
            ready = server.wait_ready()
            self.result["server_start_s"] = round(ready, 2)
            cohorts = [c for c in ("1k", "1m") if self.readers.get(c)]
            for c in cohorts:  # warm-up, discarded
                harness.run_wrk(b.port, "home.lua", [str(self.files[f"readers_{c}"]), "first", "20"], duration=plan.warmup_s, logdir=b.logdir, label=f"warm-up {c}")
            harness.run_wrk(b.port, "health.lua", [], duration=plan.warmup_s, logdir=b.logdir, label="warm-up health")
            ceiling = harness.run_wrk(b.port, "health.lua", [], duration=plan.wrk_s, logdir=b.logdir, label="health")
            self.result["ceiling"] = ceiling
            log(f"  GET /health: {ceiling['rps']:,.0f} req/s")
            home: dict[str, Any] = {}
            for c in cohorts:
                home[c] = {}
                for mode, limit in plan.home_variants:
                    key = f"{mode}{limit}"
                    res = harness.run_wrk(
                        b.port, "home.lua", [str(self.files[f"readers_{c}"]), mode, str(limit)],
                        duration=plan.wrk_s, logdir=b.logdir, label=f"home {c} {key}",
                    )
                    res["fraction_of_ceiling"] = round(res["rps"] / ceiling["rps"], 3)
                    home[c][key] = res
                    log(f"  home {c} {key}: {res['rps']:,.0f} req/s ({res['fraction_of_ceiling']:.0%} of /health), "
                        f"p50 {res['latency_ms']['p50']} ms p99 {res['latency_ms']['p99']} ms, errors {res['errors']}")
            self.result["home"] = home
            fixed: dict[str, Any] = {}
            for c in cohorts:
                rate = max(1.0, round(home[c]["first20"]["rps"] * 0.5))
                reqs = harness.home_requests(b.port, self.readers[c], int(rate * plan.fixed_s) + 10)
                res = harness.run_openloop(b.port, reqs, rate=rate, duration=plan.fixed_s, workdir=b.workdir, label=f"fixed warm {c}", logdir=b.logdir)
                fixed[c] = {"warm": res}
                log(f"  home {c} first20 at {rate:.0f} req/s (50% of peak), warm: p50 {res['latency_ms']['p50']} "
                    f"p99 {res['latency_ms']['p99']} p999 {res['latency_ms']['p999']} ms, errors {res['errors']}")
            self.result["home_fixed"] = fixed
            self.section_returning(b.port)
            self.section_mixed(b.port)
            self.result["mixed"]["drain_s"] = self.wait_drain(plan.drain_bound_s)
            if self.profile:
                self.section_profile(server)
        finally:
            server.stop()
        # Cold: right after a server start.
        for c in cohorts:
            server = harness.Server(b.env, b.port, b.logdir, "thread")
            try:
                ready = server.wait_ready()
                rate = max(1.0, round(self.result["home"][c]["first20"]["rps"] * 0.5))
                reqs = harness.home_requests(b.port, self.readers[c], int(rate * plan.cold_s) + 10)
                res = harness.run_openloop(b.port, reqs, rate=rate, duration=plan.cold_s, workdir=b.workdir, label=f"fixed cold {c}", logdir=b.logdir)
                res["server_start_s"] = round(ready, 2)
                self.result["home_fixed"][c]["cold"] = res
                log(f"  home {c} first20 at {rate:.0f} req/s, cold (from server start): first request {res['first_ms']} ms, "
                    f"p50 {res['latency_ms']['p50']} p99 {res['latency_ms']['p99']} p999 {res['latency_ms']['p999']} ms")
            finally:
                server.stop()

    def _refresh_since_ids(self) -> None:
        """since_id = each reader's newest home post now, so polling finds (almost) nothing new."""
        svc = self.services
        assert svc is not None
        com = self.com
        assert com is not None
        by_token = {r.token: r.id for r in com.readers + com.heavy}
        for c, rows in self.readers.items():
            fresh = []
            for token, deep, _ in rows:
                with svc.db.unit(write=False) as uow:
                    top = home_ids(uow.session, svc.feeds, svc.settings, by_token[token], Page(limit=1))
                fresh.append((token, deep, top[0] if top else 0))
            self.readers[c] = fresh
            if fresh:
                self.files[f"readers_{c}"].write_text("".join(f"{t}\t{d}\t{s}\n" for t, d, s in fresh))

    def section_profile(self, server: harness.Server) -> None:
        """py-spy on the server while it serves home pages and posts (extra, not timed)."""
        import spy as prof

        b, plan, com = self.b, self.plan, self.com
        assert com is not None
        seconds = max(3, int(plan.wrk_s))
        out: dict[str, Any] = {}

        def spy(name: str, gil: bool, load: Any) -> None:
            path = b.workdir / f"profile-{name}.raw"
            p = prof.record(server.proc.pid, seconds, path, gil=gil)
            time.sleep(0.3)
            load()
            p.wait(timeout=seconds + 60)
            if path.exists():
                out[name] = {"gil_only": gil, **prof.summarise(path, 20)}
                shutil.copy(path, b.logdir / path.name)
                log(f"  profile {name}: {out[name]['samples']} samples; top: {out[name]['innermost_parley'][:3]}")

        spy("home_1k_first20", True, lambda: harness.run_wrk(
            b.port, "home.lua", [str(self.files["readers_1k"]), "first", "20"], duration=seconds, logdir=b.logdir, label="profile home"))
        for name in ("a0", "a10m"):
            reqs = harness.post_requests(b.port, com.specials[name].token, seconds * 10 + 5, f"profile-{name}")
            spy(f"post_{name}", False, lambda reqs=reqs: harness.run_openloop(
                b.port, reqs, rate=10, duration=seconds, workdir=b.workdir, label="profile post", logdir=b.logdir))
            self.wait_drain(plan.drain_bound_s)
        if self.worker_profile:
            out["worker_fanout_burst"] = self.worker_profile
        self.result["profile"] = out

    def section_returning(self, port: int) -> None:
        com = self.com
        assert com is not None
        client = harness.Client(port)
        out: dict[str, Any] = {}
        for c, readers, history in (("1k", com.returning_1k, com.history_1k), ("1m", com.returning_1m, com.history_1m)):
            if not readers:
                continue
            first, second = [], []
            for n, r in enumerate(readers):
                if n >= 2 and max(x or 0 for x in first) > 5000:
                    break  # bounded: slow rebuilds (seconds each) are measured on two readers
                st, body, t = client.call("GET", "/api/v1/timelines/home?limit=20", r.token)
                first.append(round(t * 1000, 2) if st == 200 and body else None)
                st, body, t = client.call("GET", "/api/v1/timelines/home?limit=20", r.token)
                second.append(round(t * 1000, 2) if st == 200 else None)
            ok = sorted(x for x in first if x is not None)
            out[c] = {
                "history": history, "readers": len(first), "first_page_ms": first, "next_read_ms": second,
                "median_ms": ok[len(ok) // 2] if ok else None, "max_ms": ok[-1] if ok else None,
            }
            log(f"  returning reader ({c} history), first home page (rebuild): {first} ms; next read {second} ms")
        client.close()
        self.result["returning"] = out

    def section_mixed(self, port: int) -> None:
        b, plan, com = self.b, self.plan, self.com
        assert com is not None
        sat = harness.run_wrk(
            port, "mixed.lua",
            [str(self.files["readers_1k"]), str(self.files["posts"]), str(self.files["accounts"])],
            duration=plan.wrk_s, logdir=b.logdir, label="mixed saturating",
        )
        log(f"  mixed (wrk, saturating): {sat['rps']:,.0f} req/s, p99 {sat['latency_ms']['p99']} ms, errors {sat['errors']}")
        self.wait_drain(plan.drain_bound_s)
        steps = []
        best = None
        lo, hi = 0.0, sat["rps"]  # lo passed (or nothing yet), hi is assumed to fail
        rate = round(sat["rps"] * plan.mixed_first)
        for _ in range(plan.mixed_steps):
            rate = max(1.0, round(rate))
            reqs = harness.mixed_requests(port, self.readers["1k"], com.member_post_ids, com.member_ids[:2000], int(rate * plan.mixed_step_s) + 10)
            res = harness.run_openloop(port, reqs, rate=rate, duration=plan.mixed_step_s, workdir=b.workdir, label=f"mixed {rate}", logdir=b.logdir)
            ok = res["errors"] == 0 and res["latency_ms"].get("p99", 1e9) < 50
            steps.append({"rate": rate, "ok": ok, "p50": res["latency_ms"].get("p50"), "p99": res["latency_ms"].get("p99"),
                          "p999": res["latency_ms"].get("p999"), "errors": res["errors"], "achieved_rps": res["achieved_rps"],
                          "kinds": res["kinds"]})
            log(f"  mixed at {rate:.0f} req/s: p50 {res['latency_ms'].get('p50')} p99 {res['latency_ms'].get('p99')} ms, errors {res['errors']} -> {'ok' if ok else 'over'}")
            self.wait_drain(plan.drain_bound_s)
            if ok:
                best = rate if best is None else max(best, rate)
                lo = rate
            else:
                hi = rate
            nxt = (lo + hi) / 2
            if abs(nxt - rate) < max(1.0, 0.03 * sat["rps"]):
                break
            rate = nxt
        self.result["mixed"] = {"saturating": sat, "steps": steps, "best_rps_p99_under_50ms": best}

    def close(self) -> None:
        if self.services is not None:
            self.services.close()
            self.services = None


def machine() -> dict[str, Any]:
    cpu = ""
    mem = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
        "commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "wrk": subprocess.run([harness.ensure_wrk(), "--version"], capture_output=True, text=True).stdout.split("\n")[0].strip(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="lighter data and shorter runs (about half a minute a backend)")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (databases, logs)")
    ap.add_argument("--profile", action="store_true", help="also profile the server with py-spy (pip install py-spy)")
    ap.add_argument("--ten-million-real", type=int, default=None, help="real follow rows behind the 10M author")
    args = ap.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.ten_million_real:
        plan = replace(plan, scale=replace(plan.scale, ten_million_real=args.ten_million_real))
    harness.ensure_wrk()
    if args.profile and not (Path(sys.executable).parent / "py-spy").exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    harness.pin_self(harness.LOAD_CORE)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on `kill`
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    results: dict[str, Any] = {
        "mode": plan.name, "started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "backends": {},
    }
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    failed = False
    try:
        for kind in backends:
            b = Backend(kind, workdir)
            bench = Bench(b, plan, profile=args.profile)
            # src/ may change while a long run goes on: note what each backend ran.
            m = machine()
            bench.result["commit"] = m["commit"]
            bench.result["dirty"] = m["dirty"]
            t = time.perf_counter()
            try:
                bench.setup()
                bench.section_posting()
                bench.section_reads()
            except Exception as exc:  # report what was measured, then the failure
                import traceback

                traceback.print_exc()
                bench.result["error"] = f"{type(exc).__name__}: {exc}"
                failed = True
            finally:
                bench.close()
                bench.result["seconds"] = round(time.perf_counter() - t, 1)
                results["backends"][kind] = bench.result
                # Keep the logs (server, worker, wrk, open-loop, profiles): they are small.
                logs = HERE / "results" / f"logs-{plan.name}-{stamp}-{kind}"
                shutil.copytree(b.logdir, logs, dirs_exist_ok=True)
                bench.result["logs"] = str(logs.relative_to(HERE.parent))
                if not args.keep:
                    b.drop()
                elif b.pg_name:
                    log(f"kept PostgreSQL database {b.pg_name} and Redis keys {b.redis_prefix}:* (drop them yourself)")
            log(f"[{kind}] done in {bench.result['seconds']:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"work directory kept: {workdir}")
    results["seconds"] = round(time.perf_counter() - started, 1)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"{plan.name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1))
    print()
    print(report.render(results))
    print(f"\nresults: {path.relative_to(HERE.parent)} ({results['seconds']:.0f} s in all)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
