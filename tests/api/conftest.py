from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from parley.services import Services
from tests.factories import User, make_user


@pytest.fixture
def user(services: Services, client: TestClient) -> Callable[..., User]:
    """Make a user with a token: ``user("alice", locked=True)``."""

    def make(name: str, **kw: Any) -> User:
        return make_user(services, client, name, **kw)

    return make
