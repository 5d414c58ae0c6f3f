"""The moderator console through its pages: the queue, a case and its decision form with
the review step, appeals, the blind audits and the public-interest designations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from parley.safety import audits
from parley.services import Services
from parley.store.tables import Appeal, Audit, Case, Decision, PublicOffice
from parley.transparency import log as transparency_log
from tests.factories import User
from tests.moderation import decide, head_of_state, report_case, set_followers, staff_world
from tests.web.conftest import submit

Web = Callable[..., TestClient]
CONSOLE = ("/moderation", "/moderation/appeals", "/moderation/audits", "/moderation/public_interest")


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    return staff_world(services, client)


def _count(services: Services, table: Any) -> int:
    with services.db.unit(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def _log_size(services: Services) -> int:
    with services.db.unit(write=False) as uow:
        return transparency_log.tree_size(uow.session)


def _case_ids(html: str) -> list[str]:
    return re.findall(r'href="/moderation/cases/(\d+)"', html)


def _report(web: Web, reporter: User, post_id: str, rule: str, comment: str = "") -> None:
    r = submit(web(reporter), "/report", {"post": post_id, "rule": rule, "comment": comment})
    assert r.status_code == 303, r.text


# --- who gets in --------------------------------------------------------------------------


def test_people_who_are_not_moderators_find_nothing(client: TestClient, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    browser = web(alice)
    for path in (*CONSOLE, "/moderation/cases/1", "/moderation/appeals/1"):
        r = browser.get(path)
        assert r.status_code == 404, path
        assert 'class="tabs"' not in r.text and "Moderation" not in r.text
    assert submit(browser, "/moderation/cases/1/decide", {"rule_id": "abuse-harassment"}).status_code == 404
    assert submit(browser, "/moderation/public_interest", {"username": "alice"}).status_code == 404
    # Signed out: the sign-in page first.
    r = client.get("/moderation", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in")


def test_moderators_and_admins_get_the_console(world: dict[str, Any], web: Web) -> None:
    for who in ("mod1", "admin"):
        browser = web(world[who])
        for path in CONSOLE:
            r = browser.get(path)
            assert r.status_code == 200, (who, path)
            assert r.text.count("<h1") == 1
            assert 'class="wide-page"' in r.text
            assert f'<a href="{path}" aria-current="page">' in r.text
            assert 'class="tabs"' in r.text


# --- the queue ----------------------------------------------------------------------------


def test_a_report_from_the_form_appears_in_the_queue(world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    post = alice.status("Go and hurt them.")
    _report(web, bob, post["id"], "glorification-of-violence", "Incitement.")
    r = web(world["mod1"]).get("/moderation")
    assert r.status_code == 200
    assert 'table class="data"' in r.text
    rows = r.text.split("<tbody>", 1)[1]
    assert "@alice" in rows and "Glorification of violence" in rows
    assert len(_case_ids(r.text)) == 1
    assert re.search(r'class="pill critical">4\d<', r.text) or re.search(r'class="pill high">4\d<', r.text)


def test_the_queue_filters_and_puts_public_interest_accounts_first(world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    leader = head_of_state(world)
    threat = alice.status("I know where you live.")
    spam = bob.status("Buy followers now!")
    speech = leader.status("They had it coming.")
    _report(web, world["make"]("r1"), threat["id"], "violent-threats")
    _report(web, world["make"]("r2"), spam["id"], "platform-manipulation-spam")
    _report(web, world["make"]("r3"), speech["id"], "glorification-of-violence")
    mod = web(world["mod1"])
    page = mod.get("/moderation").text
    order = [m for m in re.findall(r"@(alice|bob|POTUS)", page.split("<tbody>", 1)[1])]
    # The leader's case first, then by priority: the threat (severity 5) before the spam (2).
    assert list(dict.fromkeys(order)) == ["POTUS", "alice", "bob"]
    assert '<span class="pill high">Public-interest account</span>' in page
    only_spam = mod.get("/moderation?rule=platform-manipulation-spam").text
    assert "@bob" in only_spam and "@alice" not in only_spam and "@POTUS" not in only_spam
    grave = mod.get("/moderation?priority=50").text
    assert "@alice" in grave and "@bob" not in grave
    assert "@alice" not in mod.get("/moderation?state=closed").text
    assert mod.get("/moderation?state=nonsense").status_code == 422


# --- a case -------------------------------------------------------------------------------


def test_the_case_page_shows_the_post_in_context_the_reports_and_the_history(world: dict[str, Any], web: Web) -> None:
    alice, bob = world["make"]("alice"), world["make"]("bob")
    parent = bob.status("What do you think of the plan?")
    reply = alice.status("You are an idiot and everyone hates you.", in_reply_to_id=parent["id"])
    _report(web, bob, reply["id"], "abuse-harassment", "She insults me every day.")
    mod = web(world["mod1"])
    case_id = _case_ids(mod.get("/moderation").text)[0]
    r = mod.get(f"/moderation/cases/{case_id}")
    assert r.status_code == 200 and r.text.count("<h1") == 1
    assert "You are an idiot and everyone hates you." in r.text
    assert "What do you think of the plan?" in r.text and "The post it replies to" in r.text
    assert "She insults me every day." in r.text and "<strong>@bob</strong>" in r.text
    assert 'class="timeline-events"' in r.text and "Case opened" in r.text
    assert "0 active strikes." in r.text and "The next strike costs no account action." in r.text
    # Claim it, write a note, give it back.
    r = submit(mod, f"/moderation/cases/{case_id}/assign")
    assert r.status_code == 303 and r.headers["location"].endswith("done=assigned")
    page = mod.get(r.headers["location"]).text
    assert "The case is assigned to you." in page and "Assigned to @mod1" in page
    assert submit(mod, f"/moderation/cases/{case_id}/note", {"text": "Checking the earlier posts."}).status_code == 303
    assert "Checking the earlier posts." in mod.get(f"/moderation/cases/{case_id}").text
    assert submit(mod, f"/moderation/cases/{case_id}/unassign").status_code == 303
    assert "Not assigned" in mod.get(f"/moderation/cases/{case_id}").text


def test_a_moderator_never_handles_a_case_about_themselves(services: Services, world: dict[str, Any], web: Web) -> None:
    post = world["mod1"].status("Moderators are always right.")
    _report(web, world["make"]("bob"), post["id"], "platform-manipulation-spam")
    with services.db.unit(write=False) as uow:
        case_id = uow.session.scalars(select(Case.id)).one()
    own = web(world["mod1"])
    assert str(case_id) not in own.get("/moderation").text
    assert own.get(f"/moderation/cases/{case_id}").status_code == 403
    assert str(case_id) in web(world["mod2"]).get("/moderation").text


def test_dismissing_a_case_closes_it(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    _report(web, world["make"]("bob"), alice.status("I disagree with you.")["id"], "abuse-harassment")
    mod = web(world["mod1"])
    case_id = _case_ids(mod.get("/moderation").text)[0]
    r = submit(mod, f"/moderation/cases/{case_id}/close", {"reason": "Disagreement is not harassment."})
    assert r.status_code == 303
    page = mod.get(r.headers["location"]).text
    assert "closed without a decision" in page and "Disagreement is not harassment." in page
    assert case_id not in mod.get("/moderation").text
    assert _count(services, Decision) == 0


# --- deciding -----------------------------------------------------------------------------


def _leader_case(world: dict[str, Any], web: Web) -> tuple[User, str, str]:
    leader = head_of_state(world)
    post = leader.status("When the looting starts, the shooting starts.")
    _report(web, world["make"]("citizen"), post["id"], "glorification-of-violence", "Incitement.")
    case_id = _case_ids(web(world["mod1"]).get("/moderation").text)[0]
    return leader, post["id"], case_id


def test_the_form_offers_the_notice_for_a_public_interest_author(world: dict[str, Any], web: Web) -> None:
    _, post_id, case_id = _leader_case(world, web)
    mod = web(world["mod1"])
    page = mod.get(f"/moderation/cases/{case_id}").text
    assert "The public-interest policy applies." in page
    assert 'name="action.public_interest_notice"' in page
    # The engine proposes the notice, not removal, and asks for an assessment.
    assert re.search(r'id="action-public_interest_notice" name="action.public_interest_notice" value="1" checked', page)
    assert not re.search(r'id="action-remove" name="action.remove" value="1" checked', page)
    assert 'name="public_interest_assessment"' in page
    assert 'name="escalation_reason"' in page
    # A rule never excepted offers no notice, for the same author.
    other = mod.get(f"/moderation/cases/{case_id}?rule=violent-threats").text
    assert 'name="action.public_interest_notice"' not in other
    assert "The public-interest policy does not apply." in other
    # An ordinary author under the same rule: no notice either.
    alice = world["make"]("alice")
    _report(web, world["make"]("bob"), alice.status("Hurt them all.")["id"], "glorification-of-violence")
    cases = _case_ids(mod.get("/moderation").text)
    alice_case = [c for c in cases if c != case_id][0]
    page = mod.get(f"/moderation/cases/{alice_case}").text
    assert 'name="action.public_interest_notice"' not in page
    assert "this is not a public-interest account" in page


def test_the_notice_is_refused_without_an_assessment(services: Services, world: dict[str, Any], web: Web) -> None:
    _, post_id, case_id = _leader_case(world, web)
    mod = web(world["mod1"])
    form = {
        "rule_id": "glorification-of-violence",
        "action.public_interest_notice": "1",
        "post_id": post_id,
        "facts": "The post glorifies shooting looters.",
        "reasons": "Glorifies violence; newsworthy as the words of a head of state.",
    }
    before = _log_size(services)
    for step in ("preview", "decide"):
        r = submit(mod, f"/moderation/cases/{case_id}/{step}", form)
        assert r.status_code == 422, step
        assert "needs a public-interest assessment" in r.text
        assert 'role="alert"' in r.text
        assert "The post glorifies shooting looters." in r.text  # the form keeps what was typed
    assert _count(services, Decision) == 0 and _log_size(services) == before


def test_review_shows_the_statement_without_writing_then_commit_decides(services: Services, world: dict[str, Any], web: Web) -> None:
    leader, post_id, case_id = _leader_case(world, web)
    mod = web(world["mod1"])
    form = {
        "rule_id": "glorification-of-violence",
        "action.public_interest_notice": "1",
        "post_id": post_id,
        "facts": "The post glorifies shooting looters.",
        "reasons": "Glorifies violence against looters.",
        "public_interest_assessment": "The words of a head of state on unrest are a matter of public concern.",
        "escalation_reason": "",
        "duration_hours": "12",
    }
    before = _log_size(services)
    r = submit(mod, f"/moderation/cases/{case_id}/preview", form)
    assert r.status_code == 200, r.text
    assert "Review the statement of reasons" in r.text
    assert "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED" in r.text
    assert "Public-interest assessment: The words of a head of state" in r.text
    assert "Parley rule glorification-of-violence (version 1)" in r.text
    assert "@POTUS@" in r.text  # a public-interest account is named
    assert "Commit decision" in r.text and f'action="/moderation/cases/{case_id}/decide"' in r.text
    assert _count(services, Decision) == 0 and _log_size(services) == before
    with services.db.unit(write=False) as uow:
        assert uow.session.get(Case, int(case_id)).state == "open"  # type: ignore[union-attr]

    # Changing it brings the form back, filled in.
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text.split(f'/moderation/cases/{case_id}/decide"', 1)[1].split("</form>", 1)[0]))
    carried.pop("csrf_token", None)
    assert carried["public_interest_assessment"] == form["public_interest_assessment"]
    back = submit(mod, f"/moderation/cases/{case_id}/edit", carried)
    assert back.status_code == 200 and "Glorifies violence against looters." in back.text

    r = submit(mod, f"/moderation/cases/{case_id}/decide", carried)
    assert r.status_code == 303 and r.headers["location"] == f"/moderation/cases/{case_id}?done=decided"
    page = mod.get(r.headers["location"]).text
    assert "The decision was committed" in page
    assert _count(services, Decision) == 1 and _log_size(services) == before + 1
    with services.db.unit(write=False) as uow:
        decision = uow.session.scalars(select(Decision)).one()
        assert decision.public_interest and decision.post_id == int(post_id)
        assert uow.session.get(Case, int(case_id)).state == "closed"  # type: ignore[union-attr]
    # The post now stands behind the notice, for everyone and on its author's decisions page.
    status = world["make"]("reader").get(f"/api/v1/statuses/{post_id}").json()
    assert status["parley"]["notice"]["rule_id"] == "glorification-of-violence"
    own = web(leader).get("/settings/moderation").text
    assert "Parley has decided that it is in the public interest" in own
    assert "Post kept up behind a public-interest notice" in own


def test_committing_a_removal_shows_the_placeholder(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    post = alice.status("You are scum.")
    _report(web, world["make"]("bob"), post["id"], "abuse-harassment")
    mod = web(world["mod1"])
    case_id = _case_ids(mod.get("/moderation").text)[0]
    form = {"rule_id": "abuse-harassment", "action.remove": "1", "post_id": post["id"], "reasons": "An insult."}
    assert submit(mod, f"/moderation/cases/{case_id}/decide", form).status_code == 303
    assert _count(services, Decision) == 1
    assert "Post removed" in mod.get(f"/moderation/cases/{case_id}").text
    own = web(alice).get("/settings/moderation").text
    assert "no longer available because it broke Parley" in own and "An insult." in own
    # Deciding again on the closed case is refused.
    r = submit(mod, f"/moderation/cases/{case_id}/decide", form)
    assert r.status_code == 422 and _count(services, Decision) == 1


def test_the_strike_ladder_shows_on_the_case_page(world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    first, second = alice.status("Idiot."), alice.status("Fool.")
    case_id = report_case(world["make"]("bob"), alice, first["id"], "abuse-harassment", world["mod1"])
    assert decide(world["mod1"], case_id, rule_id="abuse-harassment", actions=["remove"], status_id=first["id"], reasons="Insult.").status_code == 200
    _report(web, world["make"]("carol"), second["id"], "abuse-harassment")
    mod = web(world["mod1"])
    case_id = _case_ids(mod.get("/moderation").text)[0]
    page = mod.get(f"/moderation/cases/{case_id}").text
    assert "1 active strike." in page and "The next strike costs a lock of 12 hours." in page
    record = page.split('id="record-title"', 1)[1].split("</section>", 1)[0]
    assert "Abuse and harassment" in record and ">strike<" in record


# --- appeals ------------------------------------------------------------------------------


def _appealed(world: dict[str, Any], web: Web) -> tuple[User, str]:
    alice = world["make"]("alice")
    post = alice.status("You are a clown.")
    case_id = report_case(world["make"]("bob"), alice, post["id"], "abuse-harassment", world["mod1"])
    r = decide(world["mod1"], case_id, rule_id="abuse-harassment", actions=["remove"], status_id=post["id"], reasons="Mockery.")
    decision_id = r.json()["id"]
    assert submit(web(alice), f"/settings/moderation/{decision_id}/appeal", {"text": "Clown is my friend's nickname."}).status_code == 303
    return alice, decision_id


def test_an_appeal_is_left_to_another_moderator(services: Services, world: dict[str, Any], web: Web) -> None:
    alice, decision_id = _appealed(world, web)
    with services.db.unit(write=False) as uow:
        appeal_id = uow.session.scalars(select(Appeal.id)).one()
    deciding = web(world["mod1"])
    assert f"/moderation/appeals/{appeal_id}" not in deciding.get("/moderation/appeals").text
    r = deciding.get(f"/moderation/appeals/{appeal_id}")
    assert r.status_code == 403 and "other than the one who decided" in r.text
    assert submit(deciding, f"/moderation/appeals/{appeal_id}/resolve", {"outcome": "approve", "reasons": "Mine."}).status_code == 403

    other = web(world["mod2"])
    listed = other.get("/moderation/appeals").text
    assert f"/moderation/appeals/{appeal_id}" in listed and "@alice" in listed
    page = other.get(f"/moderation/appeals/{appeal_id}").text
    assert "Clown is my friend&#39;s nickname." in page and "Mockery." in page
    assert "Uphold the decision" in page and "Reverse the decision" in page
    r = submit(other, f"/moderation/appeals/{appeal_id}/resolve", {"outcome": "approve", "reasons": ""})
    assert r.status_code == 422 and "State the reasons" in r.text
    r = submit(other, f"/moderation/appeals/{appeal_id}/resolve", {"outcome": "approve", "reasons": "A nickname among friends."})
    assert r.status_code == 303
    assert "The appeal was resolved." in other.get(r.headers["location"]).text
    assert f"/moderation/appeals/{appeal_id}" not in other.get("/moderation/appeals").text
    assert _count(services, Decision) == 2  # the decision and its reversal
    own = web(alice).get("/settings/moderation").text
    assert "Upheld: the decision was reversed" in own and "A nickname among friends." in own


def test_an_appeal_can_be_rejected(world: dict[str, Any], web: Web) -> None:
    alice, _ = _appealed(world, web)
    other = web(world["mod2"])
    appeal_id = re.findall(r'href="/moderation/appeals/(\d+)"', other.get("/moderation/appeals").text)[0]
    r = submit(other, f"/moderation/appeals/{appeal_id}/resolve", {"outcome": "reject", "reasons": "Mockery all the same."})
    assert r.status_code == 303
    own = web(alice).get("/settings/moderation").text
    assert "Rejected: the decision stands" in own and "Mockery all the same." in own


# --- audits -------------------------------------------------------------------------------


def test_audits_are_blind_and_record_the_second_judgement(services: Services, world: dict[str, Any], web: Web) -> None:
    alice = world["make"]("alice")
    post = alice.status("Everyone from that town is a thief.")
    case_id = report_case(world["make"]("bob"), alice, post["id"], "hateful-conduct", world["mod1"])
    r = decide(
        world["mod1"], case_id, rule_id="hateful-conduct", actions=["remove"], status_id=post["id"],
        reasons="A slur against a group of people.",
    )
    with services.db.unit() as uow:
        decision = uow.session.get(Decision, int(r.json()["id"]))
        assert decision is not None
        audit = audits.maybe_queue(uow.session, replace(services.settings, audit_rate=1.0), decision, draw=lambda: 0.0)
        assert audit is not None
        audit_id = audit.id

    # Not for the moderator who decided.
    assert f'id="audit-{audit_id}"' not in web(world["mod1"]).get("/moderation/audits").text

    reviewer = web(world["mod2"])
    page = reviewer.get("/moderation/audits").text
    item = page.split(f'id="audit-{audit_id}"', 1)[1].split("</section>", 1)[0]
    assert "Everyone from that town is a thief." in item  # the post, in full
    assert "This breaks the rules." in item  # the reporter's comment
    assert "A slur against a group of people." not in page  # the first reasons
    assert "@mod1" not in page and "mod1" not in item  # nor who decided
    assert "no longer available" not in page and "Post removed" not in page  # nor what it did

    r = submit(reviewer, f"/moderation/audits/{audit_id}", {"violation": "yes"})
    assert r.status_code == 422 and "Name the rule" in r.text
    r = submit(reviewer, f"/moderation/audits/{audit_id}", {"violation": "yes", "rule_id": "hateful-conduct", "action.remove": "1", "notes": "Clear case."})
    assert r.status_code == 303
    page = reviewer.get(r.headers["location"]).text
    assert "Your review was recorded." in page and f'id="audit-{audit_id}"' not in page
    assert "1 review." in page and "Agreement: 100%" in page
    with services.db.unit(write=False) as uow:
        done = uow.session.get(Audit, audit_id)
        assert done is not None and done.state == "done" and done.rule_id == "hateful-conduct"


# --- public-interest designations ---------------------------------------------------------


def test_admins_designate_and_remove_public_interest_accounts(services: Services, world: dict[str, Any], web: Web) -> None:
    mayor = world["make"]("mayor")
    set_followers(services, mayor, 150_000)
    admin = web(world["admin"])
    r = submit(admin, "/moderation/public_interest", {"username": "@mayor", "role": "Mayor", "jurisdiction": "Amsterdam", "verified": "1"})
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "The designation was saved." in page
    row = page.split("<tbody>", 1)[1]
    assert "@mayor" in row and "Mayor" in row and "Amsterdam" in row
    assert "· verified</span>" in row and "not verified" not in row
    assert 'class="pill high">Yes<' in row  # verified, designated and followed widely enough
    assert _count(services, PublicOffice) == 1

    # A moderator reads the list but may not change it: the domain's refusal is shown.
    mod = web(world["mod1"])
    assert "@mayor" in mod.get("/moderation/public_interest").text
    r = submit(mod, f"/moderation/public_interest/{mayor.id}/remove")
    assert r.status_code == 403 and "This action is not allowed" in r.text
    r = submit(mod, "/moderation/public_interest", {"username": "mayor", "role": "Alderman", "jurisdiction": "Utrecht"})
    assert r.status_code == 403 and "This action is not allowed" in r.text
    assert _count(services, PublicOffice) == 1

    r = submit(admin, "/moderation/public_interest", {"username": "nobody", "role": "Mayor", "jurisdiction": "Delft"})
    assert r.status_code == 404 and "no account with that username" in r.text
    r = submit(admin, "/moderation/public_interest", {"username": "mayor", "role": "", "jurisdiction": "Amsterdam"})
    assert r.status_code == 422 and "public office" in r.text

    r = submit(admin, f"/moderation/public_interest/{mayor.id}/remove")
    assert r.status_code == 303
    assert "No account is designated." in admin.get(r.headers["location"]).text
    assert _count(services, PublicOffice) == 0
