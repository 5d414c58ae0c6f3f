"""Statements of reasons: what a decision says to the public and to the EU's database.

Every decision has a statement of reasons with the fields of the EU Digital Services Act
transparency database (API v2; Art. 17 and 24(5); ``POLICY.md`` section 3), published
without personal data:

- **Pseudonyms.** A private person appears only as ``acct-`` followed by 20 hex digits of
  HMAC-SHA256(``settings.secret_key``, account id): stable, so decisions about the same
  account can be counted together, but not reversible without the instance's secret
  (account ids are public, so an unkeyed hash would be). A *public-interest account* (one
  with a ``PublicOffice`` row) is named: handle, profile URL, office, and the post the
  decision is about (URL and text).
- **Free text.** Moderators write facts and reasons for people, not for a database, so the
  texts are scrubbed before they are published: every ``@handle`` that is not a
  public-interest account's becomes the pseudonym of that account (or ``@[person]`` when
  no such account exists here), the affected private person's username and display name
  are replaced wherever they stand as words, and e-mail addresses become ``[e-mail]``.
  Other personal data in free text (a street name, say) cannot be found mechanically:
  moderators are told to keep it out.
- **Territorial scope.** Parley is a service offered in the whole Union and EEA unless the
  operator restricts it, so every statement names all EU and EEA states (``EU_EEA``).
- **Reversals.** A decision that reverses another restricts nothing; the database has no
  type for it, so its statement says ``DECISION_VISIBILITY_OTHER`` with
  ``decision_visibility_other`` "Reversal of decision <puid>: ...", keeps the ground (the
  rule the reversed decision applied) and gives the reversal's reasons.
- **A warning** restricts nothing either: ``DECISION_VISIBILITY_OTHER``, "Warning ...".

``public_statement`` returns the database's fields at the top level plus one key,
``parley``, with what the public pages show and the database does not take (the rule's
id and version, the actions, the named or pseudonymous subject). ``dsa_fields`` drops it
for submission. ``validate_statement`` refuses what the database would refuse.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.pagination import Page, Paged, apply
from parley.safety.catalog import DSA_CATEGORIES, CatalogRule, get_rule
from parley.settings import Settings
from parley.store.tables import Account, Decision, Post, PublicOffice, Report

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

# --- Parley's actions ---------------------------------------------------------------------

# Mastodon's AccountWarning actions, strongest first, and the Parley actions that make them.
_WARNING_ACTIONS = (
    ("suspend", {"suspend"}),
    ("disable", {"lock"}),
    ("delete_statuses", {"remove", "read_only"}),
    ("silence", {"limit_reach"}),
    ("mark_statuses_as_sensitive", {"sensitive"}),
)

# What each post action does to the post's visibility. "sensitive" puts the post behind a
# click-through warning for everyone, whatever their age: a label, not an age restriction.
# The public-interest notice keeps the post up behind a notice (labelled), without likes,
# replies or reposts (interaction restricted), and out of discovery (demoted).
_VISIBILITY = {
    "remove": ("DECISION_VISIBILITY_CONTENT_REMOVED",),
    "read_only": ("DECISION_VISIBILITY_CONTENT_DISABLED",),
    "limit_reach": ("DECISION_VISIBILITY_CONTENT_DEMOTED",),
    "sensitive": ("DECISION_VISIBILITY_CONTENT_LABELLED",),
    "label": ("DECISION_VISIBILITY_CONTENT_LABELLED",),
    "public_interest_notice": (
        "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_DEMOTED",
        "DECISION_VISIBILITY_CONTENT_LABELLED",
    ),
}

_SOURCE = {
    "notice": "SOURCE_ARTICLE_16",
    "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
    "other_notification": "SOURCE_TYPE_OTHER_NOTIFICATION",
}


def actions_of(decision: Decision) -> list[str]:
    return list(json.loads(decision.actions_json))


def warning_action(decision: Decision) -> str:
    acts = set(actions_of(decision))
    for name, parley_actions in _WARNING_ACTIONS:
        if acts & parley_actions:
            return name
    return "none"


def puid(decision_id: int) -> str:
    """The statement's unique id in the database: never reused, as decision ids are not."""
    return f"parley-decision-{decision_id}"


def rule_url(base_url: str, rule_id: str) -> str:
    return f"{base_url.rstrip('/')}/about/rules#{rule_id}"


# --- pseudonyms and scrubbing -------------------------------------------------------------


def pseudonym(secret_key: str, account_id: int) -> str:
    """A private person's stable, non-reversible public id (keyed with the instance secret)."""
    if not secret_key:
        # Account ids are public: without a secret the hash could be reversed by trying them.
        raise ValueError("a secret key is needed to publish pseudonyms (PARLEY_SECRET_KEY)")
    digest = hmac.new(secret_key.encode(), f"parley-account:{account_id}".encode(), hashlib.sha256)
    return "acct-" + digest.hexdigest()[:20]


_HANDLE_RE = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?))?")
_EMAIL_RE = re.compile(r"(?<![@\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")


@dataclass(frozen=True)
class Subject:
    """Whom a statement is about, as far as it may be published."""

    pseudonym: str
    public: bool  # a public-interest account: named
    handle: str | None = None
    url: str | None = None
    role: str | None = None
    jurisdiction: str | None = None


class Scrubber:
    """Replaces personal data in moderators' free text (see the module docstring).

    ``lookup(username_lower)`` gives (account id, is public-interest) of a local account,
    or None; ``domain`` is this instance's, so ``@name@domain`` is local.
    """

    def __init__(
        self,
        secret_key: str,
        domain: str,
        lookup: Callable[[str], tuple[int, bool] | None],
        private_names: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._secret = secret_key
        self._domain = domain.lower()
        self._lookup = lookup
        # (name, replacement): the affected private person's username and display name.
        # Longest first, so "Alice Liddell" goes before "alice".
        named = [(n, r) for n, r in private_names if len(n.strip()) >= 3]
        self._names = sorted(named, key=lambda nr: -len(nr[0]))

    def _handle(self, match: re.Match[str]) -> str:
        name, domain = match.group(1), match.group(2)
        if domain is None or domain.lower() == self._domain:
            found = self._lookup(name.lower())
            if found is not None:
                account_id, public = found
                return match.group(0) if public else pseudonym(self._secret, account_id)
        return "@[person]"

    def __call__(self, text: str) -> str:
        text = _HANDLE_RE.sub(self._handle, text)
        text = _EMAIL_RE.sub("[e-mail]", text)
        for name, replacement in self._names:
            # Not inside a pseudonym already written: a person called "acct" stays readable.
            pattern = rf"(?<![\w@]){re.escape(name.strip())}(?!\w)(?!-[0-9a-f]{{20}})"
            text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
        return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


# --- the statement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What the statement says about the content the decision acted on."""

    date: datetime
    language: str | None = None
    url: str | None = None  # published only for a public-interest account
    text: str | None = None  # idem


def build_statement(
    decision: Decision,
    rule: CatalogRule | None,
    *,
    base_url: str,
    subject: Subject,
    content: Content,
    detected: bool,
    scrub: Callable[[str], str] = lambda text: text,
) -> dict[str, Any]:
    """The statement of ``decision`` from facts already gathered (pure: no session)."""
    acts = actions_of(decision)
    reversal = decision.reverses_id is not None
    rule_id = decision.rule_id or "unknown"
    out: dict[str, Any] = {}

    visibility = sorted({v for a in acts for v in _VISIBILITY.get(a, ())})
    if "suspend" in acts:
        out["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
        out["end_date_account_restriction"] = ""  # until lifted; the data is purged later
        out["decision_provision"] = "DECISION_PROVISION_TOTAL_SUSPENSION"
        out["end_date_service_restriction"] = ""
    elif "read_only" in acts or "lock" in acts:
        # Read-only lasts until the author deletes the post; a lock until its end.
        out["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
        out["end_date_service_restriction"] = "" if "read_only" in acts else _date(decision.ends_at)
    if reversal:
        visibility = ["DECISION_VISIBILITY_OTHER"]
        out["decision_visibility_other"] = _clip(
            f"Reversal of decision {puid(decision.reverses_id or 0)}: the restrictions it imposed are lifted.", 500
        )
    elif not visibility and not out:
        visibility = ["DECISION_VISIBILITY_OTHER"]
        out["decision_visibility_other"] = (
            "Warning to the account holder; nothing was restricted." if "warn" in acts else "No restriction."
        )
    if visibility:
        out["decision_visibility"] = visibility
        out["end_date_visibility_restriction"] = ""

    title = rule.title.get("en", rule_id) if rule is not None else rule_id
    reasons = scrub(decision.reasons.strip()) or title
    if decision.public_interest_assessment and not reversal:
        reasons += "\n\nPublic-interest assessment: " + scrub(decision.public_interest_assessment.strip())
    if reversal:
        reasons = f"Decision {puid(decision.reverses_id or 0)} is reversed. {reasons}"
    facts = scrub(decision.facts.strip()) or reasons
    out.update(
        {
            "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "incompatible_content_ground": _clip(
                f"Parley rule {rule_id} (version {decision.rule_version or 1}): {title}", 500
            ),
            "incompatible_content_explanation": _clip(reasons, 2000),
            "content_type": ["CONTENT_TYPE_TEXT"],
            "category": rule.dsa_category if rule is not None else "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        }
    )
    if base_url:
        out["decision_ground_reference_url"] = _clip(rule_url(base_url, rule_id), 500)
    if rule is not None and rule.dsa_keyword:
        out["category_specification"] = [rule.dsa_keyword]
    out["territorial_scope"] = list(TERRITORIAL_SCOPE)
    language = (content.language or "").split("-")[0].upper()
    if LANGUAGE_RE.match(language):
        out["content_language"] = language
    out.update(
        {
            "content_date": _date(min(content.date, decision.created_at)),
            "application_date": _date(decision.created_at),
            "decision_facts": _clip(facts, 5000),
            "source_type": _SOURCE.get(decision.source, "SOURCE_VOLUNTARY"),
            "automated_detection": "Yes" if detected else "No",
            "automated_decision": {
                "fully": "AUTOMATED_DECISION_FULLY",
                "partially": "AUTOMATED_DECISION_PARTIALLY",
            }.get(decision.automated_decision, "AUTOMATED_DECISION_NOT_AUTOMATED"),
            "puid": puid(decision.id),
        }
    )
    account: dict[str, Any] = {"pseudonym": subject.pseudonym, "public_interest_account": subject.public}
    if subject.public:
        account.update(
            {"handle": subject.handle, "url": subject.url, "role": subject.role, "jurisdiction": subject.jurisdiction}
        )
    out[EXTENSION] = {
        "decision_id": str(decision.id),
        "reverses": puid(decision.reverses_id) if decision.reverses_id else None,
        "rule": {"id": decision.rule_id, "version": decision.rule_version, "title": title},
        "actions": acts,
        "public_interest": decision.public_interest,
        "account": account,
        "post": {"url": content.url, "text": content.text} if subject.public and content.url else None,
    }
    return out


class _Facts:
    """What the statements of some decisions need, loaded in a few queries for all of
    them (a page of 100 costs the same handful of queries as one)."""

    def __init__(self, session: Session, decisions: Sequence[Decision]) -> None:
        self._session = session
        account_ids = {d.account_id for d in decisions}
        post_ids = {d.post_id for d in decisions if d.post_id is not None}
        case_ids = {d.case_id for d in decisions if d.case_id is not None}
        versions = {(d.rule_id, d.rule_version) for d in decisions if d.rule_id is not None and d.rule_version is not None}
        self.accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
        self.offices = {o.account_id: o for o in session.scalars(select(PublicOffice).where(PublicOffice.account_id.in_(account_ids)))}
        self.posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
        # A page's decisions cite few rule versions: one query each.
        self.rules: dict[tuple[str, int], CatalogRule] = {}
        for rule_id, version in versions:
            try:
                self.rules[(rule_id, version)] = get_rule(session, rule_id, version)
            except NotFound:
                continue
        # When detectors flagged each case: automated detection if before the decision.
        self.flags: dict[int, list[datetime]] = {}
        if case_ids:
            found = session.execute(
                select(Report.case_id, Report.created_at).where(Report.case_id.in_(case_ids), Report.detector.is_not(None))
            )
            for case_id, created_at in found:
                if case_id is not None:
                    self.flags.setdefault(case_id, []).append(created_at)
        self._handles: dict[str, tuple[int, bool] | None] = {}

    def rule(self, decision: Decision) -> CatalogRule | None:
        if decision.rule_id is None or decision.rule_version is None:
            return None
        return self.rules.get((decision.rule_id, decision.rule_version))

    def detected(self, decision: Decision) -> bool:
        """Whether automated means found the content: the moderator said so, or a
        detector flagged the case before the decision."""
        if decision.automated_detection:
            return True
        return any(at <= decision.created_at for at in self.flags.get(decision.case_id or 0, ()))

    def handle(self, username_lower: str) -> tuple[int, bool] | None:
        """(account id, is public-interest) of a local account mentioned in free text."""
        if not self._handles:
            self._handles = {a.username_lower: (a.id, a.id in self.offices) for a in self.accounts.values()}
        if username_lower not in self._handles:
            found = self._session.execute(
                select(Account.id, PublicOffice.account_id)
                .outerjoin(PublicOffice, PublicOffice.account_id == Account.id)
                .where(Account.username_lower == username_lower)
            ).first()
            self._handles[username_lower] = None if found is None else (found[0], found[1] is not None)
        return self._handles[username_lower]


def subject_of(settings: Settings, account: Account, office: PublicOffice | None, *, public_interest: bool = False) -> Subject:
    """Named when the account holds a public office, or when the decision was taken under
    the public-interest exception (it was then a public-interest account); else a pseudonym."""
    name = pseudonym(settings.secret_key, account.id)
    if office is None and not public_interest:
        return Subject(pseudonym=name, public=False)
    return Subject(
        pseudonym=name,
        public=True,
        handle=f"@{account.username}@{settings.domain}",
        url=f"{settings.base_url.rstrip('/')}/@{account.username}",
        role=office.role if office is not None else None,
        jurisdiction=office.jurisdiction if office is not None else None,
    )


def _statement(settings: Settings, decision: Decision, facts: _Facts) -> dict[str, Any]:
    account = facts.accounts.get(decision.account_id)
    if account is None:
        raise NotFound("Record not found")
    subject = subject_of(settings, account, facts.offices.get(account.id), public_interest=decision.public_interest)
    post = facts.posts.get(decision.post_id) if decision.post_id else None
    content = Content(date=decision.created_at)
    if post is not None:
        content = Content(
            date=post.created_at,
            language=post.language,
            url=f"{settings.base_url.rstrip('/')}/@{account.username}/{post.id}" if subject.public else None,
            text=post.text if subject.public and post.deleted_at is None else None,
        )
    private = [] if subject.public else [(account.username, subject.pseudonym), (account.display_name, subject.pseudonym)]
    return build_statement(
        decision,
        facts.rule(decision),
        base_url=settings.base_url,
        subject=subject,
        content=content,
        detected=facts.detected(decision),
        scrub=Scrubber(settings.secret_key, settings.domain, facts.handle, private),
    )


def public_statements(session: Session, settings: Settings, decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """``public_statement`` of each of ``decisions``, loading what they need at once."""
    if not decisions:
        return []
    facts = _Facts(session, decisions)
    return [_statement(settings, d, facts) for d in decisions]


def public_statement(session: Session, decision: Decision, settings: Settings) -> dict[str, Any]:
    """The statement of reasons of ``decision`` as it is published: the DSA database's
    fields (valid by ``validate_statement``) and Parley's ``parley`` extension, without
    personal data of private persons. Deterministic for the same rows and settings."""
    session.flush()  # a decision just made, and its reports, must be visible to the queries
    return public_statements(session, settings, [decision])[0]


def dsa_fields(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the database takes, without empty end dates (blank = indefinite)."""
    return {k: v for k, v in statement.items() if k in DSA_FIELDS and not (k in END_DATES and v == "")}


# --- validation ---------------------------------------------------------------------------


def _parse_date(value: Any) -> date | None:
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

    application = _parse_date(statement.get("application_date"))
    if statement.get("application_date") in (None, ""):
        errors.append("application_date is required")
    elif application is None:
        errors.append("application_date must be a date written YYYY-MM-DD")
    elif application < APPLICATION_DATE_MIN:
        errors.append(f"application_date must be on or after {APPLICATION_DATE_MIN.isoformat()}")
    content = _parse_date(statement.get("content_date"))
    if statement.get("content_date") in (None, ""):
        errors.append("content_date is required")
    elif content is None:
        errors.append("content_date must be a date written YYYY-MM-DD")
    elif content < CONTENT_DATE_MIN:
        errors.append(f"content_date must be on or after {CONTENT_DATE_MIN.isoformat()}")
    elif application is not None and content > application:
        errors.append("content_date must not be after application_date")
    for end_name, decision_name in END_DATES.items():
        raw = statement.get(end_name)
        if raw is None or raw == "":
            continue  # blank: indefinite
        end = _parse_date(raw)
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


# --- listing and export -------------------------------------------------------------------

BATCH_SIZE = 100  # the database's batch endpoint takes at most 100 statements per call


def statements_page(session: Session, settings: Settings, page: Page) -> list[Paged[dict[str, Any]]]:
    """A page of public statements, newest first, the decision id as the cursor."""
    found = list(session.scalars(apply(select(Decision), Decision.id, page)))
    items = [Paged(d.id, s) for d, s in zip(found, public_statements(session, settings, found), strict=True)]
    if page.min_id is not None:
        items.reverse()
    return items


def get_statement(session: Session, settings: Settings, decision_id: int) -> dict[str, Any]:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("Record not found")
    return public_statement(session, decision, settings)


def statements_since(session: Session, settings: Settings, since: datetime, *, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Every decision's public statement from ``since`` on, oldest first, loaded in chunks."""
    last = 0
    while True:
        found = list(
            session.scalars(
                select(Decision)
                .where(Decision.created_at >= since, Decision.id > last)
                .order_by(Decision.id)
                .limit(chunk)
            )
        )
        yield from public_statements(session, settings, found)
        if len(found) < chunk:
            return
        last = found[-1].id
        session.expunge_all()  # a long export must not keep every row it read


def batches(statements: Iterable[Mapping[str, Any]], size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """``{"statements": [...]}`` of at most ``size`` statements, the body of one call."""
    batch: list[Mapping[str, Any]] = []
    for statement in statements:
        batch.append(statement)
        if len(batch) == size:
            yield {"statements": batch}
            batch = []
    if batch:
        yield {"statements": batch}


@dataclass
class ExportResult:
    statements: int = 0
    batches: int = 0
    invalid: list[str] = field(default_factory=list)  # "puid: message", left out of the export


def export_statements(session: Session, settings: Settings, since: datetime, out: TextIO) -> ExportResult:
    """Write the database's fields of every statement since ``since`` to ``out`` as JSON
    lines, one batch per line. A statement the database would refuse is left out (a batch
    is taken all or nothing) and named in the result."""
    result = ExportResult()

    def valid() -> Iterator[dict[str, Any]]:
        for statement in statements_since(session, settings, since):
            fields = dsa_fields(statement)
            problems = validate_statement(fields)
            if problems:
                result.invalid.extend(f"{statement.get('puid')}: {p}" for p in problems)
                continue
            result.statements += 1
            yield fields

    for batch in batches(valid()):
        out.write(json.dumps(batch, ensure_ascii=False, separators=(",", ":")) + "\n")
        result.batches += 1
    return result
