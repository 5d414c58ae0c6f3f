"""Test harness: every test that uses ``services`` runs on SQLite and, when
``PARLEY_TEST_DATABASE_URL`` is set, again on PostgreSQL (with Redis from
``PARLEY_TEST_REDIS_URL``). Each test gets an empty, migrated database of its own.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from parley.app import create_app
from parley.services import Services
from parley.settings import Settings
from parley.store.db import Database, normalise_url
from parley.store.migrate import upgrade
from parley.store.tables import Base

PG_URL = os.environ.get("PARLEY_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
BASE_URL = "http://parley.test"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "parley.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server, dropped at the end."""
    assert PG_URL is not None
    name = f"parley_test_{secrets.token_hex(4)}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    base = Settings(
        data_dir=tmp_path,
        base_url=BASE_URL,
        secret_key="test-secret",
        rate_limits_enabled=False,
        jobs="inline",
        audit_rate=0.0,  # sampling is random; tests that audit draw themselves
        detectors=(),  # automated flags would open cases; the detector tests switch them on
    )
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "parley.db"
        shutil.copy(template, path)
        return replace(base, database_url=f"sqlite:///{path}")
    url = request.getfixturevalue("pg_database")
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names}, post_search CASCADE"))
    engine.dispose()
    return replace(base, database_url=url, redis_url=REDIS_URL, redis_prefix=f"test-{secrets.token_hex(6)}")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services.build(settings)
    yield svc
    svc.close()


@pytest.fixture
def app(settings: Settings, services: Services) -> Any:
    return create_app(settings, services)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as c:
        yield c
