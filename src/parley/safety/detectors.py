"""Automated flags: detectors score a post's text against the rules of the catalog.

A detector (``Detector``) has a name and a version and returns ``Flag``s: a rule, a score
from 0 to 1 and a plain reason. ``scan_post`` runs the configured detectors over one
post and files each flag as a report by no one (``reporter_id`` NULL, ``detector`` set
to ``name/version``, the score kept) into the author's case, with an automated ``flag``
event. That is all a detector does: it never decides, never removes or hides anything,
and so never takes down a public-interest account's post on its own; a moderator does,
under the public-interest policy.

Two detectors ship:

- ``terms``: operator-editable word and phrase lists per rule (a TOML file; the shipped
  one is ``detector_terms.toml`` beside this module, ``PARLEY_DETECTOR_TERMS`` names
  another). Its version is a hash of the file, so a flag records which lists raised it.
- ``profanity-check``: the offensive-language classifier of the ``alt-profanity-check``
  package (a linear SVM over character and word n-grams, trained on labelled comments,
  shipped with its model; no network). Its score maps to ``abuse-harassment`` at or above
  ``PARLEY_DETECTOR_PROFANITY_THRESHOLD``. Offensive language is not harassment by
  itself: the flag asks a person to look, nothing more.

``scan_post`` is idempotent: a job may run it twice, and a detector flags a post under a
rule once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid
from parley.safety import cases
from parley.safety.catalog import CatalogRule, published_rules, read_toml
from parley.settings import Settings
from parley.store.tables import Post, Report, utcnow

log = logging.getLogger("parley.safety.detectors")

SHIPPED_TERMS = Path(__file__).with_name("detector_terms.toml")
PROFANITY_RULE = "abuse-harassment"
MAX_TERMS = 5000
MAX_TERM_CHARS = 200
MAX_REASON = 1000

# Curly quotes typed by phones should match the straight ones of the lists.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Flag:
    """A detector's finding: ``text`` may break ``rule_id``; ``score`` from 0 to 1."""

    rule_id: str
    score: float
    reason: str


class Detector(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def scan(self, text: str) -> list[Flag]: ...


# --- term lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TermList:
    rule_id: str
    terms: tuple[str, ...]


class TermListDetector:
    """Flags a rule when its list has a word or phrase in the text (whole words, any case)."""

    name = "terms"

    def __init__(self, lists: Sequence[TermList], version: str) -> None:
        self.version = version
        self.lists = tuple(lists)
        self._patterns = [(tl.rule_id, _pattern(tl.terms)) for tl in self.lists if tl.terms]

    def scan(self, text: str) -> list[Flag]:
        text = text.translate(_QUOTES)
        flags: list[Flag] = []
        for rule_id, pattern in self._patterns:
            found = list(dict.fromkeys(" ".join(m.group(0).split()).lower() for m in pattern.finditer(text)))
            if found:
                listed = ", ".join(f'"{term}"' for term in found)
                flags.append(Flag(rule_id, 1.0, f"Matched the {rule_id} term list: {listed}"[:MAX_REASON]))
        return flags


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    # Longest first, so a phrase wins over a word it starts with.
    parts = [r"\s+".join(re.escape(word) for word in term.split()) for term in sorted(terms, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def parse_terms(data: dict[str, Any], *, source: str = "term lists") -> list[TermList]:
    """Validate a parsed term lists file (``{"rules": [{"id", "terms"}, ...]}``)."""
    extra = sorted(set(data) - {"rules"})
    if extra:
        raise Invalid(f"{source}: unknown top-level key {extra[0]!r}; lists go in [[rules]] tables")
    entries = data.get("rules", [])
    if not isinstance(entries, list):
        raise Invalid(f"{source}: rules must be [[rules]] tables")
    lists: list[TermList] = []
    seen: set[str] = set()
    total = 0
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise Invalid(f"{source}: list {n} is not a table")
        unknown = sorted(set(entry) - {"id", "terms"})
        if unknown:
            raise Invalid(f"{source}: list {n}: unknown field {unknown[0]!r}")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise Invalid(f"{source}: list {n} needs the id of a rule")
        if rule_id in seen:
            raise Invalid(f"{source}: rule {rule_id} has two lists; merge them")
        seen.add(rule_id)
        terms = entry.get("terms")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise Invalid(f"{source}: list {rule_id}: terms must be a list of strings")
        cleaned = tuple(dict.fromkeys(" ".join(t.split()).lower() for t in terms if t.strip()))
        too_long = [t for t in cleaned if len(t) > MAX_TERM_CHARS]
        if too_long:
            raise Invalid(f"{source}: list {rule_id}: a term is longer than {MAX_TERM_CHARS} characters")
        total += len(cleaned)
        lists.append(TermList(rule_id, cleaned))
    if total > MAX_TERMS:
        raise Invalid(f"{source}: more than {MAX_TERMS} terms in all")
    return lists


def read_terms(path: Path) -> TermListDetector:
    """The term-list detector of the file at ``path``; ``Invalid`` says what is wrong with it."""
    raw, data = read_toml(path)
    return TermListDetector(parse_terms(data, source=str(path)), hashlib.sha256(raw).hexdigest()[:12])


@cache
def _terms_detector(path: Path, mtime_ns: int, size: int) -> TermListDetector:
    # ``mtime_ns`` and ``size`` are only part of the cache key: a changed file is read again.
    return read_terms(path)


def terms_detector(path: Path | None = None) -> TermListDetector:
    """The term-list detector of ``path`` (default: the shipped lists), read again only
    when the file changes, so operators can edit it without a restart."""
    path = path or SHIPPED_TERMS
    try:
        stat = path.stat()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _terms_detector(path, stat.st_mtime_ns, stat.st_size)


# --- the classifier -----------------------------------------------------------------------


Predict = Callable[[list[str]], Sequence[float]]


@cache
def _profanity_model() -> Predict:
    # Imported on first use: loading scikit-learn and the model takes about a second,
    # which only processes that scan posts should pay.
    from profanity_check import predict_prob

    return predict_prob


@cache
def _profanity_version() -> str:
    return metadata.version("alt-profanity-check")


class ProfanityDetector:
    """``alt-profanity-check``'s probability that a text is offensive, as an
    ``abuse-harassment`` flag at or above ``threshold``."""

    name = "profanity-check"

    def __init__(self, threshold: float, predict: Predict | None = None, version: str | None = None) -> None:
        if not 0 <= threshold <= 1:
            raise ValueError("the threshold is a probability, from 0 to 1")
        self.threshold = threshold
        self._predict = predict
        self.version = version or _profanity_version()

    def score(self, text: str) -> float:
        predict = self._predict or _profanity_model()
        return float(predict([text])[0])

    def scan(self, text: str) -> list[Flag]:
        if not text.strip():
            return []
        score = self.score(text)
        if score < self.threshold:
            return []
        return [Flag(PROFANITY_RULE, score, f"Offensive-language classifier: {score:.2f} (flags from {self.threshold:.2f})")]


# --- running them -------------------------------------------------------------------------


DETECTORS = ("terms", "profanity")


def detectors_for(settings: Settings) -> list[Detector]:
    """The detectors ``settings.detectors`` names, in that order."""
    out: list[Detector] = []
    for name in settings.detectors:
        if name == "terms":
            out.append(terms_detector(settings.detector_terms))
        elif name == "profanity":
            out.append(ProfanityDetector(settings.detector_profanity_threshold))
        else:
            raise Invalid(f"PARLEY_DETECTORS: unknown detector {name!r}; the detectors are {', '.join(DETECTORS)}")
    return out


def post_text(post: Post) -> str:
    """What detectors read of a post: its content warning and its text."""
    return "\n".join(part for part in (post.spoiler_text, post.text) if part)


def scan_post(
    session: Session, settings: Settings, post_id: int, detectors: Sequence[Detector] | None = None
) -> list[Report]:
    """Run the detectors over one post and file their flags; the new flag reports.

    Posts gone, removed or without text of their own (reposts) are not scanned. A flag
    under a rule not in force is dropped (the term lists may name a retired rule).
    """
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None or post.removed_at is not None or post.reblog_of_id is not None:
        return []
    text = post_text(post)
    if not text.strip():
        return []
    running = detectors_for(settings) if detectors is None else list(detectors)
    rules = {rule.id: rule for rule in published_rules(session)}
    flagged = _flagged_before(session, post)
    now = utcnow()
    filed: list[Report] = []
    for detector in running:
        label = f"{detector.name}/{detector.version}"[:100]
        for flag in detector.scan(text):
            rule = rules.get(flag.rule_id)
            if rule is None:
                log.warning("detector %s flagged rule %s, which is not in force; ignored", label, flag.rule_id)
                continue
            # Any version of this detector flagging this post under this rule before.
            if any(d.startswith(f"{detector.name}/") and rule.id in named for d, named in flagged):
                continue
            filed.append(_file_flag(session, post, label, flag, rule, now))
            flagged.append((label, [rule.id]))
    return filed


def _flagged_before(session: Session, post: Post) -> list[tuple[str, list[str]]]:
    """The detectors (``name/version``) that flagged this post so far, each with the rules."""
    found = session.execute(
        select(Report.detector, Report.rule_ids_json).where(
            Report.account_id == post.account_id,
            Report.reporter_id.is_(None),
            Report.detector.is_not(None),
            Report.post_ids_json.like(f'%"{post.id}"%'),
        )
    )
    return [(detector, json.loads(named)) for detector, named in found if detector is not None]


def _file_flag(session: Session, post: Post, label: str, flag: Flag, rule: CatalogRule, now: datetime) -> Report:
    report = Report(
        id=ids.new_id(),
        reporter_id=None,
        account_id=post.account_id,
        category="violation",
        comment=flag.reason[:MAX_REASON],
        rule_ids_json=json.dumps([rule.id]),
        post_ids_json=json.dumps([str(post.id)]),
        detector=label,
        score=max(0.0, min(1.0, flag.score)),
        created_at=now,
    )
    session.add(report)
    cases.file_report(session, report, weight=rule.severity, now=now)
    return report
