"""The visibility function, table by table (no database)."""

from __future__ import annotations

import pytest

from parley.visibility import Context, Interactions, PostFacts, Show, ViewerFacts, decide

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


# --- moderation facts ---------------------------------------------------------------------

NOTICED = post(notice_rule_id="glorification-of-violence")
AMPLIFYING = {Context.PUBLIC, Context.TAG, Context.SEARCH, Context.NOTIFICATIONS}


@pytest.mark.parametrize("context", ALL_CONTEXTS)
@pytest.mark.parametrize("who", [ANON, viewer(), viewer(follows_author=True), OWN])
def test_a_noticed_post_is_reachable_but_never_amplified(context: Context, who: ViewerFacts) -> None:
    verdict = decide(NOTICED, who, context)
    if context in AMPLIFYING:
        assert verdict.show is Show.HIDDEN
        return
    assert verdict.show is Show.NOTICE
    # Only quoting stays open (to signed-in people), so the post can still be discussed.
    assert verdict.interactions.favourite is False
    assert verdict.interactions.reblog is False
    assert verdict.interactions.reply is False
    assert verdict.interactions.quote is (who.viewer_id is not None)


@pytest.mark.parametrize("context", ALL_CONTEXTS)
def test_a_removed_post_is_seen_by_its_author_alone_with_no_interactions(context: Context) -> None:
    removed = post(removed=True)
    for who in (ANON, viewer(), viewer(follows_author=True, mentioned=True)):
        assert decide(removed, who, context).show is Show.HIDDEN
    own = decide(removed, OWN, context)
    assert own.show is Show.REMOVED
    assert own.interactions == Interactions(favourite=False, reblog=False, reply=False, quote=False)


@pytest.mark.parametrize(
    ("context", "who", "visible"),
    [
        (Context.PUBLIC, viewer(), False),
        (Context.TAG, viewer(follows_author=True), False),
        (Context.SEARCH, ANON, False),
        (Context.NOTIFICATIONS, viewer(), False),  # not notified to non-followers
        (Context.NOTIFICATIONS, viewer(follows_author=True), True),
        (Context.HOME, viewer(follows_author=True), True),
        (Context.PROFILE, ANON, True),
        (Context.THREAD, viewer(), True),
        (Context.DIRECT_LINK, ANON, True),
        (Context.PUBLIC, OWN, False),
    ],
)
def test_limited_reach_keeps_a_post_from_strangers_lists(context: Context, who: ViewerFacts, visible: bool) -> None:
    verdict = decide(post(limited=True), who, context)
    assert verdict.visible is visible
    if visible:
        assert verdict.show is Show.SHOWN and verdict.interactions.favourite is (who.viewer_id is not None)


@pytest.mark.parametrize("context", ALL_CONTEXTS)
def test_a_suspended_authors_posts_are_out_of_public_view(context: Context) -> None:
    gone = post(author_suspended=True)
    assert not decide(gone, ANON, context).visible
    assert not decide(gone, viewer(follows_author=True), context).visible
    # The owner keeps reading their own posts (to export or appeal).
    assert decide(gone, OWN, context).visible
