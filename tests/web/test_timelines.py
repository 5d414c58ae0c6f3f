"""Timeline pages: the start page, home with its compose box and new posts, the live feed,
hashtags, explore and bookmarks, each with older and newer pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from sqlalchemy import delete
from starlette.testclient import TestClient

from parley.feeds.store import RedisFeeds
from parley.services import Services
from parley.store.tables import FeedEntry, FeedState
from tests.factories import User
from tests.web.conftest import behind_notice, submit

FRAGMENT = {"X-Parley-Fragment": "1"}
Browser = Callable[..., TestClient]


def post_ids(html: str) -> list[str]:
    """The ids of the posts on a page, in order (not the quoted ones inside them)."""
    return re.findall(r'<article class="post[^"]*" id="post-(\d+)"', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_the_start_page(user: Callable[..., User], web: Browser, client: TestClient) -> None:
    alice = user("alice")
    post = alice.status("Hello world")
    r = client.get("/")
    assert r.status_code == 200 and post_ids(r.text) == [post["id"]]
    assert r.text.count("<h1") == 1
    r = web(alice).get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/home"


def test_home_has_the_compose_box_and_the_followed_posts(user: Callable[..., User], web: Browser, client: TestClient) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    assert carol.patch("/api/v1/accounts/update_credentials", json={"source": {"privacy": "unlisted"}}).status_code == 200
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    followed = bob.status("From bob")
    carol.status("Not followed")
    assert client.get("/home", follow_redirects=False).headers["location"] == "/auth/sign_in?next=%2Fhome"

    html = web(alice).get("/home").text
    assert post_ids(html) == [followed["id"]]
    assert html.count("<h1") == 1
    compose = html[html.index('<form method="post" action="/statuses"') : html.index("</form>", html.index('action="/statuses"'))]
    assert '<label for="compose-text" class="visually-hidden">' in compose and '<textarea id="compose-text" name="status"' in compose
    assert '<details class="compose-cw">' in compose and '<label for="compose-cw">Content warning</label>' in compose
    assert re.findall(r'<option value="(\w+)"', compose) == ["public", "unlisted", "private", "direct"]
    assert '<output class="counter" for="compose-text" aria-hidden="true" data-counter>280</output>' in compose
    assert 'aria-live="polite" data-counter-live' in compose
    assert 'name="csrf_token"' in compose and 'name="next" value="/home"' in compose
    # Carol's posts start unlisted: her compose box says so.
    assert '<option value="unlisted" title="Anyone, but not in public timelines" selected>' in web(carol).get("/home").text


def test_posting_from_home_shows_the_post_on_home(user: Callable[..., User], web: Browser) -> None:
    browser = web(user("alice"))
    r = submit(browser, "/statuses", {"status": "First! #hello", "next": "/home"}, follow_redirects=True)
    assert r.status_code == 200 and r.url.path == "/home"
    assert "First!" in r.text and 'href="http://parley.test/tags/hello"' in r.text


def test_new_posts_arrive_as_a_fragment(user: Callable[..., User], web: Browser) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    first = bob.status("one")
    browser = web(alice)
    html = browser.get("/home").text
    assert f'data-poll="/home/new" data-since="{first["id"]}"' in html
    assert 'data-new-posts-slot' in html

    r = browser.get(f"/home/new?since_id={first['id']}", headers=FRAGMENT)
    assert r.status_code == 200 and r.headers["X-Parley-Fragment"] == "1"
    assert 'data-count="0"' in r.text and post_ids(r.text) == []

    second, third = bob.status("two"), bob.status("three")
    r = browser.get(f"/home/new?since_id={first['id']}", headers=FRAGMENT)
    assert post_ids(r.text) == [third["id"], second["id"]]
    assert 'data-label="Show 2 new posts"' in r.text and f'data-newest="{third["id"]}"' in r.text
    assert "<html" not in r.text and "data-more" not in r.text
    assert f'name="next" value="/home#post-{third["id"]}"' in r.text  # its forms lead back home
    r = browser.get(f"/home/new?since_id={second['id']}", headers=FRAGMENT)
    assert post_ids(r.text) == [third["id"]] and 'data-label="Show 1 new post"' in r.text
    # Opened in the browser, it is the home page; junk reads as "from the start".
    assert browser.get("/home/new?since_id=1", follow_redirects=False).headers["location"] == "/home"
    assert len(post_ids(browser.get("/home/new?since_id=junk", headers=FRAGMENT).text)) == 3
    # Older pages do not poll.
    assert "data-poll" not in browser.get(f"/home?max_id={third['id']}").text


def test_home_pages_older_and_newer(user: Callable[..., User], web: Browser) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    posts = [bob.status(f"post {i}")["id"] for i in range(25)]
    browser = web(alice)
    first = browser.get("/home").text
    assert post_ids(first) == posts[::-1][:20] and link(first, "prev") is None
    older = link(first, "next")
    assert older == f"/home?max_id={posts[5]}"
    second = browser.get(older).text
    assert post_ids(second) == posts[::-1][20:]
    assert link(second, "next") is None
    newer = link(second, "prev")
    assert newer == f"/home?min_id={posts[4]}"
    assert post_ids(browser.get(newer).text) == posts[::-1][:20]


def test_the_live_feed_works_signed_out(user: Callable[..., User], client: TestClient) -> None:
    alice = user("alice")
    public = alice.status("Public")
    alice.status("Unlisted", visibility="unlisted")
    alice.status("Private", visibility="private")
    r = client.get("/public")
    assert r.status_code == 200 and post_ids(r.text) == [public["id"]]
    assert '<a href="/public" aria-current="page">' in r.text
    assert r.text.count("<h1") == 1
    # Signed out: counts instead of buttons, and no forms to act with.
    assert 'action="/statuses/' not in r.text


def test_the_live_feed_pages(user: Callable[..., User], client: TestClient) -> None:
    alice = user("alice")
    posts = [alice.status(f"post {i}")["id"] for i in range(22)]
    first = client.get("/public").text
    assert post_ids(first) == posts[::-1][:20]
    older = link(first, "next")
    assert older == f"/public?max_id={posts[2]}"
    second = client.get(older).text
    assert post_ids(second) == [posts[1], posts[0]] and link(second, "prev") == f"/public?min_id={posts[1]}"
    assert client.get("/public?max_id=junk").status_code == 200  # an odd link reads as the first page


def test_a_hashtag_page(user: Callable[..., User], client: TestClient) -> None:
    alice = user("alice")
    tagged = alice.status("I like #Cats")
    alice.status("I like dogs")
    alice.status("Quiet #cats", visibility="unlisted")
    r = client.get("/tags/cats")
    assert r.status_code == 200 and "<h1>#cats</h1>" in r.text
    assert post_ids(r.text) == [tagged["id"]]
    r = client.get("/tags/%23cats", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/tags/cats"
    assert post_ids(client.get("/tags/%23cats").text) == [tagged["id"]]
    assert "No public posts with #nothing yet." in client.get("/tags/nothing").text


def test_explore_shows_the_hashtags_of_the_week_and_recent_posts(services: Services, client: TestClient) -> None:
    world = behind_notice(services, client)  # "When the #looting starts": behind the notice
    make = world["make"]
    alice, bob = make("alice"), make("bob")
    alice.status("#tea time")
    bob.status("More #tea")
    latest = bob.status("#coffee please")
    alice.status("#secret", visibility="unlisted")
    r = client.get("/explore")
    assert r.status_code == 200 and r.text.count("<h1") == 1
    trending = r.text[r.text.index('<ol class="tag-list">') : r.text.index("</ol>")]
    assert re.findall(r'href="/tags/(\w+)"', trending) == ["tea", "coffee"]
    assert "2 people · 2 posts" in trending
    assert "looting" not in trending and "secret" not in trending  # a notice never trends
    assert post_ids(r.text)[0] == latest["id"]
    assert world["post"]["id"] not in post_ids(r.text)


def test_bookmarks(user: Callable[..., User], web: Browser, client: TestClient) -> None:
    alice, bob = user("alice"), user("bob")
    posts = [alice.status(f"keep {i}")["id"] for i in range(22)]
    for post_id in posts:
        bob.post(f"/api/v1/statuses/{post_id}/bookmark")
    assert client.get("/bookmarks", follow_redirects=False).status_code == 303
    browser = web(bob)
    first = browser.get("/bookmarks").text
    assert post_ids(first) == posts[::-1][:20]
    second = browser.get(link(first, "next") or "").text
    assert post_ids(second) == [posts[1], posts[0]]
    assert "You have not bookmarked any posts yet." in web(alice).get("/bookmarks").text
    # Unbookmarking from the list.
    submit(browser, f"/statuses/{posts[-1]}/unbookmark", {"next": "/bookmarks"})
    assert posts[-1] not in post_ids(browser.get("/bookmarks").text)


def test_home_rebuilds_a_feed_lost_from_its_store(user: Callable[..., User], web: Browser, services: Services) -> None:
    alice, bob = user("alice"), user("bob")
    alice.post(f"/api/v1/accounts/{bob.id}/follow")
    browser = web(alice)
    browser.get("/home")
    first = bob.status("before the loss")
    if services.redis is not None:
        assert isinstance(services.feeds, RedisFeeds)
        services.redis.delete(services.feeds.key(int(alice.id)))
    else:
        with services.db.unit() as uow:
            uow.session.execute(delete(FeedEntry).where(FeedEntry.account_id == int(alice.id)))
            uow.session.execute(delete(FeedState).where(FeedState.account_id == int(alice.id)))
    second = bob.status("after the loss")
    assert post_ids(browser.get("/home").text) == [second["id"], first["id"]]
