"""Web pages: profiles and their posts, follower lists, follow requests, and the buttons
that follow, block and mute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.accounts import service as accounts
from parley.api.http import parse_id
from parley.errors import NotFound
from parley.graph import service as graph
from parley.pagination import Page, Paged, newest_first
from parley.safety.public_office import designation_of
from parley.store.tables import Account
from parley.timelines import service as timelines
from parley.web.http import WebCtx, flash, page, pager, safe_next, wants_fragment, with_query
from parley.web.i18n import lazy

router = APIRouter(include_in_schema=False)

POSTS_PER_PAGE = 20
PEOPLE_PER_PAGE = 40

# What the answer to a form says on the page it returns to (``?done=``).
FLASHES = {
    "authorized": lazy("Follow request accepted."),
    "rejected": lazy("Follow request rejected."),
}


# --- helpers shared by the people pages ---------------------------------------------------


def local_account(ctx: WebCtx, username: str) -> Account:
    """The account of ``/@username``; a handle of another server is not found here."""
    name, _, domain = username.partition("@")
    if domain and domain.lower() != ctx.services.settings.domain.lower():
        raise NotFound("Page not found")
    account = accounts.find_account(ctx.session, name) if name else None
    if account is None:
        raise NotFound("Page not found")
    return account


def _profile(ctx: WebCtx, account: Account) -> dict[str, Any]:
    """What the profile header shows: the account (with its public office), the viewer's
    relationship with it, and for its owner the number of waiting follow requests."""
    entity = ctx.ser.account(account)
    office, _ = designation_of(ctx.session, account.id)
    if office is not None:
        # A copy: the serializer's dicts may be shared.
        entity = {**entity, "parley": {**entity.get("parley", {}), "official": office.role}}
    own = ctx.viewer is not None and ctx.viewer.id == account.id
    rel = ctx.ser.relationships([account.id])[0] if ctx.viewer is not None and not own else None
    requests = 0
    if own and account.locked:
        requests = int(ctx.ser.credential_account(account)["source"]["follow_requests_count"])
    name = entity["display_name"] or account.username
    return {
        "account": entity,
        "office": office,
        "own": own,
        "rel": rel,
        "requests_count": requests,
        "title": f"{name} (@{account.username})",
    }


def _suspended(ctx: WebCtx, context: dict[str, Any], section: str) -> Response | None:
    """A suspended account's page: the notice alone (403, as Mastodon answers)."""
    if not context["account"].get("suspended"):
        return None
    return ctx.render("profiles/show.html", 403, section=section, statuses=[], pinned=[], **context)


# --- profile and its posts ----------------------------------------------------------------



def _empty_text(ctx: WebCtx, section: str, rel: dict[str, Any] | None) -> str:
    if rel is not None and rel["blocked_by"]:
        return ctx.t("You cannot see this account's posts.")
    if rel is not None and rel["blocking"]:
        return ctx.t("You blocked this account. Unblock it to see its posts here.")
    if section == "media":
        return ctx.t("No posts with pictures or video yet.")
    if section == "likes":
        return ctx.t("Posts you like show up here. Only you can see this list.")
    return ctx.t("No posts yet.")


def _posts_page(request: Request, username: str, section: str) -> Callable[[WebCtx], Response]:
    def work(ctx: WebCtx) -> Response:
        account = local_account(ctx, username)
        context = _profile(ctx, account)
        if section == "likes" and not context["own"]:
            # Likes are private, as in Mastodon: only their owner has this tab.
            raise NotFound("Page not found")
        gone = _suspended(ctx, context, section)
        if gone is not None:
            return gone
        wanted = ctx.page(POSTS_PER_PAGE)
        if section == "likes":
            items = timelines.favourites(ctx.session, ctx.me.id, wanted)
        else:
            items = timelines.account_posts(
                ctx.session,
                ctx.viewer_id,
                account.id,
                wanted,
                exclude_replies=section == "posts",
                only_media=section == "media",
            )
        pinned = []
        first_page = wanted.max_id is None and wanted.min_id is None
        if section == "posts" and first_page:
            pinned = [i.item for i in timelines.account_posts(ctx.session, ctx.viewer_id, account.id, Page(limit=5), pinned=True)]
        pinned_ids = {s.post.id for s in pinned}
        listed = [i.item for i in items if i.item.post.id not in pinned_ids]
        statuses = ctx.ser.statuses(pinned + listed)
        path = request.url.path
        older, newer = pager(path, items, wanted)
        headings = {
            "posts": ctx.t("Posts"),
            "with_replies": ctx.t("Posts and replies"),
            "media": ctx.t("Media"),
            "likes": ctx.t("Likes"),
        }
        return ctx.render(
            "profiles/show.html",
            section=section,
            pinned=statuses[: len(pinned)],
            statuses=statuses[len(pinned):],
            older_url=older,
            newer_url=newer,
            empty=_empty_text(ctx, section, context["rel"]),
            feed_heading=headings[section],
            **context,
        )

    return work


@router.get("/@{username}")
async def profile(request: Request, username: str) -> Response:
    return await page(request, _posts_page(request, username, "posts"))


@router.get("/@{username}/with_replies")
async def profile_with_replies(request: Request, username: str) -> Response:
    return await page(request, _posts_page(request, username, "with_replies"))


@router.get("/@{username}/media")
async def profile_media(request: Request, username: str) -> Response:
    return await page(request, _posts_page(request, username, "media"))


@router.get("/@{username}/likes")
async def profile_likes(request: Request, username: str) -> Response:
    return await page(request, _posts_page(request, username, "likes"))


# --- followers and following --------------------------------------------------------------


def _people_page(request: Request, username: str, section: str) -> Callable[[WebCtx], Response]:
    def work(ctx: WebCtx) -> Response:
        account = local_account(ctx, username)
        context = _profile(ctx, account)
        gone = _suspended(ctx, context, section)
        if gone is not None:
            return gone
        wanted = ctx.page(PEOPLE_PER_PAGE)
        lister = graph.followers_page if section == "followers" else graph.following_page
        rows = lister(ctx.session, ctx.viewer_id, account.id, wanted)
        loaded = ctx.ser.load_accounts(r[1] for r in rows)
        items = newest_first([Paged(cursor, i) for cursor, i in rows if i in loaded], wanted)
        people = [ctx.ser.account(loaded[i.item]) for i in items]
        rels = {r["id"]: r for r in ctx.ser.relationships([i.item for i in items])} if ctx.viewer else {}
        older, newer = pager(request.url.path, items, wanted)
        name = context["account"]["display_name"] or account.username
        if section == "followers":
            heading = ctx.t("Followers")
            title = ctx.t("People following %(name)s", name=name)
            empty = ctx.t("Nobody follows this account yet.")
        else:
            heading = ctx.t("Following")
            title = ctx.t("People %(name)s follows", name=name)
            empty = ctx.t("This account follows nobody yet.")
        context["title"] = title
        return ctx.render(
            "profiles/people.html",
            section=section,
            heading=heading,
            accounts=people,
            rels=rels,
            empty=empty,
            older_url=older,
            newer_url=newer,
            **context,
        )

    return work


@router.get("/@{username}/followers")
async def followers(request: Request, username: str) -> Response:
    return await page(request, _people_page(request, username, "followers"))


@router.get("/@{username}/following")
async def following(request: Request, username: str) -> Response:
    return await page(request, _people_page(request, username, "following"))


# --- follow, block, mute ------------------------------------------------------------------

ACTIONS: dict[str, Callable[[WebCtx, Account], None]] = {
    "follow": lambda ctx, t: graph.follow(ctx.session, ctx.me, t),
    "unfollow": lambda ctx, t: graph.unfollow(ctx.session, ctx.me, t),
    "block": lambda ctx, t: graph.block(ctx.session, ctx.me, t),
    "unblock": lambda ctx, t: graph.unblock(ctx.session, ctx.me, t),
    "mute": lambda ctx, t: graph.mute(ctx.session, ctx.me, t),
    "unmute": lambda ctx, t: graph.unmute(ctx.session, ctx.me, t),
}


def _relationship_route(verb: str) -> Callable[[Request, str], Any]:
    act = ACTIONS[verb]

    async def route(request: Request, username: str) -> Response:
        def work(ctx: WebCtx) -> Response:
            target = local_account(ctx, username)
            act(ctx, target)
            if not wants_fragment(request):
                return ctx.back(f"/@{target.username}")
            ctx.session.flush()
            rel = ctx.ser.relationships([target.id])[0]
            nxt = ctx.form.get("next") or f"/@{target.username}"
            compact = ctx.form.get("compact") == "1"
            return ctx.fragment(
                "profiles/_people.html", "relationship", ctx.ser.account(target), rel, nxt, compact, verb in ("mute", "unmute")
            )

        return await page(request, work, auth="required")

    route.__name__ = f"profile_{verb}"
    return route


for _verb in ACTIONS:
    router.add_api_route(f"/@{{username}}/{_verb}", _relationship_route(_verb), methods=["POST"])


# --- follow requests ----------------------------------------------------------------------


@router.get("/follow_requests")
async def follow_requests(request: Request) -> Response:
    def work(ctx: WebCtx) -> Response:
        wanted = ctx.page(PEOPLE_PER_PAGE)
        rows = graph.requests_page(ctx.session, ctx.me.id, wanted)
        loaded = ctx.ser.load_accounts(r[1] for r in rows)
        items = newest_first([Paged(cursor, i) for cursor, i in rows if i in loaded], wanted)
        older, newer = pager("/follow_requests", items, wanted)
        return ctx.render(
            "profiles/requests.html",
            accounts=[ctx.ser.account(loaded[i.item]) for i in items],
            older_url=older,
            newer_url=newer,
            flash=flash(ctx, FLASHES),
        )

    return await page(request, work, auth="required")


def _answer_route(verb: str) -> Callable[[Request, str], Any]:
    async def route(request: Request, account_id: str) -> Response:
        def work(ctx: WebCtx) -> Response:
            requester = accounts.get_account(ctx.session, parse_id(account_id))
            if verb == "authorize":
                graph.authorize_request(ctx.session, ctx.me, requester.id)
                done = "authorized"
            else:
                graph.reject_request(ctx.session, ctx.me, requester.id)
                done = "rejected"
            if wants_fragment(request):
                nxt = ctx.form.get("next") or "/follow_requests"
                return ctx.fragment("profiles/_people.html", "request_answer", ctx.ser.account(requester), nxt, done)
            return ctx.redirect(with_query(safe_next(ctx.form.get("next"), "/follow_requests"), done=done))

        return await page(request, work, auth="required")

    route.__name__ = f"follow_request_{verb}"
    return route


for _verb in ("authorize", "reject"):
    router.add_api_route(f"/follow_requests/{{account_id}}/{_verb}", _answer_route(_verb), methods=["POST"])
