"""Rate limits through the ``limits`` library: in memory, or in Redis when configured so
that every app process shares the same counters.

Defaults follow Mastodon: 300 API calls per 5 minutes per token (or per address without
one), 300 posts per 3 hours per token, and a tighter budget for sign-in and token requests.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute, storage, strategies
from starlette.requests import Request

from parley.errors import RateLimited
from parley.settings import Settings


class Limiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        if settings.redis_url:
            self.storage = storage.storage_from_string(
                settings.redis_url, key_prefix=f"{settings.redis_prefix}:limits"
            )
        else:
            self.storage = storage.storage_from_string("memory://")
        self.strategy = strategies.FixedWindowRateLimiter(self.storage)
        self.limits: dict[str, RateLimitItem] = {
            "api": RateLimitItemPerMinute(settings.rate_limit_per_5min, 5),
            "post": RateLimitItemPerHour(settings.rate_limit_posts_per_3h, 3),
            "auth": RateLimitItemPerMinute(settings.rate_limit_auth_per_5min, 5),
            "report": RateLimitItemPerHour(settings.rate_limit_reports_per_hour, 1),
            # Image uploads, as Mastodon limits them: 30 in 30 minutes.
            "media": RateLimitItemPerMinute(30, 30),
        }

    @staticmethod
    def _who(request: Request, token: str | None) -> str:
        if token:
            return "t:" + hashlib.sha256(token.encode()).hexdigest()[:24]
        client = request.client.host if request.client else "unknown"
        return "ip:" + client

    def hit_api(self, request: Request, token: str | None) -> dict[str, str]:
        """Count one API call; return the ``X-RateLimit-*`` headers or raise ``RateLimited``."""
        return self._hit("api", self._who(request, token))

    def hit_named(self, name: str, request: Request, token: str | None) -> dict[str, str]:
        return self._hit(name, self._who(request, token))

    def _hit(self, name: str, who: str) -> dict[str, str]:
        if not self.enabled:
            return {}
        item = self.limits[name]
        allowed = self.strategy.hit(item, "parley", name, who)
        reset, remaining = self.strategy.get_window_stats(item, "parley", name, who)
        if not allowed:
            raise RateLimited(
                "Too many requests", limit=item.amount, remaining=0, reset=int(reset)
            )
        return {
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": datetime.fromtimestamp(max(reset, time.time()), tz=UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
        }
