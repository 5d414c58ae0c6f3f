"""Mastodon.py against a real ``parley serve``: OAuth in a (scripted) browser, then the API."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonIllegalArgumentError,
    MastodonNotFoundError,
    MastodonUnauthorizedError,
)
from PIL import Image

from .conftest import HTTP_TIMEOUT, Browser, form_posting_to, parse_page

if TYPE_CHECKING:
    from .conftest import ParleyServer, User

REDIRECT = "http://127.0.0.1:9/callback"  # registered, never contacted
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


# -- Mastodon.py plumbing --------------------------------------------------------------------


@dataclass(frozen=True)
class ClientApp:
    """A registered client application and how to make Mastodon.py clients of it."""

    client_id: str
    client_secret: str
    base_url: str

    def api(self, access_token: str | None = None) -> Mastodon:
        return Mastodon(
            client_id=self.client_id,
            client_secret=self.client_secret,
            access_token=access_token,
            api_base_url=self.base_url,
            ratelimit_method="throw",
            request_timeout=HTTP_TIMEOUT,
        )


def register(server: ParleyServer, name: str = "Parley e2e") -> ClientApp:
    """Register a client application with Mastodon.py."""
    client_id, client_secret = Mastodon.create_app(
        name,
        scopes=SCOPES,
        redirect_uris=[REDIRECT, OOB],
        website="https://example.org/e2e",
        api_base_url=server.base_url,
        request_timeout=HTTP_TIMEOUT,
    )
    return ClientApp(client_id, client_secret, server.base_url)


def code_from_redirect(response: httpx.Response, state: str | None = None) -> str:
    """The ``code`` of the final 302 to the client's redirect URI (not followed)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    query = parse_qs(urlsplit(location).query)
    if state is not None:
        assert query.get("state") == [state]
    return query["code"][0]


def log_in(server: ParleyServer, app: ClientApp, user: User) -> Mastodon:
    """A Mastodon.py client holding ``user``'s token, got through the authorization-code flow."""
    api = app.api()
    state = secrets.token_urlsafe(12)
    url = api.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state=state, allow_http=True)
    browser = Browser(server.base_url)
    try:
        code = code_from_redirect(browser.authorize(url, user), state)
    finally:
        browser.close()
    api.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    return api


@pytest.fixture(scope="module")
def client_app(server: ParleyServer) -> ClientApp:
    """The client application the module's users log in to."""
    return register(server)


@dataclass
class Person:
    """A user and a Mastodon.py client logged in as them."""

    user: User
    api: Mastodon
    id: int


@pytest.fixture(scope="module")
def people(server: ParleyServer, client_app: ClientApp) -> dict[str, Person]:
    """alice, bob and carol, each logged in through the browser flow."""
    out: dict[str, Person] = {}
    for name in ("alice", "bob", "carol"):
        user = server.create_user(name)
        api = log_in(server, client_app, user)
        out[name] = Person(user, api, int(api.me()["id"]))
    return out


def ids(statuses: list[Any]) -> list[int]:
    """The ids of a list of statuses, as numbers."""
    return [int(s["id"]) for s in statuses]


# -- OAuth -----------------------------------------------------------------------------------


def test_instance_and_oauth_metadata(server: ParleyServer) -> None:
    """Mastodon.py reads the instance and the RFC 8414 metadata that points at this server."""
    api = Mastodon(api_base_url=server.base_url, request_timeout=HTTP_TIMEOUT)
    instance = api.instance()
    assert instance["configuration"]["statuses"]["max_characters"] == 280
    info = api.oauth_authorization_server_info()
    assert info["authorization_endpoint"] == f"{server.base_url}/oauth/authorize"
    assert info["token_endpoint"] == f"{server.base_url}/oauth/token"
    assert "authorization_code" in info["grant_types_supported"]


def test_authorization_code_flow(server: ParleyServer, client_app: ClientApp, browser: Browser) -> None:
    """create_app, auth_request_url, sign in and approve in a browser, log_in with the code."""
    user = server.create_user("codeflow")
    api = client_app.api()
    state = secrets.token_urlsafe(12)
    url = api.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state=state, allow_http=True)
    assert url.startswith(f"{server.base_url}/oauth/authorize?")

    next_url = browser.sign_in_via(url, user)
    page = browser.get(next_url)
    assert "Parley e2e" in page.text and f"@{user.name}" in page.text
    code = code_from_redirect(browser.consent(next_url), state)

    token = api.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    assert token
    me = api.account_verify_credentials()
    assert me["username"] == user.name
    assert api.app_verify_credentials()["name"] == "Parley e2e"

    # A code is good for one exchange only.
    with pytest.raises(MastodonIllegalArgumentError, match="Invalid access token or redirect_uris"):
        client_app.api().log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)

    # Signed in already: the authorize URL goes straight to the consent page.
    again = browser.get(api.auth_request_url(redirect_uris=REDIRECT, scopes=["read"], allow_http=True))
    assert again.status_code == 200
    assert form_posting_to(again.text, "/oauth/authorize").fields["scope"] == "read"


def test_out_of_band_code(server: ParleyServer, client_app: ClientApp, browser: Browser) -> None:
    """With the oob redirect URI the approval shows the code on a page (input#code)."""
    user = server.create_user("oobuser")
    api = client_app.api()
    url = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    r = browser.authorize(url, user)
    assert r.status_code == 200, r.text
    code = parse_page(r.text).by_id["code"]["value"]
    assert code
    api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    assert api.me()["username"] == user.name


def test_pkce_public_client(server: ParleyServer, client_app: ClientApp, browser: Browser) -> None:
    """Mastodon.py 2.3 has no PKCE, so the S256 flow is driven by hand: no secret, a verifier."""
    user = server.create_user("pkceuser")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = client_app.api().auth_request_url(redirect_uris=REDIRECT, scopes=["read"], allow_http=True)
    url += "&" + str(httpx.QueryParams({"code_challenge": challenge, "code_challenge_method": "S256"}))
    code = code_from_redirect(browser.authorize(url, user))

    token_url = f"{server.base_url}/oauth/token"
    base = {
        "grant_type": "authorization_code",
        "client_id": client_app.client_id,
        "redirect_uri": REDIRECT,
        "code": code,
    }
    wrong = httpx.post(token_url, data={**base, "code_verifier": secrets.token_urlsafe(48)}, timeout=HTTP_TIMEOUT)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    r = httpx.post(token_url, data={**base, "code_verifier": verifier}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    api = Mastodon(access_token=r.json()["access_token"], api_base_url=server.base_url, request_timeout=HTTP_TIMEOUT)
    assert api.account_verify_credentials()["username"] == user.name


def test_denied_wrong_password_and_missing_csrf(
    server: ParleyServer, client_app: ClientApp, browser: Browser
) -> None:
    """Deny redirects with access_denied; a wrong password and a forged form are refused."""
    user = server.create_user("denier")
    url = client_app.api().auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True)

    # Wrong password: the sign-in page again, with an error, and no session.
    location = browser.get(url).headers["location"]
    form = form_posting_to(browser.get(location).text, "/auth/sign_in")
    r = browser.post(form.action, {**form.fields, "username": user.name, "password": "not-the-password"})
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    # No CSRF token: refused.
    r = browser.post(form.action, {"next": form.fields["next"], "username": user.name, "password": user.password})
    assert r.status_code == 400

    r = browser.authorize(url, user, decision="deny")
    assert r.status_code == 302
    location = r.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"]
    assert query.get("state") == ["s1"]
    assert "code" not in query

    # A consent POST without the CSRF token does not issue a code.
    consent = browser.get(url)
    form = form_posting_to(consent.text, "/oauth/authorize")
    fields = {k: v for k, v in form.fields.items() if k != "csrf_token"}
    r = browser.post(form.action, {**fields, "decision": "approve"})
    assert r.status_code == 400
    assert "location" not in r.headers


def test_unregistered_redirect_uri_is_refused(server: ParleyServer, client_app: ClientApp, browser: Browser) -> None:
    """An authorize request for a redirect URI the app did not register never redirects there."""
    user = server.create_user("redirtest")
    url = client_app.api().auth_request_url(
        redirect_uris="http://evil.example/steal", scopes=SCOPES, allow_http=True
    )
    next_url = browser.sign_in_via(url, user)
    r = browser.get(next_url)
    assert r.status_code == 400
    assert "evil.example" not in r.headers.get("location", "")


def test_password_grant(server: ParleyServer, client_app: ClientApp) -> None:
    """The (deprecated) password grant, enabled for this server, works with Mastodon.py."""
    user = server.create_user("pwgrant")
    api = client_app.api()
    api.log_in(username=user.email, password=user.password, scopes=SCOPES, allow_http=True)
    assert api.me()["username"] == user.name
    with pytest.raises(MastodonIllegalArgumentError, match="Invalid user name, password"):
        client_app.api().log_in(username=user.email, password="wrong-password", scopes=SCOPES, allow_http=True)


# -- error shapes ----------------------------------------------------------------------------


def test_bad_token_is_401(server: ParleyServer) -> None:
    """An unknown bearer token is a 401, which Mastodon.py raises as MastodonUnauthorizedError."""
    api = Mastodon(access_token="not-a-real-token", api_base_url=server.base_url, request_timeout=HTTP_TIMEOUT)
    with pytest.raises(MastodonUnauthorizedError) as info:
        api.account_verify_credentials()
    assert "access token" in str(info.value).lower()
    with pytest.raises(MastodonUnauthorizedError):
        api.timeline_home()


def test_too_long_status_is_422(people: dict[str, Person]) -> None:
    """281 characters are one too many: 422 with a message that gives the length."""
    api = people["alice"].api
    with pytest.raises(MastodonAPIError) as info:
        api.status_post("a" * 281)
    assert info.value.args[1] == 422
    message = str(info.value)
    assert "too long" in message and "281" in message and "280" in message


# -- conversations ---------------------------------------------------------------------------


def notifications_of(api: Mastodon, kind: str) -> list[Any]:
    """The caller's recent notifications of one type."""
    return [n for n in api.notifications(types=[kind], limit=40) if n["type"] == kind]


def test_post_reply_mention_follow_and_notifications(people: dict[str, Person]) -> None:
    """Follow, post, reply and mention; home timelines, contexts and notifications agree."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]

    bob.api.account_follow(alice.id)
    rel = bob.api.account_relationships(alice.id)[0]
    assert rel["following"] is True
    follows = notifications_of(alice.api, "follow")
    assert bob.id in [int(n["account"]["id"]) for n in follows]

    post = alice.api.status_post("Hello from Mastodon.py, e2e conversation one")
    assert post["account"]["username"] == "alice"
    assert "e2e conversation one" in post["content"]
    assert int(post["id"]) in ids(bob.api.timeline_home(limit=40))

    reply = bob.api.status_post("@alice glad to read you", in_reply_to_id=post["id"])
    assert int(reply["in_reply_to_id"]) == int(post["id"])
    assert int(reply["in_reply_to_account_id"]) == alice.id
    assert [m["username"] for m in reply["mentions"]] == ["alice"]
    mentions = notifications_of(alice.api, "mention")
    assert int(reply["id"]) in [int(n["status"]["id"]) for n in mentions]
    context = alice.api.status_context(post["id"])
    assert int(reply["id"]) in ids(context["descendants"])
    assert int(post["id"]) in ids(bob.api.status_context(reply["id"])["ancestors"])

    shout = carol.api.status_post("Hey @bob, have a look at this")
    assert [m["username"] for m in shout["mentions"]] == ["bob"]
    bob_mentions = {int(n["status"]["id"]): n for n in notifications_of(bob.api, "mention")}
    assert int(bob_mentions[int(shout["id"])]["account"]["id"]) == carol.id


def test_favourite_and_reblog(people: dict[str, Person]) -> None:
    """Favourite and boost notify the author; a boost reaches the booster's followers."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    post = alice.api.status_post("Favourite and boost me, e2e")

    faved = bob.api.status_favourite(post["id"])
    assert faved["favourited"] is True
    assert faved["favourites_count"] == 1
    favs = notifications_of(alice.api, "favourite")
    assert (int(post["id"]), bob.id) in [(int(n["status"]["id"]), int(n["account"]["id"])) for n in favs]
    assert bob.id in [int(a["id"]) for a in alice.api.status_favourited_by(post["id"])]
    assert int(post["id"]) in ids(bob.api.favourites())

    boost = bob.api.status_reblog(post["id"])
    assert int(boost["reblog"]["id"]) == int(post["id"])
    assert boost["reblog"]["reblogged"] is True
    boosts = notifications_of(alice.api, "reblog")
    assert (int(post["id"]), bob.id) in [(int(n["status"]["id"]), int(n["account"]["id"])) for n in boosts]
    assert bob.id in [int(a["id"]) for a in alice.api.status_reblogged_by(post["id"])]
    assert alice.api.status(post["id"])["reblogs_count"] == 1

    # carol follows bob (not alice): the boost brings alice's post to carol's home.
    carol.api.account_follow(bob.id)
    home = carol.api.timeline_home(limit=40)
    boosted = [s for s in home if s["reblog"] is not None and int(s["reblog"]["id"]) == int(post["id"])]
    assert len(boosted) == 1 and int(boosted[0]["account"]["id"]) == bob.id

    unfaved = bob.api.status_unfavourite(post["id"])
    assert unfaved["favourited"] is False
    unboosted = bob.api.status_unreblog(post["id"])
    assert unboosted["reblogged"] is False
    assert alice.api.status(post["id"])["reblogs_count"] == 0


def test_edit_and_history(people: dict[str, Person]) -> None:
    """status_update changes the post and records both versions in its history."""
    alice, bob = people["alice"], people["bob"]
    post = alice.api.status_post("First version of an edited post")
    assert post["edited_at"] is None
    edited = alice.api.status_update(post["id"], "Second version of an edited post")
    assert int(edited["id"]) == int(post["id"])
    assert "Second version" in edited["content"]
    assert edited["edited_at"] is not None

    history = bob.api.status_history(post["id"])
    assert len(history) == 2
    assert "First version" in history[0]["content"]
    assert "Second version" in history[-1]["content"]
    assert alice.api.status_source(post["id"])["text"] == "Second version of an edited post"
    with pytest.raises(MastodonAPIError):
        bob.api.status_update(post["id"], "Not yours to edit")


def test_delete(people: dict[str, Person]) -> None:
    """Only the author deletes; a deleted post is gone from the API and the timelines."""
    alice, bob = people["alice"], people["bob"]
    post = alice.api.status_post("This post will be deleted")
    assert int(post["id"]) in ids(alice.api.account_statuses(alice.id, limit=40))
    with pytest.raises(MastodonAPIError):
        bob.api.status_delete(post["id"])
    deleted = alice.api.status_delete(post["id"])
    assert deleted["text"] == "This post will be deleted"
    with pytest.raises(MastodonNotFoundError):
        bob.api.status(post["id"])
    assert int(post["id"]) not in ids(alice.api.account_statuses(alice.id, limit=40))
    assert int(post["id"]) not in ids(bob.api.timeline_home(limit=40))


def test_search(people: dict[str, Person]) -> None:
    """search_v2 finds an account, a hashtag by prefix and a status by a word of its text."""
    alice, bob = people["alice"], people["bob"]
    post = alice.api.status_post("Spotted a quokkapalooza at the #ZebraFinchFestival today")

    found = bob.api.search_v2("bob", result_type="accounts")
    assert "bob" in [a["username"] for a in found["accounts"]]

    found = bob.api.search_v2("#zebrafinch", result_type="hashtags")
    assert "zebrafinchfestival" in [t["name"].lower() for t in found["hashtags"]]

    found = bob.api.search_v2("quokkapalooza", result_type="statuses")
    assert ids(found["statuses"]) == [int(post["id"])]

    everything = bob.api.search_v2("quokkapalooza")
    assert ids(everything["statuses"]) == [int(post["id"])]
    assert everything["accounts"] == [] and everything["hashtags"] == []


# -- pagination --------------------------------------------------------------------------------


def test_home_timeline_pages_through_link_header(server: ParleyServer, client_app: ClientApp) -> None:
    """65 posts read 20 at a time with fetch_next: each exactly once, newest first, no gaps,
    while new posts keep arriving; fetch_previous on the first page returns the new ones."""
    reader = log_in(server, client_app, server.create_user("pagereader"))
    writer = log_in(server, client_app, server.create_user("pagewriter"))
    reader.account_follow(writer.me()["id"])

    # Both the reader's own posts and the followed account's posts belong on home.
    posted = [
        int((writer if i % 3 else reader).status_post(f"timeline post number {i}")["id"]) for i in range(65)
    ]
    assert posted == sorted(posted)

    page = reader.timeline_home(limit=20)
    first_page = page
    seen: list[int] = []
    arrived: list[int] = []
    pages = 0
    while page:
        pages += 1
        assert pages <= 10, "pagination does not end"
        assert len(page) <= 20
        seen += ids(page)
        # New posts arrive between page fetches; they are newer than every page still to come.
        arrived.append(int(writer.status_post(f"arrived after page {pages}")["id"]))
        page = reader.fetch_next(page)
        assert page is not None, "a non-empty page must carry a next link"

    assert len(seen) == len(set(seen)), "duplicates across pages"
    assert seen == sorted(seen, reverse=True), "not in strictly decreasing id order"
    assert seen == sorted(posted, reverse=True), "pages skipped or added posts"
    assert not set(arrived) & set(seen)

    newer = reader.fetch_previous(first_page)
    assert newer is not None
    assert ids(newer) == sorted(arrived, reverse=True)

    # The home timeline now starts with the posts that arrived, then the rest, once each.
    fresh = reader.timeline_home(limit=40)
    assert ids(fresh)[: len(arrived)] == sorted(arrived, reverse=True)
    assert ids(fresh)[len(arrived) :] == sorted(posted, reverse=True)[: 40 - len(arrived)]


def test_images_with_alt_text(people: dict[str, Person]) -> None:
    """media_post uploads an image with its description, status_post attaches it, and the
    file behind the URL is a real image for anyone; media_update describes before posting."""
    alice, bob = people["alice"], people["bob"]
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 120, 80)).save(out, "JPEG")
    media = alice.api.media_post(out.getvalue(), mime_type="image/jpeg", description="A green field", focus=(0.0, 0.5))
    assert media["type"] == "image" and media["description"] == "A green field"
    assert media["meta"]["original"]["width"] == 64 and media["meta"]["focus"]["y"] == 0.5
    second = alice.api.media_post(out.getvalue(), mime_type="image/jpeg")
    second = alice.api.media_update(second["id"], description="The same field, again")
    post = alice.api.status_post("Two fields", media_ids=[media["id"], second["id"]])
    seen = bob.api.status(post["id"])
    assert [m["description"] for m in seen["media_attachments"]] == ["A green field", "The same field, again"]
    image = httpx.get(seen["media_attachments"][0]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size == (64, 48)
    with pytest.raises(MastodonAPIError):
        alice.api.media_post(b"not an image", mime_type="image/png")
