"""The web layer's common ground: security headers, CSRF, languages, error pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from parley.services import Services
from parley.store.tables import Account
from parley.web import i18n
from tests.factories import User


def _token(client: TestClient, path: str = "/auth/sign_in") -> str:
    html = client.get(path).text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "every page carries the form token"
    return found.group(1)


def _sign_in(client: TestClient, username: str) -> None:
    token = _token(client)
    r = client.post("/auth/sign_in", data={"csrf_token": token, "username": username, "password": "correct horse"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    r = client.get("/auth/sign_in")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    # No inline script or style that the policy would block.
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)
    assert " style=" not in r.text
    # The API is left alone (its docs page loads its own assets).
    assert "content-security-policy" not in client.get("/api/v1/instance").headers


def test_cookies_are_http_only_and_same_site(client: TestClient, user: Callable[..., User]) -> None:
    user("ann")
    token = _token(client)
    r = client.post("/auth/sign_in", data={"csrf_token": token, "username": "ann", "password": "correct horse"}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "parley_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_post_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/auth/sign_in")
    r = client.post("/settings/language", data={"language": "nl", "next": "/"}, follow_redirects=False)
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"] and "Your form expired" in r.text
    assert "parley_lang" not in r.headers.get("set-cookie", "")
    # Scripts get the error as JSON.
    r = client.post("/settings/language", data={"language": "nl"}, headers={"X-Parley-Fragment": "1"})
    assert r.status_code == 403 and r.json()["error"].startswith("Your form expired")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("nl", "nl"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("fr-FR,fr;q=0.9", None),
        ("fr,nl;q=0.5,en;q=0.7", "en"),
        ("en;q=0.1,nl;q=0.2", "nl"),
        ("nl;q=0", None),
        ("nl;q=abc,en", "en"),
        ("*", None),
    ],
)
def test_accept_language_is_ranked_by_weight(header: str | None, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_the_language_comes_from_the_account_then_the_cookie_then_the_browser() -> None:
    assert i18n.choose("nl", "en", "en") == "nl"
    assert i18n.choose(None, "nl", "en") == "nl"
    assert i18n.choose(None, None, "nl-NL") == "nl"
    assert i18n.choose(None, "xx", "de") == "en"


def test_a_browser_asking_for_dutch_gets_dutch(client: TestClient) -> None:
    html = client.get("/auth/sign_in", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).text
    assert '<html lang="nl">' in html
    assert i18n.translations("nl").ugettext("Sign in") != "Sign in", "the Dutch catalog translates the basics"
    assert i18n.translations("nl").ugettext("Sign in") in html


def test_the_switcher_sets_the_cookie_and_the_account_setting(
    client: TestClient, services: Services, user: Callable[..., User]
) -> None:
    ann = user("ann")
    # Signed out: a cookie only.
    token = _token(client)
    r = client.post("/settings/language", data={"csrf_token": token, "language": "nl", "next": "/auth/sign_in"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/auth/sign_in"
    assert client.cookies.get("parley_lang") == "nl"
    assert '<html lang="nl">' in client.get("/auth/sign_in").text
    # Signed in: the account's setting, which wins over the cookie and the browser.
    _sign_in(client, "ann")
    r = client.post("/settings/language", data={"csrf_token": token, "language": "en", "next": "//evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # never off-site
    with services.db.unit(write=False) as uow:
        assert uow.session.get(Account, int(ann.id)).locale == "en"
    client.cookies.set("parley_lang", "nl")
    assert '<html lang="en">' in client.get("/home", headers={"Accept-Language": "nl"}).text
    r = client.post("/settings/language", data={"csrf_token": token, "language": "klingon"})
    assert r.status_code == 422 and "Choose one of the languages offered" in r.text


def test_signing_up_in_dutch_makes_a_dutch_account(client: TestClient, services: Services) -> None:
    token = _token(client)
    r = client.post(
        "/auth/sign_up",
        data={"csrf_token": token, "username": "joost", "email": "j@example.org", "password": "long enough", "password_confirmation": "long enough"},
        headers={"Accept-Language": "nl"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with services.db.unit(write=False) as uow:
        from parley.accounts.service import find_account

        account = find_account(uow.session, "joost")
        assert account is not None and account.locale == "nl"


def test_a_wrong_link_is_a_page_for_browsers_and_json_for_clients(client: TestClient) -> None:
    r = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "Page not found" in r.text
    r = client.get("/api/v1/no/such/endpoint", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    assert client.get("/no/such/page").json() == {"error": "Record not found"}


def test_a_page_that_needs_a_person_sends_others_to_sign_in(client: TestClient) -> None:
    r = client.get("/home?x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/auth/sign_in?next=%2Fhome%3Fx%3D1"


def test_static_files_have_versioned_urls(client: TestClient) -> None:
    html = client.get("/auth/sign_in").text
    css = re.search(r'href="(/static/parley\.css\?v=[0-9a-f]{10})"', html)
    assert css and client.get(css.group(1)).status_code == 200
