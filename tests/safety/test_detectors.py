"""Detectors: the term lists, the offensive-language classifier, and ``scan_post`` filing
their flags into cases as automated reports (and never deciding anything)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from parley.errors import Invalid
from parley.safety.catalog import load_catalog, shipped_catalog
from parley.safety.detectors import (
    SHIPPED_TERMS,
    Detector,
    Flag,
    ProfanityDetector,
    TermList,
    TermListDetector,
    detectors_for,
    parse_terms,
    read_terms,
    scan_post,
    terms_detector,
)
from parley.services import Services
from parley.settings import Settings
from parley.store.tables import Account, CaseEvent, Decision, Post, PublicOffice, Report
from tests.factories import make_staff, make_user

# --- the term lists -----------------------------------------------------------------------

LISTS = TermListDetector(
    [
        TermList("platform-manipulation-spam", ("double your bitcoin", "buy followers")),
        TermList("suicide-self-harm", ("kys", "kill yourself")),
        TermList("private-information", ()),
    ],
    version="test",
)

TEXTS = [
    ("Double Your BITCOIN today!", ["platform-manipulation-spam"]),
    ("double   your\nbitcoin", ["platform-manipulation-spam"]),
    ("want to buy followers? kys", ["platform-manipulation-spam", "suicide-self-harm"]),
    ("(kys)", ["suicide-self-harm"]),
    ("KYS.", ["suicide-self-harm"]),
    ("where are my keys", []),
    ("skys and kysx", []),
    ("doubleyourbitcoin", []),
    ("double your bitcoins", []),
    ("I will never buy followers’ love", ["platform-manipulation-spam"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "rules"), TEXTS)
def test_term_lists_match_whole_words_in_any_case(text: str, rules: list[str]) -> None:
    flags = LISTS.scan(text)
    assert [f.rule_id for f in flags] == rules
    assert all(f.score == 1.0 for f in flags)


def test_a_term_flag_says_what_matched() -> None:
    (flag,) = LISTS.scan("Kill Yourself, kys")
    assert flag == Flag("suicide-self-harm", 1.0, 'Matched the suicide-self-harm term list: "kill yourself", "kys"')


def test_curly_apostrophes_match_straight_ones() -> None:
    detector = TermListDetector([TermList("violent-threats", ("i'm going to kill you",))], "v")
    assert [f.rule_id for f in detector.scan("I’m going to kill you")] == ["violent-threats"]


BAD_LISTS: list[tuple[dict[str, Any], str]] = [
    ({"terms": []}, "unknown top-level key"),
    ({"rules": {"id": "x"}}, "[[rules]]"),
    ({"rules": ["spam"]}, "not a table"),
    ({"rules": [{"terms": ["a"]}]}, "needs the id"),
    ({"rules": [{"id": "spam", "terms": "a"}]}, "list of strings"),
    ({"rules": [{"id": "spam", "terms": [1]}]}, "list of strings"),
    ({"rules": [{"id": "spam", "terms": ["a"], "score": 2}]}, "unknown field"),
    ({"rules": [{"id": "spam", "terms": ["a"]}, {"id": "spam", "terms": ["b"]}]}, "two lists"),
    ({"rules": [{"id": "spam", "terms": ["x" * 201]}]}, "longer than 200"),
]


@pytest.mark.parametrize(("data", "words"), BAD_LISTS)
def test_bad_term_lists_are_refused_with_a_reason(data: dict[str, Any], words: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_terms(data)
    assert words in caught.value.message


def test_the_shipped_lists_name_rules_of_the_shipped_catalog() -> None:
    detector = read_terms(SHIPPED_TERMS)
    catalog = {rule.id for rule in shipped_catalog()}
    assert detector.lists and {tl.rule_id for tl in detector.lists} <= catalog
    assert all(tl.terms for tl in detector.lists)
    assert [f.rule_id for f in detector.scan("DOUBLE YOUR BITCOIN, send 1 BTC now")] == ["platform-manipulation-spam"]
    assert detector.scan("Lovely weather for a walk in the park.") == []


def test_an_edited_term_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "terms.toml"
    path.write_text('[[rules]]\nid = "platform-manipulation-spam"\nterms = ["free money"]\n')
    first = terms_detector(path)
    assert terms_detector(path) is first
    path.write_text('[[rules]]\nid = "platform-manipulation-spam"\nterms = ["free money", "cheap pills"]\n')
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = terms_detector(path)
    assert second.version != first.version
    assert [f.rule_id for f in second.scan("cheap pills!")] == ["platform-manipulation-spam"]
    with pytest.raises(Invalid, match="cannot read"):
        terms_detector(tmp_path / "missing.toml")
    path.write_text("[[rules]\n")
    with pytest.raises(Invalid, match="not valid TOML"):
        read_terms(path)


# --- the classifier -----------------------------------------------------------------------

OFFENSIVE = ["you are a fucking idiot", "shut up, you worthless piece of shit"]
HARMLESS = ["I love this sunny day", "The council meeting is moved to Thursday at noon.", "Thanks for the recipe!"]


def test_the_classifier_flags_clear_abuse_and_leaves_ordinary_text() -> None:
    detector = ProfanityDetector(0.9)
    assert detector.version == "1.9.1"
    for text in OFFENSIVE:
        (flag,) = detector.scan(text)
        assert flag.rule_id == "abuse-harassment"
        assert 0.9 <= flag.score <= 1.0
        assert "classifier" in flag.reason
    for text in HARMLESS:
        assert detector.scan(text) == [], text
        assert detector.score(text) < 0.5


@pytest.mark.parametrize(("score", "flagged"), [(0.89, False), (0.9, True), (1.0, True), (0.0, False)])
def test_the_classifier_threshold(score: float, flagged: bool) -> None:
    detector = ProfanityDetector(0.9, predict=lambda texts: [score for _ in texts], version="fake")
    assert bool(detector.scan("some text")) is flagged
    assert detector.scan("   ") == []


def test_a_threshold_is_a_probability() -> None:
    with pytest.raises(ValueError):
        ProfanityDetector(1.5)


def test_settings_choose_the_detectors() -> None:
    settings = Settings()
    assert [d.name for d in detectors_for(settings)] == ["terms", "profanity-check"]
    assert detectors_for(replace(settings, detectors=())) == []
    with pytest.raises(Invalid, match="unknown detector 'magic'"):
        detectors_for(replace(settings, detectors=("magic",)))
    parsed = Settings.from_env({"PARLEY_DETECTORS": "terms", "PARLEY_DETECTOR_PROFANITY_THRESHOLD": "0.75"})
    assert parsed.detectors == ("terms",) and parsed.detector_profanity_threshold == 0.75
    assert Settings.from_env({"PARLEY_DETECTORS": ""}).detectors == ()
    assert Settings.from_env({}).detectors == ("terms", "profanity")
    with pytest.raises(SystemExit):
        Settings.from_env({"PARLEY_DETECTOR_PROFANITY_THRESHOLD": "90"})


# --- scanning posts -----------------------------------------------------------------------


class Fixed:
    """A detector that always says the same."""

    name = "fixed"

    def __init__(self, *flags: Flag, version: str = "1") -> None:
        self.version = version
        self.flags = list(flags)

    def scan(self, text: str) -> list[Flag]:
        return list(self.flags)


def shipped_detectors() -> list[Detector]:
    return detectors_for(Settings())


@pytest.fixture
def world(services: Services, client: TestClient) -> dict[str, Any]:
    with services.db.unit() as uow:
        load_catalog(uow.session, shipped_catalog())
    w: dict[str, Any] = {name: make_user(services, client, name) for name in ("alice", "bob")}
    w["mod"] = make_staff(services, client, "mod")
    w["services"] = services
    return w


def scan(services: Services, post_id: str, detectors: Any = None) -> list[Report]:
    with services.db.unit() as uow:
        filed = scan_post(uow.session, services.settings, int(post_id), detectors)
        uow.session.expunge_all()
    return filed


def test_scan_post_opens_a_case_with_an_automated_flag(world: dict[str, Any]) -> None:
    services, bob, mod = world["services"], world["bob"], world["mod"]
    status = bob.status("you are a fucking idiot. Also: double your bitcoin here")
    filed = scan(services, status["id"], shipped_detectors())
    assert [r.detector.split("/")[0] for r in filed if r.detector] == ["terms", "profanity-check"]

    (case,) = mod.get("/api/parley/v1/cases").json()
    assert case["account"]["id"] == bob.id
    assert case["rule_ids"] == ["platform-manipulation-spam", "abuse-harassment"]
    assert case["status_ids"] == [status["id"]]
    # abuse-harassment (3) outranks spam (2); two detectors, two sources.
    assert case["priority"] == 32
    detail = mod.get(f"/api/parley/v1/cases/{case['id']}").json()
    terms, classifier = detail["reports"]
    assert terms["account"] is None and terms["automated"] is True
    assert terms["detector"] == f"terms/{read_terms(SHIPPED_TERMS).version}"
    assert terms["score"] == 1.0 and "double your bitcoin" in terms["comment"]
    assert classifier["detector"] == "profanity-check/1.9.1" and classifier["score"] >= 0.9
    assert classifier["rule_ids"] == ["abuse-harassment"] and classifier["status_ids"] == [status["id"]]
    events = detail["events"]
    assert [e["kind"] for e in events] == ["opened", "flag", "flag"]
    assert all(e["automated"] is True and e["account"] is None for e in events)
    assert events[2]["data"]["detector"] == "profanity-check/1.9.1"
    assert [s["id"] for s in detail["statuses"]] == [status["id"]]

    admin_view = mod.get(f"/api/v1/admin/reports/{classifier['id']}").json()
    assert admin_view["account"] is None and admin_view["parley"]["automated"] is True

    # A job may run twice: nothing new the second time.
    assert scan(services, status["id"], shipped_detectors()) == []
    # The detectors the settings name (none here) run when none are given: a post the
    # shipped detectors would flag is left alone.
    unscanned = bob.status("double your bitcoin, you fucking idiot")
    assert scan(services, unscanned["id"]) == []
    with services.db.unit() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Report)) == 2
        assert uow.session.scalar(select(func.count()).select_from(CaseEvent)) == 3
        assert uow.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_a_flag_enriches_the_open_case(world: dict[str, Any]) -> None:
    services, alice, bob, mod = world["services"], world["alice"], world["bob"], world["mod"]
    old = bob.status("an older post")
    r = alice.post("/api/v1/reports", json={"account_id": bob.id, "status_ids": [old["id"]], "category": "spam"})
    assert r.status_code == 200
    new = bob.status("something")
    filed = scan(services, new["id"], [Fixed(Flag("hateful-conduct", 0.8, "looks hateful"))])
    assert len(filed) == 1 and filed[0].score == 0.8 and filed[0].detector == "fixed/1"

    (case,) = mod.get("/api/parley/v1/cases").json()
    assert case["report_count"] == 2
    assert sorted(case["status_ids"]) == sorted([old["id"], new["id"]])
    assert case["priority"] == 42
    kinds = [(e["kind"], e["automated"]) for e in mod.get(f"/api/parley/v1/cases/{case['id']}").json()["events"]]
    assert kinds == [("opened", False), ("report", False), ("flag", True)]
    # A new version of the detector does not flag the same post under the same rule again.
    assert scan(services, new["id"], [Fixed(Flag("hateful-conduct", 0.9, "again"), version="2")]) == []


def test_flags_under_rules_not_in_force_are_dropped(world: dict[str, Any]) -> None:
    status = world["bob"].status("hello")
    assert scan(world["services"], status["id"], [Fixed(Flag("no-such-rule", 1.0, "?"))]) == []
    assert world["mod"].get("/api/parley/v1/cases").json() == []


def test_nothing_to_scan(world: dict[str, Any]) -> None:
    services, alice, bob = world["services"], world["alice"], world["bob"]
    flagging = [Fixed(Flag("abuse-harassment", 1.0, "always"))]
    gone = bob.status("soon gone")
    assert bob.delete(f"/api/v1/statuses/{gone['id']}").status_code == 200
    original = alice.status("a fine post")
    repost = bob.post(f"/api/v1/statuses/{original['id']}/reblog").json()
    for post_id in (gone["id"], repost["id"], "999999"):
        assert scan(services, post_id, flagging) == []
    assert scan(services, original["id"], []) == []
    assert world["mod"].get("/api/parley/v1/cases").json() == []
    # The same detector does flag a post it may scan.
    assert [r.detector for r in scan(services, original["id"], flagging)] == ["fixed/1"]


def test_a_detector_never_takes_down_a_public_interest_post(world: dict[str, Any]) -> None:
    services, alice, bob, mod = world["services"], world["alice"], world["bob"], world["mod"]
    with services.db.unit() as uow:
        uow.session.add(PublicOffice(account_id=int(bob.id), role="Prime minister", jurisdiction="Parleyland"))
        uow.session.execute(update(Account).where(Account.id == int(bob.id)).values(verified=True, followers_count=200_000))
    status = bob.status("those idiots in the opposition are worthless shit")
    filed = scan(services, status["id"], shipped_detectors())
    assert [json.loads(r.rule_ids_json) for r in filed] == [["abuse-harassment"]]
    with services.db.unit() as uow:
        post = uow.session.get(Post, int(status["id"]))
        assert post is not None and post.removed_at is None and post.notice_rule_id is None
        assert uow.session.scalar(select(func.count()).select_from(Decision)) == 0
    assert alice.get(f"/api/v1/statuses/{status['id']}").status_code == 200
    (case,) = mod.get("/api/parley/v1/cases").json()
    (rule,) = mod.get(f"/api/parley/v1/cases/{case['id']}").json()["proposal"]["rules"]
    assert rule["public_interest_applies"] is True and rule["proposed"] == ["public_interest_notice"]
