"""What a decision says to the people it affects and to the public.

The statement of reasons lives in ``parley.transparency.statements`` (``public_statement``
gathers its facts; ``build_statement`` is the pure part). ``warning_action`` maps Parley's
actions onto Mastodon's ``AccountWarning`` actions, so existing clients show a decision as
the strike it is. Kept here for the code that imports them from the safety package.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parley.safety.catalog import CatalogRule
from parley.store.tables import Decision
from parley.transparency.statements import (
    Content,
    Subject,
    actions_of,
    build_statement,
    dsa_fields,
    public_statement,
    warning_action,
)

__all__ = ["actions_of", "public_statement", "statement_of_reasons", "warning_action"]


def statement_of_reasons(
    decision: Decision,
    rule: CatalogRule | None,
    *,
    content_date: datetime | None,
    content_language: str | None,
    base_url: str = "",
) -> dict[str, Any]:
    """The DSA database's fields of ``decision`` alone, for callers without a session:
    no subject, and free text as written (``public_statement`` scrubs it)."""
    statement = build_statement(
        decision,
        rule,
        base_url=base_url,
        subject=Subject(pseudonym="", public=False),
        content=Content(date=content_date or decision.created_at, language=content_language),
        detected=decision.automated_detection,
    )
    return dsa_fields(statement)
