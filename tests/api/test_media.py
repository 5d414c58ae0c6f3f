"""Image uploads through the Mastodon API: upload, describe, attach, read, edit, delete,
and the files behind the URLs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import update
from starlette.testclient import TestClient

from parley.media.service import prune, remove_files
from parley.services import Services
from parley.store.tables import MediaAttachment, Post, utcnow
from tests.factories import User
from tests.moderation import decide, report_case, staff_world
from tests.web.conftest import web_client

MakeUser = Callable[..., User]


def png(width: int = 120, height: int = 80, colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def upload(u: User, data: bytes | None = None, path: str = "/api/v2/media", **fields: str) -> Any:
    files = {"file": ("photo.png", data if data is not None else png(), "image/png")}
    return u.post(path, files=files, data=fields)


def uploaded(u: User, **fields: str) -> dict[str, Any]:
    r = upload(u, **fields)
    assert r.status_code == 200, r.text
    return r.json()


def local(url: str) -> str:
    return url.removeprefix("http://parley.test")


def test_upload_answers_a_mastodon_media_attachment(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    m = uploaded(alice, description="A blue square", focus="0.5,-0.25")
    assert m["type"] == "image" and m["description"] == "A blue square" and m["id"].isdigit()
    assert m["meta"]["original"] == {"width": 120, "height": 80, "size": "120x80", "aspect": 1.5}
    assert m["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert m["url"].startswith("http://parley.test/media/") and m["url"].endswith("/original.png")
    assert m["remote_url"] is None and "blurhash" in m
    # The files are served to anyone with the URL, as images.
    original = client.get(local(m["url"]))
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(original.content)).size == (120, 80)
    assert original.headers["x-content-type-options"] == "nosniff"
    small = client.get(local(m["preview_url"]))
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    # The v1 path does the same; undescribed uploads have a null description.
    v1 = upload(alice, path="/api/v1/media")
    assert v1.status_code == 200 and v1.json()["description"] is None


def test_bad_uploads_get_clear_errors(user: MakeUser) -> None:
    alice = user("alice")
    r = upload(alice, b"just some text")
    assert r.status_code == 422 and "JPEG, PNG, GIF or WebP" in r.json()["error"]
    r = alice.post("/api/v2/media", data={"description": "no file"})
    assert r.status_code == 422 and "File can't be blank" in r.json()["error"]
    r = upload(alice, description="x" * 1501)
    assert r.status_code == 422 and "1500" in r.json()["error"]
    r = upload(alice, focus="2,0")
    assert r.status_code == 422 and "Focus" in r.json()["error"]
    assert user("reader", scopes="read").post("/api/v2/media", files={"file": ("a.png", png())}).status_code == 403
    assert alice.client.post("/api/v2/media", files={"file": ("a.png", png())}).status_code == 401


def test_describe_and_delete_before_posting(user: MakeUser, client: TestClient, services: Services) -> None:
    alice, bob = user("alice"), user("bob")
    m = uploaded(alice)
    r = alice.put(f"/api/v1/media/{m['id']}", json={"description": "Now described", "focus": "0,1"})
    assert r.status_code == 200 and r.json()["description"] == "Now described"
    assert alice.get(f"/api/v1/media/{m['id']}").json()["meta"]["focus"] == {"x": 0.0, "y": 1.0}
    # Someone else's upload does not exist for bob.
    assert bob.put(f"/api/v1/media/{m['id']}", json={"description": "mine"}).status_code == 404
    assert bob.delete(f"/api/v1/media/{m['id']}").status_code == 404
    assert alice.delete(f"/api/v1/media/{m['id']}").json() == {}
    assert client.get(local(m["url"])).status_code == 404
    assert not (services.settings.data_dir / "media" / local(m["url"]).split("/")[2]).exists()
    assert alice.get(f"/api/v1/media/{m['id']}").status_code == 404


def test_posts_carry_their_images_in_order(user: MakeUser, client: TestClient) -> None:
    alice, bob = user("alice"), user("bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    first, second = uploaded(alice, description="First"), uploaded(alice, description="Second")
    s = alice.status("Two pictures", media_ids=[second["id"], first["id"]])
    assert [m["id"] for m in s["media_attachments"]] == [second["id"], first["id"]]
    assert s["media_attachments"][1]["description"] == "First"
    # Readers see them wherever the post is read.
    assert bob.get(f"/api/v1/statuses/{s['id']}").json()["media_attachments"] == s["media_attachments"]
    home = bob.get("/api/v1/timelines/home").json()
    assert home[0]["id"] == s["id"] and len(home[0]["media_attachments"]) == 2
    # A repost points to the original, which carries the images.
    reblog = bob.post(f"/api/v1/statuses/{s['id']}/reblog").json()
    assert reblog["media_attachments"] == [] and len(reblog["reblog"]["media_attachments"]) == 2
    # Once in a post, an upload is no longer the uploader's to describe or delete.
    assert alice.put(f"/api/v1/media/{first['id']}", json={"description": "x"}).status_code == 404
    r = alice.delete(f"/api/v1/media/{first['id']}")
    assert r.status_code == 422 and "used by a status" in r.json()["error"]


def test_text_may_be_empty_with_images_only(user: MakeUser) -> None:
    alice = user("alice")
    m = uploaded(alice, description="Sunset")
    s = alice.status("", media_ids=[m["id"]])
    assert s["content"] == "" and len(s["media_attachments"]) == 1
    r = alice.post("/api/v1/statuses", json={"status": ""})
    assert r.status_code == 422 and "blank" in r.json()["error"]


def test_attaching_refuses_what_it_cannot_take(user: MakeUser) -> None:
    alice, bob = user("alice"), user("bob")
    five = [uploaded(alice)["id"] for _ in range(5)]
    r = alice.post("/api/v1/statuses", json={"status": "Too many", "media_ids": five})
    assert r.status_code == 422 and "more than 4" in r.json()["error"]
    theirs = uploaded(bob)["id"]
    r = alice.post("/api/v1/statuses", json={"status": "Not mine", "media_ids": [theirs]})
    assert r.status_code == 422 and theirs in r.json()["error"]
    r = alice.post("/api/v1/statuses", json={"status": "No such", "media_ids": ["123", "abc"]})
    assert r.status_code == 422
    alice.status("Taken", media_ids=[five[0]])
    r = alice.post("/api/v1/statuses", json={"status": "Again", "media_ids": [five[0]]})
    assert r.status_code == 422 and five[0] in r.json()["error"]
    r = alice.post("/api/v1/statuses", json={"status": "Twice", "media_ids": [five[1], five[1]]})
    assert r.status_code == 422
    # A refused post wrote nothing: the uploads are still free.
    assert alice.status("Fine", media_ids=five[1:5])["media_attachments"][3]["id"] == five[4]


def test_form_encoded_media_ids(user: MakeUser) -> None:
    alice = user("alice")
    a, b = uploaded(alice)["id"], uploaded(alice)["id"]
    r = alice.post("/api/v1/statuses", data={"status": "From a form", "media_ids[]": [a, b]})
    assert r.status_code == 200 and [m["id"] for m in r.json()["media_attachments"]] == [a, b]


def test_only_media_filters(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    alice.status("Words only")
    with_image = alice.status("With an image", media_ids=[uploaded(alice)["id"]])
    mine = alice.get(f"/api/v1/accounts/{alice.id}/statuses", params={"only_media": "true"}).json()
    assert [s["id"] for s in mine] == [with_image["id"]]
    public = client.get("/api/v1/timelines/public", params={"only_media": "true"}).json()
    assert [s["id"] for s in public] == [with_image["id"]]
    assert len(client.get("/api/v1/timelines/public").json()) == 2


def test_edit_changes_images_and_descriptions(user: MakeUser) -> None:
    alice = user("alice")
    a, b = uploaded(alice), uploaded(alice)
    s = alice.status("Edit me", media_ids=[a["id"]])
    # Text alone: the images stay.
    r = alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "Edited"})
    assert [m["id"] for m in r.json()["media_attachments"]] == [a["id"]]
    # A new set, with a description changed on the way.
    r = alice.put(
        f"/api/v1/statuses/{s['id']}",
        json={
            "status": "Edited again",
            "media_ids": [b["id"], a["id"]],
            "media_attributes": [{"id": a["id"], "description": "Described in the edit"}],
        },
    )
    assert r.status_code == 200, r.text
    media = r.json()["media_attachments"]
    assert [m["id"] for m in media] == [b["id"], a["id"]] and media[1]["description"] == "Described in the edit"
    # Dropping one lets it go: it is a free upload again.
    r = alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "Only b", "media_ids": [b["id"]]})
    assert [m["id"] for m in r.json()["media_attachments"]] == [b["id"]]
    assert alice.get(f"/api/v1/media/{a['id']}").status_code == 200
    history = alice.get(f"/api/v1/statuses/{s['id']}/history").json()
    assert [m["id"] for m in history[-1]["media_attachments"]] == [b["id"]]
    r = alice.put(f"/api/v1/statuses/{s['id']}", json={"status": "x", "media_attributes": [{"id": a["id"], "description": "?"}]})
    assert r.status_code == 422
    r = alice.put(f"/api/v1/statuses/{s['id']}", data={"status": "x", "media_attributes[][id]": ""})
    assert r.status_code == 422 and "not found" in r.json()["error"]


def test_deleted_post_stops_serving_and_can_be_redrafted(user: MakeUser, client: TestClient) -> None:
    alice = user("alice")
    m = uploaded(alice, description="Kept for the redraft")
    s = alice.status("Oops", media_ids=[m["id"]])
    deleted = alice.delete(f"/api/v1/statuses/{s['id']}").json()
    assert deleted["text"] == "Oops" and deleted["media_attachments"][0]["id"] == m["id"]
    assert client.get(local(m["url"])).status_code == 404
    redraft = alice.status("Better", media_ids=[m["id"]])
    assert redraft["media_attachments"][0]["description"] == "Kept for the redraft"
    assert client.get(local(m["url"])).status_code == 200


def test_removed_post_stops_serving(services: Services, client: TestClient) -> None:
    world = staff_world(services, client)
    author, reporter, mod = world["make"]("author"), world["make"]("reporter"), world["mod1"]
    m = uploaded(author, description="Spam picture")
    s = author.status("Buy now", media_ids=[m["id"]])
    case_id = report_case(reporter, author, s["id"], "platform-manipulation-spam", mod)
    r = decide(mod, case_id, rule_id="platform-manipulation-spam", actions=["remove"], status_id=s["id"], reasons="Spam.")
    assert r.status_code == 200, r.text
    assert client.get(local(m["url"])).status_code == 404
    assert client.get(local(m["preview_url"])).status_code == 404
    # Moderators signed in to the web UI still see it (an appeal is reviewed on the
    # evidence); nobody's cache keeps it.
    with web_client(client, mod.username) as moderator, web_client(client, reporter.username) as someone:
        seen = moderator.get(local(m["url"]))
        assert seen.status_code == 200 and seen.headers["cache-control"] == "private, no-store"
        assert someone.get(local(m["url"])).status_code == 404


def test_file_urls_that_do_not_exist(user: MakeUser, client: TestClient) -> None:
    m = uploaded(user("alice"))
    key = local(m["url"]).split("/")[2]
    for path in (f"/media/{key}/original.jpg", f"/media/{key}/other.png", f"/media/{'0' * 32}/original.png",
                 "/media/../../etc/passwd", f"/media/{key}/..%2f..%2fparley.db"):
        assert client.get(path).status_code == 404, path


def test_instance_advertises_the_limits(client: TestClient, services: Services) -> None:
    config = client.get("/api/v2/instance").json()["configuration"]
    assert config["statuses"]["max_media_attachments"] == services.settings.max_media_attachments
    assert config["media_attachments"]["image_size_limit"] == services.settings.max_image_bytes
    assert "image/png" in config["media_attachments"]["supported_mime_types"]


def test_prune_deletes_old_unposted_uploads_and_images_of_deleted_posts(user: MakeUser, services: Services, client: TestClient) -> None:
    alice = user("alice")
    never_posted, of_deleted, of_live, fresh = (uploaded(alice) for _ in range(4))
    deleted = alice.status("gone", media_ids=[of_deleted["id"]])
    alice.status("still here", media_ids=[of_live["id"]])
    alice.delete(f"/api/v1/statuses/{deleted['id']}")
    old = utcnow() - timedelta(hours=30)
    with services.db.unit() as uow:
        ids = [int(m["id"]) for m in (never_posted, of_deleted, of_live)]
        uow.session.execute(update(MediaAttachment).where(MediaAttachment.id.in_(ids)).values(created_at=old))
        uow.session.execute(update(Post).where(Post.id == int(deleted["id"])).values(deleted_at=old))
    with services.db.unit() as uow:
        keys = prune(uow.session, timedelta(hours=24))
    remove_files(services.settings, keys)
    assert sorted(keys) == sorted(local(m["url"]).split("/")[2] for m in (never_posted, of_deleted))
    for m in (never_posted, of_deleted):
        assert not (services.settings.data_dir / "media" / local(m["url"]).split("/")[2]).exists()
    for m in (of_live, fresh):
        assert client.get(local(m["url"])).status_code == 200
    assert alice.get(f"/api/v1/media/{fresh['id']}").status_code == 200
