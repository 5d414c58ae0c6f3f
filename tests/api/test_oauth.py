"""OAuth 2 as Mastodon clients use it, driven over HTTP like a browser would."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html import unescape
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.factories import User

MakeUser = Callable[..., User]
REDIRECT = "https://client.example/callback"


def register(client: TestClient, scopes: str = "read write follow", redirect: str = REDIRECT) -> dict:
    r = client.post(
        "/api/v1/apps",
        data={"client_name": "Test App", "redirect_uris": redirect, "scopes": scopes, "website": "https://client.example"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def hidden(html: str) -> dict[str, str]:
    """The hidden inputs of a page's forms, unescaped as a browser would."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return {unescape(k): unescape(v) for k, v in found}


def authorize(client: TestClient, app: dict, username: str, *, scope: str = "read write", extra: dict | None = None, decision: str = "approve", redirect: str = REDIRECT) -> object:
    params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect, "scope": scope, **(extra or {})}
    r = client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in")
    r = client.get(r.headers["location"])
    form = hidden(r.text)
    r = client.post("/auth/sign_in", data={**form, "username": username, "password": "correct horse"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = client.get(r.headers["location"])
    assert r.status_code == 200 and "Authorize Test App?" in r.text
    consent = hidden(r.text)
    assert consent["client_id"] == app["client_id"]
    return client.post("/oauth/authorize", data={**consent, "decision": decision}, follow_redirects=False)


def test_authorization_code_flow_with_pkce(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client)
    assert set(app) >= {"id", "name", "client_id", "client_secret", "redirect_uri", "scopes"}
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    r = authorize(client, app, "alice", extra={"code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz"})
    assert r.status_code == 302
    loc = urlsplit(r.headers["location"])
    assert loc.netloc == "client.example"
    query = parse_qs(loc.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    bad = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "redirect_uri": REDIRECT, "code_verifier": "w" * 50})
    assert bad.status_code == 400
    r = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "client_secret": app["client_secret"], "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    token = r.json()
    assert token["token_type"] == "Bearer" and token["scope"] == "read write" and "created_at" in token
    me = client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    # A code works once.
    again = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "client_secret": app["client_secret"], "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert again.status_code == 400
    # Refresh, then revoke.
    r = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert r.status_code == 200, r.text
    fresh = r.json()["access_token"]
    auth = {"Authorization": f"Bearer {fresh}"}
    assert client.get("/api/v1/apps/verify_credentials", headers=auth).json()["name"] == "Test App"
    r = client.post("/oauth/revoke", data={"token": fresh, "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert r.status_code == 200
    assert client.get("/api/v1/accounts/verify_credentials", headers=auth).status_code == 401


def test_out_of_band_shows_the_code(client: TestClient, user: MakeUser) -> None:
    user("alice")
    oob = "urn:ietf:wg:oauth:2.0:oob"
    app = register(client, redirect=oob)
    r = authorize(client, app, "alice", redirect=oob)
    assert r.status_code == 200
    code = re.search(r'id="code" value="([^"]+)"', r.text)
    assert code
    r = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code.group(1), "client_id": app["client_id"], "client_secret": app["client_secret"], "redirect_uri": oob})
    assert r.status_code == 200, r.text


def test_deny_redirects_with_access_denied(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client)
    r = authorize(client, app, "alice", decision="deny")
    assert r.status_code == 302 and "error=access_denied" in r.headers["location"]


def test_scopes_beyond_the_app_are_refused(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client, scopes="read")
    r = client.get("/oauth/authorize", params={"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read write"}, follow_redirects=False)
    # Not signed in yet: sign in first, then the error shows.
    assert r.status_code == 303
    r = client.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read nonsense"})
    assert r.status_code == 422 and "nonsense" in r.json()["error"]
    r = client.post("/api/v1/apps", data={"client_name": "", "redirect_uris": REDIRECT})
    assert r.status_code == 422


def test_client_credentials_and_password_grant(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client)
    r = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read"})
    assert r.status_code == 200, r.text
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/apps/verify_credentials", headers=auth).status_code == 200
    r = client.get("/api/v1/accounts/verify_credentials", headers=auth)
    assert r.status_code == 422 and r.json() == {"error": "This method requires an authenticated user"}
    r = client.post("/oauth/token", data={"grant_type": "password", "username": "alice", "password": "correct horse", "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    wrong = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": "nope"})
    assert wrong.status_code == 401


def test_metadata(client: TestClient) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"] == "http://parley.test/oauth/token"
    assert "authorization_code" in meta["grant_types_supported"] and "S256" in meta["code_challenge_methods_supported"]
    assert "read:statuses" in meta["scopes_supported"]


def test_tokens_and_scopes_are_enforced(client: TestClient, user: MakeUser) -> None:
    reader = user("reader", scopes="read")
    r = client.get("/api/v1/timelines/home")
    assert r.status_code == 401 and r.json()["error"]
    r = client.get("/api/v1/timelines/home", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    assert reader.get("/api/v1/timelines/home").status_code == 200
    r = reader.post("/api/v1/statuses", json={"status": "no write scope"})
    assert r.status_code == 403 and "scope" in r.json()["error"]


def test_sign_up_and_sign_in_pages(client: TestClient) -> None:
    page = client.get("/auth/sign_up")
    form = hidden(page.text)
    r = client.post("/auth/sign_up", data={**form, "username": "newbie", "email": "n@example.org", "password": "long enough", "password_confirmation": "long enough"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/auth/sign_up", data={**form, "username": "newbie", "email": "m@example.org", "password": "long enough", "password_confirmation": "long enough"})
    assert r.status_code == 422 and "already taken" in r.text
    r = client.post("/auth/sign_up", data={**form, "username": "bad name!", "email": "b@example.org", "password": "long enough", "password_confirmation": "long enough"})
    assert r.status_code == 422 and "Username" in r.text
    r = client.post("/auth/sign_in", data={**form, "username": "newbie", "password": "wrong password"})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = client.post("/auth/sign_in", data={"username": "newbie", "password": "long enough", "csrf_token": "forged"})
    assert r.status_code == 400
