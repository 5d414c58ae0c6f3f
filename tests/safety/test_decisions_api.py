"""The whole moderation path through the API: report, case, decision, its effects on
every read path, the person told, the appeal resolved by another moderator, and the
strike ladder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from parley.services import Services
from parley.store.tables import Account, Decision
from tests.factories import User, make_user
from tests.moderation import decide, head_of_state, report_case


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in items]


def test_a_leaders_post_glorifying_violence_stays_up_behind_the_notice(world: dict[str, Any]) -> None:
    potus = head_of_state(world)
    citizen: User = world["make"]("citizen")
    mod1, mod2 = world["mod1"], world["mod2"]
    assert citizen.post(f"/api/v1/accounts/{potus.id}/follow", json={"notify": True}).status_code == 200
    post = potus.status("When the #looting starts, the shooting starts")
    other = potus.status("Great meeting about #looting prevention")
    # Before any decision, the post is everywhere.
    assert post["id"] in ids(citizen.get("/api/v1/timelines/tag/looting").json())
    assert any(n["status"] and n["status"]["id"] == post["id"] for n in citizen.get("/api/v1/notifications").json())

    case_id = report_case(citizen, potus, post["id"], "glorification-of-violence", mod1)
    detail = mod1.get(f"/api/parley/v1/cases/{case_id}").json()
    proposals = detail["proposal"]["rules"]
    glory = next(p for p in proposals if p["rule_id"] == "glorification-of-violence")
    assert glory["public_interest_applies"] is True
    assert "public_interest_notice" in glory["proposed"]

    # Removal of an eligible post of a public-interest account is an escalation: it needs a reason.
    r = decide(mod1, case_id, rule_id="glorification-of-violence", actions=["remove"], status_id=post["id"], reasons="Glorifies violence.")
    assert r.status_code == 422 and "escalation" in r.json()["error"]
    # The notice needs the public-interest assessment.
    r = decide(mod1, case_id, rule_id="glorification-of-violence", actions=["public_interest_notice"], status_id=post["id"], reasons="Glorifies violence.")
    assert r.status_code == 422 and "assessment" in r.json()["error"]
    r = decide(
        mod1,
        case_id,
        rule_id="glorification-of-violence",
        actions=["public_interest_notice"],
        status_id=post["id"],
        reasons="The post glorifies violence against protesters.",
        public_interest_assessment="The head of state's words on the unrest are a matter of public concern.",
    )
    assert r.status_code == 200, r.text
    decision = r.json()
    assert decision["actions"] == ["public_interest_notice"]
    assert decision["public_interest"] is True and decision["strike"] is False
    assert decision["rule"] == {"id": "glorification-of-violence", "version": 1, "text": "Glorification of violence", "translations": {"nl": "Verheerlijking van geweld"}}
    sor = decision["statement_of_reasons"]
    assert sor["category"] == "STATEMENT_CATEGORY_VIOLENCE"
    assert sor["source_type"] == "SOURCE_ARTICLE_16"
    assert "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED" in sor["decision_visibility"]

    # Reachable behind the notice, for followers, strangers and the anonymous alike.
    anonymous = world["client"]
    for status in (
        citizen.get(f"/api/v1/statuses/{post['id']}").json(),
        anonymous.get(f"/api/v1/statuses/{post['id']}").json(),
        next(s for s in citizen.get("/api/v1/timelines/home").json() if s["id"] == post["id"]),
        next(s for s in citizen.get(f"/api/v1/accounts/{potus.id}/statuses").json() if s["id"] == post["id"]),
    ):
        notice = status["parley"]["notice"]
        assert notice["rule_id"] == "glorification-of-violence"
        assert notice["text"] == (
            "This post broke Parley's rules about glorification of violence. Parley has decided "
            "that it is in the public interest for it to remain accessible."
        )
        assert notice["translations"]["nl"].startswith("Dit bericht overtrad de regels van Parley over verheerlijking van geweld.")
        assert status["filtered"][0]["filter"]["filter_action"] == "warn"
        assert status["filtered"][0]["status_matches"] == [post["id"]]
    interactions = citizen.get(f"/api/v1/statuses/{post['id']}").json()["parley"]["interactions"]
    assert interactions == {"favourite": False, "reblog": False, "reply": False, "quote": True}
    # Not amplified: out of search, tag and public timelines, and followers' notifications.
    assert post["id"] not in ids(citizen.get("/api/v1/timelines/tag/looting").json())
    assert other["id"] in ids(citizen.get("/api/v1/timelines/tag/looting").json())
    assert post["id"] not in ids(citizen.get("/api/v1/timelines/public").json())
    found = citizen.get("/api/v2/search", params={"q": "shooting", "type": "statuses"}).json()["statuses"]
    assert post["id"] not in ids(found)
    assert not any(n["status"] and n["status"]["id"] == post["id"] for n in citizen.get("/api/v1/notifications").json())
    # Likes, replies and reposts are refused; a quote works.
    for path, body in (
        (f"/api/v1/statuses/{post['id']}/favourite", None),
        (f"/api/v1/statuses/{post['id']}/reblog", None),
        ("/api/v1/statuses", {"status": "@POTUS no", "in_reply_to_id": post["id"]}),
    ):
        r = citizen.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert "public interest" in r.json()["error"]
    quote = citizen.post("/api/v1/statuses", json={"status": "Unacceptable.", "quoted_status_id": post["id"]})
    assert quote.status_code == 200, quote.text

    # The author is told, with the rule, the reasons and how to appeal.
    warnings = [n for n in potus.get("/api/v1/notifications").json() if n["type"] == "moderation_warning"]
    assert len(warnings) == 1
    warning = warnings[0]["moderation_warning"]
    assert warning["action"] == "none" and warning["status_ids"] == [post["id"]]
    assert warning["parley"]["rule"]["id"] == "glorification-of-violence"
    assert warning["parley"]["reasons"] == "The post glorifies violence against protesters."
    assert "appeal" in warning["parley"]["how_to_appeal"]

    # The author appeals once; the deciding moderator may not resolve it; another rejects it.
    r = potus.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "It was a warning, not a threat."})
    assert r.status_code == 200, r.text
    appeal = r.json()
    assert appeal["state"] == "pending"
    again = potus.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "Again."})
    assert again.status_code == 422
    assert citizen.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "x"}).status_code == 404
    assert mod1.post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "reject", "reasons": "x"}).status_code == 403
    r = mod2.post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "reject", "reasons": "The language glorifies violence."})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "rejected"
    assert citizen.get(f"/api/v1/statuses/{post['id']}").json()["parley"]["notice"]["rule_id"] == "glorification-of-violence"
    shown = potus.get(f"/api/parley/v1/decisions/{decision['id']}").json()
    assert shown["appeal"]["state"] == "rejected"


def test_a_direct_threat_by_a_leader_is_removed_not_noticed(world: dict[str, Any]) -> None:
    potus = head_of_state(world)
    citizen: User = world["make"]("citizen")
    mod1 = world["mod1"]
    citizen.post(f"/api/v1/accounts/{potus.id}/follow")
    post = potus.status("@citizen I will come to your house and hurt you")
    case_id = report_case(citizen, potus, post["id"], "violent-threats", mod1)
    detail = mod1.get(f"/api/parley/v1/cases/{case_id}").json()
    proposals = detail["proposal"]["rules"]
    threat = next(p for p in proposals if p["rule_id"] == "violent-threats")
    assert threat["public_interest_applies"] is False
    assert "public_interest_notice" not in threat["allowed"]
    assert "remove" in threat["proposed"]

    r = decide(
        mod1, case_id, rule_id="violent-threats", actions=["public_interest_notice"], status_id=post["id"],
        reasons="A direct threat.", public_interest_assessment="Newsworthy.",
    )
    assert r.status_code == 422 and "never excepted" in r.json()["error"]
    r = decide(mod1, case_id, rule_id="violent-threats", actions=["remove"], status_id=post["id"], reasons="A direct threat against a person.")
    assert r.status_code == 200, r.text
    decision = r.json()
    # Violent threats lead straight to suspension, whoever posted them.
    assert decision["actions"] == ["remove", "suspend"]
    assert decision["strike"] is True
    assert decision["statement_of_reasons"]["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert citizen.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    assert world["client"].get(f"/api/v1/statuses/{post['id']}").status_code == 404
    assert post["id"] not in ids(citizen.get("/api/v1/timelines/home").json())
    # The author still sees it, marked removed, and can no longer post.
    own = potus.get(f"/api/v1/statuses/{post['id']}").json()
    assert own["parley"]["removed"]["rule_id"] == "violent-threats"
    assert "parley" in own and "notice" not in own["parley"]
    r = potus.post("/api/v1/statuses", json={"status": "hello"})
    assert r.status_code == 403 and "suspended" in r.json()["error"]
    profile = citizen.get(f"/api/v1/accounts/{potus.id}").json()
    assert profile["suspended"] is True and profile["note"] == ""
    assert citizen.get(f"/api/v1/accounts/{potus.id}/statuses").json() == []


def test_strikes_escalate_an_ordinary_account_along_the_ladder(world: dict[str, Any]) -> None:
    troll: User = world["make"]("troll")
    victim: User = world["make"]("victim")
    mod1, mod2 = world["mod1"], world["mod2"]
    posts = [troll.status(f"@victim you are worthless #{i}") for i in range(5)]
    expected = [
        ["remove"],
        ["remove", "lock"],
        ["remove", "lock"],
        ["remove", "lock"],
        ["remove", "suspend"],
    ]
    hours = [None, 12, 12, 168, None]
    for i, post in enumerate(posts):
        mod = mod1 if i % 2 == 0 else mod2
        case_id = report_case(victim, troll, post["id"], "abuse-harassment", mod)
        r = decide(mod, case_id, rule_id="abuse-harassment", actions=["remove"], status_id=post["id"], reasons=f"Harassment, strike {i + 1}.")
        assert r.status_code == 200, r.text
        decision = r.json()
        assert decision["actions"] == expected[i], i
        assert decision["duration_hours"] == hours[i], i
        if i == 0:
            # Read-only until the removed post is deleted.
            r = troll.post("/api/v1/statuses", json={"status": "sorry"})
            assert r.status_code == 403 and "read-only" in r.json()["error"]
            assert troll.post(f"/api/v1/statuses/{posts[1]['id']}/favourite").status_code == 403
            assert troll.delete(f"/api/v1/statuses/{post['id']}").status_code == 200
            assert troll.post("/api/v1/statuses", json={"status": "sorry"}).status_code == 200
        if i == 1:
            r = troll.post("/api/v1/statuses", json={"status": "again"})
            assert r.status_code == 403 and "locked until" in r.json()["error"]
    services: Services = world["services"]
    with services.db.unit() as uow:
        account = uow.session.get(Account, int(troll.id))
        assert account is not None and account.suspended_at is not None
        assert account.purge_after is not None
        assert abs(account.purge_after - account.suspended_at - timedelta(days=services.settings.suspension_retention_days)) < timedelta(seconds=1)


def _removed_on_report(world: dict[str, Any]) -> tuple[User, User, dict[str, Any], dict[str, Any]]:
    """An author's post reported and removed by mod1: the author, the reporter, the post
    and the decision."""
    author: User = world["make"]("author")
    reporter: User = world["make"]("reporter")
    post = author.status("A sharp but fair political comment")
    case_id = report_case(reporter, author, post["id"], "abuse-harassment", world["mod1"])
    decision = decide(
        world["mod1"], case_id, rule_id="abuse-harassment", actions=["remove"], status_id=post["id"], reasons="Insulting."
    ).json()
    return author, reporter, post, decision


def test_an_approved_appeal_reverses_the_decision_and_its_strike(world: dict[str, Any]) -> None:
    author, reporter, post, decision = _removed_on_report(world)
    mod2 = world["mod2"]
    assert reporter.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    appeal = author.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "It is political commentary."}).json()
    r = mod2.post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "approve", "reasons": "Commentary on politics is allowed."})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved" and r.json()["reversal_id"]
    assert reporter.get(f"/api/v1/statuses/{post['id']}").status_code == 200
    assert author.post("/api/v1/statuses", json={"status": "Thank you"}).status_code == 200
    reversal = author.get(f"/api/parley/v1/decisions/{r.json()['reversal_id']}").json()
    assert reversal["reverses_id"] == decision["id"] and reversal["actions"] == []
    services: Services = world["services"]
    with services.db.unit() as uow:
        from parley.safety.decisions import active_strikes

        assert active_strikes(uow.session, services.settings, int(author.id)) == 0
        assert uow.session.get(Decision, int(decision["id"])) is not None  # never deleted
    kinds = [n["type"] for n in author.get("/api/v1/notifications").json()]
    assert kinds.count("moderation_warning") == 2


def test_a_decision_reversed_without_an_appeal_cannot_be_appealed_any_more(world: dict[str, Any]) -> None:
    from parley.safety.decisions import reverse

    author, _, _, decision = _removed_on_report(world)
    mod2 = world["mod2"]
    services: Services = world["services"]
    with services.db.unit() as uow:
        moderator = uow.session.get(Account, int(mod2.id))
        found = uow.session.get(Decision, int(decision["id"]))
        assert moderator is not None and found is not None
        reverse(uow.session, services.settings, moderator, found, "Decided on the wrong rule.")
    r = author.post(f"/api/parley/v1/decisions/{decision['id']}/appeal", json={"text": "It is political commentary."})
    assert r.status_code == 422 and r.json()["error"] == "This decision was already reversed"


def test_only_staff_with_admin_scopes_moderate(world: dict[str, Any], client: TestClient, services: Services) -> None:
    potus = head_of_state(world)
    citizen: User = world["make"]("citizen")
    plain_mod = make_user(services, client, "plainmod", role="moderator")  # no admin scopes
    body = {"role": "Mayor", "jurisdiction": "Springfield"}
    assert citizen.put(f"/api/parley/v1/accounts/{citizen.id}/public_office", json=body).status_code == 403
    assert world["mod1"].put(f"/api/parley/v1/accounts/{citizen.id}/public_office", json=body).status_code == 403
    r = world["admin"].put(f"/api/parley/v1/accounts/{citizen.id}/public_office", json={"role": "", "jurisdiction": "x"})
    assert r.status_code == 422 and "role" in r.json()["error"]
    post = potus.status("A post")
    case_id = report_case(citizen, potus, post["id"], "civic-integrity", world["mod1"])
    good = {"rule_id": "civic-integrity", "actions": ["label"], "status_id": post["id"], "reasons": "Misleading.", "label_text": "Get the facts about voting"}
    assert decide(citizen, case_id, **good).status_code == 403
    assert decide(plain_mod, case_id, **good).status_code == 403
    assert decide(potus, case_id, **good).status_code == 403
    assert decide(world["mod1"], case_id, **{**good, "rule_id": "no-such-rule"}).status_code == 404
    r = decide(world["mod1"], case_id, **{**good, "label_text": ""})
    assert r.status_code == 422 and "label" in r.json()["error"]
    r = decide(world["mod1"], case_id, **good)
    assert r.status_code == 200, r.text
    labelled = citizen.get(f"/api/v1/statuses/{post['id']}").json()
    assert labelled["parley"]["label"] == {"text": "Get the facts about voting", "url": None}
    assert labelled["filtered"] == []
    r = world["admin"].delete(f"/api/parley/v1/accounts/{potus.id}/public_office")
    assert r.status_code == 200 and r.json()["designated"] is False
    shown = world["mod1"].get(f"/api/parley/v1/accounts/{potus.id}/public_office").json()
    assert shown["designated"] is False
    assert [e["action"] for e in shown["log"]] == ["designate", "remove"]
    assert shown["log"][0]["role"] == "President of the United States"
    assert shown["log"][0]["by_account_id"] == world["admin"].id
    assert citizen.get(f"/api/parley/v1/accounts/{potus.id}/public_office").status_code == 403



def test_a_suspended_accounts_data_is_purged_after_the_retention_period(world: dict[str, Any]) -> None:
    from parley.safety.decisions import purge_expired

    services: Services = world["services"]
    spammer: User = world["make"]("spammer")
    reporter: User = world["make"]("reporter")
    posts = [spammer.status(f"Free money, click here {i}") for i in range(2)]
    case_id = report_case(reporter, spammer, posts[0]["id"], "platform-manipulation-spam", world["mod1"])
    r = decide(world["mod1"], case_id, rule_id="platform-manipulation-spam", actions=["remove", "suspend"], status_id=posts[0]["id"], reasons="A spam operation.")
    assert r.status_code == 200, r.text
    with services.db.unit() as uow:
        account = uow.session.get(Account, int(spammer.id))
        assert account is not None and account.purge_after is not None
        purge_at = account.purge_after
        assert purge_expired(uow.session, purge_at - timedelta(seconds=1)) == 0
    # Kept meanwhile: the owner can still read their posts.
    assert spammer.get(f"/api/v1/statuses/{posts[1]['id']}").status_code == 200
    with services.db.unit() as uow:
        assert purge_expired(uow.session, purge_at + timedelta(seconds=1)) == 1
        assert purge_expired(uow.session, purge_at + timedelta(days=1)) == 0  # once
    assert spammer.get(f"/api/v1/statuses/{posts[1]['id']}").status_code == 404
    with services.db.unit() as uow:
        account = uow.session.get(Account, int(spammer.id))
        assert account is not None and account.suspended_at is not None and account.note == ""


def test_mastodons_admin_account_action_decides_with_a_rule(world: dict[str, Any]) -> None:
    troll: User = world["make"]("troll")
    victim: User = world["make"]("victim")
    mod1 = world["mod1"]
    post = troll.status("@victim nobody wants you here")
    r = victim.post("/api/v1/reports", json={"account_id": troll.id, "status_ids": [post["id"]], "rule_ids": ["abuse-harassment"]})
    assert r.status_code == 200, r.text
    report_id = r.json()["id"]
    path = f"/api/v1/admin/accounts/{troll.id}/action"
    assert victim.post(path, json={"type": "none", "report_id": report_id, "text": "x"}).status_code == 403
    r = mod1.post(path, json={"type": "silence", "report_id": report_id, "text": "x"})
    assert r.status_code == 422 and "limit_reach" in r.json()["error"]
    r = mod1.post(path, json={"type": "none", "text": "Be kind."})
    assert r.status_code == 422 and "rule_id" in r.json()["error"]
    # The report names one rule: that is the rule of the warning; its case is closed.
    r = mod1.post(path, json={"type": "none", "report_id": report_id, "text": "Be kind to people."})
    assert r.status_code == 200 and r.json() == {}
    assert mod1.get(f"/api/v1/admin/reports/{report_id}").json()["action_taken"] is True
    warning = next(n for n in troll.get("/api/v1/notifications").json() if n["type"] == "moderation_warning")
    assert warning["moderation_warning"]["action"] == "none"
    assert warning["moderation_warning"]["parley"]["actions"] == ["warn"]
    assert warning["moderation_warning"]["text"].startswith("Be kind to people.")
    # disable: a lock for the hours given (a second strike would also have locked).
    r = mod1.post(path, json={"type": "disable", "rule_id": "abuse-harassment", "duration_hours": 48, "text": "Again."})
    assert r.status_code == 200, r.text
    r = troll.post("/api/v1/statuses", json={"status": "hi"})
    assert r.status_code == 403 and "locked until" in r.json()["error"]
    admin_view = next(a for a in mod1.get("/api/v1/admin/accounts", params={"username": "troll"}).json())
    assert admin_view["disabled"] is True
