"""Writes on posts: create, edit, delete, favourite, reblog, bookmark, pin.

Each function checks, writes and records its notifications in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parley import ids, text
from parley.accounts.service import VISIBILITIES
from parley.errors import Invalid, NotFound
from parley.jobs.queue import enqueue
from parley.media import service as media
from parley.notifications.service import notify, retract
from parley.posts.access import Seen, get_post_for, visible_posts
from parley.posts.render import Renderer
from parley.safety.decisions import check_can_act, post_deleted
from parley.search.fulltext import unindex_post
from parley.store.db import rowcount
from parley.store.tables import (
    Account,
    Bookmark,
    Favourite,
    Follow,
    IdempotencyKey,
    Mention,
    Notification,
    Pin,
    Post,
    PostEdit,
    PostTag,
    Tag,
    utcnow,
)
from parley.visibility import Context, Show

MAX_CHARS = 280
# Raw characters, links at full length. Bounds the work of twitter-text's URL pattern,
# which backtracks quadratically on long runs of dotted labels (~0.6 s at 2,000).
MAX_RAW_CHARS = 2000
MAX_SPOILER = 500
MAX_PINS = 5
IDEMPOTENCY_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class PostInput:
    """What a person asks to post (``POST /api/v1/statuses``)."""

    text: str
    visibility: str | None = None
    in_reply_to_id: int | None = None
    quoted_status_id: int | None = None
    sensitive: bool | None = None
    spoiler_text: str = ""
    language: str | None = None
    idempotency_key: str | None = None
    app_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    created_at: datetime | None = None  # back-dating, for imports and the demo only


@dataclass(frozen=True)
class TextMeasure:
    """How a post's text counts against the limits: ``length`` is the weighted length
    (links count as 23, most CJK characters and emoji as 2); ``error`` is why the text
    would be refused, or None."""

    length: int
    error: Invalid | None


def measure_text(body: str, spoiler: str = "", *, with_media: bool = False) -> TextMeasure:
    """Count and check a post's text as ``create_post`` and ``edit_post`` will.

    Only the first ``MAX_RAW_CHARS`` characters are parsed (see there); beyond them each
    character counts one, a lower bound for text that is refused anyway. A post with
    images (``with_media``) may have no text."""
    result = text.parse_post(body[:MAX_RAW_CHARS])
    length = result.weighted_length + max(0, len(body) - MAX_RAW_CHARS)
    return TextMeasure(length, _text_error(body, spoiler, length, result.valid, with_media))


def _text_error(body: str, spoiler: str, length: int, valid: bool, with_media: bool) -> Invalid | None:
    too_long_warning = Invalid("Validation failed: Content warning is too long (maximum is %(max)s)", max=MAX_SPOILER)
    if not body.strip():
        if not with_media:
            return Invalid("Validation failed: Text can't be blank")
        return too_long_warning if len(spoiler) > MAX_SPOILER else None
    if len(body) > MAX_RAW_CHARS:
        return Invalid(
            "Validation failed: Text is too long (%(raw)s characters with links at full length; the limit is "
            "%(raw_max)s, and %(max)s with links counted as 23)",
            raw=len(body),
            raw_max=MAX_RAW_CHARS,
            max=MAX_CHARS,
        )
    if length > MAX_CHARS:
        return Invalid("Validation failed: Text is too long (%(n)s characters; the limit is %(max)s)", n=length, max=MAX_CHARS)
    if not valid:
        return Invalid("Validation failed: Text contains characters that are not allowed")
    return too_long_warning if len(spoiler) > MAX_SPOILER else None


def check_text(body: str, spoiler: str = "", *, with_media: bool = False) -> None:
    """Refuse text that twitter-text would refuse: empty (unless the post has images), too
    long, or invalid characters."""
    error = measure_text(body, spoiler, with_media=with_media).error
    if error is not None:
        raise error


def _check_language(language: str | None) -> str | None:
    """An ISO 639 code, or None; like Mastodon, an unreadable one falls back to the default."""
    if not language:
        return None
    code = language.split("-", 1)[0].split("_", 1)[0]
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        return None
    return code.lower()


def create_post(
    session: Session, author: Account, data: PostInput, renderer: Renderer, *, max_media: int = 4
) -> Post:
    """Publish a post (a reply or a quote when asked, with up to ``max_media`` of the
    author's uploads), notify and index it."""
    check_can_act(author)
    if data.idempotency_key:
        existing = _idempotent(session, author.id, data.idempotency_key)
        if existing is not None:
            return existing
    visibility = data.visibility or author.default_visibility
    if visibility not in VISIBILITIES:
        raise Invalid("Validation failed: Visibility must be public, unlisted, private or direct")
    attachments = media.take(session, author, data.media_ids, max_media)
    check_text(data.text, data.spoiler_text, with_media=bool(attachments))
    language = _check_language(data.language) or author.default_language

    parent: Post | None = None
    if data.in_reply_to_id is not None:
        parent = _interaction_target(session, author, data.in_reply_to_id, "reply")
    quoted: Post | None = None
    if data.quoted_status_id is not None:
        quoted = _interaction_target(session, author, data.quoted_status_id, "quote")

    now = data.created_at or utcnow()
    post_id = ids.new_id(data.created_at)
    rendered = renderer.render(session, data.text)
    post = Post(
        id=post_id,
        account_id=author.id,
        text=data.text,
        content_html=rendered.html,
        spoiler_text=data.spoiler_text or "",
        visibility=visibility,
        sensitive=(author.default_sensitive if data.sensitive is None else data.sensitive) or bool(data.spoiler_text),
        language=language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        conversation_id=(parent.conversation_id or parent.id) if parent else post_id,
        quote_of_id=quoted.id if quoted else None,
        app_id=data.app_id,
        created_at=now,
    )
    session.add(post)
    session.flush()
    _link_entities(session, post, rendered.mentions, rendered.tags)
    if attachments:
        media.attach(session, post, attachments, new_post=True)

    _count_post(session, post, +1)
    session.execute(update(Account).where(Account.id == author.id).values(last_status_at=now))
    if quoted is not None:
        session.execute(update(Post).where(Post.id == quoted.id).values(quotes_count=Post.quotes_count + 1))
    if data.idempotency_key:
        session.add(IdempotencyKey(account_id=author.id, key=data.idempotency_key[:200], post_id=post.id))

    _notify_new_post(session, post, rendered.mentions, quoted)
    enqueue(session, "fanout", {"post_id": post.id})
    enqueue(session, "reindex", {"post_id": post.id})
    enqueue(session, "scan", {"post_id": post.id})
    return post


def _distributable(post: Post) -> bool:
    return post.visibility in ("public", "unlisted")


def _count_post(session: Session, post: Post, delta: int) -> None:
    """Public counters, as Mastodon keeps them: direct posts are not counted, and only
    public or unlisted replies count as replies."""
    if post.visibility == "direct":
        return
    session.execute(
        update(Account).where(Account.id == post.account_id).values(statuses_count=Account.statuses_count + delta)
    )
    if post.in_reply_to_id is not None and _distributable(post):
        session.execute(
            update(Post).where(Post.id == post.in_reply_to_id).values(replies_count=Post.replies_count + delta)
        )
    if post.reblog_of_id is not None and _distributable(post):
        session.execute(
            update(Post).where(Post.id == post.reblog_of_id).values(reblogs_count=Post.reblogs_count + delta)
        )


def _idempotent(session: Session, account_id: int, key: str) -> Post | None:
    row = session.get(IdempotencyKey, (account_id, key[:200]))
    if row is None:
        return None
    if row.created_at + IDEMPOTENCY_TTL < utcnow():
        session.delete(row)
        session.flush()
        return None
    post = session.get(Post, row.post_id)
    if post is None or post.deleted_at is not None:
        session.delete(row)  # the key is free again once its post is gone
        session.flush()
        return None
    return post


def check_interaction(session: Session, actor: Account, post_id: int, verb: str) -> Post:
    """The post ``actor`` may ``verb`` ("reply", "quote", "favourite", "reblog"), or
    ``Invalid`` with the reason (``NotFound`` when it cannot be seen): for a form that
    should say so before anything is written."""
    return _interaction_target(session, actor, post_id, verb)


def _interaction_target(session: Session, actor: Account, post_id: int, verb: str) -> Post:
    """The post ``actor`` wants to reply to, quote, favourite or reblog, if allowed."""
    # The visibility function already hid the post from anyone its author blocks, and a
    # repost's verdict is its original's, which the interaction acts on.
    seen = get_post_for(session, actor.id, post_id)
    if not getattr(seen.verdict.interactions, verb):
        if seen.verdict.show is Show.NOTICE:
            raise Invalid(_NOTICE_REFUSAL)
        raise Invalid(_REFUSALS[verb])
    return seen.target


_NOTICE_REFUSAL = (
    "This post broke Parley's rules and stays up only because it is in the public interest: "
    "it cannot be liked, replied to or reposted, but it can be quoted"
)
_REFUSALS = {
    "reply": "Validation failed: You cannot reply to this post",
    "quote": "Validation failed: This post cannot be quoted",
    "favourite": "Validation failed: This post cannot be liked",
    "reblog": "Validation failed: This post cannot be reposted",
}


def _link_entities(session: Session, post: Post, mentions: list[Account], tags: list[str]) -> None:
    for account in mentions:
        session.add(Mention(post_id=post.id, account_id=account.id))
    for tag in _upsert_tags(session, tags):
        session.add(PostTag(post_id=post.id, tag_id=tag.id))
    session.flush()


def _upsert_tags(session: Session, names: list[str]) -> list[Tag]:
    out: list[Tag] = []
    seen: set[str] = set()
    for name in names:
        lower = name.lower()
        if lower in seen:
            continue
        seen.add(lower)
        tag = session.scalar(select(Tag).where(Tag.name_lower == lower))
        if tag is None:
            tag = Tag(id=ids.new_id(), name=name, name_lower=lower)
            session.add(tag)
            session.flush()
        out.append(tag)
    return out


def _notify_new_post(session: Session, post: Post, mentions: list[Account], quoted: Post | None) -> None:
    audience = {a.id for a in mentions}
    for account in mentions:
        notify(session, account.id, post.account_id, "mention", post.id)
    if quoted is not None and quoted.account_id not in audience:
        notify(session, quoted.account_id, post.account_id, "quote", post.id)
    if post.visibility in ("public", "unlisted", "private") and post.in_reply_to_id is None:
        subscribers = session.scalars(
            select(Follow.account_id).where(Follow.target_account_id == post.account_id, Follow.notify.is_(True))
        )
        for follower_id in subscribers:
            if follower_id not in audience:
                notify(session, follower_id, post.account_id, "status", post.id)


def _own_post(session: Session, account: Account, post_id: int) -> Post:
    """The account's own post, or "not found" (as Mastodon answers for others' posts)."""
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None or post.reblog_of_id is not None:
        raise NotFound("Record not found")
    if post.account_id != account.id:
        raise NotFound("Record not found")
    return post


@dataclass(frozen=True)
class MediaChange:
    """A new description or focal point for one of the post's attachments."""

    id: int
    description: str | None = None
    focus: str | None = None


@dataclass(frozen=True)
class PostEditInput:
    text: str
    spoiler_text: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    media_ids: list[int] | None = None  # None: the attachments stay as they are
    media_changes: list[MediaChange] = field(default_factory=list)


def edit_post(
    session: Session, author: Account, post_id: int, data: PostEditInput, renderer: Renderer, *, max_media: int = 4
) -> Post:
    """Change a post's text and attachments; the versions are kept for the history view."""
    post = _own_post(session, author, post_id)
    spoiler = post.spoiler_text if data.spoiler_text is None else data.spoiler_text
    if data.media_ids is None:
        attachments = media.of_post(session, post.id)
    else:
        attachments = media.take(session, author, data.media_ids, max_media, post_id=post.id)
    check_text(data.text, spoiler, with_media=bool(attachments))
    changes = {c.id: c for c in data.media_changes}
    unknown = [str(i) for i in changes if i not in {m.id for m in attachments}]
    if unknown:
        raise Invalid("Validation failed: Media attachment %(ids)s not found", ids=", ".join(unknown))
    if not session.scalar(select(func.count()).select_from(PostEdit).where(PostEdit.post_id == post.id)):
        # The first edit also records the original, so the history starts at the beginning.
        session.add(
            PostEdit(
                id=ids.new_id(post.created_at),
                post_id=post.id,
                text=post.text,
                content_html=post.content_html,
                spoiler_text=post.spoiler_text,
                sensitive=post.sensitive,
                created_at=post.created_at,
            )
        )
    rendered = renderer.render(session, data.text)
    old_mentions = set(session.scalars(select(Mention.account_id).where(Mention.post_id == post.id)))
    post.text = data.text
    post.content_html = rendered.html
    post.spoiler_text = spoiler
    if data.sensitive is not None:
        post.sensitive = data.sensitive
    if data.spoiler_text:
        post.sensitive = True
    if data.language is not None:
        post.language = _check_language(data.language)
    now = utcnow()
    post.edited_at = now
    session.add(
        PostEdit(
            id=ids.new_id(),
            post_id=post.id,
            text=post.text,
            content_html=post.content_html,
            spoiler_text=post.spoiler_text,
            sensitive=post.sensitive,
            created_at=now,
        )
    )
    session.execute(delete(Mention).where(Mention.post_id == post.id))
    session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    _link_entities(session, post, rendered.mentions, rendered.tags)
    for m in attachments:
        change = changes.get(m.id)
        if change is not None:
            media.describe(m, change.description, change.focus)
    if data.media_ids is not None:
        media.attach(session, post, attachments)
    for account in rendered.mentions:
        if account.id not in old_mentions:
            notify(session, account.id, author.id, "mention", post.id)
    # Those who reposted or quoted it are told it changed, as Mastodon does.
    for account_id in set(session.scalars(select(Post.account_id).where(Post.reblog_of_id == post.id))):
        notify(session, account_id, author.id, "update", post.id)
    enqueue(session, "reindex", {"post_id": post.id})
    enqueue(session, "scan", {"post_id": post.id})
    return post


def delete_post(session: Session, author: Account, post_id: int) -> Post:
    """Delete a post (and the reposts of it); return it with its source for redrafting."""
    post = _own_post(session, author, post_id)
    _remove(session, post)
    post_deleted(session, post)
    return post


def _remove(session: Session, post: Post) -> None:
    now = utcnow()
    post.deleted_at = now
    _count_post(session, post, -1)
    if post.quote_of_id is not None:
        session.execute(
            update(Post).where(Post.id == post.quote_of_id).values(quotes_count=Post.quotes_count - 1)
        )
    reblogs = list(session.scalars(select(Post).where(Post.reblog_of_id == post.id, Post.deleted_at.is_(None))))
    for reblog in reblogs:
        reblog.deleted_at = now
        _count_post(session, reblog, -1)
    session.execute(delete(Notification).where(Notification.post_id.in_([post.id] + [r.id for r in reblogs])))
    session.execute(delete(Pin).where(Pin.post_id == post.id))
    unindex_post(session, post.id)
    enqueue(session, "withdraw", {"post_id": post.id})


# --- interactions -------------------------------------------------------------------------


def _existing(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound("Record not found")
    if post.reblog_of_id is not None:
        original = session.get(Post, post.reblog_of_id)
        if original is None:
            raise NotFound("Record not found")
        return original
    return post


def favourite(session: Session, account: Account, post_id: int) -> Post:
    check_can_act(account)
    target = _interaction_target(session, account, post_id, "favourite")
    exists = session.scalar(
        select(Favourite.id).where(Favourite.account_id == account.id, Favourite.post_id == target.id)
    )
    if exists is None:
        session.add(Favourite(id=ids.new_id(), account_id=account.id, post_id=target.id))
        session.execute(update(Post).where(Post.id == target.id).values(favourites_count=Post.favourites_count + 1))
        notify(session, target.account_id, account.id, "favourite", target.id)
    return target


def unfavourite(session: Session, account: Account, post_id: int) -> Post:
    # Undoing one's own favourite works even if the post can no longer be seen.
    target = _existing(session, post_id)
    removed = rowcount(session.execute(
        delete(Favourite).where(Favourite.account_id == account.id, Favourite.post_id == target.id)
    ))
    if removed:
        session.execute(update(Post).where(Post.id == target.id).values(favourites_count=Post.favourites_count - 1))
        retract(session, from_id=account.id, type_="favourite", post_id=target.id)
    return target


def reblog(session: Session, account: Account, post_id: int, *, visibility: str = "public") -> Post:
    """Repost ``post_id`` (the original, if it is itself a repost). Idempotent."""
    check_can_act(account)
    target = _interaction_target(session, account, post_id, "reblog")
    if visibility not in ("public", "unlisted", "private"):
        raise Invalid("Validation failed: Visibility must be public, unlisted or private")
    if target.visibility == "private":
        visibility = "private"  # a followers-only post stays with the same followers
    existing = session.scalar(
        select(Post).where(
            Post.account_id == account.id, Post.reblog_of_id == target.id, Post.deleted_at.is_(None)
        )
    )
    if existing is not None:
        return existing
    now = utcnow()
    row = Post(
        id=ids.new_id(),
        account_id=account.id,
        reblog_of_id=target.id,
        visibility=visibility,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _count_post(session, row, +1)
    session.execute(update(Account).where(Account.id == account.id).values(last_status_at=now))
    notify(session, target.account_id, account.id, "reblog", target.id)
    enqueue(session, "fanout", {"post_id": row.id})
    return row


def unreblog(session: Session, account: Account, post_id: int) -> Post:
    target = get_post_for(session, account.id, post_id).target
    rows = list(
        session.scalars(
            select(Post).where(
                Post.account_id == account.id, Post.reblog_of_id == target.id, Post.deleted_at.is_(None)
            )
        )
    )
    for row in rows:
        row.deleted_at = utcnow()
        _count_post(session, row, -1)
        enqueue(session, "withdraw", {"post_id": row.id})
    if rows:
        retract(session, from_id=account.id, type_="reblog", post_id=target.id)
    return target


def bookmark(session: Session, account: Account, post_id: int) -> Post:
    target = get_post_for(session, account.id, post_id).target
    if session.scalar(
        select(Bookmark.id).where(Bookmark.account_id == account.id, Bookmark.post_id == target.id)
    ) is None:
        session.add(Bookmark(id=ids.new_id(), account_id=account.id, post_id=target.id))
    return target


def unbookmark(session: Session, account: Account, post_id: int) -> Post:
    target = _existing(session, post_id)
    session.execute(delete(Bookmark).where(Bookmark.account_id == account.id, Bookmark.post_id == target.id))
    return target


def pin(session: Session, account: Account, post_id: int) -> Post:
    post = get_post_for(session, account.id, post_id).target
    if post.account_id != account.id:
        raise Invalid("Validation failed: Someone else's post cannot be pinned")
    if post.visibility == "direct":
        raise Invalid("Validation failed: Direct posts cannot be pinned")
    if session.get(Pin, (account.id, post.id)) is None:
        count = session.scalar(select(func.count()).select_from(Pin).where(Pin.account_id == account.id)) or 0
        if count >= MAX_PINS:
            raise Invalid("Validation failed: You can pin at most %(max_pins)s posts", max_pins=MAX_PINS)
        session.add(Pin(account_id=account.id, post_id=post.id))
    return post


def unpin(session: Session, account: Account, post_id: int) -> Post:
    post = _own_post(session, account, post_id)
    session.execute(delete(Pin).where(Pin.account_id == account.id, Pin.post_id == post.id))
    return post


def context_of(session: Session, viewer_id: int | None, post_id: int) -> tuple[list[Seen], list[Seen]]:
    """Ancestors (oldest first) and descendants (depth-first) of a post the viewer can see."""
    seen = get_post_for(session, viewer_id, post_id)
    post = seen.target
    ancestors: list[Post] = []
    current = post
    for _ in range(200):  # a bound against cycles and absurd depth
        if current.in_reply_to_id is None:
            break
        parent = session.get(Post, current.in_reply_to_id)
        if parent is None:
            break
        ancestors.append(parent)
        current = parent
    ancestors.reverse()
    conversation = post.conversation_id or post.id
    rows = list(
        session.scalars(
            select(Post)
            .where(Post.conversation_id == conversation, Post.reblog_of_id.is_(None), Post.id != post.id)
            .order_by(Post.id)
            .limit(4000)
        )
    )
    children: dict[int, list[Post]] = {}
    for row in rows:
        if row.in_reply_to_id is not None:
            children.setdefault(row.in_reply_to_id, []).append(row)
    descendants: list[Post] = []
    stack = list(reversed(children.get(post.id, [])))
    while stack:
        node = stack.pop()
        descendants.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return (
        visible_posts(session, viewer_id, ancestors, Context.THREAD),
        visible_posts(session, viewer_id, descendants, Context.THREAD),
    )
