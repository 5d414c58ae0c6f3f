"""The rules catalog: a TOML data file, loaded into the ``rules`` table as versions.

``rules.toml`` beside this module is the shipped catalog; ``parley rules load [--file]``
loads it (or an operator's own file) with ``load_catalog``. Versioning: the file carries
each rule's version, and the loader checks it against what is stored:

- a rule never seen before is stored with the file's version;
- a rule whose content is unchanged (same content hash) is left alone, so loading the
  same file twice changes nothing;
- a rule whose content changed must have a version above every stored one; it gets a new
  row and becomes current, and the old row stays for the decisions that cite it;
- a changed rule whose version was not raised, or an unchanged rule whose version was,
  is refused, with nothing written;
- a rule that is no longer in the file is retired (kept, no longer current); if it comes
  back unchanged, with the same version, it is restored.

Until anything has been loaded, ``published_rules`` serves the shipped file, which is
exactly what the first load stores.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound
from parley.safety.policy import ACTIONS, NOTICE, POST_ACTIONS, RuleFacts
from parley.store.tables import Rule, utcnow

SHIPPED = Path(__file__).with_name("rules.toml")

GROUPS = ("safety", "privacy", "authenticity")
SEVERITIES = {1: "low", 2: "moderate", 3: "serious", 4: "severe", 5: "critical"}
BASE_LANGUAGE = "en"
# The ``category`` values of the EU DSA transparency database.
DSA_CATEGORIES = (
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
)
MAX_TITLE = 200
MAX_DESCRIPTION = 1000

# What a rule id looks like: a slug (the catalog also caps its length at 64).
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
# The database's keyword list grows; its shape does not. KEYWORD_OTHER needs free text
# that a rule cannot give, so a rule names no keyword instead.
_KEYWORD_RE = re.compile(r"^KEYWORD_[A-Z_]+$")
_FIELDS = {
    "id", "version", "group", "severity", "title", "description", "public_interest_eligible",
    "immediate_suspension", "dsa_category", "dsa_keyword", "actions", "default_action",
}
_REQUIRED = _FIELDS - {"dsa_keyword", "immediate_suspension"}


@dataclass(frozen=True)
class CatalogRule:
    """One version of one rule, as the file states it and the table stores it."""

    id: str
    version: int
    group: str
    severity: int
    title: Mapping[str, str]  # language -> text; always has BASE_LANGUAGE
    description: Mapping[str, str]  # the same languages as ``title``
    public_interest_eligible: bool
    immediate_suspension: bool
    dsa_category: str
    dsa_keyword: str | None
    actions: tuple[str, ...]  # in the order of ``policy.ACTIONS``
    default_action: str

    def facts(self) -> RuleFacts:
        return RuleFacts(
            rule_id=self.id,
            version=self.version,
            actions=frozenset(self.actions),
            default_action=self.default_action,
            public_interest_eligible=self.public_interest_eligible,
            immediate_suspension=self.immediate_suspension,
        )

    def content_hash(self) -> str:
        """SHA-256 of everything but the version: what decides whether a rule changed."""
        content = {
            "id": self.id,
            "group": self.group,
            "severity": self.severity,
            "title": dict(sorted(self.title.items())),
            "description": dict(sorted(self.description.items())),
            "public_interest_eligible": self.public_interest_eligible,
            "immediate_suspension": self.immediate_suspension,
            "dsa_category": self.dsa_category,
            "dsa_keyword": self.dsa_keyword,
            "actions": list(self.actions),
            "default_action": self.default_action,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# --- reading the file ---------------------------------------------------------------------


def read_toml(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The bytes of the TOML file at ``path`` (a catalog, term lists) and what they parse
    to; ``Invalid`` when it cannot be read or is not TOML."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"{path} is not valid TOML: {exc}") from exc


def read_catalog(path: Path | None = None) -> tuple[CatalogRule, ...]:
    """The rules in the TOML file at ``path`` (default: the shipped catalog), validated."""
    path = SHIPPED if path is None else path
    _, data = read_toml(path)
    return parse_catalog(data, source=str(path))


@cache
def shipped_catalog() -> tuple[CatalogRule, ...]:
    """The shipped ``rules.toml``, read once per process (it does not change while running)."""
    return read_catalog(SHIPPED)


def parse_catalog(data: Mapping[str, Any], *, source: str = "catalog") -> tuple[CatalogRule, ...]:
    """Validate a parsed catalog (``{"rules": [...]}``); ``Invalid`` names the first problem."""
    extra = sorted(set(data) - {"rules"})
    if extra:
        raise Invalid(f"{source}: unknown top-level key {extra[0]!r}; rules go in [[rules]] tables")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise Invalid(f"{source}: no rules; each rule is a [[rules]] table")
    rules: list[CatalogRule] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise Invalid(f"{source}: rule {n} is not a table")
        label = f"{source}: rule {n} ({entry.get('id', 'no id')})"
        rule = _parse_rule(entry, label)
        if rule.id in seen:
            raise Invalid(f"{label}: the id {rule.id} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _parse_rule(entry: dict[str, Any], label: str) -> CatalogRule:
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise Invalid(f"{label}: unknown field {unknown[0]!r}")
    missing = sorted(_REQUIRED - set(entry))
    if missing:
        raise Invalid(f"{label}: missing field {missing[0]!r}")

    rule_id = entry["id"]
    if not isinstance(rule_id, str) or len(rule_id) > 64 or not RULE_ID.match(rule_id):
        raise Invalid(f"{label}: id must be a slug of lower-case letters, digits and hyphens, at most 64 long")
    version = entry["version"]
    if type(version) is not int or version < 1:
        raise Invalid(f"{label}: version must be a whole number from 1")
    group = entry["group"]
    if group not in GROUPS:
        raise Invalid(f"{label}: group must be one of {', '.join(GROUPS)}")
    severity = entry["severity"]
    if type(severity) is not int or severity not in SEVERITIES:
        raise Invalid(f"{label}: severity must be a whole number from 1 to 5")
    title = _texts(entry["title"], f"{label}: title", MAX_TITLE)
    description = _texts(entry["description"], f"{label}: description", MAX_DESCRIPTION)
    if set(title) != set(description):
        raise Invalid(f"{label}: title and description must be given in the same languages")
    eligible = entry["public_interest_eligible"]
    immediate = entry.get("immediate_suspension", False)
    if not isinstance(eligible, bool) or not isinstance(immediate, bool):
        raise Invalid(f"{label}: public_interest_eligible and immediate_suspension must be true or false")
    category = entry["dsa_category"]
    if category not in DSA_CATEGORIES:
        raise Invalid(f"{label}: dsa_category must be one of the STATEMENT_CATEGORY_* values")
    keyword = entry.get("dsa_keyword")
    if keyword is not None and (
        not isinstance(keyword, str) or not _KEYWORD_RE.match(keyword) or keyword == "KEYWORD_OTHER"
    ):
        raise Invalid(f"{label}: dsa_keyword must be a KEYWORD_* value other than KEYWORD_OTHER")

    listed = entry["actions"]
    if not isinstance(listed, list) or not listed:
        raise Invalid(f"{label}: actions must be a non-empty list")
    for action in listed:
        if action not in ACTIONS:
            raise Invalid(f"{label}: unknown action {action!r}; the actions are {', '.join(ACTIONS)}")
    if len(set(listed)) != len(listed):
        raise Invalid(f"{label}: an action is listed twice")
    actions = tuple(a for a in ACTIONS if a in listed)
    if not any(a in POST_ACTIONS for a in actions):
        raise Invalid(f"{label}: actions must include at least one action on a post")
    if immediate and eligible:
        raise Invalid(f"{label}: a rule that leads straight to suspension cannot be eligible for the public-interest exception")
    # Eligibility means exactly this: the notice may be used instead of removal.
    if eligible and NOTICE not in actions:
        raise Invalid(f"{label}: a rule eligible for the public-interest exception must allow {NOTICE}")
    if not eligible and NOTICE in actions:
        raise Invalid(f"{label}: {NOTICE} is only for rules eligible for the public-interest exception")
    if immediate and not {"remove", "suspend"} <= set(actions):
        raise Invalid(f"{label}: a rule that leads straight to suspension must allow remove and suspend")
    default = entry["default_action"]
    if default not in POST_ACTIONS or default == NOTICE:
        raise Invalid(f"{label}: default_action must be a post action other than {NOTICE}")
    if default not in actions:
        raise Invalid(f"{label}: default_action {default} is not one of the rule's actions")

    return CatalogRule(
        id=rule_id,
        version=version,
        group=group,
        severity=severity,
        title=title,
        description=description,
        public_interest_eligible=eligible,
        immediate_suspension=immediate,
        dsa_category=category,
        dsa_keyword=keyword,
        actions=actions,
        default_action=default,
    )


def _texts(value: Any, label: str, limit: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(f"{label} must be given per language, as {label.rsplit(' ', 1)[-1]}.en = \"...\"")
    texts: dict[str, str] = {}
    for language, text in value.items():
        if not _LANGUAGE_RE.match(language):
            raise Invalid(f"{label}: {language!r} is not a two-letter language code")
        if not isinstance(text, str) or not text.strip():
            raise Invalid(f"{label}.{language} must be a non-empty string")
        if len(text) > limit:
            raise Invalid(f"{label}.{language} is longer than {limit} characters")
        texts[language] = text.strip()
    if BASE_LANGUAGE not in texts:
        raise Invalid(f"{label}.{BASE_LANGUAGE} is required")
    return texts


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadSummary:
    """What ``load_catalog`` did, rule ids in file order (``new_versions`` as ``id vN``)."""

    added: tuple[str, ...] = ()
    new_versions: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.new_versions or self.retired or self.restored)

    def describe(self) -> str:
        counts = (
            f"{len(self.added)} added, {len(self.new_versions)} new versions, "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} retired"
        )
        if self.restored:
            counts += f", {len(self.restored)} restored"
        lines = [f"rules: {counts}"]
        for name, items in (
            ("added", self.added),
            ("new version", self.new_versions),
            ("retired", self.retired),
            ("restored", self.restored),
        ):
            lines.extend(f"  {name}: {item}" for item in items)
        return "\n".join(lines)


def load_catalog(session: Session, rules: Sequence[CatalogRule], *, now: datetime | None = None) -> LoadSummary:
    """Make the stored catalog match ``rules`` (see the module docstring); flushes, never commits.

    Every conflict is found before anything is written, so a refused load changes nothing.
    """
    now = now or utcnow()
    latest: dict[str, Rule] = {}
    for stored in session.scalars(select(Rule).order_by(Rule.rule_id, Rule.version)):
        latest[stored.rule_id] = stored  # ordered by version: the last one wins

    errors: list[str] = []
    to_add: list[tuple[int, CatalogRule]] = []
    to_version: list[tuple[int, CatalogRule, Rule]] = []
    to_restore: list[tuple[int, Rule]] = []
    unchanged: list[tuple[int, Rule]] = []
    for position, rule in enumerate(rules):
        row = latest.get(rule.id)
        if row is None:
            to_add.append((position, rule))
        elif row.content_hash == rule.content_hash():
            if rule.version != row.version:
                errors.append(
                    f"rule {rule.id} is unchanged since version {row.version} but the file says "
                    f"version {rule.version}; raise a version only when the rule changes"
                )
            elif row.current:
                unchanged.append((position, row))
            else:
                to_restore.append((position, row))
        elif rule.version <= row.version:
            errors.append(
                f"rule {rule.id} changed but its version was not raised: the file says "
                f"{rule.version}, version {row.version} is stored"
            )
        else:
            to_version.append((position, rule, row))
    if errors:
        raise Invalid("; ".join(errors))

    in_file = {rule.id for rule in rules}
    retired = [row for rule_id, row in latest.items() if row.current and rule_id not in in_file]
    for row in retired:
        row.current = False
        row.retired_at = now
    for position, row in unchanged:
        row.position = position  # order is presentation, not content: no new version
    for position, row in to_restore:
        row.current = True
        row.retired_at = None
        row.position = position
    for _, _, row in to_version:
        row.current = False
    session.flush()  # the old current rows first
    for position, rule in to_add:
        session.add(_row(rule, position, now))
    for position, rule, _ in to_version:
        session.add(_row(rule, position, now))
    session.flush()
    return LoadSummary(
        added=tuple(rule.id for _, rule in to_add),
        new_versions=tuple(f"{rule.id} v{rule.version}" for _, rule, _ in to_version),
        unchanged=tuple(row.rule_id for _, row in unchanged),
        retired=tuple(sorted(row.rule_id for row in retired)),
        restored=tuple(row.rule_id for _, row in to_restore),
    )


def _row(rule: CatalogRule, position: int, now: datetime) -> Rule:
    translations = {
        language: {"title": rule.title[language], "description": rule.description[language]}
        for language in sorted(rule.title)
        if language != BASE_LANGUAGE
    }
    return Rule(
        id=ids.new_id(),
        rule_id=rule.id,
        version=rule.version,
        position=position,
        rule_group=rule.group,
        severity=rule.severity,
        title=rule.title[BASE_LANGUAGE],
        description=rule.description[BASE_LANGUAGE],
        translations_json=json.dumps(translations, ensure_ascii=False, sort_keys=True),
        public_interest_eligible=rule.public_interest_eligible,
        immediate_suspension=rule.immediate_suspension,
        dsa_category=rule.dsa_category,
        dsa_keyword=rule.dsa_keyword,
        actions_json=json.dumps(list(rule.actions)),
        default_action=rule.default_action,
        content_hash=rule.content_hash(),
        current=True,
        created_at=now,
    )


def _from_row(row: Rule) -> CatalogRule:
    translations: dict[str, dict[str, str]] = json.loads(row.translations_json)
    title = {BASE_LANGUAGE: row.title} | {lang: t["title"] for lang, t in translations.items()}
    description = {BASE_LANGUAGE: row.description} | {lang: t["description"] for lang, t in translations.items()}
    return CatalogRule(
        id=row.rule_id,
        version=row.version,
        group=row.rule_group,
        severity=row.severity,
        title=title,
        description=description,
        public_interest_eligible=row.public_interest_eligible,
        immediate_suspension=row.immediate_suspension,
        dsa_category=row.dsa_category,
        dsa_keyword=row.dsa_keyword,
        actions=tuple(json.loads(row.actions_json)),
        default_action=row.default_action,
    )


def current_rules(session: Session) -> list[CatalogRule]:
    """The rules in force, in catalog order (empty before the first load)."""
    rows = session.scalars(select(Rule).where(Rule.current.is_(True)).order_by(Rule.position, Rule.rule_id))
    return [_from_row(row) for row in rows]


def published_rules(session: Session) -> list[CatalogRule]:
    """The rules to show the public: the ones in force, or, on a database that has never
    had a catalog loaded, the shipped file (what the first load will store)."""
    rules = current_rules(session)
    if rules:
        return rules
    if not catalog_loaded(session):
        return list(shipped_catalog())
    return []  # every rule was retired


def catalog_loaded(session: Session) -> bool:
    """Whether any catalog was ever loaded into this database."""
    return session.scalar(select(Rule.id).limit(1)) is not None


def get_rule(session: Session, rule_id: str, version: int | None = None) -> CatalogRule:
    """A stored rule: the current version, or ``version`` (retired rules included)."""
    stmt = select(Rule).where(Rule.rule_id == rule_id)
    stmt = stmt.where(Rule.current.is_(True)) if version is None else stmt.where(Rule.version == version)
    row = session.scalar(stmt)
    if row is None:
        what = f"rule {rule_id}" if version is None else f"version {version} of rule {rule_id}"
        raise NotFound(f"There is no {what}")
    return _from_row(row)

