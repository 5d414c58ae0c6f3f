"""Instance metadata: ``/api/v1/instance``, ``/api/v2/instance``, rules, and small stubs
that clients call on start-up (custom emojis, announcements, filters, lists)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley import __version__
from parley.api.http import Ctx, call, json_response
from parley.posts.queries import instance_counts
from parley.posts.service import MAX_CHARS
from parley.safety.catalog import BASE_LANGUAGE, CatalogRule, published_rules

router = APIRouter()

MASTODON_VERSION = "4.3.0"


def version() -> str:
    return f"{MASTODON_VERSION} (compatible; Parley {__version__})"


def _configuration(ctx: Ctx) -> dict:
    s = ctx.services.settings
    return {
        "urls": {"streaming": None, "status": None},
        "vapid": {"public_key": ""},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": MAX_CHARS,
            "max_media_attachments": s.max_media_attachments,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "image_size_limit": s.max_image_bytes,
            "image_matrix_limit": s.max_image_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
            "description_limit": 1500,
        },
        "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
        "translation": {"enabled": False},
    }


def rule_entity(rule: CatalogRule) -> dict:
    """Mastodon's Rule entity (``text`` the title, ``hint`` the description), with the
    ``translations`` of Mastodon 4.4 and Parley's catalog fields under ``parley``."""
    return {
        "id": rule.id,
        "text": rule.title[BASE_LANGUAGE],
        "hint": rule.description[BASE_LANGUAGE],
        "translations": {
            language: {"text": rule.title[language], "hint": rule.description[language]}
            for language in sorted(rule.title)
            if language != BASE_LANGUAGE
        },
        "parley": {
            "group": rule.group,
            "severity": rule.severity,
            "version": rule.version,
            "public_interest_eligible": rule.public_interest_eligible,
            "immediate_suspension": rule.immediate_suspension,
            "dsa_category": rule.dsa_category,
            "dsa_keyword": rule.dsa_keyword,
            "actions": list(rule.actions),
            "default_action": rule.default_action,
        },
    }


def _rules(ctx: Ctx) -> list[dict]:
    return [rule_entity(rule) for rule in published_rules(ctx.session)]


@router.get("/api/v1/instance")
async def instance_v1(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        s = ctx.services.settings
        users, posts = instance_counts(ctx.session)
        config = _configuration(ctx)
        return json_response(
            {
                "uri": s.domain,
                "title": s.instance_title,
                "short_description": s.instance_description,
                "description": s.instance_description,
                "email": s.contact_email,
                "version": version(),
                "urls": {"streaming_api": None},
                "stats": {"user_count": users, "status_count": posts, "domain_count": 1},
                "thumbnail": f"{s.base_url}/static/header.png",
                "languages": ["en", "nl"],
                "registrations": s.registrations_open,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": config,
                "contact_account": None,
                "rules": _rules(ctx),
            }
        )

    return await call(request, work, auth="none")


@router.get("/api/v2/instance")
async def instance_v2(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        s = ctx.services.settings
        users, _ = instance_counts(ctx.session)
        return json_response(
            {
                "domain": s.domain,
                "title": s.instance_title,
                "version": version(),
                "source_url": "https://parley.invalid/source",
                "description": s.instance_description,
                "usage": {"users": {"active_month": users}},
                "thumbnail": {"url": f"{s.base_url}/static/header.png"},
                "icon": [],
                "languages": ["en", "nl"],
                "configuration": _configuration(ctx),
                "registrations": {"enabled": s.registrations_open, "approval_required": False, "message": None, "url": None},
                "api_versions": {"mastodon": 2},
                "contact": {"email": s.contact_email, "account": None},
                "rules": _rules(ctx),
            }
        )

    return await call(request, work, auth="none")


@router.get("/api/v1/instance/rules")
async def instance_rules(request: Request) -> Response:
    return await call(request, lambda ctx: json_response(_rules(ctx)), auth="none")


@router.get("/api/v1/instance/peers")
async def instance_peers(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), auth="none")


@router.get("/api/v1/instance/activity")
async def instance_activity(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), auth="none")


@router.get("/api/v1/custom_emojis")
async def custom_emojis(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), auth="none")


@router.get("/api/v1/announcements")
async def announcements(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), auth="required")


@router.get("/api/v1/filters")
async def filters_v1(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), scope="read:filters")


@router.get("/api/v2/filters")
async def filters_v2(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), scope="read:filters")


@router.get("/api/v1/lists")
async def lists(request: Request) -> Response:
    return await call(request, lambda ctx: json_response([]), scope="read:lists")


@router.get("/api/v1/preferences")
async def preferences(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        a = ctx.account
        return json_response(
            {
                "posting:default:visibility": a.default_visibility,
                "posting:default:sensitive": a.default_sensitive,
                "posting:default:language": a.default_language,
                "reading:expand:media": "default",
                "reading:expand:spoilers": False,
            }
        )

    return await call(request, work, scope="read:accounts")
