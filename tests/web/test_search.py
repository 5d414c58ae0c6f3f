"""The search page: people, hashtags and public posts, signed out and signed in."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from tests.factories import User

MakeUser = Callable[..., User]
Web = Callable[..., TestClient]


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def test_an_empty_search_shows_a_labelled_form(client: TestClient) -> None:
    r = client.get("/search")
    assert r.status_code == 200
    page = main_of(r.text)
    assert page.count("<h1") == 1
    assert '<label for="search-q">' in page and 'id="search-q" name="q"' in page and 'role="search"' in page
    assert "Type something to search for." in page
    assert 'class="tabs"' not in page


def test_signed_out_search_finds_people_hashtags_and_posts(client: TestClient, user: MakeUser) -> None:
    alice = user("alice", display_name="Alice Archer")
    user("bob")
    alice.status("Tomatoes are ripe #gardening")

    page = main_of(client.get("/search", params={"q": "ali"}).text)
    assert 'class="people card"' in page and 'href="/@alice"' in page and "Alice Archer" in page
    assert "@bob" not in page
    assert 'value="ali"' in page
    assert '<a href="/search?q=ali" aria-current="page">All</a>' in page

    page = main_of(client.get("/search", params={"q": "#garden"}).text)
    assert '<a href="/tags/gardening">#gardening</a>' in page

    page = main_of(client.get("/search", params={"q": "tomatoes"}).text)
    assert "Tomatoes are ripe" in page and 'class="post' in page

    page = main_of(client.get("/search", params={"q": "zzzz"}).text)
    assert "Nothing found for “zzzz”." in page


def test_tabs_show_one_kind(client: TestClient, user: MakeUser) -> None:
    alice = user("garden_lover")
    alice.status("about the garden #garden")
    page = main_of(client.get("/search", params={"q": "garden", "type": "accounts"}).text)
    assert 'aria-current="page">People</a>' in page and "@garden_lover" in page
    assert "#garden<" not in page and "about the garden" not in page
    assert 'name="type" value="accounts"' in page  # searching again stays on the tab
    page = main_of(client.get("/search", params={"q": "garden", "type": "hashtags"}).text)
    assert 'href="/tags/garden"' in page and "about the garden" not in page
    page = main_of(client.get("/search", params={"q": "garden", "type": "statuses"}).text)
    assert "about the garden" in page and 'href="/tags/garden">#garden</a></li>' not in page
    page = main_of(client.get("/search", params={"q": "nothing", "type": "statuses"}).text)
    assert "No public posts found for “nothing”." in page
    # An unknown kind reads as "All", never as an error.
    assert client.get("/search", params={"q": "garden", "type": "bogus"}).status_code == 200


def test_followers_only_posts_are_not_found(client: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    alice.status("secret plans", visibility="private")
    assert "secret plans" not in client.get("/search", params={"q": "secret"}).text


def test_handles_of_other_servers_find_no_one_here(client: TestClient, user: MakeUser) -> None:
    user("alice")
    page = main_of(client.get("/search", params={"q": "@alice@elsewhere.example", "type": "accounts"}).text)
    assert 'href="/@alice"' not in page


def test_signed_in_results_have_follow_buttons(user: MakeUser, web: Web) -> None:
    user("alice")
    bob = user("bob")
    browser = web(bob)
    page = main_of(browser.get("/search", params={"q": "alice"}).text)
    assert 'action="/@alice/follow"' in page
    # The button comes back to the results page.
    assert re.search(r'name="next" value="/search\?q=alice"', page)


def test_people_results_are_paged_for_signed_in_people(client: TestClient, user: MakeUser, web: Web) -> None:
    for n in range(21):
        user(f"sam{n:02d}")
    viewer = web(user("viewer"))
    page = main_of(viewer.get("/search", params={"q": "sam", "type": "accounts"}).text)
    assert page.count('class="person"') == 20
    nxt = re.search(r'href="(/search\?q=sam&amp;type=accounts&amp;offset=20)" rel="next"', page)
    assert nxt
    page = main_of(viewer.get(nxt.group(1).replace("&amp;", "&")).text)
    assert page.count('class="person"') == 1 and 'rel="prev"' in page
    # Signed out, as in the API: the first page only.
    page = main_of(client.get("/search", params={"q": "sam", "type": "accounts", "offset": "20"}).text)
    assert page.count('class="person"') == 20 and 'rel="next"' not in page
