"""Images in the web UI: attaching them to a post, the alt text reminder, and how posts
with images are shown."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from html import unescape
from typing import Any

from PIL import Image
from starlette.testclient import TestClient

from tests.factories import User
from tests.web.conftest import csrf

Browser = Callable[..., TestClient]


def png(colour: tuple[int, int, int] = (200, 60, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, "PNG")
    return out.getvalue()


def send(browser: TestClient, data: dict[str, Any], files: list[bytes] | None = None) -> Any:
    """The compose form as a browser sends it: multipart, with the chosen files."""
    parts = [("media", (f"photo{i}.png", content, "image/png")) for i, content in enumerate(files or [])]
    if not parts:
        parts = [("media", ("", b"", "application/octet-stream"))]  # an empty file input
    return browser.post(
        "/statuses", data={"csrf_token": csrf(browser), "next": "/home", **data}, files=parts, follow_redirects=False
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the form"
    return unescape(found.group(1))


def test_images_without_alt_text_get_the_reminder_first(user: Callable[..., User], web: Browser) -> None:
    alice = user("alice")
    browser = web(alice)
    r = send(browser, {"status": "Our new park", "idempotency_key": "k1"}, [png(), png((0, 90, 200))])
    # Nothing is posted yet: the form comes back with both images and a place to describe them.
    assert r.status_code == 200
    assert alice.get(f"/api/v1/accounts/{alice.id}/statuses").json() == []
    page = r.text
    assert "Describe each image for people who cannot see it" in page
    assert page.count('class="compose-image"') == 2
    assert 'aria-invalid="true"' in page and "Post without descriptions" in page
    assert "Our new park" in page and hidden(page, "idempotency_key") == "k1"
    first, second = hidden(page, "media_id_0"), hidden(page, "media_id_1")
    # Described, it is posted with the descriptions, in order.
    r = send(browser, {
        "status": "Our new park", "idempotency_key": "k1",
        "media_id_0": first, "description_0": "A red bench", "media_id_1": second, "description_1": "A blue pond",
    })
    assert r.status_code == 303, r.text[:500]
    [post] = alice.get(f"/api/v1/accounts/{alice.id}/statuses").json()
    assert [(m["id"], m["description"]) for m in post["media_attachments"]] == [(first, "A red bench"), (second, "A blue pond")]
    # Sent again (a reload), the idempotency key keeps it one post.
    send(browser, {"status": "Our new park", "idempotency_key": "k1", "media_id_0": first, "description_0": "x"})
    assert len(alice.get(f"/api/v1/accounts/{alice.id}/statuses").json()) == 1


def test_posting_without_descriptions_is_a_choice(user: Callable[..., User], web: Browser) -> None:
    alice = user("alice")
    browser = web(alice)
    page = send(browser, {"status": ""}, [png()]).text
    media_id = hidden(page, "media_id_0")
    r = send(browser, {"status": "", "media_id_0": media_id, "description_0": "", "skip_alt": "1"})
    assert r.status_code == 303
    [post] = alice.get(f"/api/v1/accounts/{alice.id}/statuses").json()
    assert post["content"] == "" and post["media_attachments"][0]["description"] is None


def test_an_image_can_be_removed_before_posting(user: Callable[..., User], web: Browser, client: TestClient) -> None:
    alice = user("alice")
    browser = web(alice)
    page = send(browser, {"status": "Two, then one"}, [png(), png()]).text
    first, second = hidden(page, "media_id_0"), hidden(page, "media_id_1")
    r = send(browser, {
        "status": "Two, then one", "media_id_0": first, "remove_0": "1",
        "media_id_1": second, "description_1": "The one I kept",
    })
    assert r.status_code == 303
    [post] = alice.get(f"/api/v1/accounts/{alice.id}/statuses").json()
    assert [m["id"] for m in post["media_attachments"]] == [second]
    assert alice.get(f"/api/v1/media/{first}").status_code == 404


def test_bad_files_and_too_many_are_explained_on_the_form(user: Callable[..., User], web: Browser) -> None:
    alice = user("alice")
    browser = web(alice)
    r = send(browser, {"status": "Not a picture"}, [b"%PDF-1.4 a document"])
    assert r.status_code == 422
    assert "JPEG, PNG, GIF or WebP" in unescape(r.text) and "Not a picture" in r.text
    r = send(browser, {"status": "Five"}, [png()] * 5)
    assert r.status_code == 422 and "more than 4" in r.text
    assert alice.get(f"/api/v1/accounts/{alice.id}/statuses").json() == []


def test_a_refused_post_keeps_its_uploaded_images(user: Callable[..., User], web: Browser) -> None:
    alice = user("alice")
    browser = web(alice)
    page = send(browser, {"status": "x" * 300}, [png()]).text
    media_id = hidden(page, "media_id_0")
    r = send(browser, {"status": "x" * 300, "media_id_0": media_id, "description_0": "Described"})
    assert r.status_code == 422 and "too long" in r.text
    assert hidden(r.text, "media_id_0") == media_id and "Described" in r.text


def test_someone_elses_upload_cannot_be_taken(user: Callable[..., User], web: Browser) -> None:
    alice, bob = user("alice"), user("bob")
    bobs = bob.post("/api/v2/media", files={"file": ("b.png", png())}, data={"description": "Bob's"}).json()["id"]
    r = send(web(alice), {"status": "Stolen", "media_id_0": bobs, "description_0": "mine now"})
    assert r.status_code == 404
    assert alice.get(f"/api/v1/accounts/{alice.id}/statuses").json() == []


def test_posts_show_their_images_with_alt_text(user: Callable[..., User], client: TestClient) -> None:
    alice = user("alice")
    described = alice.post("/api/v2/media", files={"file": ("a.png", png())}, data={"description": "A red bench"}).json()
    bare = alice.post("/api/v2/media", files={"file": ("b.png", png())}).json()
    post = alice.status("Park", media_ids=[described["id"], bare["id"]])
    page = client.get(f"/@alice/{post['id']}").text
    assert 'alt="A red bench"' in page and "A red bench</figcaption>" in page
    assert 'alt="Image without a description"' in page
    assert described["preview_url"] in page and f'href="{described["url"]}"' in page
    # The profile's media tab lists it; a post without images is not there.
    alice.status("Words only")
    media_tab = client.get("/@alice/media").text
    assert "Park" in media_tab and "Words only" not in media_tab


def test_sensitive_images_are_folded(user: Callable[..., User], client: TestClient) -> None:
    alice = user("alice")
    m = alice.post("/api/v2/media", files={"file": ("a.png", png())}, data={"description": "Gore"}).json()
    post = alice.status("Careful", media_ids=[m["id"]], sensitive=True)
    page = client.get(f"/@alice/{post['id']}").text
    assert re.search(r'<details class="sensitive-media">\s*<summary>Sensitive image', page)


def test_the_counter_allows_an_empty_text_with_images(client: TestClient, web: Browser, user: Callable[..., User]) -> None:
    browser = web(user("alice"))
    token = csrf(browser)
    blank = browser.post("/compose/count", data={"text": "", "csrf_token": token}).json()
    assert blank["valid"] is False
    with_media = browser.post("/compose/count", data={"text": "", "with_media": "1", "csrf_token": token}).json()
    assert with_media["valid"] is True


def test_the_compose_form_speaks_dutch(user: Callable[..., User], web: Browser) -> None:
    alice = user("alice", locale="nl")
    page = send(web(alice), {"status": "Ons park"}, [png()]).text
    assert "Afbeeldingen toevoegen" in page and "Beschrijf elke afbeelding voor wie haar niet kan zien" in page
    assert "Describe each image" not in page


def test_errors_on_the_form_are_in_dutch_without_the_api_prefix(user: Callable[..., User], web: Browser) -> None:
    page = send(web(user("alice", locale="nl")), {"status": "a" * 281}).text
    assert "De tekst is te lang (281 tekens; de grens is 280)" in unescape(page)
    assert "Validatie mislukt" not in page and "Validation failed" not in page
