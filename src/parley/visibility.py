"""The one visibility function: may this viewer see this post in this context, and how?

Every read path (timelines, threads, search, notifications, embeds, lookups) asks
``decide``. It is pure: the facts are gathered in batches by ``parley.posts.access`` and
the callers never apply rules of their own. Safety decisions change the facts (a post
removed, behind a public-interest notice, out of reach; an author suspended), never the
callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Context(Enum):
    HOME = "home"
    PROFILE = "profile"
    THREAD = "thread"
    PUBLIC = "public"  # the local/federated public timeline
    TAG = "tag"
    SEARCH = "search"
    NOTIFICATIONS = "notifications"
    EMBED = "embed"
    DIRECT_LINK = "direct_link"
    LIST = "list"  # favourites, bookmarks: the viewer's own collections


# Contexts that broadcast a post to people who did not ask for it by name.
_DISCOVERY = {Context.PUBLIC, Context.TAG, Context.SEARCH}
# Contexts from which the viewer's mutes remove posts.
# Notifications are not here: a mute hides them only when it asks to (hide_notifications),
# which the notification reader applies.
_MUTE_FILTERED = {Context.HOME, Context.PUBLIC, Context.TAG, Context.SEARCH, Context.THREAD}
# Contexts that amplify a post: a post behind the public-interest notice is left out of
# them (Twitter, 2019: no search, trends, recommendations or notifications).
_AMPLIFYING = {Context.PUBLIC, Context.TAG, Context.SEARCH, Context.NOTIFICATIONS}


class Show(Enum):
    HIDDEN = "hidden"
    SHOWN = "shown"
    NOTICE = "notice"  # behind the public-interest notice of a rule
    REMOVED = "removed"  # removed by moderators: its author still sees it, to delete it


@dataclass(frozen=True)
class PostFacts:
    author_id: int
    visibility: str  # public, unlisted, private, direct
    deleted: bool = False
    is_reblog: bool = False
    # Moderation (parley.safety): removed, behind the notice of a rule, out of reach, and
    # whether the author's account is suspended.
    removed: bool = False
    notice_rule_id: str | None = None
    limited: bool = False
    author_suspended: bool = False


@dataclass(frozen=True)
class ViewerFacts:
    """The viewer's relation to the post's author (viewer_id None = anonymous)."""

    viewer_id: int | None
    follows_author: bool = False
    mentioned: bool = False
    blocks_author: bool = False
    blocked_by_author: bool = False
    mutes_author: bool = False


@dataclass(frozen=True)
class Interactions:
    favourite: bool
    reblog: bool
    reply: bool
    quote: bool


@dataclass(frozen=True)
class Verdict:
    show: Show
    interactions: Interactions

    @property
    def visible(self) -> bool:
        return self.show is not Show.HIDDEN


NONE = Interactions(favourite=False, reblog=False, reply=False, quote=False)
HIDDEN = Verdict(Show.HIDDEN, NONE)


def decide(post: PostFacts, viewer: ViewerFacts, context: Context) -> Verdict:
    """Whether and how ``viewer`` sees ``post`` in ``context``."""
    if post.deleted:
        return HIDDEN
    own = viewer.viewer_id is not None and viewer.viewer_id == post.author_id
    # A suspended account's posts are out of public view; its owner keeps them to read.
    if post.author_suspended and not own:
        return HIDDEN
    # A removed post is hidden from everyone but its author, who must delete it.
    if post.removed:
        return Verdict(Show.REMOVED, NONE) if own else HIDDEN
    if not own:
        # An author who blocks someone disappears for them everywhere.
        if viewer.blocked_by_author:
            return HIDDEN
        # Someone who blocks an author still reaches a post by its link, nowhere else.
        if viewer.blocks_author and context is not Context.DIRECT_LINK:
            return HIDDEN
        if viewer.mutes_author and context in _MUTE_FILTERED:
            return HIDDEN
        if not _audience_includes(post, viewer):
            return HIDDEN
    # Only public posts are broadcast to strangers, the author's own included.
    if context in _DISCOVERY and post.visibility != "public":
        return HIDDEN
    if context is Context.EMBED and post.visibility not in ("public", "unlisted"):
        return HIDDEN
    if post.notice_rule_id is not None:
        if context in _AMPLIFYING:
            return HIDDEN
        # Reachable behind the notice; it can be quoted, so people can still discuss it,
        # but not liked, replied to or reposted.
        quote = _interactions(post, viewer, own).quote
        return Verdict(Show.NOTICE, Interactions(favourite=False, reblog=False, reply=False, quote=quote))
    if post.limited:
        # Out of reach: not broadcast to strangers, not notified to non-followers.
        if context in _DISCOVERY:
            return HIDDEN
        if context is Context.NOTIFICATIONS and not own and not viewer.follows_author:
            return HIDDEN
    return Verdict(Show.SHOWN, _interactions(post, viewer, own))


def _audience_includes(post: PostFacts, viewer: ViewerFacts) -> bool:
    if post.visibility in ("public", "unlisted"):
        return True
    if post.visibility == "private":
        return viewer.follows_author or viewer.mentioned
    # direct: only the people it mentions
    return viewer.mentioned


def _interactions(post: PostFacts, viewer: ViewerFacts, own: bool) -> Interactions:
    if viewer.viewer_id is None:
        return NONE
    shareable = post.visibility in ("public", "unlisted")
    # Authors may repost their own followers-only posts, to the same followers (Mastodon).
    own_private = own and post.visibility == "private"
    return Interactions(
        favourite=True,
        reblog=(shareable or own_private) and not post.is_reblog,
        reply=True,
        quote=shareable and not post.is_reblog,
    )
