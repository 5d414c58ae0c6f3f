"""The pure parts of the queue, table by table: who may moderate, priority, and which
rules a case is proposed under."""

from __future__ import annotations

import pytest

from parley.errors import Forbidden
from parley.safety import permissions
from parley.safety.cases import bumped_priority, proposal_rules, report_weight
from parley.safety.catalog import shipped_catalog


@pytest.mark.parametrize(("role", "moderator"), [("user", False), ("moderator", True), ("admin", True), ("", False)])
def test_who_moderates(role: str, moderator: bool) -> None:
    assert permissions.is_moderator(role) is moderator
    assert (permissions.refusal_to_moderate(role) is None) is moderator


@pytest.mark.parametrize(
    ("role", "moderator_id", "subject_id", "refused"),
    [
        ("moderator", 1, 2, None),
        ("admin", 1, 2, None),
        ("moderator", 1, 1, "your own account"),
        ("admin", 1, 1, "your own account"),
        ("user", 1, 2, "This action is not allowed"),
        ("user", 1, 1, "This action is not allowed"),
    ],
)
def test_who_handles_a_case(role: str, moderator_id: int, subject_id: int, refused: str | None) -> None:
    refusal = permissions.refusal_to_handle_case(role, moderator_id, subject_id)
    if refused is None:
        assert refusal is None
        permissions.check_handle_case(role, moderator_id, subject_id)
    else:
        assert refusal is not None and refused in refusal
        with pytest.raises(Forbidden):
            permissions.check_handle_case(role, moderator_id, subject_id)


@pytest.mark.parametrize(
    ("role", "assignee_id", "subject_id", "refused"),
    [
        ("moderator", 1, 2, None),
        ("admin", 1, 2, None),
        ("user", 1, 2, "only be assigned to moderators"),
        ("moderator", 2, 2, "it is about"),
    ],
)
def test_who_a_case_is_assigned_to(role: str, assignee_id: int, subject_id: int, refused: str | None) -> None:
    refusal = permissions.refusal_to_assign(role, assignee_id, subject_id)
    assert (refusal is None) if refused is None else (refusal is not None and refused in refusal)


@pytest.mark.parametrize(
    ("category", "severities", "weight"),
    [
        ("other", [], 1),
        ("spam", [], 2),
        ("legal", [], 4),
        ("violation", [3], 3),
        ("violation", [2, 5, 3], 5),
        ("violation", [], 1),
        ("unknown", [], 1),
    ],
)
def test_report_weight(category: str, severities: list[int], weight: int) -> None:
    assert report_weight(category, severities) == weight


@pytest.mark.parametrize(
    ("current", "weight", "sources", "new_source", "expected"),
    [
        (0, 1, 1, True, 11),  # a first report of any kind
        (11, 3, 2, True, 32),  # a graver report by someone else
        (21, 2, 1, False, 21),  # the same person again
        (32, 1, 3, True, 33),  # a milder report by someone new still adds one
        (90, 2, 2, True, 91),  # a moderator's priority is kept; a new source adds one
        (5, 3, 2, False, 32),  # set low by a moderator, raised by a grave report
        (999, 5, 9, True, 1000),
        (1000, 5, 10, True, 1000),  # capped
    ],
)
def test_bumped_priority(current: int, weight: int, sources: int, new_source: bool, expected: int) -> None:
    assert bumped_priority(current, weight, sources=sources, new_source=new_source) == expected


CATALOG = list(shipped_catalog())


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        (["hateful-conduct", "violent-threats"], ["hateful-conduct", "violent-threats"]),
        (["retired-rule", "impersonation"], ["impersonation"]),
        ([], [rule.id for rule in CATALOG]),
        (["retired-rule"], [rule.id for rule in CATALOG]),
    ],
)
def test_the_rules_a_case_is_proposed_under(named: list[str], expected: list[str]) -> None:
    assert [rule.id for rule in proposal_rules(CATALOG, named)] == expected
