from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from parley.app import create_app
from parley.services import Services
from parley.settings import Settings
from tests.factories import User, make_user

# Authors with more than this many followers are "big": not fanned out, merged at read.
BIG = 3


@dataclass
class World:
    services: Services
    client: TestClient
    make: Callable[..., User]

    def feed(self, user: User) -> list[str]:
        """The raw feed store of ``user`` (not the merged timeline)."""
        from parley.pagination import Page

        with self.services.db.unit(write=False) as uow:
            return [str(i) for i in self.services.feeds.page(uow.session, int(user.id), Page(limit=800))]


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    small = replace(settings, fanout_max_followers=BIG)
    services = Services.build(small)
    try:
        with TestClient(create_app(small, services), base_url="http://parley.test") as client:

            def make(name: str, **kw: Any) -> User:
                return make_user(services, client, name, **kw)

            yield World(services, client, make)
    finally:
        services.close()
