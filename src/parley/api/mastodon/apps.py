"""``/api/v1/apps`` and the OAuth endpoints (token, revoke, authorize, RFC 8414 metadata)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response
from parley.errors import Forbidden
from parley.oauth import scopes as sc
from parley.oauth.apps import register_app
from parley.oauth.server import FormRequest, Server
from parley.services import Services
from parley.store.tables import OAuthApp

router = APIRouter()


@router.post("/api/v1/apps")
async def create_app(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        p = ctx.params
        uris = p.list("redirect_uris") or [p.required("redirect_uris")]
        new = register_app(
            ctx.session,
            name=p.str("client_name") or "",
            redirect_uris=uris if len(uris) > 1 else uris[0],
            scopes=p.str("scopes"),
            website=p.str("website"),
        )
        return json_response(ctx.ser.application(new.app, client_secret=new.client_secret))

    return await call(request, work, auth="none", limit_key="auth")


@router.get("/api/v1/apps/verify_credentials")
async def verify_app(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        assert ctx.credentials is not None
        if ctx.credentials.app_id is None:
            raise Forbidden("This token does not belong to an application")
        app = ctx.session.get(OAuthApp, ctx.credentials.app_id)
        assert app is not None
        return json_response(ctx.ser.application(app))

    return await call(request, work, auth="app")


async def form_request(request: Request) -> FormRequest:
    form = await request.form() if request.method == "POST" else None
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)] if form is not None else []
    ctype = request.headers.get("content-type", "")
    if request.method == "POST" and ctype.startswith("application/json"):
        import orjson

        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError:
            body = {}
        pairs = [(str(k), str(v)) for k, v in body.items()] if isinstance(body, dict) else []
    return FormRequest(
        method=request.method,
        url=str(request.url),
        headers=dict(request.headers),
        query=list(request.query_params.multi_items()),
        form=pairs,
    )


def _oauth_response(status: int, body: str, headers: list[tuple[str, str]]) -> Response:
    out = Response(body, status_code=status, media_type="application/json")
    for k, v in headers:
        out.headers[k] = v
    return out


@router.post("/oauth/token")
async def token(request: Request) -> Response:
    services: Services = request.app.state.services
    services.limiter.hit_named("auth", request, None)
    req = await form_request(request)

    def run() -> Response:
        with services.db.unit() as uow:
            server = Server(uow.session, password_grant=services.settings.oauth_password_grant)
            return _oauth_response(*server.create_token_response(req))

    return await run_in_threadpool(run)


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    services: Services = request.app.state.services
    req = await form_request(request)

    def run() -> Response:
        with services.db.unit() as uow:
            server = Server(uow.session, password_grant=services.settings.oauth_password_grant)
            status, body, headers = server.create_endpoint_response("revocation", req)
            # Mastodon answers an empty JSON object on success.
            return _oauth_response(status, body if status != 200 else "{}", headers)

    return await run_in_threadpool(run)


@router.get("/.well-known/oauth-authorization-server")
async def metadata(request: Request) -> Response:
    services: Services = request.app.state.services
    base = services.settings.base_url
    grants = ["authorization_code", "client_credentials", "refresh_token"]
    if services.settings.oauth_password_grant:
        grants.append("password")
    return json_response(
        {
            "issuer": base + "/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "scopes_supported": sorted(sc.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": grants,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
        }
    )


def code_from_location(location: str) -> str | None:
    """The ``code`` parameter of an authorization redirect (for the out-of-band page)."""
    values = parse_qs(urlsplit(location).query).get("code")
    return values[0] if values else None
