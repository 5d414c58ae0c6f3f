"""Mastodon API entities, serialised from domain rows in batches.

Field names and shapes follow the Mastodon documentation (Status, Account, Relationship,
Notification, Tag, Application). A page of statuses costs a fixed number of queries.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parley.errors import NotFound
from parley.graph.relations import Relations, load_relations
from parley.memo import Memo
from parley.posts.access import FLAGS, Facts, Flags, PostLike, Seen, flags_from, judge, load_facts
from parley.posts.render import sanitise
from parley.safety.catalog import BASE_LANGUAGE, CatalogRule, get_rule
from parley.safety.decisions import removal_rules
from parley.safety.notices import LANGUAGES as NOTICE_LANGUAGES
from parley.safety.notices import notice_text, removed_text
from parley.store.raw import Statement, rows_many
from parley.store.rows import ACCOUNTS_BY_ID, AccountRow, PostRow
from parley.store.tables import (
    Account,
    FollowRequest,
    MediaAttachment,
    Mention,
    Notification,
    OAuthApp,
    Post,
    PostTag,
    Tag,
)
from parley.transparency.statements import rule_url
from parley.visibility import Context, Show

Json = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """Mastodon's timestamp form: UTC, milliseconds, a Z."""
    if value is None:
        return None
    return f"{value.isoformat(timespec='milliseconds')[:23]}Z"


@functools.lru_cache(maxsize=4096)
def _note_html(note: str) -> str:
    """A bio as sanitised HTML (memoised: a pure function of the text)."""
    if not note:
        return ""
    paragraphs = [p for p in note.split("\n\n") if p.strip()]
    return sanitise("".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs))


class MediaRow(NamedTuple):
    """A ``media_attachments`` row, in the table's column order."""

    id: int
    account_id: int
    post_id: int
    position: int
    file_key: str
    content_type: str
    extension: str
    file_size: int
    width: int
    height: int
    small_extension: str
    small_width: int
    small_height: int
    description: str
    focus_x: float
    focus_y: float
    created_at: Any


def _size(width: int, height: int) -> Json:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": round(width / height, 4)}


def media_json(base: str, m: MediaRow | MediaAttachment) -> Json:
    """Mastodon's MediaAttachment entity (images only)."""
    folder = f"{base}/media/{m.file_key}"
    return {
        "id": str(m.id),
        "type": "image",
        "url": f"{folder}/original.{m.extension}",
        "preview_url": f"{folder}/small.{m.small_extension}",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": _size(m.width, m.height),
            "small": _size(m.small_width, m.small_height),
            "focus": {"x": m.focus_x, "y": m.focus_y},
        },
        "description": m.description or None,
        "blurhash": None,
    }


def _account_json(base: str, a: Account | AccountRow) -> Json:
    url = f"{base}/@{a.username}"
    avatar = f"{base}/static/avatar.png"
    header = f"{base}/static/header.png"
    fields = [
        {"name": f.get("name", ""), "value": sanitise(escape(f.get("value", ""))), "verified_at": None}
        for f in json.loads(a.fields_json or "[]")
    ]
    created = a.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
    out: Json = {
        "id": str(a.id),
        "username": a.username,
        "acct": a.username,
        "display_name": a.display_name,
        "locked": a.locked,
        "bot": a.bot,
        "discoverable": a.discoverable,
        "indexable": a.discoverable,
        "group": False,
        "created_at": iso(created),
        "note": _note_html(a.note),
        "url": url,
        "uri": f"{base}/users/{a.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": a.followers_count,
        "following_count": a.following_count,
        "statuses_count": a.statuses_count,
        "last_status_at": a.last_status_at.date().isoformat() if a.last_status_at else None,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": fields,
        # Parley's extension: clients ignore fields they do not know.
        "parley": {"verified": a.verified, "role": a.role},
    }
    if a.suspended_at is not None:
        # As Mastodon shows a suspended account: flagged, its profile emptied.
        out.update(suspended=True, display_name="", note="", fields=[])
    return out


class Serializer:
    """Turns domain rows into Mastodon entities for one viewer on one instance.

    ``memo`` holds JSON derived from rows, shared between requests (see ``parley.memo``);
    what is taken from it is shared too, so it is never changed in place.
    """

    def __init__(self, session: Session, viewer_id: int | None, base_url: str, memo: Memo) -> None:
        self.session = session
        self.viewer_id = viewer_id
        self.base = base_url.rstrip("/")
        self.memo = memo

    # --- accounts -------------------------------------------------------------------------

    def account(self, a: Account | AccountRow) -> Json:
        """An Account entity the caller may change."""
        return dict(self.shared_account(a))

    def shared_account(self, a: Account | AccountRow) -> Json:
        """An Account entity from the memo when ``a`` is a row: not to be changed."""
        if not isinstance(a, AccountRow):
            return _account_json(self.base, a)
        key = ("account", a)
        out = self.memo.get(key)
        if out is None:
            out = _account_json(self.base, a)
            self.memo.put(key, out)
        return out

    def credential_account(self, a: Account) -> Json:
        out = self.account(a)
        requests = self.session.scalar(
            select(func.count()).select_from(FollowRequest).where(FollowRequest.target_account_id == a.id)
        ) or 0
        out["source"] = {
            "privacy": a.default_visibility,
            "sensitive": a.default_sensitive,
            "language": a.default_language or "",
            "note": a.note,
            "fields": [
                {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
                for f in json.loads(a.fields_json or "[]")
            ],
            "follow_requests_count": requests,
            "hide_collections": False,
            "discoverable": a.discoverable,
            "indexable": a.discoverable,
        }
        out["role"] = role_entity(a.role)
        return out

    def accounts(self, ids: Sequence[int]) -> list[Json]:
        rows = self.load_accounts(ids)
        return [self.account(rows[i]) for i in ids if i in rows]

    def load_accounts(self, ids: Iterable[int]) -> dict[int, Account]:
        wanted = set(ids)
        if not wanted:
            return {}
        return {a.id: a for a in self.session.scalars(select(Account).where(Account.id.in_(wanted)))}

    def relationships(self, ids: Sequence[int]) -> list[Json]:
        rel = load_relations(self.session, self.viewer_id, ids)
        return [relationship(i, rel) for i in ids]

    # --- statuses -------------------------------------------------------------------------

    def statuses(self, seen: Sequence[Seen[Any]]) -> list[Json]:
        """Serialise posts the viewer may see, with a fixed number of queries."""
        if not seen:
            return []
        facts = Facts(self.viewer_id, rel=Relations(self.viewer_id))
        for fs in {id(s.facts): s.facts for s in seen if s.facts is not None}.values():
            facts.add(fs)
        targets = [s.target for s in seen]
        quoted_ids = {p.quote_of_id for p in targets if p.quote_of_id is not None}
        quotes = _Quotes(load_facts(self.session, self.viewer_id, quoted_ids), quoted_ids)
        facts.add(quotes.facts)
        everyone: list[PostLike] = [s.post for s in seen] + targets + [q.post for q in quotes.shown.values()]
        ctx = _Batch(self.session, self.viewer_id, everyone, facts, self.memo, self.base)
        return [self._status(s, ctx, quotes) for s in seen]

    def status(self, seen: Seen[Any]) -> Json:
        return self.statuses([seen])[0]

    def _status(self, s: Seen[Any], ctx: _Batch, quotes: _Quotes | None) -> Json:
        if s.original is not None:
            wrapper = self._plain_status(s.post, ctx, s)
            inner = Seen(s.original, None, s.verdict)
            wrapper["reblog"] = self._status(inner, ctx, quotes)
            return wrapper
        out = self._plain_status(s.post, ctx, s)
        quoted_id = s.post.quote_of_id
        if quoted_id is not None:
            state = quotes.state(quoted_id) if quotes is not None else "accepted"
            if quotes is None:
                # A quote inside a quote is shallow, as in Mastodon: the id, not the post.
                out["quote"] = {"state": state, "quoted_status_id": str(quoted_id)}
            else:
                shown = quotes.shown.get(quoted_id)
                out["quote"] = {
                    "state": state,
                    "quoted_status": self._status(shown, ctx, None) if shown is not None else None,
                }
        return out

    def _fixed(self, p: PostLike, ctx: _Batch) -> Json:
        """The part of a status that depends on the post alone (memoised for rows)."""
        key = ("status", p) if isinstance(p, PostRow) else None
        if key is not None:
            found = self.memo.get(key)
            if found is not None:
                return found
        author = ctx.accounts[p.account_id]
        is_reblog = p.reblog_of_id is not None
        mentions, tags, application, media = ctx.extras[p.id]
        out: Json = {
            "id": str(p.id),
            "uri": f"{self.base}/users/{author.username}/statuses/{p.id}",
            "url": None if is_reblog else f"{self.base}/@{author.username}/{p.id}",
            "created_at": iso(p.created_at),
            "content": "" if is_reblog else p.content_html,
            "visibility": p.visibility,
            "sensitive": p.sensitive,
            "spoiler_text": p.spoiler_text,
            "media_attachments": [] if is_reblog else media,
            "application": application,
            "mentions": [] if is_reblog else mentions,
            "tags": [] if is_reblog else tags,
            "emojis": [],
            "reblogs_count": p.reblogs_count,
            "favourites_count": p.favourites_count,
            "replies_count": p.replies_count,
            "quotes_count": p.quotes_count,
            "in_reply_to_id": str(p.in_reply_to_id) if p.in_reply_to_id else None,
            "in_reply_to_account_id": str(p.in_reply_to_account_id) if p.in_reply_to_account_id else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": p.language,
            "text": None,
            "edited_at": iso(p.edited_at),
            "quote": None,
        }
        if key is not None:
            self.memo.put(key, out)
        return out

    def _plain_status(self, p: PostLike, ctx: _Batch, s: Seen[Any]) -> Json:
        out = dict(self._fixed(p, ctx))
        out["account"] = self.shared_account(ctx.accounts[p.account_id])
        inter = s.verdict.interactions
        out["quote_approval"] = {
            "automatic": ["public"] if inter.quote or p.visibility in ("public", "unlisted") else [],
            "manual": [],
            "current_user": "automatic" if inter.quote else "denied",
        }
        extension: Json = {
            "interactions": {
                "favourite": inter.favourite,
                "reblog": inter.reblog,
                "reply": inter.reply,
                "quote": inter.quote,
            },
            "limited": p.limited,
        }
        out["parley"] = extension
        if p.label_text:
            extension["label"] = {"text": p.label_text, "url": p.label_url}
        show = s.verdict.show
        if show is Show.NOTICE and p.notice_rule_id is not None:
            extension["notice"] = self._notice(p.notice_rule_id, ctx)
        elif show is Show.REMOVED:
            extension["removed"] = self._removed(p.id, ctx)
        if self.viewer_id is not None:
            flags = ctx.flags
            out["favourited"] = p.id in flags.favourited
            out["reblogged"] = p.id in flags.reblogged
            out["muted"] = False
            out["bookmarked"] = p.id in flags.bookmarked
            if p.account_id == self.viewer_id and p.reblog_of_id is None:
                out["pinned"] = p.id in flags.pinned
            out["filtered"] = []
        if "notice" in extension:
            # Clients show a status with a "warn" filter result folded behind its title,
            # with a button to show it anyway: the click-through of the notice.
            out["filtered"] = [_notice_filter(p.id, extension["notice"])]
        return out

    def _notice(self, rule_id: str, ctx: _Batch) -> Json:
        rule = ctx.rule(rule_id)
        return {
            "rule_id": rule_id,
            "text": notice_text(rule),
            "translations": {lang: notice_text(rule, lang) for lang in NOTICE_LANGUAGES if lang != BASE_LANGUAGE},
            "url": rule_url(self.base, rule_id),
        }

    def _removed(self, post_id: int, ctx: _Batch) -> Json:
        rule_id = ctx.removal_rules.get(post_id)
        rule = ctx.rule(rule_id) if rule_id else None
        return {
            "rule_id": rule_id,
            "text": removed_text(rule),
            "translations": {lang: removed_text(rule, lang) for lang in NOTICE_LANGUAGES if lang != BASE_LANGUAGE},
        }

    def status_source(self, p: Post) -> Json:
        return {"id": str(p.id), "text": p.text, "spoiler_text": p.spoiler_text}

    def tag(self, t: Tag, *, following: bool | None = None) -> Json:
        out: Json = {"name": t.name, "url": f"{self.base}/tags/{t.name}", "history": []}
        if following is not None:
            out["following"] = following
        return out

    def notification(self, n: Notification, accounts: dict[int, Account], statuses: dict[int, Json]) -> Json:
        return {
            "id": str(n.id),
            "type": n.type,
            "group_key": f"ungrouped-{n.id}",
            "created_at": iso(n.created_at),
            "account": self.account(accounts[n.from_account_id]),
            "status": statuses.get(n.post_id) if n.post_id else None,
        }

    def application(self, app: OAuthApp, *, client_secret: str | None = None) -> Json:
        out: Json = {
            "id": str(app.id),
            "name": app.name,
            "website": app.website,
            "scopes": app.scopes.split(),
            "redirect_uri": app.redirect_uris.split("\n")[0],
            "redirect_uris": app.redirect_uris.split("\n"),
            "vapid_key": "",
        }
        if client_secret is not None:
            out["client_id"] = app.client_id
            out["client_secret"] = client_secret
            out["client_secret_expires_at"] = 0
        return out


def _notice_filter(post_id: int, notice: Json) -> Json:
    """Mastodon's FilterResult for a post behind the public-interest notice."""
    return {
        "filter": {
            "id": f"parley-notice-{notice['rule_id']}",
            "title": notice["text"],
            "context": ["home", "notifications", "public", "thread", "account"],
            "expires_at": None,
            "filter_action": "warn",
            "keywords": [],
            "statuses": [],
        },
        "keyword_matches": None,
        "status_matches": [str(post_id)],
    }


def role_entity(role: str) -> Json:
    """Mastodon's Role entity for Parley's three roles."""
    names = {"user": "", "moderator": "Moderator", "admin": "Admin"}
    permissions = {"user": "0", "moderator": "1308", "admin": "1"}
    return {
        "id": {"user": "-99", "moderator": "2", "admin": "3"}[role],
        "name": names[role],
        "color": "",
        "permissions": permissions[role],
        "highlighted": role != "user",
    }


def relationship(account_id: int, rel: Relations) -> Json:
    return {
        "id": str(account_id),
        "following": account_id in rel.following,
        "showing_reblogs": account_id in rel.showing_reblogs,
        "notifying": account_id in rel.notifying,
        "languages": None,
        "followed_by": account_id in rel.followed_by,
        "blocking": account_id in rel.blocking,
        "blocked_by": account_id in rel.blocked_by,
        "muting": account_id in rel.muting,
        "muting_notifications": account_id in rel.muting_notifications,
        "requested": account_id in rel.requested,
        "requested_by": account_id in rel.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


class _Quotes:
    """The state of each quoted post for the viewer (Mastodon's Quote entity).

    ``accepted`` with the post when the viewer may see it; ``blocked_account`` or
    ``muted_account`` (post still attached, for the client to fold) when the viewer
    blocks or mutes its author; ``unauthorized`` when the viewer may not see it;
    ``deleted`` when it is gone.
    """

    def __init__(self, facts: Facts, ids: Iterable[int]) -> None:
        self.facts = facts
        self.rows = facts.posts
        self.blocking = facts.rel.blocking
        self.muting = facts.rel.muting
        # Judged as a direct link would be (blocks and mutes are folded, not hidden).
        quoted = [facts.posts[i] for i in ids if i in facts.posts]
        self.shown = {s.post.id: s for s in judge(facts, quoted, Context.DIRECT_LINK)}

    def state(self, post_id: int) -> str:
        post = self.rows.get(post_id)
        if post is None or post.deleted_at is not None:
            return "deleted"
        if post_id not in self.shown:
            return "unauthorized"
        if post.account_id in self.blocking:
            return "blocked_account"
        if post.account_id in self.muting:
            return "muted_account"
        return "accepted"


_IDS: Any = bindparam("ids", expanding=True)
_VIEWER: Any = bindparam("viewer")

# The statements a page of statuses runs, built once: composing them per request cost
# more than executing them.
_MENTIONS = Statement(
    select(Mention.post_id, Account.id, Account.username)
    .join(Account, Account.id == Mention.account_id)
    .where(Mention.post_id.in_(_IDS))
)
_TAGS = Statement(select(PostTag.post_id, Tag.name).join(Tag, Tag.id == PostTag.tag_id).where(PostTag.post_id.in_(_IDS)))
_APPS = Statement(select(OAuthApp.id, OAuthApp.name, OAuthApp.website).where(OAuthApp.id.in_(_IDS)))
_MEDIA = Statement(
    select(MediaAttachment)
    .where(MediaAttachment.post_id.in_(_IDS))
    .order_by(MediaAttachment.post_id, MediaAttachment.position)
)
Extras = tuple[list[Json], list[Json], Json | None, list[Json]]  # mentions, tags, application, media


class _Batch:
    """Everything a page of statuses needs, loaded once.

    A post's mentions, tags and application change only when it is edited, so they are
    memoised under (post id, edit time) and loaded for the posts not seen before.
    """

    def __init__(
        self, session: Session, viewer_id: int | None, posts: list[PostLike], facts: Facts, memo: Memo, base: str
    ) -> None:
        # Authors and flags come with the facts the posts were judged by; what they miss
        # (posts judged elsewhere) is read here, in one round trip on PostgreSQL.
        self.accounts = facts.authors
        self.flags = facts.flags
        queries: dict[str, tuple[Statement, dict[str, Any]]] = {}
        authors = list({p.account_id for p in posts} - facts.authors.keys())
        if authors:
            queries["accounts"] = (ACCOUNTS_BY_ID, {"ids": authors})
        unflagged = list({p.id for p in posts} - facts.flags.covered)
        if viewer_id is not None and unflagged:
            queries["flags"] = (FLAGS, {"viewer": viewer_id, "ids": unflagged})
        if queries:
            found = dict(zip(queries, rows_many(session, list(queries.values())), strict=True))
            self.accounts = {**facts.authors, **{r[0]: AccountRow.of(r) for r in found.get("accounts", [])}}
            if "flags" in found:
                self.flags = Flags()
                self.flags.add(facts.flags)
                self.flags.add(flags_from(unflagged, found["flags"]))
        self.extras: dict[int, Extras] = {}
        missing: dict[int, PostLike] = {}
        for p in posts:
            known = memo.get(("extras", p.id, p.edited_at))
            if known is None:
                missing[p.id] = p
            else:
                self.extras[p.id] = known
        if missing:
            self._load_extras(session, missing, memo, base)
        self.session = session
        self._rules: dict[str, CatalogRule | None] = {}
        removed = [p.id for p in posts if p.removed_at is not None]
        self.removal_rules: dict[int, str] = removal_rules(session, removed) if removed else {}

    def rule(self, rule_id: str) -> CatalogRule | None:
        """A rule of the catalog, loaded once per page (None if it is not stored)."""
        if rule_id not in self._rules:
            try:
                self._rules[rule_id] = get_rule(self.session, rule_id)
            except NotFound:
                self._rules[rule_id] = None
        return self._rules[rule_id]

    def _load_extras(self, session: Session, posts: dict[int, PostLike], memo: Memo, base: str) -> None:
        ids = list(posts)
        app_ids = list({p.app_id for p in posts.values() if p.app_id})
        found_mentions, found_tags, found_apps, found_media = rows_many(
            session,
            [(_MENTIONS, {"ids": ids}), (_TAGS, {"ids": ids}), (_APPS, {"ids": app_ids}), (_MEDIA, {"ids": ids})],
        )
        mentions: dict[int, list[Json]] = {}
        for post_id, account_id, username in found_mentions:
            mentions.setdefault(post_id, []).append(
                {"id": str(account_id), "username": username, "url": f"{base}/@{username}", "acct": username}
            )
        tags: dict[int, list[Json]] = {}
        for post_id, name in found_tags:
            lowered = name.lower()
            tags.setdefault(post_id, []).append({"name": lowered, "url": f"{base}/tags/{lowered}"})
        apps = {r[0]: {"name": r[1], "website": r[2]} for r in found_apps}
        media: dict[int, list[Json]] = {}
        for row in found_media:
            m = MediaRow(*row)
            media.setdefault(m.post_id, []).append(media_json(base, m))
        for post_id, p in posts.items():
            extras: Extras = (
                mentions.get(post_id, []),
                tags.get(post_id, []),
                apps.get(p.app_id) if p.app_id else None,
                media.get(post_id, []),
            )
            self.extras[post_id] = extras
            memo.put(("extras", post_id, p.edited_at), extras)
