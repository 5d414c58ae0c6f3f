"""The shipped rules catalog is complete and valid; the parser refuses broken catalogs."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from parley.errors import Invalid
from parley.safety.catalog import SHIPPED, parse_catalog, read_catalog, shipped_catalog

ACTIONS = {"label", "sensitive", "limit_reach", "public_interest_notice", "remove", "warn", "read_only", "lock", "suspend"}
# POLICY.md section 3: the `category` values of the DSA transparency database.
DSA_CATEGORIES = {
    f"STATEMENT_CATEGORY_{name}"
    for name in (
        "ANIMAL_WELFARE", "CONSUMER_INFORMATION", "CYBER_VIOLENCE", "CYBER_VIOLENCE_AGAINST_WOMEN",
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "ILLEGAL_OR_HARMFUL_SPEECH",
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS", "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "NOT_SPECIFIED_NOTICE", "OTHER_VIOLATION_TC", "PROTECTION_OF_MINORS", "RISK_FOR_PUBLIC_SECURITY",
        "SCAMS_AND_FRAUD", "SELF_HARM", "UNSAFE_AND_PROHIBITED_PRODUCTS", "VIOLENCE",
    )
}
# The keywords the shipped catalog uses, with the category each belongs to in the database.
KEYWORD_CATEGORY = {
    "KEYWORD_INCITEMENT_VIOLENCE_HATRED": "STATEMENT_CATEGORY_VIOLENCE",
    "KEYWORD_TERRORIST_CONTENT": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "KEYWORD_CYBER_HARASSMENT": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "KEYWORD_HATE_SPEECH": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "KEYWORD_INAUTHENTIC_ACCOUNTS": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "KEYWORD_MISINFORMATION_DISINFORMATION": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
}
# POLICY.md: never excepted in the public interest.
NEVER_EXCEPTED = {
    "terrorism-violent-extremism",
    "violent-threats",
    "private-information",
    "non-consensual-intimate-media",
    "child-sexual-exploitation",
    "suicide-self-harm",
}
REQUIRED = NEVER_EXCEPTED | {
    "glorification-of-violence",
    "abuse-harassment",
    "hateful-conduct",
    "sensitive-media",
    "platform-manipulation-spam",
    "civic-integrity",
    "impersonation",
    "synthetic-manipulated-media",
}
RULES = shipped_catalog()
BY_ID = {rule.id: rule for rule in RULES}


def test_the_catalog_covers_the_required_rules() -> None:
    assert set(BY_ID) >= REQUIRED
    assert len(BY_ID) == len(RULES)
    assert {rule.group for rule in RULES} == {"safety", "privacy", "authenticity"}


def test_exactly_the_policy_rules_are_never_excepted() -> None:
    assert {rule.id for rule in RULES if not rule.public_interest_eligible} == NEVER_EXCEPTED


def test_the_notice_is_allowed_exactly_for_eligible_rules() -> None:
    for rule in RULES:
        assert ("public_interest_notice" in rule.actions) is rule.public_interest_eligible, rule.id


def test_immediate_suspension() -> None:
    immediate = {rule.id for rule in RULES if rule.immediate_suspension}
    assert immediate == {"violent-threats", "child-sexual-exploitation", "terrorism-violent-extremism"}
    for rule_id in immediate:
        assert {"remove", "suspend"} <= set(BY_ID[rule_id].actions)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rule_is_complete(rule: Any) -> None:
    assert rule.version >= 1
    assert rule.severity in range(1, 6)
    for texts in (rule.title, rule.description):
        assert set(texts) == {"en", "nl"}
        assert all(text.strip() == text and text for text in texts.values())
        assert texts["en"] != texts["nl"]
    assert len(rule.title["en"]) <= 60 and len(rule.description["en"]) <= 300
    assert set(rule.actions) <= ACTIONS and rule.actions
    assert rule.default_action in rule.actions and rule.default_action != "public_interest_notice"
    assert rule.dsa_category in DSA_CATEGORIES
    if rule.dsa_keyword is not None:
        assert KEYWORD_CATEGORY[rule.dsa_keyword] == rule.dsa_category


def test_the_most_severe_rules() -> None:
    assert {rule.id for rule in RULES if rule.severity == 5} == {
        "violent-threats", "terrorism-violent-extremism", "child-sexual-exploitation", "non-consensual-intimate-media",
    }


def test_the_file_is_plain_toml() -> None:
    data = tomllib.loads(SHIPPED.read_text("utf-8"))
    assert [entry["id"] for entry in data["rules"]] == [rule.id for rule in RULES]
    assert read_catalog() == RULES


# --- refusals -------------------------------------------------------------------------------

BASE = tomllib.loads(SHIPPED.read_text("utf-8"))


def edited(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data["rules"][0], data)
    return data


def _set(key: str, value: Any) -> Any:
    return lambda rule, data: rule.__setitem__(key, value)


def _drop(key: str) -> Any:
    return lambda rule, data: rule.pop(key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("colour", "red"), "unknown field 'colour'"),
        (_drop("severity"), "missing field 'severity'"),
        (_set("id", "Violent Threats"), "id must be a slug"),
        (_set("id", "a" * 65), "id must be a slug"),
        (_set("version", 0), "version must be a whole number from 1"),
        (_set("version", "2"), "version must be a whole number from 1"),
        (_set("group", "legal"), "group must be one of safety, privacy, authenticity"),
        (_set("severity", 6), "severity must be a whole number from 1 to 5"),
        (_set("severity", True), "severity must be a whole number from 1 to 5"),
        (_set("title", "Violent threats"), "title must be given per language"),
        (_set("title", {"nl": "Bedreigingen"}), "title.en is required"),
        (_set("title", {"en": "Threats", "nl": "Bedreigingen", "english": "x"}), "not a two-letter language code"),
        (_set("title", {"en": " ", "nl": "x"}), "title.en must be a non-empty string"),
        (_set("title", {"en": "x" * 201, "nl": "x"}), "longer than 200 characters"),
        (_set("title", {"en": "Threats", "nl": "Bedreigingen", "de": "Drohungen"}), "same languages"),
        (_set("public_interest_eligible", "no"), "must be true or false"),
        (_set("dsa_category", "VIOLENCE"), "STATEMENT_CATEGORY_"),
        (_set("dsa_keyword", "KEYWORD_OTHER"), "other than KEYWORD_OTHER"),
        (_set("dsa_keyword", "hate speech"), "KEYWORD_*"),
        (_set("actions", []), "actions must be a non-empty list"),
        (_set("actions", ["remove", "ban"]), "unknown action 'ban'"),
        (_set("actions", ["remove", "remove", "suspend"]), "listed twice"),
        (_set("actions", ["warn", "suspend"]), "at least one action on a post"),
        # violent-threats is not eligible and leads straight to suspension
        (_set("actions", ["public_interest_notice", "remove", "suspend"]), "only for rules eligible"),
        (_set("public_interest_eligible", True), "cannot be eligible"),
        (_set("actions", ["remove", "lock"]), "must allow remove and suspend"),
        (_set("default_action", "public_interest_notice"), "post action other than"),
        (_set("default_action", "suspend"), "post action other than"),
        (_set("default_action", "label"), "not one of the rule's actions"),
        (lambda rule, data: data["rules"].append(copy.deepcopy(rule)), "used twice"),
        (lambda rule, data: data.__setitem__("version", 3), "unknown top-level key 'version'"),
        (lambda rule, data: data.__setitem__("rules", []), "no rules"),
    ],
)
def test_broken_catalogs_are_refused(change: Any, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_catalog(edited(change), source="custom.toml")
    assert message in raised.value.message
    assert raised.value.message.startswith("custom.toml")


def test_eligible_rules_must_allow_the_notice() -> None:
    data = copy.deepcopy(BASE)
    glory = next(r for r in data["rules"] if r["id"] == "glorification-of-violence")
    glory["actions"].remove("public_interest_notice")
    with pytest.raises(Invalid, match="must allow public_interest_notice"):
        parse_catalog(data)


def test_actions_are_stored_in_canonical_order() -> None:
    data = edited(_set("actions", ["suspend", "remove"]))
    assert parse_catalog(data)[0].actions == ("remove", "suspend")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot read"):
        read_catalog(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "x\n')
    with pytest.raises(Invalid, match="is not valid TOML"):
        read_catalog(bad)
