"""The transparency log at scale: appends, proofs and signed tree heads at a million entries.

    .venv/bin/python bench/transparency.py [--entries 1000000] [--batch 1000] [--proofs 1000]
                                           [--database-url URL] [--verify] [--keep]

On SQLite in a temporary directory unless ``--database-url`` names another database (an
empty, migrated one is made from it for PostgreSQL: ``parley_bench_tlog_<random>``, dropped
afterwards). It writes one account and ``--entries`` bare decision rows (bulk, not timed),
then appends one log entry per decision with ``parley.transparency.log.append_entry``, the
function ``decide`` calls, ``--batch`` appends per transaction (a decision's own
transaction holds one). Statements are synthetic but shaped and sized like real public
statements (about 1.1 kB of canonical JSON).

Then, at the final size, ``--proofs`` random requests of each kind: inclusion proofs
(``log.inclusion_proof`` for a random leaf in the whole tree) and consistency proofs (from a
random size to the whole tree), the signed tree head (``log.tree_head``: size, root, key
file read, Ed25519 signature), each timed in the domain (one read transaction each) and
through the HTTP API in process (Starlette's TestClient: routing, thread hop, JSON, no
socket). ``--verify`` also runs ``parley transparency verify`` over the whole log in
process. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from parley.accounts.service import create_account  # noqa: E402
from parley.app import create_app  # noqa: E402
from parley.services import Services  # noqa: E402
from parley.settings import Settings  # noqa: E402
from parley.store.db import normalise_url  # noqa: E402
from parley.store.migrate import upgrade  # noqa: E402
from parley.store.tables import Decision, TransparencyEntry  # noqa: E402
from parley.transparency import keys, log, merkle  # noqa: E402
from parley.transparency.verify import CT  # noqa: E402
from parley.transparency.verify import run as verify_run  # noqa: E402


def statement(i: int) -> dict[str, Any]:
    """A public statement of reasons of the usual shape and size."""
    return {
        "application_date": "2026-11-24",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "automated_detection": "No",
        "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "category_specification": ["KEYWORD_HATE_SPEECH"],
        "content_date": "2026-11-24",
        "content_language": "EN",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "decision_facts": f"The post insults a person for who they are (synthetic decision {i}).",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"],
        "end_date_visibility_restriction": "",
        "incompatible_content_explanation": "Insulting a person for who they are breaks the rule on abuse and harassment.",
        "incompatible_content_ground": "Parley rule abuse-harassment (version 1): Abuse and harassment",
        "incompatible_content_illegal": "No",
        "puid": f"parley-decision-{i}",
        "source_type": "SOURCE_ARTICLE_16",
        "territorial_scope": ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                              "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
                              "SI", "SK"],
        "parley": {
            "rule": {"id": "abuse-harassment", "version": 1, "url": "https://parley.example/rules#abuse-harassment"},
            "actions": ["limit_reach"],
            "subject": {"pseudonym": f"acct-{secrets.token_hex(10)}", "public": False},
        },
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def make_database(url: str | None, work: Path) -> tuple[str, Callable[[], None]]:
    if url is None:
        return f"sqlite:///{work / 'parley.db'}", lambda: None
    name = f"parley_bench_tlog_{secrets.token_hex(4)}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="appends per transaction")
    parser.add_argument("--proofs", type=int, default=1000, help="samples of each kind of proof")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite in a temporary directory)")
    parser.add_argument("--verify", action="store_true", help="also verify the whole log as a monitor would")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="parley-bench-tlog-"))
    url, drop = make_database(args.database_url, work)
    settings = Settings(data_dir=work, database_url=url, secret_key="bench", jobs="off", rate_limits_enabled=False)
    services = Services.build(settings)
    rows: list[tuple[str, str]] = []
    try:
        upgrade(services.db.engine)
        with services.db.unit() as uow:
            account_id = create_account(uow.session, "subject", email="subject@example.org", password="correct horse").id

        # Bare decision rows, bulk (not timed): the entries' foreign keys need them.
        t0 = time.perf_counter()
        base = datetime(2026, 11, 24, tzinfo=UTC)
        first_id = 10**15
        for start in range(0, args.entries, 50_000):
            chunk = range(start, min(args.entries, start + 50_000))
            with services.db.unit() as uow:
                uow.session.execute(
                    insert(Decision),
                    [{"id": first_id + i, "account_id": account_id, "rule_id": "abuse-harassment", "rule_version": 1,
                      "reasons": "Synthetic.", "created_at": base} for i in chunk],
                )
        print(f"{args.entries:,} decision rows written in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

        # Appends, timed.
        t0 = time.perf_counter()
        last_report = t0
        for start in range(0, args.entries, args.batch):
            with services.db.unit() as uow:
                for i in range(start, min(args.entries, start + args.batch)):
                    log.append_entry(uow.session, first_id + i, statement(i), now=base + timedelta(milliseconds=i))
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                done = min(args.entries, start + args.batch)
                print(f"  {done:,} appended, {done / (last_report - t0):,.0f}/s", file=sys.stderr)
        append_seconds = time.perf_counter() - t0
        n = args.entries
        rows.append(("appends", f"{n:,} in {append_seconds:,.0f} s: **{n / append_seconds:,.0f}/s** ({append_seconds / n * 1e6:,.0f} µs each, batches of {args.batch:,})"))

        with services.db.unit(write=False) as uow:
            assert log.tree_size(uow.session) == n
            root = log.root(uow.session, n)
        rng = random.Random(1)

        def in_unit(work: Callable[[Any], Any]) -> Callable[[], Any]:
            def run() -> Any:
                with services.db.unit(write=False) as uow:
                    return work(uow.session)

            return run

        # Spot checks: the proofs served verify against the stored root.
        with services.db.unit(write=False) as uow:
            for _ in range(20):
                m = rng.randrange(n)
                data = log.entries(uow.session, m, m)[0]
                assert merkle.verify_inclusion(merkle.leaf_hash(data), m, n, log.inclusion_proof(uow.session, m, n), root)
                m = rng.randrange(1, n)
                assert merkle.verify_consistency(m, n, log.root(uow.session, m), root, log.consistency_proof(uow.session, m, n))

        domain = {
            "inclusion proof": timed(in_unit(lambda s: log.inclusion_proof(s, rng.randrange(n), n)), args.proofs),
            "consistency proof": timed(in_unit(lambda s: log.consistency_proof(s, rng.randrange(1, n), n)), args.proofs),
            "signed tree head": timed(in_unit(lambda s: log.tree_head(s, settings)), args.proofs),
        }
        app = create_app(settings, services)
        with TestClient(app) as client:
            def get(path: str, **params: Any) -> Callable[[], Any]:
                def run() -> Any:
                    r = client.get(path, params={k: v() if callable(v) else v for k, v in params.items()})
                    assert r.status_code == 200, r.text
                    return r

                return run

            # Leaf hashes for get-proof-by-hash are drawn before timing: only requests are timed.
            hashes = iter([_leaf_b64(services, rng.randrange(n)) for _ in range(args.proofs)])
            http = {
                "inclusion proof": timed(get(f"{CT}/get-proof-by-hash", hash=lambda: next(hashes), tree_size=n), args.proofs),
                "consistency proof": timed(get(f"{CT}/get-sth-consistency", first=lambda: rng.randrange(1, n), second=n), args.proofs),
                "signed tree head": timed(get(f"{CT}/get-sth"), args.proofs),
            }
            page = timed(get(f"{CT}/get-entries", start=lambda: rng.randrange(n - 1000), end=lambda: n - 1), 50)

            for name in domain:
                d, h = domain[name], http[name]
                rows.append((name, f"domain p50 {pct(d, 0.5):.2f} ms, p99 {pct(d, 0.99):.2f} ms; HTTP p50 {pct(h, 0.5):.2f} ms, p99 {pct(h, 0.99):.2f} ms"))
            rows.append(("get-entries, 1,000 entries", f"HTTP p50 {pct(page, 0.5):.0f} ms, p99 {pct(page, 0.99):.0f} ms"))

            if args.verify:
                def fetch(path: str, query: Any) -> Any:
                    r = client.get(path, params=dict(query))
                    assert r.status_code == 200, r.text
                    return r.json()

                t0 = time.perf_counter()
                code = verify_run("bench", work / "head.json", fetch=fetch, say=lambda line: print(line, file=sys.stderr))
                rows.append(("verify the whole log", f"{time.perf_counter() - t0:,.0f} s (exit code {code}; in process, no socket)"))

        if url.startswith("sqlite"):
            size = sum(p.stat().st_size for p in work.glob("parley.db*"))
            rows.append(("SQLite file", f"{size / 1e9:.2f} GB ({size / n:,.0f} bytes per entry, decision rows included)"))
        with services.db.unit(write=False) as uow:
            nodes = uow.session.execute(text("SELECT count(*) FROM transparency_nodes")).scalar_one()
        rows.append(("stored subtree hashes", f"{nodes:,} (n - popcount(n) = {n - n.bit_count():,})"))
    finally:
        services.close()
        drop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n| transparency log, {args.entries:,} entries, {backend} | |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\n{args.proofs:,} samples of each proof and of the head; 50 pages of entries.")
    return 0


def _leaf_b64(services: Services, index: int) -> str:
    with services.db.unit(write=False) as uow:
        leaf = uow.session.scalar(select(TransparencyEntry.leaf_hash).where(TransparencyEntry.leaf_index == index))
    assert leaf is not None
    return keys.b64(bytes(leaf))


if __name__ == "__main__":
    sys.exit(main())
