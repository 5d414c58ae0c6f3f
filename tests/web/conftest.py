"""Helpers for tests of the web pages.

Signing in a browser::

    def test_home(web, user):
        alice = user("alice")          # tests.factories.User: an account plus an API client
        browser = web(alice)           # a TestClient of its own, signed in through /auth/sign_in
        assert browser.get("/home").status_code == 200
        r = submit(browser, "/statuses", {"status": "hello"})   # a POST with the CSRF token

The same without fixtures: ``web_client(app_or_client, user) -> TestClient`` and
``csrf(client) -> str``. Each signed-in browser is a separate TestClient with its own
cookie jar, so several people can be signed in during one test; the ``client`` fixture
stays signed out (it is also what ``User`` objects use for the API).

``behind_notice(services, client)`` puts a head of state's post behind the public-interest
notice through the moderation API, for pages that must show it folded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from parley.services import Services
from tests.conftest import BASE_URL
from tests.factories import User, make_user

PASSWORD = "correct horse"  # what tests.factories.make_user gives every account
CSRF_COOKIE = "parley_csrf"
SESSION_COOKIE = "parley_session"


def csrf(client: TestClient) -> str:
    """The CSRF token of ``client``'s cookie jar; fetches a page first when it has none."""
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        client.get("/auth/sign_in")
        token = client.cookies.get(CSRF_COOKIE)
    assert token, "the pages set no CSRF cookie"
    return token


def web_client(app_or_client: Any, user: User | str, password: str = PASSWORD, *, follow_redirects: bool = True) -> TestClient:
    """A new TestClient for the app, signed in as ``user`` through the sign-in form.

    ``app_or_client`` is the ASGI app or any TestClient of it; ``user`` a
    ``tests.factories.User`` or a username. The caller closes the client (the ``web``
    fixture does it for you)."""
    app = app_or_client.app if isinstance(app_or_client, TestClient) else app_or_client
    username = user if isinstance(user, str) else user.username
    browser = TestClient(app, base_url=BASE_URL, follow_redirects=follow_redirects)
    token = csrf(browser)
    r = browser.post(
        "/auth/sign_in",
        data={"username": username, "password": password, "csrf_token": token, "next": "/home"},
        follow_redirects=False,
    )
    assert r.status_code == 303, f"sign-in as {username} failed: {r.status_code} {r.text[:300]}"
    assert browser.cookies.get(SESSION_COOKIE), "sign-in set no session cookie"
    return browser


def submit(client: TestClient, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
    """POST a form the way a browser does: with the CSRF token added; redirects are not
    followed unless ``follow_redirects=True`` is passed."""
    kw.setdefault("follow_redirects", False)
    return client.post(path, data={"csrf_token": csrf(client), **(data or {})}, **kw)


@pytest.fixture
def user(services: Services, client: TestClient) -> Callable[..., User]:
    """Make a user with an API token: ``user("alice", locked=True)``."""

    def make(name: str, **kw: Any) -> User:
        return make_user(services, client, name, **kw)

    return make


@pytest.fixture
def web(app: Any) -> Iterator[Callable[..., TestClient]]:
    """``web(user)`` (or ``web("alice")``): a browser signed in as that person, closed
    at the end of the test. Keyword arguments go to ``web_client``."""
    opened: list[TestClient] = []

    def make(who: User | str, **kw: Any) -> TestClient:
        browser = web_client(app, who, **kw)
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.close()


def behind_notice(services: Services, client: TestClient, text: str = "When the #looting starts, the shooting starts") -> dict[str, Any]:
    """A head of state's post put behind the public-interest notice by a moderator, the
    whole way through the API. Returns the ``tests.moderation.staff_world`` dict plus
    ``leader`` (the author), ``citizen`` (who reported it) and ``post`` (its Status)."""
    from tests.moderation import decide, head_of_state, report_case, staff_world

    world = staff_world(services, client)
    leader = head_of_state(world)
    citizen = world["make"]("citizen")
    post = leader.status(text)
    case_id = report_case(citizen, leader, post["id"], "glorification-of-violence", world["mod1"])
    r = decide(
        world["mod1"],
        case_id,
        rule_id="glorification-of-violence",
        actions=["public_interest_notice"],
        status_id=post["id"],
        reasons="The post glorifies violence against protesters.",
        public_interest_assessment="The head of state's words on the unrest are a matter of public concern.",
    )
    assert r.status_code == 200, r.text
    return {**world, "leader": leader, "citizen": citizen, "post": post}
