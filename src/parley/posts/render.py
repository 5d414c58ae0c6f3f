"""Post text to the ``content`` HTML: entities found by twitter-text, linked, sanitised.

The HTML is built once when a post is written and stored; readers never re-render. User
HTML is sanitised here and nowhere else (``sanitise``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import text
from parley.store.tables import Account

ALLOWED_TAGS = {"p", "br", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "rel", "target", "title"}, "span": {"class"}}


def sanitise(html: str) -> str:
    """The one place user-derived HTML is cleaned before it is stored or shown."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
    )


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[Account]
    tags: list[str]


class Renderer:
    """Renders post text with links to this instance (``base_url``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def render(self, session: Session, body: str) -> Rendered:
        mention_entities = text.extract_mentioned_screen_names_with_indices(body)
        names = {m["screen_name"].lower() for m in mention_entities}
        accounts = {
            a.username_lower: a
            for a in session.scalars(select(Account).where(Account.username_lower.in_(names)))
        } if names else {}
        hashtag_entities = text.extract_hashtags_with_indices(body)
        url_entities = text.extract_urls_with_indices(body)
        html = self._link(body, mention_entities, hashtag_entities, url_entities, accounts)
        mentions: list[Account] = []
        for m in mention_entities:
            account = accounts.get(m["screen_name"].lower())
            if account is not None and account not in mentions:
                mentions.append(account)
        tags = [h["hashtag"] for h in hashtag_entities]
        return Rendered(html, mentions, tags)

    def _link(
        self,
        body: str,
        mentions: list[Any],
        hashtags: list[Any],
        urls: list[Any],
        accounts: dict[str, Account],
    ) -> str:
        # Unknown names stay plain text, as in Mastodon; known ones link to the profile.
        known = [m for m in mentions if m["screen_name"].lower() in accounts]
        entities = [*known, *hashtags, *urls]
        linked = text.autolink_entities(
            body,
            entities,
            username_url_base=f"{self.base_url}/@",
            hashtag_url_base=f"{self.base_url}/tags/",
            username_class="u-url mention",
            hashtag_class="mention hashtag",
            username_include_symbol=True,
            html_escape_non_entities=True,
            link_attribute_block=_link_attributes,
        )
        paragraphs = linked.split("\n\n")
        html = "".join(
            f"<p>{p.strip(chr(10)).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip()
        )
        return sanitise(html)


def _link_attributes(entity: Any, attrs: dict[str, Any]) -> None:
    if "url" in entity:
        attrs["rel"] = "nofollow noopener noreferrer"
        attrs["target"] = "_blank"
    elif "hashtag" in entity:
        attrs["rel"] = "tag"
    else:
        attrs.pop("rel", None)
