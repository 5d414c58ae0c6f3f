"""Edge cases found by reviewing Parley against the Mastodon documentation."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from tests.api.test_oauth import REDIRECT, authorize, register
from tests.factories import User

MakeUser = Callable[..., User]


def test_out_of_range_numbers_are_422_not_500(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    r = alice.post(f"/api/v1/accounts/{bob.id}/mute", json={"duration": 10**12})
    assert r.status_code == 422
    assert alice.get("/api/v1/accounts/search", params={"q": "a", "offset": str(10**20)}).status_code == 422
    assert alice.get("/api/v2/search", params={"q": "a", "offset": str(10**20)}).status_code == 422


def test_nul_characters_are_refused(user: MakeUser) -> None:
    alice = user("alice")
    r = alice.post("/api/v1/statuses", json={"status": "a\x00b"})
    assert r.status_code == 422 and "NUL" in r.json()["error"]
    assert alice.get("/api/v2/search", params={"q": "x\x00"}).status_code == 422


def test_idempotency_key_is_free_after_its_post_is_deleted(user: MakeUser) -> None:
    alice = user("alice")
    headers = {"Idempotency-Key": "k1"}
    first = alice.post("/api/v1/statuses", json={"status": "one"}, headers=headers).json()
    alice.delete(f"/api/v1/statuses/{first['id']}")
    again = alice.post("/api/v1/statuses", json={"status": "two"}, headers=headers)
    assert again.status_code == 200 and again.json()["id"] != first["id"]


def test_quote_states_for_blocked_and_muted_authors(user: MakeUser) -> None:
    alice, bob, eve, mallory = user("alice"), user("bob"), user("eve"), user("mallory")
    e = eve.status("eve says")
    m = mallory.status("mallory says")
    qe = bob.status("quoting eve", quoted_status_id=e["id"])
    qm = bob.status("quoting mallory", quoted_status_id=m["id"])
    alice.post(f"/api/v1/accounts/{eve.id}/block")
    alice.post(f"/api/v1/accounts/{mallory.id}/mute")
    assert alice.get(f"/api/v1/statuses/{qe['id']}").json()["quote"]["state"] == "blocked_account"
    assert alice.get(f"/api/v1/statuses/{qm['id']}").json()["quote"]["state"] == "muted_account"
    # The author of the quoted post blocking the viewer: not authorised.
    carol = user("carol")
    c = carol.status("carol says")
    qc = bob.status("quoting carol", quoted_status_id=c["id"])
    carol.post(f"/api/v1/accounts/{alice.id}/block")
    quote = alice.get(f"/api/v1/statuses/{qc['id']}").json()["quote"]
    assert quote == {"state": "unauthorized", "quoted_status": None}
    # A quote inside a quote is shallow.
    qq = alice.status("quoting a quote", quoted_status_id=qe["id"])
    inner = bob.get(f"/api/v1/statuses/{qq['id']}").json()["quote"]["quoted_status"]["quote"]
    assert inner["quoted_status_id"] == e["id"] and "quoted_status" not in inner


def test_mute_without_notifications_keeps_notifications(user: MakeUser) -> None:
    amy, mike = user("amy"), user("mike")
    amy.post(f"/api/v1/accounts/{mike.id}/mute", json={"notifications": False})
    mike.status("@amy still hear me")
    assert [n["type"] for n in amy.get("/api/v1/notifications").json()] == ["mention"]


def test_code_without_secret_needs_pkce(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client)
    r = authorize(client, app, "alice")
    code = re.search(r"code=([^&]+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
    r = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "redirect_uri": REDIRECT})
    assert r.status_code == 400


def test_default_scope_is_read(client: TestClient, user: MakeUser) -> None:
    user("alice")
    app = register(client, scopes="read write follow")
    r = authorize(client, app, "alice", scope="")
    code = re.search(r"code=([^&]+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
    r = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "client_secret": app["client_secret"], "redirect_uri": REDIRECT})
    assert r.status_code == 200 and r.json()["scope"] == "read"


def test_counters_leave_private_things_out(user: MakeUser, client: TestClient) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("public post")
    bob.status("@alice psst", in_reply_to_id=s["id"], visibility="direct")
    bob.post(f"/api/v1/statuses/{s['id']}/reblog", json={"visibility": "private"})
    shown = client.get(f"/api/v1/statuses/{s['id']}").json()
    assert shown["replies_count"] == 0 and shown["reblogs_count"] == 0
    assert client.get(f"/api/v1/statuses/{s['id']}/reblogged_by").json() == []
    assert client.get(f"/api/v1/accounts/{bob.id}").json()["statuses_count"] == 1  # the private repost
    bob.status("@alice public reply", in_reply_to_id=s["id"])
    assert client.get(f"/api/v1/statuses/{s['id']}").json()["replies_count"] == 1


def test_only_media_and_search_rules(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    alice.status("no media here")
    assert client.get("/api/v1/timelines/public", params={"only_media": "true"}).json() == []
    assert client.get("/api/v2/search", params={"q": "media", "offset": "5"}).status_code == 401
    assert alice.get("/api/v2/search", params={"q": "alice@elsewhere.example"}).json()["accounts"] == []
    assert [a["username"] for a in alice.get("/api/v2/search", params={"q": "alice@parley.test"}).json()["accounts"]] == ["alice"]


def test_explicit_sensitive_false_and_loose_language(user: MakeUser) -> None:
    alice = user("alice")
    alice.patch("/api/v1/accounts/update_credentials", json={"source": {"sensitive": True, "privacy": "unlisted"}})
    assert alice.status("default")["sensitive"] is True
    s = alice.status("explicitly not", sensitive=False, language="zh-TW")
    assert s["sensitive"] is False and s["language"] == "zh" and s["visibility"] == "unlisted"
    assert alice.patch("/api/v1/accounts/update_credentials", json={"source": {"privacy": "direct"}}).status_code == 422


def test_unfavourite_after_losing_sight_of_the_post(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    s = alice.status("followers only", visibility="private")
    bob.post(f"/api/v1/statuses/{s['id']}/favourite")
    bob.post(f"/api/v1/accounts/{alice.id}/unfollow")
    assert bob.post(f"/api/v1/statuses/{s['id']}/unfavourite").status_code == 200
    assert alice.get(f"/api/v1/statuses/{s['id']}").json()["favourites_count"] == 0


def test_muted_authors_leave_threads(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    root = alice.status("root")
    bob.status("@alice reply", in_reply_to_id=root["id"])
    carol.post(f"/api/v1/accounts/{bob.id}/mute")
    assert carol.get(f"/api/v1/statuses/{root['id']}/context").json()["descendants"] == []


def test_public_endpoints_ignore_a_bad_token(client: TestClient) -> None:
    r = client.get("/api/v2/instance", headers={"Authorization": "Bearer revoked"})
    assert r.status_code == 200 and r.json()["domain"] == "parley.test"


def test_expired_mutes_are_over(user: MakeUser, services: object) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from parley.store.tables import Mute, utcnow

    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/mute", json={"duration": 60})
    assert [a["id"] for a in alice.get("/api/v1/mutes").json()] == [bob.id]
    with services.db.unit() as uow:  # type: ignore[attr-defined]
        uow.session.execute(update(Mute).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert alice.get("/api/v1/mutes").json() == []
    assert alice.get("/api/v1/accounts/relationships", params={"id[]": bob.id}).json()[0]["muting"] is False


def test_unread_count_filters(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    s = alice.status("hi")
    bob.post(f"/api/v1/statuses/{s['id']}/favourite")
    bob.status("@alice one")
    carol.status("@alice two")
    count = lambda **p: alice.get("/api/v1/notifications/unread_count", params=p).json()["count"]  # noqa: E731
    assert count() == 3
    assert count(**{"types[]": "mention"}) == 2
    assert count(**{"exclude_types[]": "mention"}) == 1
    assert count(account_id=carol.id) == 1


def test_authors_repost_their_own_followers_only_posts_privately(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    s = alice.status("for followers", visibility="private")
    r = alice.post(f"/api/v1/statuses/{s['id']}/reblog", json={"visibility": "public"})
    assert r.status_code == 200 and r.json()["visibility"] == "private"
    assert r.json()["reblog"]["id"] == s["id"]
    assert bob.post(f"/api/v1/statuses/{s['id']}/reblog").status_code == 422


def test_an_account_that_blocks_you_hides_its_lists(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    carol.post(f"/api/v1/accounts/{alice.id}/follow")
    assert [a["id"] for a in bob.get(f"/api/v1/accounts/{alice.id}/followers").json()] == [carol.id]
    alice.post(f"/api/v1/accounts/{bob.id}/block")
    assert bob.get(f"/api/v1/accounts/{alice.id}/followers").json() == []
    assert bob.get(f"/api/v1/accounts/{alice.id}/following").json() == []
