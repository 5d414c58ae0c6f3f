"""Web pages: writing posts (the compose box and its character counter), a post's page
with its thread, who liked and reposted it, and the actions on a post."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from parley.api.http import parse_id
from parley.api.mastodon.entities import media_json
from parley.errors import Invalid, NotFound, ParleyError
from parley.media import service as media
from parley.pagination import Paged, newest_first
from parley.posts import queries
from parley.posts import service as posts
from parley.posts.access import Seen, get_post_for
from parley.store.tables import Account, MediaAttachment, Post
from parley.web.http import WebCtx, page, pager, safe_next, wants_fragment

router = APIRouter(include_in_schema=False)

# Strictest last: a reply is never more public than the post it answers.
VISIBILITY_ORDER = ("public", "unlisted", "private", "direct")
ACTIONS = ("favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark", "pin", "unpin", "delete")
VALIDATION_PREFIX = "Validation failed: "


def readable(ctx: WebCtx, message: str | ParleyError) -> str:
    """A domain error for a page: translated, without the API's "Validation failed:" (in
    whichever language the translation puts it)."""
    english = message.template if isinstance(message, ParleyError) else message
    text = ctx.error_text(message) if isinstance(message, ParleyError) else ctx.t(message)
    if english.startswith(VALIDATION_PREFIX) and ": " in text:
        return text.split(": ", 1)[1]
    return text


def compose_values(author: Account, **values: Any) -> dict[str, Any]:
    """What a compose form starts with. The idempotency key makes a form sent twice (a
    double click, a reload after sending) publish one post."""
    out: dict[str, Any] = {
        "text": "",
        "spoiler_text": "",
        "visibility": author.default_visibility or "public",
        "in_reply_to_id": None,
        "quoted_status_id": None,
        "idempotency_key": secrets.token_urlsafe(16),
        "media": [],  # uploaded images waiting for this post (Mastodon MediaAttachment entities)
        "reminder": False,  # ask for the descriptions the images lack
    }
    out.update(values)
    out["length"] = posts.measure_text(out["text"]).length if out["text"] else 0
    return out


def _stricter(a: str, b: str) -> str:
    rank = {v: i for i, v in enumerate(VISIBILITY_ORDER)}
    return a if rank.get(a, 0) >= rank.get(b, 0) else b


def _optional_id(value: str | None) -> int | None:
    return parse_id(value) if value else None


def _mentions(ctx: WebCtx, status: dict[str, Any]) -> str:
    """The start of a reply: its author, then the others it mentions, not oneself."""
    status = status.get("reblog") or status
    me = ctx.me.username.lower()
    names: list[str] = []
    for acct in [status["account"]["acct"], *(m["acct"] for m in status.get("mentions") or [])]:
        if acct.lower() != me and acct not in names:
            names.append(acct)
    return "".join(f"@{n} " for n in names)


def _reply_values(ctx: WebCtx, seen: Seen[Post], status: dict[str, Any], **values: Any) -> dict[str, Any]:
    visibility = _stricter(ctx.me.default_visibility or "public", seen.target.visibility)
    return compose_values(ctx.me, text=_mentions(ctx, status), visibility=visibility, in_reply_to_id=seen.target.id, **values)


def _refusal(ctx: WebCtx, post_id: int, verb: str) -> str | None:
    """Why the signed-in person may not reply to or quote this post, or None."""
    try:
        posts.check_interaction(ctx.session, ctx.me, post_id, verb)
    except Invalid as exc:
        return readable(ctx, exc)
    return None


def _compose_page(ctx: WebCtx, values: dict[str, Any], *, error: str | None = None, status: int = 200) -> Response:
    """The compose page, for a reply or a quote when ``values`` say so."""
    replying = quoting = None
    refusal = None
    if values.get("in_reply_to_id"):
        seen = get_post_for(ctx.session, ctx.me.id, values["in_reply_to_id"])
        replying = ctx.ser.status(seen)
        refusal = _refusal(ctx, seen.target.id, "reply")
    if values.get("quoted_status_id"):
        seen = get_post_for(ctx.session, ctx.me.id, values["quoted_status_id"])
        quoting = ctx.ser.status(seen)
        refusal = refusal or _refusal(ctx, seen.target.id, "quote")
    if refusal is not None and status == 200:
        status = 422
    return ctx.render(
        "posts/compose.html",
        status,
        values=values,
        error=error,
        refusal=refusal,
        replying=replying,
        quoting=quoting,
        next=safe_next(ctx.form.get("next") or ctx.query("next"), ""),
    )


@router.get("/compose")
async def compose(request: Request) -> Response:
    """A page to write a post: ``?in_reply_to=ID`` for a reply, ``?quote=ID`` for a quote."""

    def work(ctx: WebCtx) -> Response:
        reply_id = _optional_id(ctx.query("in_reply_to"))
        quote_id = _optional_id(ctx.query("quote"))
        if reply_id is not None:
            seen = get_post_for(ctx.session, ctx.me.id, reply_id)
            values = _reply_values(ctx, seen, ctx.ser.status(seen), quoted_status_id=quote_id)
        else:
            values = compose_values(ctx.me, quoted_status_id=quote_id)
        return _compose_page(ctx, values)

    return await page(request, work, auth="required")


def _form_media(ctx: WebCtx, kept: list[MediaAttachment]) -> None:
    """The images of a compose form: those uploaded by an earlier step of it (fields
    ``media_id_N``, with ``description_N``, dropped with ``remove_N``), then the files
    just chosen (``media``), uploaded now; each joins ``kept`` as it is taken."""
    settings = ctx.services.settings
    for n in range(settings.max_media_attachments):
        raw = ctx.form.get(f"media_id_{n}")
        if not raw:
            continue
        media_id = parse_id(raw)
        if ctx.form.get(f"remove_{n}"):
            key = media.delete(ctx.session, ctx.me.id, media_id)
            ctx.uow.after_commit(partial(media.remove_files, settings, [key]))
            continue
        kept.append(media.update(ctx.session, ctx.me.id, media_id, description=ctx.form.get(f"description_{n}", "")))
    chosen = ctx.files.get("media", [])
    if len(kept) + len(chosen) > settings.max_media_attachments:
        raise Invalid("Validation failed: Cannot attach more than %(max)s files", max=settings.max_media_attachments)
    for data in chosen:
        kept.append(media.upload(ctx.session, settings, ctx.me, data))


@router.post("/statuses")
async def create(request: Request) -> Response:
    """Publish a post from a compose form, then go back to the form's ``next`` (or the
    new post). A post the domain refuses shows the form again, the text and images kept.

    Images without a description are not posted at once: the form comes back with each
    image and a place to describe it (the alt text reminder), and "Post without
    descriptions" (``skip_alt``) for someone who chooses not to."""

    def work(ctx: WebCtx) -> Response:
        form = ctx.form
        data = posts.PostInput(
            text=form.get("status", ""),
            visibility=form.get("visibility") or None,
            in_reply_to_id=_optional_id(form.get("in_reply_to_id")),
            quoted_status_id=_optional_id(form.get("quoted_status_id")),
            spoiler_text=form.get("spoiler_text", "").strip(),
            idempotency_key=form.get("idempotency_key") or None,
        )
        attached: list[MediaAttachment] = []
        base = ctx.services.settings.base_url.rstrip("/")

        def again(error: str | None, status: int, *, reminder: bool = False) -> Response:
            values = compose_values(
                ctx.me,
                text=data.text,
                spoiler_text=data.spoiler_text,
                visibility=data.visibility or ctx.me.default_visibility,
                in_reply_to_id=data.in_reply_to_id,
                quoted_status_id=data.quoted_status_id,
                idempotency_key=data.idempotency_key or secrets.token_urlsafe(16),
                media=[media_json(base, m) for m in attached],
                reminder=reminder,
            )
            return _compose_page(ctx, values, error=error, status=status)

        try:
            # Uploads are kept even when the post is refused, so nobody picks them again.
            _form_media(ctx, attached)
        except (Invalid, NotFound) as exc:
            return again(readable(ctx, exc), exc.status)
        if any(not m.description for m in attached) and not form.get("skip_alt"):
            return again(None, 200, reminder=True)
        try:
            with ctx.session.begin_nested():
                post = posts.create_post(
                    ctx.session,
                    ctx.me,
                    replace(data, media_ids=[m.id for m in attached]),
                    ctx.services.renderer,
                    max_media=ctx.services.settings.max_media_attachments,
                )
        except Invalid as exc:
            return again(readable(ctx, exc), exc.status)
        target = safe_next(form.get("next"), "")
        if not target:
            return ctx.redirect(f"/@{ctx.me.username}/{post.id}")
        if data.in_reply_to_id is not None and "#" not in target:
            target += f"#post-{post.id}"  # a reply sent from a thread: show it there
        return ctx.redirect(target)

    return await page(request, work, auth="required", limit_key="post")


@router.post("/compose/count")
async def count(request: Request) -> Response:
    """The weighted length of a draft, as the domain will count it when it is posted:
    ``{"length", "max", "remaining", "valid"}`` (and ``error``, why it is not valid).
    Takes a form or JSON with ``text``, ``spoiler_text`` and ``with_media`` (the post has
    images, so it may have no text); a script asks as people type."""
    body: dict[str, Any] = {}
    if "application/json" in request.headers.get("content-type", ""):
        try:
            parsed = json.loads(await request.body() or b"{}")
        except ValueError:
            parsed = {}
        body = parsed if isinstance(parsed, dict) else {}

    def work(ctx: WebCtx) -> Response:
        fields: dict[str, Any] = body or ctx.form
        text, spoiler = str(fields.get("text") or ""), str(fields.get("spoiler_text") or "")
        with_media = str(fields.get("with_media") or "") not in ("", "0", "false")
        measure = posts.measure_text(text, spoiler, with_media=with_media)
        limit = posts.MAX_CHARS
        out: dict[str, Any] = {
            "length": measure.length,
            "max": limit,
            "remaining": limit - measure.length,
            "valid": measure.error is None,
        }
        if measure.error is not None:
            out["error"] = readable(ctx, measure.error)
        return ctx.json(out)

    # A read: it writes nothing and must not spend the API's request budget while typing.
    return await page(request, work, write=False)


def _post_fragment(ctx: WebCtx, status: dict[str, Any], *, focus: bool) -> Response:
    return ctx.fragment("_post.html", "post", status, focus=focus)


def _shown(ctx: WebCtx, target_id: int) -> Seen[Post] | None:
    """The post to re-render after an action: the repost it was shown in (``shown``), or
    the post itself; None when the viewer can no longer see it."""
    ctx.session.flush()
    shown = ctx.form.get("shown")
    if shown:
        try:
            seen = get_post_for(ctx.session, ctx.me.id, parse_id(shown))
            if seen.target.id == target_id:
                return seen
        except NotFound:
            pass
    try:
        return get_post_for(ctx.session, ctx.me.id, target_id)
    except NotFound:
        return None


@router.post("/statuses/{status_id}/{verb}")
async def act(request: Request, status_id: str, verb: str) -> Response:
    """Like, repost, bookmark, pin (and undo), or delete a post. A script's request gets
    the post re-rendered (empty when it is gone); a form goes back to ``next``."""

    def work(ctx: WebCtx) -> Response:
        if verb not in ACTIONS:
            raise NotFound("Page not found")
        post_id = parse_id(status_id)
        me = ctx.me
        if verb == "delete":
            posts.delete_post(ctx.session, me, post_id)
            if wants_fragment(request):
                return HTMLResponse("")
            target = safe_next(ctx.form.get("next"), f"/@{me.username}")
            # Its own page is gone: back to the profile.
            if target.split("#")[0].rstrip("/").endswith(f"/{post_id}"):
                target = f"/@{me.username}"
            return ctx.redirect(target)
        result: Post = getattr(posts, verb)(ctx.session, me, post_id)
        target_id = result.reblog_of_id if verb == "reblog" and result.reblog_of_id else result.id
        if wants_fragment(request):
            seen = _shown(ctx, target_id)
            if seen is None:
                return HTMLResponse("")
            return _post_fragment(ctx, ctx.ser.status(seen), focus=ctx.form.get("focus") == "1")
        return ctx.back(f"/@{me.username}/{target_id}" if verb in ("pin", "unpin") else "/home")

    return await page(request, work, auth="required")


def _canonical(
    ctx: WebCtx, username: str, status_id: int, suffix: str = ""
) -> tuple[Seen[Post], str, Response | None]:
    """The post as the viewer may see it, its author's username, and a redirect when the
    address names the wrong author or a repost (to the original's address)."""
    seen = get_post_for(ctx.session, ctx.viewer_id, parse_id(str(status_id)))
    post = seen.target
    author = ctx.session.get(Account, post.account_id)
    if author is None:
        raise NotFound("Record not found")
    if post.id != status_id or author.username.lower() != username.lower():
        return seen, author.username, ctx.redirect(f"/@{author.username}/{post.id}{suffix}")
    return seen, author.username, None


@router.get("/@{username}/{status_id:int}")
async def show(request: Request, username: str, status_id: int) -> Response:
    """A post's page: the thread above it, the post, a reply form and the replies."""

    def work(ctx: WebCtx) -> Response:
        seen, _, redirect = _canonical(ctx, username, status_id)
        if redirect is not None:
            return redirect
        ancestors, descendants = posts.context_of(ctx.session, ctx.viewer_id, seen.post.id)
        statuses = ctx.ser.statuses([*ancestors, seen, *descendants])
        focus = statuses[len(ancestors)]
        reply = None
        if ctx.viewer is not None and (focus.get("parley") or {}).get("interactions", {}).get("reply"):
            reply = _reply_values(ctx, seen, focus)
        return ctx.render(
            "posts/show.html",
            ancestors=statuses[: len(ancestors)],
            post=focus,
            descendants=statuses[len(ancestors) + 1 :],
            reply=reply,
        )

    return await page(request, work)


def _people(ctx: WebCtx, username: str, status_id: int, which: str) -> Response:
    """Who liked (``favourites``) or reposted (``reblogs``) a post, newest first."""
    seen, author, redirect = _canonical(ctx, username, status_id, f"/{which}")
    if redirect is not None:
        return redirect
    page_ = ctx.page(40)
    reader = queries.favourited_by if which == "favourites" else queries.reblogged_by
    rows = reader(ctx.session, seen.target.id, page_)
    loaded = ctx.ser.load_accounts(r[1] for r in rows)
    items = newest_first([Paged(cursor, account_id) for cursor, account_id in rows if account_id in loaded], page_)
    older, newer = pager(f"/@{author}/{seen.target.id}/{which}", items, page_)
    accounts = [ctx.ser.account(loaded[i.item]) for i in items]
    return ctx.render(
        "posts/people.html",
        which=which,
        post=ctx.ser.status(seen),
        accounts=[a for a in accounts if not a.get("suspended")],
        older_url=older,
        newer_url=newer,
    )


@router.get("/@{username}/{status_id:int}/favourites")
async def favourited_by(request: Request, username: str, status_id: int) -> Response:
    """Who liked a post."""
    return await page(request, lambda ctx: _people(ctx, username, status_id, "favourites"))


@router.get("/@{username}/{status_id:int}/reblogs")
async def reblogged_by(request: Request, username: str, status_id: int) -> Response:
    """Who reposted a post (publicly)."""
    return await page(request, lambda ctx: _people(ctx, username, status_id, "reblogs"))


@router.get("/@{username}/{status_id:int}/manage")
async def manage(request: Request, username: str, status_id: int) -> Response:
    """One's own post: delete it, pin or unpin it (the "…" menu, without a script)."""

    def work(ctx: WebCtx) -> Response:
        seen, _, redirect = _canonical(ctx, username, status_id, "/manage")
        if redirect is not None:
            return redirect
        if seen.post.account_id != ctx.me.id:
            raise NotFound("Page not found")  # only its author manages a post
        return ctx.render("posts/manage.html", post=ctx.ser.status(seen))

    return await page(request, work, auth="required")

