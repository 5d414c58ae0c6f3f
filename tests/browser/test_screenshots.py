"""The main pages of the demo community at desktop and phone width, in English and Dutch:
each is checked for its language, one main heading, no sideways scrolling on a phone and
accessibility, then saved as ``test-artifacts/screenshots/<page>-<device>-<language>.png``."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    NewPage,
    check_a11y,
    choose_language,
    screenshot,
    sign_in,
)
from tests.e2e.conftest import ParleyServer

# Every page passes axe's serious and critical checks, and none scrolls sideways at 375 px.
PENDING: tuple[str, ...] = ()
WIDER_THAN_A_PHONE: set[tuple[str, str]] = set()

# Demo people who read each language: someone with a full home timeline and notifications,
# and a moderator (the admin for Dutch, whose language is chosen with the switcher).
READERS = {"en": "chloe_k", "nl": "anna_devries"}
MODERATORS = {"en": "mod_sam", "nl": "ParleyTeam"}
# A hashtag whose page has a post with a picture, in each language.
PICTURE_TAGS = {"en": "CityCouncil", "nl": "gemeenteraad"}


@dataclass(frozen=True)
class DemoPosts:
    meeting: str  # the head of state's post with a thread of replies
    notice: str  # the head of state's post behind the public-interest notice


@pytest.fixture(scope="module")
def demo_posts(demo_server: ParleyServer) -> DemoPosts:
    with httpx.Client(base_url=demo_server.base_url, timeout=10) as http:
        account = http.get("/api/v1/accounts/lookup", params={"acct": "POTUS"}).raise_for_status().json()
        statuses = http.get(f"/api/v1/accounts/{account['id']}/statuses").raise_for_status().json()
    by_text = {s["id"]: s["content"] for s in statuses}
    meeting = next(i for i, text in by_text.items() if "Great meeting" in text)
    notice = next(i for i, text in by_text.items() if "the shooting starts" in text)
    return DemoPosts(meeting, notice)


def _shoot(page: Page, name: str, device: str, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_count(1)
    if device == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if (name, language) not in WIDER_THAN_A_PHONE:
            assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at phone width"
    check_a11y(page, PENDING)
    screenshot(page, f"{name}-{device}-{language}")


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_main_pages(new_demo_page: NewPage, demo_posts: DemoPosts, device: str, language: str) -> None:
    # Signed out: the browser's language chooses the page language.
    visitor = new_demo_page(device, language)
    for name, path in [
        ("landing", "/"),
        ("rules", "/about/rules"),
        ("transparency", "/transparency"),
        ("transparency-decisions", "/transparency/decisions"),
        ("transparency-notices", "/transparency/notices"),
    ]:
        visitor.goto(path)
        _shoot(visitor, name, device, language)

    page = new_demo_page(device, language)
    sign_in(page, READERS[language], DEMO_PASSWORD)
    choose_language(page, language)
    expect(page.locator("[data-feed] > article.post").first).to_be_visible()
    _shoot(page, "home", device, language)
    # Each page with something on it that shows it is the page it should be.
    for name, path, shown in [
        ("post", f"/@POTUS/{demo_posts.meeting}", "section.thread-replies article.post"),
        ("profile", "/@POTUS", "section.profile"),
        ("notifications", "/notifications", "article.notification"),
        ("search", "/search?q=Parley", "section.results"),
        ("explore", "/explore", ".trending .tag-list li"),
        ("tag-with-picture", f"/tags/{PICTURE_TAGS[language]}", "figure.media img"),
        ("notice", f"/@POTUS/{demo_posts.notice}", "article.post.focus .notice"),
        ("settings-profile", "/settings/profile", "section.settings form"),
    ]:
        page.goto(path)
        expect(page.locator(shown).first).to_be_visible()
        _shoot(page, name, device, language)
    expect(page.locator("html")).to_have_attribute("lang", language)

    moderator = new_demo_page(device, language)
    sign_in(moderator, MODERATORS[language], DEMO_PASSWORD)
    choose_language(moderator, language)
    moderator.goto("/moderation")
    expect(moderator.locator("table.data tbody tr")).not_to_have_count(0)
    _shoot(moderator, "moderation-queue", device, language)
    moderator.locator("table.data tbody tr", has_text="@bram").get_by_role("link").first.click()
    expect(moderator.locator("#decide")).to_be_visible()
    _shoot(moderator, "moderation-case", device, language)
