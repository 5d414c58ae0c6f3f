"""The ``parley`` command: serve, migrate, demo, user, token."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from parley.errors import ParleyError
from parley.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

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
        uvicorn.run(
            create_app(settings), host=args.host, port=args.port, loop="uvloop", http="httptools",
            log_level=args.log_level, access_log=False,
        )
    return 0


def _factory() -> FastAPI:
    from parley.app import create_app

    return create_app(_settings())


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

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    p = user.add_parser("create", help="create an account")
    p.add_argument("name")
    p.add_argument("--email", required=True)
    p.add_argument("--password")
    p.add_argument("--role", default="user", choices=["user", "moderator", "admin"])
    p.set_defaults(fn=cmd_user_create)

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
