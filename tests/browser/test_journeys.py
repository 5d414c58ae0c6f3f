"""What people do on Parley, step by step in a real browser, each step checked by what the
person sees: signing up, posting at the length limit, following, replying, liking, the
public-interest notice, the language switcher, and a report taken through a moderator's
decision to the author's appeal."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import NewPage, check_a11y, sign_in
from tests.e2e.conftest import ParleyServer, User

PASSWORD = "correct horse battery"
MAX_CHARS = 280


def _name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


@pytest.fixture(scope="module", autouse=True)
def _rules(server: ParleyServer) -> None:
    """The shipped rules catalog, stored, as an operator loads it before opening up."""
    server.cli("rules", "load")


def _text_of_length(n: int) -> str:
    words = "Every character counts, and the counter counts them as the server does. "
    text = (words * (n // len(words) + 1))[: n - 1] + "."
    assert len(text) == n and not text[-2].isspace()
    return text


def _compose(page: Page) -> Locator:
    return page.locator("form#compose")


def _post_from_home(page: Page, text: str) -> None:
    compose = _compose(page)
    compose.get_by_label("Your post").fill(text)
    button = compose.get_by_role("button", name="Post")
    expect(button).to_be_enabled()
    button.click()
    expect(page).to_have_url(re.compile(r"/home$"))


def _post_in_feed(page: Page, text: str) -> Locator:
    return page.locator("[data-feed] > article.post", has_text=text)


def _open_post(page: Page, text: str) -> str:
    """Open the post showing ``text`` from the feed on the page (by its time link);
    return the post's address."""
    _post_in_feed(page, text).first.locator("a.time").click()
    expect(page).to_have_url(re.compile(r"/@\w+/\d+$"))
    return page.url.split("#", 1)[0]


def _focus_post(page: Page) -> Locator:
    return page.locator("article.post.focus")


def _mark_page(page: Page) -> None:
    """Leave a mark in the page's window that a navigation would wipe out."""
    page.evaluate("window.parleyStillHere = true")


def _still_same_page(page: Page) -> None:
    assert page.evaluate("window.parleyStillHere === true"), "the page was reloaded instead of updated in place"


def test_sign_up_post_follow_reply_like(new_page: NewPage, server: ParleyServer) -> None:
    # Someone signs up in the browser and lands on their home timeline.
    author = _name("ann")
    page = new_page()
    page.goto("/auth/sign_up")
    page.get_by_label("Username").fill(author)
    page.get_by_label("Email").fill(f"{author}@browser.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{server.base_url}/home")
    expect(page.locator(".whoami")).to_contain_text(f"Signed in as @{author}")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    check_a11y(page)

    # The counter at the limit: 280 characters leave 0 and may be posted, 281 may not.
    compose = _compose(page)
    box = compose.get_by_label("Your post")
    counter = compose.locator("output[data-counter]")
    post_button = compose.get_by_role("button", name="Post")
    expect(post_button).to_be_disabled()  # nothing written yet
    long_text = _text_of_length(MAX_CHARS)
    box.fill(long_text)
    expect(counter).to_have_text("0")
    expect(post_button).to_be_enabled()
    box.press("Control+End")
    box.press_sequentially("!")
    expect(counter).to_have_text("-1")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(post_button).to_be_disabled()
    box.press("Backspace")
    expect(counter).to_have_text("0")
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    expect(post_button).to_be_enabled()
    post_button.click()
    expect(page).to_have_url(f"{server.base_url}/home")
    expect(_post_in_feed(page, long_text)).to_have_count(1)
    expect(_compose(page).get_by_label("Your post")).to_have_value("")

    # A second person visits the profile and follows; the button turns into Unfollow in place.
    fan = server.create_user(_name("ben"))
    fan_page = new_page()
    sign_in(fan_page, fan.name, fan.password)
    fan_page.goto(f"/@{author}")
    expect(fan_page.get_by_role("heading", level=1)).to_contain_text(author)
    check_a11y(fan_page)
    _mark_page(fan_page)
    fan_page.get_by_role("button", name=f"Follow @{author}", exact=True).click()
    unfollow = fan_page.get_by_role("button", name=f"Unfollow @{author}", exact=True)
    expect(unfollow).to_be_visible()
    expect(fan_page.get_by_role("button", name=f"Follow @{author}", exact=True)).to_have_count(0)
    _still_same_page(fan_page)
    expect(fan_page).to_have_url(f"{server.base_url}/@{author}")
    fan_page.reload()
    expect(unfollow).to_be_visible()  # and it was stored

    # The author posts again; the follower sees it on their home timeline.
    news = f"Fresh news for my followers, number {secrets.randbelow(10_000)}."
    page.goto("/home")
    _post_from_home(page, news)
    expect(_post_in_feed(page, news)).to_have_count(1)
    fan_page.goto("/home")
    expect(_post_in_feed(fan_page, news)).to_have_count(1)
    check_a11y(fan_page)

    # The follower opens the post and replies in the thread.
    post_url = _open_post(fan_page, news)
    expect(_focus_post(fan_page)).to_contain_text(news)
    check_a11y(fan_page)
    reply_box = fan_page.locator("#reply").get_by_role("textbox", name=re.compile(r"^Reply to"))
    expect(reply_box).to_have_value(re.compile(rf"^@{author}\b"))  # the mention is filled in
    reply_text = "Congratulations, and thank you for sharing it."
    reply_box.fill(f"@{author} {reply_text}")
    fan_page.locator("#reply").get_by_role("button", name="Reply").click()
    expect(fan_page).to_have_url(re.compile(rf"^{re.escape(post_url)}#post-\d+$"))
    replies = fan_page.locator("section.thread-replies")
    expect(replies.locator("article.post", has_text=reply_text)).to_have_count(1)
    expect(replies.locator("article.post", has_text=reply_text)).to_contain_text(f"@{fan.name}")

    # The follower likes the post in place: the button is pressed and shows one like.
    focus = _focus_post(fan_page)
    _mark_page(fan_page)
    focus.get_by_role("button", name="Like", exact=True).click()
    unlike = focus.get_by_role("button", name=re.compile(r"^Unlike"))
    expect(unlike).to_have_attribute("aria-pressed", "true")
    expect(unlike.locator(".count")).to_have_text("1")
    expect(focus.get_by_role("button", name="Like", exact=True)).to_have_count(0)
    _still_same_page(fan_page)

    # The author is told: the like, the follow and the reply are on the notifications page.
    page.goto("/notifications")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notifications")
    liked = page.locator("article.notification-favourite")
    expect(liked).to_have_count(1)
    expect(liked).to_contain_text(f"{fan.name} liked your post")
    expect(liked).to_contain_text(news)
    expect(page.locator("article.notification-follow")).to_contain_text(f"{fan.name} followed you")
    expect(page.locator("article.notification-mention")).to_contain_text(reply_text)
    check_a11y(page)


def _demo_post(page: Page, author: str, text: str) -> Locator:
    """Open ``author``'s profile and the post of theirs that shows ``text``."""
    page.goto(f"/@{author}")
    page.locator("article.post", has_text=text).first.locator("a.time").click()
    expect(page).to_have_url(re.compile(rf"/@{author}/\d+$"))
    return _focus_post(page)


def test_a_post_behind_a_public_interest_notice(new_demo_page: NewPage, demo_server: ParleyServer) -> None:
    reader = demo_server.create_user(_name("cleo"))
    page = new_demo_page()
    sign_in(page, reader.name, reader.password)
    post = _demo_post(page, "POTUS", "This post broke")

    notice = post.locator(".notice")
    expect(notice).to_contain_text("This post broke Parley's rules about glorification of violence")
    expect(notice).to_contain_text("public interest")
    expect(notice.get_by_role("link", name="Read the rule")).to_have_attribute("href", re.compile(r"/about/rules#glorification-of-violence$"))
    words = post.get_by_text("when the looting starts, the shooting starts")
    expect(words).to_be_hidden()
    check_a11y(page)

    notice.get_by_text("View", exact=True).click()
    expect(words).to_be_visible()
    # Kept up to be seen and discussed, not spread: no likes, reposts or replies; quotes are.
    expect(post.get_by_role("button", name="Like", exact=True)).to_be_disabled()
    expect(post.get_by_role("button", name="Repost", exact=True)).to_be_disabled()
    expect(post.get_by_role("link", name="Quote")).to_be_visible()
    expect(post.get_by_role("link", name=re.compile(r"^Reply"))).to_have_count(0)
    expect(page.get_by_role("textbox", name=re.compile(r"^Reply to"))).to_have_count(0)
    check_a11y(page)


def test_switching_to_dutch(new_page: NewPage, server: ParleyServer) -> None:
    person = server.create_user(_name("dirk"))
    page = new_page()
    sign_in(page, person.name, person.password)
    english = page.get_by_role("button", name="English")
    dutch = page.get_by_role("button", name="Nederlands")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(english).to_have_attribute("aria-pressed", "true")
    expect(dutch).to_have_attribute("aria-pressed", "false")

    dutch.click()
    expect(page).to_have_url(f"{server.base_url}/home")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(dutch).to_have_attribute("aria-pressed", "true")
    expect(english).to_have_attribute("aria-pressed", "false")
    expect(page.locator("nav.sidebar a[href='/home']")).to_have_text(re.compile(r"\bStart\b"))
    check_a11y(page)

    # The choice is the account's: it holds on another page and in a new browser.
    page.goto("/notifications")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    other = new_page()
    sign_in(other, person.name, person.password)
    expect(other.locator("html")).to_have_attribute("lang", "nl")


def test_an_image_is_described_before_it_is_posted(new_page: NewPage, server: ParleyServer, tmp_path: Path) -> None:
    """Images chosen without a description bring the form back asking for one (the alt
    text reminder); described, the post shows the image with its description."""
    photo = tmp_path / "bench.png"
    Image.new("RGB", (400, 300), (180, 40, 40)).save(photo)
    person = server.create_user(_name("gus"))
    page = new_page()
    sign_in(page, person.name, person.password)
    compose = _compose(page)
    compose.get_by_label("Your post").fill("The new bench in the park")
    compose.get_by_text("Add images", exact=True).click()
    compose.get_by_label("Images to attach").set_input_files(str(photo))
    compose.get_by_role("button", name="Post", exact=True).click()

    reminder = page.get_by_role("alert").filter(has_text="Describe each image")
    expect(reminder).to_be_visible()
    description = page.get_by_label("Description of image 1 (alt text)")
    expect(description).to_be_focused()
    expect(page.locator("textarea[name=status]")).to_have_value("The new bench in the park")
    check_a11y(page)
    description.fill("A red wooden bench under a plane tree")
    page.get_by_role("button", name="Post", exact=True).click()

    post = page.locator("article.post", has_text="The new bench in the park").first
    image = post.get_by_role("img", name="A red wooden bench under a plane tree")
    expect(image).to_be_visible()
    expect(post.locator("figcaption")).to_contain_text("A red wooden bench under a plane tree")
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    check_a11y(page)


def test_a_phone_reaches_every_page_from_the_bottom_bar(new_page: NewPage, server: ParleyServer) -> None:
    """Four places fit in a phone's bottom bar; the rest open from "More"."""
    person = server.create_user(_name("hal"), role="moderator")
    page = new_page("phone")
    sign_in(page, person.name, person.password)
    bar = page.locator("nav.sidebar")
    for name in ("Home", "Explore", "Notifications", "Search"):
        expect(bar.get_by_role("link", name=name, exact=True)).to_be_visible()
    settings = bar.get_by_role("link", name="Settings", exact=True)
    expect(settings).to_be_hidden()
    bar.get_by_text("More", exact=True).click()
    for name in ("Live feed", "Bookmarks", "Profile", "Moderation", "Transparency"):
        expect(bar.get_by_role("link", name=name, exact=True)).to_be_visible()
    check_a11y(page)
    settings.click()
    expect(page).to_have_url(f"{server.base_url}/settings/profile")
    expect(page.locator("nav.sidebar .nav-more summary")).to_have_class(re.compile(r"\bcurrent\b"))


@pytest.fixture
def cast(server: ParleyServer) -> dict[str, User]:
    return {
        "author": server.create_user(_name("eve")),
        "reporter": server.create_user(_name("fay")),
        "deciding": server.create_user(_name("mod"), role="moderator"),
        "second": server.create_user(_name("mod"), role="moderator"),
    }


def test_a_report_taken_to_a_decision_and_appealed(new_page: NewPage, server: ParleyServer, cast: dict[str, User]) -> None:
    author, reporter, deciding, second = cast["author"], cast["reporter"], cast["deciding"], cast["second"]
    spam = f"Buy 1,000 real followers for $5, today only! Order number {secrets.randbelow(10_000)}."
    facts = "The post offers followers for money."
    reasons = "Selling followers manipulates the platform and deceives the people who read it."

    author_page = new_page()
    sign_in(author_page, author.name, author.password)
    _post_from_home(author_page, spam)
    post_url = _open_post(author_page, spam)
    post_path = post_url.removeprefix(server.base_url)

    # Someone reports the post through its report link: a rule, a comment, sent.
    page = new_page()
    sign_in(page, reporter.name, reporter.password)
    page.goto(post_path)
    _focus_post(page).get_by_role("link", name="Report this post").click()
    expect(page).to_have_url(re.compile(r"/report\?post=\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report a post by @{author.name}")
    expect(page.locator(".report-subject")).to_contain_text(spam)
    check_a11y(page)
    page.get_by_label("Platform manipulation and spam").check()
    page.get_by_label("Comment for the moderators (optional)").fill("An advert for fake followers.")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(f"{server.base_url}/report/sent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your report")

    # A moderator opens the queue and the case.
    mod = new_page()
    sign_in(mod, deciding.name, deciding.password)
    mod.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    expect(mod).to_have_url(f"{server.base_url}/moderation")
    expect(mod.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    row = mod.locator("table.data tbody tr", has_text=f"@{author.name}")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Platform manipulation and spam")
    check_a11y(mod)
    row.get_by_role("link").first.click()
    expect(mod).to_have_url(re.compile(r"/moderation/cases/\d+$"))
    case_url = mod.url
    expect(mod.get_by_role("heading", level=1)).to_have_text(f"Case about @{author.name}")
    expect(mod.locator(".review-post")).to_contain_text(spam)
    expect(mod.locator("ul.reports")).to_contain_text("An advert for fake followers.")
    check_a11y(mod)

    # The decision form: the rule, the action, facts and reasons; then the statement.
    decide = mod.locator("#decide")
    decide.get_by_label("Rule").select_option(label="Platform manipulation and spam (reported)")
    decide.get_by_role("button", name="Show the actions for this rule").click()
    expect(decide.get_by_role("link", name="Platform manipulation and spam")).to_be_visible()
    # A first strike under this rule: the policy engine proposes removal and nothing more.
    expect(decide.get_by_role("note")).to_contain_text("Strike 1: no account action.")
    remove = decide.get_by_label(re.compile(r"^Remove the post"))
    expect(remove).to_be_checked()
    expect(decide.locator('label[for="action-remove"]')).to_contain_text("proposed")
    expect(decide.get_by_label(re.compile(r"^Suspend the account"))).not_to_be_checked()
    expect(decide.get_by_role("radio", name=re.compile(r"^Post \d+"))).to_be_checked()
    decide.get_by_label("Facts").fill(facts)
    decide.get_by_label("Reasons (required)").fill(reasons)
    decide.get_by_role("button", name="Review statement").click()

    expect(mod.get_by_role("heading", level=1)).to_have_text("Review the statement of reasons")
    statement = mod.locator(".statement-preview")
    expect(statement).to_contain_text("Post removed")
    expect(statement).to_contain_text(facts)
    expect(statement).to_contain_text(reasons)
    check_a11y(mod)
    mod.get_by_role("button", name="Commit decision").click()
    expect(mod).to_have_url(f"{case_url}?done=decided")
    expect(mod.get_by_role("status")).to_have_text("The decision was committed and published in the transparency log.")
    expect(mod.locator(".case-head")).to_contain_text("Closed")

    # The author now sees the removal note where the post was, and that they cannot post
    # until they delete it.
    author_page.goto(post_path)
    expect(author_page.locator(".status-banner")).to_contain_text("Your account is read-only")
    removed = _focus_post(author_page).locator(".removed")
    expect(removed).to_contain_text("This post is no longer available because it broke Parley's rules about platform manipulation and spam.")
    expect(_focus_post(author_page)).not_to_contain_text(spam)

    # The author reads the decision and its reasons in their settings, and appeals.
    author_page.goto("/settings/moderation")
    decision = author_page.locator("article.decision", has_text="Platform manipulation and spam")
    expect(decision).to_have_count(1)
    expect(decision).to_contain_text("Post removed")
    expect(decision).to_contain_text(facts)
    expect(decision).to_contain_text(reasons)
    check_a11y(author_page)
    decision.get_by_label("Why is this decision wrong?").fill("It was a joke among friends, not a real offer.")
    decision.get_by_role("button", name="Send appeal").click()
    expect(author_page.locator(".flash.ok")).to_contain_text("Your appeal was sent.")
    decision = author_page.locator("article.decision", has_text="Platform manipulation and spam")
    expect(decision).to_contain_text("Waiting for a moderator")
    expect(decision).to_contain_text("It was a joke among friends, not a real offer.")
    expect(decision.get_by_role("button", name="Send appeal")).to_have_count(0)

    # Another moderator sees the appeal; the one who decided does not.
    other = new_page()
    sign_in(other, second.name, second.password)
    other.goto("/moderation/appeals")
    expect(other.get_by_role("heading", level=1)).to_have_text("Appeals")
    expect(other.get_by_role("link", name=f"@{author.name}")).to_have_count(1)
    check_a11y(other)
    mod.goto("/moderation/appeals")
    expect(mod.get_by_role("heading", level=1)).to_have_text("Appeals")
    expect(mod.get_by_role("link", name=f"@{author.name}")).to_have_count(0)

