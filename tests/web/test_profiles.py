"""Profile pages: the header, the posts tabs, follower lists, follow requests, and the
follow / block / mute buttons, signed out and signed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.factories import User
from tests.moderation import head_of_state, staff_world
from tests.web.conftest import submit

MakeUser = Callable[..., User]
Web = Callable[..., TestClient]


def relationship(viewer: User, other: User) -> dict[str, Any]:
    r = viewer.get("/api/v1/accounts/relationships", params={"id[]": other.id})
    assert r.status_code == 200, r.text
    return dict(r.json()[0])


def main_of(html: str) -> str:
    """The page's main content, without the navigation and the side column."""
    return html[html.index('<main id="main"') : html.index("</main>")]


def test_a_profile_works_signed_out(client: TestClient, user: MakeUser) -> None:
    alice, bob = user("alice", display_name="Alice Archer", note="Gardener.\n\nLikes <b>tomatoes</b>."), user("bob")
    r = alice.patch(
        "/api/v1/accounts/update_credentials",
        data={"fields_attributes[0][name]": "Site", "fields_attributes[0][value]": "https://alice.example"},
    )
    assert r.status_code == 200, r.text
    first = alice.status("My first post")
    alice.status("More about my garden", in_reply_to_id=first["id"])  # a thread she continues
    bob_post = bob.status("hello alice")
    alice.status("@bob hi back", in_reply_to_id=bob_post["id"])

    r = client.get("/@alice")
    assert r.status_code == 200
    page = main_of(r.text)
    assert page.count("<h1") == 1 and "Alice Archer" in page and "@alice" in page
    # The bio is escaped text in paragraphs, never markup of its author's.
    assert "<p>Gardener.</p>" in page and "&lt;b&gt;tomatoes&lt;/b&gt;" in page
    assert "<dt>Site</dt>" in page and "https://alice.example" in page
    assert "Joined" in page
    assert re.search(r"<strong>3</strong> posts", page)
    assert 'href="/@alice/followers"' in page and 'href="/@alice/following"' in page
    # Posts: her own thread stays, her reply to someone else is on the replies tab only.
    assert "My first post" in page and "More about my garden" in page and "hi back" not in page
    assert '<a href="/@alice" aria-current="page">Posts</a>' in page
    # Signed out: a link to sign in instead of the buttons, and no likes tab.
    assert "/auth/sign_in?next=" in page and 'action="/@alice/follow"' not in page
    assert "/@alice/likes" not in page

    replies = main_of(client.get("/@alice/with_replies").text)
    assert "hi back" in replies and "My first post" in replies
    assert 'aria-current="page">Posts and replies</a>' in replies
    media = client.get("/@alice/media")
    assert media.status_code == 200 and "No posts with pictures or video yet." in media.text
    assert client.get("/@alice/likes").status_code == 404

    assert client.get("/@nobody").status_code == 404
    assert client.get("/@alice@elsewhere.example").status_code == 404
    assert client.get("/@ALICE").status_code == 200


def test_posts_are_paged_older_and_newer(client: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    for n in range(22):
        alice.status(f"post number {n}")
    page = main_of(client.get("/@alice").text)
    assert "post number 21" in page and "post number 2<" in page and "post number 1<" not in page
    older = re.search(r'href="(/@alice\?max_id=\d+)" rel="next"', page)
    assert older and 'rel="prev"' not in page
    page2 = main_of(client.get(older.group(1)).text)
    assert "post number 1<" in page2 and "post number 0<" in page2 and "post number 2<" not in page2
    newer = re.search(r'href="(/@alice\?min_id=\d+)" rel="prev"', page2)
    assert newer
    back = main_of(client.get(newer.group(1)).text)
    assert "post number 2<" in back and "post number 21" in back and "post number 1<" not in back


def test_pinned_posts_come_first_once(client: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    old = alice.status("pin me")
    alice.status("newer post")
    assert alice.post(f"/api/v1/statuses/{old['id']}/pin").status_code == 200
    page = main_of(client.get("/@alice").text)
    assert "Pinned" in page
    assert page.index("pin me") < page.index("newer post")
    assert page.count(f'id="post-{old["id"]}"') == 1


def test_follow_then_unfollow_through_the_forms(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    browser = web(bob)
    page = browser.get("/@alice").text
    assert 'action="/@alice/follow"' in page and "data-inplace" in page

    # Without JavaScript: a 303 back to the page.
    r = submit(browser, "/@alice/follow", {"next": "/@alice"})
    assert r.status_code == 303 and r.headers["location"] == "/@alice"
    assert relationship(bob, alice)["following"] is True
    page = browser.get("/@alice").text
    assert 'action="/@alice/unfollow"' in page and re.search(r"<strong>1</strong> followers?", page)
    assert "@bob" in main_of(browser.get("/@alice/followers").text)

    # With JavaScript: the buttons come back as a fragment to swap in.
    r = submit(browser, "/@alice/unfollow", {"next": "/@alice"}, headers={"X-Parley-Fragment": "1"})
    assert r.status_code == 200
    assert r.text.startswith('<div class="relationship"') and "data-replace" in r.text
    assert 'action="/@alice/follow"' in r.text
    assert relationship(bob, alice)["following"] is False

    # Following oneself is refused with a page, never a crash.
    r = submit(browser, "/@bob/follow", {"next": "/@bob"})
    assert r.status_code == 403


def test_acting_signed_out_sends_to_sign_in(client: TestClient, user: MakeUser) -> None:
    user("alice")
    client.get("/@alice")
    r = submit(client, "/@alice/follow", {"next": "/@alice"})
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in")


def test_a_locked_account_is_asked_and_answers(user: MakeUser, web: Web) -> None:
    carol, bob, dan = user("carol", locked=True), user("bob"), user("dan")
    bob_browser = web(bob)
    submit(bob_browser, "/@carol/follow", {"next": "/@carol"})
    assert relationship(bob, carol)["requested"] is True
    page = bob_browser.get("/@carol").text
    assert "Requested" in page and 'action="/@carol/unfollow"' in page
    web_dan = web(dan)
    submit(web_dan, "/@carol/follow", {"next": "/@carol"})

    carol_browser = web(carol)
    assert "2 people ask to follow you" in carol_browser.get("/@carol").text
    page = carol_browser.get("/follow_requests").text
    assert "@bob" in page and "@dan" in page
    r = submit(carol_browser, f"/follow_requests/{bob.id}/authorize", {"next": "/follow_requests"})
    assert r.status_code == 303
    page = carol_browser.get(r.headers["location"]).text
    assert "Follow request accepted." in page and 'role="status"' in page
    assert relationship(bob, carol)["following"] is True
    r = submit(carol_browser, f"/follow_requests/{dan.id}/reject", {"next": "/follow_requests"}, headers={"X-Parley-Fragment": "1"})
    assert r.status_code == 200 and "Rejected" in r.text
    assert relationship(dan, carol)["requested"] is False
    # Answering a request nobody made: not found.
    assert submit(carol_browser, f"/follow_requests/{dan.id}/authorize", {}).status_code == 404
    assert "Nobody is waiting for your answer." in carol_browser.get("/follow_requests").text


def test_block_and_mute_through_the_forms(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    alice.status("alice writes")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    browser = web(bob)

    r = submit(browser, "/@alice/mute", {"next": "/@alice"}, headers={"X-Parley-Fragment": "1"})
    assert r.status_code == 200 and 'action="/@alice/unmute"' in r.text
    assert relationship(bob, alice)["muting"] is True
    submit(browser, "/@alice/unmute", {"next": "/@alice"})
    assert relationship(bob, alice)["muting"] is False

    r = submit(browser, "/@alice/block", {"next": "/@alice"})
    assert r.status_code == 303
    rel = relationship(bob, alice)
    assert rel["blocking"] is True and rel["following"] is False
    page = main_of(browser.get("/@alice").text)
    assert 'action="/@alice/unblock"' in page and 'action="/@alice/follow"' not in page
    assert "alice writes" not in page and "You blocked this account." in page

    # The one blocked sees the profile, but neither the posts nor a way to follow.
    alice_browser = web(alice)
    bob.status("bob writes")
    page = main_of(alice_browser.get("/@bob").text)
    assert "bob writes" not in page and "You cannot see this account&#39;s posts." in page
    assert 'action="/@bob/follow"' not in page
    # As the API does, the follower lists of someone who blocks you are empty for you.
    carol = user("carol")
    carol.post(f"/api/v1/accounts/{bob.id}/follow")
    assert "@carol" in browser.get("/@bob/followers").text
    assert "@carol" not in alice_browser.get("/@bob/followers").text

    submit(browser, "/@alice/unblock", {"next": "/@alice"})
    assert relationship(bob, alice)["blocking"] is False
    assert "alice writes" in browser.get("/@alice").text


def test_likes_are_seen_by_their_owner_alone(client: TestClient, user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    post = alice.status("likeable")
    assert bob.post(f"/api/v1/statuses/{post['id']}/favourite").status_code == 200
    own = web(bob)
    page = own.get("/@bob").text
    assert 'href="/@bob/likes"' in page
    likes = own.get("/@bob/likes")
    assert likes.status_code == 200 and "likeable" in likes.text
    other = web(alice)
    assert 'href="/@bob/likes"' not in other.get("/@bob").text
    assert other.get("/@bob/likes").status_code == 404
    assert client.get("/@bob/likes").status_code == 404


def test_follower_lists_show_people_with_buttons(client: TestClient, user: MakeUser, web: Web) -> None:
    alice, bob, carol = user("alice"), user("bob", display_name="Bob B"), user("carol")
    bob.post(f"/api/v1/accounts/{alice.id}/follow")
    alice.post(f"/api/v1/accounts/{carol.id}/follow")
    page = main_of(client.get("/@alice/followers").text)
    assert 'class="people card"' in page and "Bob B" in page and 'aria-current="page"' in page
    assert "Carol" not in page and "@carol" not in page
    assert "@carol" in main_of(client.get("/@alice/following").text)
    # Signed in, each row has its own button (and none for oneself).
    page = main_of(web(carol).get("/@alice/followers").text)
    assert 'action="/@bob/follow"' in page and 'name="compact" value="1"' in page
    page = main_of(web(bob).get("/@alice/followers").text)
    assert 'action="/@bob/' not in page


def test_official_accounts_show_their_office(services: Any, client: TestClient) -> None:
    world = staff_world(services, client)
    head_of_state(world, "POTUS", role="President of the United States", jurisdiction="United States")
    page = main_of(client.get("/@POTUS").text)
    assert 'class="badge official"' in page and 'title="President of the United States"' in page
    assert "President of the United States, United States" in page
    assert 'class="badge verified"' in page


def test_a_suspended_account_shows_no_posts(services: Any, client: TestClient) -> None:
    world = staff_world(services, client)
    troll: User = world["make"]("troll", display_name="Troll")
    troll.status("something awful")
    r = world["mod1"].post(
        f"/api/v1/admin/accounts/{troll.id}/action",
        json={"type": "suspend", "rule_id": "abuse-harassment", "text": "Repeated harassment."},
    )
    assert r.status_code == 200, r.text
    r = client.get("/@troll")
    assert r.status_code == 403
    page = main_of(r.text)
    assert "This account is suspended" in page and "something awful" not in page
    assert 'class="tabs' not in page
    assert "something awful" not in client.get("/@troll/with_replies").text
    assert client.get("/@troll/followers").status_code == 403
