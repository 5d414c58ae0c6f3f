"""Follows, blocks, mutes, requests, and what they do to timelines."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.factories import User

MakeUser = Callable[..., User]


def ids(resp: list[dict]) -> list[str]:
    return [s["id"] for s in resp]


def test_follow_fills_home_and_counts(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = bob.status("from bob")
    rel = alice.post(f"/api/v1/accounts/{bob.id}/follow").json()
    assert rel["following"] is True and rel["id"] == bob.id
    assert ids(alice.get("/api/v1/timelines/home").json()) == [s["id"]]
    assert alice.get(f"/api/v1/accounts/{bob.id}").json()["followers_count"] == 1
    assert alice.get("/api/v1/accounts/verify_credentials").json()["following_count"] == 1
    assert [a["id"] for a in alice.get(f"/api/v1/accounts/{bob.id}/followers").json()] == [alice.id]
    assert [a["id"] for a in alice.get(f"/api/v1/accounts/{alice.id}/following").json()] == [bob.id]
    rels = bob.get("/api/v1/accounts/relationships", params=[("id[]", alice.id)]).json()
    assert rels[0]["followed_by"] is True and rels[0]["following"] is False
    alice.post(f"/api/v1/accounts/{bob.id}/unfollow")
    assert alice.get("/api/v1/timelines/home").json() == []
    assert alice.get(f"/api/v1/accounts/{bob.id}").json()["followers_count"] == 0


def test_home_shows_reposts_and_own_posts_not_strangers(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    c = carol.status("by carol")
    carol.status("carol again")
    rb = bob.post(f"/api/v1/statuses/{c['id']}/reblog").json()
    mine = alice.status("mine")
    home = alice.get("/api/v1/timelines/home").json()
    assert ids(home) == [mine["id"], rb["id"]]
    assert home[1]["reblog"]["id"] == c["id"]
    # Hide bob's reposts.
    alice.post(f"/api/v1/accounts/{bob.id}/follow", json={"reblogs": False})
    assert ids(alice.get("/api/v1/timelines/home").json()) == [mine["id"]]


def test_replies_to_strangers_stay_out_of_home(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    c = carol.status("carol")
    to_stranger = bob.status("@carol reply", in_reply_to_id=c["id"])
    a = alice.status("alice")
    to_alice = bob.status("@alice reply", in_reply_to_id=a["id"])
    home = ids(alice.get("/api/v1/timelines/home").json())
    assert to_alice["id"] in home and to_stranger["id"] not in home


def test_locked_account_follow_requests(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob", locked=True)
    rel = alice.post(f"/api/v1/accounts/{bob.id}/follow").json()
    assert rel["following"] is False and rel["requested"] is True
    private = bob.status("for followers", visibility="private")
    assert alice.get(f"/api/v1/statuses/{private['id']}").status_code == 404
    reqs = bob.get("/api/v1/follow_requests").json()
    assert [a["id"] for a in reqs] == [alice.id]
    notes = bob.get("/api/v1/notifications").json()
    assert [n["type"] for n in notes] == ["follow_request"]
    rel = bob.post(f"/api/v1/follow_requests/{alice.id}/authorize").json()
    assert rel["followed_by"] is True
    assert alice.get(f"/api/v1/statuses/{private['id']}").status_code == 200
    assert [n["type"] for n in bob.get("/api/v1/notifications").json()] == ["follow"]
    carol = user("carol")
    carol.post(f"/api/v1/accounts/{bob.id}/follow")
    bob.post(f"/api/v1/follow_requests/{carol.id}/reject")
    assert bob.get("/api/v1/follow_requests").json() == []
    assert bob.post(f"/api/v1/follow_requests/{carol.id}/reject").status_code == 404


def test_block_hides_both_ways_and_breaks_follows(user: MakeUser, client: TestClient) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    s = bob.status("bob #topic")
    rel = alice.post(f"/api/v1/accounts/{bob.id}/block").json()
    assert rel["blocking"] is True and rel["following"] is False and rel["followed_by"] is False
    assert alice.get("/api/v1/timelines/home").json() == []
    assert alice.get("/api/v1/timelines/public").json() == [] or bob.id not in [
        x["account"]["id"] for x in alice.get("/api/v1/timelines/public").json()
    ]
    assert alice.get("/api/v1/timelines/tag/topic").json() == []
    # The blocked account cannot see, follow, reply to or favourite the blocker.
    a = alice.status("alice")
    assert bob.get(f"/api/v1/statuses/{a['id']}").status_code == 404
    assert bob.post(f"/api/v1/accounts/{alice.id}/follow").status_code == 403
    assert bob.post(f"/api/v1/statuses/{a['id']}/favourite").status_code == 404
    assert bob.post("/api/v1/statuses", json={"status": "hey", "in_reply_to_id": a["id"]}).status_code == 404
    # The blocker still reaches the post by its link.
    assert alice.get(f"/api/v1/statuses/{s['id']}").status_code == 200
    assert [x["id"] for x in alice.get("/api/v1/blocks").json()] == [bob.id]
    alice.post(f"/api/v1/accounts/{bob.id}/unblock")
    assert alice.get("/api/v1/blocks").json() == []
    assert bob.get(f"/api/v1/statuses/{a['id']}").status_code == 200
    assert client.get(f"/api/v1/statuses/{a['id']}").status_code == 200


def test_mute_filters_lists_and_notifications(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    bob.status("bob #topic")
    rel = alice.post(f"/api/v1/accounts/{bob.id}/mute").json()
    assert rel["muting"] is True and rel["muting_notifications"] is True
    assert alice.get("/api/v1/timelines/home").json() == []
    assert alice.get("/api/v1/timelines/tag/topic").json() == []
    bob.status("@alice hello")
    assert alice.get("/api/v1/notifications").json() == []
    # Profiles still show a muted account's posts.
    assert len(alice.get(f"/api/v1/accounts/{bob.id}/statuses").json()) == 2
    assert [x["id"] for x in alice.get("/api/v1/mutes").json()] == [bob.id]
    alice.post(f"/api/v1/accounts/{bob.id}/unmute")
    assert len(alice.get("/api/v1/timelines/home").json()) == 2


def test_public_and_tag_timelines_only_public_posts(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    pub = alice.status("public #t")
    alice.status("unlisted #t", visibility="unlisted")
    alice.status("private #t", visibility="private")
    assert ids(client.get("/api/v1/timelines/public").json()) == [pub["id"]]
    assert ids(client.get("/api/v1/timelines/tag/t").json()) == [pub["id"]]
    assert ids(client.get("/api/v1/timelines/tag/T").json()) == [pub["id"]]
    assert ids(client.get("/api/v1/timelines/public", params={"local": "true"}).json()) == [pub["id"]]
    assert client.get("/api/v1/timelines/public", params={"remote": "true"}).json() == []


def test_account_statuses_filters(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    b = bob.status("bob")
    top = alice.status("top #x")
    reply = alice.status("@bob reply", in_reply_to_id=b["id"])
    rb = alice.post(f"/api/v1/statuses/{b['id']}/reblog").json()
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert ids(bob.get(path).json()) == [rb["id"], reply["id"], top["id"]]
    assert ids(bob.get(path, params={"exclude_replies": "true"}).json()) == [rb["id"], top["id"]]
    assert ids(bob.get(path, params={"exclude_reblogs": "1"}).json()) == [reply["id"], top["id"]]
    assert ids(bob.get(path, params={"tagged": "x"}).json()) == [top["id"]]


def test_paging_with_link_header_has_no_gaps_or_duplicates(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    made = [bob.status(f"post {i}")["id"] for i in range(45)]
    seen: list[str] = []
    r = alice.get("/api/v1/timelines/home", params={"limit": 20})
    first = r.json()
    first_link = r.headers["link"]
    seen += ids(first)
    # New posts arrive while paging back.
    newer = [bob.status(f"late {i}")["id"] for i in range(3)]
    while True:
        link = r.headers.get("link", "")
        nxt = [p.split(";")[0].strip("<> ") for p in link.split(",") if 'rel="next"' in p]
        r = alice.get(nxt[0].replace("http://parley.test", ""))
        page = r.json()
        if not page:
            break
        seen += ids(page)
    assert seen == list(reversed(made))
    # The "prev" link of the first page returns exactly the new posts.
    prev = [p.split(";")[0].strip("<> ") for p in first_link.split(",") if 'rel="prev"' in p]
    assert ids(alice.get(prev[0].replace("http://parley.test", "")).json()) == list(reversed(newer))
    since_first = alice.get("/api/v1/timelines/home", params={"min_id": first[0]["id"]}).json()
    assert ids(since_first) == list(reversed(newer))
    since = alice.get("/api/v1/timelines/home", params={"since_id": made[-1], "limit": 2}).json()
    assert ids(since) == [newer[2], newer[1]]
    min_page = alice.get("/api/v1/timelines/home", params={"min_id": made[-1], "limit": 2}).json()
    assert ids(min_page) == [newer[1], newer[0]]
    assert alice.get("/api/v1/timelines/home", params={"limit": 1000}).status_code == 200
    assert len(alice.get("/api/v1/timelines/home", params={"limit": 1000}).json()) == 40
