"""The EU DSA transparency database's vocabulary (API v2; ``POLICY.md`` section 3) and the
check that refuses a statement the database would refuse (``validate_statement``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from parley.safety.catalog import DSA_CATEGORIES

# --- the database's enumerations (POLICY.md section 3) ------------------------------------

DECISION_VISIBILITY = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARY = (
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
)
DECISION_PROVISION = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNT = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
DECISION_GROUND = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
CONTENT_TYPE = (
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_OTHER",
)
CATEGORY = DSA_CATEGORIES
SOURCE_TYPE = ("SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY")
YES_NO = ("Yes", "No")
AUTOMATED_DECISION = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")
ACCOUNT_TYPE = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
# The keyword list grows with the database; its shape does not (as in parley.safety.catalog).
KEYWORD_RE = re.compile(r"^KEYWORD_[A-Z_]+$")
# The 27 EU member states and the three EEA states, ISO 3166-1 alpha-2 as the database
# writes them (Greece is GR).
EU_EEA = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "IS", "LI", "NO",
)  # fmt: skip
TERRITORIAL_SCOPE = EU_EEA

PUID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,500}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGUAGE_RE = re.compile(r"^[A-Z]{2}$")
CONTENT_DATE_MIN = date(2000, 1, 1)
APPLICATION_DATE_MIN = date(2020, 1, 1)

# Which decision field each end date belongs to.
END_DATES = {
    "end_date_visibility_restriction": "decision_visibility",
    "end_date_monetary_restriction": "decision_monetary",
    "end_date_service_restriction": "decision_provision",
    "end_date_account_restriction": "decision_account",
}
# Text fields and their limits.
LIMITS = {
    "decision_visibility_other": 500,
    "decision_monetary_other": 500,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000,
    "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2000,
    "content_type_other": 500,
    "category_specification_other": 500,
    "decision_ground_reference_url": 500,
    "source_identity": 500,
    "decision_facts": 5000,
    "puid": 500,
}
DSA_FIELDS = frozenset(
    {
        "decision_visibility", "decision_visibility_other", "decision_monetary", "decision_monetary_other",
        "decision_provision", "decision_account", "account_type", *END_DATES,
        "decision_ground", "decision_ground_reference_url",
        "illegal_content_legal_ground", "illegal_content_explanation",
        "incompatible_content_ground", "incompatible_content_explanation", "incompatible_content_illegal",
        "content_type", "content_type_other", "category", "category_addition", "category_specification",
        "category_specification_other", "territorial_scope", "content_language", "content_date",
        "application_date", "decision_facts", "source_type", "source_identity", "automated_detection",
        "automated_decision", "puid",
    }
)  # fmt: skip
EXTENSION = "parley"  # the key of what Parley publishes beyond the database's fields

# --- validation ---------------------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """The date written YYYY-MM-DD in ``value``; None for anything else (ISO 8601's other
    forms, such as 20260105 or 2026-W01-1, included)."""
    if not isinstance(value, str) or not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _one_of(errors: list[str], statement: Mapping[str, Any], name: str, allowed: tuple[str, ...], *, required: bool) -> None:
    value = statement.get(name)
    if value is None or value == "":
        if required:
            errors.append(f"{name} is required")
        return
    if value not in allowed:
        errors.append(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _list_of(errors: list[str], statement: Mapping[str, Any], name: str, allowed: tuple[str, ...] | None, *, required: bool) -> list[Any]:
    value = statement.get(name)
    if value is None:
        if required:
            errors.append(f"{name} is required")
        return []
    if not isinstance(value, list) or (required and not value):
        errors.append(f"{name} must be a non-empty list" if required else f"{name} must be a list")
        return []
    if len(set(map(str, value))) != len(value):
        errors.append(f"{name} must not repeat a value")
    for item in value:
        if not isinstance(item, str) or (allowed is not None and item not in allowed):
            errors.append(f"{name}: {item!r} is not one of {', '.join(allowed or ())}")
    return list(value)


def _text(errors: list[str], statement: Mapping[str, Any], name: str, *, required: bool) -> None:
    value = statement.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"{name} is required")
        return
    if not isinstance(value, str):
        errors.append(f"{name} must be text")
        return
    if len(value) > LIMITS[name]:
        errors.append(f"{name} is longer than {LIMITS[name]} characters")


def _date(errors: list[str], statement: Mapping[str, Any], name: str, earliest: date) -> date | None:
    """The required date ``name``; None, with the error, when it is missing or unreadable.
    A date before ``earliest`` is an error too, but is returned for the checks against it."""
    raw = statement.get(name)
    if raw is None or raw == "":
        errors.append(f"{name} is required")
        return None
    value = parse_date(raw)
    if value is None:
        errors.append(f"{name} must be a date written YYYY-MM-DD")
    elif value < earliest:
        errors.append(f"{name} must be on or after {earliest.isoformat()}")
    return value


def _must_not(errors: list[str], statement: Mapping[str, Any], name: str, because: str) -> None:
    if statement.get(name) not in (None, "", []):
        errors.append(f"{name} is only allowed {because}")


def validate_statement(statement: Mapping[str, Any]) -> list[str]:
    """What the database would refuse in ``statement``; an empty list when it is valid.

    Each message names the field. The ``parley`` extension is allowed and not checked
    (``dsa_fields`` drops it before submission); any other unknown field is refused.
    """
    errors: list[str] = []
    for name in statement:
        if name not in DSA_FIELDS and name != EXTENSION:
            errors.append(f"{name} is not a field of the transparency database")

    # What was decided: at least one of the four, each from its enumeration.
    decided = [n for n in ("decision_visibility", "decision_monetary", "decision_provision", "decision_account") if statement.get(n)]
    if not decided:
        errors.append("decision_visibility, decision_monetary, decision_provision or decision_account: at least one is required")
    visibility = _list_of(errors, statement, "decision_visibility", DECISION_VISIBILITY, required=False)
    if "DECISION_VISIBILITY_OTHER" in visibility:
        _text(errors, statement, "decision_visibility_other", required=True)
    else:
        _must_not(errors, statement, "decision_visibility_other", "with DECISION_VISIBILITY_OTHER")
    _one_of(errors, statement, "decision_monetary", DECISION_MONETARY, required=False)
    if statement.get("decision_monetary") == "DECISION_MONETARY_OTHER":
        _text(errors, statement, "decision_monetary_other", required=True)
    else:
        _must_not(errors, statement, "decision_monetary_other", "with DECISION_MONETARY_OTHER")
    _one_of(errors, statement, "decision_provision", DECISION_PROVISION, required=False)
    _one_of(errors, statement, "decision_account", DECISION_ACCOUNT, required=False)
    _one_of(errors, statement, "account_type", ACCOUNT_TYPE, required=False)

    application = _date(errors, statement, "application_date", APPLICATION_DATE_MIN)
    content = _date(errors, statement, "content_date", CONTENT_DATE_MIN)
    if content is not None and content >= CONTENT_DATE_MIN and application is not None and content > application:
        errors.append("content_date must not be after application_date")
    for end_name, decision_name in END_DATES.items():
        raw = statement.get(end_name)
        if raw is None or raw == "":
            continue  # blank: indefinite
        end = parse_date(raw)
        if end is None:
            errors.append(f"{end_name} must be a date written YYYY-MM-DD, or blank")
        elif decision_name not in decided:
            errors.append(f"{end_name} is only allowed with {decision_name}")
        elif application is not None and end < application:
            errors.append(f"{end_name} must not be before application_date")

    # The ground, and the fields that belong to it.
    _one_of(errors, statement, "decision_ground", DECISION_GROUND, required=True)
    ground = statement.get("decision_ground")
    illegal = ("illegal_content_legal_ground", "illegal_content_explanation")
    incompatible = ("incompatible_content_ground", "incompatible_content_explanation")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        for name in illegal:
            _text(errors, statement, name, required=True)
        for name in (*incompatible, "incompatible_content_illegal"):
            _must_not(errors, statement, name, "with DECISION_GROUND_INCOMPATIBLE_CONTENT")
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for name in incompatible:
            _text(errors, statement, name, required=True)
        _one_of(errors, statement, "incompatible_content_illegal", YES_NO, required=False)
        for name in illegal:
            _must_not(errors, statement, name, "with DECISION_GROUND_ILLEGAL_CONTENT")
    url = statement.get("decision_ground_reference_url")
    _text(errors, statement, "decision_ground_reference_url", required=False)
    if isinstance(url, str) and url and not re.match(r"^https?://[^\s/]+\S*$", url):
        errors.append("decision_ground_reference_url must be an http(s) URL")

    # The content.
    types = _list_of(errors, statement, "content_type", CONTENT_TYPE, required=True)
    if "CONTENT_TYPE_OTHER" in types:
        _text(errors, statement, "content_type_other", required=True)
    else:
        _must_not(errors, statement, "content_type_other", "with CONTENT_TYPE_OTHER")
    _one_of(errors, statement, "category", CATEGORY, required=True)
    _list_of(errors, statement, "category_addition", CATEGORY, required=False)
    keywords = _list_of(errors, statement, "category_specification", None, required=False)
    for keyword in keywords:
        if isinstance(keyword, str) and not KEYWORD_RE.match(keyword):
            errors.append(f"category_specification: {keyword!r} is not a KEYWORD_*")
    if "KEYWORD_OTHER" in keywords:
        _text(errors, statement, "category_specification_other", required=True)
    else:
        _must_not(errors, statement, "category_specification_other", "with KEYWORD_OTHER")
    _list_of(errors, statement, "territorial_scope", EU_EEA, required=False)
    language = statement.get("content_language")
    if language not in (None, "") and not (isinstance(language, str) and LANGUAGE_RE.match(language)):
        errors.append("content_language must be an ISO 639-1 code in upper case, such as EN")

    # The facts, the source and automation, the id.
    _text(errors, statement, "decision_facts", required=True)
    _one_of(errors, statement, "source_type", SOURCE_TYPE, required=True)
    _text(errors, statement, "source_identity", required=False)
    if statement.get("source_type") == "SOURCE_VOLUNTARY":
        _must_not(errors, statement, "source_identity", "with a notice, not SOURCE_VOLUNTARY")
    _one_of(errors, statement, "automated_detection", YES_NO, required=True)
    _one_of(errors, statement, "automated_decision", AUTOMATED_DECISION, required=True)
    value = statement.get("puid")
    if value is None or value == "":
        errors.append("puid is required")
    elif not isinstance(value, str) or not PUID_RE.match(value):
        errors.append("puid must be 1 to 500 characters of a-z, A-Z, 0-9, _ and -")
    return errors
