"""The aggregate transparency report on a small set of decisions counted by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from parley import ids
from parley.safety import audits, detectors
from parley.safety.decisions import DecisionInput
from parley.safety.decisions import decide as decide_directly
from parley.services import Services
from parley.store.tables import Account, Audit, Decision, Report
from parley.transparency.report import Period, parse_period, summarise
from tests.factories import User
from tests.transparency.test_statements import decide, premier, report_case


@dataclass(frozen=True)
class _Detector:
    name: str = "test-terms"
    version: str = "1"

    def scan(self, text: str) -> list[detectors.Flag]:
        return [detectors.Flag("hateful-conduct", 0.99, "matched a term")]


def _report_before(services: Services, decision_id: str, hours: float) -> None:
    """Date the reports of the decision's case ``hours`` before the decision."""
    with services.db.unit() as uow:
        decision = uow.session.get(Decision, int(decision_id))
        assert decision is not None and decision.case_id is not None
        uow.session.execute(
            update(Report).where(Report.case_id == decision.case_id).values(created_at=decision.created_at - timedelta(hours=hours))
        )


def _audit(services: Services, reviewer: User, decision_id: str, *, violation: bool, rule_id: str | None) -> None:
    with services.db.unit() as uow:
        audit = Audit(id=ids.new_id(), decision_id=int(decision_id), created_at=datetime.now(UTC))
        uow.session.add(audit)
        uow.session.flush()
        moderator = uow.session.get(Account, int(reviewer.id))
        assert moderator is not None
        audits.review(uow.session, moderator, audit.id, violation=violation, rule_id=rule_id, actions=["remove"] if violation else [], notes=None)


@pytest.fixture
def known(world: dict[str, Any]) -> dict[str, Any]:
    """Five decisions, one reversal, two appeals and two audits (see each step)."""
    services: Services = world["services"]
    mod1, mod2 = world["mod1"], world["mod2"]
    make = world["make"]
    reporter: User = make("reporter")
    a, b, c, d, e = (make(n) for n in ("anna", "bram", "cees", "daan", "eva"))
    leader = premier(world)

    # An old decision, outside the period asked for.
    old_post = e.status("An old post")
    with services.db.unit() as uow:
        moderator = uow.session.get(Account, int(mod1.id))
        assert moderator is not None
        decide_directly(
            uow.session, services.settings, moderator, int(e.id),
            DecisionInput(rule_id="hateful-conduct", actions=("remove",), reasons="Old.", post_id=int(old_post["id"])),
            now=datetime(2025, 1, 1, 12, tzinfo=UTC),
        )  # fmt: skip

    # D1: a person's report, removal; reported 2 hours before.
    post = a.status("Hateful words")
    d1 = decide(mod1, report_case(reporter, a, post["id"], "hateful-conduct", mod1), rule_id="hateful-conduct", actions=["remove"], status_id=post["id"], reasons="Hate.")
    # D2: a person's report, removal; reported 4 hours before; reversed on appeal.
    post = b.status("Harassing words")
    d2 = decide(mod1, report_case(reporter, b, post["id"], "abuse-harassment", mod1), rule_id="abuse-harassment", actions=["remove"], status_id=post["id"], reasons="Harassment.")
    # D3: a detector's flag, reach limited; flagged 6 hours before.
    post = c.status("Flagged words")
    with services.db.unit() as uow:
        assert detectors.scan_post(uow.session, services.settings, int(post["id"]), [_Detector()])
    case_id = str(mod1.get("/api/parley/v1/cases", params={"account_id": c.id}).json()[0]["id"])
    d3 = decide(mod1, case_id, rule_id="hateful-conduct", actions=["limit_reach"], status_id=post["id"], reasons="Hate, less reach.")
    # D4: own initiative, a warning, no report.
    with services.db.unit() as uow:
        moderator = uow.session.get(Account, int(mod1.id))
        assert moderator is not None
        d4 = str(
            decide_directly(
                uow.session, services.settings, moderator, int(d.id),
                DecisionInput(rule_id="platform-manipulation-spam", actions=("warn",), reasons="Spam."),
            ).id
        )  # fmt: skip
    # D5: a person's report on a public-interest account: the notice; reported 1 hour before.
    post = leader.status("Hateful words from the top")
    d5 = decide(
        mod1, report_case(reporter, leader, post["id"], "hateful-conduct", mod1), rule_id="hateful-conduct",
        actions=["public_interest_notice"], status_id=post["id"], reasons="Hate.", public_interest_assessment="Newsworthy.",
    )  # fmt: skip
    for decision, hours in ((d1, 2), (d2, 4), (d3, 6), (d5, 1)):
        _report_before(services, decision["id"], hours)

    # Appeals: D1 rejected, D2 approved (the reversal).
    appeal = a.post(f"/api/parley/v1/decisions/{d1['id']}/appeal", json={"text": "Not hate."}).json()
    assert mod2.post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "reject", "reasons": "It is."}).status_code == 200
    appeal = b.post(f"/api/parley/v1/decisions/{d2['id']}/appeal", json={"text": "Not harassment."}).json()
    assert mod2.post(f"/api/parley/v1/appeals/{appeal['id']}/resolve", json={"outcome": "approve", "reasons": "Fair."}).status_code == 200

    # Audits by mod2: agrees on D1, finds no violation in D4.
    _audit(services, mod2, d1["id"], violation=True, rule_id="hateful-conduct")
    _audit(services, mod2, d4, violation=False, rule_id=None)
    return {"d1": d1["id"], "d2": d2["id"], "d3": d3["id"], "d4": d4, "d5": d5["id"], "leader": leader, "anna": a}


def _today() -> datetime:
    return datetime.now(UTC)


def test_the_report_counts_what_was_decided(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    start = (_today() - timedelta(days=1)).strftime("%Y-%m-%d")
    end = (_today() + timedelta(days=1)).strftime("%Y-%m-%d")
    r = client.get("/api/parley/v1/transparency/report", params={"from": start, "to": end})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["period"] == {"from": start, "to": end}
    assert report["decisions"] == 5 and report["reversals"] == 1
    assert report["by_rule"] == {"hateful-conduct": 3, "abuse-harassment": 1, "platform-manipulation-spam": 1}
    assert report["by_action"] == {
        "label": 0, "sensitive": 0, "limit_reach": 1, "public_interest_notice": 1, "remove": 2,
        "warn": 1, "read_only": 0, "lock": 0, "suspend": 0,
    }  # fmt: skip
    assert report["by_source"] == {"report": 3, "detector": 1, "own_initiative": 1}
    assert report["automated"] == {"detection": 1, "detection_share": 0.2, "decision": 0, "decision_share": 0.0}
    # Waits of 2, 4, 6 and 1 hours: the median is 3 hours.
    assert report["time_to_decision"] == {"decisions_after_reports": 4, "median_seconds": 10800, "median_hours": 3.0}
    assert report["appeals"] == {"filed": 2, "pending": 0, "approved": 1, "rejected": 1}
    assert report["public_interest_notices"] == {"issued": 1, "in_force": 1}
    consistency = report["consistency"]
    assert consistency["overall"]["reviews"] == 2 and consistency["overall"]["agreement_rate"] == 0.5
    assert consistency["overall"]["kappa"] == pytest.approx(1 / 3)
    assert consistency["by_rule"]["hateful-conduct"] == {"reviews": 2, "agreement_rate": 1.0, "kappa": 1.0}
    assert consistency["by_rule"]["platform-manipulation-spam"] == {"reviews": 2, "agreement_rate": 0.5, "kappa": 0.0}
    assert "by_moderator" not in consistency  # about staff, not the rules
    assert report["rules"]["hateful-conduct"] == "Hateful conduct"
    # No one is named in the report.
    assert "anna" not in r.text and "reporter" not in r.text and known["leader"].id not in r.text


def test_the_period_bounds_the_counts(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    everything = client.get("/api/parley/v1/transparency/report").json()
    assert everything["period"] == {"from": None, "to": None}
    assert everything["decisions"] == 6 and everything["by_rule"]["hateful-conduct"] == 4
    old = client.get("/api/parley/v1/transparency/report", params={"from": "2025-01-01", "to": "2025-01-01"}).json()
    assert old["decisions"] == 1 and old["by_source"] == {"report": 0, "detector": 0, "own_initiative": 1}
    assert old["appeals"]["filed"] == 0 and old["time_to_decision"]["median_seconds"] is None
    assert client.get("/api/parley/v1/transparency/report", params={"to": "2024-12-31"}).json()["decisions"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "from must be a date"),
        ({"from": "yesterday"}, "from must be a date"),
        ({"to": "2026-1-5"}, "to must be a date"),
        ({"to": "20260105"}, "to must be a date"),
        ({"from": "2026-02-02", "to": "2026-02-01"}, "from must not be after to"),
    ],
)
def test_bad_dates_are_refused(world: dict[str, Any], params: dict[str, str], message: str) -> None:
    r = world["client"].get("/api/parley/v1/transparency/report", params=params)
    assert r.status_code == 422
    assert message in r.json()["error"]


def test_the_notices_in_force(world: dict[str, Any], known: dict[str, Any]) -> None:
    notices = world["client"].get("/api/parley/v1/transparency/notices").json()
    assert len(notices) == 1
    notice = notices[0]
    assert notice["decision_id"] == known["d5"]
    assert notice["account"]["handle"] == "@Premier@parley.test"
    assert notice["post"]["text"] == "Hateful words from the top"
    assert notice["rule"] == {"id": "hateful-conduct", "title": "Hateful conduct"}
    assert notice["notice"].startswith("This post broke Parley's rules about hateful conduct.")


def test_summarise_on_nothing() -> None:
    out = summarise([], {})
    assert out["decisions"] == 0 and out["automated"]["detection_share"] is None
    assert out["time_to_decision"]["median_seconds"] is None
    assert parse_period(None, "") == Period()
    assert json.dumps(out)
