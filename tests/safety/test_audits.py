"""Consistency audits: sampling, blind review by another moderator, agreement and kappa."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from parley.safety.audits import cohens_kappa, maybe_queue
from parley.services import Services
from parley.store.tables import Decision
from tests.factories import User
from tests.moderation import decide, report_case


@pytest.mark.parametrize(
    ("pairs", "kappa"),
    [
        ([], None),
        ([("a", "a"), ("b", "b")], 1.0),
        ([("a", "a"), ("a", "a")], None),  # one outcome only: chance agreement is certain
        ([("a", "b"), ("b", "a")], -1.0),
        # 20 cases: 7 yes/yes, 5 yes/no, 3 no/yes, 5 no/no: po = .6; rater one says yes 12
        # times, rater two 10, so pe = (12*10 + 8*10) / 400 = .5 and kappa = .1 / .5
        ([("y", "y")] * 7 + [("y", "n")] * 5 + [("n", "y")] * 3 + [("n", "n")] * 5, 0.2),
    ],
)
def test_cohens_kappa(pairs: list[tuple[str, str]], kappa: float | None) -> None:
    got = cohens_kappa(pairs)
    if kappa is None:
        assert got is None
    else:
        assert got == pytest.approx(kappa)


def test_sampling_follows_the_rate(services: Services) -> None:
    decision = Decision(id=1, account_id=1, actions_json="[]")
    with services.db.unit() as uow:
        never = replace(services.settings, audit_rate=0.0)
        assert maybe_queue(uow.session, never, decision, draw=lambda: 0.0) is None
        half = replace(services.settings, audit_rate=0.5)
        assert maybe_queue(uow.session, half, decision, draw=lambda: 0.7) is None
        uow.session.rollback()


def test_a_decision_is_reviewed_blind_by_another_moderator(world: dict[str, Any]) -> None:
    services: Services = world["services"]
    author: User = world["make"]("author")
    reporter: User = world["make"]("reporter")
    mod1, mod2 = world["mod1"], world["mod2"]
    post = author.status("Buy cheap followers now!!! #spam")
    case_id = report_case(reporter, author, post["id"], "platform-manipulation-spam", mod1)
    r = decide(mod1, case_id, rule_id="platform-manipulation-spam", actions=["remove"], status_id=post["id"], reasons="Spam.")
    assert r.status_code == 200, r.text
    decision_id = int(r.json()["id"])
    with services.db.unit() as uow:
        decision = uow.session.get(Decision, decision_id)
        assert decision is not None
        always = replace(services.settings, audit_rate=1.0)
        audit = maybe_queue(uow.session, always, decision, draw=lambda: 0.99)
        assert audit is not None
        audit_id = str(audit.id)
    # The deciding moderator does not get their own decision to review.
    assert audit_id not in [a["id"] for a in mod1.get("/api/parley/v1/audits").json()["pending"]]
    pending = mod2.get("/api/parley/v1/audits").json()["pending"]
    item = next(a for a in pending if a["id"] == audit_id)
    assert item["status"]["id"] == post["id"]  # the removed post, shown to the reviewer
    assert "rule_id" not in item and "actions" not in item  # blind
    assert mod1.post(f"/api/parley/v1/audits/{audit_id}/review", json={"violation": True, "rule_id": "platform-manipulation-spam"}).status_code == 403
    assert author.post(f"/api/parley/v1/audits/{audit_id}/review", json={"violation": False}).status_code == 403
    r = mod2.post(f"/api/parley/v1/audits/{audit_id}/review", json={"rule_id": "x"})
    assert r.status_code == 422
    r = mod2.post(f"/api/parley/v1/audits/{audit_id}/review", json={"violation": True, "rule_id": "platform-manipulation-spam", "actions": ["remove"]})
    assert r.status_code == 200, r.text
    assert r.json()["agrees"] is True
    again = mod2.post(f"/api/parley/v1/audits/{audit_id}/review", json={"violation": False})
    assert again.status_code == 422
    report = mod2.get("/api/parley/v1/audits").json()["agreement"]
    assert report["overall"]["reviews"] == 1 and report["overall"]["agreement_rate"] == 1.0
    assert report["by_moderator"][str(mod1.id)]["reviews"] == 1
    assert report["by_rule"]["platform-manipulation-spam"]["agreement_rate"] == 1.0
