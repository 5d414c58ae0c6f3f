from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from parley.services import Services
from tests.moderation import staff_world


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    """The rules loaded, an admin, two moderators, and ``make`` for anyone else."""
    return staff_world(services, client)
