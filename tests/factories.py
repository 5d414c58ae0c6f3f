"""Test data made through the domain functions, so it obeys the same rules as real data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

from parley.accounts.service import create_account
from parley.oauth.apps import create_personal_token
from parley.services import Services


@dataclass
class User:
    """An account, a token for it, and an API client that sends the token."""

    id: str
    username: str
    token: str
    client: TestClient

    def _h(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, headers=self._h(kw.pop("headers", None)), **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, headers=self._h(kw.pop("headers", None)), **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.put(path, headers=self._h(kw.pop("headers", None)), **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.patch(path, headers=self._h(kw.pop("headers", None)), **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.delete(path, headers=self._h(kw.pop("headers", None)), **kw)

    def status(self, text: str, **fields: Any) -> dict[str, Any]:
        """Post and return the status entity; fails the test on any error."""
        r = self.post("/api/v1/statuses", json={"status": text, **fields})
        assert r.status_code == 200, r.text
        return r.json()


def make_user(
    services: Services,
    client: TestClient,
    username: str,
    *,
    scopes: str = "read write follow push",
    **fields: Any,
) -> User:
    with services.db.unit() as uow:
        account = create_account(
            uow.session, username, email=f"{username.lower()}@example.org", password="correct horse", **fields
        )
        token = create_personal_token(uow.session, account, scopes)
        account_id = account.id
    return User(str(account_id), username, token, client)


STAFF_SCOPES = "read write follow push admin:read admin:write"


def make_staff(
    services: Services, client: TestClient, username: str, *, role: str = "moderator", scopes: str = STAFF_SCOPES, **fields: Any
) -> User:
    """A moderator (or, with ``role="admin"``, an admin) whose token has the admin scopes."""
    return make_user(services, client, username, role=role, scopes=scopes, **fields)
