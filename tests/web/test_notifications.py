"""The notifications page: what happened and who did it, marked read when seen, the
mentions tab, follow requests answered in place, moderation warnings, clearing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.factories import User
from tests.moderation import staff_world
from tests.web.conftest import submit, web_client

MakeUser = Callable[..., User]
Web = Callable[..., TestClient]


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def unread(person: User) -> int:
    return int(person.get("/api/v1/notifications/unread_count").json()["count"])


def test_a_like_is_shown_and_the_page_marks_it_read(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob", display_name="Bob Baker")
    post = alice.status("my lovely post")
    bob.post(f"/api/v1/statuses/{post['id']}/favourite")
    assert unread(alice) == 1
    browser = web(alice)
    r = browser.get("/notifications")
    assert r.status_code == 200
    page = main_of(r.text)
    assert page.count("<h1") == 1 and "1 new" in page
    assert re.search(r'<a class="who" href="/@bob">Bob Baker</a>\s+liked your post', page)
    assert "my lovely post" in page and f'id="post-{post["id"]}"' in page
    assert 'class="notification notification-favourite unread"' in page
    assert '<a href="/notifications" aria-current="page">All</a>' in page
    # Seen: the marker moved, so it is no longer new.
    assert unread(alice) == 0
    page = main_of(browser.get("/notifications").text)
    assert "1 new" not in page and " unread" not in page and "liked your post" in page


def test_kinds_of_notifications_are_told_apart(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    post = alice.status("hello")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    bob.post(f"/api/v1/statuses/{post['id']}/reblog")
    bob.status("@alice look at this")
    bob.status("quoting you", quoted_status_id=post["id"])
    page = main_of(web(alice).get("/notifications").text)
    for text in ("followed you", "reposted your post", "mentioned you", "quoted your post"):
        assert text in page, text
    assert "4 new" in page


def test_the_mentions_tab_shows_mentions_only(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    post = alice.status("hello")
    bob.post(f"/api/v1/statuses/{post['id']}/favourite")
    bob.status("@alice a mention")
    browser = web(alice)
    for path in ("/notifications/mentions", "/notifications?type=mention"):
        page = main_of(browser.get(path).text)
        assert "a mention" in page and "mentioned you" in page
        assert "liked your post" not in page
        assert 'aria-current="page">Mentions</a>' in page
    # Reading mentions alone leaves the rest unread.
    assert unread(alice) == 2


def test_likes_of_one_post_are_grouped(user: MakeUser, web: Web) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    post = alice.status("popular")
    bob.post(f"/api/v1/statuses/{post['id']}/favourite")
    carol.post(f"/api/v1/statuses/{post['id']}/favourite")
    bob.post(f"/api/v1/statuses/{post['id']}/reblog")
    page = main_of(web(alice).get("/notifications").text)
    assert re.search(r">carol</a>\s+and 1 other\s+liked your post", page)
    assert page.count("liked your post") == 1
    # The post is shown once on the page; the other entry links to it.
    assert page.count(f'id="post-{post["id"]}"') == 1 and "View the post" in page


def test_a_follow_request_is_answered_from_the_notification(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice", locked=True), user("bob")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    browser = web(alice)
    page = main_of(browser.get("/notifications").text)
    assert "requested to follow you" in page and f'action="/follow_requests/{bob.id}/authorize"' in page
    assert "1 person asks to follow you" in page
    r = submit(browser, f"/follow_requests/{bob.id}/authorize", {"next": "/notifications"})
    assert r.status_code == 303 and r.headers["location"] == "/notifications?done=authorized"
    assert "Follow request accepted." in browser.get(r.headers["location"]).text
    rel = bob.get("/api/v1/accounts/relationships", params={"id[]": alice.id}).json()[0]
    assert rel["following"] is True


def test_clear_all(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    bob.status("@alice one")
    browser = web(alice)
    assert "Clear all" in browser.get("/notifications").text
    r = submit(browser, "/notifications/clear")
    assert r.status_code == 303
    page = browser.get(r.headers["location"]).text
    assert "Your notifications were cleared." in page and 'class="flash ok" role="status"' in page
    assert "Nothing yet." in page
    assert alice.get("/api/v1/notifications").json() == []


def test_notifications_are_older_and_newer_pages(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    for n in range(32):
        bob.status(f"@alice mention {n}")
    browser = web(alice)
    page = main_of(browser.get("/notifications").text)
    assert "mention 31<" in page and "mention 1<" not in page
    older = re.search(r'href="(/notifications\?max_id=\d+)" rel="next"', page)
    assert older
    page = main_of(browser.get(older.group(1)).text)
    assert "mention 1<" in page and "mention 0<" in page and "mention 31<" not in page


def test_a_moderation_warning_links_to_its_statement(services: Any, client: TestClient) -> None:
    world = staff_world(services, client)
    troll: User = world["make"]("troll")
    victim: User = world["make"]("victim")
    post = troll.status("@victim nobody wants you here")
    r = victim.post("/api/v1/reports", json={"account_id": troll.id, "status_ids": [post["id"]], "rule_ids": ["abuse-harassment"]})
    assert r.status_code == 200, r.text
    r = world["mod1"].post(
        f"/api/v1/admin/accounts/{troll.id}/action",
        json={"type": "none", "report_id": r.json()["id"], "text": "Be kind to people."},
    )
    assert r.status_code == 200, r.text
    browser = web_client(client, troll)
    try:
        page = main_of(browser.get("/notifications").text)
    finally:
        browser.close()
    assert "Moderators made a decision" in page and "Be kind to people." in page
    assert re.search(r'href="/transparency/decisions/\d+">Read the statement of reasons', page)
    assert "/settings/moderation#decision-" in page


def test_signed_out_people_are_sent_to_sign_in(client: TestClient) -> None:
    r = client.get("/notifications", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/auth/sign_in?next=%2Fnotifications"


def nav_of(html: str) -> str:
    return html[html.index('<nav class="sidebar"') : html.index("</nav>")]


def test_the_navigation_counts_new_notifications_but_not_from_muted_people(user: MakeUser, web: Web) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    post = alice.status("count my likes")
    browser = web(alice)
    assert "badge-count" not in nav_of(browser.get("/home").text)
    bob.post(f"/api/v1/statuses/{post['id']}/favourite")
    carol.post(f"/api/v1/statuses/{post['id']}/favourite")
    nav = nav_of(browser.get("/home").text)
    assert re.search(r'<span class="badge-count"><span aria-hidden="true">2</span><span class="visually-hidden">2 new</span>', nav)
    # Muted with their notifications, carol no longer counts, here and in the API.
    alice.post(f"/api/v1/accounts/{carol.id}/mute", json={"notifications": True})
    assert unread(alice) == 1
    assert '<span aria-hidden="true">1</span>' in nav_of(browser.get("/home").text)
    # Seeing the notifications reads them: the badge goes.
    assert "badge-count" not in nav_of(browser.get("/notifications").text)
    assert "badge-count" not in nav_of(browser.get("/home").text)
