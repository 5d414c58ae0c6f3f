"""Posting, reading, editing, deleting and interacting with posts through the API."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.factories import User

MakeUser = Callable[..., User]


def test_create_renders_mentions_tags_and_links(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("Hi @bob and @nobody, see https://example.org/x #Parley")
    assert s["mentions"] == [{"id": bob.id, "username": "bob", "acct": "bob", "url": "http://parley.test/@bob"}]
    assert s["tags"] == [{"name": "parley", "url": "http://parley.test/tags/parley"}]
    html = s["content"]
    assert 'href="http://parley.test/@bob"' in html and "@nobody" in html and "/@nobody" not in html
    assert 'href="https://example.org/x"' in html
    assert 'href="http://parley.test/tags/Parley"' in html
    assert s["visibility"] == "public" and s["account"]["id"] == alice.id
    assert isinstance(s["id"], str) and s["id"].isdigit()


def test_content_is_escaped(user: MakeUser) -> None:
    s = user("alice").status('<script>alert("x")</script> & <b>bold</b>')
    assert "<script>" not in s["content"] and "&lt;script&gt;" in s["content"]
    assert "<b>" not in s["content"]


def test_length_limit_uses_weighted_twitter_text_count(user: MakeUser) -> None:
    alice = user("alice")
    assert alice.post("/api/v1/statuses", json={"status": "a" * 280}).status_code == 200
    r = alice.post("/api/v1/statuses", json={"status": "a" * 281})
    assert r.status_code == 422
    assert "281" in r.json()["error"] and "280" in r.json()["error"]
    # CJK characters weigh 2: 141 of them are 282.
    r = alice.post("/api/v1/statuses", json={"status": "漢" * 141})
    assert r.status_code == 422 and "282" in r.json()["error"]
    # A URL counts 23 whatever its length.
    long_url = "https://example.org/" + "x" * 300
    assert alice.post("/api/v1/statuses", json={"status": long_url}).status_code == 200
    assert alice.post("/api/v1/statuses", json={"status": "   "}).status_code == 422
    # Raw length is bounded too, however the links are counted.
    r = alice.post("/api/v1/statuses", json={"status": "https://example.org/" + "a." * 1000})
    assert r.status_code == 422 and "2000" in r.json()["error"]


def test_form_encoded_and_query_parameters_work(user: MakeUser) -> None:
    alice = user("alice")
    r = alice.post("/api/v1/statuses", data={"status": "form post", "visibility": "unlisted"})
    assert r.status_code == 200 and r.json()["visibility"] == "unlisted"
    r = alice.post("/api/v1/statuses", data={"status": "x", "visibility": "everyone"})
    assert r.status_code == 422


def test_idempotency_key_returns_the_same_post(user: MakeUser) -> None:
    alice = user("alice")
    headers = {"Idempotency-Key": "abc-123"}
    a = alice.post("/api/v1/statuses", json={"status": "once"}, headers=headers).json()
    b = alice.post("/api/v1/statuses", json={"status": "once"}, headers=headers).json()
    assert a["id"] == b["id"]
    me = alice.get("/api/v1/accounts/verify_credentials").json()
    assert me["statuses_count"] == 1


def test_reply_thread_and_context(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    root = alice.status("root")
    r1 = bob.status("@alice first", in_reply_to_id=root["id"])
    r2 = carol.status("@bob nested", in_reply_to_id=r1["id"])
    r3 = alice.status("second", in_reply_to_id=root["id"])
    assert r1["in_reply_to_id"] == root["id"] and r1["in_reply_to_account_id"] == alice.id
    ctx = carol.get(f"/api/v1/statuses/{r1['id']}/context").json()
    assert [s["id"] for s in ctx["ancestors"]] == [root["id"]]
    assert [s["id"] for s in ctx["descendants"]] == [r2["id"]]
    ctx = carol.get(f"/api/v1/statuses/{root['id']}/context").json()
    assert [s["id"] for s in ctx["descendants"]] == [r1["id"], r2["id"], r3["id"]]
    assert alice.get(f"/api/v1/statuses/{root['id']}").json()["replies_count"] == 2


def test_edit_keeps_history_and_source(user: MakeUser) -> None:
    alice = user("alice")
    s = alice.status("first version")
    r = alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "second version #edited"})
    assert r.status_code == 200
    edited = r.json()
    assert edited["edited_at"] is not None and "second version" in edited["content"]
    assert [t["name"] for t in edited["tags"]] == ["edited"]
    history = alice.get(f"/api/v1/statuses/{s['id']}/history").json()
    assert ["first version" in h["content"] for h in history] == [True, False]
    assert alice.get(f"/api/v1/statuses/{s['id']}/source").json()["text"] == "second version #edited"


def test_only_the_author_edits_or_deletes(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("mine")
    # Mastodon answers "not found" for posts that are not yours.
    assert bob.put(f"/api/v1/statuses/{s['id']}", json={"status": "yours"}).status_code == 404
    assert bob.delete(f"/api/v1/statuses/{s['id']}").status_code == 404
    assert bob.get(f"/api/v1/statuses/{s['id']}/source").status_code == 404
    assert alice.get(f"/api/v1/statuses/{s['id']}").json()["content"] == "<p>mine</p>"


def test_delete_returns_source_and_hides_post(user: MakeUser, client: TestClient) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("to be deleted #gone")
    bob.post(f"/api/v1/statuses/{s['id']}/reblog")
    r = alice.delete(f"/api/v1/statuses/{s['id']}")
    assert r.status_code == 200 and r.json()["text"] == "to be deleted #gone"
    assert client.get(f"/api/v1/statuses/{s['id']}").status_code == 404
    assert bob.get("/api/v1/timelines/tag/gone").json() == []
    assert alice.get("/api/v1/accounts/verify_credentials").json()["statuses_count"] == 0
    assert bob.get(f"/api/v1/accounts/{bob.id}/statuses").json() == []


def test_favourite_reblog_bookmark_pin_round_trip(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("like me")
    sid = s["id"]
    fav = bob.post(f"/api/v1/statuses/{sid}/favourite").json()
    assert fav["favourited"] is True and fav["favourites_count"] == 1
    assert bob.post(f"/api/v1/statuses/{sid}/favourite").json()["favourites_count"] == 1  # idempotent
    rb = bob.post(f"/api/v1/statuses/{sid}/reblog").json()
    assert rb["reblog"]["id"] == sid and rb["reblog"]["reblogged"] is True
    assert rb["reblog"]["reblogs_count"] == 1
    # Reblogging the reblog acts on the original.
    assert bob.post(f"/api/v1/statuses/{rb['id']}/reblog").json()["reblog"]["id"] == sid
    by = bob.get(f"/api/v1/statuses/{sid}/reblogged_by").json()
    assert [a["id"] for a in by] == [bob.id]
    assert [a["id"] for a in alice.get(f"/api/v1/statuses/{sid}/favourited_by").json()] == [bob.id]
    assert bob.post(f"/api/v1/statuses/{sid}/bookmark").json()["bookmarked"] is True
    assert [x["id"] for x in bob.get("/api/v1/bookmarks").json()] == [sid]
    assert [x["id"] for x in bob.get("/api/v1/favourites").json()] == [sid]
    un = bob.post(f"/api/v1/statuses/{sid}/unfavourite").json()
    assert un["favourited"] is False and un["favourites_count"] == 0
    assert bob.post(f"/api/v1/statuses/{sid}/unreblog").json()["reblogs_count"] == 0
    assert bob.post(f"/api/v1/statuses/{sid}/unbookmark").json()["bookmarked"] is False
    assert bob.get("/api/v1/bookmarks").json() == []
    assert alice.post(f"/api/v1/statuses/{sid}/pin").json()["pinned"] is True
    pinned = alice.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"}).json()
    assert [p["id"] for p in pinned] == [sid]
    r = bob.post(f"/api/v1/statuses/{sid}/pin")
    assert r.status_code == 422 and "Someone else" in r.json()["error"]
    assert alice.post(f"/api/v1/statuses/{sid}/unpin").json()["pinned"] is False


def test_private_posts_cannot_be_reblogged_or_quoted(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    s = alice.status("followers only", visibility="private")
    assert bob.get(f"/api/v1/statuses/{s['id']}").status_code == 200
    r = bob.post(f"/api/v1/statuses/{s['id']}/reblog")
    assert r.status_code == 422 and "repost" in r.json()["error"]
    r = bob.post("/api/v1/statuses", json={"status": "quoting", "quoted_status_id": s["id"]})
    assert r.status_code == 422


def test_quote_posts(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("quote me")
    q = bob.status("well said", quoted_status_id=s["id"])
    assert q["quote"]["state"] == "accepted"
    assert q["quote"]["quoted_status"]["id"] == s["id"]
    assert alice.get(f"/api/v1/statuses/{s['id']}").json()["quotes_count"] == 1
    quotes = alice.get(f"/api/v1/statuses/{s['id']}/quotes").json()
    assert [x["id"] for x in quotes] == [q["id"]]
    alice.delete(f"/api/v1/statuses/{s['id']}")
    assert bob.get(f"/api/v1/statuses/{q['id']}").json()["quote"] == {"state": "deleted", "quoted_status": None}


def test_direct_posts_reach_only_the_mentioned(user: MakeUser, client: TestClient) -> None:
    alice, bob, eve = user("alice"), user("bob"), user("eve")
    eve.post(f"/api/v1/accounts/{alice.id}/follow")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    s = alice.status("@bob secret", visibility="direct")
    assert bob.get(f"/api/v1/statuses/{s['id']}").status_code == 200
    assert eve.get(f"/api/v1/statuses/{s['id']}").status_code == 404
    assert client.get(f"/api/v1/statuses/{s['id']}").status_code == 404
    assert [x["id"] for x in bob.get("/api/v1/timelines/home").json()] == [s["id"]]
    assert eve.get("/api/v1/timelines/home").json() == []


def test_unknown_and_malformed_ids_are_404(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    for path in ("/api/v1/statuses/123", "/api/v1/statuses/abc", "/api/v1/statuses/-1", f"/api/v1/statuses/{2**70}"):
        r = client.get(path)
        assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    assert alice.post("/api/v1/statuses/999/favourite").status_code == 404
    r = alice.post("/api/v1/statuses", json={"status": "x", "in_reply_to_id": "999"})
    assert r.status_code == 404
