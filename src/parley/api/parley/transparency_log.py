"""The transparency log over HTTP, as RFC 6962 section 4 serves a CT log.

Under ``/api/parley/v1/transparency/ct/v1/``: ``get-sth``, ``get-sth-consistency``,
``get-proof-by-hash`` and ``get-entries``; and ``/api/parley/v1/transparency/public-key``,
the key tree heads are signed with. Public: no token is needed and none is looked at.
Hashes and signatures are base64 (standard alphabet, padded). Malformed or impossible
parameters answer 400 with ``{"error": ...}``; a leaf hash the log does not hold, 404.
"""

from __future__ import annotations

import base64
import binascii
import re

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.http import Ctx, call, json_response
from parley.transparency import keys, log

router = APIRouter()

PREFIX = "/api/parley/v1/transparency"
CT = f"{PREFIX}/ct/v1"
_NUMBER = re.compile(r"[0-9]{1,19}")
_NO_CACHE = {"Cache-Control": "no-cache"}


def _number(ctx: Ctx, name: str) -> int:
    raw = ctx.params.str(name)
    if raw is None or raw == "":
        raise log.BadRequest(f"Missing parameter: {name}")
    if not _NUMBER.fullmatch(raw) or int(raw) >= 2**63:
        raise log.BadRequest(f"{name} must be a whole number from 0 to 2^63 - 1")
    return int(raw)


def _hash(ctx: Ctx, name: str) -> bytes:
    raw = ctx.params.str(name)
    if not raw:
        raise log.BadRequest(f"Missing parameter: {name}")
    # An unescaped "+" in a query string arrives as a space.
    try:
        value = base64.b64decode(raw.replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise log.BadRequest(f"{name} must be base64") from exc
    if len(value) != 32:
        raise log.BadRequest(f"{name} must be a SHA-256 hash (32 bytes)")
    return value


def _b64(values: list[bytes]) -> list[str]:
    return [keys.b64(v) for v in values]


@router.get(f"{CT}/get-sth", summary="The signed tree head of the transparency log (RFC 6962, 4.3)")
async def get_sth(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        head = log.tree_head(ctx.session, ctx.services.settings)
        return json_response(
            {
                "tree_size": head.tree_size,
                "timestamp": head.timestamp,
                "sha256_root_hash": keys.b64(head.root_hash),
                "tree_head_signature": keys.b64(head.signature),
            },
            headers=_NO_CACHE,
        )

    return await call(request, work, auth="none")


@router.get(
    f"{CT}/get-sth-consistency",
    summary="A consistency proof between two tree sizes (RFC 6962, 4.4)",
    description="`first` and `second`: tree sizes, 0 <= first <= second <= the log's size.",
)
async def get_sth_consistency(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        first, second = _number(ctx, "first"), _number(ctx, "second")
        return json_response({"consistency": _b64(log.consistency_proof(ctx.session, first, second))})

    return await call(request, work, auth="none")


@router.get(
    f"{CT}/get-proof-by-hash",
    summary="An entry's index and audit path by its leaf hash (RFC 6962, 4.5)",
    description="`hash`: the base64 leaf hash, SHA-256(0x00 || leaf_input); `tree_size`: the tree to prove it in.",
)
async def get_proof_by_hash(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        leaf, size = _hash(ctx, "hash"), _number(ctx, "tree_size")
        index, path = log.proof_by_hash(ctx.session, leaf, size)
        return json_response({"leaf_index": index, "audit_path": _b64(path)})

    return await call(request, work, auth="none")


@router.get(
    f"{CT}/get-entries",
    summary="Entries of the log (RFC 6962, 4.6)",
    description=(
        f"`start` and `end`: leaf indexes, both included. At most {log.MAX_ENTRIES} entries per call, "
        "and none past the end of the log: ask again from where the answer stopped. `leaf_input` "
        "is the exact bytes that were hashed (canonical JSON), base64."
    ),
)
async def get_entries(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        start, end = _number(ctx, "start"), _number(ctx, "end")
        found = log.entries(ctx.session, start, end)
        return json_response({"entries": [{"leaf_input": keys.b64(e), "extra_data": ""} for e in found]})

    return await call(request, work, auth="none")


@router.get(f"{PREFIX}/public-key", summary="The public key that signs the log's tree heads")
async def public_key(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        key = keys.load_or_create(ctx.services.settings.data_dir)
        raw = keys.public_raw(key)
        return json_response(
            {
                "algorithm": keys.ALGORITHM,
                "public_key": keys.b64(raw),
                "public_key_pem": keys.public_pem(key),
                "log_id": keys.b64(keys.log_id(raw)),
            }
        )

    return await call(request, work, auth="none")
