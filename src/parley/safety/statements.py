"""What a decision says to the people it affects and to the public.

``statement_of_reasons`` holds the fields of the EU Digital Services Act transparency
database (Art. 17 and 24(5); ``../shared/POLICY.md`` section 3), without personal data.
``warning_action`` maps Parley's actions onto Mastodon's ``AccountWarning`` actions, so
existing clients show a decision as the strike it is. Pure functions of the decision.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from parley.safety.catalog import CatalogRule
from parley.store.tables import Decision

# Mastodon's AccountWarning actions, strongest first, and the Parley actions that make them.
_WARNING_ACTIONS = (
    ("suspend", {"suspend"}),
    ("disable", {"lock"}),
    ("delete_statuses", {"remove", "read_only"}),
    ("silence", {"limit_reach"}),
    ("mark_statuses_as_sensitive", {"sensitive"}),
)

_VISIBILITY = {
    "remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "read_only": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "limit_reach": "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "sensitive": "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "label": "DECISION_VISIBILITY_CONTENT_LABELLED",
    "public_interest_notice": "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
}


def actions_of(decision: Decision) -> list[str]:
    return list(json.loads(decision.actions_json))


def warning_action(decision: Decision) -> str:
    acts = set(actions_of(decision))
    for name, parley_actions in _WARNING_ACTIONS:
        if acts & parley_actions:
            return name
    return "none"


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


def statement_of_reasons(
    decision: Decision, rule: CatalogRule | None, *, content_date: datetime | None, content_language: str | None
) -> dict[str, Any]:
    """The DSA transparency-database fields of ``decision`` (no personal data)."""
    acts = actions_of(decision)
    visibility = [_VISIBILITY[a] for a in acts if a in _VISIBILITY]
    if "public_interest_notice" in acts:
        # Kept up behind a notice: interaction restricted, and left out of discovery.
        visibility.append("DECISION_VISIBILITY_CONTENT_DEMOTED")
    out: dict[str, Any] = {
        "decision_visibility": sorted(set(visibility)),
        "end_date_visibility_restriction": "",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": (
            f"Parley rule {decision.rule_id} (version {decision.rule_version})"
            + (f": {rule.title['en']}" if rule is not None else "")
        )[:500],
        "incompatible_content_explanation": decision.reasons[:2000],
        "content_type": ["CONTENT_TYPE_TEXT"],
        "category": rule.dsa_category if rule is not None else "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "decision_facts": (decision.facts or decision.reasons)[:5000],
        "source_type": "SOURCE_ARTICLE_16" if decision.source == "notice" else "SOURCE_VOLUNTARY",
        "automated_detection": "Yes" if decision.automated_detection else "No",
        "automated_decision": {
            "fully": "AUTOMATED_DECISION_FULLY",
            "partially": "AUTOMATED_DECISION_PARTIALLY",
        }.get(decision.automated_decision, "AUTOMATED_DECISION_NOT_AUTOMATED"),
        "application_date": _date(decision.created_at),
        "content_date": _date(content_date or decision.created_at),
        "puid": f"parley-decision-{decision.id}",
    }
    if rule is not None and rule.dsa_keyword:
        out["category_specification"] = [rule.dsa_keyword]
    if "lock" in acts:
        out["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
        out["end_date_service_restriction"] = _date(decision.ends_at)
    if "read_only" in acts or "remove" in acts:
        out.setdefault("decision_provision", "DECISION_PROVISION_PARTIAL_SUSPENSION")
    if "suspend" in acts:
        out["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
        out["end_date_account_restriction"] = ""
    if not any(k in out for k in ("decision_provision", "decision_account")) and not visibility:
        out["decision_visibility"] = ["DECISION_VISIBILITY_OTHER"]
        out["decision_visibility_other"] = "A warning" if "warn" in acts else "A reversal of an earlier decision"
    if content_language:
        out["content_language"] = content_language.upper()[:2]
    return out
