"""SQLAlchemy tables. Only structure: no hooks, no behaviour (see STYLE.md, "Store").

Ids are time-sortable 64-bit integers from ``parley.ids``. On SQLite they are the rowid
(``INTEGER PRIMARY KEY``), on PostgreSQL ``BIGINT``. Counters kept on rows (followers,
replies, ...) are maintained by the domain functions that change what they count.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = BigInteger().with_variant(Integer, "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return mapped_column(ID, ForeignKey(target, ondelete=ondelete), nullable=nullable)


# --- accounts -----------------------------------------------------------------------------


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(30))
    username_lower: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    email_lower: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20), default="user")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    default_visibility: Mapped[str] = mapped_column(String(10), default="public")
    default_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    default_language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    fields_json: Mapped[str] = mapped_column(Text, default="[]")
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    statuses_count: Mapped[int] = mapped_column(Integer, default=0)
    last_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the person last read their home feed; fan-out skips the long inactive.
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Enforcement on the account (parley.safety.decisions): read-only while posts removed
    # by moderators wait for the author to delete them, locked until a time, suspended
    # (profile and posts out of public view; data kept until ``purge_after``).
    pending_removals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_accounts_followers_count", "followers_count"),)


# --- OAuth --------------------------------------------------------------------------------


class OAuthApp(Base):
    """A registered client application (``POST /api/v1/apps``)."""

    __tablename__ = "oauth_apps"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    redirect_uris: Mapped[str] = mapped_column(Text)  # one per line
    scopes: Mapped[str] = mapped_column(String(1000), default="read")
    owner_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OAuthCode(Base):
    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = _fk("oauth_apps.id")
    account_id: Mapped[int] = _fk("accounts.id")
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(1000))
    code_challenge: Mapped[str | None] = mapped_column(String(200), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class OAuthToken(Base):
    """An access token (and its refresh token), stored only as SHA-256 hashes."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    app_id: Mapped[int | None] = _fk("oauth_apps.id", nullable=True)
    account_id: Mapped[int | None] = _fk("accounts.id", nullable=True)
    scope: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    """A signed-in browser session for the web pages (cookie holds a random key)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = _fk("accounts.id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- posts --------------------------------------------------------------------------------


class Post(Base):
    """A post, or a repost when ``reblog_of_id`` is set (as Mastodon stores them)."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    text: Mapped[str] = mapped_column(Text, default="")
    content_html: Mapped[str] = mapped_column(Text, default="")
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    in_reply_to_id: Mapped[int | None] = _fk("posts.id", nullable=True, ondelete="SET NULL")
    in_reply_to_account_id: Mapped[int | None] = _fk(
        "accounts.id", nullable=True, ondelete="SET NULL"
    )
    conversation_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    reblog_of_id: Mapped[int | None] = _fk("posts.id", nullable=True)
    quote_of_id: Mapped[int | None] = _fk("posts.id", nullable=True, ondelete="SET NULL")
    app_id: Mapped[int | None] = _fk("oauth_apps.id", nullable=True, ondelete="SET NULL")
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0)
    quotes_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Moderation state, derived from the decisions on the post (parley.safety.decisions):
    # removed (hidden from all but the author, who must delete it before posting again),
    # behind the public-interest notice of a rule, labelled, or out of reach (not amplified).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notice_rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    label_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    label_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    limited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_posts_account_id_id", "account_id", "id"),
        Index("ix_posts_reblog_of_id", "reblog_of_id"),
        Index("ix_posts_in_reply_to_id", "in_reply_to_id"),
        Index("ix_posts_conversation_id", "conversation_id"),
        Index("ix_posts_quote_of_id", "quote_of_id"),
    )


class PostEdit(Base):
    """One version of a post, for ``GET /api/v1/statuses/:id/history``."""

    __tablename__ = "post_edits"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    post_id: Mapped[int] = _fk("posts.id")
    text: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_post_edits_post_id", "post_id"),)


class MediaAttachment(Base):
    """An uploaded image: stored files under ``<data_dir>/media/<file_key>/``, attached to
    at most one post (``post_id`` is null until the post is made)."""

    __tablename__ = "media_attachments"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    post_id: Mapped[int | None] = _fk("posts.id", nullable=True, ondelete="SET NULL")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Random, so the files of a followers-only post cannot be found by counting ids.
    file_key: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    extension: Mapped[str] = mapped_column(String(8))
    file_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    small_extension: Mapped[str] = mapped_column(String(8))
    small_width: Mapped[int] = mapped_column(Integer)
    small_height: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    focus_x: Mapped[float] = mapped_column(Float, default=0.0)
    focus_y: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_media_attachments_post_id", "post_id"),
        Index("ix_media_attachments_account_id_id", "account_id", "id"),
    )


class Mention(Base):
    __tablename__ = "mentions"

    post_id: Mapped[int] = mapped_column(ID, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_mentions_account_id", "account_id", "post_id"),)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    name_lower: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostTag(Base):
    __tablename__ = "post_tags"

    tag_id: Mapped[int] = mapped_column(ID, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ID, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)


class Favourite(Base):
    __tablename__ = "favourites"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    post_id: Mapped[int] = _fk("posts.id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("account_id", "post_id"),
        Index("ix_favourites_post_id", "post_id"),
    )


class Bookmark(Base):
    __tablename__ = "bookmarks"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    post_id: Mapped[int] = _fk("posts.id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "post_id"),)


class Pin(Base):
    __tablename__ = "pins"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ID, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """Remembers ``Idempotency-Key`` headers of post creation for an hour."""

    __tablename__ = "idempotency_keys"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    post_id: Mapped[int] = _fk("posts.id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- graph --------------------------------------------------------------------------------


class _Edge:
    """Columns shared by follow, request, block and mute edges."""

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(_Edge, Base):
    __tablename__ = "follows"

    account_id: Mapped[int] = _fk("accounts.id")
    target_account_id: Mapped[int] = _fk("accounts.id")
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id"),
        Index("ix_follows_target_account_id", "target_account_id", "account_id"),
        # Finds the few followers who asked to be notified of new posts without
        # reading all of a big account's followers.
        Index("ix_follows_target_account_id_notify", "target_account_id", "notify"),
        # Every home read asks whose reposts the reader hides: answered from the index alone.
        Index("ix_follows_account_id_show_reblogs", "account_id", "show_reblogs", "target_account_id"),
    )


class FollowRequest(_Edge, Base):
    __tablename__ = "follow_requests"

    account_id: Mapped[int] = _fk("accounts.id")
    target_account_id: Mapped[int] = _fk("accounts.id")
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id"),
        Index("ix_follow_requests_target_account_id", "target_account_id"),
    )


class Block(_Edge, Base):
    __tablename__ = "blocks"

    account_id: Mapped[int] = _fk("accounts.id")
    target_account_id: Mapped[int] = _fk("accounts.id")

    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id"),
        Index("ix_blocks_target_account_id", "target_account_id"),
    )


class Mute(_Edge, Base):
    __tablename__ = "mutes"

    account_id: Mapped[int] = _fk("accounts.id")
    target_account_id: Mapped[int] = _fk("accounts.id")
    hide_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id"),
        Index("ix_mutes_target_account_id", "target_account_id"),
    )


# --- notifications ------------------------------------------------------------------------


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    from_account_id: Mapped[int] = _fk("accounts.id")
    type: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = _fk("posts.id", nullable=True)
    # For ``moderation_warning``: the decision the person is told about.
    decision_id: Mapped[int | None] = _fk("decisions.id", nullable=True, ondelete="CASCADE")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_notifications_account_id_id", "account_id", "id"),)


class Marker(Base):
    """Where a person stopped reading (``/api/v1/markers``); drives the unread count."""

    __tablename__ = "markers"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    timeline: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(ID, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- feeds and jobs -----------------------------------------------------------------------


class FeedEntry(Base):
    """One post id in one home feed (the SQL feed store; Redis keeps sorted sets instead)."""

    __tablename__ = "feed_entries"

    account_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    post_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)

    __table_args__ = (Index("ix_feed_entries_post_id", "post_id"),)


class FeedState(Base):
    """When an account's feed was last built from scratch (absent: never, so build it)."""

    __tablename__ = "feed_state"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Job(Base):
    """A durable side effect, written in the transaction that causes it (the outbox).

    A worker leases a job by setting ``locked_until``; a job whose lease ran out (its
    worker died) is taken again. Done jobs are deleted; one that keeps failing is parked.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued, parked
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_jobs_state_run_at", "state", "run_at"),)


# --- safety -------------------------------------------------------------------------------


class Rule(Base):
    """One version of one rule of the catalog (``parley.safety.catalog``).

    A version's content never changes: a changed rule gets a new row, so a decision can
    keep pointing at the version it applied. ``current`` marks the version in force (at
    most one per rule; none once the rule is retired); ``position`` is the rule's place
    in the catalog file. Lists and translations are JSON text.
    """

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    rule_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    rule_group: Mapped[str] = mapped_column(String(20))
    severity: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    translations_json: Mapped[str] = mapped_column(Text, default="{}")  # {"nl": {"title", "description"}}
    public_interest_eligible: Mapped[bool] = mapped_column(Boolean)
    immediate_suspension: Mapped[bool] = mapped_column(Boolean, default=False)
    dsa_category: Mapped[str] = mapped_column(String(100))
    dsa_keyword: Mapped[str | None] = mapped_column(String(100), nullable=True)
    actions_json: Mapped[str] = mapped_column(Text)
    default_action: Mapped[str] = mapped_column(String(30))
    content_hash: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("rule_id", "version"),
        Index("ix_rules_current", "current"),
    )


# --- trust and safety ---------------------------------------------------------------------


class PublicOffice(Base):
    """An account designated as (representing) a public official or candidate."""

    __tablename__ = "public_offices"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    designated_by_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DesignationEvent(Base):
    """The log of designations and their removal (append-only)."""

    __tablename__ = "designation_events"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    action: Mapped[str] = mapped_column(String(20))  # designate, update, remove
    role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_designation_events_account_id", "account_id", "id"),)


class Case(Base):
    """The reports and flags about one account (and its posts), worked as one item.

    At most one case per account is not closed; the domain keeps it so.
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, escalated, closed
    priority: Mapped[int] = mapped_column(Integer, default=0)
    assigned_to_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_cases_account_id_state", "account_id", "state"),
        Index("ix_cases_state_id", "state", "id"),
    )


class CasePost(Base):
    """A post a case is about."""

    __tablename__ = "case_posts"

    case_id: Mapped[int] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ID, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_case_posts_post_id", "post_id"),)


class Report(Base):
    """A report by a person (``reporter_id``) or a flag by a detector (``detector``)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    case_id: Mapped[int | None] = _fk("cases.id", nullable=True, ondelete="SET NULL")
    reporter_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    account_id: Mapped[int] = _fk("accounts.id")
    category: Mapped[str] = mapped_column(String(20), default="other")  # spam, legal, violation, other
    comment: Mapped[str] = mapped_column(Text, default="")
    rule_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    post_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    forward: Mapped[bool] = mapped_column(Boolean, default=False)
    detector: Mapped[str | None] = mapped_column(String(100), nullable=True)  # name/version
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    action_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_reports_case_id", "case_id"),
        Index("ix_reports_reporter_id", "reporter_id", "id"),
        Index("ix_reports_account_id", "account_id"),
    )


class CaseEvent(Base):
    """One step in a case's history (append-only): opened, report, flag, assigned,
    unassigned, note, priority, escalated, decided, closed, reopened, appealed, ..."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = _fk("cases.id")
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_case_events_case_id_id", "case_id", "id"),)


class MutedReporter(Base):
    """A reporter whose reports no longer open cases."""

    __tablename__ = "muted_reporters"

    account_id: Mapped[int] = mapped_column(ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    muted_by_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Decision(Base):
    """One moderation outcome with its statement of reasons. Never changed: a reversal
    is a new decision pointing at the one it reverses."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    case_id: Mapped[int | None] = _fk("cases.id", nullable=True, ondelete="SET NULL")
    moderator_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    account_id: Mapped[int] = _fk("accounts.id")
    post_id: Mapped[int | None] = _fk("posts.id", nullable=True, ondelete="SET NULL")
    rule_row_id: Mapped[int | None] = _fk("rules.id", nullable=True, ondelete="RESTRICT")
    rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actions_json: Mapped[str] = mapped_column(Text, default="[]")
    facts: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    public_interest: Mapped[bool] = mapped_column(Boolean, default=False)
    public_interest_assessment: Mapped[str | None] = mapped_column(Text, nullable=True)
    escalation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    label_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    label_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    duration_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    automated_detection: Mapped[bool] = mapped_column(Boolean, default=False)
    automated_decision: Mapped[str] = mapped_column(String(20), default="not")  # fully, partially, not
    source: Mapped[str] = mapped_column(String(30), default="voluntary")  # notice, voluntary, ...
    strike: Mapped[bool] = mapped_column(Boolean, default=False)
    reverses_id: Mapped[int | None] = _fk("decisions.id", nullable=True, ondelete="RESTRICT")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_decisions_account_id_id", "account_id", "id"),
        Index("ix_decisions_case_id", "case_id"),
        Index("ix_decisions_post_id", "post_id"),
        Index("ix_decisions_reverses_id", "reverses_id"),
    )


class Strike(Base):
    """A strike against an account from a decision; it counts until it expires or is
    overturned on appeal."""

    __tablename__ = "strikes"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = _fk("accounts.id")
    decision_id: Mapped[int] = _fk("decisions.id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    overturned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_strikes_account_id", "account_id", "created_at"),)


class Appeal(Base):
    """The affected person contests a decision, once; another moderator resolves it."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    decision_id: Mapped[int] = mapped_column(ID, ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = _fk("accounts.id")
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, approved, rejected
    resolver_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    resolution_reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolution_decision_id: Mapped[int | None] = _fk("decisions.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_appeals_state_id", "state", "id"),)


class Audit(Base):
    """A blind second review of a closed decision by another moderator."""

    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    decision_id: Mapped[int] = mapped_column(ID, ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, done
    reviewer_id: Mapped[int | None] = _fk("accounts.id", nullable=True, ondelete="SET NULL")
    violation: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # the reviewer's finding
    rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actions_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_audits_state_id", "state", "id"),)


# --- transparency log (parley.transparency.log) -------------------------------------------


class TransparencyEntry(Base):
    """One leaf of the transparency log: the exact bytes hashed for it and their leaf hash.
    Appended in the transaction of its decision; never changed, never deleted (the
    foreign key also keeps its decision from being deleted)."""

    __tablename__ = "transparency_entries"

    leaf_index: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)  # from 0
    decision_id: Mapped[int] = mapped_column(ID, ForeignKey("decisions.id", ondelete="RESTRICT"), unique=True)
    leaf_input: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_transparency_entries_leaf_hash", "leaf_hash"),)


class TransparencyNode(Base):
    """The hash of a perfect subtree of the log: the 2^level leaves from
    ``node_index * 2^level``. Level 0 (the leaves) is ``TransparencyEntry.leaf_hash``;
    a node is written by the append that completes it and never changes."""

    __tablename__ = "transparency_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    # SQLite keeps the rows in the primary key's b-tree: no rowid, no second index.
    __table_args__ = ({"sqlite_with_rowid": False},)
