"""Safety as people see it: the rules page, the report form, the decisions about oneself
with the appeal form, and the banner of a restricted account."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from parley.app import create_app
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Account, Appeal, Case, Decision, Report, utcnow
from tests.conftest import BASE_URL
from tests.factories import User
from tests.moderation import decide, report_case, staff_world
from tests.web.conftest import submit, web_client

Web = Callable[..., TestClient]


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    return staff_world(services, client)


def _count(services: Services, table: Any) -> int:
    with services.db.unit(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def _removal(world: dict[str, Any], author: User, text: str = "You are all idiots.") -> tuple[str, str]:
    """``author`` posts, someone reports it, mod1 removes it: (post id, decision id)."""
    post = author.status(text)
    reporter = world["make"]("reporter")
    case_id = report_case(reporter, author, post["id"], "abuse-harassment", world["mod1"])
    r = decide(
        world["mod1"], case_id, rule_id="abuse-harassment", actions=["remove"], status_id=post["id"],
        reasons="Insults aimed at other people.", facts="The post calls its readers idiots.",
    )
    assert r.status_code == 200, r.text
    return post["id"], r.json()["id"]


# --- the rules ----------------------------------------------------------------------------


def test_the_rules_page_is_public_with_an_anchor_per_rule(client: TestClient) -> None:
    r = client.get("/about/rules")  # the shipped catalog, before any was loaded
    assert r.status_code == 200
    assert r.text.count("<h1") == 1
    assert 'id="violent-threats"' in r.text and 'id="civic-integrity"' in r.text
    assert "Violent threats" in r.text
    assert "Never excepted in the public interest" in r.text
    assert "Public-interest exception can apply" in r.text
    assert "Leads straight to suspension" in r.text
    # The transparency pages' tabs, with this one current.
    assert re.search(r'<a href="/about/rules" aria-current="page">', r.text)


def test_the_rules_page_speaks_dutch(client: TestClient, world: dict[str, Any]) -> None:
    r = client.get("/about/rules", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert r.status_code == 200
    assert '<html lang="nl">' in r.text
    assert "Gewelddadige bedreigingen" in r.text
    assert "Violent threats" not in r.text
    assert 'id="violent-threats"' in r.text


# --- reporting ----------------------------------------------------------------------------


def test_reporting_needs_a_signed_in_person(client: TestClient, world: dict[str, Any]) -> None:
    post = world["make"]("alice").status("hello")
    r = client.get(f"/report?post={post['id']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in?")


def test_the_report_form_files_a_report_into_a_case(services: Services, world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    post = alice.status("Go and hurt them.")
    browser = web(bob)
    r = browser.get(f"/report?post={post['id']}")
    assert r.status_code == 200
    assert r.text.count("<h1") == 1 and "Go and hurt them." in r.text
    assert 'type="radio" id="rule-glorification-of-violence" name="rule"' in r.text
    assert '<label for="report-comment">' in r.text and 'maxlength="1000"' in r.text

    r = submit(browser, "/report", {"post": post["id"], "rule": "glorification-of-violence", "comment": "A call to violence."})
    assert r.status_code == 303 and r.headers["location"] == "/report/sent"
    assert browser.get("/report/sent").status_code == 200

    with services.db.unit(write=False) as uow:
        report = uow.session.scalars(select(Report)).one()
        assert report.account_id == int(alice.id) and report.reporter_id == int(bob.id)
        assert report.comment == "A call to violence." and "glorification-of-violence" in report.rule_ids_json
        assert post["id"] in report.post_ids_json
        case = uow.session.get(Case, report.case_id)
        assert case is not None and case.state == "open"


def test_an_account_can_be_reported_without_a_post(services: Services, world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    browser = web(bob)
    r = browser.get(f"/report?account={alice.id}")
    assert r.status_code == 200 and "@alice" in r.text
    r = submit(browser, "/report", {"account": alice.id, "rule": "impersonation"})
    assert r.status_code == 303
    r = submit(browser, "/report", {"account": alice.id, "rule": "other", "comment": "Something odd."})
    assert r.status_code == 303
    with services.db.unit(write=False) as uow:
        categories = sorted(r.category for r in uow.session.scalars(select(Report)))
    assert categories == ["other", "violation"]


def test_the_report_form_says_what_is_wrong(services: Services, world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    post = alice.status("hello")
    browser = web(bob)
    r = submit(browser, "/report", {"post": post["id"], "comment": "no rule chosen"})
    assert r.status_code == 422 and "Choose the rule it breaks" in r.text
    assert "no rule chosen" in r.text  # what was typed stays
    r = submit(browser, "/report", {"post": post["id"], "rule": "abuse-harassment", "comment": "x" * 1001})
    assert r.status_code == 422 and "Comment is too long" in r.text
    own = web(alice)
    r = submit(own, "/report", {"post": post["id"], "rule": "abuse-harassment"})
    assert r.status_code == 422 and "You cannot report your own account" in r.text
    assert _count(services, Report) == 0


def test_a_post_the_reporter_cannot_see_is_not_found(world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    secret = alice.status("only for my followers", visibility="private")
    browser = web(bob)
    assert browser.get(f"/report?post={secret['id']}").status_code == 404
    assert submit(browser, "/report", {"post": secret["id"], "rule": "abuse-harassment"}).status_code == 404
    assert browser.get("/report").status_code == 404
    assert browser.get("/report?post=junk").status_code == 404


@pytest.fixture
def limited_app(settings: Settings) -> Iterator[Any]:
    tight = replace(settings, rate_limits_enabled=True, rate_limit_reports_per_hour=2)
    services = Services.build(tight)
    yield create_app(tight, services)
    services.close()


def test_reports_are_rate_limited_like_the_api(limited_app: Any, services: Services) -> None:
    with TestClient(limited_app, base_url=BASE_URL) as client:
        world = staff_world(services, client)
        alice = world["make"]("alice")
        world["make"]("bob")
        post = alice.status("hello")
        browser = web_client(limited_app, "bob")
        try:
            for _ in range(2):
                r = submit(browser, "/report", {"post": post["id"], "rule": "abuse-harassment"})
                assert r.status_code == 303
            r = submit(browser, "/report", {"post": post["id"], "rule": "abuse-harassment"})
            assert r.status_code == 429
        finally:
            browser.close()
    assert _count(services, Report) == 2


# --- decisions about oneself --------------------------------------------------------------


def test_the_author_sees_the_decision_with_its_reasons(world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _, decision_id = _removal(world, alice)
    r = web(alice).get("/settings/moderation")
    assert r.status_code == 200 and r.text.count("<h1") == 1
    assert f'id="decision-{decision_id}"' in r.text
    assert "Abuse and harassment" in r.text and 'href="/about/rules#abuse-harassment"' in r.text
    assert "Insults aimed at other people." in r.text  # reasons
    assert "The post calls its readers idiots." in r.text  # facts
    assert "Post removed" in r.text and "No: a person decided" in r.text
    # The post as others see it now, and, privately, what the author wrote.
    assert "no longer available because it broke Parley" in r.text
    assert "You are all idiots." in r.text
    assert f'action="/settings/moderation/{decision_id}/appeal"' in r.text
    assert f'href="/transparency/decisions/{decision_id}"' in r.text


def test_decisions_are_private_to_their_subject(world: dict[str, Any], web: Web) -> None:
    alice, carol = world["make"]("alice"), world["make"]("carol")
    _, decision_id = _removal(world, alice)
    browser = web(carol)
    r = browser.get("/settings/moderation")
    assert r.status_code == 200 and f"decision-{decision_id}" not in r.text
    r = submit(browser, f"/settings/moderation/{decision_id}/appeal", {"text": "Not mine, but still."})
    assert r.status_code == 404


def test_the_author_appeals_once(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _, decision_id = _removal(world, alice)
    browser = web(alice)
    path = f"/settings/moderation/{decision_id}/appeal"
    r = submit(browser, path, {"text": "   "})
    assert r.status_code == 422 and "Say why the decision is wrong" in r.text
    r = submit(browser, path, {"text": "It was a joke among friends."})
    assert r.status_code == 303 and r.headers["location"].startswith("/settings/moderation?done=appealed")
    r = browser.get(r.headers["location"])
    assert "Your appeal was sent" in r.text
    assert "Waiting for a moderator" in r.text and "It was a joke among friends." in r.text
    assert f'action="{path}"' not in r.text  # no second form
    r = submit(browser, path, {"text": "And again."})
    assert r.status_code == 422 and "already appealed" in r.text
    assert _count(services, Appeal) == 1


def test_the_author_sees_the_outcome_of_the_appeal(world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _, decision_id = _removal(world, alice)
    assert submit(web(alice), f"/settings/moderation/{decision_id}/appeal", {"text": "Please look again."}).status_code == 303
    appeal_id = world["mod2"].get("/api/parley/v1/appeals").json()[0]["id"]
    r = world["mod2"].post(f"/api/parley/v1/appeals/{appeal_id}/resolve", json={"outcome": "approve", "reasons": "Banter."})
    assert r.status_code == 200, r.text
    page = web(alice).get("/settings/moderation").text
    assert "Upheld: the decision was reversed" in page and "Banter." in page
    assert "Reversal: Abuse and harassment" in page
    assert "status-banner" not in page  # the removal is lifted, so the account may post again


def test_the_appeal_window_closes(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _, decision_id = _removal(world, alice)
    with services.db.unit() as uow:
        uow.session.execute(
            update(Decision).where(Decision.id == int(decision_id)).values(created_at=utcnow() - timedelta(days=400))
        )
    browser = web(alice)
    r = browser.get("/settings/moderation")
    assert "The time to appeal this decision ended" in r.text
    r = submit(browser, f"/settings/moderation/{decision_id}/appeal", {"text": "Late."})
    assert r.status_code == 422 and "no longer can" in r.text


# --- the banner ---------------------------------------------------------------------------


def test_no_banner_for_an_account_in_good_standing(world: dict[str, Any], web: Web) -> None:
    assert "status-banner" not in web(world["make"]("alice")).get("/about/rules").text


def test_the_banner_shows_a_read_only_account(world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _removal(world, alice)
    r = web(alice).get("/about/rules")
    banner = r.text[r.text.index('class="status-banner"') :]
    assert 'role="status"' in r.text and "Your account is read-only" in banner
    assert 'href="/settings/moderation"' in banner


def test_the_banner_shows_a_locked_account_until_the_lock_ends(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    case_id = report_case(world["make"]("bob"), alice, alice.status("hello")["id"], "abuse-harassment", world["mod1"])
    r = decide(
        world["mod1"], case_id, rule_id="abuse-harassment", actions=["warn", "lock"], duration_hours=12,
        reasons="Repeated harassment.",
    )
    assert r.status_code == 200, r.text
    browser = web(alice)
    page = browser.get("/about/rules").text
    assert "Your account is locked" in page and "Until " in page
    assert 'href="/settings/moderation"' in page
    decisions = browser.get("/settings/moderation").text
    assert "Account locked for a time" in decisions
    # A lock that has run out no longer shows.
    with services.db.unit() as uow:
        uow.session.execute(update(Account).where(Account.id == int(alice.id)).values(locked_until=utcnow() - timedelta(hours=1)))
    assert "status-banner" not in browser.get("/about/rules").text


def test_the_banner_shows_a_suspended_account(world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    post_id = alice.status("I will hurt you")["id"]
    case_id = report_case(world["make"]("bob"), alice, post_id, "violent-threats", world["mod1"])
    r = decide(world["mod1"], case_id, rule_id="violent-threats", actions=["remove", "suspend"], status_id=post_id, reasons="A threat.")
    assert r.status_code == 200, r.text
    page = web(alice).get("/settings/moderation").text
    assert "Your account is suspended" in page and "Until the suspension is lifted" in page
