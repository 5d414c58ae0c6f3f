"""The visibility function, table by table (no database)."""

from __future__ import annotations

import pytest

from parley.visibility import Context, PostFacts, ViewerFacts, decide

AUTHOR = 1
VIEWER = 2
ALL_CONTEXTS = list(Context)


def post(visibility: str = "public", **kw: object) -> PostFacts:
    return PostFacts(author_id=AUTHOR, visibility=visibility, **kw)  # type: ignore[arg-type]


def viewer(**kw: object) -> ViewerFacts:
    return ViewerFacts(viewer_id=VIEWER, **kw)  # type: ignore[arg-type]


ANON = ViewerFacts(viewer_id=None)
OWN = ViewerFacts(viewer_id=AUTHOR)


@pytest.mark.parametrize(
    ("visibility", "who", "context", "visible"),
    [
        # public posts: everyone, everywhere
        ("public", ANON, Context.PUBLIC, True),
        ("public", ANON, Context.SEARCH, True),
        ("public", viewer(), Context.HOME, True),
        # unlisted: reachable, never broadcast
        ("unlisted", ANON, Context.DIRECT_LINK, True),
        ("unlisted", ANON, Context.PROFILE, True),
        ("unlisted", ANON, Context.PUBLIC, False),
        ("unlisted", viewer(), Context.TAG, False),
        ("unlisted", viewer(), Context.SEARCH, False),
        ("unlisted", ANON, Context.EMBED, True),
        # followers-only
        ("private", ANON, Context.DIRECT_LINK, False),
        ("private", viewer(), Context.PROFILE, False),
        ("private", viewer(follows_author=True), Context.HOME, True),
        ("private", viewer(mentioned=True), Context.DIRECT_LINK, True),
        ("private", viewer(follows_author=True), Context.PUBLIC, False),
        ("private", viewer(follows_author=True), Context.EMBED, False),
        ("private", OWN, Context.PROFILE, True),
        ("private", OWN, Context.PUBLIC, False),
        # direct: only the mentioned
        ("direct", viewer(follows_author=True), Context.HOME, False),
        ("direct", viewer(mentioned=True), Context.HOME, True),
        ("direct", OWN, Context.THREAD, True),
        ("direct", ANON, Context.DIRECT_LINK, False),
    ],
)
def test_audience(visibility: str, who: ViewerFacts, context: Context, visible: bool) -> None:
    assert decide(post(visibility), who, context).visible is visible


@pytest.mark.parametrize("context", ALL_CONTEXTS)
def test_author_who_blocks_the_viewer_disappears_everywhere(context: Context) -> None:
    assert not decide(post(), viewer(blocked_by_author=True), context).visible


@pytest.mark.parametrize("context", ALL_CONTEXTS)
def test_blocking_viewer_reaches_post_only_by_link(context: Context) -> None:
    visible = decide(post(), viewer(blocks_author=True), context).visible
    assert visible is (context is Context.DIRECT_LINK)


@pytest.mark.parametrize(
    ("context", "visible"),
    [
        (Context.HOME, False),
        (Context.PUBLIC, False),
        (Context.TAG, False),
        (Context.SEARCH, False),
        (Context.THREAD, False),
        # A mute hides notifications only when it asks to; the notification reader applies it.
        (Context.NOTIFICATIONS, True),
        (Context.PROFILE, True),
        (Context.DIRECT_LINK, True),
    ],
)
def test_mutes_filter_lists_not_direct_reads(context: Context, visible: bool) -> None:
    assert decide(post(), viewer(mutes_author=True), context).visible is visible


@pytest.mark.parametrize("context", ALL_CONTEXTS)
def test_deleted_posts_are_hidden_even_from_their_author(context: Context) -> None:
    assert not decide(post(deleted=True), OWN, context).visible


def test_interactions() -> None:
    public = decide(post("public"), viewer(), Context.HOME).interactions
    assert (public.favourite, public.reblog, public.reply, public.quote) == (True, True, True, True)
    private = decide(post("private"), viewer(follows_author=True), Context.HOME).interactions
    assert (private.favourite, private.reblog, private.reply, private.quote) == (True, False, True, False)
    own_private = decide(post("private"), OWN, Context.PROFILE).interactions
    assert (own_private.reblog, own_private.quote) == (True, False)
    anonymous = decide(post("public"), ANON, Context.PUBLIC).interactions
    assert not any((anonymous.favourite, anonymous.reblog, anonymous.reply, anonymous.quote))
