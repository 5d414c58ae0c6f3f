"""Notifications and search."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.factories import User

MakeUser = Callable[..., User]


def types(resp: list[dict]) -> list[str]:
    return [n["type"] for n in resp]


def test_notification_types(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("hello")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    bob.post(f"/api/v1/statuses/{s['id']}/favourite")
    bob.post(f"/api/v1/statuses/{s['id']}/reblog")
    bob.status("@alice hi")
    bob.status("quoting", quoted_status_id=s["id"])
    notes = alice.get("/api/v1/notifications").json()
    assert types(notes) == ["quote", "mention", "reblog", "favourite", "follow"]
    assert notes[1]["status"]["content"].startswith("<p>")
    assert notes[4]["status"] is None and notes[4]["account"]["id"] == bob.id
    only = alice.get("/api/v1/notifications", params=[("types[]", "mention"), ("types[]", "follow")]).json()
    assert types(only) == ["mention", "follow"]
    excl = alice.get("/api/v1/notifications", params=[("exclude_types[]", "favourite")]).json()
    assert "favourite" not in types(excl)
    # Unknown or newer types match nothing rather than failing (clients send them).
    assert alice.get("/api/v1/notifications", params=[("types[]", "bogus")]).json() == []
    assert len(alice.get("/api/v1/notifications", params=[("exclude_types[]", "severed_relationships")]).json()) == 5
    # Nobody is notified of their own actions.
    alice.post(f"/api/v1/statuses/{s['id']}/favourite")
    assert len(alice.get("/api/v1/notifications").json()) == 5
    # Edits notify those who reposted.
    alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "hello, edited"})
    assert types(bob.get("/api/v1/notifications").json()) == ["update"]


def test_notification_get_dismiss_clear_unread(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    bob.status("@alice one")
    bob.status("@alice two")
    notes = alice.get("/api/v1/notifications").json()
    assert alice.get("/api/v1/notifications/unread_count").json() == {"count": 2}
    assert alice.get(f"/api/v1/notifications/{notes[0]['id']}").json()["id"] == notes[0]["id"]
    assert carol.get(f"/api/v1/notifications/{notes[0]['id']}").status_code == 404
    alice.post("/api/v1/markers", json={"notifications": {"last_read_id": notes[1]["id"]}})
    assert alice.get("/api/v1/notifications/unread_count").json() == {"count": 1}
    assert alice.post(f"/api/v1/notifications/{notes[0]['id']}/dismiss").status_code == 200
    assert len(alice.get("/api/v1/notifications").json()) == 1
    alice.post("/api/v1/notifications/clear")
    assert alice.get("/api/v1/notifications").json() == []


def test_a_notification_one_may_not_see_is_not_found_by_id(user: MakeUser) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    bob.status("@alice from bob")
    mention = carol.status("@alice for followers", visibility="private")
    from_bob, from_carol = alice.get("/api/v1/notifications").json()[::-1]
    alice.post(f"/api/v1/accounts/{bob.id}/mute")  # hiding notifications, by default
    assert alice.get(f"/api/v1/notifications/{from_bob['id']}").status_code == 404
    assert alice.get(f"/api/v1/notifications/{from_carol['id']}").json()["status"]["id"] == mention["id"]
    # Edited to mention her no more, the post is out of her sight, and so is the notification.
    carol.put(f"/api/v1/statuses/{mention['id']}", json={"status": "for followers"})
    assert alice.get(f"/api/v1/notifications/{from_carol['id']}").status_code == 404


def test_unfavourite_and_delete_retract_notifications(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    s = alice.status("hello")
    bob.post(f"/api/v1/statuses/{s['id']}/favourite")
    bob.post(f"/api/v1/statuses/{s['id']}/unfavourite")
    m = bob.status("@alice hi")
    bob.delete(f"/api/v1/statuses/{m['id']}")
    assert alice.get("/api/v1/notifications").json() == []


def test_search_accounts_hashtags_statuses(user: MakeUser, client: TestClient) -> None:
    alice, bob = user("alice", display_name="Alice Liddell"), user("bob")
    s = alice.status("Wonderland tea party #MadHatter")
    alice.status("private tea", visibility="private")
    r = bob.get("/api/v2/search", params={"q": "ali"}).json()
    assert [a["id"] for a in r["accounts"]] == [alice.id]
    r = bob.get("/api/v2/search", params={"q": "#madh", "type": "hashtags"}).json()
    assert [t["name"] for t in r["hashtags"]] == ["MadHatter"]
    r = bob.get("/api/v2/search", params={"q": "tea", "type": "statuses"}).json()
    assert [x["id"] for x in r["statuses"]] == [s["id"]]
    r = bob.get("/api/v2/search", params={"q": "wonder"}).json()
    assert [x["id"] for x in r["statuses"]] == [s["id"]]
    # Operators and quotes in the query are inert.
    # (As operators, "tea OR ..." would find the post; as words, nothing has them all.)
    r = bob.get("/api/v2/search", params={"q": 'tea" OR * NEAR('}).json()
    assert r["statuses"] == []
    alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "Changed words entirely"})
    assert bob.get("/api/v2/search", params={"q": "wonderland"}).json()["statuses"] == []
    assert [x["id"] for x in bob.get("/api/v2/search", params={"q": "changed"}).json()["statuses"]] == [s["id"]]
    alice.delete(f"/api/v1/statuses/{s['id']}")
    assert bob.get("/api/v2/search", params={"q": "changed"}).json()["statuses"] == []
    assert bob.get("/api/v2/search", params={"q": "x", "type": "nonsense"}).status_code == 422


def test_search_hides_blocked_authors(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    alice.status("findable words")
    bob.post(f"/api/v1/accounts/{alice.id}/block")
    assert bob.get("/api/v2/search", params={"q": "findable"}).json()["statuses"] == []
