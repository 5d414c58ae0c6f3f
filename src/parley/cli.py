"""The ``parley`` command: serve, migrate, demo, user, token, rules, moderation, transparency, worker, jobs, feeds."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from parley.errors import ParleyError
from parley.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from parley.services import Services
    from parley.store.db import Database


def _settings() -> Settings:
    return Settings.from_env().with_secret()


def _database(settings: Settings) -> Database:
    from parley.store.db import Database

    if settings.database_url.startswith("sqlite:///"):
        path = settings.database_url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return Database(settings.database_url)


def cmd_migrate(args: argparse.Namespace) -> int:
    from parley.store.migrate import upgrade

    db = _database(_settings())
    upgrade(db.engine)
    db.dispose()
    print("database is up to date")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from parley.app import create_app

    settings = _settings()
    if args.workers > 1:
        os.environ.setdefault("PARLEY_SECRET_KEY", settings.secret_key)
        uvicorn.run(
            "parley.cli:_factory", factory=True, host=args.host, port=args.port, workers=args.workers,
            loop="uvloop", http="httptools", log_level=args.log_level, access_log=False,
        )
    else:
        app = create_app(settings)
        _freeze_heap()
        uvicorn.run(
            app, host=args.host, port=args.port, loop="uvloop", http="httptools",
            log_level=args.log_level, access_log=False,
        )
    return 0


def _factory() -> FastAPI:
    from parley.app import create_app

    app = create_app(_settings())
    _freeze_heap()
    return app


def _freeze_heap() -> None:
    """Keep the garbage collector's full passes off the request path.

    A serving process holds about 145,000 objects the collector tracks that live as long
    as the process (modules, classes, functions, the app): ``gc.freeze`` leaves them out
    of every pass. And young collections every 700 new containers promoted the objects
    of requests still running, which then piled up until a full pass. Measured on the
    benchmark's SQLite read phase (about three minutes under load): as Python ships,
    110 full passes of median 105 ms (max 180 ms), each holding every request; frozen,
    125 of median 16 ms (max 104 ms); frozen and collecting young objects every 50,000
    new containers, none, and no pass over 5 ms but four. Cyclic garbage is still
    collected; only the server does this, as tests build many apps in one process."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def cmd_demo(args: argparse.Namespace) -> int:
    from parley.demo import seed

    settings = _settings()
    db = _database(settings)
    try:
        created = seed(db, settings, only_if_empty=args.if_empty, followers=args.followers)
    finally:
        db.dispose()
    print("demo community created" if created else "database is not empty; demo not seeded")
    return 0


def cmd_rules_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from parley.safety.catalog import load_catalog, read_catalog

    rules = read_catalog(Path(args.file) if args.file else None)
    db = _database(_settings())
    try:
        with db.unit() as uow:
            summary = load_catalog(uow.session, rules)
    finally:
        db.dispose()
    print(summary.describe())
    return 0


def cmd_moderation_designate(args: argparse.Namespace) -> int:
    from parley.accounts.service import find_account
    from parley.errors import NotFound
    from parley.safety.public_office import designate, undesignate

    db = _database(_settings())
    try:
        with db.unit() as uow:
            account = find_account(uow.session, args.name.lstrip("@"))
            if account is None:
                raise NotFound(f"There is no account @{args.name.lstrip('@')}")
            if args.remove:
                undesignate(uow.session, None, account)
                print(f"@{account.username} no longer holds a designated public office")
            else:
                office = designate(
                    uow.session, None, account, role=args.role or "", jurisdiction=args.jurisdiction or "",
                    verified=True if args.verified else None,
                )
                print(
                    f"@{account.username}: {office.role} ({office.jurisdiction})"
                    f"{', verified' if account.verified else ', not verified'}, {account.followers_count:,} followers"
                )
    finally:
        db.dispose()
    return 0


def cmd_moderation_purge(args: argparse.Namespace) -> int:
    from parley.safety.decisions import purge_expired

    db = _database(_settings())
    try:
        with db.unit() as uow:
            count = purge_expired(uow.session)
    finally:
        db.dispose()
    print(f"purged {count} suspended account(s) past their retention period")
    return 0


def cmd_media_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from parley.media.service import prune, remove_files

    if args.hours < 1:
        print("--hours must be at least 1", file=sys.stderr)
        return 2
    settings = _settings()
    db = _database(settings)
    try:
        with db.unit() as uow:
            keys = prune(uow.session, timedelta(hours=args.hours))
        remove_files(settings, keys)  # only once the rows are gone for good
    finally:
        db.dispose()
    print(f"removed {len(keys)} image(s) not in any post, or in posts deleted, {args.hours} hours ago or more")
    return 0


def cmd_transparency_export(args: argparse.Namespace) -> int:
    """Statements of reasons since a date, as JSON lines of batches for the DSA database."""
    from datetime import UTC, datetime, time

    from parley.transparency.dsa import parse_date
    from parley.transparency.statements import export_statements

    day = parse_date(args.since)
    if day is None:
        raise ParleyError(f"--since must be a date written YYYY-MM-DD, not {args.since!r}")
    since = datetime.combine(day, time(), UTC)
    settings = _settings()
    db = _database(settings)
    try:
        with db.unit(write=False) as uow:
            if args.out and args.out != "-":
                with open(args.out, "w", encoding="utf-8") as out:
                    result = export_statements(uow.session, settings, since, out)
            else:
                result = export_statements(uow.session, settings, since, sys.stdout)
    finally:
        db.dispose()
    for problem in result.invalid:
        print(f"parley: left out {problem}", file=sys.stderr)
    print(f"exported {result.statements} statement(s) in {result.batches} batch(es)", file=sys.stderr)
    return 1 if result.invalid else 0


def cmd_transparency_verify(args: argparse.Namespace) -> int:
    """Check an instance's transparency log from outside; 0 when it holds, 1 when not."""
    from pathlib import Path

    from parley.transparency.verify import run

    return run(args.url, Path(args.state) if args.state else None)


def cmd_user_create(args: argparse.Namespace) -> int:
    from parley.accounts.service import create_account

    settings = _settings()
    db = _database(settings)
    password = args.password
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = secrets.token_urlsafe(12)
            generated = True
    with db.unit() as uow:
        account = create_account(uow.session, args.name, email=args.email, password=password, role=args.role)
        print(f"created @{account.username} (id {account.id}, role {account.role})")
    if generated:
        print(f"password: {password}")
    db.dispose()
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from parley.accounts.service import find_account
    from parley.oauth.apps import create_personal_token

    db = _database(_settings())
    with db.unit() as uow:
        account = find_account(uow.session, args.name)
        if account is None:
            raise ParleyError(f"no account called {args.name}")
        token = create_personal_token(uow.session, account, args.scopes)
    db.dispose()
    print(token)
    return 0


def _services(job_threads: int = 1) -> Services:
    from parley.services import Services

    settings = _settings()
    _database(settings).dispose()  # makes the SQLite directory if needed
    return Services.build(replace(settings, jobs="off"), job_threads=job_threads)


def cmd_worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from parley.jobs.worker import Worker

    services = _services(job_threads=args.concurrency)
    workers = [Worker(services, batch=args.batch) for _ in range(args.concurrency)]
    threads = [threading.Thread(target=w.run_forever, kwargs={"poll_seconds": args.poll}, daemon=True) for w in workers]

    def stop(*_: object) -> None:
        for w in workers:
            w.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for t in threads:
        t.start()
    print(f"worker running with {args.concurrency} thread(s)", flush=True)
    for t in threads:
        while t.is_alive():
            t.join(timeout=0.5)
    services.close()
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    from parley.jobs import queue
    from parley.jobs.worker import Worker

    services = _services()
    try:
        if args.action == "run":
            print(f"ran {Worker(services).drain()} job(s)")
            return 0
        with services.db.unit() as uow:
            if args.action == "retry":
                print(f"requeued {queue.retry_parked(uow.session)} parked job(s)")
                return 0
            print(f"queued: {queue.pending(uow.session)}")
            for job in queue.parked(uow.session):
                print(f"parked {job.id} {job.kind} attempts={job.attempts} error={job.last_error}")
        return 0
    finally:
        services.close()


def cmd_feeds_rebuild(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from parley.accounts.service import find_account
    from parley.feeds.service import rebuild
    from parley.store.tables import Account

    services = _services()
    try:
        with services.db.unit(write=False) as uow:
            if args.all:
                targets = list(uow.session.scalars(select(Account.id).where(Account.last_active_at.is_not(None))))
            else:
                if not args.name:
                    raise ParleyError("name an account or pass --all")
                account = find_account(uow.session, args.name)
                if account is None:
                    raise ParleyError(f"no account called {args.name}")
                targets = [account.id]
        for account_id in targets:
            with services.db.unit() as uow:
                rebuild(uow.session, services.feeds, services.settings, account_id)
        print(f"rebuilt {len(targets)} feed(s)")
        return 0
    finally:
        services.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley public-conversation server")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info")
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(fn=cmd_migrate)

    p = sub.add_parser("demo", help="seed a demo community")
    p.add_argument("--if-empty", action="store_true", help="only when the database has no accounts")
    p.add_argument("--followers", type=int, default=120_000, help="followers of the head of state")
    p.set_defaults(fn=cmd_demo)

    rules = sub.add_parser("rules", help="manage the rules catalog").add_subparsers(dest="action", required=True)
    p = rules.add_parser("load", help="load the rules catalog into the database (new versions, retirements)")
    p.add_argument("--file", help="a catalog in TOML (default: the one shipped with Parley)")
    p.set_defaults(fn=cmd_rules_load)

    moderation = sub.add_parser("moderation", help="public-interest designations, purging suspended accounts").add_subparsers(
        dest="action", required=True
    )
    p = moderation.add_parser("designate", help="designate an account as a public official or candidate")
    p.add_argument("name", help="the account's username")
    p.add_argument("--role", help='the office, e.g. "President of the United States"')
    p.add_argument("--jurisdiction", default="", help='where, e.g. "United States"')
    p.add_argument("--verified", action="store_true", help="also mark the account verified")
    p.add_argument("--remove", action="store_true", help="remove the designation instead")
    p.set_defaults(fn=cmd_moderation_designate)
    p = moderation.add_parser("purge", help="erase suspended accounts' posts and profiles past their retention period")
    p.set_defaults(fn=cmd_moderation_purge)

    media = sub.add_parser("media", help="uploaded images").add_subparsers(dest="action", required=True)
    p = media.add_parser("prune", help="delete uploads never posted, and the images of deleted posts (run daily)")
    p.add_argument("--hours", type=int, default=24, help="how old they must be (default 24)")
    p.set_defaults(fn=cmd_media_prune)

    transparency = sub.add_parser("transparency", help="statements of reasons and the transparency log").add_subparsers(
        dest="action", required=True
    )
    p = transparency.add_parser(
        "export", help="write statements of reasons as JSON lines, one batch of up to 100 per line, for the DSA database"
    )
    p.add_argument("--since", required=True, help="decisions taken on or after this date (YYYY-MM-DD, UTC)")
    p.add_argument("--out", help="the file to write (default: standard output)")
    p.set_defaults(fn=cmd_transparency_export)
    p = transparency.add_parser(
        "verify",
        help="check an instance's transparency log: signature, every entry, and consistency with the head seen last time",
    )
    p.add_argument("--url", required=True, help="the instance's address, e.g. https://parley.example")
    p.add_argument("--state", help="a file keeping the last verified tree head (read, then updated when all checks pass)")
    p.set_defaults(fn=cmd_transparency_verify)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    p = user.add_parser("create", help="create an account")
    p.add_argument("name")
    p.add_argument("--email", required=True)
    p.add_argument("--password")
    p.add_argument("--role", default="user", choices=["user", "moderator", "admin"])
    p.set_defaults(fn=cmd_user_create)

    p = sub.add_parser("worker", help="run job workers (fan-out, notifications, indexing)")
    p.add_argument("--concurrency", type=int, default=1, help="worker threads in this process")
    p.add_argument("--batch", type=int, default=10, help="jobs leased at a time")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between polls when idle")
    p.set_defaults(fn=cmd_worker)

    p = sub.add_parser("jobs", help="inspect the job queue")
    p.add_argument("action", nargs="?", default="list", choices=["list", "retry", "run"])
    p.set_defaults(fn=cmd_jobs)

    feeds = sub.add_parser("feeds", help="manage home feeds").add_subparsers(dest="action", required=True)
    p = feeds.add_parser("rebuild", help="rebuild home feeds from posts and follows")
    p.add_argument("name", nargs="?")
    p.add_argument("--all", action="store_true", help="every account that has read its home")
    p.set_defaults(fn=cmd_feeds_rebuild)

    token = sub.add_parser("token", help="manage access tokens").add_subparsers(dest="action", required=True)
    p = token.add_parser("create", help="create an access token and print it")
    p.add_argument("name")
    p.add_argument("--scopes", default="read write follow")
    p.set_defaults(fn=cmd_token_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except ParleyError as exc:
        print(f"parley: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
