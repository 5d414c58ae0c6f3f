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
for submission. ``parley.transparency.dsa.validate_statement`` refuses what the database
would refuse.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.pagination import Page, Paged, apply, newest_first
from parley.safety.catalog import CatalogRule, get_rule
from parley.settings import Settings
from parley.store.tables import Account, Decision, Post, PublicOffice, Report
from parley.transparency.dsa import (
    DSA_FIELDS,
    END_DATES,
    EXTENSION,
    LANGUAGE_RE,
    TERRITORIAL_SCOPE,
    validate_statement,
)

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


def account_url(base_url: str, username: str) -> str:
    """A public-interest account's profile, as statements and notices publish it."""
    return f"{base_url.rstrip('/')}/@{username}"


def post_url(base_url: str, username: str, post_id: int) -> str:
    return f"{account_url(base_url, username)}/{post_id}"


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
        # (account id, is public-interest) by lower-case username, for the scrubber: the
        # decisions' own accounts, and every other name their free text mentions (one query).
        self._handles: dict[str, tuple[int, bool] | None] = {
            a.username_lower: (a.id, a.id in self.offices) for a in self.accounts.values()
        }
        texts = (t for d in decisions for t in (d.reasons, d.facts, d.public_interest_assessment) if t)
        mentioned = {m.group(1).lower() for t in texts for m in _HANDLE_RE.finditer(t)} - self._handles.keys()
        if mentioned:
            self._handles.update(dict.fromkeys(mentioned))
            known = session.execute(
                select(Account.username_lower, Account.id, PublicOffice.account_id)
                .outerjoin(PublicOffice, PublicOffice.account_id == Account.id)
                .where(Account.username_lower.in_(mentioned))
            )
            self._handles.update({name: (account_id, office is not None) for name, account_id, office in known})

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
        url=account_url(settings.base_url, account.username),
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
            url=post_url(settings.base_url, account.username, post.id) if subject.public else None,
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


# --- listing and export -------------------------------------------------------------------

BATCH_SIZE = 100  # the database's batch endpoint takes at most 100 statements per call


def statements_page(session: Session, settings: Settings, page: Page) -> list[Paged[dict[str, Any]]]:
    """A page of public statements, newest first, the decision id as the cursor."""
    found = newest_first(list(session.scalars(apply(select(Decision), Decision.id, page))), page)
    return [Paged(d.id, s) for d, s in zip(found, public_statements(session, settings, found), strict=True)]


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
